"""What the treasury answers: the roll-forwards, each instrument and hedge, the runway,
leverage and coverage. Arrays have a leading paths axis (P, H); the scenario is P = 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from planner.engine.debt import LoanFlows, LoanTerms, retirement_principal_usd

if TYPE_CHECKING:
    from planner.engine.treasury import FixedFlows, TreasuryMarket, TreasuryPlan
    from planner.engine.treasury_roll import RollOutput
    from planner.engine.treasury_solve import TreasuryTax

# The cash components in the order they are reported; they add up to the change in cash.
CASH_COMPONENTS = (
    "operating_cash_usd",
    "mined_btc_sales_usd",
    "held_btc_sales_usd",
    "debt_draws_usd",
    "upfront_fees_usd",
    "interest_usd",
    "principal_usd",
    "hedge_settlements_usd",
    "hedge_premiums_usd",
    "prepayment_delivery_usd",
    "tax_usd",
)


@dataclass(frozen=True)
class InstrumentFlows:
    """One debt instrument's months (P, H); `ltv` is NaN but for BTC-backed loans."""

    name: str
    type: str
    draw_usd: np.ndarray
    fee_usd: np.ndarray
    interest_usd: np.ndarray
    principal_usd: np.ndarray  # repaid in cash
    non_cash_usd: np.ndarray  # converted, prepayment delivered, or repaid by liquidation
    balance_end_usd: np.ndarray
    ltv: np.ndarray
    btc_topped_up: np.ndarray
    btc_liquidated: np.ndarray
    btc_pledged_end: np.ndarray
    # Equipment financing (NaN for other instruments): the book value of the financed
    # rigs in service at each month's end and the balance / that value (NaN: nothing
    # owed; inf: owed on no rigs); the principal due as financed rows retired (in
    # principal_usd; zeros for other instruments).
    collateral_value_end_usd: np.ndarray
    loan_to_collateral_value: np.ndarray
    principal_on_retirement_usd: np.ndarray

    def underwater_months(self, path: int = 0) -> np.ndarray:
        """The month indexes an equipment loan's balance ends above its rigs' value."""
        value = self.collateral_value_end_usd[path]
        owed = self.balance_end_usd[path]
        return np.flatnonzero(np.isfinite(value) & (owed > value + 0.005))


@dataclass(frozen=True)
class PledgeShortfall:
    """A BTC-backed loan asking, at its draw, for more BTC than is free (held less what
    the other loans have pledged). `month`: its draw month index (negative: before the
    horizon); `btc_pledged`: what the pass pledged at the draw."""

    instrument: str
    month: int
    btc_asked: float
    btc_held: float
    btc_pledged_elsewhere: float
    btc_pledged: float

    @property
    def btc_free(self) -> float:
        return max(self.btc_held - self.btc_pledged_elsewhere, 0.0)


@dataclass(frozen=True)
class HedgeResult:
    """One hedge's settlements (received; negative: paid) and premiums paid, (P, H)."""

    name: str
    type: str
    settlement_usd: np.ndarray
    premium_usd: np.ndarray


@dataclass(frozen=True)
class MarginCall:
    """A month a BTC-backed loan was topped up or had collateral sold."""

    month: int
    instrument: str
    btc_topped_up: float
    btc_liquidated: float


@dataclass(frozen=True)
class TreasuryResult:
    """The treasury month by month. Identities: the cash components add up to
    cash_end - cash_start; cash_end[t] = cash_start[t + 1]; btc_held_end = btc_held_start
    + btc_mined - btc_sold - btc_liquidated."""

    min_cash_buffer_usd: float
    cash_start_usd: np.ndarray
    cash_end_usd: np.ndarray
    cash_components: dict[str, np.ndarray]
    btc_price_usd: np.ndarray
    btc_held_start: np.ndarray
    btc_mined: np.ndarray
    btc_sold: np.ndarray  # mined and held BTC sold
    btc_sold_from_holdings: np.ndarray
    btc_liquidated: np.ndarray  # collateral sold by lenders
    btc_held_end: np.ndarray  # pledged BTC included
    btc_pledged_end: np.ndarray
    btc_cost_basis_end_usd: np.ndarray
    btc_fair_value_end_usd: np.ndarray
    btc_fair_value_change_usd: np.ndarray  # P&L on the BTC held at the month's start
    realised_gain_usd: np.ndarray  # on BTC sold or liquidated
    debt_end_usd: np.ndarray
    interest_usd: np.ndarray  # paid in cash
    principal_usd: np.ndarray  # repaid in cash
    hedge_settlement_usd: np.ndarray
    extra_tax_usd: np.ndarray  # tax paid on top of the fleet's (negative: saved)
    ebitda_ttm_usd: np.ndarray  # trailing twelve months (annualised before a year)
    net_debt_to_ebitda: np.ndarray  # NaN where the trailing EBITDA is not positive
    debt_service_coverage: np.ndarray  # trailing EBITDA / debt service; NaN: no service
    runway_months: np.ndarray  # (P,) first month cash < buffer selling no held BTC; NaN
    runway_with_sales_months: np.ndarray  # (P,) the same under the policy
    min_cash_usd: np.ndarray  # (P,)
    instruments: tuple[InstrumentFlows, ...]
    hedges: tuple[HedgeResult, ...]
    tax: TreasuryTax
    notes: tuple[str, ...]
    pledge_shortfalls: tuple[PledgeShortfall, ...] = ()  # on the scenario's path (0)

    @property
    def paths(self) -> int:
        return int(self.cash_end_usd.shape[0])

    def margin_calls(self, path: int = 0) -> list[MarginCall]:
        """Top-ups and liquidations of BTC-backed loans on one path, by month."""
        calls = []
        months = self.cash_end_usd.shape[1]
        for t in range(months):
            for loan in self.instruments:
                up = float(loan.btc_topped_up[path, t])
                sold = float(loan.btc_liquidated[path, t])
                if up > 0 or sold > 0:
                    calls.append(MarginCall(t, loan.name, up, sold))
        return calls


def _first_below(cash_usd: np.ndarray, buffer_usd: float) -> np.ndarray:
    """(P,) the first month index cash ends below the buffer; NaN when never."""
    below = cash_usd < buffer_usd - 1e-6
    return np.where(below.any(axis=1), below.argmax(axis=1), np.nan)


def trailing_twelve(monthly: np.ndarray) -> np.ndarray:
    """(P, H) the sum of the last 12 months; before a year, the months so far x 12 / n."""
    cumulative = np.cumsum(monthly, axis=-1)
    months = monthly.shape[-1]
    shifted = np.zeros_like(cumulative)
    shifted[..., 12:] = cumulative[..., :-12] if months > 12 else shifted[..., 12:]
    n = np.minimum(np.arange(months) + 1, 12)
    return (cumulative - shifted) * 12.0 / n


def _ratio(top: np.ndarray, bottom: np.ndarray, where: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(where, top / bottom, np.nan)


def result_of(
    plan: TreasuryPlan,
    market: TreasuryMarket,
    fixed: FixedFlows,
    run: RollOutput,
    extra_tax: np.ndarray,
    tax: TreasuryTax,
    cash_without_sales_usd: np.ndarray,
    notes: list[str],
    pledge_shortfalls: tuple[PledgeShortfall, ...] = (),
) -> TreasuryResult:
    """Assemble the answers of a pass (treasury.py)."""
    policy = plan.policy
    instruments = _instruments(plan, fixed, run)
    components = _components(fixed, run, extra_tax)
    cash_start = np.concatenate(
        (
            np.full((run.cash_end_usd.shape[0], 1), policy.opening_cash_usd),
            run.cash_end_usd[:, :-1],
        ),
        axis=1,
    )
    held_start = np.concatenate(
        (
            np.full((run.btc_held_end.shape[0], 1), policy.opening_btc_held),
            run.btc_held_end[:, :-1],
        ),
        axis=1,
    )
    price = market.btc_price_usd
    price_before = np.concatenate((price[:, :1], price[:, :-1]), axis=1)
    debt_end = sum((i.balance_end_usd for i in instruments), np.zeros_like(price))
    interest = -components["interest_usd"]
    principal = -components["principal_usd"]
    ebitda_ttm = trailing_twelve(market.ebitda_usd)
    service_ttm = trailing_twelve(interest + principal)
    return TreasuryResult(
        min_cash_buffer_usd=policy.min_cash_usd,
        cash_start_usd=cash_start,
        cash_end_usd=run.cash_end_usd,
        cash_components=components,
        btc_price_usd=price,
        btc_held_start=held_start,
        btc_mined=market.btc_mined,
        btc_sold=run.btc_sold,
        btc_sold_from_holdings=run.btc_sold_held,
        btc_liquidated=run.btc_liquidated,
        btc_held_end=run.btc_held_end,
        btc_pledged_end=run.btc_pledged_end,
        btc_cost_basis_end_usd=run.btc_cost_basis_end_usd,
        btc_fair_value_end_usd=run.btc_held_end * price,
        btc_fair_value_change_usd=held_start * (price - price_before),
        realised_gain_usd=run.realised_gain_usd,
        debt_end_usd=debt_end,
        interest_usd=interest,
        principal_usd=principal,
        hedge_settlement_usd=fixed.components["hedge_settlements_usd"],
        extra_tax_usd=extra_tax,
        ebitda_ttm_usd=ebitda_ttm,
        net_debt_to_ebitda=_ratio(debt_end - run.cash_end_usd, ebitda_ttm, ebitda_ttm > 0),
        debt_service_coverage=_ratio(ebitda_ttm, service_ttm, service_ttm > 0),
        runway_months=_first_below(cash_without_sales_usd, policy.min_cash_usd),
        runway_with_sales_months=_first_below(run.cash_end_usd, policy.min_cash_usd),
        min_cash_usd=run.cash_end_usd.min(axis=1),
        instruments=instruments,
        hedges=tuple(
            HedgeResult(h.name, h.type, fixed.hedges.settlement_usd[i], fixed.hedges.premium_usd[i])
            for i, h in enumerate(plan.hedges)
        ),
        tax=tax,
        notes=tuple(notes),
        pledge_shortfalls=pledge_shortfalls,
    )


def _components(fixed: FixedFlows, run: RollOutput, extra_tax: np.ndarray) -> dict[str, np.ndarray]:
    """The cash components: the fixed ones, the sales, the BTC loans' and the extra tax."""
    c = fixed.components
    return {
        "operating_cash_usd": c["operating_cash_usd"],
        "mined_btc_sales_usd": run.mined_sales_usd,
        "held_btc_sales_usd": run.held_sales_usd,
        "debt_draws_usd": c["debt_draws_usd"] + run.loan_draw_usd.sum(axis=0),
        "upfront_fees_usd": c["upfront_fees_usd"] - run.loan_fee_usd.sum(axis=0),
        "interest_usd": c["interest_usd"] - run.loan_interest_usd.sum(axis=0),
        "principal_usd": c["principal_usd"] - run.loan_principal_usd.sum(axis=0),
        "hedge_settlements_usd": c["hedge_settlements_usd"],
        "hedge_premiums_usd": c["hedge_premiums_usd"],
        "prepayment_delivery_usd": c["prepayment_delivery_usd"],
        "tax_usd": c["tax_usd"] - extra_tax,
    }


def _instruments(
    plan: TreasuryPlan, fixed: FixedFlows, run: RollOutput
) -> tuple[InstrumentFlows, ...]:
    """Each instrument's flows: its fixed schedule, or the pass's for a BTC loan."""
    out = []
    b = 0  # position among the BTC loans
    for terms, flows in zip(plan.loans, fixed.loans, strict=True):
        shape = flows.balance_end_usd.shape
        nan, zero = np.full(shape, np.nan), np.zeros(shape)
        if terms.type == "btc_loan":
            flows = LoanFlows(
                run.loan_draw_usd[b],
                run.loan_fee_usd[b],
                run.loan_interest_usd[b],
                run.loan_principal_usd[b],
                run.loan_liquidated_usd[b],
                run.loan_balance_end_usd[b],
            )
            extra = (
                run.loan_ltv_end[b],
                run.loan_topped_up_btc[b],
                run.loan_liquidated_btc[b],
                run.loan_collateral_end_btc[b],
            )
            b += 1
        else:
            extra = (nan, zero, zero, zero)
        out.append(
            InstrumentFlows(
                terms.name,
                terms.type,
                flows.draw_usd,
                flows.fee_usd,
                flows.interest_usd,
                flows.principal_usd,
                flows.non_cash_usd,
                flows.balance_end_usd,
                *extra,
                *_collateral(terms, flows.balance_end_usd),
            )
        )
    return tuple(out)


def _collateral(
    terms: LoanTerms, balance_usd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An equipment loan's rigs' value, its loan to that value and its principal due on
    retired rows, (P, H) each (debt_equipment.py); NaN, NaN and zeros for others."""
    paths, months = balance_usd.shape
    if terms.financed is None:
        nan = np.full((paths, months), np.nan)
        return nan, nan.copy(), np.zeros((paths, months))
    value = np.broadcast_to(terms.financed.value_end_usd(months), (paths, months)).copy()
    owed = balance_usd > 0.005
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(owed, np.where(value > 0, balance_usd / value, np.inf), np.nan)
    early = np.broadcast_to(retirement_principal_usd(terms, months), (paths, months)).copy()
    return value, ratio, early
