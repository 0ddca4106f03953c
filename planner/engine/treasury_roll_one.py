"""The treasury's monthly pass for one path in plain floats: the scenario's path, where
numpy's per-call cost on one-element arrays would dominate. The same rules, in the same
order, as treasury_roll.roll (its module doc); tests hold the two equal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.engine.debt import LoanTerms
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


@dataclass
class _Loan:
    i: int
    terms: LoanTerms
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
    out = RollOutput.zeros(len(loans), 1, months)
    prices = price_usd[0].tolist()
    mined_btc = btc_mined[0].tolist()
    fixed = fixed_cash_usd[0].tolist()
    lots = _Lots(policy.fifo, policy.opening_btc_held, policy.opening_btc_cost_basis_usd)
    state = [_Loan(i, t) for i, t in enumerate(loans)]
    for loan in state:
        _open_before_horizon(loan, lots, prices[0])
    cash = policy.opening_cash_usd
    buffer = policy.min_cash_usd
    share, cover = policy.sell_share_of_mined, policy.cover_shortfalls
    rows = np.zeros((11, months))  # the (P, H) outputs, filled in floats, copied once
    for t in range(months):
        price = prices[t]
        cash += fixed[t]
        for loan in state:
            cash += _service(loan, t, out, lots, price)
        mined = mined_btc[t]
        sold = mined * share
        cash += sold * price
        if cover and cash < buffer:
            extra = min(mined - sold, (buffer - cash) / price)
            sold += extra
            cash += extra * price
        rows[0, t] = sold * price
        lots.add(mined - sold, price)
        free = lots.held - sum(loan.collateral for loan in state)
        held = free * policy.sell_above_share if price >= policy.sell_above_price_usd else 0.0
        if not sell_held:
            held = 0.0
        elif cover and cash + held * price < buffer:
            held += min(free - held, (buffer - cash - held * price) / price)
        held = max(held, 0.0)
        cost = lots.sell(held)
        cash += held * price
        rows[1, t] = held * price
        rows[2, t] = held * price - cost
        rows[3, t] = sold + held
        rows[4, t] = held
        for loan in state:
            _margin(loan, t, out, lots, price, rows, state)
        rows[5, t] = cash
        rows[6, t] = lots.held
        rows[7, t] = lots.cost
        rows[8, t] = sum(loan.collateral for loan in state)
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
    out.realised_gain_usd[0] += rows[10]
    return out


def _ltv_at_draw(terms: LoanTerms, price: float) -> float:
    return terms.principal_usd / (terms.btc_pledged * price) if terms.btc_pledged > 0 else 1.0


def _due(terms: LoanTerms, t: int, balance: float) -> tuple[float, float]:
    """debt.scheduled in floats."""
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


def _open_before_horizon(loan: _Loan, lots: _Lots, price: float) -> None:
    terms = loan.terms
    if terms.draw_idx >= 0:
        return
    balance = terms.principal_usd
    for t in range(terms.draw_idx, 0):
        balance -= _due(terms, t, balance)[1]
    loan.balance = balance
    loan.collateral = min(terms.btc_pledged, lots.held) if balance > 0 else 0.0
    loan.start_ltv = _ltv_at_draw(terms, price)


def _service(loan: _Loan, t: int, out: RollOutput, lots: _Lots, price: float) -> float:
    terms, i = loan.terms, loan.i
    cash = 0.0
    if t == terms.draw_idx:
        loan.balance += terms.principal_usd
        free = lots.held - loan.collateral
        loan.collateral += min(terms.btc_pledged, max(free, 0.0))
        loan.start_ltv = _ltv_at_draw(terms, price)
        out.loan_draw_usd[i, 0, t] = terms.principal_usd
        out.loan_fee_usd[i, 0, t] = terms.fee_usd
        cash += terms.principal_usd - terms.fee_usd
    interest, principal = _due(terms, t, loan.balance)
    loan.balance -= principal
    if t >= terms.maturity_idx and loan.balance <= 0:
        loan.collateral = 0.0
    out.loan_interest_usd[i, 0, t] = interest
    out.loan_principal_usd[i, 0, t] = principal
    return cash - interest - principal


def _ltv(loan: _Loan, price: float) -> float:
    if loan.balance <= 0:
        return math.nan
    return loan.balance / (loan.collateral * price) if loan.collateral > 0 else math.inf


def _margin(
    loan: _Loan,
    t: int,
    out: RollOutput,
    lots: _Lots,
    price: float,
    rows: np.ndarray,
    state: list[_Loan],
) -> None:
    terms, i = loan.terms, loan.i
    ltv = _ltv(loan, price)
    target = loan.start_ltv
    call = terms.margin_call_ltv <= ltv < terms.liquidation_ltv
    if call:
        free = max(lots.held - sum(x.collateral for x in state), 0.0)
        top_up = min(max(loan.balance / (target * price) - loan.collateral, 0.0), free)
        loan.collateral += top_up
        out.loan_topped_up_btc[i, 0, t] = top_up
        ltv = _ltv(loan, price)
    if ltv >= (terms.margin_call_ltv if call else terms.liquidation_ltv):
        x = (loan.balance - target * loan.collateral * price) / (price * (1.0 - target))
        x = min(max(x, 0.0), loan.collateral)
        cost = lots.sell(x)
        repaid = min(x * price, loan.balance)
        loan.balance -= repaid
        loan.collateral -= x
        out.loan_liquidated_btc[i, 0, t] = x
        out.loan_liquidated_usd[i, 0, t] = repaid
        rows[9, t] += x
        rows[10, t] += x * price - cost
        ltv = _ltv(loan, price)
    out.loan_balance_end_usd[i, 0, t] = loan.balance
    out.loan_collateral_end_btc[i, 0, t] = loan.collateral
    out.loan_ltv_end[i, 0, t] = ltv
