"""A batch with nothing to pay back in the horizon has no payback chance (null, "n/a")."""

from __future__ import annotations

import json

from planner.engine import run
from planner.engine.montecarlo import MonteCarloSettings
from planner.io.project_file import load_project
from planner.io.report import _monte_carlo_section, report_json
from planner.io.resources import sample_project_path


def test_rows_bought_before_the_horizon_report_null_chances() -> None:
    project = load_project(sample_project_path())
    results = run(project)
    section = _monte_carlo_section(results, MonteCarloSettings(paths=200, seed=7))
    rows = section["rows"]
    start = project.scenario().start_month
    for row, entry in zip(project.fleet, rows, strict=True):
        bought_before = (row.order_month or row.purchase_month) < start
        assert (entry["p_payback_within_horizon"] is None) == bought_before, row.name
        if not bought_before:
            assert 0.0 <= entry["p_payback_within_horizon"] <= 1.0
    assert '"p_payback_before_halving": null' in report_json({"rows": rows})
    json.loads(report_json(section))  # strict JSON: no NaN
