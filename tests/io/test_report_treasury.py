"""report --json's `treasury`: absent without a treasury, debt or hedges; with them the
months, runway, margin calls and instruments, adding up as issue 16 asks."""

from __future__ import annotations

import json

import pytest

from planner.benchmark import with_treasury
from planner.domain.project import Project
from planner.engine import run
from planner.io.project_file import load_project
from planner.io.report import build_report, report_json
from planner.io.resources import sample_project_path

MONTHLY_KEYS = {
    "month",
    "cash_start_usd",
    "cash_end_usd",
    "cash_components",
    "btc_held_start",
    "btc_mined",
    "btc_sold",
    "btc_liquidated",
    "btc_held_end",
    "btc_price_usd",
    "debt_end_usd",
    "interest_usd",
    "principal_usd",
    "hedge_settlement_usd",
}


@pytest.fixture(scope="module")
def sample() -> Project:
    return load_project(sample_project_path())


def _report(project: Project) -> dict:
    report = build_report(project, run(project), uncertainty=False)
    return json.loads(report_json(report))


def test_no_treasury_section_without_a_treasury(sample: Project) -> None:
    assert "treasury" in _report(sample)  # the sample has one
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    assert "treasury" not in _report(bare)


def test_the_treasury_section_adds_up(sample: Project) -> None:
    section = _report(with_treasury(sample, falling=True))["treasury"]
    monthly = section["monthly"]
    assert len(monthly) == sample.finance.horizon_months
    assert monthly[0].keys() >= MONTHLY_KEYS
    for month, after in zip(monthly, [*monthly[1:], None], strict=True):
        change = month["cash_end_usd"] - month["cash_start_usd"]
        assert sum(month["cash_components"].values()) == pytest.approx(change, abs=1e-4)
        if after is not None:
            assert after["cash_start_usd"] == month["cash_end_usd"]
        held = month["btc_held_start"] + month["btc_mined"] - month["btc_sold"]
        assert held - month["btc_liquidated"] == pytest.approx(month["btc_held_end"], abs=1e-9)
    assert {"runway_months", "runway_with_sales_months", "min_cash_usd"} <= section.keys()
    assert section["min_cash_usd"] == min(m["cash_end_usd"] for m in monthly)
    calls = section["margin_calls"]
    assert calls and set(calls[0]) == {"month", "instrument", "btc_topped_up", "btc_liquidated"}
    instruments = {i["name"]: i for i in section["instruments"]}
    assert set(instruments) == {"Equipment", "BTC line", "Term"}
    term = instruments["Term"]
    assert term["interest_paid_usd"] == pytest.approx(
        sum(m["cash_components"]["interest_usd"] for m in monthly) * -1
        - sum(i["interest_paid_usd"] for n, i in instruments.items() if n != "Term")
    )
    assert monthly[-1]["debt_end_usd"] == pytest.approx(
        sum(i["outstanding_end_usd"] for i in instruments.values())
    )
    assert [entry["instrument"] for entry in monthly[0]["ltv"]] == ["BTC line"]
    assert [h["name"] for h in section["hedges"]] == ["Forward", "Collar"]
