"""The benchmark runs and reports its figures; speed itself is read from `planner bench`."""

from __future__ import annotations

from planner.benchmark import run_case, synthetic_project


def test_synthetic_project_has_the_requested_size() -> None:
    project = synthetic_project(120, 36)
    assert len(project.fleet) == 120
    assert project.finance.horizon_months == 36
    assert {row.site for row in project.fleet} <= {site.name for site in project.sites}


def test_bench_case_reports_time_and_memory() -> None:
    result = run_case(200, 24, repeats=2)
    figures = result.as_dict()
    assert figures["rows"] == 200 and figures["months"] == 24
    assert figures["median_ms"] > 0 and figures["peak_mb"] > 0
    assert figures["min_ms"] <= figures["median_ms"]
