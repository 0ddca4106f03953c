"""How the workbook prints: each visible sheet landscape, fit to the pages wide its
columns need (one unless that would print them too small), as many pages down as its rows
need; its print area and its header row (and, on a sheet printed across pages, its label
columns) repeated on every page; header rows as tall as their wrapped text; the helper
sheets hidden (still in the file and computed); the Summary's charts each whole on a page.

No openpyxl cell objects here: sheet.py asks `wrapped_lines` for a header's height, and
`set_up_printing` sets each sheet's page once its rows are written (openpyxl writes the
page setup, margins, breaks and print names when the book is saved).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

if TYPE_CHECKING:
    from planner.io.workbook.sheet import Sheet

# Excel's width of a column that has none set (characters of the default font).
DEFAULT_WIDTH_CHARS = 8.43
# Height of one line of 11 pt Calibri, and of a row that holds one.
LINE_PT = 15.0
# Bold text is some 10 % wider than the width's characters (digits of the regular font).
BOLD_WIDTH = 1.1

# The page, landscape, on the smaller of A4 and US Letter (the paper is the printer's):
# 279.4 x 210 mm, less the margins below.
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_EDGE_IN = 0.4, 0.6, 0.3
PAGE_WIDTH_PX = (279.4 / 25.4 - 2 * MARGIN_SIDE_IN) * 96
PAGE_HEIGHT_PT = (210 / 25.4 - 2 * MARGIN_TOP_IN) * 72
# A column of width w characters is some 7 w + 5 pixels wide at 96 dpi (Calibri 11).
PX_PER_CHAR, PX_PER_COLUMN = 7.0, 5.0
# A sheet wider than a page at this scale prints across more pages (its label columns
# repeated on each) rather than smaller still.
MIN_SCALE = 0.4

FOOTER = "&A: page &P of &N"


def wrapped_lines(text: str, width_chars: float, bold: bool = False) -> int:
    """The lines `text` takes wrapped at word boundaries in a column `width_chars` wide."""
    room = max(int((width_chars - 1) / (BOLD_WIDTH if bold else 1.0)), 1)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= room:
                used += 1 + len(word)
                continue
            if used:  # the word starts a new line
                lines += 1
            extra, used = divmod(len(word), room)  # a word longer than the line breaks
            lines += extra - (used == 0 and extra > 0)
            used = used or room
    return lines


def wrapped_height_pt(lines: int) -> float:
    """The height of a row that holds `lines` lines of text."""
    return LINE_PT * lines + 3.0


def column_width(ws: Any, column: int) -> float:
    """The width of column `column` (1: A) in characters, without adding it to the sheet."""
    dimension = ws.column_dimensions.get(get_column_letter(column))
    width = getattr(dimension, "width", None)
    return float(width) if width else DEFAULT_WIDTH_CHARS


def printed_width_px(ws: Any, columns: int) -> float:
    """The width of the first `columns` columns at 100 %."""
    return sum(column_width(ws, c) * PX_PER_CHAR + PX_PER_COLUMN for c in range(1, columns + 1))


def pages_wide(width_px: float) -> int:
    """The pages a sheet `width_px` wide is fit to across: one, unless that prints it
    below MIN_SCALE."""
    return max(1, math.ceil(width_px * MIN_SCALE / PAGE_WIDTH_PX - 1e-9))


def scale(width_px: float) -> float:
    """The scale at which a sheet `width_px` wide prints on `pages_wide` pages."""
    return min(1.0, pages_wide(width_px) * PAGE_WIDTH_PX / width_px)


def fit_to_page(ws: Any) -> None:
    """Let the sheet's page setup scale it to fit (written with the sheet's properties,
    before its first row: set when the sheet is made)."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def chart_breaks(ws: Sheet, first_row: int, chart_rows: int, charts: int) -> list[int]:
    """Rows after which the page breaks so that each of `charts` charts, one every
    `chart_rows` rows from `first_row`, prints whole: after the charts if they fit on the
    page with what is above them, else before them too and between them as the page
    holds them. For a sheet whose width is set (`ws.print_columns`)."""
    page_rows = PAGE_HEIGHT_PT / LINE_PT / scale(printed_width_px(ws, ws.print_columns))
    heights = ws.row_dimensions
    above = sum(
        (heights[r].height if r in heights and heights[r].height else LINE_PT) / LINE_PT
        for r in range(1, first_row)
    )
    end = first_row + charts * chart_rows - 1
    if above + charts * chart_rows <= page_rows:
        return [end]
    per_page = max(1, int(page_rows // chart_rows))
    breaks = [first_row - 1]
    breaks += [first_row + n * chart_rows - 1 for n in range(per_page, charts, per_page)]
    return [*breaks, end]


def _titles(ws: Sheet) -> tuple[int, int]:
    """The header row repeated on each page (0: none), the row just above the frozen
    pane, and the label columns (left of the pane) repeated on pages across."""
    pane = ws.freeze_panes
    if not pane:
        return 0, 0
    letters = pane.rstrip("0123456789")
    return int(pane[len(letters) :]) - 1, column_index_from_string(letters) - 1


def set_page(ws: Sheet) -> None:
    """Landscape, fit to `pages_wide` pages across, the print area and its titles, the
    footer; for a sheet whose rows are written (`ws.row_count`, `ws.print_columns`)."""
    columns = max(ws.print_columns, 1)
    across = pages_wide(printed_width_px(ws, columns))
    setup = ws.page_setup
    setup.orientation = "landscape"
    setup.fitToWidth, setup.fitToHeight = across, 0
    ws.page_margins = PageMargins(
        left=MARGIN_SIDE_IN,
        right=MARGIN_SIDE_IN,
        top=MARGIN_TOP_IN,
        bottom=MARGIN_TOP_IN,
        header=MARGIN_EDGE_IN,
        footer=MARGIN_EDGE_IN,
    )
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = FOOTER
    ws.print_area = f"A1:{get_column_letter(columns)}{max(ws.row_count, 1)}"
    title_row, label_columns = _titles(ws)
    if ws.print_header and title_row > 0:
        ws.print_title_rows = f"{title_row}:{title_row}"
    if across > 1 and label_columns > 0:
        ws.print_title_cols = f"A:{get_column_letter(label_columns)}"


def add_row_breaks(ws: Sheet, rows: Iterable[int]) -> None:
    """Manual page breaks after each of `rows`."""
    for row in rows:
        ws.row_breaks.append(Break(id=row))


def set_up_printing(sheets: Sequence[Sheet]) -> None:
    """Every sheet's page once its rows are written; helper sheets hidden."""
    for ws in sheets:
        if ws.helper:
            ws.sheet_state = "hidden"
        else:
            set_page(ws)
