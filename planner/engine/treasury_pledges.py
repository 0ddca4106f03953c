"""BTC-backed loans that ask for more BTC than is free at their draw.

A loan's pledge comes out of the BTC held at its draw (treasury_roll.py): loans drawn
before the horizon out of the opening holding, a loan drawn in a month out of the BTC
held at that month's start, before the month's mining. What is free is that holding
less the collateral of the other loans then: those drawn earlier still outstanding, and
those drawn in the same month listed before it. A pledge above what is free is a
shortfall, named with the BTC asked for and the BTC free; the pass itself pledges what
it pledges (`btc_pledged`), which the shortfall reports beside them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.engine.debt import LoanTerms, balance_at_start_usd
from planner.engine.treasury_result import PledgeShortfall

if TYPE_CHECKING:
    from planner.engine.treasury_roll import RollOutput

TOLERANCE_BTC = 1e-9


def pledge_shortfalls(
    loans: tuple[LoanTerms, ...], run: RollOutput, opening_btc_held: float, path: int = 0
) -> tuple[PledgeShortfall, ...]:
    """The BTC loans of `loans` (in the order of the pass's loan arrays) whose pledge at
    the draw exceeds the BTC free then, on one path; draws after the horizon are left
    out."""
    months = run.btc_held_end.shape[1]
    opening = _opening_collateral(loans, opening_btc_held)
    found = []
    for i, terms in enumerate(loans):
        d = terms.draw_idx
        if d >= months or terms.btc_pledged <= 0:
            continue
        if d < 0:
            if opening[i] <= 0:
                continue  # repaid before the horizon: nothing pledged
            held = opening_btc_held
            elsewhere = sum(opening[j] for j in range(i))
            pledged = opening[i]
        else:
            held = opening_btc_held if d == 0 else float(run.btc_held_end[path, d - 1])
            elsewhere = sum(_before(loans, run, j, i, d, path, opening) for j in range(len(loans)))
            pledged = _after_service(run, i, d, path)
        if terms.btc_pledged > held - elsewhere + TOLERANCE_BTC:
            found.append(
                PledgeShortfall(terms.name, d, terms.btc_pledged, held, elsewhere, pledged)
            )
    return tuple(found)


def _opening_collateral(loans: tuple[LoanTerms, ...], opening_btc_held: float) -> list[float]:
    """Each loan's collateral at the start: a loan drawn before the horizon and still
    owed pledges its BTC out of the opening holding that the loans before it have not
    pledged (as much of it as there is); the others none."""
    free_btc = opening_btc_held
    pledged = []
    for terms in loans:
        if terms.draw_idx >= 0 or balance_at_start_usd(terms) <= 0:
            pledged.append(0.0)
            continue
        pledged.append(min(terms.btc_pledged, max(free_btc, 0.0)))
        free_btc -= pledged[-1]
    return pledged


def _after_service(run: RollOutput, j: int, t: int, path: int) -> float:
    """Loan j's collateral after its draw and payment in month t, before the LTV test."""
    return float(
        run.loan_collateral_end_btc[j, path, t]
        - run.loan_topped_up_btc[j, path, t]
        + run.loan_liquidated_btc[j, path, t]
    )


def _before(
    loans: tuple[LoanTerms, ...],
    run: RollOutput,
    j: int,
    i: int,
    d: int,
    path: int,
    opening: list[float],
) -> float:
    """Loan j's collateral when loan i draws in month d >= 0."""
    other = loans[j]
    if j == i or other.draw_idx > d or (other.draw_idx == d and j > i):
        return 0.0
    if j < i and (other.draw_idx == d or other.maturity_idx == d):
        return _after_service(run, j, d, path)  # served before i this month
    if d == 0:
        return opening[j]
    return float(run.loan_collateral_end_btc[j, path, d - 1])


def pledge_note(shortfall: PledgeShortfall, month: str) -> str:
    """The shortfall in words, `month` the draw month's name."""
    s = shortfall
    return (
        f"BTC loan {s.instrument!r} asks for {s.btc_asked:,.4f} BTC pledged at its draw in "
        f"{month}, but {s.btc_free:,.4f} BTC is free then ({s.btc_held:,.4f} held less "
        f"{s.btc_pledged_elsewhere:,.4f} pledged to other loans); it is secured by "
        f"{s.btc_pledged:,.4f} BTC"
    )
