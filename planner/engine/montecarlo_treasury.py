"""Monte Carlo of the treasury: the company's cash and BTC held on every path
(MODEL.md "Treasury, debt and hedges"), with and without each hedge.

Each path has its own BTC price, BTC mined, hashprice, fleet operating cash and fleet
tax (montecarlo.py builds them); the treasury runs on all paths at once
(`roll_paths`: the policy's sales, the BTC loans, the hedges settled on
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

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs
from planner.engine.rows import run_parts
from planner.engine.treasury import (
    TreasuryMarket,
    TreasuryPlan,
    fixed_flows,
)
from planner.engine.treasury_roll import RollOutput
from planner.engine.treasury_solve import TaxBase, refiled, solve, tax_base

PERCENTILES = (5, 25, 50, 75, 95)
# What roll_paths answers: cash, BTC held, margin calls, and what its tax reads.
ROLL_PATHS_FIELDS = (
    "cash_end_usd",
    "btc_held_end",
    "loan_topped_up_btc",
    "loan_liquidated_btc",
    "realised_gain_usd",
    "loan_interest_usd",
    "loan_fee_usd",
)
# Passes of the tax fixed point a path may take (treasury_solve.py's solve): a path whose
# sales flip with its tax (a sale to pay the tax triggers more tax) may never settle to
# the cent; it keeps its last pass and is counted in `unsettled_paths`.
MAX_PASSES = 12
PARALLEL_FROM_PATHS = 1_000  # a run of this many paths is worked in two halves at once
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
    halving as a fractional month (inf: after the horizon). Paths are independent: a big
    run is worked in two halves at once (numpy lets go of the interpreter in its loops)."""
    found = _in_halves(plan, market, inputs, progress or (lambda _f: None))
    cash_usd, btc_held = found.cash_usd, found.btc_held
    cash_end = cash_usd[:, -1]
    hedges = []
    for i, hedge in enumerate(plan.hedges):
        without = found.without_cash_end_usd[i]
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
    shortfall = first_below(cash_usd, buffer)
    called = found.margin_call
    return TreasuryMonteCarlo(
        min_cash_buffer_usd=buffer,
        p_cash_shortfall_before_halving=float(np.mean(shortfall < halving_months)),
        p_cash_shortfall_within_horizon=float(np.mean(np.isfinite(shortfall))),
        p_margin_call=float(called.mean()),
        cash_end_percentiles_usd=np.percentile(cash_end, PERCENTILES),
        btc_held_end_percentiles=np.percentile(btc_held[:, -1], PERCENTILES),
        cash_percentiles_usd=np.percentile(cash_usd, PERCENTILES, axis=0),
        hedges=tuple(hedges),
        cash_end_usd=cash_usd,
        btc_held_end=btc_held,
        shortfall_month=shortfall,
        margin_call=called,
        unsettled_paths=found.unsettled_paths,
    )


@dataclass(frozen=True)
class _Runs:
    """What the treasury answers on the paths, and without each hedge."""

    cash_usd: np.ndarray  # (P, H) at each month's end
    btc_held: np.ndarray  # (P, H)
    margin_call: np.ndarray  # (P,) bool
    without_cash_end_usd: list[np.ndarray]  # per hedge, (P,) ending cash without it
    unsettled_paths: int


def _in_halves(
    plan: TreasuryPlan, market: TreasuryMarket, inputs: EngineInputs, step: Progress
) -> _Runs:
    """`_treasury_runs` on two halves of the paths at once when there are many, joined."""
    paths = market.btc_price_usd.shape[0]
    halves = 2 if paths >= PARALLEL_FROM_PATHS else 1
    bounds = np.linspace(0, paths, halves + 1).astype(int)
    found: list[_Runs | None] = [None] * halves
    shares = [0.0] * halves
    lock = threading.Lock()

    def work(part: int) -> None:
        def part_step(share: float) -> None:
            with lock:
                shares[part] = share
                done = sum(shares) / halves
            step(done)

        chosen = slice(bounds[part], bounds[part + 1])
        market_part = TreasuryMarket(
            **{name: values[chosen] for name, values in vars(market).items()}
        )
        found[part] = _treasury_runs(plan, market_part, inputs, part_step)

    run_parts(work, halves)
    runs = [f for f in found if f is not None]
    if len(runs) == 1:
        return runs[0]
    return _Runs(
        cash_usd=np.concatenate([r.cash_usd for r in runs]),
        btc_held=np.concatenate([r.btc_held for r in runs]),
        margin_call=np.concatenate([r.margin_call for r in runs]),
        without_cash_end_usd=[
            np.concatenate([r.without_cash_end_usd[k] for r in runs])
            for k in range(len(plan.hedges))
        ],
        unsettled_paths=sum(r.unsettled_paths for r in runs),
    )


def _treasury_runs(
    plan: TreasuryPlan, market: TreasuryMarket, inputs: EngineInputs, step: Progress
) -> _Runs:
    """The treasury on the paths of `market`, then without each hedge on them (the same
    tax base less the hedge's settlements and premiums)."""
    fixed = fixed_flows(plan, market, inputs.timeline.days.astype(float))
    base = tax_base(plan, market, inputs, fixed)
    run, unsettled = roll_paths(plan, inputs, base)
    step(0.5 if plan.hedges else 1.0)
    without: list[np.ndarray] = []
    if plan.hedges:
        # Each hedge's cash in a month: its settlement less its premium (both taxable).
        # The plan without each hedge differs from the plan by that flow alone: all are
        # solved as one run over the paths once per hedge, first guessed from the plan's
        # sales, so that a pass costs its months once for all of them.
        bases = [
            base.less_fixed(fixed.hedges.settlement_usd[k] - fixed.hedges.premium_usd[k])
            for k in range(len(plan.hedges))
        ]
        guess = np.concatenate([refiled(inputs, b, run).extra_tax_usd for b in bases])
        solved = solve(
            plan, inputs, TaxBase.stack(bases), True, MAX_PASSES, guess, ("cash_end_usd",)
        )
        paths = base.price_usd.shape[0]
        ends = solved.run.cash_end_usd[:, -1].reshape(len(bases), paths)
        without = [end.copy() for end in ends]
        unsettled |= solved.unsettled.reshape(len(bases), paths).any(axis=0)
        step(1.0)
    return _Runs(
        cash_usd=run.cash_end_usd,
        btc_held=run.btc_held_end,
        margin_call=margin_calls(run),
        without_cash_end_usd=without,
        unsettled_paths=int(unsettled.sum()),
    )


def roll_paths(
    plan: TreasuryPlan, inputs: EngineInputs, base: TaxBase
) -> tuple[RollOutput, np.ndarray]:
    """The policy's pass alone on every path of `base` (P, H), its sales' tax settled
    (treasury_solve.solve): cash, BTC held and the BTC loans' top-ups and liquidations
    (ROLL_PATHS_FIELDS of the RollOutput), without the treasury's other answers (the
    runway without sales, each instrument's flows). Also (P,) which paths' tax did not
    settle to the cent in MAX_PASSES (they keep their last pass)."""
    solved = solve(plan, inputs, base, True, MAX_PASSES, None, ROLL_PATHS_FIELDS)
    return solved.run, solved.unsettled


def first_below(cash_usd: np.ndarray, buffer_usd: float) -> np.ndarray:
    """(P,) the first month index cash ends below the buffer; NaN when never."""
    below = cash_usd < buffer_usd - BELOW_BUFFER_USD
    return np.where(below.any(axis=1), below.argmax(axis=1), np.nan)


def margin_calls(run: RollOutput) -> np.ndarray:
    """(P,) whether any BTC loan is topped up or liquidated in any month of a path."""
    events = run.loan_topped_up_btc + run.loan_liquidated_btc  # (L, P, H)
    return np.asarray((events > 0).any(axis=(0, 2)), dtype=bool)
