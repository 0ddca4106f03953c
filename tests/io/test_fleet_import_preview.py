"""The import preview's account of a sheet: rows by the sheet's own row numbers, columns by
its headers, sites the project lacks (created in the same step), and where each default
degradation came from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from planner.domain.project import FleetRow
from planner.io.fleet_import import ImportApplyError, import_fleet
from planner.io.import_plan import ImportPlan, row_ranges
from planner.io.import_sites import (
    new_site,
    parse_capacity_mw,
    parse_site_flag,
    rigs_draw_mw,
)
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def write_cells(path: Path, rows: dict[int, list[object]]) -> Path:
    """A workbook with `rows` at those sheet row numbers (the rows between stay empty)."""
    book = openpyxl.Workbook()
    for number, cells in rows.items():
        for column, value in enumerate(cells, start=1):
            book.active.cell(row=number, column=column, value=value)
    book.save(path)
    return path


HEADER = ["Model", "Qty", "Site", "Unit cost", "Purchase date"]


def test_a_problem_names_the_sheet_row_and_header_under_title_and_blank_rows(
    tmp_path: Path, sample
) -> None:
    """Two title rows, a blank row above the header and one in the body: the bad cell is
    on the sheet's row 7, in the column the sheet calls "Unit cost"."""
    path = write_cells(
        tmp_path / "titled.xlsx",
        {
            1: ["Acme Mining - ASIC inventory"],
            2: ["As of 2026-11-15"],
            4: HEADER,
            5: ["Antminer S21", 10, "Pecos, TX", 2800, "2026-12"],
            7: ["Antminer S21", 10, "Pecos, TX", "cheap", "2026-12"],
        },
    )
    plan = import_fleet(path, sample)
    assert plan.header_row == 4
    assert [str(p) for p in plan.problems] == [
        "row 7, Unit cost ('cheap'): cannot read 'cheap' as a number"
    ]
    assert [(s.row, s.reason) for s in plan.skipped] == [(6, "blank row")]
    assert plan.row_numbers == [5]


def test_a_csv_counts_its_title_and_blank_lines_as_rows(tmp_path: Path, sample) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text(
        "Acme fleet\nAs of Nov\n\nMiner,Qty,Location,Unit cost\n\n"
        'Antminer S21,10,"Pecos, TX",2800\nAntminer S21,-1,"Pecos, TX",2800\n',
        encoding="utf-8",
    )
    plan = import_fleet(path, sample)
    assert [str(p) for p in plan.problems] == ["row 7, Qty ('-1'): must be >= 0, got -1"]
    assert plan.row_numbers == [6] and plan.rows[0].name == "Antminer S21 (6)"


def test_a_problem_in_a_column_the_sheet_lacks_names_the_planners_header(
    tmp_path: Path, sample
) -> None:
    """The retire month is checked against the purchase month the sheet does not give:
    the message names the sheet's "Retired on" header, never `retire_month`."""
    path = tmp_path / "fleet.csv"
    path.write_text(
        'Model,Qty,Site,Retirement\nAntminer S21,10,"Pecos, TX",2020-01\n', encoding="utf-8"
    )
    plan = import_fleet(path, sample)
    assert [str(p) for p in plan.problems] == [
        "row 2, Retirement ('2020-01'): must be after the online month"
    ]
    assert plan.header("unit_price_usd") == "Unit price (USD)"  # not in the sheet
    assert plan.header("count") == "Qty"


def test_unused_columns_are_named(tmp_path: Path, sample) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text('Model,Qty,Colour,Site\nAntminer S21,1,red,"Pecos, TX"\n', encoding="utf-8")
    assert import_fleet(path, sample).unused_columns == ["Colour"]


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([7], "row 7"),
        ([5, 6, 7, 8, 10], "rows 5-8, 10"),
        ([3, 1, 2], "rows 1-3"),
        (list(range(1, 40, 2)), "rows 1, 3, 5, 7, 9, 11, 13, 15, ... (20 rows)"),
    ],
)
def test_row_ranges(numbers: list[int], text: str) -> None:
    assert row_ranges(numbers) == text


# ---------------------------------------------------------------------- sites


def dallas_sheet(tmp_path: Path) -> Path:
    return write_cells(
        tmp_path / "dallas.xlsx",
        {
            1: ["Fleet"],
            3: HEADER,
            4: ["Antminer S21", 100, "Dallas", 2800, "2026-12"],
            5: ["Antminer S21", 50, "Pecos, TX", 2800, "2026-12"],
            6: ["Antminer S21 XP", 20, "dallas", 6939, "2026-12"],
        },
    )


def test_rows_at_a_site_the_project_lacks_wait_for_it(tmp_path: Path, sample) -> None:
    plan = import_fleet(dallas_sheet(tmp_path), sample)
    assert not plan.problems and not plan.ok
    assert {site: plan.site_rows(site) for site in plan.unknown_sites} == {"Dallas": [4, 6]}
    assert [str(p) for p in plan.site_problems()] == [
        "rows 4, 6, Site ('Dallas'): unknown site "
        "(the project has: Pecos, TX, Hosted - Ohio, Williston, ND)"
    ]
    # 100 S21 at 3,500 W and 20 S21 XP at 3,645 W: 0.4229 MW at the wall
    assert rigs_draw_mw(plan, sample, "Dallas") == pytest.approx(0.4229)
    with pytest.raises(ImportApplyError, match=r"nothing imported: rows 4, 6, Site \('Dallas'\)"):
        plan.apply(sample)


def test_a_site_created_in_the_import_holds_its_capacity_and_its_rows(
    tmp_path: Path, sample
) -> None:
    plan = import_fleet(dallas_sheet(tmp_path), sample)
    site = new_site("Dallas", 12.0, "Ohio all-in hosting")
    after = plan.apply(sample, new_sites=[site])
    created = after.sites[-1]
    assert (created.name, created.capacity_mw, created.contract) == (
        "Dallas",
        12.0,
        "Ohio all-in hosting",
    )
    assert (created.overhead, created.uptime, created.cooling) == (1.0, 1.0, None)
    added = after.fleet[len(sample.fleet) :]
    assert [(r.site, r.count) for r in added] == [
        ("Dallas", 100),
        ("Pecos, TX", 50),
        ("Dallas", 20),
    ]
    assert len(after.sites) == len(sample.sites) + 1
    assert sample.sites == after.sites[:-1]  # nothing else about the sites changed


def test_a_replace_keeps_the_sites_and_adds_the_new_one(tmp_path: Path, sample) -> None:
    plan = import_fleet(dallas_sheet(tmp_path), sample)
    after = plan.apply(
        sample, replace=True, new_sites=[new_site("Dallas", 12.0, "Ohio all-in hosting")]
    )
    assert [s.name for s in after.sites] == [*(s.name for s in sample.sites), "Dallas"]
    assert len(after.fleet) == 3


@pytest.mark.parametrize(
    ("text", "capacity_mw"),
    [("12", 12.0), (" 12.5 MW ", 12.5), ("1,200", 1200.0), ("0.4mw", 0.4)],
)
def test_capacities_as_typed(text: str, capacity_mw: float) -> None:
    assert parse_capacity_mw(text) == capacity_mw


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "a capacity in MW is needed, such as 12"),
        ("lots", "'lots' is not a number of MW"),
        ("0", "must be more than 0 MW, got 0"),
        ("-3", "must be more than 0 MW, got -3"),
        ("200000", "must be at most 100,000 MW, got 200,000"),
    ],
)
def test_capacities_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_capacity_mw(text)
    assert str(refused.value) == reason


def test_the_site_flag() -> None:
    assert parse_site_flag("Abilene, TX=12") == ("Abilene, TX", 12.0)
    assert parse_site_flag("A=B=3 MW") == ("A=B", 3.0)
    with pytest.raises(ValueError, match="expected NAME=CAPACITY_MW"):
        parse_site_flag("Abilene")
    with pytest.raises(ValueError, match="a site name is needed before '='"):
        parse_site_flag(" =12")
    with pytest.raises(ValueError, match="'Abilene': capacity 'x' is not a number of MW"):
        parse_site_flag("Abilene=x")


# ---------------------------------------------------------------------- degradation


def test_degradation_defaults_by_model_else_the_projects(tmp_path: Path, sample) -> None:
    """No degradation column: an S21 takes the fleet's S21 figure (made 4 % here); a
    catalog model the fleet does not run and a model new to the catalog take the project's
    default, the median over its fleet rows (2.5 %); each says where it came from."""
    fleet = [
        r.model_copy(update={"degradation_per_year": 0.04}) if r.model == "Antminer S21" else r
        for r in sample.fleet
    ]
    project = sample.model_copy(update={"fleet": fleet})
    path = write_cells(
        tmp_path / "deg.xlsx",
        {
            1: ["Model", "Qty", "Site", "TH/s", "W"],
            2: ["Antminer S21", 10, "Pecos, TX"],
            3: ["Antminer S21+", 10, "Pecos, TX"],
            4: ["Brand New 1", 10, "Pecos, TX", 500, 5000],
        },
    )
    plan = import_fleet(path, project)
    assert plan.ok
    assert [r.degradation_per_year for r in plan.rows] == [0.04, 0.025, 0.025]
    assert {i: d.source for i, d in plan.degradation_defaults.items()} == {
        0: "as the fleet's Antminer S21 row 'S21 2024'",
        1: "the project's default, the median of its 11 fleet rows; the fleet has no Antminer S21+",
        2: "the project's default, the median of its 11 fleet rows; the fleet has no Brand New 1",
    }
    notes = [n for n in plan.notes if "degradation" in n]
    assert notes[0].startswith(
        "no degradation column: each row takes its model's degradation in the rig catalog "
        "where stated (the shipped rig catalog states no degradation per model)"
    )
    assert notes[1:] == [
        "row 2 (Antminer S21): degradation 4.0%/yr, as the fleet's Antminer S21 row 'S21 2024'",
        "row 3 (Antminer S21+): degradation 2.5%/yr, the project's default, the median of "
        "its 11 fleet rows; the fleet has no Antminer S21+",
        "row 4 (Brand New 1): degradation 2.5%/yr, the project's default, the median of "
        "its 11 fleet rows; the fleet has no Brand New 1",
    ]


def test_a_blank_degradation_cell_takes_the_default_and_a_given_one_is_kept(
    tmp_path: Path, sample
) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text(
        "Model,Qty,Site,Degradation\n"
        'Antminer S21 Pro,1,"Pecos, TX",\n'
        'Antminer S21 Pro,1,"Pecos, TX",0\n'
        'Antminer S21 Pro,1,"Pecos, TX",3.5%\n',
        encoding="utf-8",
    )
    plan = import_fleet(path, sample)
    assert [r.degradation_per_year for r in plan.rows] == [0.02, 0.0, 0.035]
    assert list(plan.degradation_defaults) == [0]
    notes = [n for n in plan.notes if "degradation" in n]
    assert notes[0].startswith("blank 'Degradation' cells:")
    assert notes[1] == (
        "row 2 (Antminer S21 Pro): degradation 2.0%/yr, "
        "as the fleet's Antminer S21 Pro row 'S21 Pro 2025'"
    )


def test_an_empty_fleet_takes_the_planners_default(tmp_path: Path, sample) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text('Model,Qty,Site\nAntminer S21,1,"Pecos, TX"\n', encoding="utf-8")
    plan = import_fleet(path, sample.model_copy(update={"fleet": [], "swaps": []}))
    assert plan.rows[0].degradation_per_year == 0.0
    assert plan.degradation_defaults[0].source.startswith(
        "the planner's default (the project has no"
    )
    assert plan.degradation_defaults[0].short == "planner default"


def test_a_plan_that_would_not_validate_names_the_sheet_row_and_header(sample) -> None:
    row = FleetRow(
        name="Lost", model="Antminer S21", site="Atlantis", count=1, purchase_month=date(2026, 1, 1)
    )
    plan = ImportPlan(
        source="x.csv",
        sheet="x.csv",
        header_row=4,
        mapping={"site": "Location"},
        rows=[row],
        row_numbers=[7],
    )
    for replace in (False, True):
        with pytest.raises(ImportApplyError) as refused:
            plan.apply(sample, replace=replace)
        assert str(refused.value).startswith(
            "x.csv: the imported project would not be valid: row 7, Location: unknown site "
            "'Atlantis'"
        )


def test_a_degradation_stated_in_the_catalog_comes_first(tmp_path: Path, sample) -> None:
    """The Rig catalog's Degradation column, where the user states it, is the default
    before the fleet's figure for the model."""
    catalog = [
        m.model_copy(update={"degradation_per_year": 0.03}) if m.name == "Antminer S21" else m
        for m in sample.catalog
    ]
    project = sample.model_copy(update={"catalog": catalog})
    path = write_cells(
        tmp_path / "deg.xlsx",
        {
            1: ["Model", "Qty", "Site"],
            2: ["Antminer S21", 10, "Pecos, TX"],
            3: ["Antminer S21 Pro", 5, "Pecos, TX"],
        },
    )
    plan = import_fleet(path, project)
    assert plan.ok
    assert plan.rows[0].degradation_per_year == 0.03
    assert plan.degradation_defaults[0].source == "the rig catalog's figure for Antminer S21"
    assert plan.degradation_defaults[0].short == "catalog"
    assert plan.degradation_defaults[1].source.startswith("as the fleet's Antminer S21 Pro")


def test_a_replace_takes_replaced_rows_out_of_equipment_financing(tmp_path: Path, sample) -> None:
    """The sample finances its newest batch; a fleet replaced without that batch drops the
    financing, and the preview says so first."""
    financed = next(d for d in sample.debt if d.type == "equipment")
    path = write_cells(
        tmp_path / "new.xlsx",
        {1: ["Batch", "Model", "Qty", "Site"], 2: ["Only batch", "Antminer S21", 10, "Pecos, TX"]},
    )
    plan = import_fleet(path, sample)
    assert f"the equipment financing {financed.name!r} (all its rows)" in plan.replace_drops(sample)
    replaced = plan.apply(sample, replace=True)
    assert [d.name for d in replaced.debt] == [d.name for d in sample.debt if d is not financed]
