"""The exported workbook prints: landscape, fit to the page's width, print areas and
repeated headers, the helper sheets hidden, header rows as tall as their text, the
Summary's charts whole on a page; and LibreOffice prints the sample in a few pages.

The page count needs LibreOffice (soffice): skipped without it, except on CI (CI=true)
where it fails, as the recalculation test does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from planner.io.workbook import export_workbook
from planner.io.workbook.columns import SUMMARY, SUMMARY_FIRST_ROW
from planner.io.workbook.printing import chart_breaks, wrapped_height_pt, wrapped_lines
from planner.io.workbook.sheet import Sheet
from planner.io.workbook.summary import CHART_ROWS

HELPERS = {
    "PowerPrices",
    "CalcRows",
    "CalcRunning",
    "CalcTaxDep",
    "CalcTaxable",
    "CalcFCF",
    "CalcCumFCF",
    "CalcIRRFlows",
    "CalcTaxYears",
    "CalcMarginal",
    "CalcDiscounted",
    "CalcInfraTax",
}
# The sample's visible sheets printed on fewer pages than this (220 before the sheets
# had a page setup; 30 with it).
MAX_PAGES = 40


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("print") / "sample.xlsx"
    export_workbook(load_project(sample_project_path()), path)
    return path


@pytest.fixture(scope="module")
def book(exported: Path) -> Any:
    return load_workbook(exported)


def test_helper_sheets_are_hidden_and_the_others_visible(book: Any) -> None:
    hidden = {ws.title for ws in book.worksheets if ws.sheet_state == "hidden"}
    assert hidden == HELPERS
    assert book.worksheets[0].title == "Summary"
    assert book.worksheets[0].sheet_state == "visible"
    assert {"Monthly", "Rows", "Fleet", "TaxTables"} <= set(book.sheetnames) - hidden


def test_visible_sheets_print_landscape_fit_to_width(book: Any) -> None:
    for ws in book.worksheets:
        if ws.sheet_state == "hidden":
            continue
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToHeight == 0, ws.title  # as many pages down as needed
        assert 1 <= setup.fitToWidth <= 3, ws.title
        assert ws.print_area, ws.title
    for title in ("Summary", "Fleet", "Monthly by site", "Models", "Sensitivity"):
        assert book[title].page_setup.fitToWidth == 1, title


def test_print_areas_and_titles(book: Any) -> None:
    summary = book["Summary"]
    last = get_column_letter(SUMMARY.keys.index("neg"))
    # The table without its grey helper columns, the charts and the bridge below it.
    assert summary.print_area == f"'Summary'!$A$1:${last}${summary.max_row}"
    assert not summary.print_title_rows  # no table header over the bridge
    assert book["Monthly"].print_title_rows == "$1:$1"
    assert book["Monthly"].print_title_cols == "$A:$A"  # printed two pages across
    assert book["Monthly"].page_setup.fitToWidth == 2
    assert book["Rows"].print_title_rows == "$3:$3"
    assert book["Fleet"].print_title_rows == "$3:$3"
    assert book["Monthly by site"].print_title_rows == "$2:$2"
    rows = book["Rows"]
    assert rows.print_area == f"'Rows'!$A$1:${get_column_letter(rows.max_column)}$14"


def test_frozen_panes(book: Any) -> None:
    assert book["Monthly"].freeze_panes == "B2"
    assert book["Rows"].freeze_panes == "B4"
    assert book["Summary"].freeze_panes == "B7"


def test_header_rows_are_tall_enough_for_their_text(book: Any) -> None:
    ws = book["Summary"]
    header = SUMMARY_FIRST_ROW - 1
    height = ws.row_dimensions[header].height
    assert height is not None
    for column, label in enumerate(SUMMARY.headers, start=1):
        width = ws.column_dimensions[get_column_letter(column)].width
        assert height >= wrapped_height_pt(wrapped_lines(label, width, bold=True)), label
    assert height >= wrapped_height_pt(3)  # "Discounted payback (months)" in 14 characters
    monthly = book["Monthly"]
    assert (monthly.row_dimensions[1].height or 0) >= wrapped_height_pt(2)


def test_wrapped_lines() -> None:
    assert wrapped_lines("NPV (USD)", 16) == 1
    assert wrapped_lines("Discounted payback (months)", 11) == 3
    assert wrapped_lines("a" * 20, 11) == 2  # a word longer than the line breaks
    assert wrapped_lines("one\ntwo", 40) == 2
    assert wrapped_lines("", 10) == 1


def test_summary_charts_print_whole(book: Any) -> None:
    ws = book["Summary"]
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    anchors = sorted(chart.anchor._from.row + 1 for chart in ws._charts)  # 1-based rows
    assert len(anchors) == 2
    assert breaks, "a page break keeps the bridge off the charts' page"
    pages = [0, *breaks, ws.max_row]
    for anchor in anchors:
        end = anchor + CHART_ROWS - 1
        # The chart's rows are on one page: no break between its first and last row.
        assert not any(anchor <= b < end for b in breaks), (anchor, breaks)
        assert any(a < anchor and end <= b for a, b in pairwise(pages))


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def test_libreoffice_prints_the_sample_in_few_pages(exported: Path, tmp_path: Path) -> None:
    if SOFFICE is None:
        if os.environ.get("CI"):
            raise RuntimeError("LibreOffice (soffice) is needed for the workbook print test")
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(exported),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdf = (tmp_path / exported.with_suffix(".pdf").name).read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert 16 <= pages < MAX_PAGES  # at least a page a visible sheet; hidden ones not printed


def test_chart_breaks_move_charts_that_do_not_fit_below_the_table() -> None:
    ws = Sheet(Workbook(write_only=True), "S")
    ws.print_columns = 16
    for column in range(1, 17):
        ws.column_dimensions[get_column_letter(column)].width = 15.0
    # A short table: the charts print under it, the page breaks after them.
    assert chart_breaks(ws, 12, CHART_ROWS, 2) == [11 + 2 * CHART_ROWS]
    # A long one (many sites): the charts start a page, and one page holds both.
    first = 200
    assert chart_breaks(ws, first, CHART_ROWS, 2) == [first - 1, first - 1 + 2 * CHART_ROWS]
    # At full scale a page holds one chart of 17 rows: a break between them too.
    ws.print_columns = 2
    assert chart_breaks(ws, first, CHART_ROWS, 2) == [
        first - 1,
        first - 1 + CHART_ROWS,
        first - 1 + 2 * CHART_ROWS,
    ]
