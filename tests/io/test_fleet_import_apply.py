"""Applying an import: the result is a validated project; a replace drops what named the
old rows, and says so first."""

from __future__ import annotations

import json
from datetime import date

import pytest

from planner.domain.project import FleetRow
from planner.domain.validation import validate_project
from planner.io.fleet_import import ImportApplyError, ImportPlan, import_fleet
from planner.io.project_file import load_project
from planner.io.resources import app_root, sample_project_path

INVENTORY = app_root() / "samples" / "fleet-inventory.xlsx"


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def test_replace_lists_and_drops_the_swaps_of_the_old_rows(sample) -> None:
    """`import --replace` on the sample wrote a project that no longer opened: its swaps
    still named the deleted rows."""
    assert sample.swaps  # the sample plans swaps of its own rows
    plan = import_fleet(INVENTORY, sample)
    drops = plan.replace_drops(sample)
    financed = [d for d in sample.debt if d.type == "equipment"]  # its newest batch
    assert len(drops) == len(sample.swaps) + len(financed)
    assert drops[-1] == f"the equipment financing {financed[0].name!r} (all its rows)"
    first = sample.swaps[0]
    assert drops[0] == (
        f"the swap of fleet row {first.row!r} to {first.model!r} in {first.month:%Y-%m}"
    )
    replaced = plan.apply(sample, replace=True)
    assert replaced.swaps == [] and [r.name for r in replaced.fleet] == [r.name for r in plan.rows]
    validate_project(json.loads(replaced.model_dump_json()))  # it opens again


def test_append_keeps_everything_and_drops_nothing(sample) -> None:
    plan = import_fleet(INVENTORY, sample)
    appended = plan.apply(sample)
    assert appended.swaps == sample.swaps and len(appended.fleet) == len(sample.fleet) + 10
    assert appended.catalog[-1].name == plan.new_models[0].name


def test_a_swap_of_an_imported_row_survives_a_replace(sample) -> None:
    plan = import_fleet(INVENTORY, sample)
    kept = sample.swaps[0].model_copy(update={"row": plan.rows[0].name})
    project = sample.model_copy(update={"swaps": [*sample.swaps, kept]})
    financed = [d for d in sample.debt if d.type == "equipment"]
    assert len(plan.replace_drops(project)) == len(sample.swaps) + len(financed)
    assert plan.apply(project, replace=True).swaps == [kept]


def test_a_plan_that_would_break_the_project_raises_naming_the_problem(sample) -> None:
    row = FleetRow(
        name="Lost", model="Antminer S21", site="Atlantis", count=1, purchase_month=date(2026, 1, 1)
    )
    plan = ImportPlan(source="x.csv", sheet="x.csv", header_row=1, mapping={}, rows=[row])
    with pytest.raises(ImportApplyError, match=r"x\.csv: the imported project would not be valid"):
        plan.apply(sample)
    try:
        plan.apply(sample)
    except ImportApplyError as error:
        assert any("unknown site 'Atlantis'" in str(p) for p in error.problems)
