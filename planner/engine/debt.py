"""Debt schedules (MODEL.md "Treasury, debt and hedges").

A loan is drawn at the start of its draw month; interest for a month is the balance at
its start x the year's rate / 12, paid at the month's end from the draw month on; after
the interest-only months a level loan pays an annuity on the balance over the months
left of its term (recomputed each month, so a rate path or a forced repayment re-levels
it), a bullet loan repays all in the term's last month. An equipment loan also repays
the share of its balance on rows retiring before its end (debt_equipment.py). A loan
drawn before the horizon enters it at the balance its schedule leaves. Balances carry a
leading paths axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.domain.months import months_between
from planner.domain.treasury import DebtInstrument
from planner.engine.debt_equipment import FinancedRows
from planner.engine.inputs import EngineInputs


@dataclass(frozen=True)
class LoanTerms:
    """One instrument with its months as indexes of the horizon (month 0: the start)."""

    name: str
    type: str
    principal_usd: float
    draw_idx: int
    rate_per_month: np.ndarray  # (H,) the monthly rate of each month of the horizon
    interest_only_months: int
    term_months: int
    bullet: bool
    fee_usd: float
    btc_pledged: float
    margin_call_ltv: float
    liquidation_ltv: float
    conversion_btc_price_usd: float
    delivered_ph: float
    financed: FinancedRows | None = None  # an equipment loan's rows, its collateral
    # {month index: share of the balance left due as financed rows retire}
    retired_shares: dict[int, float] = field(default_factory=dict)

    @property
    def maturity_idx(self) -> int:
        """The term's last month: the last payment."""
        return self.draw_idx + self.term_months - 1

    def rate_at(self, t: int) -> float:
        """The monthly rate of month t (before the horizon: its first month's)."""
        return float(self.rate_per_month[min(max(t, 0), self.rate_per_month.size - 1)])


def loan_terms(instrument: DebtInstrument, inputs: EngineInputs) -> LoanTerms:
    """The instrument's terms on the horizon of `inputs`: an equipment loan lends its
    advance rate x the landed cost of its fleet rows, drawn in their latest purchase
    month unless it says, and keeps the rows (its collateral) and the shares of its
    balance due as they retire; a rate path runs from the horizon's start, its last value
    holding; a convertible is repaid (or converted) in one bullet."""
    months = inputs.months
    principal = instrument.principal_usd
    draw = instrument.draw_month
    draw_idx = months_between(inputs.start_month, draw) if draw is not None else 0
    financed = None
    retired: dict[int, float] = {}
    if instrument.type == "equipment":
        financed = FinancedRows.of(instrument.fleet_rows, inputs)
        principal = instrument.advance_rate * float(financed.cost_usd.sum())
        if draw is None and financed.cost_usd.size:
            draw_idx = int(financed.purchase_idx.max())
        retired = financed.retired_shares(draw_idx, draw_idx + instrument.term_months - 1)
    path = np.asarray(instrument.rate_path_per_year, dtype=float)
    if path.size:
        yearly = np.concatenate((path[:months], np.full(max(months - path.size, 0), path[-1])))
    else:
        yearly = np.full(months, instrument.rate_per_year)
    return LoanTerms(
        name=instrument.name,
        type=instrument.type,
        principal_usd=principal,
        draw_idx=draw_idx,
        rate_per_month=yearly / 12.0,
        interest_only_months=instrument.interest_only_months,
        term_months=instrument.term_months,
        bullet=instrument.repayment == "bullet" or instrument.type == "convertible",
        fee_usd=instrument.upfront_fee_share * principal,
        btc_pledged=instrument.btc_pledged,
        margin_call_ltv=instrument.margin_call_ltv,
        liquidation_ltv=instrument.liquidation_ltv,
        conversion_btc_price_usd=instrument.conversion_btc_price_usd or 0.0,
        delivered_ph=instrument.delivered_ph,
        financed=financed,
        retired_shares=retired,
    )


def annuity_usd(balance: np.ndarray, rate: float, months: int) -> np.ndarray:
    """The level payment that repays `balance` over `months` at `rate` a month:
    balance x r / (1 - (1 + r)^-n), or balance / n at a zero rate."""
    if rate == 0.0:
        return balance / months
    return balance * rate / (1.0 - (1.0 + rate) ** -months)


def due(terms: LoanTerms, t: int, balance: float) -> tuple[float, float]:
    """`scheduled` for one balance, in floats."""
    k = t - terms.draw_idx
    if k < 0 or k >= terms.term_months:
        return 0.0, 0.0
    rate = terms.rate_at(t)
    interest = balance * rate
    if k == terms.term_months - 1:
        return interest, balance
    if terms.bullet or k < terms.interest_only_months:
        return interest, 0.0
    left = terms.term_months - k
    payment = balance / left if rate == 0.0 else balance * rate / (1.0 - (1.0 + rate) ** -left)
    return interest, payment - interest


def due_with_retirements(terms: LoanTerms, t: int, balance: float) -> tuple[float, float, float]:
    """`due`, and the principal due early in month t on financed rows retiring then: the
    balance left after the scheduled payment x their share (debt_equipment.py)."""
    interest, principal = due(terms, t, balance)
    share = terms.retired_shares.get(t, 0.0)
    return interest, principal, (balance - principal) * share if share else 0.0


def scheduled(terms: LoanTerms, t: int, balance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(interest, principal) due at the end of month t on the balance at its start."""
    k = t - terms.draw_idx
    if k < 0 or k >= terms.term_months:
        zero = np.zeros_like(balance)
        return zero, zero
    rate = terms.rate_at(t)
    interest = balance * rate
    if k == terms.term_months - 1:
        return interest, balance.copy()
    if terms.bullet or k < terms.interest_only_months:
        return interest, np.zeros_like(balance)
    payment = annuity_usd(balance, rate, terms.term_months - k)
    return interest, payment - interest


@dataclass(frozen=True)
class LoanFlows:
    """One instrument's flows by month (P, H): cash in and out, and the balance."""

    draw_usd: np.ndarray
    fee_usd: np.ndarray
    interest_usd: np.ndarray
    principal_usd: np.ndarray  # repaid in cash
    non_cash_usd: np.ndarray  # balance gone without cash: converted, delivered, liquidated
    balance_end_usd: np.ndarray

    @staticmethod
    def zeros(paths: int, months: int) -> LoanFlows:
        return LoanFlows(*(np.zeros((paths, months)) for _ in range(6)))


def fixed_loan_flows(terms: LoanTerms, paths: int, months: int) -> LoanFlows:
    """The schedule of a term loan, equipment financing or convertible (repaid), which
    no price moves; a loan drawn before the horizon runs from its draw without cash. An
    equipment loan's principal includes what falls due as its rows retire."""
    flows, _early = _schedule(terms, months)
    return LoanFlows(*(np.repeat(a, paths, axis=0) for a in _fields(flows)))


def retirement_principal_usd(terms: LoanTerms, months: int) -> np.ndarray:
    """(H,) the principal an equipment loan repays early as its rows retire (in its
    principal already): zeros for a loan with no rows retiring while it runs."""
    if not terms.retired_shares:
        return np.zeros(months)
    return _schedule(terms, months)[1]


def balance_at_start_usd(terms: LoanTerms) -> float:
    """The balance at the horizon's start of a loan drawn before it (0 otherwise): its
    schedule from the draw, the principal due on retired rows included."""
    if terms.draw_idx >= 0:
        return 0.0
    balance = terms.principal_usd
    for t in range(terms.draw_idx, 0):
        _interest, principal, early = due_with_retirements(terms, t, balance)
        balance -= principal + early
    return balance


def _schedule(terms: LoanTerms, months: int) -> tuple[LoanFlows, np.ndarray]:
    """The fixed schedule on path 0, and the early principal on retired rows (H,)."""
    flows = LoanFlows.zeros(1, months)
    balance = 0.0
    rows: list[tuple[float, float, float, float]] = []  # from month 0 to the maturity
    for t in range(min(terms.draw_idx, 0), min(months, terms.maturity_idx + 1)):
        if t == terms.draw_idx:
            balance += terms.principal_usd
            if t >= 0:
                flows.draw_usd[0, t] = terms.principal_usd
                flows.fee_usd[0, t] = terms.fee_usd
        interest, principal, early = due_with_retirements(terms, t, balance)
        balance -= principal + early
        if t >= 0:
            rows.append((interest, principal + early, balance, early))
    early_usd = np.zeros(months)
    if rows:
        values = np.array(rows).T
        flows.interest_usd[0, : len(rows)] = values[0]
        flows.principal_usd[0, : len(rows)] = values[1]
        flows.balance_end_usd[0, : len(rows)] = values[2]
        early_usd[: len(rows)] = values[3]
    return flows, early_usd


def _fields(flows: LoanFlows) -> tuple[np.ndarray, ...]:
    return (
        flows.draw_usd,
        flows.fee_usd,
        flows.interest_usd,
        flows.principal_usd,
        flows.non_cash_usd,
        flows.balance_end_usd,
    )


def convert_at_maturity(terms: LoanTerms, flows: LoanFlows, price_usd: np.ndarray) -> LoanFlows:
    """A convertible at its maturity: equity (no cash; the balance goes) on the paths
    whose BTC price is above the conversion price, repaid in cash on the others."""
    t = terms.maturity_idx
    if not 0 <= t < price_usd.shape[1]:
        return flows
    converts = price_usd[:, t] > terms.conversion_btc_price_usd
    principal = flows.principal_usd.copy()
    non_cash = flows.non_cash_usd.copy()
    non_cash[:, t] = np.where(converts, principal[:, t], 0.0)
    principal[:, t] = np.where(converts, 0.0, principal[:, t])
    return LoanFlows(
        flows.draw_usd,
        flows.fee_usd,
        flows.interest_usd,
        principal,
        non_cash,
        flows.balance_end_usd,
    )


def prepayment_flows(
    terms: LoanTerms, hashprice_usd_per_ph_day: np.ndarray, days: np.ndarray
) -> tuple[LoanFlows, np.ndarray, np.ndarray]:
    """A hashrate-backed prepayment: the USD in at the draw; over the term, PH/s x days
    delivered each month, valued at the model's hashprice (revenue given up: paid from
    operating cash), while the balance (deferred revenue) falls by principal / term a
    month. Returns the flows, the delivery's value (P, H) and the revenue recognised
    (P, H), both for the tax."""
    paths, months = hashprice_usd_per_ph_day.shape
    t = np.arange(months)
    k = t - terms.draw_idx
    active = (k >= 0) & (k < terms.term_months)
    recognised = np.where(active, terms.principal_usd / terms.term_months, 0.0)
    before = max(-terms.draw_idx, 0) * terms.principal_usd / terms.term_months
    drawn = terms.principal_usd if terms.draw_idx < months else 0.0
    balance = np.where(k >= 0, np.maximum(drawn - before - np.cumsum(recognised), 0.0), 0.0)
    flows = LoanFlows.zeros(paths, months)
    if 0 <= terms.draw_idx < months:
        flows.draw_usd[:, terms.draw_idx] = terms.principal_usd
        flows.fee_usd[:, terms.draw_idx] = terms.fee_usd
    flows.non_cash_usd[:] = recognised
    flows.balance_end_usd[:] = balance
    delivered = np.where(active, hashprice_usd_per_ph_day * terms.delivered_ph * days, 0.0)
    return flows, delivered, np.broadcast_to(recognised, (paths, months)).copy()
