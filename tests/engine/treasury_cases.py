"""Treasuries on paths written by hand: a project with no fleet for the calendar and the
tax rules, and a market of the test's own prices, hashprices and fleet flows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from planner.domain.project import Project
from planner.domain.treasury import DebtInstrument, Hedge, TreasurySettings
from planner.engine import compile_inputs
from planner.engine.treasury import TreasuryMarket, treasury_paths, treasury_plan
from planner.engine.treasury_result import TreasuryResult
from tests.engine.conftest import make_project


def empty_project(
    months: int,
    start: str = "2027-01",
    treasury: dict[str, Any] | None = None,
    debt: Sequence[dict[str, Any]] = (),
    hedges: Sequence[dict[str, Any]] = (),
    finance: dict[str, Any] | None = None,
) -> Project:
    """No fleet: the treasury alone, over `months` from `start` (fiscal years end in
    December unless `finance` says)."""
    project = make_project(
        fleet=[],
        scenario={"start_month": start},
        finance={"horizon_months": months, **(finance or {})},
    )
    return project.model_copy(
        update={
            "treasury": TreasurySettings(**treasury) if treasury is not None else None,
            "debt": [DebtInstrument(**d) for d in debt],
            "hedges": [Hedge(**h) for h in hedges],
        }
    )


def on_path(
    project: Project,
    price_usd: Sequence[float] | float = 100_000.0,
    hashprice_usd_per_ph_day: Sequence[float] | float = 40.0,
    btc_mined: Sequence[float] | float = 0.0,
    operating_cash_usd: Sequence[float] | float = 0.0,
    tax_usd: Sequence[float] | float = 0.0,
    ebitda_usd: Sequence[float] | float = 0.0,
    taxable_income_usd: Sequence[float] | float = 0.0,
) -> TreasuryResult:
    """The project's treasury on one path of the test's figures: the fleet's revenue is
    mined x price, its free cash flow that + `operating_cash_usd` - `tax_usd`."""
    inputs = compile_inputs(project)
    months = inputs.months

    def path(values: Sequence[float] | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=float), (months,))[None, :].copy()

    price = path(price_usd)
    mined = path(btc_mined)
    tax = path(tax_usd)
    market = TreasuryMarket(
        btc_price_usd=price,
        hashprice_usd_per_ph_day=path(hashprice_usd_per_ph_day),
        btc_mined=mined,
        revenue_usd=mined * price,
        free_cash_flow_usd=mined * price + path(operating_cash_usd) - tax,
        tax_usd=tax,
        ebitda_usd=path(ebitda_usd),
        taxable_income_usd=path(taxable_income_usd),
    )
    return treasury_paths(treasury_plan(project, inputs), market, inputs)


def assert_identities(result: TreasuryResult) -> None:
    """The components add up to the change in cash, months chain, BTC rolls forward."""
    change = result.cash_end_usd - result.cash_start_usd
    total = sum(result.cash_components.values(), np.zeros_like(change))
    np.testing.assert_allclose(total, change, atol=1e-6)
    np.testing.assert_array_equal(result.cash_start_usd[:, 1:], result.cash_end_usd[:, :-1])
    held = result.btc_held_start + result.btc_mined - result.btc_sold - result.btc_liquidated
    np.testing.assert_allclose(held, result.btc_held_end, atol=1e-9)
