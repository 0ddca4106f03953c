"""The resale curve edits as a table section: cells, refusals by column, insert, delete."""

from __future__ import annotations

import pytest

from planner.domain import editing as ed
from planner.domain.cells import CellError, CellErrors, format_value
from planner.domain.project import DEFAULT_RESALE_CURVE, ResaleTier
from planner.domain.schema import column
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

SECTION = "resale_curve"


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def errors_of(call) -> list[CellError]:
    with pytest.raises(CellErrors) as caught:
        call()
    return caught.value.errors


def test_the_sample_has_the_default_curve(sample) -> None:
    assert sample.resale_curve == list(DEFAULT_RESALE_CURVE)


def test_set_a_tier_price_and_the_old_project_is_untouched(sample) -> None:
    edited = ed.set_cells(sample, SECTION, [(1, "usd_per_th", "$6.50")])
    assert edited.resale_curve[1].usd_per_th == 6.5
    assert sample.resale_curve[1] == DEFAULT_RESALE_CURVE[1]
    assert edited.resale_curve[0] is sample.resale_curve[0]


def test_set_a_tier_bound(sample) -> None:
    edited = ed.set_cells(sample, SECTION, [(0, "max_j_per_th", "18.5")])
    assert edited.resale_curve[0].max_j_per_th == 18.5


@pytest.mark.parametrize(
    ("key", "text", "header", "message"),
    [
        ("max_j_per_th", "0", "Up to (J/TH)", "must be > 0, got 0.0"),
        ("max_j_per_th", "", "Up to (J/TH)", "is required"),
        ("usd_per_th", "-1", "Resale (USD/TH)", "must be >= 0, got -1.0"),
        ("usd_per_th", "abc", "Resale (USD/TH)", "cannot read 'abc' as a number"),
    ],
)
def test_a_refused_value_names_its_column(sample, key, text, header, message) -> None:
    errors = errors_of(lambda: ed.set_cells(sample, SECTION, [(2, key, text)]))
    assert errors == [CellError(2, key, message)]
    assert [column(SECTION, e.key).header for e in errors] == [header]


def test_a_paste_past_the_end_adds_tiers(sample) -> None:
    n = len(sample.resale_curve)
    edited, skipped = ed.paste_block(
        sample, SECTION, n, ["max_j_per_th", "usd_per_th"], [["60", "0.25"], ["80", "0.1"]]
    )
    assert skipped == 0
    assert edited.resale_curve[n:] == [
        ResaleTier(max_j_per_th=60, usd_per_th=0.25),
        ResaleTier(max_j_per_th=80, usd_per_th=0.1),
    ]


def test_insert_adds_a_worthless_tier_above_the_least_efficient(sample) -> None:
    top = max(t.max_j_per_th for t in sample.resale_curve)
    edited = ed.insert_rows(sample, SECTION, 1)
    assert len(edited.resale_curve) == len(sample.resale_curve) + 1
    assert edited.resale_curve[1] == ResaleTier(max_j_per_th=top + 10, usd_per_th=0.0)
    assert edited.resale_curve[2] == sample.resale_curve[1]


def test_insert_into_an_empty_curve(sample) -> None:
    empty = sample.model_copy(update={"resale_curve": []})
    assert ed.insert_rows(empty, SECTION, 0).resale_curve == [
        ResaleTier(max_j_per_th=10, usd_per_th=0.0)
    ]


def test_delete_and_duplicate_tiers(sample) -> None:
    edited = ed.delete_rows(sample, SECTION, [0, 2])
    assert edited.resale_curve == [sample.resale_curve[1], *sample.resale_curve[3:]]
    copied = ed.duplicate_rows(sample, SECTION, [1])
    assert copied.resale_curve[2] == sample.resale_curve[1]
    assert len(copied.resale_curve) == len(sample.resale_curve) + 1


def test_tiers_sort_by_bound(sample) -> None:
    reversed_curve = sample.model_copy(update={"resale_curve": sample.resale_curve[::-1]})
    ordered = ed.sort_rows(reversed_curve, SECTION, "max_j_per_th")
    assert [t.max_j_per_th for t in ordered.resale_curve] == sorted(
        t.max_j_per_th for t in sample.resale_curve
    )


def test_cells_show_and_read_back(sample) -> None:
    price = column(SECTION, "usd_per_th")
    assert format_value(price, 12.0) == "$12.00"
    assert ed.cell_text(sample, SECTION, 0, "max_j_per_th") == "19"
