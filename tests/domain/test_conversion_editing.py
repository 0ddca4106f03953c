"""Editing AI/HPC conversion plans like the other tables: one plan per site."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain import editing as ed
from planner.domain.cells import CellErrors
from planner.domain.project import Project
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture
def sample() -> Project:
    return load_project(sample_project_path())


def test_insert_takes_the_first_site_without_a_plan(sample: Project) -> None:
    after = ed.insert_rows(sample, "conversions", 2)
    plan = after.conversions[2]
    assert plan.site == "Hosted - Ohio"
    assert not plan.enabled  # a new plan is off until the user has filled it in
    assert plan.start_month == date(2027, 12, 1)
    with pytest.raises(CellErrors, match="every site has a conversion plan"):
        ed.insert_rows(after, "conversions", 3)


def test_duplicate_goes_to_the_next_site_and_a_second_plan_is_refused(sample: Project) -> None:
    after = ed.duplicate_rows(sample, "conversions", [0])
    assert [p.site for p in after.conversions] == ["Pecos, TX", "Hosted - Ohio", "Williston, ND"]
    assert after.conversions[1].rent_usd_per_kw_month == 150
    with pytest.raises(CellErrors) as caught:
        ed.set_cells(sample, "conversions", [(1, "site", "Pecos, TX")])
    assert caught.value.errors[0].key == "site"
    assert "duplicate plan for site 'Pecos, TX'" in caught.value.errors[0].message


def test_cells_parse_and_refuse_like_other_tables(sample: Project) -> None:
    after = ed.set_cells(
        sample,
        "conversions",
        [(0, "share", "35%"), (0, "rent_usd_per_kw_month", "$162.50"), (0, "it_mw", "")],
    )
    plan = after.conversions[0]
    assert (plan.share, plan.rent_usd_per_kw_month, plan.it_mw) == (0.35, 162.5, None)
    with pytest.raises(CellErrors) as caught:
        ed.set_cells(
            sample,
            "conversions",
            [(0, "share", "120%"), (0, "rent_usd_per_kw_month", "-5"), (1, "site", "Mars")],
        )
    found = {(e.row, e.key): e.message for e in caught.value.errors}
    assert found[(0, "share")] == "must be <= 1, got 1.2"
    assert found[(0, "rent_usd_per_kw_month")] == "must be >= 0, got -5.0"
    assert sample.conversions[0].share == 0.5  # nothing applied


def test_start_after_the_horizon_is_refused_in_the_cell(sample: Project) -> None:
    with pytest.raises(CellErrors) as caught:
        ed.set_cells(sample, "conversions", [(1, "start_month", "2032-01")])
    (error,) = caught.value.errors
    assert error.key == "start_month"
    assert "must be inside the horizon (2026-12 to 2031-11), got 2032-01" in error.message


def test_renaming_a_site_renames_its_plan_and_a_planned_site_cannot_go(sample: Project) -> None:
    after = ed.set_cells(sample, "sites", [(0, "name", "Pecos West")])
    assert after.conversions[0].site == "Pecos West"
    with pytest.raises(CellErrors, match="used by AI/HPC plans 2"):
        ed.delete_rows(sample, "sites", [2])


def test_a_shorter_horizon_or_later_scenario_cannot_strand_a_plan(sample: Project) -> None:
    with pytest.raises(CellErrors) as caught:
        ed.set_finance(sample, "horizon_months", "12")
    assert "'Williston, ND' would start after the horizon" in str(caught.value)
    assert ed.set_finance(sample, "horizon_months", "36").finance.horizon_months == 36
