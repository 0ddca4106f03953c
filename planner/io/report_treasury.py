"""The report's `treasury` section: the treasury's months, runway, margin
calls, instruments and hedges as JSON. It is in the report only when the project states
a treasury, debt or hedges; without them the plan sells every BTC mined in its month."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from planner.domain.months import format_month
from planner.engine.model import Results
from planner.engine.treasury_result import CASH_COMPONENTS, InstrumentFlows, TreasuryResult


def _num(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _month(results: Results, t: float) -> str | None:
    t = float(t)
    if not math.isfinite(t):
        return None
    return format_month(results.inputs.timeline.month_starts[int(t)])


def treasury_entry(results: Results, treasury: TreasuryResult, path: int = 0) -> dict[str, Any]:
    """The treasury on one path (the scenario's: 0). Runways count whole months from the
    start to the first month cash ends below the buffer (null: never); `runway_month`
    names that month."""
    p = path
    runway = float(treasury.runway_months[p])
    runway_sales = float(treasury.runway_with_sales_months[p])
    return {
        "min_cash_buffer_usd": treasury.min_cash_buffer_usd,
        "runway_months": None if math.isnan(runway) else int(runway),
        "runway_month": _month(results, runway),
        "runway_with_sales_months": None if math.isnan(runway_sales) else int(runway_sales),
        "runway_with_sales_month": _month(results, runway_sales),
        "min_cash_usd": float(treasury.min_cash_usd[p]),
        "margin_calls": [
            {
                "month": _month(results, call.month),
                "instrument": call.instrument,
                "btc_topped_up": call.btc_topped_up,
                "btc_liquidated": call.btc_liquidated,
            }
            for call in treasury.margin_calls(p)
        ],
        "instruments": [_instrument(results, loan, p) for loan in treasury.instruments],
        "hedges": [
            {
                "name": hedge.name,
                "type": hedge.type,
                "settlements_usd": float(hedge.settlement_usd[p].sum()),
                "premiums_usd": float(hedge.premium_usd[p].sum()),
            }
            for hedge in treasury.hedges
        ],
        "notes": list(treasury.notes),
        "monthly": _monthly(results, treasury, p),
    }


def _max(values: np.ndarray) -> float | None:
    """The largest finite value; None when there is none."""
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else None


def _instrument(results: Results, loan: InstrumentFlows, p: int) -> dict[str, Any]:
    """One instrument's totals; an equipment loan's collateral (the book value of its
    rigs in service; null for other instruments): its value at the horizon's end, the
    highest loan to that value, the first month the balance is above it (null: never)
    and the principal repaid as its rows retired."""
    underwater = loan.underwater_months(p)
    return {
        "name": loan.name,
        "type": loan.type,
        "drawn_usd": float(loan.draw_usd[p].sum()),
        "fees_usd": float(loan.fee_usd[p].sum()),
        "interest_paid_usd": float(loan.interest_usd[p].sum()),
        "principal_paid_usd": float(loan.principal_usd[p].sum()),
        "settled_without_cash_usd": float(loan.non_cash_usd[p].sum()),
        "outstanding_end_usd": float(loan.balance_end_usd[p, -1]),
        "max_ltv": _max(loan.ltv[p]),
        "principal_on_retirement_usd": float(loan.principal_on_retirement_usd[p].sum()),
        "collateral_value_end_usd": _num(loan.collateral_value_end_usd[p, -1]),
        "max_loan_to_collateral_value": _max(loan.loan_to_collateral_value[p]),
        "underwater_month": _month(results, underwater[0]) if underwater.size else None,
    }


def _monthly(results: Results, tr: TreasuryResult, p: int) -> list[dict[str, Any]]:
    labels = [format_month(m) for m in results.inputs.timeline.month_starts]
    btc_loans = [loan for loan in tr.instruments if loan.type == "btc_loan"]
    columns = {
        "cash_start_usd": tr.cash_start_usd[p],
        "cash_end_usd": tr.cash_end_usd[p],
        "btc_held_start": tr.btc_held_start[p],
        "btc_mined": tr.btc_mined[p],
        "btc_sold": tr.btc_sold[p],
        "btc_liquidated": tr.btc_liquidated[p],
        "btc_held_end": tr.btc_held_end[p],
        "btc_pledged_end": tr.btc_pledged_end[p],
        "btc_price_usd": tr.btc_price_usd[p],
        "btc_fair_value_end_usd": tr.btc_fair_value_end_usd[p],
        "btc_fair_value_change_usd": tr.btc_fair_value_change_usd[p],
        "realised_gain_usd": tr.realised_gain_usd[p],
        "debt_end_usd": tr.debt_end_usd[p],
        "interest_usd": tr.interest_usd[p],
        "principal_usd": tr.principal_usd[p],
        "hedge_settlement_usd": tr.hedge_settlement_usd[p],
        "treasury_tax_usd": tr.extra_tax_usd[p],
    }
    lists = {key: values.tolist() for key, values in columns.items()}
    components = {key: (tr.cash_components[key][p] + 0.0).tolist() for key in CASH_COMPONENTS}
    leverage = tr.net_debt_to_ebitda[p].tolist()
    coverage = tr.debt_service_coverage[p].tolist()
    ltvs = {loan.name: loan.ltv[p].tolist() for loan in btc_loans}
    collateral = {
        loan.name: (
            loan.collateral_value_end_usd[p].tolist(),
            loan.loan_to_collateral_value[p].tolist(),
        )
        for loan in tr.instruments
        if loan.type == "equipment"
    }
    return [
        {
            "month": label,
            **{key: values[t] for key, values in lists.items()},
            "cash_components": {key: values[t] for key, values in components.items()},
            "net_debt_to_ebitda": _num(leverage[t]),
            "debt_service_coverage": _num(coverage[t]),
            # A list, not a dict by name: the keys of the report are fixed words.
            "ltv": [{"instrument": name, "ltv": _num(values[t])} for name, values in ltvs.items()],
            # Equipment loans: their rigs' book value in service and the loan to it.
            "equipment_collateral": [
                {
                    "instrument": name,
                    "collateral_value_usd": value[t],
                    "loan_to_collateral_value": _num(ratio[t]),
                }
                for name, (value, ratio) in collateral.items()
            ],
        }
        for t, label in enumerate(labels)
    ]
