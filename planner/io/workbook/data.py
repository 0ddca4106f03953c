"""Everything the workbook shows that the planner computes: run once, before writing.

The mining model's results, the AI/HPC analysis and the decision sheets' analyses
(scenarios, sensitivity, swaps, Monte Carlo), so that the writer only writes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from planner.domain.project import Project, Scenario
from planner.engine import run
from planner.engine.hpc import ConversionAnalysis, analyse_conversions
from planner.engine.model import Results
from planner.engine.montecarlo import (
    MonteCarloResult,
    MonteCarloSettings,
    row_payback_chances,
    run_monte_carlo,
)
from planner.engine.sensitivity import (
    Tornado,
    TwoWay,
    compare_scenarios,
    tornado,
    two_way,
)
from planner.engine.swaps import SwapResult, analyse_swaps
from planner.engine.timeline import HALVING_INTERVAL_BLOCKS
from planner.engine.treasury import (
    TreasuryPlan,
    TreasuryResult,
    has_treasury,
    run_treasury,
    treasury_plan,
)
from planner.io.workbook.book import ExportError, Shape
from planner.io.workbook.hourly_values import HourlyLayout, hourly_layout


@dataclass(frozen=True)
class RowPayback:
    """Each fleet row's Monte Carlo chance of paying back before the halving and within
    the horizon, over `paths` paths."""

    before_halving: np.ndarray
    within_horizon: np.ndarray
    paths: int


@dataclass(frozen=True)
class ExportData:
    """The project under one scenario and horizon, and every analysis the workbook shows."""

    project: Project
    scenario: Scenario
    months: int
    shape: Shape
    results: Results
    conversions: ConversionAnalysis
    compared: list[tuple[str, Results]]
    tornado: Tornado
    two_way: TwoWay
    swaps: list[SwapResult]
    swaps_skipped: list[str]
    monte_carlo: MonteCarloResult
    row_payback: RowPayback
    treasury: tuple[TreasuryPlan, TreasuryResult] | None = None  # the scenario's path
    hourly: HourlyLayout | None = None  # the Hourly power sheet's figures, when any


def _check_halvings(results: Results, scenario: Scenario) -> None:
    """The workbook's subsidy formula splits a month at one halving at most."""
    timeline = results.inputs.timeline
    ends = timeline.height_start + timeline.blocks
    eras = (ends // HALVING_INTERVAL_BLOCKS) - (timeline.height_start // HALVING_INTERVAL_BLOCKS)
    if (eras > 1).any():
        raise ExportError(
            f"scenario {scenario.name!r}: with a block time of "
            f"{scenario.block_time_s:g} s a month spans more than one halving; "
            "the workbook's subsidy formula splits a month at one halving at most"
        )


def collect(project: Project, scenario_name: str | None, horizon: int | None) -> ExportData:
    """Run the model and every analysis the workbook shows, once."""
    scenario = project.scenario(scenario_name)
    months = horizon if horizon is not None else project.finance.horizon_months
    if not 1 <= months <= 600:
        raise ExportError(f"horizon must be 1 to 600 months, got {months}")
    results = run(project, scenario.name, months)
    _check_halvings(results, scenario)
    # Each row's Monte Carlo probabilities, the longest analysis, run in a second thread
    # meanwhile (numpy releases the GIL in its loops), on the same settings and seed.
    settings = MonteCarloSettings()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as pool:
        by_row = pool.submit(row_payback_chances, results, settings)
        monte_carlo = run_monte_carlo(results, settings)
        conversions = analyse_conversions(project, results)
        skipped: list[str] = []
        swaps = analyse_swaps(project, skipped)
        compared = compare_scenarios(project, months)
        sensitivity = tornado(project), two_way(project)
        chances = by_row.result()
    shape = Shape(
        months=months,
        rows=len(project.fleet),
        sites=len(project.sites),
        contracts=len(project.contracts),
        models=len(project.catalog),
    )
    return ExportData(
        project=project,
        scenario=scenario,
        months=months,
        shape=shape,
        results=results,
        conversions=conversions,
        compared=compared,
        tornado=sensitivity[0],
        two_way=sensitivity[1],
        swaps=swaps,
        swaps_skipped=skipped,
        monte_carlo=monte_carlo,
        row_payback=RowPayback(chances.before_halving, chances.within_horizon, chances.paths),
        treasury=_treasury(project, results),
        hourly=hourly_layout(results, shape),
    )


def _treasury(project: Project, results: Results) -> tuple[TreasuryPlan, TreasuryResult] | None:
    """The treasury's plan and its run on the scenario's path, when the project has one."""
    if not has_treasury(project):
        return None
    plan = treasury_plan(project, results.inputs)
    return plan, run_treasury(results, plan)
