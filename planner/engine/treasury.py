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

from planner.domain.months import format_month
from planner.domain.project import Project
from planner.domain.treasury import TreasurySettings, treasury_notes
from planner.engine.debt import (
    LoanFlows,
    LoanTerms,
    convert_at_maturity,
    fixed_loan_flows,
    loan_terms,
    prepayment_flows,
)
from planner.engine.hedges import HedgeFlows, HedgeTerms, hedge_flows, hedge_terms
from planner.engine.inputs import EngineInputs
from planner.engine.treasury_pledges import pledge_note, pledge_shortfalls
from planner.engine.treasury_result import TreasuryResult, result_of
from planner.engine.treasury_roll import Policy
from planner.engine.treasury_solve import (
    MAX_PASSES,
    solve,
    tax_base,
)

if TYPE_CHECKING:
    from planner.engine.model import Results


__all__ = [
    "TreasuryMarket",
    "TreasuryPlan",
    "TreasuryResult",
    "has_treasury",
    "run_treasury",
    "treasury_paths",
    "treasury_plan",
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
        notes=tuple(
            treasury_notes(
                project.debt,
                project.hedges,
                (inputs.start_month, last),
                settings.opening_btc_held,
            )
        ),
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
    base = tax_base(plan, market, inputs, fixed)
    solved = solve(plan, inputs, base, sell_held=True)
    run = solved.run
    without = run  # the same pass when no held BTC was sold
    if run.btc_sold_held.any():
        without = solve(plan, inputs, base, sell_held=False).run
    notes = list(plan.notes)
    if solved.passes > MAX_PASSES:
        notes.append("the tax on BTC sales did not settle to the cent in the passes allowed")
    shortfalls = pledge_shortfalls(plan.btc_loans, run, plan.policy.opening_btc_held)
    starts = inputs.timeline.month_starts
    # Draws at or before the start are the plan's notes already (treasury_notes).
    notes += [pledge_note(s, format_month(starts[s.month])) for s in shortfalls if s.month > 0]
    return result_of(
        plan,
        market,
        fixed,
        run,
        solved.extra_tax_usd,
        solved.tax,
        without.cash_end_usd,
        notes,
        shortfalls,
    )
