"""Spreadsheet edits on a project: all or nothing, named cells, references kept."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain import editing as ed
from planner.domain.cells import CellError, CellErrors, format_value
from planner.domain.schema import COLUMNS
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def errors_of(call) -> list[CellError]:
    with pytest.raises(CellErrors) as caught:
        call()
    return caught.value.errors


def test_set_a_count_and_the_old_project_is_untouched(sample) -> None:
    edited = ed.set_cells(sample, "fleet", [(3, "count", "2,750")])
    assert edited.fleet[3].count == 2_750
    assert sample.fleet[3].count == 2_500
    assert edited.fleet[4] is sample.fleet[4]  # untouched rows are shared


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("unit_price_usd", "$3,100", 3_100.0),
        ("degradation_per_year", "2.5%", 0.025),
        ("degradation_per_year", "3", 0.03),  # a bare number above 1 is percent
        ("degradation_per_year", "0.04", 0.04),
        ("retire_month", "2029-06", date(2029, 6, 1)),
        ("retire_month", "", None),
        ("site", "Pecos, TX", "Pecos, TX"),
    ],
)
def test_typed_text_becomes_the_value(sample, key, text, value) -> None:
    assert getattr(ed.set_cells(sample, "fleet", [(1, key, text)]).fleet[1], key) == value


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("count", "abc", "cannot read 'abc' as a number"),
        ("count", "-5", "must be >= 0, got -5"),
        ("count", "", "is required"),
        ("site", "Nowhere", "unknown site 'Nowhere'"),
        ("model", "Antminer X", "unknown rig model 'Antminer X'"),
        ("retire_month", "2020-01", "must be after the online month 2022-11, got 2020-01"),
        (
            "purchase_month",
            "soon",
            "must be a month such as 2027-03, Mar 2027, Mar-27, 03/2027, 3/1/2027 or an Excel "
            "date number, got 'soon'",
        ),
        ("name", "S21 2024", "duplicate name 'S21 2024' (also row 5)"),
    ],
)
def test_bad_cells_are_refused_with_the_reason(sample, key, text, message) -> None:
    errors = errors_of(lambda: ed.set_cells(sample, "fleet", [(1, key, text)]))
    assert errors == [CellError(1, key, message)]


def test_a_block_with_one_bad_cell_applies_nothing(sample) -> None:
    block = [["100", "$2,000"], ["abc", "$2,100"], ["300", "$2,200"]]
    errors = errors_of(
        lambda: ed.paste_block(sample, "fleet", 0, ["count", "unit_price_usd"], block)
    )
    assert errors == [CellError(1, "count", "cannot read 'abc' as a number")]


def test_paste_past_the_end_adds_rows_and_skips_computed_columns(sample) -> None:
    n = len(sample.fleet)
    block = [
        ["Extra A", "Antminer S21", "Pecos, TX", "10", "$1"],
        ["Extra B", "Antminer S21", "Pecos, TX", "20", "x"],
    ]
    columns = ["name", "model", "site", "count", "result:npv_usd"]
    edited, skipped = ed.paste_block(sample, "fleet", n - 1, columns, block)
    assert skipped == 2
    assert len(edited.fleet) == n + 1
    assert [r.name for r in edited.fleet[-2:]] == ["Extra A", "Extra B"]
    assert edited.fleet[-1].count == 20
    assert edited.fleet[-1].purchase_month == sample.scenario().start_month


def test_renaming_a_site_renames_its_fleet_rows(sample) -> None:
    edited = ed.set_cells(sample, "sites", [(0, "name", "Pecos West")])
    assert {r.site for r in edited.fleet} == {"Pecos West", "Hosted - Ohio", "Williston, ND"}
    edited = ed.set_cells(sample, "contracts", [(1, "name", "Ohio 2027")])
    assert edited.sites[1].contract == "Ohio 2027"
    edited = ed.set_cells(sample, "scenarios", [(0, "name", "House view")])
    assert edited.active_scenario == "House view"


def test_clear_and_fill_down(sample) -> None:
    cleared = ed.clear_cells(sample, "fleet", [(0, "retire_month"), (0, "notes")])
    assert cleared.fleet[0].retire_month is None
    errors = errors_of(lambda: ed.clear_cells(sample, "fleet", [(0, "count")]))
    assert errors == [CellError(0, "count", "is required")]
    filled = ed.fill_down(sample, "fleet", [2, 3, 4], ["unit_price_usd", "degradation_per_year"])
    assert [r.unit_price_usd for r in filled.fleet[2:5]] == [5_000.0] * 3
    assert [r.degradation_per_year for r in filled.fleet[2:5]] == [0.03] * 3
    assert filled.fleet[5] is sample.fleet[5]


def test_insert_duplicate_delete_and_sort(sample) -> None:
    n = len(sample.fleet)
    inserted = ed.insert_rows(sample, "fleet", 2, 2)
    assert len(inserted.fleet) == n + 2
    assert inserted.fleet[2].count == 0 and inserted.fleet[2].name != inserted.fleet[3].name
    duplicated = ed.duplicate_rows(sample, "fleet", [0, 1])
    assert [r.name for r in duplicated.fleet[2:4]] == ["S19j Pro 2021 (2)", "M50S 2022 (2)"]
    deleted = ed.delete_rows(sample, "fleet", [2, 5])
    assert len(deleted.fleet) == n - 2 and deleted.fleet[2] is sample.fleet[3]
    # A batch named by a swap candidate stays until the candidate goes.
    errors = errors_of(lambda: ed.delete_rows(sample, "fleet", [0]))
    assert errors == [CellError(0, "name", "'S19j Pro 2021' is used by swap candidates 1, 2")]
    ordered = ed.sort_rows(sample, "fleet", "count", descending=True)
    counts = [r.count for r in ordered.fleet]
    assert counts == sorted(counts, reverse=True)


def test_what_is_used_cannot_be_deleted(sample) -> None:
    errors = errors_of(lambda: ed.delete_rows(sample, "sites", [0]))
    assert errors == [
        CellError(0, "name", "'Pecos, TX' is used by fleet rows 2, 4, 5, 6, 11"),
        CellError(0, "name", "'Pecos, TX' is used by AI/HPC plans 1"),
    ]
    errors = errors_of(lambda: ed.delete_rows(sample, "contracts", [2]))
    assert errors == [CellError(2, "name", "'North Dakota wind PPA' is used by sites 3")]
    errors = errors_of(lambda: ed.delete_rows(sample, "scenarios", [0, 1, 2]))
    assert errors[-1].message == "a project needs at least one scenario"
    fewer = ed.delete_rows(sample, "scenarios", [0])
    assert fewer.active_scenario == "Bear"


def test_display_formats(sample) -> None:
    fleet = {c.key: c for c in COLUMNS["fleet"]}
    assert format_value(fleet["unit_price_usd"], 6939.0) == "$6,939"
    assert format_value(fleet["degradation_per_year"], 0.025) == "2.5%"
    assert format_value(fleet["count"], 20600) == "20,600"
    assert format_value(fleet["retire_month"], None) == ""
    contracts = {c.key: c for c in COLUMNS["contracts"]}
    assert format_value(contracts["price_usd_per_kwh"], 0.041) == "$0.0410"
    assert format_value(contracts["index_path_usd_per_kwh"], [0.032, 0.05]) == "0.032; 0.05"
    # What a cell shows reads back to the same value.
    for key in ("unit_price_usd", "degradation_per_year", "count", "purchase_month"):
        text = ed.cell_text(sample, "fleet", 4, key)
        assert getattr(ed.set_cells(sample, "fleet", [(4, key, text)]).fleet[4], key) == getattr(
            sample.fleet[4], key
        )


def test_finance_and_active_scenario(sample) -> None:
    assert (
        ed.set_finance(sample, "discount_rate_per_year", "8%").finance.discount_rate_per_year
        == 0.08
    )
    assert ed.set_finance(sample, "auto_shutdown", "no").finance.auto_shutdown is False
    errors = errors_of(lambda: ed.set_finance(sample, "horizon_months", "0"))
    assert errors == [CellError(0, "horizon_months", "must be >= 1, got 0")]
    assert ed.set_active_scenario(sample, "Bull").active_scenario == "Bull"
    with pytest.raises(KeyError):
        ed.set_active_scenario(sample, "Nope")
