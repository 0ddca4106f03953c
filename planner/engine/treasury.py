"""The company's treasury after compute(): cash and BTC held month by month, debt,
hedges and the tax they change (MODEL.md "Treasury, debt and hedges").

`run_treasury(results, project)` is the scenario's path; `treasury_paths(plan, market,
inputs)` runs any number of paths at once (arrays (P, H)), for Monte Carlo. The rules
(the month's order is in treasury_roll.py, the debt's in debt.py, the hedges' in
hedges.py):

- Cash: opening cash + each month's components (TreasuryResult.cash_components), which
  add up to its change. Operating cash is the fleet's free cash flow before tax without
  its BTC revenue; only the BTC sold is cash. Held BTC is carried at fair value: the
  change in its value is P&L, not cash.
- Tax: the company's fiscal-year tax refiled with the treasury's items: gains realised
  on BTC sold or liquidated (against FIFO lots or the average cost), hedge settlements
  less premiums, a prepayment's revenue recognised less the hashrate delivered, less
  interest and upfront fees (capped at 30 % of the year's EBITDA when the limitation is
  on; what is disallowed carries forward). The difference from the fleet's tax is paid
  in the same months. A year's tax counts every sale of the year, a sale made in a tax
  payment month (to pay that tax) too: the month's sales and tax are solved together
  (a fixed point, found in a few passes).
- Without treasury settings, debt or hedges: every BTC mined is sold in its month and
  cash is the fleet's cumulative free cash flow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from planner.domain.project import Project
from planner.domain.treasury import INTEREST_LIMIT_SHARE, TreasurySettings, treasury_notes
from planner.engine.debt import (
    LoanFlows,
    LoanTerms,
    convert_at_maturity,
    fixed_loan_flows,
    loan_terms,
    prepayment_flows,
)
from planner.engine.fiscal import annual_tax
from planner.engine.hedges import HedgeFlows, HedgeTerms, hedge_flows, hedge_terms
from planner.engine.inputs import EngineInputs
from planner.engine.treasury_result import TreasuryResult, result_of
from planner.engine.treasury_roll import Policy, RollOutput, roll
from planner.engine.treasury_roll_one import roll_one

if TYPE_CHECKING:
    from planner.engine.model import Results

MAX_PASSES = 30  # each pass moves the tax by at most the tax rate x the last change
# What treasury_roll_paths answers: cash, BTC held, margin calls, and what its tax reads.
ROLL_PATHS_FIELDS = (
    "cash_end_usd",
    "btc_held_end",
    "loan_topped_up_btc",
    "loan_liquidated_btc",
    "realised_gain_usd",
    "loan_interest_usd",
    "loan_fee_usd",
)
TAX_TOLERANCE_USD = 0.005

__all__ = [
    "TreasuryMarket",
    "TreasuryPlan",
    "TreasuryResult",
    "has_treasury",
    "run_treasury",
    "treasury_paths",
    "treasury_plan",
    "treasury_roll_paths",
]


@dataclass(frozen=True)
class TreasuryPlan:
    """The treasury compiled for one horizon: the policy, the debt and the hedges."""

    policy: Policy
    interest_limit: bool
    loans: tuple[LoanTerms, ...]
    hedges: tuple[HedgeTerms, ...]
    notes: tuple[str, ...]

    @property
    def btc_loans(self) -> tuple[LoanTerms, ...]:
        return tuple(loan for loan in self.loans if loan.type == "btc_loan")

    def without_hedge(self, name: str) -> TreasuryPlan:
        """The plan without the hedge called `name`: what the hedge is worth is the
        treasury with it less without it (on the same paths)."""
        return replace(self, hedges=tuple(h for h in self.hedges if h.name != name))


def has_treasury(project: Project) -> bool:
    """Whether the project states a treasury, debt or hedges."""
    return project.treasury is not None or bool(project.debt) or bool(project.hedges)


def treasury_plan(project: Project, inputs: EngineInputs) -> TreasuryPlan:
    """The project's treasury on the horizon of `inputs` (defaults without settings)."""
    settings = project.treasury or TreasurySettings()
    limit = settings.sell_above_price_usd
    policy = Policy(
        opening_cash_usd=settings.opening_cash_usd,
        opening_btc_held=settings.opening_btc_held,
        opening_btc_cost_basis_usd=settings.opening_btc_cost_basis_usd,
        min_cash_usd=settings.min_cash_usd,
        sell_share_of_mined=settings.sell_share_of_mined,
        cover_shortfalls=settings.cover_shortfalls,
        sell_above_price_usd=float("inf") if limit is None else limit,
        sell_above_share=settings.sell_above_share,
        fifo=settings.cost_basis_method == "fifo",
    )
    last = inputs.timeline.month_starts[-1]
    return TreasuryPlan(
        policy=policy,
        interest_limit=settings.interest_limit,
        loans=tuple(loan_terms(d, inputs) for d in project.debt),
        hedges=tuple(hedge_terms(h, inputs.start_month) for h in project.hedges),
        notes=tuple(treasury_notes(project.debt, project.hedges, (inputs.start_month, last))),
    )


@dataclass(frozen=True)
class TreasuryMarket:
    """What the treasury takes of the fleet's run, per path (P, H). Monte Carlo builds
    one from its paths' prices, hashprices and the fleet's flows and tax on each path;
    `of` takes the scenario's from compute()'s results."""

    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    free_cash_flow_usd: np.ndarray  # after the fleet's tax
    tax_usd: np.ndarray  # the fleet's tax paid
    ebitda_usd: np.ndarray  # after G&A
    taxable_income_usd: np.ndarray  # the company's before the treasury

    @staticmethod
    def of(results: Results) -> TreasuryMarket:
        """The scenario's path (P = 1)."""
        fleet = results.fleet
        return TreasuryMarket(
            btc_price_usd=results.market.btc_price_usd[None, :],
            hashprice_usd_per_ph_day=results.market.hashprice_usd_per_ph_day[None, :],
            btc_mined=fleet.btc_mined,
            revenue_usd=fleet.revenue_usd,
            free_cash_flow_usd=fleet.free_cash_flow_usd,
            tax_usd=fleet.tax_usd,
            ebitda_usd=fleet.ebitda_usd,
            taxable_income_usd=results.taxable_income_usd[None, :],
        )


def run_treasury(results: Results, plan: Project | TreasuryPlan) -> TreasuryResult:
    """The treasury on the scenario's path of `results` (compute()'s results unchanged)."""
    if isinstance(plan, Project):
        plan = treasury_plan(plan, results.inputs)
    return treasury_paths(plan, TreasuryMarket.of(results), results.inputs)


@dataclass(frozen=True)
class FixedFlows:
    """The flows no sale changes: by cash component (P, H), and per instrument."""

    components: dict[str, np.ndarray]
    loans: list[LoanFlows]  # the instruments' that are not BTC loans (None in their place)
    hedges: HedgeFlows
    prepayment_delivered_usd: np.ndarray
    prepayment_recognised_usd: np.ndarray


def fixed_flows(plan: TreasuryPlan, market: TreasuryMarket, days: np.ndarray) -> FixedFlows:
    """Operating cash, the fleet's tax, scheduled debt other than BTC loans, hedges."""
    paths, months = market.btc_price_usd.shape
    loans: list[LoanFlows] = []
    delivered = np.zeros((paths, months))
    recognised = np.zeros((paths, months))
    for terms in plan.loans:
        if terms.type == "prepayment":
            flows, value, revenue = prepayment_flows(terms, market.hashprice_usd_per_ph_day, days)
            delivered += value
            recognised += revenue
        elif terms.type == "btc_loan":
            flows = LoanFlows.zeros(paths, months)
        else:
            flows = fixed_loan_flows(terms, paths, months)
            if terms.type == "convertible":
                flows = convert_at_maturity(terms, flows, market.btc_price_usd)
        loans.append(flows)
    hedges = hedge_flows(plan.hedges, market.btc_price_usd, market.hashprice_usd_per_ph_day, days)
    components = {
        "operating_cash_usd": market.free_cash_flow_usd + market.tax_usd - market.revenue_usd,
        "debt_draws_usd": sum((f.draw_usd for f in loans), np.zeros((paths, months))),
        "upfront_fees_usd": -sum((f.fee_usd for f in loans), np.zeros((paths, months))),
        "interest_usd": -sum((f.interest_usd for f in loans), np.zeros((paths, months))),
        "principal_usd": -sum((f.principal_usd for f in loans), np.zeros((paths, months))),
        "hedge_settlements_usd": hedges.settlement_usd.sum(axis=0),
        "hedge_premiums_usd": -hedges.premium_usd.sum(axis=0),
        "prepayment_delivery_usd": -delivered,
        "tax_usd": -market.tax_usd,
    }
    return FixedFlows(components, loans, hedges, delivered, recognised)


def treasury_paths(
    plan: TreasuryPlan, market: TreasuryMarket, inputs: EngineInputs
) -> TreasuryResult:
    """The treasury on every path of `market` (P, H)."""
    days = inputs.timeline.days.astype(float)
    fixed = fixed_flows(plan, market, days)
    base = _tax_base(plan, market, inputs, fixed)
    solved = _solve(plan, inputs, base, sell_held=True)
    run = solved.run
    without = run  # the same pass when no held BTC was sold
    if run.btc_sold_held.any():
        without = _solve(plan, inputs, base, sell_held=False).run
    notes = list(plan.notes)
    if solved.passes > MAX_PASSES:
        notes.append("the tax on BTC sales did not settle to the cent in the passes allowed")
    return result_of(
        plan, market, fixed, run, solved.extra_tax_usd, solved.tax, without.cash_end_usd, notes
    )


def treasury_roll_paths(
    plan: TreasuryPlan,
    market: TreasuryMarket,
    inputs: EngineInputs,
    max_passes: int = MAX_PASSES,
    fixed: FixedFlows | None = None,
    near: RollOutput | None = None,
) -> tuple[RollOutput, np.ndarray]:
    """The policy's pass alone on every path of `market` (P, H), its sales' tax settled:
    cash, BTC held and the BTC loans' top-ups and liquidations, as treasury_paths has
    them, without its other answers (the runway without sales, each instrument's flows):
    what Monte Carlo needs, at a fraction of the work: only ROLL_PATHS_FIELDS of the
    RollOutput are each path's last pass. Also (P,) which paths' tax did not
    settle to the cent in `max_passes` (they keep their last pass). `fixed`: the plan's
    fixed_flows on `market`, when known. `near`: a pass of a plan much like this one (the
    same without a hedge): the first guess of the tax is this plan's tax on its sales,
    so that a path whose sales do not change settles in one pass."""
    if fixed is None:
        fixed = fixed_flows(plan, market, inputs.timeline.days.astype(float))
    base = _tax_base(plan, market, inputs, fixed)
    guess = None if near is None else _refiled(inputs, base, near).extra_tax_usd
    solved = _solve(plan, inputs, base, True, max_passes, guess, ROLL_PATHS_FIELDS)
    return solved.run, solved.unsettled


def without_hedge_flows(plan: TreasuryPlan, fixed: FixedFlows, name: str) -> FixedFlows:
    """`fixed` (the flows of `plan`) less the hedge called `name`: fixed_flows of
    plan.without_hedge(name) without running the others again."""
    keep = np.array([h.name != name for h in plan.hedges], dtype=bool)
    hedges = HedgeFlows(fixed.hedges.settlement_usd[keep], fixed.hedges.premium_usd[keep])
    components = dict(fixed.components)
    components["hedge_settlements_usd"] = hedges.settlement_usd.sum(axis=0)
    components["hedge_premiums_usd"] = -hedges.premium_usd.sum(axis=0)
    return replace(fixed, components=components, hedges=hedges)


@dataclass(frozen=True)
class _TaxBase:
    """What a pass reads, per path: the market's price and BTC mined, the cash no sale
    changes, and the tax items no sale changes (by month, or by fiscal year)."""

    price_usd: np.ndarray  # (P, H)
    btc_mined: np.ndarray  # (P, H)
    fixed_cash_usd: np.ndarray  # (P, H)
    fixed_items_usd: np.ndarray  # (P, H) hedges and prepayment, taxable
    fixed_interest_usd: np.ndarray  # (P, H) interest and fees of the other debt
    base_by_year_usd: np.ndarray  # (P, Y) the company's taxable income before
    allowed_by_year_usd: np.ndarray | None  # (P, Y) the interest limitation's cap
    before_usd: np.ndarray  # (P, Y) the tax on `base_by_year_usd`

    def rows(self, keep: np.ndarray) -> _TaxBase:
        """The paths `keep` (bool) selects."""
        allowed = self.allowed_by_year_usd
        return _TaxBase(
            price_usd=self.price_usd[keep],
            btc_mined=self.btc_mined[keep],
            fixed_cash_usd=self.fixed_cash_usd[keep],
            fixed_items_usd=self.fixed_items_usd[keep],
            fixed_interest_usd=self.fixed_interest_usd[keep],
            base_by_year_usd=self.base_by_year_usd[keep],
            allowed_by_year_usd=None if allowed is None else allowed[keep],
            before_usd=self.before_usd[keep],
        )


def _tax_base(
    plan: TreasuryPlan, market: TreasuryMarket, inputs: EngineInputs, fixed: FixedFlows
) -> _TaxBase:
    calendar = inputs.fiscal
    c = fixed.components
    rules = (inputs.tax_rate, inputs.loss_offset_limit, inputs.loss_expiry_years)
    base = calendar.by_year(market.taxable_income_usd)
    allowed = None
    if plan.interest_limit:
        allowed = INTEREST_LIMIT_SHARE * np.maximum(calendar.by_year(market.ebitda_usd), 0.0)
    return _TaxBase(
        price_usd=market.btc_price_usd,
        btc_mined=market.btc_mined,
        fixed_cash_usd=sum(c.values(), np.zeros_like(market.btc_price_usd)),
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
class _Solved:
    """A fixed point's pass on every path: the roll, the extra tax it was run with, the
    tax refiled on it, the passes the slowest path took and the paths left unsettled."""

    run: RollOutput
    extra_tax_usd: np.ndarray
    tax: TreasuryTax
    passes: int
    unsettled: np.ndarray  # (P,) bool


def _solve(
    plan: TreasuryPlan,
    inputs: EngineInputs,
    base: _TaxBase,
    sell_held: bool,
    max_passes: int = MAX_PASSES,
    guess: np.ndarray | None = None,
    fields: tuple[str, ...] | None = None,
) -> _Solved:
    """Roll forward with the extra tax the pass's own sales bring: a fixed point, path by
    path. A pass moves a path's tax by a share (at most the tax rate) of its last move,
    of either sign (a sale to pay a tax can undo part of the last move); once that share
    shows (the move projected on the last one), the next guess adds the rest of the
    geometric series. A path
    whose tax equals the tax it was run with (to half a cent) is settled; the next pass
    runs the others only (each path's answers are those of its last pass). `guess`: the
    extra tax of the first pass (none without). `fields`: the only RollOutput arrays
    kept up to date beyond the first pass (the refiled tax neither); None: all."""
    paths = base.price_usd.shape[0]
    extra = np.zeros_like(base.fixed_cash_usd) if guess is None else guess.copy()
    last_change = np.zeros_like(extra)
    todo = np.arange(paths)
    part = base
    run, tax = None, None
    for passes in range(1, max_passes + 1):
        part_run = (roll_one if todo.size == 1 else roll)(
            plan.policy,
            plan.btc_loans,
            part.price_usd,
            part.btc_mined,
            part.fixed_cash_usd - extra[todo],
            sell_held,
        )
        part_tax = _refiled(inputs, part, part_run)
        change = part_tax.extra_tax_usd - extra[todo]
        step = np.max(np.abs(change), axis=1, initial=0.0)
        settled = step < TAX_TOLERANCE_USD
        if run is None or tax is None:
            run, tax = part_run, part_tax
        else:
            which = np.ones_like(settled) if passes == max_passes else settled
            _put(run, part_run, todo, which, fields)
            if fields is None:
                _put(tax, part_tax, todo, which)
        last = last_change[todo]
        size = np.einsum("ph,ph->p", last, last)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(size > 0, np.einsum("ph,ph->p", change, last) / size, 0.0)
        tail = np.where(np.abs(ratio) < 0.9, ratio / (1.0 - np.clip(ratio, -0.9, 0.9)), 0.0)
        guess = part_tax.extra_tax_usd + change * tail[:, None]
        extra[todo] = np.where(settled[:, None], extra[todo], guess)
        last_change[todo] = change
        keep = ~settled
        todo = todo[keep]
        if todo.size == 0:
            return _Solved(run, extra, tax, passes, np.zeros(paths, dtype=bool))
        part = part.rows(keep)
    assert run is not None and tax is not None
    unsettled = np.zeros(paths, dtype=bool)
    unsettled[todo] = True
    return _Solved(run, extra, tax, max_passes + 1, unsettled)


def _put(
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
        if name.startswith("loan_"):
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


def _refiled(inputs: EngineInputs, base: _TaxBase, run: RollOutput) -> TreasuryTax:
    """Tax as filed with the treasury's items (module doc); same loss rules and months.
    `base.before_usd`: the tax of each fiscal year (P, Y) on the fleet's taxable income
    alone."""
    calendar = inputs.fiscal
    items = run.realised_gain_usd + base.fixed_items_usd
    interest = calendar.by_year(
        base.fixed_interest_usd + run.loan_interest_usd.sum(axis=0) + run.loan_fee_usd.sum(axis=0)
    )
    if base.allowed_by_year_usd is not None:
        deducted, carried = _limited(interest, base.allowed_by_year_usd)
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


def _limited(interest: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
