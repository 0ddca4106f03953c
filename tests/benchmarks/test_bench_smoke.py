"""The benchmark runs and reports its figures; speed itself is read from `planner bench`."""

from __future__ import annotations

from planner.benchmark import run_case, synthetic_project, with_conversion_plans
from planner.ui.bench import GuiEditResult, describe


def test_synthetic_project_has_the_requested_size() -> None:
    project = synthetic_project(120, 36)
    assert len(project.fleet) == 120
    assert project.finance.horizon_months == 36
    assert {row.site for row in project.fleet} <= {site.name for site in project.sites}


def test_the_window_bench_fleet_has_a_conversion_plan_on_every_site() -> None:
    project = with_conversion_plans(synthetic_project(20, 12))
    assert [plan.site for plan in project.conversions] == [site.name for site in project.sites]


def test_bench_case_reports_time_and_memory() -> None:
    result = run_case(200, 24, repeats=2)
    figures = result.as_dict()
    assert figures["rows"] == 200 and figures["months"] == 24
    assert figures["median_ms"] > 0 and figures["peak_mb"] > 0
    assert figures["min_ms"] <= figures["median_ms"]


def _gui(rows: int, median_ms: float, stall_ms: float) -> GuiEditResult:
    return GuiEditResult(rows, 120, median_ms, median_ms + 5, stall_ms, 15, 20, 10.0, 42.0)


def test_window_figures_are_printed_beside_their_targets() -> None:
    line = describe(_gui(1_000, 49.96, 100.0))
    assert "1,000 rows x 120 months" in line
    assert "median 50.0 ms (target 50: ok), max 55.0 ms" in line
    assert "longest GUI stall in 20 edits 100.0 ms (target 100: ok)" in line
    assert "with the Fleet table and charts on screen: median 42.0 ms" in line
    line = describe(_gui(10_000, 210.0, 100.5))
    assert "median 210.0 ms (target 200: over)" in line and "(target 100: over)" in line


def test_a_case_without_a_median_target_shows_only_the_stall_target() -> None:
    line = describe(_gui(20, 12.0, 30.0))
    assert "median 12.0 ms, max" in line and line.count("target") == 1
