"""The treasury's monthly forward pass: cash, BTC held, sales and the BTC-backed loans.

One month, in this order: the month's cash flows that
no sale changes (operating cash without BTC revenue, tax, scheduled debt, hedges); each
BTC-backed loan's draw (pledging held BTC), interest and principal; the policy's sale of
the month's mined BTC; with `cover_shortfalls`, more of the month's mined BTC, until cash
is back at the buffer; the mined BTC kept joins the holdings at the month's price; the
price rule's sale of holdings; held BTC sold to cover a shortfall; then each BTC loan's
LTV: at the margin-call LTV the collateral is topped up from free held BTC back to the
LTV at the draw; at the liquidation LTV, or when the top-up falls short of the margin
call, the lender sells collateral until the loan is back at its LTV at the draw (the
proceeds repay it, no cash moves). Arrays have a leading paths axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.engine.btc_lots import CostBasis
from planner.engine.debt import LoanTerms, scheduled


@dataclass(frozen=True)
class Policy:
    """The sale policy as numbers."""

    opening_cash_usd: float
    opening_btc_held: float
    opening_btc_cost_basis_usd: float
    min_cash_usd: float
    sell_share_of_mined: float
    cover_shortfalls: bool
    sell_above_price_usd: float  # inf: no price rule
    sell_above_share: float
    fifo: bool


@dataclass
class RollOutput:
    """What a pass produced, (P, H) unless said; loan arrays (L, P, H) for BTC loans."""

    cash_end_usd: np.ndarray
    mined_sales_usd: np.ndarray
    held_sales_usd: np.ndarray
    btc_sold: np.ndarray
    btc_sold_held: np.ndarray
    btc_liquidated: np.ndarray
    btc_held_end: np.ndarray
    btc_cost_basis_end_usd: np.ndarray
    realised_gain_usd: np.ndarray
    btc_pledged_end: np.ndarray
    loan_draw_usd: np.ndarray
    loan_fee_usd: np.ndarray
    loan_interest_usd: np.ndarray
    loan_principal_usd: np.ndarray
    loan_liquidated_usd: np.ndarray  # balance repaid by the lender's sale of collateral
    loan_balance_end_usd: np.ndarray
    loan_collateral_end_btc: np.ndarray
    loan_ltv_end: np.ndarray  # NaN where nothing is outstanding
    loan_topped_up_btc: np.ndarray
    loan_liquidated_btc: np.ndarray

    @staticmethod
    def zeros(
        loans: int, paths: int, months: int, keep: tuple[str, ...] | None = None
    ) -> RollOutput:
        """Zeros of every array; with `keep`, only those named are kept apart, the others
        share one scratch array of their shape (written, never read)."""
        # Month-major memory: the pass writes a month of every path at a time.
        names = RollOutput.__dataclass_fields__
        scratch = {
            "loan": np.zeros((loans, months, paths)).transpose(0, 2, 1),
            "": np.zeros((months, paths)).T,
        }
        return RollOutput(
            **{
                name: (
                    np.zeros((loans, months, paths)).transpose(0, 2, 1)
                    if name.startswith("loan_")
                    else np.zeros((months, paths)).T
                )
                if keep is None or name in keep
                else scratch["loan" if name.startswith("loan_") else ""]
                for name in names
            }
        )


@dataclass
class _Loan:
    terms: LoanTerms
    balance: np.ndarray
    collateral: np.ndarray
    start_ltv: np.ndarray


def roll(
    policy: Policy,
    loans: tuple[LoanTerms, ...],
    price_usd: np.ndarray,
    btc_mined: np.ndarray,
    fixed_cash_usd: np.ndarray,
    sell_held: bool = True,
    keep: tuple[str, ...] | None = None,
) -> RollOutput:
    """Roll cash and BTC forward over (P, H) paths. `fixed_cash_usd` holds each month's
    cash flows that no sale changes; without `sell_held` no held BTC is sold (the runway
    without sales): only the month's mined BTC covers a shortfall. `keep`: the only
    RollOutput arrays wanted (the others are scratch); None: all."""
    paths, months = price_usd.shape
    out = RollOutput.zeros(len(loans), paths, months, keep)
    basis = CostBasis(
        policy.fifo, paths, months, policy.opening_btc_held, policy.opening_btc_cost_basis_usd
    )
    state = [_Loan(t, np.zeros(paths), np.zeros(paths), np.ones(paths)) for t in loans]
    for loan in state:
        _open_before_horizon(loan, basis.held_btc - _pledged(state), price_usd[:, 0])
    cash = np.full(paths, policy.opening_cash_usd)
    prices, mined_btc, fixed_usd = (
        np.ascontiguousarray(a.T) for a in (price_usd, btc_mined, fixed_cash_usd)
    )
    out.loan_ltv_end[...] = np.nan  # a loan's months before its draw and after it is repaid
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(months):
            cash = _month(
                policy,
                state,
                t,
                out,
                basis,
                prices[t],
                mined_btc[t],
                cash + fixed_usd[t],
                sell_held,
            )
    return out


def _month(
    policy: Policy,
    state: list[_Loan],
    t: int,
    out: RollOutput,
    basis: CostBasis,
    price: np.ndarray,
    mined: np.ndarray,
    cash: np.ndarray,
    sell_held: bool,
) -> np.ndarray:
    """Month t of the pass (module doc) from `cash` after the month's fixed flows; returns
    the cash at its end. A loan's months before its draw and after it is repaid are left
    as RollOutput.zeros has them (no balance, no collateral, no LTV)."""
    buffer = policy.min_cash_usd
    active = [(i, loan) for i, loan in enumerate(state) if _active(loan.terms, t)]
    for i, loan in active:
        cash = cash + _service(loan, i, t, out, basis.held_now - _pledged(state), price)
    sold = mined * policy.sell_share_of_mined
    cash = cash + sold * price
    if policy.cover_shortfalls:
        extra = np.minimum(mined - sold, np.maximum(buffer - cash, 0.0) / price)
        sold = sold + extra
        cash = cash + extra * price
    out.mined_sales_usd[:, t] = sold * price
    basis.add(mined - sold, price)
    free = basis.held_now - _pledged(state)
    if math.isinf(policy.sell_above_price_usd):
        held = np.zeros_like(free)
    else:
        held = np.where(price >= policy.sell_above_price_usd, free * policy.sell_above_share, 0.0)
    if not sell_held:
        held = np.zeros_like(free)
    elif policy.cover_shortfalls:
        held = held + np.minimum(free - held, np.maximum(buffer - cash - held * price, 0.0) / price)
    held = np.maximum(held, 0.0)
    cost = basis.sell(held)
    held_usd = held * price
    cash = cash + held_usd
    out.held_sales_usd[:, t] = held_usd
    out.realised_gain_usd[:, t] = held_usd - cost
    out.btc_sold[:, t] = sold + held
    out.btc_sold_held[:, t] = held
    for i, loan in active:
        _margin(loan, i, t, out, basis, price, state)
    out.cash_end_usd[:, t] = cash
    out.btc_held_end[:, t] = basis.held_now
    out.btc_cost_basis_end_usd[:, t] = basis.cost_now
    out.btc_pledged_end[:, t] = _pledged(state)
    return cash


def _active(terms: LoanTerms, t: int) -> bool:
    """Whether a BTC loan is drawn and not yet repaid in month t: before its draw and
    after its maturity (repaid in full then, its collateral released) it has nothing."""
    return terms.draw_idx <= t <= terms.maturity_idx


def _pledged(state: list[_Loan]) -> np.ndarray | float:
    return sum((loan.collateral for loan in state), 0.0)


def _open_before_horizon(loan: _Loan, free_btc: np.ndarray, price_usd: np.ndarray) -> None:
    """A BTC loan drawn before the horizon: its balance by its schedule, its collateral
    pledged out of the opening holding no other loan has pledged (`free_btc`), its LTV
    at the draw taken at the first price."""
    terms = loan.terms
    if terms.draw_idx >= 0:
        return
    balance = np.full(price_usd.shape, terms.principal_usd)
    for t in range(terms.draw_idx, 0):
        _interest, principal = scheduled(terms, t, balance)
        balance = balance - principal
    loan.balance = balance
    loan.collateral = np.minimum(terms.btc_pledged, np.maximum(free_btc, 0.0)) * (balance > 0)
    loan.start_ltv = _ltv_at_draw(terms, price_usd)


def _ltv_at_draw(terms: LoanTerms, price_usd: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            terms.btc_pledged > 0, terms.principal_usd / (terms.btc_pledged * price_usd), 1.0
        )


def _service(
    loan: _Loan, i: int, t: int, out: RollOutput, free_btc: np.ndarray, price: np.ndarray
) -> np.ndarray:
    """Draw, interest and principal of a BTC loan in month t; returns its cash (P,). At
    the draw it pledges out of `free_btc`, the BTC held that no loan has pledged."""
    terms = loan.terms
    cash = np.zeros_like(price)
    if t == terms.draw_idx:
        loan.balance = loan.balance + terms.principal_usd
        pledge = np.minimum(terms.btc_pledged, np.maximum(free_btc, 0.0))
        loan.collateral = loan.collateral + pledge
        loan.start_ltv = _ltv_at_draw(terms, price)
        out.loan_draw_usd[i, :, t] = terms.principal_usd
        out.loan_fee_usd[i, :, t] = terms.fee_usd
        cash = cash + terms.principal_usd - terms.fee_usd
    interest, principal = scheduled(terms, t, loan.balance)
    loan.balance = loan.balance - principal
    if t >= terms.maturity_idx:
        loan.collateral = np.where(loan.balance > 0, loan.collateral, 0.0)
    out.loan_interest_usd[i, :, t] = interest
    out.loan_principal_usd[i, :, t] = principal
    return cash - interest - principal


def _margin(
    loan: _Loan,
    i: int,
    t: int,
    out: RollOutput,
    basis: CostBasis,
    price: np.ndarray,
    state: list[_Loan],
) -> None:
    """The month-end LTV test of a BTC loan: top-up, then liquidation (module doc). Runs
    with numpy's divide and invalid warnings off (the pass's)."""
    terms = loan.terms
    owed = loan.balance > 0
    ltv = np.where(owed, loan.balance / (loan.collateral * price), np.nan)
    target = loan.start_ltv
    call = owed & (ltv >= terms.margin_call_ltv) & (ltv < terms.liquidation_ltv)
    if call.any():
        free = np.maximum(basis.held_now - _pledged(state), 0.0)
        wanted = np.where(call, loan.balance / (target * price) - loan.collateral, 0.0)
        top_up = np.clip(wanted, 0.0, free)
        loan.collateral = loan.collateral + top_up
        out.loan_topped_up_btc[i, :, t] = top_up
        ltv = np.where(owed, loan.balance / (loan.collateral * price), np.nan)
    sell = owed & (ltv >= np.where(call, terms.margin_call_ltv, terms.liquidation_ltv))
    if sell.any():
        # (D - xS) / ((C - x) S) = L0  =>  x = (D - L0 C S) / (S (1 - L0))
        x = (loan.balance - target * loan.collateral * price) / (price * (1.0 - target))
        x = np.where(sell, np.clip(x, 0.0, loan.collateral), 0.0)
        cost = basis.sell(x)
        repaid = np.minimum(x * price, loan.balance)
        loan.balance = loan.balance - repaid
        loan.collateral = loan.collateral - x
        out.loan_liquidated_btc[i, :, t] = x
        out.loan_liquidated_usd[i, :, t] = repaid
        out.btc_liquidated[:, t] += x
        out.realised_gain_usd[:, t] += x * price - cost
        ltv = np.where(loan.balance > 0, loan.balance / (loan.collateral * price), np.nan)
    out.loan_balance_end_usd[i, :, t] = loan.balance
    out.loan_collateral_end_btc[i, :, t] = loan.collateral
    out.loan_ltv_end[i, :, t] = ltv
