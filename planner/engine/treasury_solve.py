"""The treasury's tax fixed point: roll cash and BTC forward with the extra tax that the
pass's own sales bring, until each path's tax equals the tax it was run with.

The company's fiscal-year tax is refiled with the treasury's items (treasury.py's module
doc); a sale made to pay a tax changes that tax, so the month's sales and the tax are
solved together, path by path, in a few passes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from planner.domain.treasury import INTEREST_LIMIT_SHARE
from planner.engine.fiscal import annual_tax
from planner.engine.inputs import EngineInputs
from planner.engine.treasury_roll import RollOutput, roll
from planner.engine.treasury_roll_one import roll_one

if TYPE_CHECKING:
    from planner.engine.treasury import FixedFlows, TreasuryMarket, TreasuryPlan

MAX_PASSES = 30  # each pass moves the tax by at most the tax rate x the last change
TAX_TOLERANCE_USD = 0.005
# What `refiled` reads of a pass: every pass computes these, whatever else it keeps.
TAX_FIELDS = ("realised_gain_usd", "loan_interest_usd", "loan_fee_usd")


@dataclass(frozen=True)
class TaxBase:
    """What a pass reads, per path: the market's price and BTC mined, the cash no sale
    changes, and the tax items no sale changes (by month, or by fiscal year)."""

    # What a pass rolls forward, month-major (a month's paths side by side, as the pass
    # reads them): (P, H) in Fortran order.
    price_usd: np.ndarray  # (P, H)
    btc_mined: np.ndarray  # (P, H)
    fixed_cash_usd: np.ndarray  # (P, H)
    fixed_items_usd: np.ndarray  # (P, H) hedges and prepayment, taxable
    fixed_interest_usd: np.ndarray  # (P, H) interest and fees of the other debt
    base_by_year_usd: np.ndarray  # (P, Y) the company's taxable income before
    allowed_by_year_usd: np.ndarray | None  # (P, Y) the interest limitation's cap
    before_usd: np.ndarray  # (P, Y) the tax on `base_by_year_usd`

    @staticmethod
    def stack(bases: list[TaxBase]) -> TaxBase:
        """One base of the paths of `bases`, one after the other."""

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(b, name) for b in bases])

        allowed = [b.allowed_by_year_usd for b in bases]
        return TaxBase(
            price_usd=np.asfortranarray(joined("price_usd")),
            btc_mined=np.asfortranarray(joined("btc_mined")),
            fixed_cash_usd=np.asfortranarray(joined("fixed_cash_usd")),
            fixed_items_usd=joined("fixed_items_usd"),
            fixed_interest_usd=joined("fixed_interest_usd"),
            base_by_year_usd=joined("base_by_year_usd"),
            allowed_by_year_usd=(
                None if any(a is None for a in allowed) else joined("allowed_by_year_usd")
            ),
            before_usd=joined("before_usd"),
        )

    def less_fixed(self, flow_usd: np.ndarray) -> TaxBase:
        """The base without a taxable cash flow (P, H) no sale changes, such as a hedge's
        settlements less its premiums: what is not cash or taxable income stays."""
        return replace(
            self,
            fixed_cash_usd=np.asfortranarray(self.fixed_cash_usd - flow_usd),
            fixed_items_usd=self.fixed_items_usd - flow_usd,
        )

    def rows(self, keep: np.ndarray) -> TaxBase:
        """The paths `keep` (bool) selects."""
        allowed = self.allowed_by_year_usd
        chosen = np.flatnonzero(keep)
        return TaxBase(
            price_usd=_take_paths(self.price_usd, chosen),
            btc_mined=_take_paths(self.btc_mined, chosen),
            fixed_cash_usd=_take_paths(self.fixed_cash_usd, chosen),
            fixed_items_usd=self.fixed_items_usd[keep],
            fixed_interest_usd=self.fixed_interest_usd[keep],
            base_by_year_usd=self.base_by_year_usd[keep],
            allowed_by_year_usd=None if allowed is None else allowed[keep],
            before_usd=self.before_usd[keep],
        )


def tax_base(
    plan: TreasuryPlan, market: TreasuryMarket, inputs: EngineInputs, fixed: FixedFlows
) -> TaxBase:
    calendar = inputs.fiscal
    c = fixed.components
    rules = (inputs.tax_rate, inputs.loss_offset_limit, inputs.loss_expiry_years)
    base = calendar.by_year(market.taxable_income_usd)
    allowed = None
    if plan.interest_limit:
        allowed = INTEREST_LIMIT_SHARE * np.maximum(calendar.by_year(market.ebitda_usd), 0.0)
    return TaxBase(
        price_usd=np.asfortranarray(market.btc_price_usd),
        btc_mined=np.asfortranarray(market.btc_mined),
        fixed_cash_usd=np.asfortranarray(sum(c.values(), np.zeros_like(market.btc_price_usd))),
        fixed_items_usd=(
            c["hedge_settlements_usd"]
            + c["hedge_premiums_usd"]
            + fixed.prepayment_recognised_usd
            - fixed.prepayment_delivered_usd
        ),
        fixed_interest_usd=-c["interest_usd"] - c["upfront_fees_usd"],
        base_by_year_usd=base,
        allowed_by_year_usd=allowed,
        before_usd=annual_tax(base, *rules).tax_usd,
    )


@dataclass
class Solved:
    """A fixed point's pass on every path: the roll, the extra tax it was run with, the
    tax refiled on it, the passes the slowest path took and the paths left unsettled."""

    run: RollOutput
    extra_tax_usd: np.ndarray
    tax: TreasuryTax
    passes: int
    unsettled: np.ndarray  # (P,) bool


def solve(
    plan: TreasuryPlan,
    inputs: EngineInputs,
    base: TaxBase,
    sell_held: bool,
    max_passes: int = MAX_PASSES,
    guess: np.ndarray | None = None,
    fields: tuple[str, ...] | None = None,
) -> Solved:
    """Roll forward with the extra tax the pass's own sales bring: a fixed point, path by
    path. A pass moves a path's tax by a share (at most the tax rate) of the error in the
    tax it was run with, of either sign (a sale to pay a tax can undo part of the last
    move). The first pass's change is taken whole; after it, the next tax to try is the
    secant's along the last two passes (_secant_step), which lands on the fixed point of
    a path whose tax is linear in its sales. A path whose tax equals the tax it was run
    with (to half a cent) is settled; the next pass runs the others only (each path's
    answers are those of its last pass). `guess`: the extra tax of the first pass (none
    without). `fields`: the only RollOutput arrays kept up to date beyond the first pass
    (the refiled tax neither); None: all."""
    paths = base.price_usd.shape[0]
    # The paths left's tax to try, month-major like the pass's inputs; the last pass's.
    tried = np.asfortranarray(np.zeros_like(base.fixed_cash_usd) if guess is None else guess)
    last_tried, last_change = tried, np.zeros_like(tried)
    extra = np.zeros_like(tried)  # each path's tax it was last run with
    wanted = None if fields is None else (*fields, *TAX_FIELDS)
    todo = np.arange(paths)
    part = base
    run, tax = None, None
    for passes in range(1, max_passes + 1):
        arrays = (part.price_usd, part.btc_mined, part.fixed_cash_usd - tried)
        if todo.size == 1:
            part_run = roll_one(plan.policy, plan.btc_loans, *arrays, sell_held)
        else:
            part_run = roll(plan.policy, plan.btc_loans, *arrays, sell_held, wanted)
        part_tax = refiled(inputs, part, part_run)
        change = part_tax.extra_tax_usd - tried
        step = np.max(np.abs(change), axis=1, initial=0.0)
        settled = step < TAX_TOLERANCE_USD
        last = passes == max_passes
        if run is None or tax is None:
            run, tax = part_run, part_tax
        else:
            which = np.ones_like(settled) if last else settled
            put_paths(run, part_run, todo, which, fields)
            if fields is None:
                put_paths(tax, part_tax, todo, which)
        done = np.ones_like(settled) if last else settled
        extra[todo[done]] = tried[done]
        keep = ~settled
        if last or not keep.any():
            break
        guess = tried + change
        if passes > 1:  # every path left ran the pass before
            guess -= _secant_step(tried - last_tried, change - last_change, change)
        chosen = np.flatnonzero(keep)
        last_tried, last_change = _take_paths(tried, chosen), change[chosen]
        tried = np.asfortranarray(guess[chosen])
        todo = todo[chosen]
        part = part.rows(keep)
    assert run is not None and tax is not None
    unsettled = np.zeros(paths, dtype=bool)
    if keep.any():
        unsettled[todo[keep]] = True
        return Solved(run, extra, tax, max_passes + 1, unsettled)
    return Solved(run, extra, tax, passes, unsettled)


def _take_paths(paths_by_month: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The rows `chosen` of a month-major (P, H) array, month-major: gathered month by
    month, so that no pass transposes its inputs."""
    return np.take(paths_by_month.T, chosen, axis=1).T


def _secant_step(tried_move: np.ndarray, change_move: np.ndarray, change: np.ndarray) -> np.ndarray:
    """(P, H) what to take back from a plain step (the tax tried plus its change): a
    path's change is near a linear function of the tax tried, so the step that zeroes
    it along the last move is the secant's (Anderson's mixing of the last two passes,
    one share per path: a share per fiscal year took more passes)."""
    size = np.einsum("ph,ph->p", change_move, change_move)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(size > 0, np.einsum("ph,ph->p", change_move, change) / size, 0.0)
    return (tried_move + change_move) * share[:, None]


def put_paths(
    whole: RollOutput | TreasuryTax,
    part: RollOutput | TreasuryTax,
    rows: np.ndarray,
    which: np.ndarray,
    fields: tuple[str, ...] | None = None,
) -> None:
    """Write the paths `which` (bool) selects of a pass over the paths `rows` into the
    answers of all paths (loan arrays of RollOutput have the paths second)."""
    if not which.any():
        return
    rows = rows[which]
    for name in fields or vars(part):
        value = getattr(part, name)
        target = getattr(whole, name)
        if target.strides[-2] < target.strides[-1]:  # month-major: a month's paths in a row
            np.swapaxes(target, -1, -2)[..., rows] = np.swapaxes(value, -1, -2)[..., which]
        elif name.startswith("loan_"):
            target[:, rows] = value[:, which]
        else:
            target[rows] = value[which]


@dataclass(frozen=True)
class TreasuryTax:
    """The company's tax refiled with the treasury's items, (P, Y) by year."""

    extra_tax_usd: np.ndarray  # (P, H) paid on top of the fleet's tax (negative: less)
    taxable_items_usd: np.ndarray  # (P, H) gains, hedges, prepayment, before interest
    interest_usd: np.ndarray  # (P, Y) interest and fees incurred
    interest_deducted_usd: np.ndarray  # (P, Y)
    interest_carried_usd: np.ndarray  # (P, Y) disallowed, carried at each year's end
    taxable_income_usd: np.ndarray  # (P, Y) refiled
    tax_usd: np.ndarray  # (P, Y) refiled


def refiled(inputs: EngineInputs, base: TaxBase, run: RollOutput) -> TreasuryTax:
    """Tax as filed with the treasury's items (module doc); same loss rules and months.
    `base.before_usd`: the tax of each fiscal year (P, Y) on the fleet's taxable income
    alone."""
    calendar = inputs.fiscal
    items = run.realised_gain_usd + base.fixed_items_usd
    interest = calendar.by_year(
        base.fixed_interest_usd + run.loan_interest_usd.sum(axis=0) + run.loan_fee_usd.sum(axis=0)
    )
    if base.allowed_by_year_usd is not None:
        deducted, carried = limited(interest, base.allowed_by_year_usd)
    else:
        deducted, carried = interest, np.zeros_like(interest)
    taxable = base.base_by_year_usd + calendar.by_year(items) - deducted
    rules = (inputs.tax_rate, inputs.loss_offset_limit, inputs.loss_expiry_years)
    after = annual_tax(taxable, *rules).tax_usd
    weights = calendar.payment_weights(inputs.tax_payments_quarterly)
    return TreasuryTax(
        extra_tax_usd=(after - base.before_usd)[..., calendar.month_year] * weights,
        taxable_items_usd=items,
        interest_usd=interest,
        interest_deducted_usd=deducted,
        interest_carried_usd=carried,
        taxable_income_usd=taxable,
        tax_usd=after,
    )


def limited(interest: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interest deducted each year: at most `allowed`, the excess carried forward."""
    deducted = np.zeros_like(interest)
    carried = np.zeros_like(interest)
    pool = np.zeros(interest.shape[:-1])
    for y in range(interest.shape[-1]):
        due = pool + interest[..., y]
        deducted[..., y] = np.minimum(due, allowed[..., y])
        pool = due - deducted[..., y]
        carried[..., y] = pool
    return deducted, carried
