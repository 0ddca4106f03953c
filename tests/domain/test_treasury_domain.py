"""The treasury's entities: old files load and save unchanged, errors name the field,
and the debt and hedges tables edit like the others."""

from __future__ import annotations

import json
from typing import Any

import pytest

from planner.domain import editing as ed
from planner.domain.cells import CellErrors, format_value, parse_cell
from planner.domain.errors import ProjectValidationError
from planner.domain.project import Project, project_json_schema
from planner.domain.schema import COLUMNS, ENTITIES, TREASURY_COLUMNS
from planner.domain.treasury import DebtInstrument, Hedge, TreasurySettings, treasury_notes
from planner.domain.validation import validate_project
from planner.io.project_file import parse_project, project_to_json
from planner.io.resources import sample_project_path


@pytest.fixture
def data() -> dict[str, Any]:
    """The sample as a planner before the treasury wrote it (no treasury, debt, hedges)."""
    data = json.loads(sample_project_path().read_text(encoding="utf-8"))
    for key in ("treasury", "debt", "hedges"):
        data.pop(key, None)
    return data


@pytest.fixture
def sample(data: dict[str, Any]) -> Project:
    return validate_project(data)


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


def test_an_old_file_loads_and_saves_without_the_new_keys(sample: Project) -> None:
    assert sample.treasury is None and sample.debt == [] and sample.hedges == []
    saved = json.loads(project_to_json(sample))
    assert not {"treasury", "debt", "hedges"} & saved.keys()
    schema = project_json_schema()
    assert {"treasury", "debt", "hedges"} <= schema["properties"].keys()
    assert schema["$defs"]["DebtInstrument"]["additionalProperties"] is False


def test_a_treasury_round_trips(sample: Project) -> None:
    project = sample.model_copy(
        update={
            "treasury": TreasurySettings(opening_cash_usd=5e6, opening_btc_held=1_200),
            "debt": [DebtInstrument(name="Bank", principal_usd=1e6, draw_month="2027-01")],
            "hedges": [Hedge(name="Fwd", type="hashprice_forward", hashrate_ph=100)],
        }
    )
    again = parse_project(project_to_json(project))
    assert again == project


def test_typed_values_are_read(data: dict[str, Any]) -> None:
    data["treasury"] = {"opening_cash_usd": "$5,000,000", "sell_share_of_mined": "50%"}
    project = validate_project(data)
    assert project.treasury is not None
    assert project.treasury.opening_cash_usd == 5e6
    assert project.treasury.sell_share_of_mined == 0.5


def test_errors_name_the_field(data: dict[str, Any]) -> None:
    data["debt"] = [
        {
            "name": "Line",
            "type": "btc_loan",
            "principal_usd": 1e6,
            "btc_pledged": 20,
            "margin_call_ltv": 0.8,
            "liquidation_ltv": 0.75,
        },
        {"name": "Rigs", "type": "equipment", "fleet_rows": ["No such batch"], "advance_rate": 0.7},
        {"name": "rigs", "principal_usd": 1},
    ]
    data["hedges"] = [
        {
            "name": "Collar",
            "type": "collar",
            "btc_amount": 1,
            "strike_usd": 90_000,
            "call_strike_usd": 80_000,
            "expiry_month": "2027-06",
        },
        {"name": "Put", "type": "put", "btc_amount": 1},
    ]
    assert problems(data) == [
        "debt[0].liquidation_ltv: must be above margin_call_ltv (80%), got 75%",
        "hedges[0].call_strike_usd: must be above the put's strike_usd (90,000), got 80,000",
        "hedges[1].strike_usd: is required for a put",
        "debt[2].name: duplicate name 'rigs' (also debt[1])",
        "debt[1].fleet_rows: unknown fleet row 'No such batch'",
    ]


def test_a_draw_after_the_horizon_is_allowed_and_said(sample: Project) -> None:
    late = DebtInstrument(name="Late", principal_usd=1, draw_month="2040-01")
    notes = treasury_notes(
        [late], [], (sample.scenario().start_month, sample.scenario().start_month)
    )
    assert notes == [
        "debt 'Late' is drawn in 2040-01, after the horizon ends (2026-12): it has no effect"
    ]


def test_the_tables_have_columns_for_every_field() -> None:
    for section in ("debt", "hedges"):
        keys = {c.key for c in COLUMNS[section]}
        assert keys == set(ENTITIES[section].model_fields)
    assert {c.key for c in TREASURY_COLUMNS} == set(TreasurySettings.model_fields) - {"notes"}


def test_debt_and_hedges_edit_like_the_other_tables(sample: Project) -> None:
    project = ed.insert_rows(sample, "debt", 0, 2)
    assert [d.name for d in project.debt] == ["Loan 1", "Loan 2"]
    project = ed.set_cells(
        project,
        "debt",
        [
            (0, "type", "equipment"),
            (0, "fleet_rows", "S21 2024; S21 Pro 2025"),
            (0, "advance_rate", "70%"),
            (1, "type", "btc_loan"),
            (1, "principal_usd", "$2,000,000"),
            (1, "btc_pledged", "40"),
        ],
    )
    assert project.debt[0].fleet_rows == ["S21 2024", "S21 Pro 2025"]
    column = {c.key: c for c in COLUMNS["debt"]}["fleet_rows"]
    assert format_value(column, project.debt[0].fleet_rows) == "S21 2024; S21 Pro 2025"
    assert parse_cell(column, "a;b ; ") == ["a", "b"]
    with pytest.raises(CellErrors) as refused:
        ed.set_cells(project, "debt", [(1, "liquidation_ltv", "50%")])
    assert [(e.key, e.message) for e in refused.value.errors] == [
        ("liquidation_ltv", "must be above margin_call_ltv (70%), got 50%")
    ]
    with pytest.raises(CellErrors, match="unknown fleet row 'Nope'"):
        ed.set_cells(project, "debt", [(0, "fleet_rows", "Nope")])
    hedged = ed.insert_rows(project, "hedges", 0)
    assert hedged.hedges[0].type == "hashprice_forward"


def test_a_financed_fleet_row_follows_a_rename_and_cannot_be_deleted(sample: Project) -> None:
    project = ed.insert_rows(sample, "debt", 0)
    project = ed.set_cells(
        project,
        "debt",
        [(0, "type", "equipment"), (0, "fleet_rows", "S21 2024"), (0, "advance_rate", "0.6")],
    )
    row = next(i for i, r in enumerate(project.fleet) if r.name == "S21 2024")
    renamed = ed.set_cells(project, "fleet", [(row, "name", "S21 batch A")])
    assert renamed.debt[0].fleet_rows == ["S21 batch A"]
    with pytest.raises(CellErrors, match="'S21 batch A' is used by equipment financing 1"):
        ed.delete_rows(renamed, "fleet", [row])


def test_treasury_settings_are_set_like_finance(sample: Project) -> None:
    project = ed.set_treasury_many(
        sample, [("opening_btc_held", "1,200"), ("cost_basis_method", "Average")]
    )
    assert project.treasury == TreasurySettings(opening_btc_held=1_200, cost_basis_method="average")
    with pytest.raises(CellErrors) as refused:
        ed.set_treasury_many(project, [("sell_share_of_mined", "150%")])
    assert refused.value.errors[0].key == "sell_share_of_mined"
    assert ed.remove_treasury(project).treasury is None
