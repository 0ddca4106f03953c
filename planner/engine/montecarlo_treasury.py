"""Monte Carlo of the treasury: the company's cash and BTC held on every path
(MODEL.md "Treasury, debt and hedges"), with and without each hedge.

Each path has its own BTC price, BTC mined, hashprice, fleet operating cash and fleet
tax (montecarlo.py builds them); the treasury runs on all paths at once
(treasury.treasury_roll_paths: the policy's sales, the BTC loans, the hedges settled on
the path's price and hashprice, the tax of its sales refiled). The answers:

- A cash shortfall: a month that ends with cash below the minimum cash buffer after the
  policy has sold what it may (the month's mined BTC, then free held BTC when it covers
  shortfalls; BTC pledged to lenders is not sold): the runway with sales. It falls
  "before the halving" when the first such month begins before the path's own halving
  (the halving's month counts; a path whose halving is after the horizon counts every
  shortfall), "within the horizon" when there is one at all.
- A margin call: a month in which a BTC-backed loan is topped up from held BTC or has
  collateral sold by its lender (a liquidation), on a path.
- Percentiles (montecarlo.PERCENTILES) of cash and BTC held at the horizon's end, and of
  cash at each month's end (the fan).
- Each hedge: P5 and P50 of ending cash with the plan as it is and without that hedge
  (TreasuryPlan.without_hedge), on the same paths. The lift is P5 with - P5 without;
  the cost at the median is P50 without - P50 with (positive: the hedge costs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs
from planner.engine.treasury import (
    TreasuryMarket,
    TreasuryPlan,
    fixed_flows,
    treasury_roll_paths,
    without_hedge_flows,
)
from planner.engine.treasury_roll import RollOutput

PERCENTILES = (5, 25, 50, 75, 95)
# Passes of the tax fixed point a path may take (treasury_solve.py's solve): a path whose
# sales flip with its tax (a sale to pay the tax triggers more tax) may never settle to
# the cent; it keeps its last pass and is counted in `unsettled_paths`.
MAX_PASSES = 12
BELOW_BUFFER_USD = 1e-6  # cash this much under the buffer is below it (as the runway's)


@dataclass(frozen=True)
class HedgeOnPaths:
    """One hedge's worth on the paths: ending cash's P5 and P50 with and without it."""

    name: str
    type: str
    p5_cash_end_with_usd: float
    p5_cash_end_without_usd: float
    p50_cash_end_with_usd: float
    p50_cash_end_without_usd: float

    @property
    def p5_lift_usd(self) -> float:
        """How much the hedge lifts the 5th percentile of ending cash."""
        return self.p5_cash_end_with_usd - self.p5_cash_end_without_usd

    @property
    def p50_cost_usd(self) -> float:
        """What the hedge costs at the median of ending cash (negative: it gains)."""
        return self.p50_cash_end_without_usd - self.p50_cash_end_with_usd


@dataclass(frozen=True)
class TreasuryMonteCarlo:
    """The treasury's answers over the paths (module doc)."""

    min_cash_buffer_usd: float
    p_cash_shortfall_before_halving: float
    p_cash_shortfall_within_horizon: float
    p_margin_call: float
    cash_end_percentiles_usd: np.ndarray  # (5,) at the horizon's end
    btc_held_end_percentiles: np.ndarray  # (5,) BTC, pledged included
    cash_percentiles_usd: np.ndarray  # (5, H) at each month's end: the fan
    hedges: tuple[HedgeOnPaths, ...]
    cash_end_usd: np.ndarray  # (P, H) each path's cash at each month's end
    btc_held_end: np.ndarray  # (P, H)
    shortfall_month: np.ndarray  # (P,) the first month below the buffer; NaN: none
    margin_call: np.ndarray  # (P,) bool
    unsettled_paths: int  # paths whose tax did not settle to the cent in MAX_PASSES

    @property
    def paths(self) -> int:
        return int(self.cash_end_usd.shape[0])


Progress = Callable[[float], None]


def treasury_on_paths(
    plan: TreasuryPlan,
    market: TreasuryMarket,
    inputs: EngineInputs,
    halving_months: np.ndarray,
    progress: Progress | None = None,
) -> TreasuryMonteCarlo:
    """The treasury on every path of `market`; `halving_months` (P,) is each path's
    halving as a fractional month (inf: after the horizon)."""
    step = progress or (lambda _f: None)
    runs = 1 + len(plan.hedges)
    fixed = fixed_flows(plan, market, inputs.timeline.days.astype(float))
    run, unsettled = treasury_roll_paths(plan, market, inputs, MAX_PASSES, fixed)
    step(1.0 / runs)
    cash_end = run.cash_end_usd[:, -1]
    hedges = []
    for i, hedge in enumerate(plan.hedges):
        other, other_unsettled = treasury_roll_paths(
            plan.without_hedge(hedge.name),
            market,
            inputs,
            MAX_PASSES,
            without_hedge_flows(plan, fixed, hedge.name),
            run,
        )
        unsettled |= other_unsettled
        step((i + 2.0) / runs)
        without = other.cash_end_usd[:, -1]
        hedges.append(
            HedgeOnPaths(
                name=hedge.name,
                type=hedge.type,
                p5_cash_end_with_usd=float(np.percentile(cash_end, 5)),
                p5_cash_end_without_usd=float(np.percentile(without, 5)),
                p50_cash_end_with_usd=float(np.percentile(cash_end, 50)),
                p50_cash_end_without_usd=float(np.percentile(without, 50)),
            )
        )
    buffer = plan.policy.min_cash_usd
    shortfall = first_below(run.cash_end_usd, buffer)
    called = margin_calls(run)
    return TreasuryMonteCarlo(
        min_cash_buffer_usd=buffer,
        p_cash_shortfall_before_halving=float(np.mean(shortfall < halving_months)),
        p_cash_shortfall_within_horizon=float(np.mean(np.isfinite(shortfall))),
        p_margin_call=float(called.mean()),
        cash_end_percentiles_usd=np.percentile(cash_end, PERCENTILES),
        btc_held_end_percentiles=np.percentile(run.btc_held_end[:, -1], PERCENTILES),
        cash_percentiles_usd=np.percentile(run.cash_end_usd, PERCENTILES, axis=0),
        hedges=tuple(hedges),
        cash_end_usd=run.cash_end_usd,
        btc_held_end=run.btc_held_end,
        shortfall_month=shortfall,
        margin_call=called,
        unsettled_paths=int(unsettled.sum()),
    )


def first_below(cash_usd: np.ndarray, buffer_usd: float) -> np.ndarray:
    """(P,) the first month index cash ends below the buffer; NaN when never."""
    below = cash_usd < buffer_usd - BELOW_BUFFER_USD
    return np.where(below.any(axis=1), below.argmax(axis=1), np.nan)


def margin_calls(run: RollOutput) -> np.ndarray:
    """(P,) whether any BTC loan is topped up or liquidated in any month of a path."""
    events = run.loan_topped_up_btc + run.loan_liquidated_btc  # (L, P, H)
    return np.asarray((events > 0).any(axis=(0, 2)), dtype=bool)
