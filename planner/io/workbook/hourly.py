"""The Hourly power sheet (when sites have hourly terms; hourly_values.py): the engine's
figures of the hourly work as values, months across, which the other sheets' formulas
read where a row's site is listed.

Per listed site and month: whether the month is priced on the site's price-duration
curve (1) or as without a profile (0), the power sold, the 4CP savings and the
demand-response pay. Per fleet row and month: the uptime share (the share of the month's
intervals the row runs in under its strike and 4CP, which multiplies the site's uptime x
(1 - curtailed share) in its availability), the effective power price (USD per kWh
drawn, net of the power sold) and, where a fixed contract resells, the power sold. The
price-duration curves and each model's strike are worked by the planner, not by formulas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from planner.io.formula_text import quoted
from planner.io.workbook.book import BOLD, Book, cell, text_cell, title, widths
from planner.io.workbook.columns import (
    FIRST_MONTH_COLUMN,
    KWH,
    MONTH,
    MONTHLY,
    MONTHLY_FIRST_ROW,
    USD,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula
from planner.io.workbook.hourly_values import DATES_ROW, TITLE, HourlyLayout
from planner.io.workbook.sheet import Sheet, Text, cell_text
from planner.io.workbook.treasury import MODEL_FILL

# The sheet's notes, a line each (printed, a line stays within the page).
NOTES = (
    "The hourly detail (each site's price-duration curve by month, each model's strike "
    "price) is worked by the planner, not by formulas.",
    "Shaded cells are its values (from the model); the formulas of the other sheets read "
    "them for the rows and sites listed here.",
    "Changing an input in this workbook moves the other figures, but not these: export "
    "the plan again to rework them.",
    "A row's availability = uptime x (1 - curtailed share) x its uptime share below; in a "
    "month on the curve it pays the effective price per kWh drawn (off it: PowerPrices).",
    "Where a fixed contract resells, the formulas pay the fixed price on the whole "
    "contracted block and add the power sales; the price shown there is net of them.",
)
SITE_HEADINGS = {
    "curve": "Priced on the site's price-duration curve (1: yes, 0: as without a profile)",
    "sales": "Power sales (USD): unused contracted power sold, in EBITDA",
    "fourcp": "4CP savings (USD): transmission charge avoided, in EBITDA",
    "demand_response": "Demand response (USD), in EBITDA",
}
ROW_HEADINGS = {
    "uptime": "Uptime share: the share of the month's intervals the row runs in",
    "price": "Effective power price (USD per kWh drawn)",
    "sales": "Power sales (USD)",
    "items": "4CP savings and demand response the row adds to its site's (USD; its marginal NPV)",
}


def write_hourly(book: Book, data: ExportData) -> None:
    """The Hourly power sheet, when the project has hourly terms."""
    layout = data.hourly
    if layout is None:
        return
    shape = data.shape
    ws = book.sheet(TITLE, layout.last_row, FIRST_MONTH_COLUMN + shape.months - 1)
    widths(ws, (34, 22, *(10,) * shape.months))
    ws.freeze_panes = f"C{DATES_ROW + 1}"
    ws.append(title(ws, "Hourly power: values from the model"))
    for note in NOTES:
        ws.append([text_cell(ws, note)])
    assert ws.row_count + 1 == DATES_ROW
    ws.append(
        [cell(ws, "Site or fleet row", font=BOLD), None]
        + [
            cell(
                ws, Formula(f"=Monthly!{MONTHLY['month']}{t + MONTHLY_FIRST_ROW}"), MONTH, font=BOLD
            )
            for t in range(shape.months)
        ]
    )
    _site_sections(book, ws, layout)
    _row_sections(book, ws, layout)


def _site_sections(book: Book, ws: Sheet, layout: HourlyLayout) -> None:
    months = layout.shape.months
    model = {"curve": book.style("0", fill=MODEL_FILL), "usd": book.style(USD, fill=MODEL_FILL)}
    values = {
        "curve": layout.curve.astype(float),
        "sales": layout.site_sales_usd,
        "fourcp": layout.fourcp_savings_usd,
        "demand_response": layout.demand_response_usd,
    }
    for section, heading in SITE_HEADINGS.items():
        assert ws.row_count + 1 == layout.site_first(section) - 1
        ws.append([text_cell(ws, heading, font=BOLD)])
        style = model["curve" if section == "curve" else "usd"]
        for s in layout.sites:
            mode = _mode(layout, s)
            line = [float(v) for v in values[section][s]]
            labels, label_styles = _labels(book, layout.site_names[s], mode)
            ws.append_formulas([*labels, *line], [*label_styles, *[style] * months])
    assert ws.row_count + 1 == layout.income_row
    first, last = layout.site_first("fourcp"), layout.income_row - 1
    ws.append_formulas(
        [
            Text("Sites' 4CP + demand response (USD)"),
            Text("in taxable income"),
            *(Formula(f"=SUM({col}{first}:{col}{last})") for col in layout.shape.month_cols),
        ],
        [book.style(font=BOLD), 0, *[book.style(USD)] * months],
    )
    ws.append([])


def _labels(book: Book, *texts: str) -> tuple[list[Any], list[int]]:
    """Project text as text cells (`Text`), quote-prefixed where it starts like a formula."""
    prefixed = book.style(quotePrefix=True)
    return [Text(text) for text in texts], [prefixed if quoted(cell_text(t)) else 0 for t in texts]


def _mode(layout: HourlyLayout, s: int) -> str:
    if not layout.curve[s].any():
        return "as without a profile"
    return "fixed price, resold" if layout.resale[s] else "index, on its strike"


def _row_sections(book: Book, ws: Sheet, layout: HourlyLayout) -> None:
    shape = layout.shape
    styles = {
        "uptime": book.style("0.00%", fill=MODEL_FILL),
        "price": book.style(KWH, fill=MODEL_FILL),
        "sales": book.style(USD, fill=MODEL_FILL),
        "items": book.style(USD, fill=MODEL_FILL),
        "formula": book.style(KWH),
    }
    for section in layout.row_sections():
        assert ws.row_count + 1 == layout.row_first(section) - 1
        ws.append([text_cell(ws, ROW_HEADINGS[section], font=BOLD)])
        for r, name in enumerate(layout.row_names):
            s = int(layout.row_site[r])
            labels, label_styles = _labels(book, name, layout.site_names[s])
            if not layout.row_listed(r):
                ws.append_formulas(labels, label_styles)
                continue
            cells, cell_styles = _row_line(layout, section, r, styles)
            ws.append_formulas([*labels, *cells], [*label_styles, *cell_styles])
        if not shape.rows:
            ws.append([text_cell(ws, "(no fleet rows)")])


def _row_line(
    layout: HourlyLayout, section: str, r: int, styles: dict[str, int]
) -> tuple[list[Any], list[int]]:
    """Fleet row r's cells of a row section, its months online only (its 4CP savings, billed
    the year after, in any month): the value from the model, or (the price, off the
    curve) the site's price on PowerPrices."""
    s = int(layout.row_site[r])
    price_row = layout.shape.site_price_row(s)
    online = layout.online[r]
    values: Sequence[float] = layout.row_values(section)[r].tolist()
    curve = layout.curve[s]
    cells: list[Any] = []
    cell_styles: list[int] = []
    for t, col in enumerate(layout.shape.month_cols):
        value: Any = None
        style = styles[section]
        if not online[t] and section != "items":  # 4CP is billed the year after
            value, style = None, 0
        elif section == "price" and not curve[t]:
            value, style = Formula(f"=PowerPrices!{col}{price_row}"), styles["formula"]
        elif math.isfinite(values[t]):
            value = float(values[t])
        cells.append(value)
        cell_styles.append(style)
    return cells, cell_styles
