"""report --json's `monte_carlo` with a treasury: its chances, percentiles and hedges
only when the project has a treasury, strict JSON."""

from __future__ import annotations

import json

import pytest

from planner.domain.project import Project
from planner.engine import run
from planner.engine.montecarlo import MonteCarloSettings
from planner.io.project_file import load_project
from planner.io.report import build_report, report_json
from planner.io.resources import sample_project_path

TREASURY_KEYS = {
    "p_cash_shortfall_before_halving",
    "p_cash_shortfall_within_horizon",
    "p_margin_call",
    "cash_end_percentiles_usd",
    "btc_held_end_percentiles",
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
