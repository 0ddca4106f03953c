"""The Rows sheet: per fleet row totals, NPV, IRR, payback and breakevens, from CalcRows
and the grids (at a site on the Hourly power sheet, with its uptime shares and prices)."""

from __future__ import annotations

from planner.io.workbook.book import (
    CALC_FILL,
    Book,
    Shape,
    header,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.columns import (
    BTC,
    BTC_PER_TH_ROW,
    CALC_ROWS,
    COUNT,
    DAYS_ROW,
    DECIMAL,
    FLEET,
    GRID_FIRST_ROW,
    HOURS_ROW,
    KWH,
    PERCENT,
    PRICE_ROW,
    ROWS,
    T_ROW,
    TABLE_FIRST_ROW,
    USD,
    USD_CENTS,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import (
    Formula,
    StartLevels,
    annual_irr,
    capex_paid_pv,
    monthly_irr,
    npv,
    payback_cells,
    straight_line,
)
from planner.io.workbook.hourly_values import HourlyLayout
from planner.io.workbook.marginal import marginal_ref

ROWS_WIDTHS = (28, 20, 18, 9, 15, 12, 15, 15, 13, 14, 13, 13, 15, 15, 10, 10, 11, 10, 13, 13, 13)


def write_rows(book: Book, data: ExportData) -> None:
    shape = data.shape
    ws = book.sheet("Rows", 3 + shape.rows, len(ROWS))
    helpers = 4  # the calc: columns at the end
    widths(ws, (*ROWS_WIDTHS, *(15,) * (len(ROWS) - len(ROWS_WIDTHS) - helpers), *(10,) * helpers))
    ws.freeze_panes = "B4"
    heading = "Fleet rows: totals, NPV, IRR, payback and breakevens"
    note = "Breakevens are in the row's first online month, at full availability."
    ws.append([*title(ws, heading), text_cell(ws, note)])
    ws.append([])
    ws.append(header(ws, ROWS.headers))
    row_irr = data.results.row_irr_annual.tolist()
    styles: list[int] = []  # a column's style is every row's: made from the first
    for r in range(shape.rows):
        formulas = _row_formulas(shape, r, row_irr[r], data.hourly)
        styles = styles or [book.style(fmt, **style) for _formula, fmt, style in formulas]
        ws.append_formulas([formula for formula, _fmt, _style in formulas], styles)


# (formula or value, number format, style) of one cell.
Cell = tuple[object, str | None, dict[str, object]]


class _FleetRow:
    """The formulas of fleet row `r` on the Rows sheet, from CalcRows and the grids."""

    def __init__(self, shape: Shape, r: int, hourly: HourlyLayout | None = None) -> None:
        self.shape, self.r = shape, r
        # A row at a site listed on the Hourly power sheet: its figures read it.
        self.hourly = hourly if hourly is not None and hourly.row_listed(r) else None
        self.w = self.f = TABLE_FIRST_ROW + r
        k = GRID_FIRST_ROW + r
        m0, mL = shape.first_month_col, shape.last_month_col
        self.run = f"CalcRunning!{m0}{k}:{mL}{k}"
        self.fcf = f"CalcFCF!{m0}{k}:{mL}{k}"
        self.cum = f"CalcCumFCF!{m0}{k}:{mL}{k}"
        self.boundary = f"CalcIRRFlows!{m0}{k}:{shape.month_col(shape.months)}{k}"
        self.t_row = shape.across("CalcRunning", T_ROW)
        self.hours_row = shape.across("CalcRunning", HOURS_ROW)
        self.days_row = shape.across("CalcRunning", DAYS_ROW)
        self.btc_th_row = shape.across("CalcRunning", BTC_PER_TH_ROW)
        self.price_row = shape.across("CalcRunning", PRICE_ROW)
        self.decay = f"(1-{self.c('degradation')})^(({self.t_row}-{self.c('online_t')})/12)"
        self.online = f"({self.t_row}>={self.c('online_t')})*({self.t_row}<{self.c('retire_t')})"

    def c(self, key: str) -> str:
        return CALC_ROWS.ref(key, self.f)

    def at(self, key: str) -> str:
        return f"{ROWS[key]}{self.w}"

    def totals(self) -> list[Cell]:
        """Fleet row to free cash flow."""
        c, run = self.c, self.run
        btc, power, opex = self.at("btc_mined"), self.at("power"), self.at("opex")
        cash = f"({power}+{opex})"
        all_in = f"({power}+{opex}+{self.at('depreciation')})"
        depreciation = straight_line(
            c("depreciation_usd"), c("online_t"), c("depreciation_end"), self.t_row
        )
        share = ""
        power = (
            f"={c('load_kw')}*{c('availability')}*SUMPRODUCT({run},{self.hours_row},"
            f"INDEX({self.shape.site_prices},{c('site_no')},0))"
        )
        if self.hourly is not None:
            share = f",{self.hourly.row_months('uptime', self.r)}"
            power = self.hourly_power()
        return [
            *(
                (Formula(f"=Fleet!{FLEET[key]}{self.f}"), None, {})
                for key in ("name", "model", "site")
            ),
            (Formula(f"=Fleet!{FLEET['count']}{self.f}"), COUNT, {}),
            (
                Formula(
                    f"=IF({c('capex_t')}>=0,{c('capex_usd')}-{c('deposit_usd')},0)"
                    f"+IF({c('deposit_t')}>=0,{c('deposit_usd')},0)"
                ),
                USD,
                {},
            ),
            (
                Formula(
                    f"={c('hashrate_online_th')}*SUMPRODUCT({run},{self.btc_th_row},{self.decay}"
                    f"{share})*{c('availability')}"
                ),
                BTC,
                {},
            ),
            (
                Formula(
                    f"={c('hashrate_online_th')}*{c('availability')}"
                    f"*SUMPRODUCT({run},{self.btc_th_row},{self.price_row},{self.decay}{share})"
                ),
                USD,
                {},
            ),
            (Formula(power), USD, {}),
            (Formula(f"={c('maintenance_usd')}*SUMPRODUCT({self.online})"), USD, {}),
            (Formula(f"=SUMPRODUCT({depreciation})"), USD, {}),
            (Formula(f'=IF({btc}>0,{cash}/{btc},"")'), USD_CENTS, {}),
            (Formula(f'=IF({btc}>0,{all_in}/{btc},"")'), USD_CENTS, {}),
            (Formula(f"=SUM({self.fcf})"), USD, {}),
        ]

    def hourly_power(self) -> str:
        """The row's power cost over the horizon where its site is listed on the Hourly
        power sheet: the energy drawn at its effective price each month; where a fixed
        contract resells, the fixed price on the whole block in the months on the curve
        while online, on the energy drawn in the others."""
        assert self.hourly is not None
        c, run, r = self.c, self.run, self.r
        share = self.hourly.row_months("uptime", r)
        energy = f"{c('load_kw')}*{c('availability')}"
        if not self.hourly.row_resale(r):
            price = self.hourly.row_months("price", r)
            return f"={energy}*SUMPRODUCT({run},{self.hours_row},{share},{price})"
        curve = self.hourly.site_months("curve", int(self.hourly.row_site[r]))
        paid = f"{curve}*{self.online}+(1-{curve})*{run}*{share}"
        prices = f"INDEX({self.shape.site_prices},{c('site_no')},0)"
        return f"={energy}*SUMPRODUCT({self.hours_row},{prices},{paid})"

    def returns(self, irr: float) -> tuple[list[Cell], list[Cell]]:
        """NPV, IRR, payback (its helper cells last, grey)."""
        neg, back, at, months, status = payback_cells(
            self.t_row,
            self.cum,
            (self.at("neg"), self.at("back"), self.at("at")),
            start=self.start(),
        )
        c = self.c
        rest = f"({c('capex_usd')}-{c('deposit_usd')})"
        capex_pv = (
            f"({capex_paid_pv(c('capex_t'), rest)}"
            f"+{capex_paid_pv(c('deposit_t'), c('deposit_usd'))})"
        )
        grey = {"fill": CALC_FILL}
        return [
            (npv(self.fcf, capex_pv), USD, {}),
            (annual_irr(self.at("irr_monthly"), self.at("status")), PERCENT, {}),
            (months, DECIMAL, {}),
            (status, None, {}),
        ], [
            (neg, None, grey),
            (back, None, grey),
            (at, DECIMAL, grey),
            (monthly_irr(self.boundary, irr), "0.0000%", grey),
        ]

    def start(self) -> StartLevels:
        """The row's cumulative cash at each month's start after its capex: zero before its
        first payment in the horizon (the deposit or the rest), so that month is the first
        whose start is below zero."""
        c = self.c
        rest = f"({c('capex_usd')}-{c('deposit_usd')})"
        pays_rest = f"AND({c('capex_t')}>=0,{rest}>0)"
        pays_deposit = f"AND({c('deposit_t')}>=0,{c('deposit_usd')}>0)"
        first = (
            f"IF({pays_deposit},IF({pays_rest},MIN({c('deposit_t')},{c('capex_t')}),"
            f"{c('deposit_t')}),IF({pays_rest},{c('capex_t')},-1))"
        )

        def level(t: str) -> str:
            paid = f"(({t}={c('capex_t')})*{rest}+({t}={c('deposit_t')})*{c('deposit_usd')})"
            return f"(IF({t}=0,0,INDEX({self.cum},{t}))-{paid})"

        return StartLevels(first, level)

    def breakevens(self) -> list[Cell]:
        """First online month, the breakeven BTC price, hashprice and power price there,
        the same three in the first month after the next halving, and the months shut
        down."""
        c, first_t = self.c, self.at("first_online")
        first = f"MAX({c('online_t')},0)"
        after = "AfterHalvingMonth"
        online_after = f"AND({after}>=0,{c('online_t')}<={after},{after}<{c('retire_t')})"
        return [
            (Formula(f'=IF({first}<MIN({c("retire_t")},HorizonMonths),{first},"")'), None, {}),
            *self._breakevens_in(first_t, f'{first_t}=""'),
            *self._breakevens_in(after, f"NOT({online_after})"),
            (Formula(f"=SUMPRODUCT({self.online})-SUM({self.run})"), None, {}),
        ]

    def _breakevens_in(self, month: str, offline: str) -> list[Cell]:
        """The breakeven BTC price, hashprice and power price in month # `month` (blank
        where `offline`), at full availability."""
        c = self.c
        in_month = f"{month}+1"
        hash_th = f"{c('hashrate_online_th')}*(1-{c('degradation')})^(({month}-{c('online_t')})/12)"
        days = f"INDEX({self.days_row},{in_month})"
        power_per_day = (
            f"{c('load_kw')}*(INDEX({self.shape.site_prices},{c('site_no')},{in_month})"
            f"*INDEX({self.hours_row},{in_month}))/{days}"
        )
        btc_per_day = f"{hash_th}*INDEX({self.btc_th_row},{in_month})/{days}"
        none = f'=IF({offline},"",'
        return [
            (
                Formula(f'{none}IF({btc_per_day}>0,{power_per_day}/({btc_per_day}),""))'),
                USD_CENTS,
                {},
            ),
            (
                Formula(f'{none}IF({hash_th}>0,{power_per_day}/({hash_th}/1000*(1-PoolFee)),""))'),
                USD_CENTS,
                {},
            ),
            (
                Formula(
                    f"{none}IF({c('load_kw')}>0,{btc_per_day}*INDEX({self.price_row},{in_month})"
                    f'/({c("load_kw")}*24),""))'
                ),
                KWH,
                {},
            ),
        ]


def _row_formulas(shape: Shape, r: int, irr: float, hourly: HourlyLayout | None) -> list[Cell]:
    row = _FleetRow(shape, r, hourly)
    returns, helpers = row.returns(irr)
    marginal: Cell = (Formula(f"={marginal_ref(r)}"), USD, {})
    return [*row.totals(), *returns, *row.breakevens(), marginal, *helpers]
