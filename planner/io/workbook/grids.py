"""The per-row-per-month grids (months across, one fleet row per line from
GRID_FIRST_ROW): CalcRunning (running flag, with the month's market figures on top),
CalcTaxDep (tax depreciation), CalcTaxable (taxable income, with the company's tax block
on top), CalcFCF, CalcCumFCF, CalcIRRFlows (the flows at month boundaries, one column
more)."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.workbook.book import BOLD, Book, Shape, cell, text_cell, widths
from planner.io.workbook.columns import (
    BTC_PER_TH_ROW,
    CALC_ROWS,
    COMPANY_TAXABLE_ROW,
    DAYS_ROW,
    FIRST_MONTH_COLUMN,
    FISCAL_YEAR_ROW,
    FLEET,
    GRID_FIRST_ROW,
    HOURS_ROW,
    LOSS_CARRIED_ROW,
    MONTHLY,
    MONTHLY_BY_SITE,
    MONTHLY_FIRST_ROW,
    PRICE_ROW,
    SITE_MONTHLY_FIRST_ROW,
    SITES,
    T_ROW,
    TABLE_FIRST_ROW,
    TAX_PAID_ROW,
    TAX_SHARE_ROW,
    USD,
    USD_CENTS,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula
from planner.io.workbook.hourly_values import HourlyLayout
from planner.io.workbook.sheet import COLUMN, PREVIOUS
from planner.io.workbook.tax import (
    INFRA_FIRST_ROW,
    deduction,
    row_years,
    tax_years_span,
    years_grid,
)

Progress = Callable[[float], None]

TAX_LABELS = (
    "Rows' taxable income (USD)",
    "Site costs: demand charges, fixed opex, hosting terms, infrastructure tax depreciation (USD)",
    "Corporate G&A (USD)",
    "Company taxable income (USD)",
    "Fiscal year # (0: the horizon's first)",
    "Share of the fiscal year's tax paid this month",
    "Tax paid (USD)",
    "Loss carried forward at the month's end (USD)",
    "Rows' positive taxable income of the fiscal year (USD)",
    "Tax paid per USD of it",
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
    """Row `line` (4-13) of the tax block in month column `col`."""
    rows = f"{col}{GRID_FIRST_ROW}:{col}{shape.grid_last}"
    tt = f"{col}${T_ROW}"
    fy = f"{col}{FISCAL_YEAR_ROW}"
    position = f"MOD({tt}+FyOffset,12)"
    if line == 4:
        return Formula(f"=SUM({rows})") if shape.rows else Formula("=0")
    if line == 5:
        if not shape.sites:
            return Formula("=0")
        last = INFRA_FIRST_ROW + shape.sites - 1
        span = SITES.span
        slast = shape.table_last(shape.sites)
        by_site = MONTHLY_BY_SITE
        months = by_site.span("t", SITE_MONTHLY_FIRST_ROW, shape.site_monthly_last)

        def hosting(key: str) -> str:
            return (
                f"+SUMIF({months},{t},"
                f"{by_site.span(key, SITE_MONTHLY_FIRST_ROW, shape.site_monthly_last)})"
            )

        return Formula(
            f"=SUM({span('demand_usd', TABLE_FIRST_ROW, slast)})"
            f"+SUM({span('fixed_opex_usd_per_month', TABLE_FIRST_ROW, slast)})"
            f"+SUM(CalcInfraTax!{col}{INFRA_FIRST_ROW}:{col}{last})"
            + hosting("take_or_pay")
            + hosting("profit_share")
        )
    if line == 6:
        return Formula("=GandA_USD")
    if line == COMPANY_TAXABLE_ROW:
        return Formula(f"={col}4-{col}5-{col}6")
    if line == FISCAL_YEAR_ROW:
        return Formula(f"=INT(({tt}+FyOffset)/12)")
    if line == 9:
        quarterly = (
            f"IF({tt}=HorizonMonths-1,4-INT({position}/3),IF(MOD({position},3)=2,1,0))"
            f"/IF({fy}=0,4-INT(FyOffset/3),4)"
        )
        annual = f"IF(OR({position}=11,{tt}=HorizonMonths-1),1,0)"
        return Formula(f'=IF(TaxPayments="quarterly",{quarterly},{annual})')
    if line == TAX_PAID_ROW:
        return Formula(f"=INDEX({tax_years_span(shape, 'tax')},{fy}+1)*{col}9")
    if line == LOSS_CARRIED_ROW:
        carried = tax_years_span(shape, "carried")
        return Formula(
            f"=IF({tt}=INDEX({tax_years_span(shape, 'last')},{fy}+1),"
            f"INDEX({carried},{fy}+1),IF({fy}=0,0,INDEX({carried},{fy})))"
        )
    if line == 12:
        if not shape.rows:
            return Formula("=0")
        return Formula(f'=SUMIF(INDEX({years_grid(shape)},0,{fy}+1),">0")')
    return Formula(f"=IF({col}12>0,{col}{TAX_PAID_ROW}/{col}12,0)")


def _tax_rows(ws: WriteOnlyWorksheet, shape: Shape, hourly: HourlyLayout | None) -> None:
    """CalcTaxable rows 4-13: the company's taxable income, and its tax by month. The
    sites' 4CP savings and demand response (Hourly power) are income: they lessen the
    site costs."""
    for line, label in enumerate(TAX_LABELS, start=4):
        fmt = {TAX_SHARE_ROW: "0.000000000", 9: "0.0000", FISCAL_YEAR_ROW: None}.get(line, USD)
        formulas = [_tax_formula(shape, line, t, col) for t, col in enumerate(shape.month_cols)]
        if line == 5 and hourly is not None:
            label += ", less 4CP savings and demand response (Hourly power)"
            formulas = [
                Formula(f"{formula}-{hourly.income_cell(col)}")
                for formula, col in zip(formulas, shape.month_cols, strict=True)
            ]
        ws.append(
            [text_cell(ws, label, font=BOLD), None]
            + [cell(ws, formula, fmt) for formula in formulas]
        )


def _row_templates(
    shape: Shape, r: int, hourly: HourlyLayout | None = None
) -> tuple[tuple[str, str], ...]:
    """Fleet row r's formulas on CalcRunning, CalcTaxDep, CalcTaxable, CalcFCF and
    CalcCumFCF, each (first month, the others) with COLUMN for the month's column (and
    PREVIOUS for the month before's): built once a row, as the months run rows x months
    times. A row at a site listed on the Hourly power sheet reads its figures there."""
    f, k = TABLE_FIRST_ROW + r, GRID_FIRST_ROW + r
    refs = {key: f"CalcRows!${CALC_ROWS[key]}{f}" for key in CALC_ROWS.keys}
    c = refs.__getitem__
    online_t, retire_t = c("online_t"), c("retire_t")
    p0 = shape.site_price_row(0)
    p1 = p0 + max(shape.sites, 1) - 1
    col = COLUMN
    tt = f"{col}${T_ROW}"
    fy = f"CalcTaxable!{col}${FISCAL_YEAR_ROW}"
    revenue = (
        f"{c('hashrate_online_th')}*(1-{c('degradation')})^(({tt}-{online_t})/12)"
        f"*CalcRunning!{col}${BTC_PER_TH_ROW}*CalcRunning!{col}${PRICE_ROW}"
    )
    load_hours = f"{c('load_kw')}*CalcRunning!{col}${HOURS_ROW}"
    power = f"{load_hours}*INDEX(PowerPrices!{col}${p0}:{col}${p1},{c('site_no')})"
    online = f"({tt}>={online_t})*({tt}<{retire_t})"
    shutdown = f"IF(AutoShutdown,IF({revenue}>={power},1,0),1)"
    # Credits while the row runs (load actually reduced), maintenance while it is online.
    margin, outside = f"{c('availability')}*({revenue}-{power})", ""
    if hourly is not None and hourly.row_listed(r):
        month = (revenue, load_hours, power, online)
        shutdown, margin, outside = _hourly_margin(hourly, r, shutdown, month)
    running = f"=IF(AND({tt}>={online_t},{tt}<{retire_t}),{shutdown},0)"
    year_of_service = f"({fy}-{c('fy_online')})"
    tax_depreciation = (
        f"=IF(AND({tt}>={online_t},{tt}<{retire_t}),"
        + deduction(
            "RigTaxRates", c("capex_usd"), c("bonus"), year_of_service, c("first_year_months")
        )
        + ",0)"
    )
    gain = f"({tt}={c('disposal_t')})*{c('tax_gain_usd')}"
    taxable = (
        f"=CalcRunning!{col}{k}*({margin}"
        f"+{c('credit_usd_per_hour')}*CalcRunning!{col}${HOURS_ROW})"
        f"-{online}*{c('maintenance_usd')}-CalcTaxDep!{col}{k}+{gain}"
    )
    fcf = (
        f"=CalcTaxable!{col}{k}+CalcTaxDep!{col}{k}-{gain}"
        f"-({tt}={c('capex_t')})*({c('capex_usd')}-{c('deposit_usd')})"
        f"-({tt}={c('deposit_t')})*{c('deposit_usd')}"
        f"+({tt}={c('resale_t')})*{c('resale_usd')}"
        f"-MAX(INDEX({row_years(shape, r)},{fy}+1),0)*CalcTaxable!{col}${TAX_SHARE_ROW}"
    )
    taxable += outside
    cum = (f"=CalcFCF!{col}{k}", f"={PREVIOUS}{k}+CalcFCF!{col}{k}")

    # The flow at each month's start boundary: the month before's FCF without its capex
    # (paid at that month's start), less this month's capex (the last column: the
    # horizon's end). A payment in month # m counts +1 at boundary m + 1, -1 at m.
    ct, dt, deposit = c("capex_t"), c("deposit_t"), c("deposit_usd")
    moved = (
        f"({c('capex_usd')}-{deposit})*(({tt}-1={ct})-({tt}={ct}))"
        f"+{deposit}*(({tt}-1={dt})-({tt}={dt}))"
    )
    boundary = (
        f"=-({tt}={ct})*({c('capex_usd')}-{deposit})-({tt}={dt})*{deposit}",
        f"=CalcFCF!{PREVIOUS}{k}+{moved}",
    )
    return (
        (running, running),
        (tax_depreciation, tax_depreciation),
        (taxable, taxable),
        (fcf, fcf),
        cum,
        boundary,
    )


def _hourly_margin(
    hourly: HourlyLayout, r: int, shutdown: str, month: tuple[str, str, str, str]
) -> tuple[str, str, str]:
    """Fleet row r's running test, its margin while running (before the credit) and
    what it pays or earns outside it, from the Hourly power sheet. In a month on the curve
    it runs when its uptime share is above 0; its availability has that share. An index
    row pays the effective price per kWh drawn (off the curve the cell holds the site's
    price); a reselling fixed row pays its fixed price on the whole contracted block while
    online in a month on the curve, and earns the power sales."""
    revenue, load_hours, power, online = month
    availability = f"CalcRows!${CALC_ROWS['availability']}{TABLE_FIRST_ROW + r}"
    col = COLUMN
    share = hourly.row_cell("uptime", r, col)
    on_curve = f"{hourly.site_cell('curve', int(hourly.row_site[r]), col)}=1"
    running = f"IF({on_curve},IF({share}>0,1,0),{shutdown})"
    if not hourly.row_resale(r):
        price = hourly.row_cell("price", r, col)
        return running, f"{availability}*{share}*({revenue}-{load_hours}*{price})", ""
    inside = f"{availability}*{share}*({revenue}-IF({on_curve},0,{power}))"
    outside = (
        f"-IF({on_curve},{online}*{availability}*{power},0)+{hourly.row_cell('sales', r, col)}"
    )
    return running, inside, outside


def write_grids(book: Book, data: ExportData, step: Progress) -> None:
    """The per-row-per-month sheets: running flag, taxable income, FCF, cumulative FCF."""
    shape = data.shape
    size = (GRID_FIRST_ROW + shape.rows - 1, FIRST_MONTH_COLUMN + shape.months - 1)
    sheets = [
        book.sheet(name, size[0], size[1] + int(name == "CalcIRRFlows"), calc=True)
        for name in _GRID_SHEETS
    ]
    running, tax_depreciation, taxable, fcf, cum, boundary = sheets
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
        tax_depreciation,
        "Tax depreciation of each row: its year of service's rate on TaxTables",
        "The first fiscal year's rate, with the bonus share, over the months in service.",
    )
    book.month_rows(
        taxable,
        "Taxable income of each row (EBITDA - tax depreciation + gain on disposal) and the "
        "company's tax",
        "Rows 4-13: the tax as filed (TaxYears) and when it is paid; a payment is shared by "
        "the rows' positive taxable income of its fiscal year (CalcTaxYears).",
    )
    _tax_rows(taxable, shape, data.hourly)
    book.month_rows(
        fcf,
        "Free cash flow of each row: EBITDA - capex + resale - its share of the tax",
        "Row NPV, IRR and payback on the Rows sheet come from here.",
    )
    book.month_rows(cum, "Cumulative free cash flow of each row", "")
    book.month_rows(
        boundary,
        "Each row's cash flow at month boundaries: the capex at its month's start, the "
        "rest of the month's FCF at its end",
        "Row IRR on the Rows sheet solves these flows.",
        boundaries=True,
    )
    # Pad each sheet to the grid's header row (taxable has its ten tax rows).
    for ws, used in ((running, 7), (tax_depreciation, 3), (fcf, 3), (cum, 3), (boundary, 3)):
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
        for ws, (first, template) in zip(
            sheets, _row_templates(shape, r, data.hourly), strict=True
        ):
            repeat = shape.months + int(ws is boundary)
            ws.append_formulas(labels, template=template, first=first, repeat=repeat)
        if r % 200 == 0:
            step(0.1 + 0.85 * r / shape.rows)


# The grid sheets and the label of their rows.
_GRID_SHEETS = {
    "CalcRunning": "Running (1/0)",
    "CalcTaxDep": "Tax depreciation (USD)",
    "CalcTaxable": "Taxable income (USD)",
    "CalcFCF": "FCF (USD)",
    "CalcCumFCF": "Cumulative FCF (USD)",
    "CalcIRRFlows": "Flow at the month's start boundary (USD)",
}
