"""Excel export: structure, safety, atomic writes, and the round trip through fleet import.

The recalculation check (LibreOffice against the engine) is in test_workbook_recalc.py.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from planner.domain.project import Project
from planner.io import project_file
from planner.io import workbook as wbmod
from planner.io.fleet_import import import_fleet
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from planner.io.workbook import MONTHLY_HEADER, ExportError, build_workbook, export_workbook
from planner.io.workbook import book as wb_book
from planner.io.workbook import writer as wb_writer
from planner.io.workbook.columns import FLEET


@pytest.fixture(scope="module")
def sample() -> Project:
    return load_project(sample_project_path())


@pytest.fixture(scope="module")
def sample_book(sample: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "sample.xlsx"
    export_workbook(sample, path)
    return path


def test_sheets_and_monthly_header(sample_book: Path, sample: Project) -> None:
    book = load_workbook(sample_book)
    assert book.sheetnames[:10] == [
        "Summary",
        "Inputs",
        "Fleet",
        "Sites",
        "Contracts",
        "Models",
        "Monthly",
        "Monthly by site",
        "Treasury",  # the sample has a treasury
        "Rows",
    ]
    monthly = book["Monthly"]
    header = [c.value for c in next(monthly.iter_rows(min_row=1, max_row=1))]
    assert tuple(header) == MONTHLY_HEADER
    months = sample.finance.horizon_months
    assert monthly.max_row == months + 1
    # Month cells are real dates (formulas from the named start month), formatted as dates.
    assert monthly["A2"].value == "=EDATE(StartMonth,0)"
    assert monthly["A2"].number_format == "mmm yyyy"
    assert monthly.freeze_panes == "B2"
    # Every figure is a formula.
    for row in monthly.iter_rows(min_row=2, max_row=months + 1):
        assert all(isinstance(c.value, str) and c.value.startswith("=") for c in row)


def test_inputs_are_named_cells(sample_book: Path, sample: Project) -> None:
    book = load_workbook(sample_book)
    names = book.defined_names
    for name in (
        "StartMonth",
        "StartHeight",
        "BlockTime_s",
        "NetworkHashrate_EHs",
        "NetworkGrowth",
        "BtcPrice_USD",
        "BtcPriceGrowth",
        "Fees_BTC_per_block",
        "PoolFee",
        "DiscountRate",
        "TaxRate",
        "DepreciationYears",
        "AutoShutdown",
        "HorizonMonths",
    ):
        assert name in names, name
    sheet, ref = next(names["BtcPriceGrowth"].destinations)
    assert sheet == "Inputs"
    scenario = sample.scenario()
    assert book[sheet][ref.replace("$", "")].value == scenario.btc_price_growth_per_year
    sheet, ref = next(names["StartMonth"].destinations)
    assert book[sheet][ref.replace("$", "")].value == datetime(2026, 12, 1)


def test_summary_has_native_charts_and_kpis_are_formulas(sample_book: Path) -> None:
    with zipfile.ZipFile(sample_book) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        xml = "".join(archive.read(n).decode() for n in charts)
    assert "<f>'Monthly'!$U$2:$U$61</f>" in xml and "<f>'Monthly'!$V$2:$V$61</f>" in xml
    book = load_workbook(sample_book)
    summary = book["Summary"]
    assert summary["A7"].value == "Fleet"
    assert summary["B7"].value.startswith("=NPV(")
    assert summary["C7"].value.startswith("=IF(")


def test_halving_month_is_highlighted(sample_book: Path) -> None:
    book = load_workbook(sample_book)
    rules = book["Monthly"].conditional_formatting
    formulas = [rule.formula[0] for cf in rules for rule in cf.rules]
    assert formulas == ["INT(($D2+$C2)/210000)>INT($D2/210000)"]


def test_user_text_starting_like_a_formula_is_written_as_text(
    sample: Project, tmp_path: Path
) -> None:
    tricky = ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "=1+1"]
    fleet = [
        row.model_copy(update={"name": f"{text} {i}", "notes": text})
        for i, (row, text) in enumerate(zip(sample.fleet, tricky, strict=False))
    ]
    site = sample.sites[0].model_copy(update={"notes": "=cmd|' /C calc'!A0"})
    project = sample.model_copy(
        update={
            "fleet": fleet + list(sample.fleet[len(tricky) :]),
            "name": "=2*3",
            "sites": [site, *sample.sites[1:]],
        }
    )
    path = tmp_path / "tricky.xlsx"
    export_workbook(project, path)
    book = load_workbook(path)
    sheet = book["Fleet"]
    for i, text in enumerate(tricky):
        notes_column = FLEET.keys.index("notes") + 1
        name, notes = sheet.cell(4 + i, 1), sheet.cell(4 + i, notes_column)
        assert name.data_type == "s" and name.value == f"{text} {i}"
        assert notes.data_type == "s" and notes.value == text
        assert notes.quotePrefix
    assert book["Inputs"]["B4"].data_type == "s" and book["Inputs"]["B4"].value == "=2*3"
    assert book["Sites"]["J4"].value == "=cmd|' /C calc'!A0"
    assert book["Sites"]["J4"].data_type == "s"
    # In the file itself these are inline strings, never <f> formula elements.
    with zipfile.ZipFile(path) as archive:
        fleet_xml = archive.read("xl/worksheets/sheet3.xml").decode()
    notes_letter = FLEET["notes"]
    assert f'<c r="{notes_letter}4" s="3" t="inlineStr"><is><t>=HYPERLINK(' in fleet_xml
    assert "<f>" not in fleet_xml


def test_only_a_formula_is_written_as_a_formula() -> None:
    """Every way a cell is written: a Formula is a formula; any other str is text, with
    a quote prefix where it starts like a formula, and without the control characters a
    workbook cannot hold."""
    book = Workbook(write_only=True)
    ws = wb_book.Sheet(book, "Cells")
    book._add_sheet(ws)
    ws.append(
        [
            wb_book.cell(ws, wbmod.Formula("=1+1")),
            wb_book.cell(ws, "=1+1"),
            wb_book.cell(ws, "+1+1", wbmod.USD),
            wb_book.input_cell(ws, "@SUM(A1)"),
            *wb_book.header(ws, ["-2+3"]),
            *wb_book.title(ws, "\t=1+1"),
            wb_book.text_cell(ws, "=HYPER\x01LINK(\x0b)"),
            "=1+1",  # a plain str appended as it is
            wbmod.Formula("=2+2"),
            "plain",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(load_workbook(buffer)["Cells"].iter_rows())
    assert [c.data_type for c in cells] == ["f", "s", "s", "s", "s", "s", "s", "s", "f", "s"]
    assert [c.value for c in cells] == [
        "=1+1",
        "=1+1",
        "+1+1",
        "@SUM(A1)",
        "-2+3",
        "\t=1+1",
        "=HYPERLINK()",
        "=1+1",
        "=2+2",
        "plain",
    ]
    assert [c.quotePrefix for c in cells] == [False] + [True] * 7 + [False, False]


def test_failed_export_leaves_the_existing_file_untouched(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"previous workbook")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file.os, "fsync", broken)
    with pytest.raises(ExportError, match=r"plan\.xlsx: cannot write the workbook: No space left"):
        export_workbook(sample, path)
    assert path.read_bytes() == b"previous workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_failure_while_building_writes_nothing(
    sample: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.xlsx"

    def crash(self: object, step: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(wb_writer.Writer, "grids", crash)
    with pytest.raises(RuntimeError):
        export_workbook(sample, path)
    assert list(tmp_path.iterdir()) == []


def test_round_trip_export_then_import_gives_the_same_fleet(
    sample: Project, sample_book: Path
) -> None:
    empty = sample.model_copy(update={"fleet": []})
    plan = import_fleet(sample_book, empty)  # the Fleet sheet is found by name
    assert plan.problems == []
    assert plan.new_models == []
    assert plan.rows == list(sample.fleet)


def test_round_trip_keeps_every_field(tmp_path: Path, sample: Project) -> None:
    row = sample.fleet[0].model_copy(
        update={
            "name": "Batch -7",
            "online_month": datetime(2027, 3, 1).date(),
            "retire_month": datetime(2029, 1, 1).date(),
            "resale_usd_per_unit": 1234.56,
            "terminal_value_usd_per_unit": 99.5,
            "degradation_per_year": 0.035,
            "notes": "@ridge =A1",
        }
    )
    project = sample.model_copy(update={"fleet": [row]})
    path = tmp_path / "one.xlsx"
    export_workbook(project, path)
    plan = import_fleet(path, project.model_copy(update={"fleet": []}), sheet="Fleet")
    assert plan.problems == []
    assert plan.rows == [row]


def test_progress_is_reported_up_to_one(sample: Project) -> None:
    seen: list[float] = []
    data = build_workbook(sample, progress=seen.append)
    assert data[:2] == b"PK"
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_scenario_and_horizon(sample: Project, tmp_path: Path) -> None:
    path = tmp_path / "bull.xlsx"
    export_workbook(sample, path, scenario="Bull", horizon_months=24)
    book = load_workbook(path)
    assert book["Inputs"]["B5"].value == "Bull"
    assert book["Monthly"].max_row == 25


def test_project_without_fleet_or_sites_exports(tmp_path: Path, sample: Project) -> None:
    for update in ({"fleet": []}, {"fleet": [], "sites": [], "contracts": []}):
        path = tmp_path / "empty.xlsx"
        export_workbook(sample.model_copy(update=update), path)
        assert load_workbook(path)["Monthly"].max_row == sample.finance.horizon_months + 1


def test_month_spanning_two_halvings_is_refused(sample: Project) -> None:
    scenario = sample.scenario().model_copy(update={"block_time_s": 5.0})
    project = sample.model_copy(update={"scenarios": [scenario]})
    with pytest.raises(ExportError, match="more than one halving"):
        build_workbook(project)


@pytest.mark.parametrize("fleet", ["sample", "no fleet"])
def test_every_sheet_declares_its_exact_size(sample: Project, tmp_path: Path, fleet: str) -> None:
    """Readers size sheets from <dimension> instead of scanning them; it must be exact."""
    project = sample if fleet == "sample" else sample.model_copy(update={"fleet": []})
    path = tmp_path / "dims.xlsx"
    export_workbook(project, path)
    full = load_workbook(path)
    lazy = load_workbook(path, read_only=True)
    for name in full.sheetnames:
        ws = full[name]
        expected = f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert lazy[name].calculate_dimension() == expected, name
    lazy.close()


def test_decision_sheets_hold_the_planners_figures(sample: Project, sample_book: Path) -> None:
    from planner.engine import run
    from planner.engine.montecarlo import MonteCarloSettings, run_monte_carlo
    from planner.engine.sensitivity import tornado

    book = load_workbook(sample_book)
    scenarios = book["Scenarios"]
    assert [scenarios.cell(r, 1).value for r in (5, 6, 7)] == ["Base", "Bear", "Bull"]
    assert scenarios["B7"].value == pytest.approx(run(sample, "Bull").fleet_kpis.npv_usd[0])
    bars = tornado(sample)
    sensitivity = book["Sensitivity"]
    assert sensitivity["A5"].value == bars.bars[0].label
    assert sensitivity["D5"].value == pytest.approx(bars.bars[0].npv_high_usd)
    swaps = book["Swaps"]
    assert swaps.max_row == 4 + len(sample.swaps)
    mc = run_monte_carlo(run(sample), MonteCarloSettings())
    sheet = book["Monte Carlo"]
    assert sheet["B3"].value == 10_000 and sheet["B4"].value == 2028
    assert sheet["B10"].value == pytest.approx(mc.p_payback_before_halving)
    assert sheet["D12"].value == pytest.approx(mc.npv_percentiles_usd[2])
    assert sheet["D15"].value == pytest.approx(mc.cumulative_percentiles_usd[2, 0])


def test_lookups_by_name_are_exact(sample_book: Path) -> None:
    """Names are looked up character for character (MATCH(TRUE,INDEX(EXACT(...),0),0)),
    never by MATCH(name, ..., 0), VLOOKUP and the like, which read `*`, `?` and `~` in a
    name as wildcards; each lookup happens once per row into a "#" column. (With
    LibreOffice, test_workbook_recalc.py checks that no lookup value, criterion or criteria
    range reads text, on names full of wildcards and operators.)"""
    book = load_workbook(sample_book)
    matches: dict[str, int] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                formula = cell.value if cell.data_type == "f" else None
                if not isinstance(formula, str):
                    continue
                where = f"{ws.title}!{cell.coordinate} {formula}"
                for function in ("LOOKUP(", "SEARCH(", "XMATCH("):
                    assert function not in formula, where
                count = formula.count("MATCH(")
                assert count == formula.count("MATCH(TRUE,INDEX(EXACT("), where
                if count:
                    matches[ws.title] = matches.get(ws.title, 0) + count
    sample = load_project(sample_project_path())
    # Contract # of each site, site # and model # of each fleet row, site # of each plan.
    assert matches == {
        "Sites": len(sample.sites),
        "CalcRows": 2 * len(sample.fleet),
        "HPC": len([p for p in sample.conversions if p.enabled]),
    }
    header = [c.value for c in book["CalcRows"][3]]
    assert (header[2], header[22]) == ("Site #", "Model #")
