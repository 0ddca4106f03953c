"""Rows of formulas and numbers written as XML text (Sheet.append_formulas): the same
cells as openpyxl writes them one by one, and nothing but formulas and numbers."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from planner.io.workbook import USD, Formula
from planner.io.workbook.book import INPUT_FONT, cell
from planner.io.workbook.sheet import COLUMN, PREVIOUS, Sheet, Styles

VALUES = [
    Formula('=IF(A1<0,"<0",IF(A1>1,A1&" > 1",0))'),
    1.0 / 3.0,
    None,
    7,
    -2.5e-12,
    Formula("=SUM(B1:E1)"),
]
FORMATS = [None, USD, USD, None, "0.000", None]


def _sheet_xml(write: str) -> tuple[bytes, Workbook]:
    """The XML of a one-sheet book written with openpyxl's cells or append_formulas."""
    book = Workbook(write_only=True)
    ws = Sheet(book, "Rows")
    book._add_sheet(ws)
    if write == "cells":
        cells = zip(VALUES, FORMATS, strict=True)
        ws.append([cell(ws, value, fmt, font=INPUT_FONT) for value, fmt in cells])
    else:
        styles = [ws.styles.id(fmt, font=INPUT_FONT) for fmt in FORMATS]
        ws.append_formulas(VALUES, styles)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/worksheets/sheet1.xml"), load_workbook(buffer)


def test_a_formula_row_is_what_openpyxl_writes_cell_by_cell() -> None:
    by_cells, _ = _sheet_xml("cells")
    by_row, book = _sheet_xml("row")
    assert by_row == by_cells
    cells = next(book["Rows"].iter_rows())
    assert [c.value for c in cells] == VALUES
    assert cells[1].number_format == USD
    assert cells[1].font.color.rgb == INPUT_FONT.color.rgb


def test_a_template_is_repeated_with_the_column_letters() -> None:
    book = Workbook(write_only=True)
    ws = Sheet(book, "Months")
    book._add_sheet(ws)
    ws.append_formulas(
        [Formula("=1")],
        template=f"={PREVIOUS}1+{COLUMN}$3*2<>0",
        first=f"={COLUMN}$3",
        repeat=3,
    )
    buffer = io.BytesIO()
    book.save(buffer)
    row = next(load_workbook(buffer)["Months"].iter_rows(values_only=True))
    assert row == ("=1", "=B$3", "=B1+C$3*2<>0", "=C1+D$3*2<>0")


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (["=1+1"], TypeError),  # a plain str: only a Formula is a formula, and text is text_cell's
        ([True], TypeError),
        ([Formula("=A1\x01")], ValueError),  # what XML cannot hold
    ],
)
def test_a_formula_row_refuses_anything_but_formulas_and_numbers(
    values: list[object], error: type[Exception]
) -> None:
    book = Workbook(write_only=True)
    ws = Sheet(book, "Refused", Styles(book))
    book._add_sheet(ws)
    with pytest.raises(error):
        ws.append_formulas(values)


def test_a_template_with_a_character_xml_cannot_hold_is_refused() -> None:
    book = Workbook(write_only=True)
    ws = Sheet(book, "Refused")
    book._add_sheet(ws)
    with pytest.raises(ValueError, match="XML cannot"):
        ws.append_formulas([Formula("=1")], template=f"={COLUMN}1+\x02", repeat=2)


TEXTS = [
    "Batch 1",
    '=HYPERLINK("x")',
    " leading & <trailing> ",
    "line\r\nbreak",
    "ctrl\x01char",
    "",
    "€ and 日本",
    "-5",
]


def _text_row_xml(write: str) -> tuple[bytes, Workbook]:
    """A row of project text, dates, numbers and blanks, cell by cell or as XML."""
    from datetime import date

    from planner.io.formula_text import quoted
    from planner.io.workbook.sheet import Text, cell_text

    values: list[object] = [*TEXTS, date(2027, 3, 1), None, 12.5]
    formats = [None] * len(TEXTS) + ["yyyy-mm", "yyyy-mm", USD]
    book = Workbook(write_only=True)
    ws = Sheet(book, "Inputs")
    book._add_sheet(ws)
    if write == "cells":
        cells = zip(values, formats, strict=True)
        ws.append([cell(ws, value, fmt, font=INPUT_FONT) for value, fmt in cells])
    else:
        ids = [
            ws.styles.id(fmt, font=INPUT_FONT, quotePrefix=True)
            if isinstance(value, str) and quoted(cell_text(value))
            else ws.styles.id(fmt, font=INPUT_FONT)
            for value, fmt in zip(values, formats, strict=True)
        ]
        ws.append_formulas([Text(v) if isinstance(v, str) else v for v in values], ids)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/worksheets/sheet1.xml"), load_workbook(buffer)


def test_text_and_dates_in_an_xml_row_are_what_text_cell_writes() -> None:
    by_cells, _ = _text_row_xml("cells")
    by_row, book = _text_row_xml("row")
    assert by_row == by_cells
    cells = next(book["Inputs"].iter_rows())
    assert [c.value for c in cells[: len(TEXTS)]] == [
        "Batch 1",
        '=HYPERLINK("x")',
        " leading & <trailing> ",
        "line\r\nbreak",
        "ctrlchar",  # what a workbook cannot hold is dropped
        None,
        "€ and 日本",
        "-5",
    ]
    assert all(c.data_type == "s" for c in cells[:5])  # text, never a formula
    assert cells[1].quotePrefix and cells[7].quotePrefix and not cells[0].quotePrefix
    assert cells[len(TEXTS)].value.date().isoformat() == "2027-03-01"
