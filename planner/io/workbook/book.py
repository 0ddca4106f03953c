"""The workbook's state and styles: the cell helpers, the sheet factory, the shape.

Only a `Formula` is written as a formula; every other str, project text above all, is
written as text (`text_cell`, in sheet.py with the sheet), whatever it starts with.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.workbook.columns import (
    FIRST_MONTH_COLUMN,
    GRID_FIRST_ROW,
    MONTH,
    MONTHLY,
    MONTHLY_FIRST_ROW,
    TABLE_FIRST_ROW,
    Column,
)
from planner.io.workbook.formulas import Formula
from planner.io.workbook.printing import fit_to_page
from planner.io.workbook.sheet import Sheet, Styles, copy_style, text_cell

# The cell helpers, with the sheet and its one text writer (sheet.py) that they build on.
__all__ = [
    "BOLD",
    "Book",
    "ExportError",
    "Shape",
    "Sheet",
    "cell",
    "header",
    "input_cell",
    "input_cells",
    "text_cell",
    "title",
    "widths",
]

INPUT_FONT = Font(name="Calibri", size=11, color="1F4E9E")
BOLD = Font(name="Calibri", size=11, bold=True)
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
CALC_FILL = PatternFill("solid", fgColor="F2F2F2")
HALVING_FILL = PatternFill("solid", fgColor="FFE699")
WRAP = Alignment(wrap_text=True, vertical="top")


class ExportError(Exception):
    """The project cannot be written as a workbook; the message says why."""


def finite(value: float) -> float | str:
    """A number, or an empty cell for none (NaN)."""
    number = float(value)
    return number if math.isfinite(number) else ""


def cell(ws: WriteOnlyWorksheet, value: Any, fmt: str | None = None, **style: Any) -> WriteOnlyCell:
    """A cell: a Formula as a formula, any other str as text (`text_cell`), else the value."""
    if isinstance(value, str) and not isinstance(value, Formula):
        if fmt:
            style["number_format"] = fmt
        return text_cell(ws, value, **style)
    out = WriteOnlyCell(ws, value=value)
    if isinstance(ws, Sheet):
        copy_style(out, ws.styles, fmt, style)
        return out
    if fmt:
        out.number_format = fmt
    for key, item in style.items():
        setattr(out, key, item)
    return out


def input_cell(ws: WriteOnlyWorksheet, value: Any, fmt: str | None = None) -> WriteOnlyCell:
    """An input cell (blue); project text in it is text (`cell`)."""
    return cell(ws, value, fmt, font=INPUT_FONT)


def input_cells(
    ws: WriteOnlyWorksheet, item: Any, columns: Sequence[Column]
) -> list[WriteOnlyCell]:
    """The input cells of one table row: each field of `item` in its number format."""
    return [input_cell(ws, getattr(item, field), fmt) for field, fmt in columns]


def header(ws: WriteOnlyWorksheet, labels: Sequence[str]) -> list[WriteOnlyCell]:
    return [cell(ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for label in labels]


def title(ws: WriteOnlyWorksheet, text: str) -> list[WriteOnlyCell]:
    return [text_cell(ws, text, font=TITLE_FONT)]


def widths(ws: WriteOnlyWorksheet, values: Sequence[float]) -> None:
    for i, width in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


@dataclass(frozen=True)
class Shape:
    """How many months, fleet rows, sites, contracts and models the workbook holds."""

    months: int
    rows: int
    sites: int
    contracts: int
    models: int

    def month_col(self, t: int) -> str:
        return get_column_letter(FIRST_MONTH_COLUMN + t)

    @property
    def first_month_col(self) -> str:
        return get_column_letter(FIRST_MONTH_COLUMN)

    @property
    def last_month_col(self) -> str:
        return self.month_col(self.months - 1)

    @cached_property
    def month_cols(self) -> tuple[str, ...]:
        """The letters of the month columns, t = 0 first (read once per row of a grid)."""
        return tuple(self.month_col(t) for t in range(self.months))

    def table_last(self, count: int) -> int:
        return TABLE_FIRST_ROW + max(count, 1) - 1

    @property
    def tax_years(self) -> int:
        """Fiscal years the workbook lays out: enough for any fiscal-year end."""
        return self.months // 12 + 2

    @property
    def grid_last(self) -> int:
        return GRID_FIRST_ROW + self.rows - 1

    @property
    def monthly_last(self) -> int:
        """Last row of the Monthly sheet."""
        return MONTHLY_FIRST_ROW + self.months - 1

    @property
    def site_monthly_last(self) -> int:
        """Last row of the Monthly by site sheet."""
        return 2 + self.sites * self.months

    def site_price_row(self, s: int) -> int:
        """Row of site `s`'s power price on the PowerPrices sheet."""
        c = max(self.contracts, 1)
        return 6 + c + 2 + c + 2 + s

    def across(self, sheet: str, row: int) -> str:
        """Row `row` of a months-across sheet over the horizon: Sheet!$C$row:$X$row."""
        return f"{sheet}!${self.first_month_col}${row}:${self.last_month_col}${row}"

    @property
    def site_prices(self) -> str:
        """Every site's power price by month on PowerPrices (sites down, months across)."""
        p0 = self.site_price_row(0)
        m0, mL = self.first_month_col, self.last_month_col
        return f"PowerPrices!${m0}${p0}:${mL}${p0 + max(self.sites, 1) - 1}"


class Book:
    """The workbook being written: its sheets, its defined names and its shape."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.wb = Workbook(write_only=True)
        self.wb.calculation.fullCalcOnLoad = True
        self.styles = Styles(self.wb)

    def style(self, fmt: str | None = None, **style: Any) -> int:
        """The id of a cell style, for `Sheet.append_formulas` (made once)."""
        return self.styles.id(fmt, **style)

    def discard(self) -> None:
        """Close the half-written sheets' temporary files after a failure."""
        for ws in self.wb.worksheets:
            with contextlib.suppress(Exception):
                ws.close()

    def name(self, name: str, sheet: str, ref: str) -> None:
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!{ref}")

    def sheet(
        self, title: str, rows: int, columns: int, *, calc: bool = False, one_table: bool = True
    ) -> Sheet:
        """A new sheet that will hold `rows` x `columns` cells; a helper sheet (`calc`)
        has a grey tab and is hidden. Printed, its header row (the row above the frozen
        pane) is repeated on each page unless the sheet holds more than `one_table`.

        The size goes into the sheet's <dimension> element: without it, readers such as
        openpyxl's read-only mode scan every sheet of the book to size it when the book is
        opened (seconds for the big helper sheets).
        """
        ws = Sheet(self.wb, title, self.styles)
        self.wb._add_sheet(ws)
        used = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
        ws.calculate_dimension = lambda: used
        ws.print_columns, ws.helper, ws.print_header = columns, calc, one_table
        if calc:  # hidden when the book is done (printing.py)
            ws.sheet_properties.tabColor = "A6A6A6"
        else:
            fit_to_page(ws)
        return ws

    def month_rows(
        self, ws: WriteOnlyWorksheet, heading: str, note: str, boundaries: bool = False
    ) -> None:
        """Rows 1-3 of a months-across sheet: title, month dates, month numbers; with
        `boundaries`, one more column for the horizon's end (month # = the months)."""
        months = self.shape.months
        month = MONTHLY["month"]
        ws.append([*title(ws, heading), text_cell(ws, note)])
        end = [cell(ws, "horizon's end", font=BOLD)] if boundaries else []
        ws.append(
            [cell(ws, "Month", font=BOLD), None]
            + [
                cell(ws, Formula(f"=Monthly!{month}{t + MONTHLY_FIRST_ROW}"), MONTH, font=BOLD)
                for t in range(months)
            ]
            + end
        )
        ws.append([cell(ws, "Month #", font=BOLD), None, *range(months + int(boundaries))])
