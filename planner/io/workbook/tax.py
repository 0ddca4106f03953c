"""The tax sheets: TaxTables (tax depreciation rates by year of service, inputs),
CalcInfraTax (each site's infrastructure tax depreciation by month), CalcTaxYears (each
fleet row's taxable income by fiscal year) and TaxYears (the tax as filed, year by year,
with each year's loss followed until it is used or expires)."""

from __future__ import annotations

from planner.io.workbook.book import BOLD, Book, Shape, cell, header, input_cell, text_cell, title
from planner.io.workbook.book import widths as set_widths
from planner.io.workbook.columns import (
    COMPANY_TAXABLE_ROW,
    FISCAL_YEAR_ROW,
    GRID_FIRST_ROW,
    SITES,
    T_ROW,
    TABLE_FIRST_ROW,
    USD,
    column_letter,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import Formula
from planner.io.workbook.sheet import COLUMN

TABLE_ROW = 4  # TaxTables: first year of service
INFRA_FIRST_ROW = 5  # CalcInfraTax: first site
YEARS_ROW = 3  # CalcTaxYears: fiscal year numbers across
YEARS_FIRST_ROW = 5  # CalcTaxYears: first fleet row
TAX_YEARS_FIRST_ROW = 4  # TaxYears: first fiscal year
# TaxYears' columns, then the unused loss of each year's vintage and the use of it.
TAX_YEAR_COLUMNS = (
    ("Fiscal year #", "y"),
    ("Fiscal year (ends in)", "label"),
    ("First month #", "first"),
    ("Last month #", "last"),
    ("Taxable income (USD)", "income"),
    ("Losses may offset (USD)", "allowed"),
    ("Loss brought forward (USD)", "brought"),
    ("Loss used (USD)", "used"),
    ("Loss expired (USD)", "expired"),
    ("Tax (USD)", "tax"),
    ("Loss carried forward (USD)", "carried"),
)
TAX_YEAR = {key: column_letter(i + 1) for i, (_label, key) in enumerate(TAX_YEAR_COLUMNS)}


def tax_years_span(shape: Shape, key: str) -> str:
    """A TaxYears column over the years laid out."""
    last = TAX_YEARS_FIRST_ROW + shape.tax_years - 1
    return f"TaxYears!${TAX_YEAR[key]}${TAX_YEARS_FIRST_ROW}:${TAX_YEAR[key]}${last}"


def row_years(shape: Shape, line: int) -> str:
    """Fleet row `line`'s (0-based) taxable income by fiscal year on CalcTaxYears."""
    row = YEARS_FIRST_ROW + line
    return f"CalcTaxYears!$C${row}:${_year_col(shape.tax_years - 1)}${row}"


def years_grid(shape: Shape) -> str:
    """Every fleet row's taxable income by fiscal year (rows down, years across)."""
    last_row = YEARS_FIRST_ROW + max(shape.rows, 1) - 1
    return f"CalcTaxYears!$C${YEARS_FIRST_ROW}:${_year_col(shape.tax_years - 1)}${last_row}"


def infra_tax_row(shape: Shape, s: int) -> str:
    row = INFRA_FIRST_ROW + s
    return f"CalcInfraTax!${shape.first_month_col}${row}:${shape.last_month_col}${row}"


def _year_col(y: int) -> str:
    return column_letter(3 + y)


def deduction(rates: str, basis: str, bonus: str, k: str, first_months: str) -> str:
    """A month's tax depreciation (no condition on the month): year of service `k`'s rate
    over its months in service; the first year's with the bonus share."""
    return (
        f"{basis}*IF({k}=0,({bonus}+(1-{bonus})*INDEX({rates},1))/{first_months},"
        f"IF({k}<ROWS({rates}),(1-{bonus})*INDEX({rates},{k}+1)/12,0))"
    )


def deducted_before(
    rates: str, before: str, placed: str, fy_placed: str, bonus: str, first_months: str, x: str
) -> str:
    """The share of the basis deducted in the months before month # `x`."""
    k = f"(INT(({x}+FyOffset)/12)-{fy_placed})"
    return (
        f"IF({x}<={placed},0,IF({k}>=ROWS({rates}),1,IF({k}=0,"
        f"({bonus}+(1-{bonus})*INDEX({rates},1))*({x}-{placed})/{first_months},"
        f"{bonus}+(1-{bonus})*(INDEX({before},{k}+1)"
        f"+INDEX({rates},{k}+1)*MOD({x}+FyOffset,12)/12))))"
    )


def write_tax_tables(book: Book, data: ExportData) -> None:
    """The annual rates of the rigs' and the infrastructure's tax depreciation (inputs)."""
    inputs = data.results.inputs
    rig, infra = inputs.rig_tax_rates, inputs.infra_tax_rates
    years = max(rig.size, infra.size)
    ws = book.sheet("TaxTables", TABLE_ROW + years - 1, 5)
    set_widths(ws, (16, 16, 20, 20, 24))
    finance = data.project.finance
    ws.append(title(ws, "Tax depreciation: share of the basis by year of service"))
    note = (
        f"Rigs: {finance.rig_tax_depreciation}; infrastructure: "
        f"{finance.infrastructure_tax_depreciation} (IRS Publication 946 Table A-1, "
        "half-year convention; straight line over the book life with the same convention). "
        "Blue: inputs."
    )
    ws.append([text_cell(ws, note)])
    ws.append(
        header(
            ws,
            (
                "Year of service",
                "Rigs: rate",
                "Rigs: deducted before",
                "Infrastructure: rate",
                "Infrastructure: deducted before",
            ),
        )
    )
    for i in range(years):
        r = TABLE_ROW + i
        before_rig = Formula("=0") if i == 0 else Formula(f"=C{r - 1}+B{r - 1}")
        before_infra = Formula("=0") if i == 0 else Formula(f"=E{r - 1}+D{r - 1}")
        ws.append(
            [
                i + 1,
                input_cell(ws, float(rig[i]) if i < rig.size else 0.0, "0.0000%"),
                cell(ws, before_rig, "0.0000%"),
                input_cell(ws, float(infra[i]) if i < infra.size else 0.0, "0.0000%"),
                cell(ws, before_infra, "0.0000%"),
            ]
        )
    last = TABLE_ROW + years - 1
    for name, col in (
        ("RigTaxRates", "B"),
        ("RigTaxBefore", "C"),
        ("InfraTaxRates", "D"),
        ("InfraTaxBefore", "E"),
    ):
        book.name(name, "TaxTables", f"${col}${TABLE_ROW}:${col}${last}")


def write_infra_tax(book: Book, data: ExportData) -> None:
    """Each site's infrastructure tax depreciation by month (sites down)."""
    shape = data.shape
    ws = book.sheet("CalcInfraTax", INFRA_FIRST_ROW + shape.sites - 1, 2 + shape.months, calc=True)
    ws.freeze_panes = f"C{INFRA_FIRST_ROW}"
    set_widths(ws, (26, 12))
    book.month_rows(
        ws,
        "Infrastructure tax depreciation (USD)",
        "From the capex month, by the rates on TaxTables after the bonus share.",
    )
    ws.append([text_cell(ws, "Site", font=BOLD)])
    for s in range(shape.sites):
        srow = TABLE_FIRST_ROW + s

        def site(key: str, srow: int = srow) -> str:
            return f"Sites!${SITES[key]}${srow}"

        placed, basis, bonus = site("infra_t"), site("infra_basis_usd"), site("infra_bonus")
        tt = f"{COLUMN}${T_ROW}"
        k = f"(INT(({tt}+FyOffset)/12)-INT(({placed}+FyOffset)/12))"
        first_months = f"(12-MOD({placed}+FyOffset,12))"
        formula = (
            f"=IF(AND({basis}>0,{tt}>={placed}),"
            f"{deduction('InfraTaxRates', basis, bonus, k, first_months)},0)"
        )
        ws.append_formulas(
            [Formula(f"={site('name')}"), None],
            [0, 0],
            template=formula,
            repeat=shape.months,
        )


def write_calc_tax_years(book: Book, data: ExportData) -> None:
    """Each fleet row's taxable income by fiscal year: the allocation key of the tax."""
    shape = data.shape
    years = shape.tax_years
    ws = book.sheet("CalcTaxYears", YEARS_FIRST_ROW + shape.rows - 1, 2 + years, calc=True)
    ws.freeze_panes = f"C{YEARS_FIRST_ROW}"
    set_widths(ws, (26, 18))
    ws.append(title(ws, "Taxable income of each fleet row by fiscal year (USD)"))
    ws.append(
        [
            text_cell(
                ws,
                "A row's share of a year's tax is its positive income here over all rows'.",
            )
        ]
    )
    ws.append([text_cell(ws, "Fiscal year #", font=BOLD), None, *range(years)])
    ws.append([text_cell(ws, "Fleet row", font=BOLD), text_cell(ws, "Site", font=BOLD)])
    months = f"${shape.first_month_col}${{}}:${shape.last_month_col}${{}}"
    fy = "CalcTaxable!" + months.format(FISCAL_YEAR_ROW, FISCAL_YEAR_ROW)
    for r in range(shape.rows):
        k = GRID_FIRST_ROW + r
        taxable = "CalcTaxable!" + months.format(k, k)
        ws.append_formulas(
            [Formula(f"=CalcTaxable!A{k}"), Formula(f"=CalcTaxable!B{k}")],
            [0, 0],
            template=f"=SUMIF({fy},{COLUMN}${YEARS_ROW},{taxable})",
            repeat=years,
        )


def write_tax_years(book: Book, data: ExportData) -> None:
    """The tax as filed, one line per fiscal year, with the losses by the year they arose
    in (used oldest first, within the limit, until they expire)."""
    shape = data.shape
    years = shape.tax_years
    width = len(TAX_YEAR_COLUMNS) + 2 * years
    ws = book.sheet("TaxYears", TAX_YEARS_FIRST_ROW + years - 1, width)
    set_widths(ws, (10, 12, 10, 10, *(16,) * (width - 4)))
    ws.freeze_panes = f"C{TAX_YEARS_FIRST_ROW}"
    ws.append(title(ws, "Tax as filed, by fiscal year"))
    note = (
        "Taxable income is the company's (CalcTaxable row 7) summed over the year; losses "
        "carried from earlier years offset at most LossLimit of it, oldest first, and "
        "expire after LossExpiryYears (0: never). Right: each year's loss, unused at each "
        "year's end, and the part of it used in each year."
    )
    ws.append([text_cell(ws, note)])
    pool0 = len(TAX_YEAR_COLUMNS) + 1
    use0 = pool0 + years
    labels = [label for label, _key in TAX_YEAR_COLUMNS]
    labels += [f"Unused loss of year {v} (USD)" for v in range(years)]
    labels += [f"Used from year {v} (USD)" for v in range(years)]
    ws.append(header(ws, labels))
    months = f"${shape.first_month_col}${{0}}:${shape.last_month_col}${{0}}"
    fy = "CalcTaxable!" + months.format(FISCAL_YEAR_ROW)
    income_by_month = "CalcTaxable!" + months.format(COMPANY_TAXABLE_ROW)
    for y in range(years):
        row = TAX_YEARS_FIRST_ROW + y

        def at(key: str, row: int = row) -> str:
            return f"{TAX_YEAR[key]}{row}"

        def pool(v: int, row: int = row) -> str:
            return f"{column_letter(pool0 + v)}{row}"

        def use(v: int, row: int = row) -> str:
            return f"{column_letter(use0 + v)}{row}"

        pools, uses = [], []
        for v in range(years):
            above = pool(v, row - 1)
            if v > y:
                pools.append(Formula("=0"))
            elif v == y:
                pools.append(Formula(f"=MAX(0,-{at('income')})"))
            else:
                pools.append(
                    Formula(
                        f"=IF(AND(LossExpiryYears>0,{y - v}>=LossExpiryYears),0,{above}-{use(v)})"
                    )
                )
            if v >= y:
                uses.append(Formula("=0"))
            else:
                older = f"SUM({pool(0, row - 1)}:{pool(v - 1, row - 1)})" if v else "0"
                uses.append(Formula(f"=MIN({above},MAX(0,{at('allowed')}-{older}))"))
        first, last = at("first"), at("last")
        brought = (
            Formula("=0")
            if y == 0
            else Formula(f"=SUM({pool(0, row - 1)}:{pool(years - 1, row - 1)})")
        )
        line = [
            y,
            Formula(
                f'=IF({first}>{last},"outside the horizon",YEAR(EDATE(StartMonth,11-FyOffset))+{y})'
            ),
            Formula(f"=MAX(0,{12 * y}-FyOffset)"),
            Formula(f"=MIN(HorizonMonths-1,{12 * y + 11}-FyOffset)"),
            Formula(f"=SUMIF({fy},{y},{income_by_month})"),
            Formula(f"=LossLimit*MAX(0,{at('income')})"),
            brought,
            Formula(f"=SUM({use(0)}:{use(years - 1)})"),
            Formula(f"={at('brought')}-{at('used')}+MAX(0,-{at('income')})-{at('carried')}"),
            Formula(f"=TaxRate*MAX(0,{at('income')}-{at('used')})"),
            Formula(f"=SUM({pool(0)}:{pool(years - 1)})"),
            *pools,
            *uses,
        ]
        fmt = [None, None, None, None, *[USD] * (len(line) - 4)]
        ws.append_formulas(line, [book.style(f) for f in fmt])
