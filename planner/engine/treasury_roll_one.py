"""The treasury's monthly pass for one path in plain floats: the scenario's path, where
numpy's per-call cost on one-element arrays would dominate. The same rules, in the same
order, as treasury_roll.roll (its module doc); tests hold the two equal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.engine.debt import LoanTerms, due
from planner.engine.treasury_roll import Policy, RollOutput


class _Lots:
    """BTC held and its cost basis in floats: FIFO lots or the average cost."""

    def __init__(self, fifo: bool, btc: float, cost_usd: float) -> None:
        self.fifo = fifo
        self.lots: list[list[float]] = [[btc, cost_usd / btc if btc else 0.0]]
        self.head = 0
        self.held = btc
        self.cost = cost_usd

    def add(self, btc: float, price: float) -> None:
        self.lots.append([btc, price])
        self.held += btc
        self.cost += btc * price

    def sell(self, btc: float) -> float:
        btc = min(btc, self.held)
        if btc <= 0.0:
            return 0.0
        if self.fifo:
            cost = 0.0
            left = btc
            while left > 0.0 and self.head < len(self.lots):
                lot = self.lots[self.head]
                take = min(lot[0], left)
                cost += take * lot[1]
                lot[0] -= take
                left -= take
                if lot[0] <= 0.0:
                    self.head += 1
        else:
            cost = self.cost * btc / self.held if self.held > 0 else 0.0
        self.held = max(self.held - btc, 0.0)
        self.cost = max(self.cost - cost, 0.0) if self.held > 0 else 0.0
        return cost


# What each BTC loan records a month, in RollOutput's loan_* order of these names.
LOAN_FIELDS = (
    "draw_usd",
    "fee_usd",
    "interest_usd",
    "principal_usd",
    "liquidated_usd",
    "balance_end_usd",
    "collateral_end_btc",
    "ltv_end",
    "topped_up_btc",
    "liquidated_btc",
)
DRAW, FEE, INTEREST, PRINCIPAL, LIQUIDATED_USD, BALANCE, COLLATERAL, LTV, TOP_UP, SOLD = range(10)


@dataclass
class _Loan:
    terms: LoanTerms
    record: list[list[float]]  # LOAN_FIELDS x months
    balance: float = 0.0
    collateral: float = 0.0
    start_ltv: float = 1.0


def roll_one(
    policy: Policy,
    loans: tuple[LoanTerms, ...],
    price_usd: np.ndarray,
    btc_mined: np.ndarray,
    fixed_cash_usd: np.ndarray,
    sell_held: bool = True,
) -> RollOutput:
    """treasury_roll.roll for P = 1, in floats."""
    months = price_usd.shape[1]
    prices = price_usd[0].tolist()
    mined_btc = btc_mined[0].tolist()
    fixed = fixed_cash_usd[0].tolist()
    lots = _Lots(policy.fifo, policy.opening_btc_held, policy.opening_btc_cost_basis_usd)
    state = [_Loan(t, _records(months)) for t in loans]
    for loan in state:
        _open_before_horizon(loan, lots.held - _pledged(state), prices[0])
    cash = policy.opening_cash_usd
    buffer = policy.min_cash_usd
    share, cover = policy.sell_share_of_mined, policy.cover_shortfalls
    rows = [[0.0] * months for _ in range(11)]  # the (P, H) outputs, copied once
    for t in range(months):
        price = prices[t]
        cash += fixed[t]
        for loan in state:
            cash += _service(loan, t, lots.held - _pledged(state), price)
        mined = mined_btc[t]
        sold = mined * share
        cash += sold * price
        if cover and cash < buffer:
            extra = min(mined - sold, (buffer - cash) / price)
            sold += extra
            cash += extra * price
        rows[0][t] = sold * price
        lots.add(mined - sold, price)
        free = lots.held - _pledged(state) if state else lots.held
        held = free * policy.sell_above_share if price >= policy.sell_above_price_usd else 0.0
        if not sell_held:
            held = 0.0
        elif cover and cash + held * price < buffer:
            held += min(free - held, (buffer - cash - held * price) / price)
        held = max(held, 0.0)
        cost = lots.sell(held)
        cash += held * price
        rows[1][t] = held * price
        rows[2][t] = held * price - cost
        rows[3][t] = sold + held
        rows[4][t] = held
        for loan in state:
            _margin(loan, t, lots, price, rows, state)
        rows[5][t] = cash
        rows[6][t] = lots.held
        rows[7][t] = lots.cost
        rows[8][t] = _pledged(state) if state else 0.0
    return _stored(RollOutput.zeros(len(loans), 1, months), rows, state)


def _stored(out: RollOutput, rows: list[list[float]], state: list[_Loan]) -> RollOutput:
    """The pass's records copied into its (P, H) arrays."""
    out.mined_sales_usd[0] = rows[0]
    out.held_sales_usd[0] = rows[1]
    out.realised_gain_usd[0] = rows[2]
    out.btc_sold[0] = rows[3]
    out.btc_sold_held[0] = rows[4]
    out.cash_end_usd[0] = rows[5]
    out.btc_held_end[0] = rows[6]
    out.btc_cost_basis_end_usd[0] = rows[7]
    out.btc_pledged_end[0] = rows[8]
    out.btc_liquidated[0] = rows[9]
    out.realised_gain_usd[0] += np.array(rows[10])
    for i, loan in enumerate(state):
        for name, values in zip(LOAN_FIELDS, loan.record, strict=True):
            getattr(out, f"loan_{name}")[i, 0] = values
    return out


def _pledged(state: list[_Loan]) -> float:
    return sum(loan.collateral for loan in state)


def _records(months: int) -> list[list[float]]:
    """A BTC loan's records: zeros, and an LTV of NaN while nothing is owed."""
    return [[math.nan if k == LTV else 0.0] * months for k in range(len(LOAN_FIELDS))]


def _ltv_at_draw(terms: LoanTerms, price: float) -> float:
    return terms.principal_usd / (terms.btc_pledged * price) if terms.btc_pledged > 0 else 1.0


def _open_before_horizon(loan: _Loan, free_btc: float, price: float) -> None:
    terms = loan.terms
    if terms.draw_idx >= 0:
        return
    balance = terms.principal_usd
    for t in range(terms.draw_idx, 0):
        balance -= due(terms, t, balance)[1]
    loan.balance = balance
    loan.collateral = min(terms.btc_pledged, max(free_btc, 0.0)) if balance > 0 else 0.0
    loan.start_ltv = _ltv_at_draw(terms, price)


def _service(loan: _Loan, t: int, free_btc: float, price: float) -> float:
    terms, record = loan.terms, loan.record
    if t < terms.draw_idx or (t > terms.maturity_idx and loan.balance <= 0):
        return 0.0
    cash = 0.0
    if t == terms.draw_idx:
        loan.balance += terms.principal_usd
        loan.collateral += min(terms.btc_pledged, max(free_btc, 0.0))
        loan.start_ltv = _ltv_at_draw(terms, price)
        record[DRAW][t] = terms.principal_usd
        record[FEE][t] = terms.fee_usd
        cash += terms.principal_usd - terms.fee_usd
    interest, principal = due(terms, t, loan.balance)
    loan.balance -= principal
    if t >= terms.maturity_idx and loan.balance <= 0:
        loan.collateral = 0.0
    record[INTEREST][t] = interest
    record[PRINCIPAL][t] = principal
    return cash - interest - principal


def _ltv(loan: _Loan, price: float) -> float:
    if loan.balance <= 0:
        return math.nan
    return loan.balance / (loan.collateral * price) if loan.collateral > 0 else math.inf


def _margin(
    loan: _Loan,
    t: int,
    lots: _Lots,
    price: float,
    rows: list[list[float]],
    state: list[_Loan],
) -> None:
    terms, record = loan.terms, loan.record
    if loan.balance <= 0 and loan.collateral <= 0:
        return  # nothing owed, nothing pledged: the records' zeros and NaN LTV stand
    ltv = _ltv(loan, price)
    target = loan.start_ltv
    call = terms.margin_call_ltv <= ltv < terms.liquidation_ltv
    if call:
        free = max(lots.held - _pledged(state), 0.0)
        top_up = min(max(loan.balance / (target * price) - loan.collateral, 0.0), free)
        loan.collateral += top_up
        record[TOP_UP][t] = top_up
        ltv = _ltv(loan, price)
    if ltv >= (terms.margin_call_ltv if call else terms.liquidation_ltv):
        x = (loan.balance - target * loan.collateral * price) / (price * (1.0 - target))
        x = min(max(x, 0.0), loan.collateral)
        cost = lots.sell(x)
        repaid = min(x * price, loan.balance)
        loan.balance -= repaid
        loan.collateral -= x
        record[SOLD][t] = x
        record[LIQUIDATED_USD][t] = repaid
        rows[9][t] += x
        rows[10][t] += x * price - cost
        ltv = _ltv(loan, price)
    record[BALANCE][t] = loan.balance
    record[COLLATERAL][t] = loan.collateral
    record[LTV][t] = ltv
