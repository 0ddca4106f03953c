"""The per-row-per-month grids (months across, one fleet row per line from
GRID_FIRST_ROW): CalcRunning (running flag, with the month's market figures on top),
CalcTaxable (taxable income, with the fleet's tax block on top), CalcFCF, CalcCumFCF."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.workbook.book import BOLD, Book, Shape, cell, text_cell, widths
from planner.io.workbook.columns import (
    BTC_PER_TH_ROW,
    CALC_ROWS,
    DAYS_ROW,
    FIRST_MONTH_COLUMN,
    FLEET,
    GRID_FIRST_ROW,
    HOURS_ROW,
    MONTHLY,
    MONTHLY_FIRST_ROW,
    PRICE_ROW,
    SITES,
    T_ROW,
    TABLE_FIRST_ROW,
    TAX_SHARE_ROW,
    USD,
    USD_CENTS,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula, straight_line
from planner.io.workbook.sheet import COLUMN, PREVIOUS

Progress = Callable[[float], None]

TAX_LABELS = (
    "Rows' taxable income (USD)",
    "Site costs: demand charges, fixed opex, infrastructure depreciation (USD)",
    "Fleet taxable income (USD)",
    "Loss brought forward (USD)",
    "Tax (USD)",
    "Loss carried forward (USD)",
    "Rows' positive taxable income (USD)",
    "Tax per USD of positive taxable income",
)


def _monthly(key: str, t: int) -> str:
    return f"Monthly!{MONTHLY[key]}{t + MONTHLY_FIRST_ROW}"


def _market_rows(ws: WriteOnlyWorksheet, shape: Shape) -> None:
    """CalcRunning rows 4-7: days, hours, BTC per TH/s after pool fee, BTC price."""
    market: tuple[tuple[str, Callable[[int, str], Formula], str | None], ...] = (
        ("Days", lambda t, col: Formula(f"={_monthly('days', t)}"), None),
        ("Hours", lambda t, col: Formula(f"={col}{DAYS_ROW}*24"), None),
        (
            "BTC per TH/s in the month, after pool fee",
            lambda t, col: Formula(
                f"=({_monthly('subsidy', t)}+{_monthly('fees', t)})"
                f"/({_monthly('network_ehs', t)}*1000000)*(1-PoolFee)"
            ),
            "0.000000E+00",
        ),
        ("BTC price (USD)", lambda t, col: Formula(f"={_monthly('btc_price', t)}"), USD_CENTS),
    )
    for label, build, fmt in market:
        ws.append(
            [text_cell(ws, label, font=BOLD), None]
            + [cell(ws, build(t, col), fmt) for t, col in enumerate(shape.month_cols)]
        )


def _tax_formula(shape: Shape, line: int, t: int, col: str) -> Formula:
    """Row `line` (4-11) of the tax block in month column `col`."""
    rows = f"{col}{GRID_FIRST_ROW}:{col}{shape.grid_last}"
    if line == 4:
        return Formula(f"=SUM({rows})") if shape.rows else Formula("=0")
    if line == 5:
        if not shape.sites:
            return Formula("=0")

        def site(key: str) -> str:
            return SITES.span(key, TABLE_FIRST_ROW, shape.table_last(shape.sites))

        depreciation = straight_line(
            site("infra_depreciation_usd"),
            site("infra_t"),
            site("infra_depreciation_end"),
            f"{col}${T_ROW}",
        )
        return Formula(
            f"=SUM({site('demand_usd')})+SUM({site('fixed_opex_usd_per_month')})"
            f"+SUMPRODUCT({depreciation})"
        )
    if line == 6:
        return Formula(f"={col}4-{col}5")
    if line == 7:
        return Formula("=0") if t == 0 else Formula(f"={shape.month_col(t - 1)}9")
    if line == 8:
        return Formula(f"=IF({col}6-{col}7>0,TaxRate*({col}6-{col}7),0)")
    if line == 9:
        return Formula(f"=IF({col}6-{col}7>0,0,{col}7-{col}6)")
    if line == 10:
        return Formula(f'=SUMIF({rows},">0")') if shape.rows else Formula("=0")
    return Formula(f"=IF({col}10>0,{col}8/{col}10,0)")


def _tax_rows(ws: WriteOnlyWorksheet, shape: Shape) -> None:
    """CalcTaxable rows 4-11: the fleet's taxable income, losses and tax by month."""
    for line, label in enumerate(TAX_LABELS, start=4):
        fmt = "0.000000000" if line == TAX_SHARE_ROW else USD
        ws.append(
            [text_cell(ws, label, font=BOLD), None]
            + [
                cell(ws, _tax_formula(shape, line, t, col), fmt)
                for t, col in enumerate(shape.month_cols)
            ]
        )


def _row_templates(shape: Shape, r: int) -> tuple[tuple[str, str], ...]:
    """Fleet row r's formulas on CalcRunning, CalcTaxable, CalcFCF and CalcCumFCF, each
    (first month, the others) with COLUMN for the month's column (and PREVIOUS for the
    month before's): built once a row, as the months run rows x months times."""
    f, k = TABLE_FIRST_ROW + r, GRID_FIRST_ROW + r
    refs = {key: f"CalcRows!${CALC_ROWS[key]}{f}" for key in CALC_ROWS.keys}
    c = refs.__getitem__
    online_t, retire_t = c("online_t"), c("retire_t")
    p0 = shape.site_price_row(0)
    p1 = p0 + max(shape.sites, 1) - 1
    col = COLUMN
    tt = f"{col}${T_ROW}"
    revenue = (
        f"{c('hashrate_online_th')}*(1-{c('degradation')})^(({tt}-{online_t})/12)"
        f"*CalcRunning!{col}${BTC_PER_TH_ROW}*CalcRunning!{col}${PRICE_ROW}"
    )
    power = (
        f"{c('load_kw')}*CalcRunning!{col}${HOURS_ROW}"
        f"*INDEX(PowerPrices!{col}${p0}:{col}${p1},{c('site_no')})"
    )
    online = f"({tt}>={online_t})*({tt}<{retire_t})"
    depreciation = straight_line(c("depreciation_usd"), online_t, c("depreciation_end"), tt)
    running = (
        f"=IF(AND({tt}>={online_t},{tt}<{retire_t}),"
        f"IF(AutoShutdown,IF({revenue}>={power},1,0),1),0)"
    )
    # Credits while the row runs (load actually reduced), maintenance while it is online.
    taxable = (
        f"=CalcRunning!{col}{k}*({c('availability')}*({revenue}-{power})"
        f"+{c('credit_usd_per_hour')}*CalcRunning!{col}${HOURS_ROW})"
        f"-{online}*{c('maintenance_usd')}-{depreciation}"
    )
    fcf = (
        f"=CalcTaxable!{col}{k}+{depreciation}-({tt}={c('capex_t')})*{c('capex_usd')}"
        f"+({tt}={c('resale_t')})*{c('resale_usd')}"
        f"-MAX(CalcTaxable!{col}{k},0)*CalcTaxable!{col}${TAX_SHARE_ROW}"
    )
    cum = (f"=CalcFCF!{col}{k}", f"={PREVIOUS}{k}+CalcFCF!{col}{k}")
    return (running, running), (taxable, taxable), (fcf, fcf), cum


def write_grids(book: Book, data: ExportData, step: Progress) -> None:
    """The per-row-per-month sheets: running flag, taxable income, FCF, cumulative FCF."""
    shape = data.shape
    size = (GRID_FIRST_ROW + shape.rows - 1, FIRST_MONTH_COLUMN + shape.months - 1)
    sheets = [book.sheet(name, *size, calc=True) for name in _GRID_SHEETS]
    running, taxable, fcf, cum = sheets
    for ws in sheets:
        ws.freeze_panes = f"C{GRID_FIRST_ROW}"
        widths(ws, (26, 18))
    book.month_rows(
        running,
        "Running: 1 when the row is online and (with automatic shutdown) its revenue "
        "covers its power cost",
        "Rows 4-7: the month's market figures.",
    )
    _market_rows(running, shape)
    book.month_rows(
        taxable,
        "Taxable income of each row (EBITDA - depreciation) and the fleet's tax",
        "Losses carry forward without limit; the tax is shared by the rows' positive income.",
    )
    _tax_rows(taxable, shape)
    book.month_rows(
        fcf,
        "Free cash flow of each row: EBITDA - capex + resale - its share of the tax",
        "Row NPV, IRR and payback on the Rows sheet come from here.",
    )
    book.month_rows(cum, "Cumulative free cash flow of each row", "")
    # Pad each sheet to the grid's header row (taxable has its eight tax rows).
    for ws, used in ((running, 7), (fcf, 3), (cum, 3)):
        for _ in range(GRID_FIRST_ROW - 2 - used):
            ws.append([])
    for ws, label in zip(sheets, _GRID_SHEETS.values(), strict=True):
        ws.append(
            [
                text_cell(ws, "Fleet row", font=BOLD),
                text_cell(ws, "Site", font=BOLD),
                text_cell(ws, label, font=BOLD),
            ]
        )
    for r in range(shape.rows):
        f = TABLE_FIRST_ROW + r
        labels = [Formula(f"=Fleet!{FLEET['name']}{f}"), Formula(f"=Fleet!{FLEET['site']}{f}")]
        for ws, (first, template) in zip(sheets, _row_templates(shape, r), strict=True):
            ws.append_formulas(labels, template=template, first=first, repeat=shape.months)
        if r % 200 == 0:
            step(0.1 + 0.85 * r / shape.rows)


# The grid sheets and the label of their rows.
_GRID_SHEETS = {
    "CalcRunning": "Running (1/0)",
    "CalcTaxable": "Taxable income (USD)",
    "CalcFCF": "FCF (USD)",
    "CalcCumFCF": "Cumulative FCF (USD)",
}
