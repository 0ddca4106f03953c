"""report --json's `monte_carlo` with a treasury: its chances, percentiles and hedges
only when the project has a treasury, strict JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from planner.domain.project import Project
from planner.engine import run
from planner.engine.montecarlo import MonteCarloSettings, run_monte_carlo
from planner.engine.treasury import treasury_plan
from planner.io.project_file import load_project
from planner.io.report import _treasury_monte_carlo, build_report, report_json
from planner.io.resources import sample_project_path
from planner.ui.decisions.monte_carlo_treasury import chances_text

TREASURY_KEYS = {
    "p_cash_shortfall_before_halving",
    "p_cash_shortfall_within_horizon",
    "p_margin_call",
    "cash_end_percentiles_usd",
    "btc_held_end_percentiles",
    "tax_unsettled_paths",
    "hedges",
}
HEDGE_KEYS = {
    "name",
    "type",
    "p5_cash_end_with_usd",
    "p5_cash_end_without_usd",
    "p50_cash_end_with_usd",
    "p50_cash_end_without_usd",
}
PERCENTILE_KEYS = ["p5", "p25", "p50", "p75", "p95"]


@pytest.fixture(scope="module")
def sample() -> Project:
    return load_project(sample_project_path())


def _monte_carlo(project: Project) -> dict:
    report = build_report(project, run(project), settings=MonteCarloSettings(paths=300, seed=3))
    return json.loads(report_json(report))["monte_carlo"]  # strict: no NaN


def test_the_sample_reports_its_treasury_on_the_paths(sample: Project) -> None:
    mc = _monte_carlo(sample)
    assert mc.keys() >= TREASURY_KEYS
    for name in ("p_cash_shortfall_before_halving", "p_margin_call"):
        assert 0.0 <= mc[name] <= 1.0
    assert mc["p_cash_shortfall_before_halving"] <= mc["p_cash_shortfall_within_horizon"]
    # A count of paths, as the Monte Carlo page says it.
    assert isinstance(mc["tax_unsettled_paths"], int)
    assert 0 <= mc["tax_unsettled_paths"] <= mc["paths"] == 300
    for name in ("cash_end_percentiles_usd", "btc_held_end_percentiles"):
        values = mc[name]
        assert list(values) == PERCENTILE_KEYS
        assert [values[k] for k in PERCENTILE_KEYS] == sorted(values.values())
    assert [h["name"] for h in mc["hedges"]] == [h.name for h in sample.hedges]
    for hedge in mc["hedges"]:
        assert set(hedge) == HEDGE_KEYS
        assert hedge["p5_cash_end_with_usd"] == mc["cash_end_percentiles_usd"]["p5"]
        assert hedge["p50_cash_end_with_usd"] == mc["cash_end_percentiles_usd"]["p50"]


def test_without_a_treasury_monte_carlo_is_the_fleets_alone(sample: Project) -> None:
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    mc = _monte_carlo(bare)
    assert not TREASURY_KEYS & mc.keys()
    assert "p_payback_before_halving" in mc


def test_paths_whose_tax_did_not_settle_are_counted(sample: Project) -> None:
    """`tax_unsettled_paths` is the Monte Carlo run's count, as the page states it."""
    results = run(sample)
    plan = treasury_plan(sample, results.inputs)
    mc = run_monte_carlo(results, MonteCarloSettings(paths=50, seed=1), treasury=plan)
    assert mc.treasury is not None
    section = _treasury_monte_carlo(replace(mc.treasury, unsettled_paths=7))
    assert section["tax_unsettled_paths"] == 7
    assert "7 paths' tax on BTC sales did not settle" in chances_text(
        replace(mc.treasury, unsettled_paths=7)
    )
