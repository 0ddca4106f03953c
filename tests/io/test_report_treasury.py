"""report --json's `treasury`: absent without a treasury, debt or hedges; with them the
months, runway, margin calls and instruments, adding up; an equipment loan's collateral."""

from __future__ import annotations

import json

import pytest

from planner.benchmark import with_treasury
from planner.domain.project import Project
from planner.domain.treasury import DebtInstrument
from planner.engine import run
from planner.io.project_file import load_project
from planner.io.report import build_report, report_json
from planner.io.resources import sample_project_path
from tests.engine.conftest import make_project

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


def test_the_treasurys_warnings_are_in_the_reports(sample: Project) -> None:
    # On a price falling 3 % a month the BTC line meets margin calls: the window's
    # warnings bar names them, and so does the report's list.
    report = _report(with_treasury(sample, falling=True))
    first = report["treasury"]["margin_calls"][0]
    calls = [w for w in report["warnings"] if w.startswith("debt 'BTC line': margin call")]
    assert len(calls) == 1
    assert f"first {first['month']}:" in calls[0]
    # Without a treasury the list is the plan's alone.
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    assert not [w for w in _report(bare)["warnings"] if w.startswith("debt ")]


def test_an_equipment_loans_collateral_is_reported() -> None:
    # Row 0 (100 x 3,000) retires in 2027-10; Row 1 (100 x 1,000) stays; book life a
    # year from 2027-06. 50 % of 400,000 at 0 % over 10 months (tests/engine/
    # test_treasury_debt.py works the months by hand): 75,000 of the balance falls due
    # in 2027-10 with Row 0; by 2027-10's end 25,000 is owed on Row 1's rigs, worth
    # 100,000 x (11 - 4) / 12 = 58,333.33.
    fleet = [
        {
            "model": "S21",
            "count": 100,
            "purchase_month": "2027-06",
            "unit_price_usd": 3_000,
            "retire_month": "2027-10",
        },
        {"model": "S21", "count": 100, "purchase_month": "2027-06", "unit_price_usd": 1_000},
    ]
    project = make_project(fleet=fleet, finance={"horizon_months": 12, "depreciation_years": 1})
    loan = DebtInstrument(
        name="Rigs",
        type="equipment",
        fleet_rows=["Row 0", "Row 1"],
        advance_rate=0.5,
        term_months=10,
    )
    section = _report(project.model_copy(update={"debt": [loan]}))["treasury"]
    rigs = section["instruments"][0]
    assert rigs["principal_on_retirement_usd"] == pytest.approx(75_000)
    assert rigs["principal_paid_usd"] == pytest.approx(200_000)
    assert rigs["collateral_value_end_usd"] == 0.0  # Row 1 fully depreciated in 2028-05
    assert rigs["max_loan_to_collateral_value"] == pytest.approx(180_000 / 366_666.666667)
    assert rigs["underwater_month"] is None
    october = section["monthly"][4]
    assert october["month"] == "2027-10"
    assert october["cash_components"]["principal_usd"] == pytest.approx(-95_000)
    [collateral] = october["equipment_collateral"]
    assert collateral["instrument"] == "Rigs"
    assert collateral["collateral_value_usd"] == pytest.approx(58_333.333333)
    assert collateral["loan_to_collateral_value"] == pytest.approx(25_000 / 58_333.333333)
    # Repaid by 2028-03: nothing owed, no ratio.
    assert section["monthly"][9]["equipment_collateral"][0]["loan_to_collateral_value"] is None
    sample = _report(load_project(sample_project_path()))["treasury"]["instruments"][1]
    assert sample["type"] == "btc_loan" and sample["collateral_value_end_usd"] is None
