"""The calculation sheets (grey tabs): PowerPrices, CalcRows, and CalcDiscounted.

PowerPrices runs months across: each contract's index path and price paid, each site's
price. CalcRows derives each fleet row's inputs. CalcDiscounted runs months down: the
fleet's and each site's discounted free cash flow. The per-row grids are in grids.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.engine.tax_depreciation import BONUS_FROM_CODE
from planner.io.workbook.book import (
    BOLD,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FONT,
    WRAP,
    Book,
    Shape,
    cell,
    header,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.columns import (
    CALC_ROWS,
    CONTRACTS,
    COUNT,
    DECIMAL,
    DISCOUNTED,
    DISCOUNTED_FIRST_ROW,
    FIRST_MONTH_COLUMN,
    FLEET,
    KWH,
    MODELS,
    MONTH,
    MONTHLY,
    MONTHLY_BY_SITE,
    MONTHLY_FIRST_ROW,
    PERCENT,
    SITE_MONTHLY_FIRST_ROW,
    SITES,
    T_ROW,
    TABLE_FIRST_ROW,
    USD,
    USD_CENTS,
    column_letter,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import START_PREMIUM, Formula, exact_match, month_index
from planner.io.workbook.tax import deducted_before

NO_RETIRE = 1_000_000
INDEX_PATH_FIRST_ROW = 6  # PowerPrices: the contracts' index paths


def write_power_prices(book: Book, data: ExportData) -> None:
    shape = data.shape
    ws = book.sheet(
        "PowerPrices",
        shape.site_price_row(shape.sites) - 1,
        FIRST_MONTH_COLUMN + shape.months - 1,
        calc=True,
    )
    widths(ws, (24, 10))
    ws.freeze_panes = "C4"
    book.month_rows(
        ws, "Power prices (USD/kWh)", "Blue: index paths (inputs). Black: the price paid."
    )
    ws.append([])
    ws.append([text_cell(ws, "Index path (USD/kWh, input)", font=BOLD)])
    for i, contract in enumerate(data.project.contracts):
        path = contract.index_path_usd_per_kwh if contract.type == "index" else []
        ws.append_formulas(
            [*_contract_labels(TABLE_FIRST_ROW + i), *path[: shape.months]]
            + [None] * (shape.months - len(path)),
            [0, 0, *[book.style(KWH, font=INPUT_FONT)] * shape.months],
        )
    if not shape.contracts:
        ws.append([])
    ws.append([])
    ws.append([text_cell(ws, "Price paid before cooling overhead (USD/kWh)", font=BOLD)])
    kwh = book.style(KWH)
    for i in range(shape.contracts):
        ws.append_formulas(_contract_prices(shape, i), [0, 0, *[kwh] * shape.months])
    if not shape.contracts:
        ws.append([])
    ws.append([])
    heading = "Site power price (USD/kWh): the price of the site's contract"
    ws.append([text_cell(ws, heading, font=BOLD)])
    price0 = INDEX_PATH_FIRST_ROW + max(shape.contracts, 1) + 2
    price_last = price0 + max(shape.contracts, 1) - 1
    for s in range(shape.sites):
        srow = TABLE_FIRST_ROW + s
        contract_no = SITES.ref("contract_no", srow)
        ws.append_formulas(
            [
                Formula(f"=Sites!{SITES['name']}{srow}"),
                Formula(f"=Sites!{SITES['contract']}{srow}"),
            ]
            + [
                Formula(f"=INDEX({col}${price0}:{col}${price_last},{contract_no})")
                for col in shape.month_cols
            ],
            [0, 0, *[kwh] * shape.months],
        )
    assert shape.site_price_row(0) == price_last + 3


def _contract_labels(crow: int) -> list[Formula | float | None]:
    return [
        Formula(f"=Contracts!{CONTRACTS['name']}{crow}"),
        Formula(f"=Contracts!{CONTRACTS['type']}{crow}"),
    ]


def _contract_prices(shape: Shape, i: int) -> list[Formula | float | None]:
    """Contract i's price paid in each month: the stepped fixed price, or the index path
    (continued from its last value) plus the adder."""
    crow = TABLE_FIRST_ROW + i
    prow = INDEX_PATH_FIRST_ROW + i
    m0, mL = shape.first_month_col, shape.last_month_col
    length = f"COUNT(${m0}{prow}:${mL}{prow})"

    def c(key: str) -> str:
        return CONTRACTS.ref(key, crow)

    def years(t: str) -> str:
        """Whole years since the contract's start month (the scenario's when empty)."""
        start = c("start_month")
        return f'MAX(0,INT(({t}-IF({start}="",0,{month_index(start)}))/12))'

    cells = _contract_labels(crow)
    for col in shape.month_cols:
        t = f"{col}${T_ROW}"
        stepped = f"{c('price_usd_per_kwh')}*(1+{c('escalator_per_year')})^{years(t)}"
        path = f"${m0}{prow}:${mL}{prow}"
        # After the path: its last 12 months repeat, or (hold, or under a year) its last.
        after = (
            f'IF(OR({c("index_after_path")}="hold",{length}<12),INDEX({path},{length}),'
            f"INDEX({path},{length}-12+MOD({t}-{length},12)+1))"
        )
        formula = Formula(
            f'=IF({c("type")}="index",IF({length}=0,{stepped},'
            f"IF({t}<{length},{col}{prow},{after}))"
            f"+{c('adder_usd_per_kwh')},{stepped})"
        )
        cells.append(formula)
    return cells


def write_calc_rows(book: Book, data: ExportData) -> None:
    shape = data.shape
    ws = book.sheet("CalcRows", 3 + shape.rows, len(CALC_ROWS), calc=True)
    ws.freeze_panes = "B4"
    widths(ws, [26, 18] + [13] * (len(CALC_ROWS) - 2))
    note = f"Month # counts from the start month (0). Retire {NO_RETIRE:,}: never."
    ws.append([*title(ws, "Fleet rows: derived inputs"), text_cell(ws, note)])
    ws.append([])
    ws.append(header(ws, CALC_ROWS.headers))
    styles: list[int] = []  # a column's style is every row's: made from the first
    for r in range(shape.rows):
        formulas = _calc_row(shape, TABLE_FIRST_ROW + r)
        styles = styles or [book.style(fmt) for _f, fmt in formulas]
        ws.append_formulas([f for f, _fmt in formulas], styles)


def _calc_row(shape: Shape, f: int) -> list[tuple[Formula, str | None]]:
    """The derived inputs of the fleet row on row `f`, in CALC_ROWS order."""
    slast = shape.table_last(shape.sites)
    mlast = shape.table_last(shape.models)

    def site(key: str) -> str:
        return f"INDEX({SITES.span(key, TABLE_FIRST_ROW, slast)},{at('site_no')})"

    def model(key: str) -> str:
        return f"INDEX({MODELS.span(key, TABLE_FIRST_ROW, mlast)},{at('model_no')})"

    def at(key: str) -> str:
        return f"{CALC_ROWS[key]}{f}"

    def fleet(key: str) -> str:
        return f"Fleet!{FLEET[key]}{f}"

    site_names = SITES.span("name", TABLE_FIRST_ROW, slast)
    model_names = MODELS.span("name", TABLE_FIRST_ROW, mlast)
    count, online, retire, purchase = at("count"), at("online_t"), at("retire_t"), at("purchase_t")
    online_month, retire_month = fleet("online_month"), fleet("retire_month")
    return [
        (Formula(f"={fleet('name')}"), None),
        (Formula(f"={fleet('site')}"), None),
        (Formula(f"={exact_match(fleet('site'), site_names)}"), None),
        (Formula(f"={model('hashrate_th')}"), DECIMAL),
        (Formula(f"={model('power_w')}"), COUNT),
        (Formula(f"={fleet('count')}"), COUNT),
        (Formula(f"={site('effective_overhead')}"), "0.000"),
        (Formula(f"={site('uptime')}*(1-{site('curtailment_share')})"), "0.0000%"),
        (Formula(f"={count}*{at('power_w')}/1000*{at('overhead')}"), DECIMAL),
        (Formula(f"={count}*{at('hashrate_th')}"), DECIMAL),
        (Formula(f"={fleet('degradation_per_year')}"), PERCENT),
        (Formula(f"={month_index(fleet('purchase_month'))}"), None),
        (Formula(f'=IF({online_month}="",{purchase},{month_index(online_month)})'), None),
        (Formula(f'=IF({retire_month}="",{NO_RETIRE},{month_index(retire_month)})'), None),
        (Formula(f"=IF(AND({purchase}>=0,{purchase}<HorizonMonths),{purchase},-1)"), None),
        (
            Formula(
                f"={count}*({fleet('unit_price_usd')}*(1+{fleet('import_tariff')}"
                f"+{fleet('sales_tax')})+{fleet('shipping_usd_per_unit')}"
                f"+{fleet('installation_usd_per_unit')})"
            ),
            USD,
        ),
        (Formula(f"={at('capex_usd')}/DepreciationMonths"), USD_CENTS),
        (Formula(f"=MIN({online}+DepreciationMonths,{retire})"), DECIMAL),
        (
            Formula(
                f"={at('load_kw')}*{site('uptime')}*{site('curtailment_share')}"
                f"*{site('curtailment_credit')}/1000"
            ),
            USD_CENTS,
        ),
        (Formula(f"={count}*{site('maintenance_usd_per_rig_month')}"), USD_CENTS),
        (
            Formula(
                f"=IF(AND({retire}>=0,{retire}<HorizonMonths,{retire}>{online}),{retire},"
                f"IF(AND({retire}>=HorizonMonths,{purchase}<=HorizonMonths-1),HorizonMonths-1,-1))"
            ),
            None,
        ),
        (
            Formula(
                f"=IF({retire}<HorizonMonths,{count}*{fleet('resale_usd_per_unit')},"
                f"{count}*{fleet('terminal_value_usd_per_unit')})"
            ),
            USD,
        ),
        (Formula(f"={exact_match(fleet('model'), model_names)}"), None),
        *_tax_columns(at),
        (
            Formula(
                f'=IF({fleet("order_month")}="",{at("capex_t")},'
                f"IF(AND({month_index(fleet('order_month'))}>=0,"
                f"{month_index(fleet('order_month'))}<HorizonMonths),"
                f"{month_index(fleet('order_month'))},-1))"
            ),
            None,
        ),
        (Formula(f"={at('capex_usd')}*{fleet('deposit_share')}"), USD),
    ]


def _tax_columns(at: Callable[[str], str]) -> list[tuple[Formula, str | None]]:
    """A fleet row's bonus share, where its tax depreciation starts, and its disposal:
    month, tax basis left, taxable and book gain (CALC_ROWS from "bonus")."""
    online, capex, bonus = at("online_t"), at("capex_usd"), at("bonus")
    retire, resale_t = at("retire_t"), at("resale_t")
    # Deductions stop at a retirement; at the horizon they run through its last month.
    disposed_at = f"IF({retire}<HorizonMonths,{retire},HorizonMonths)"
    share = deducted_before(
        "RigTaxRates",
        "RigTaxBefore",
        online,
        at("fy_online"),
        bonus,
        at("first_year_months"),
        disposed_at,
    )
    book_used = f"MIN(1,MAX(0,({disposed_at}-{online})/DepreciationMonths))"
    disposal = at("disposal_t")
    return [
        (
            Formula(
                f'=IF(BonusShare="",IF(YEAR(StartMonth)*12+MONTH(StartMonth)+{online}'
                f">={BONUS_FROM_CODE},1,0),BonusShare)"
            ),
            PERCENT,
        ),
        (Formula(f"=INT(({online}+FyOffset)/12)"), None),
        (Formula(f"=12-MOD({online}+FyOffset,12)"), None),
        (
            Formula(
                f"=IF({resale_t}<0,-1,IF(OR({retire}<HorizonMonths,TerminalValueTaxed),"
                f"{resale_t},-1))"
            ),
            None,
        ),
        (Formula(f"={capex}*(1-{share})"), USD),
        (Formula(f"=IF({disposal}<0,0,{at('resale_usd')}-{at('basis_left_usd')})"), USD),
        (Formula(f"=IF({disposal}<0,0,{at('resale_usd')}-{capex}*(1-{book_used}))"), USD),
    ]


def write_calc_discounted(book: Book, data: ExportData) -> None:
    """For the fleet and each site, month by month: the FCF discounted to the start and
    its running total, the cumulative cash at the month's start after its capex (plain and
    discounted), and the flow at each month boundary; the Summary's NPV, IRR and paybacks
    read them. Months run down, with one more row for the horizon's end."""
    shape = data.shape
    first = DISCOUNTED_FIRST_ROW
    entities = 1 + shape.sites
    ws = book.sheet(
        "CalcDiscounted",
        first + shape.months,
        len(DISCOUNTED) + DISCOUNTED_PER * entities,
        calc=True,
    )
    ws.freeze_panes = f"D{first}"
    widths(ws, (10, 11, 12, *(16,) * (DISCOUNTED_PER * entities)))
    ws.append(
        title(
            ws,
            "Discounted free cash flow: a month's flow x 1/(1+DiscountRate)^((month #+1)/12), "
            "as in NPV, its capex from the month's start (x (1+DiscountRate)^(1/12) more); the "
            "flows at month boundaries (capex at its month's start, the rest at its end) "
            "are what the IRR solves",
        )
    )
    ws.append(_discounted_header(ws, shape))
    for t in range(shape.months + 1):
        ws.append(_discounted_month(ws, shape, t))


# Per flow (the fleet, then each site): these columns on CalcDiscounted.
DISCOUNTED_LABELS = (
    "discounted FCF (USD)",
    "cumulative (USD)",
    "cash at the month's start, after its capex (USD)",
    "discounted, at the month's start (USD)",
    "flow at the month's start boundary (USD)",
)
DISCOUNTED_PER = len(DISCOUNTED_LABELS)


def _discounted_header(ws: WriteOnlyWorksheet, shape: Shape) -> list[WriteOnlyCell]:
    labels: list[WriteOnlyCell] = header(
        ws, (*DISCOUNTED.headers, *(f"Fleet: {what}" for what in DISCOUNTED_LABELS))
    )
    for s in range(shape.sites):
        site = SITES.ref("name", TABLE_FIRST_ROW + s)
        for what in DISCOUNTED_LABELS:
            labels.append(
                cell(
                    ws,
                    Formula(f'={site}&": {what}"'),
                    font=HEADER_FONT,
                    fill=HEADER_FILL,
                    alignment=WRAP,
                )
            )
    return labels


def discounted_columns(n: int) -> dict[str, str]:
    """CalcDiscounted's columns of flow `n` (0: the fleet, then each site): "fcf" (the
    discounted FCF), "cum" (its running total), "start" (cumulative cash at the month's
    start after its capex), "d_start" (the same discounted), "boundary" (the flows at
    month boundaries, one row more)."""
    first = len(DISCOUNTED) + 1 + DISCOUNTED_PER * n
    keys = ("fcf", "cum", "start", "d_start", "boundary")
    return {key: column_letter(first + i) for i, key in enumerate(keys)}


def _discounted_sources(shape: Shape) -> list[tuple[str, str, str]]:
    """(sheet!FCF column, capex column, cumulative FCF column) of each flow: the fleet on
    Monthly, each site on Monthly by site (a block of months per site)."""
    m, b = MONTHLY, MONTHLY_BY_SITE
    return [
        (f"Monthly!{m['fcf']}", f"Monthly!{m['capex']}", f"Monthly!{m['cum_fcf']}"),
        *(
            (f"{b.sheet}!{b['fcf']}", f"{b.sheet}!{b['capex']}", f"{b.sheet}!{b['cum_fcf']}")
            for _s in range(shape.sites)
        ),
    ]


def _discounted_month(ws: WriteOnlyWorksheet, shape: Shape, t: int) -> list[Any]:
    """Row of month # t (t = the horizon's months: only the last boundary's flows)."""
    r = DISCOUNTED_FIRST_ROW + t
    d = DISCOUNTED
    end = t == shape.months
    cells: list[Any] = [t]
    if end:
        cells += [None, None]
    else:
        cells += [
            cell(ws, Formula(f"=Monthly!{MONTHLY['month']}{t + MONTHLY_FIRST_ROW}"), MONTH),
            cell(ws, Formula(f"=1/(1+DiscountRate)^(({d['t']}{r}+1)/12)"), "0.000000"),
        ]
    firsts = [MONTHLY_FIRST_ROW] + [
        SITE_MONTHLY_FIRST_ROW + s * shape.months for s in range(shape.sites)
    ]
    factor = f"${d['factor']}{r}"
    for n, (first_row, (fcf, capex, cum)) in enumerate(
        zip(firsts, _discounted_sources(shape), strict=True)
    ):
        col = discounted_columns(n)
        here, before = first_row + t, first_row + t - 1
        previous_end = f"{fcf}{before}+{capex}{before}" if t else "0"
        if end:
            cells += [None] * (DISCOUNTED_PER - 1)
            cells.append(cell(ws, Formula(f"={previous_end}"), USD))
            continue
        discounted = f"={fcf}{here}*{factor}-{capex}{here}*{factor}*{START_PREMIUM}"
        running = f"={col['fcf']}{r}" if t == 0 else f"={col['cum']}{r - 1}+{col['fcf']}{r}"
        start = f"={cum}{before}-{capex}{here}" if t else f"=-{capex}{here}"
        d_before = f"{col['cum']}{r - 1}" if t else "0"
        d_start = f"={d_before}-{capex}{here}*{factor}*(1+{START_PREMIUM})"
        cells += [
            cell(ws, Formula(discounted), USD),
            cell(ws, Formula(running), USD),
            cell(ws, Formula(start), USD),
            cell(ws, Formula(d_start), USD),
            cell(ws, Formula(f"={previous_end}-{capex}{here}"), USD),
        ]
    return cells
