"""The CalcMarginal sheet: each fleet row's marginal NPV, the fleet's NPV with the row less
the fleet's NPV without it (planner/engine/marginal.py), by formula.

Without the row the company's taxable income of each fiscal year loses the row's
(CalcTaxYears), and the tax is refiled year by year with the same loss limit and expiry.
Losses are used oldest first and expire oldest first, so what has been used or has
expired is always the oldest part of the losses: with G_y the losses that arose in years
up to y and K_y the part of them used or expired by the end of year y, year y may use
G_(y-1) - K_(y-1), within the limit, and at its end the losses of year y - expiry that
are left expire: K_y = MAX(K_(y-1) + used_y, G_(y - expiry)). The sheet follows each row
with four numbers a year (income without it, G, K, the tax) instead of a table of loss
vintages. Marginal NPV = the row's NPV + the PV of its share of the tax - (the PV of the
company's tax - the PV of the tax refiled without it).
"""

from __future__ import annotations

from planner.io.workbook.book import BOLD, Book, Shape, cell, header, text_cell, title
from planner.io.workbook.book import widths as set_widths
from planner.io.workbook.columns import (
    FISCAL_YEAR_ROW,
    ROWS,
    T_ROW,
    TABLE_FIRST_ROW,
    TAX_PAID_ROW,
    TAX_SHARE_ROW,
    USD,
    column_letter,
)
from planner.io.workbook.formulas import Formula
from planner.io.workbook.hourly_values import HourlyLayout
from planner.io.workbook.tax import (
    TAX_YEAR,
    TAX_YEARS_FIRST_ROW,
    YEARS_FIRST_ROW,
    row_years,
)

YEAR_ROW = 3  # fiscal year numbers across each block
PAID_PV_ROW = 4  # the PV of one USD of the year's tax, paid as the calendar pays it
SHARE_PV_ROW = 5  # the PV of the tax share per USD of a row's positive income of the year
MARGINAL_FIRST_ROW = 7  # the first fleet row
FIRST_BLOCK = 6  # column F: the first year of the first block
BLOCKS = ("income", "arisen", "consumed", "tax")
BLOCK_LABELS = {
    "income": "Company's taxable income without the row (USD)",
    "arisen": "Losses arisen to date (USD)",
    "consumed": "Losses used or expired to date (USD)",
    "tax": "Tax without the row (USD)",
}
COMPANY_TAX_PV = "$C$4"  # the PV of the company's tax as filed


def marginal_ref(r: int) -> str:
    """Fleet row r's marginal NPV."""
    return f"CalcMarginal!$C${MARGINAL_FIRST_ROW + r}"


def _col(shape: Shape, block: str, y: int) -> str:
    return column_letter(FIRST_BLOCK + BLOCKS.index(block) * shape.tax_years + y)


def _span(shape: Shape, block: str, row: int) -> str:
    return f"${_col(shape, block, 0)}${row}:${_col(shape, block, shape.tax_years - 1)}${row}"


def _by_year(shape: Shape, weights_row: int, y: int) -> Formula:
    """The PV of CalcTaxable's `weights_row` over the months of fiscal year `y`."""
    months = f"${shape.first_month_col}${{0}}:${shape.last_month_col}${{0}}"
    fy, weights, t = (
        "CalcTaxable!" + months.format(FISCAL_YEAR_ROW),
        "CalcTaxable!" + months.format(weights_row),
        "CalcTaxable!" + months.format(T_ROW),
    )
    return Formula(f"=SUMPRODUCT(({fy}={y})*{weights}*(1+DiscountRate)^(-({t}+1)/12))")


def _row_cells(shape: Shape, r: int, hourly: HourlyLayout | None = None) -> list[object]:
    row = MARGINAL_FIRST_ROW + r
    years = shape.tax_years
    own = row_years(shape, r)
    share_pv = _span(shape, "tax", SHARE_PV_ROW)
    items_pv, items = "", ["" for _y in range(years)]
    if hourly is not None and "items" in hourly.row_sections() and hourly.row_listed(r):
        # What the row adds to its site's 4CP savings and demand response (Hourly power):
        # in its pre-tax NPV, and out of the company's income without it.
        months = f"${shape.first_month_col}${{0}}:${shape.last_month_col}${{0}}"
        t, fy = (f"CalcTaxable!{months.format(n)}" for n in (T_ROW, FISCAL_YEAR_ROW))
        added = hourly.row_months("items", r)
        items_pv = f"+SUMPRODUCT({added},(1+DiscountRate)^(-({t}+1)/12))"
        items = [f"-SUMPRODUCT(({fy}={y})*{added})" for y in range(years)]
    cells: list[object] = [
        Formula(f"=Rows!A{TABLE_FIRST_ROW + r}"),
        Formula(f"=Rows!C{TABLE_FIRST_ROW + r}"),
        Formula(
            f"=Rows!{ROWS['npv']}{TABLE_FIRST_ROW + r}+D{row}-{COMPANY_TAX_PV}+E{row}{items_pv}"
        ),
        Formula(f"=SUMPRODUCT(({own}>0)*{own}*{share_pv})"),
        Formula(f"=SUMPRODUCT({_span(shape, 'tax', row)},{_span(shape, 'tax', PAID_PV_ROW)})"),
    ]
    income = [
        Formula(
            f"=TaxYears!${TAX_YEAR['income']}${TAX_YEARS_FIRST_ROW + y}"
            f"-CalcTaxYears!{column_letter(3 + y)}{YEARS_FIRST_ROW + r}{items[y]}"
        )
        for y in range(years)
    ]
    arisen, consumed, tax = [], [], []
    arisen_span = _span(shape, "arisen", row)
    for y in range(years):

        def at(block: str, year: int, y: int = y) -> str:
            return f"{_col(shape, block, year)}{row}"

        loss = f"MAX(0,-{at('income', y)})"
        arisen.append(Formula(f"={loss}" if y == 0 else f"={at('arisen', y - 1)}+{loss}"))
        if y == 0:
            used = "0"
            before = "0"
        else:
            before = at("consumed", y - 1)
            allowed = f"LossLimit*MAX(0,{at('income', y)})"
            used = f"MIN({at('arisen', y - 1)}-{before},{allowed})"
        expired = f"INDEX({arisen_span},{y + 1}-LossExpiryYears)"
        consumed.append(
            Formula(
                f"=IF(AND(LossExpiryYears>0,{y}>=LossExpiryYears),"
                f"MAX({before}+{used},{expired}),{before}+{used})"
            )
        )
        tax.append(Formula(f"=TaxRate*MAX(0,{at('income', y)}-{used})"))
    return cells + income + arisen + consumed + tax


def write_calc_marginal(book: Book, shape: Shape, hourly: HourlyLayout | None = None) -> None:
    """Each fleet row's marginal NPV (rows down) and the tax refiled without it; a row's
    part in its site's 4CP savings and demand response from the Hourly power sheet."""
    years = shape.tax_years
    width = FIRST_BLOCK - 1 + len(BLOCKS) * years
    ws = book.sheet("CalcMarginal", MARGINAL_FIRST_ROW + shape.rows - 1, width, calc=True)
    ws.freeze_panes = f"D{MARGINAL_FIRST_ROW}"
    set_widths(ws, (26, 18, 16, 16, 16, *(14,) * (len(BLOCKS) * years)))
    ws.append(title(ws, "Marginal NPV of each fleet row: the fleet's NPV with it less without it"))
    ws.append(
        [
            text_cell(
                ws,
                "Without the row the company's tax is refiled by fiscal year (same limit and "
                "expiry; losses used and expired oldest first). Marginal NPV = the row's NPV "
                "+ the PV of its share of the tax - (the PV of the company's tax - the PV of "
                "the tax without it).",
            )
        ]
    )
    year_numbers: list[object] = [text_cell(ws, "Fiscal year #", font=BOLD), None, None, None, None]
    paid_pv: list[object] = [text_cell(ws, "PV of 1 USD of the year's tax", font=BOLD), None]
    share_pv: list[object] = [text_cell(ws, "PV of the tax share per USD", font=BOLD), None]
    months = f"${shape.first_month_col}${{0}}:${shape.last_month_col}${{0}}"
    company = (
        f"=SUMPRODUCT(CalcTaxable!{months.format(TAX_PAID_ROW)},"
        f"(1+DiscountRate)^(-(CalcTaxable!{months.format(T_ROW)}+1)/12))"
    )
    paid_pv += [cell(ws, Formula(company), USD), text_cell(ws, "<- PV of the company's tax"), None]
    share_pv += [None, None, None]
    for block in BLOCKS:
        year_numbers += list(range(years))
        if block == "tax":
            paid_pv += [cell(ws, _by_year(shape, 9, y), "0.000000") for y in range(years)]
            share_pv += [
                cell(ws, _by_year(shape, TAX_SHARE_ROW, y), "0.000000000") for y in range(years)
            ]
        else:
            paid_pv += [None] * years
            share_pv += [None] * years
    ws.append(year_numbers)
    ws.append(paid_pv)
    ws.append(share_pv)
    labels = [
        "Fleet row",
        "Site",
        "Marginal NPV (USD)",
        "PV of its share of the tax (USD)",
        "PV of the tax without it (USD)",
    ]
    for block in BLOCKS:
        labels += [f"{BLOCK_LABELS[block]}, year {y}" for y in range(years)]
    ws.append(header(ws, labels))
    usd = book.style(USD)
    plain = book.style(None)
    for r in range(shape.rows):
        values = _row_cells(shape, r, hourly)
        ws.append_formulas(values, [plain, plain, *[usd] * (len(values) - 2)])
