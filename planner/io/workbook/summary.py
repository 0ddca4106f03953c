"""The Summary sheet: the fleet's and each site's NPV, IRR, payback, ROI and costs, and
native charts of monthly and cumulative free cash flow."""

from __future__ import annotations

import math
from dataclasses import dataclass

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.workbook.book import (
    BOLD,
    CALC_FILL,
    Book,
    Shape,
    cell,
    header,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.calc import discounted_columns
from planner.io.workbook.columns import (
    BTC,
    COUNT,
    DECIMAL,
    DISCOUNTED,
    DISCOUNTED_FIRST_ROW,
    MONTH,
    MONTHLY,
    MONTHLY_BY_SITE,
    MONTHLY_FIRST_ROW,
    PERCENT,
    ROWS,
    SITE_MONTHLY_FIRST_ROW,
    SITES,
    SUMMARY,
    SUMMARY_FIRST_ROW,
    T_ROW,
    TABLE_FIRST_ROW,
    USD,
    USD_CENTS,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import (
    START_PREMIUM,
    Formula,
    StartLevels,
    annual_irr,
    monthly_irr,
    npv,
    payback_cells,
    pv,
)
from planner.io.workbook.hourly_values import HourlyLayout
from planner.io.workbook.printing import add_row_breaks, chart_breaks

SUMMED = ("btc_mined", "revenue", "credit", "power", "opex", "capex", "depreciation")


@dataclass(frozen=True)
class _Flows:
    """The monthly flows of one Summary line (the fleet or a site) on other sheets."""

    label: str
    fcf: str  # free cash flow by month
    capex: str  # the capex in it, paid at each month's start
    cum: str  # its running total
    key: str  # the months: dates (the fleet's) or month numbers (a site's)
    dates: bool
    sums: dict[str, str]  # SUM(...) of BTC mined, revenue, credit, power, opex, capex, depreciation
    irr: float  # the planner's annual IRR, Excel's starting guess


def _fleet_flows(shape: Shape, irr: float | None) -> _Flows:
    a, b = MONTHLY_FIRST_ROW, shape.monthly_last
    return _Flows(
        label="Fleet",
        fcf=MONTHLY.span("fcf", a, b),
        capex=MONTHLY.span("capex", a, b),
        cum=MONTHLY.span("cum_fcf", a, b),
        key=MONTHLY.span("month", a, b),
        dates=True,
        sums={
            **{key: f"SUM({MONTHLY.span(key, a, b)})" for key in SUMMED},
            "g_and_a": f"SUM({MONTHLY.span('g_and_a', a, b)})",
        },
        irr=math.nan if irr is None else irr,
    )


def _site_flows(shape: Shape, s: int, irr: float) -> _Flows:
    m = MONTHLY_BY_SITE
    a = SITE_MONTHLY_FIRST_ROW + s * shape.months
    b = a + shape.months - 1
    return _Flows(
        label=Formula(f"=Sites!{SITES['name']}{TABLE_FIRST_ROW + s}"),
        fcf=m.span("fcf", a, b),
        capex=m.span("capex", a, b),
        cum=m.span("cum_fcf", a, b),
        key=m.span("t", a, b),
        dates=False,
        sums={**{key: f"SUM({m.span(key, a, b)})" for key in SUMMED}, "g_and_a": "0"},
        irr=irr,
    )


def _line(ws: WriteOnlyWorksheet, shape: Shape, n: int, flows: _Flows) -> list[object]:
    """The cells of Summary line n (0: the fleet)."""
    row = SUMMARY_FIRST_ROW + n

    def at(key: str) -> str:
        return f"{SUMMARY[key]}{row}"

    first, end = DISCOUNTED_FIRST_ROW, DISCOUNTED_FIRST_ROW + shape.months - 1
    col = discounted_columns(n)  # the fleet's columns first, then each site's

    def discounted(key: str, last: int = end) -> str:
        return f"CalcDiscounted!${col[key]}${first}:${col[key]}${last}"

    t_range = DISCOUNTED.span("t", first, end)
    neg, back, at_month, months, status = payback_cells(
        flows.key,
        flows.cum,
        (at("neg"), at("back"), at("at")),
        flows.dates,
        StartLevels.of_range(t_range, discounted("start")),
    )
    d_neg, d_back, d_at, d_months, d_status = payback_cells(
        t_range,
        discounted("cum"),
        (at("d_neg"), at("d_back"), at("d_at")),
        start=StartLevels.of_range(t_range, discounted("d_start")),
    )
    boundary = discounted("boundary", end + 1)  # the IRR's flows: one more boundary
    sums, btc = flows.sums, at("btc_mined")
    cash = f"({sums['power']}+{sums['opex']})"
    all_in = f"({sums['power']}+{sums['opex']}+{sums['depreciation']}+{sums['g_and_a']})"
    grey = CALC_FILL
    return [
        cell(ws, flows.label, font=BOLD),
        cell(ws, npv(flows.fcf, pv(flows.capex)), USD),
        cell(ws, annual_irr(at("irr_monthly"), at("status")), PERCENT),
        cell(ws, months, DECIMAL),
        cell(ws, status),
        cell(ws, Formula(f'=IF({at("capex")}>0,{at("fcf")}/{at("capex")},"")'), PERCENT),
        cell(ws, Formula(f"={sums['btc_mined']}"), BTC),
        cell(ws, Formula(f"={sums['revenue']}"), USD),
        cell(ws, Formula(f"={sums['capex']}"), USD),
        cell(ws, Formula(f"=SUM({flows.fcf})"), USD),
        cell(ws, Formula(f'=IF({btc}>0,{cash}/{btc},"")'), USD_CENTS),
        cell(ws, Formula(f'=IF({btc}>0,{all_in}/{btc},"")'), USD_CENTS),
        cell(ws, d_months, DECIMAL),
        cell(ws, d_status),
        # As public miners report it: cash cost net of curtailment credits, and power only.
        cell(ws, Formula(f'=IF({btc}>0,({cash}-{sums["credit"]})/{btc},"")'), USD_CENTS),
        cell(ws, Formula(f'=IF({btc}>0,{sums["power"]}/{btc},"")'), USD_CENTS),
        cell(ws, neg, fill=grey),
        cell(ws, back, fill=grey),
        cell(ws, at_month, DECIMAL, fill=grey),
        cell(ws, monthly_irr(boundary, flows.irr), "0.0000%", fill=grey),
        cell(ws, d_neg, fill=grey),
        cell(ws, d_back, fill=grey),
        cell(ws, d_at, DECIMAL, fill=grey),
    ]


def _heading_rows(ws: WriteOnlyWorksheet, shape: Shape) -> None:
    """Rows 1-6: title, project and scenario, horizon, next halving, the header."""
    ws.append(title(ws, "Plan summary"))
    rows = (
        ("Project", Formula("=ProjectName"), None, "Scenario", Formula("=ScenarioName"), None),
        ("Horizon", Formula("=StartMonth"), MONTH, "Months", Formula("=HorizonMonths"), None),
        (
            "Next halving",
            Formula("=NextHalvingHeight"),
            COUNT,
            "Discount rate",
            Formula("=DiscountRate"),
            PERCENT,
        ),
    )
    end = Formula(f"=EDATE(StartMonth,{shape.months - 1})")
    thirds = (None, cell(ws, end, MONTH), cell(ws, Formula("=NextHalvingDate"), "yyyy-mm-dd"))
    for n, (label, value, fmt, label2, value2, fmt2) in enumerate(rows):
        ws.append(
            [
                text_cell(ws, label),
                cell(ws, value, fmt),
                thirds[n],
                text_cell(ws, label2),
                cell(ws, value2, fmt2),
            ]
        )
    ws.append([])
    ws.append(header(ws, SUMMARY.headers))


def write_summary(book: Book, ws: WriteOnlyWorksheet, data: ExportData) -> None:
    shape = data.shape
    widths(ws, (40, 16, 11, 11, 11, 9, 13, 16, 16, 16, 14, 14, 14, 12, 14, 14, *(18,) * 7))
    ws.freeze_panes = "B7"
    ws.print_columns = SUMMARY.keys.index("neg")  # printed without its grey helper columns
    _heading_rows(ws, shape)
    lines = [_fleet_flows(shape, data.results.fleet_irr_annual)] + [
        _site_flows(shape, s, float(data.results.site_irr_annual[s])) for s in range(shape.sites)
    ]
    for n, flows in enumerate(lines):
        ws.append(_line(ws, shape, n, flows))
    _charts(book, ws, SUMMARY_FIRST_ROW + len(lines) + 2)
    for _ in range(BRIDGE_GAP_ROWS):  # the charts stand here
        ws.append([])
    _bridge(ws, shape, data.hourly)


# Below the table: the charts (two of CHART_ROWS rows), then the bridge.
CHART_ROWS = 17
BRIDGE_GAP_ROWS = 2 + 2 * CHART_ROWS
BRIDGE_SITE_ITEMS = 5  # demand, take-or-pay, profit share, fixed opex, infrastructure


def summary_rows(shape: Shape, hourly: HourlyLayout | None = None) -> int:
    """The rows the Summary sheet fills: the table, the charts' space, the bridge."""
    table_last = SUMMARY_FIRST_ROW + shape.sites
    items = BRIDGE_SITE_ITEMS * shape.sites + _hourly_items(hourly)
    return table_last + BRIDGE_GAP_ROWS + 2 + shape.rows + items + 3


# Each site listed on the Hourly power sheet has these bridge lines more (income).
HOURLY_ITEMS = (("4CP savings", "fourcp"), ("demand-response pay", "demand_response"))


def _hourly_items(hourly: HourlyLayout | None) -> int:
    return 0 if hourly is None else len(HOURLY_ITEMS) * len(hourly.sites)


def _bridge(ws: WriteOnlyWorksheet, shape: Shape, hourly: HourlyLayout | None = None) -> None:
    """The fleet NPV from the rows' NPVs (after their shares of the tax) and what no row
    carries: each site's demand charges, fixed opex and infrastructure capex (and, at a
    site on the Hourly power sheet, its 4CP savings and demand-response pay), and
    corporate G&A, at their pre-tax values (their tax shields are in the rows' shares)."""
    first = DISCOUNTED_FIRST_ROW
    factors = DISCOUNTED.span("factor", first, first + shape.months - 1)
    note = (
        "Bridge: the rows' NPVs to the fleet's. Site items and G&A at their pre-tax value: "
        "their tax shields are in the rows' shares of the tax."
    )
    ws.append([text_cell(ws, note, font=BOLD)])
    ws.append(header(ws, ("Line", "NPV (USD)")))
    top = SUMMARY_FIRST_ROW + shape.sites + BRIDGE_GAP_ROWS + 3
    for r in range(shape.rows):
        row = TABLE_FIRST_ROW + r
        ws.append(
            [
                cell(ws, Formula(f"=Rows!A{row}")),
                cell(ws, Formula(f"=Rows!{ROWS['npv']}{row}"), USD),
            ]
        )
    for s in range(shape.sites):
        srow = TABLE_FIRST_ROW + s

        def site(key: str, srow: int = srow) -> str:
            return SITES.ref(key, srow)

        infra_t = site("infra_t")
        site_first = SITE_MONTHLY_FIRST_ROW + s * shape.months
        site_last = site_first + shape.months - 1

        def hosting(key: str, first: int = site_first, last: int = site_last) -> str:
            return f"=-SUMPRODUCT({MONTHLY_BY_SITE.span(key, first, last)},{factors})"

        items: tuple[tuple[str, str], ...] = (
            ("demand charges", f"=-{site('demand_usd')}*SUM({factors})"),
            ("take-or-pay shortfall", hosting("take_or_pay")),
            ("host's profit share", hosting("profit_share")),
            ("fixed opex", f"=-{site('fixed_opex_usd_per_month')}*SUM({factors})"),
            (
                "infrastructure capex",
                f"=IF(AND({infra_t}>=0,{infra_t}<HorizonMonths),"
                f"-{site('infra_basis_usd')}*INDEX({factors},{infra_t}+1)*(1+{START_PREMIUM}),0)",
            ),
        )
        if hourly is not None and hourly.site_listed(s):
            discount = f"(1+DiscountRate)^(-({shape.across('CalcRunning', T_ROW)}+1)/12)"
            items += tuple(
                (label, f"=SUMPRODUCT({hourly.site_months(key, s)},{discount})")
                for label, key in HOURLY_ITEMS
            )
        for label, formula in items:
            ws.append(
                [
                    cell(ws, Formula(f'={site("name")}&": {label}"')),
                    cell(ws, Formula(formula), USD),
                ]
            )
    ws.append(
        [text_cell(ws, "Corporate G&A"), cell(ws, Formula(f"=-GandA_USD*SUM({factors})"), USD)]
    )
    last = top + shape.rows + BRIDGE_SITE_ITEMS * shape.sites + _hourly_items(hourly)
    ws.append([text_cell(ws, "Total", font=BOLD), cell(ws, Formula(f"=SUM(B{top}:B{last})"), USD)])
    ws.append(
        [
            text_cell(ws, "Fleet NPV less the total (0: it reconciles)"),
            cell(ws, Formula(f"={SUMMARY['npv']}{SUMMARY_FIRST_ROW}-B{last + 1}"), USD),
        ]
    )


def _charts(book: Book, ws: WriteOnlyWorksheet, anchor: int) -> None:
    """Monthly and cumulative free cash flow, from the Monthly sheet, below the table."""
    last = book.shape.monthly_last
    monthly_ws = book.wb["Monthly"]
    categories = Reference(monthly_ws, min_col=1, min_row=MONTHLY_FIRST_ROW, max_row=last)
    charts = (
        (BarChart(), "Monthly free cash flow (USD)", MONTHLY.keys.index("fcf")),
        (LineChart(), "Cumulative free cash flow (USD)", MONTHLY.keys.index("cum_fcf")),
    )
    for n, (chart, heading, column) in enumerate(charts):
        chart.title = heading
        chart.y_axis.title = "USD"
        chart.y_axis.numFmt = "#,##0"
        chart.add_data(
            Reference(monthly_ws, min_col=column + 1, min_row=1, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(categories)
        chart.x_axis.number_format = "mmm yyyy"
        chart.x_axis.tickLblPos = "low"  # month labels below the plot, not across it
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.legend = None
        chart.height, chart.width = 8, 24  # cm: 15 rows of 15 pt, 12 columns of Summary
        ws.add_chart(chart, f"A{anchor + CHART_ROWS * n}")
    add_row_breaks(ws, chart_breaks(ws, anchor, CHART_ROWS, len(charts)))
