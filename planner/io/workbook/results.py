"""The result sheets: Monthly (fleet totals by month) and Monthly by site; the Rows sheet
is in rows_sheet.py."""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.engine.timeline import HALVING_INTERVAL_BLOCKS
from planner.io.workbook.book import (
    HALVING_FILL,
    Book,
    Shape,
    cell,
    header,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.columns import (
    BLOCKS,
    BTC,
    BTC_PER_TH_ROW,
    CALC_ROWS,
    COMPANY_TAXABLE_ROW,
    DECIMAL,
    FISCAL_YEAR_ROW,
    GRID_FIRST_ROW,
    HOURS_ROW,
    LOSS_CARRIED_ROW,
    MONTH,
    MONTHLY,
    MONTHLY_BY_SITE,
    MONTHLY_FIRST_ROW,
    SITE_MONTHLY_FIRST_ROW,
    SITES,
    TABLE_FIRST_ROW,
    TAX_SHARE_ROW,
    USD,
    USD_CENTS,
)
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import (
    Formula,
    grown,
    straight_line,
    subsidy,
)
from planner.io.workbook.hourly_values import HourlyLayout
from planner.io.workbook.tax import infra_tax_row, years_grid

# The Monthly sheet's fleet totals: each the sum of the same column of Monthly by site.
SUMMED = (
    ("btc_mined", BTC),
    ("revenue", USD),
    ("credit", USD),
    ("power", USD),
    ("opex", USD),
    ("ebitda", USD),
    ("capex", USD),
    ("depreciation", USD),
    ("tax", USD),
    ("fcf", USD),
)


def _market_cells(ws: WriteOnlyWorksheet, t: int, i: int) -> list[WriteOnlyCell]:
    """Month t's calendar and market columns (Month to Hashprice) on Monthly row i."""
    m = MONTHLY

    def at(key: str, row: int = i) -> str:
        return f"{m[key]}{row}"

    interval = HALVING_INTERVAL_BLOCKS
    blocks, height = at("blocks"), at("height")
    end = f"({height}+{blocks})"
    halving = f"INT({end}/{interval})*{interval}"
    month_subsidy = Formula(
        f"=IF(INT({end}/{interval})=INT({height}/{interval}),{blocks}*{subsidy(height)},"
        f"({halving}-{height})*{subsidy(height)}+({end}-{halving})*{subsidy(end)})"
    )
    network = grown(t, "NetworkHashrate_EHs", "NetworkGrowth", "NetworkPath", "NetworkPathLen")
    price = grown(t, "BtcPrice_USD", "BtcPriceGrowth", "BtcPricePath", "BtcPricePathLen")
    previous_height = f"={at('height', i - 1)}+{at('blocks', i - 1)}"
    # Blocks come faster while hashrate grows: the difficulty lags it by one retarget
    # epoch (2,016 target block times), read off the month-to-month growth.
    hashrate = at("network_ehs")
    before = "NetworkBeforeStart" if t == 0 else at("network_ehs", i - 1)
    epoch = f"2016*BlockTime_s/({at('days')}*86400)"
    lagged = f"BlockTime_s*({before}/{hashrate})^({epoch})"
    block_time = (
        Formula(
            f'=IF(StartDifficulty_T="",{lagged},'
            f"StartDifficulty_T*1E+12*2^32/BlockTime_s/1E+18*BlockTime_s/{hashrate})"
        )
        if t == 0
        else Formula(f"={lagged}")
    )
    return [
        cell(ws, Formula(f"=EDATE(StartMonth,{t})"), MONTH),
        cell(ws, Formula(f"=DAY(EOMONTH({at('month')},0))")),
        cell(ws, Formula(f"={at('days')}*86400/{at('block_time')}"), BLOCKS),
        cell(ws, Formula("=StartHeight") if t == 0 else Formula(previous_height), BLOCKS),
        cell(ws, month_subsidy, BTC),
        cell(ws, Formula(f"={blocks}*Fees_BTC_per_block"), BTC),
        cell(ws, Formula("=" + network), DECIMAL),
        cell(ws, Formula(f"={hashrate}*{at('block_time')}*1E+6/2^32"), DECIMAL),
        cell(ws, block_time, DECIMAL),
        cell(ws, Formula("=" + price), USD_CENTS),
        cell(
            ws,
            Formula(
                f"=({at('subsidy')}+{at('fees')})/{at('days')}*{at('btc_price')}"
                f"/({at('network_ehs')}*1000)"
            ),
            USD_CENTS,
        ),
    ]


# Column widths of the Monthly sheet (15 where not given).
_MONTHLY_WIDTHS = {"month": 11, "days": 6, "blocks": 10, "height": 13, "subsidy": 12}
_MONTHLY_WIDTHS |= {"fees": 10, "network_ehs": 12, "difficulty": 11, "block_time": 10}
_MONTHLY_WIDTHS |= {"btc_price": 12, "hashprice": 12, "btc_mined": 12, "cum_fcf": 16}


def write_monthly(book: Book, data: ExportData) -> None:
    shape = data.shape
    m, s = MONTHLY, MONTHLY_BY_SITE
    ws = book.sheet("Monthly", 1 + shape.months, len(m))
    widths(ws, [_MONTHLY_WIDTHS.get(key, 15) for key in m.keys])
    ws.freeze_panes = "B2"
    ws.append(header(ws, m.headers))
    site_last = shape.site_monthly_last
    by_site_t = s.span("t", SITE_MONTHLY_FIRST_ROW, site_last)
    for t in range(shape.months):
        i = t + MONTHLY_FIRST_ROW
        cells = _market_cells(ws, t, i)
        for key, fmt in SUMMED:
            column = s[key]
            formula = (
                Formula(
                    f"=SUMIF({by_site_t},{t},"
                    f"{s.sheet}!{column}${SITE_MONTHLY_FIRST_ROW}:{column}${site_last})"
                )
                if shape.sites
                else Formula("=0")
            )
            if key in ("ebitda", "fcf"):  # corporate G&A is the company's, not a site's
                formula = Formula(f"{formula}-GandA_USD")
            cells.append(cell(ws, formula, fmt))
        fcf, cum = m["fcf"], m["cum_fcf"]
        running = Formula(f"={fcf}{i}") if t == 0 else Formula(f"={cum}{i - 1}+{fcf}{i}")
        cells.append(cell(ws, running, USD))
        # The fleet's tax loss carried forward at the month's end (a deferred tax asset).
        carried = f"CalcTaxable!{shape.month_col(t)}{LOSS_CARRIED_ROW}"
        cells.append(cell(ws, Formula(f"={carried}"), USD))
        cells.append(cell(ws, Formula("=GandA_USD"), USD))
        for key in ("tax_depreciation", "gain", "book_gain"):
            cells.append(cell(ws, _site_sum(shape, key, t), USD))
        taxable = f"CalcTaxable!{shape.month_col(t)}{COMPANY_TAXABLE_ROW}"
        cells.append(cell(ws, Formula(f"={taxable}"), USD))
        ws.append(cells)
    interval = HALVING_INTERVAL_BLOCKS
    height, blocks = f"${m['height']}2", f"${m['blocks']}2"
    ws.conditional_formatting.add(
        f"A2:{m['taxable_income']}{shape.monthly_last}",
        FormulaRule(
            formula=[f"INT(({height}+{blocks})/{interval})>INT({height}/{interval})"],
            fill=HALVING_FILL,
        ),
    )


def _site_sum(shape: Shape, key: str, t: int) -> Formula:
    """Month t's sum of a Monthly by site column over the sites."""
    s = MONTHLY_BY_SITE
    if not shape.sites:
        return Formula("=0")
    site_last = shape.site_monthly_last
    column = s[key]
    return Formula(
        f"=SUMIF({s.span('t', SITE_MONTHLY_FIRST_ROW, site_last)},{t},"
        f"{s.sheet}!{column}${SITE_MONTHLY_FIRST_ROW}:{column}${site_last})"
    )


class _SiteMonth:
    """The formulas of one site's month on Monthly by site, row `i`: sums over the fleet
    rows of the site (CalcRows) and the grids, for month number $D{i}."""

    def __init__(self, shape: Shape, s: int, i: int, hourly: HourlyLayout | None = None) -> None:
        self.shape, self.i, self.s = shape, i, s
        # A site listed on the Hourly power sheet: its rows' figures read it.
        self.hourly = hourly if hourly is not None and hourly.site_listed(s) else None
        self.col = shape.month_col(i - SITE_MONTHLY_FIRST_ROW - s * shape.months)
        self.srow = TABLE_FIRST_ROW + s
        self.price_row = shape.site_price_row(s)
        self.t = f"${MONTHLY_BY_SITE['t']}{i}"
        self.mask = f"({self.rows('site_no')}=${MONTHLY_BY_SITE['site_no']}{i})"
        self.on = f"({self.rows('online_t')}<={self.t})*({self.rows('retire_t')}>{self.t})"

    def rows(self, key: str) -> str:
        return CALC_ROWS.span(key, TABLE_FIRST_ROW, self.shape.table_last(self.shape.rows))

    def site(self, key: str) -> str:
        return SITES.ref(key, self.srow)

    def grid(self, sheet: str) -> str:
        sh = self.shape
        m0, mL = sh.first_month_col, sh.last_month_col
        return f"INDEX({sheet}!${m0}${GRID_FIRST_ROW}:${mL}${sh.grid_last},0,{self.t}+1)"

    def across(self, sheet: str, row: int) -> str:
        return f"INDEX({self.shape.across(sheet, row)},{self.t}+1)"

    def uptime(self) -> str:
        """The rows' uptime shares of the month (Hourly power), as a factor; none off it."""
        if self.hourly is None:
            return ""
        return f"*INDEX({self.hourly.grid('uptime')},0,{self.t}+1)"

    def hourly_income(self) -> str:
        """Power sales, 4CP savings and demand response of the site's month, for EBITDA."""
        if self.hourly is None:
            return ""
        return "".join(
            f"+{self.hourly.site_cell(key, self.s, self.col)}"
            for key in ("sales", "fourcp", "demand_response")
        )

    def rows_power(self, running: str, hours: str, price: str) -> str:
        """The rows' power cost: at the site's price by the energy drawn; at a listed site
        each row's effective price (Hourly power), or where a fixed contract resells, the
        fixed price on the whole block of the rows online in a month on the curve."""
        rows, mask = self.rows, self.mask
        availability, load = rows("availability"), rows("load_kw")
        if self.hourly is None:
            return f"{hours}*{price}*SUMPRODUCT({mask}*{running}*{availability}*{load})"
        drawn = f"{mask}*{running}*{availability}{self.uptime()}*{load}"
        if not self.hourly.resale[self.s]:
            effective = f"INDEX({self.hourly.grid('price')},0,{self.t}+1)"
            return f"{hours}*SUMPRODUCT({drawn}*{effective})"
        on_curve = self.hourly.site_cell("curve", self.s, self.col)
        block = f"SUMPRODUCT({mask}*{self.on}*{availability}*{load})"
        return f"{hours}*{price}*IF({on_curve}=1,{block},SUMPRODUCT({drawn}))"

    def site_depreciation(self) -> str:
        return straight_line(
            self.site("infra_depreciation_usd"),
            self.site("infra_t"),
            self.site("infra_depreciation_end"),
            self.t,
        )

    def at_hosting(self, key: str) -> str:
        """This row's hosting column `key` ("take_or_pay" or "profit_share")."""
        return f"{MONTHLY_BY_SITE[key]}{self.i}"

    def site_capex(self) -> str:
        return f"IF({self.site('infra_t')}={self.t},{self.site('infrastructure_capex_usd')},0)"

    def tax_items(self) -> dict[str, Formula]:
        """Tax depreciation (rows' and infrastructure's), taxable and book gains."""
        infra = f"INDEX({infra_tax_row(self.shape, self.s)},{self.t}+1)"
        if not self.shape.rows:
            return {
                "tax_depreciation": Formula(f"={infra}"),
                "gain": Formula("=0"),
                "book_gain": Formula("=0"),
            }
        rows, mask, t = self.rows, self.mask, self.t
        disposed = f"({rows('disposal_t')}={t})"
        return {
            "tax_depreciation": Formula(f"=SUMPRODUCT({mask}*{self.grid('CalcTaxDep')})+{infra}"),
            "gain": Formula(f"=SUMPRODUCT({mask}*{disposed}*{rows('tax_gain_usd')})"),
            "book_gain": Formula(f"=SUMPRODUCT({mask}*{disposed}*{rows('book_gain_usd')})"),
        }

    def hosting(self) -> dict[str, Formula]:
        """The hosting terms: the take-or-pay minimum's shortfall (the share of capacity
        billed every hour less the energy the rigs drew, at the month's rate) and the host's
        share of the rigs' revenue above their power cost (power less demand, shortfall)."""
        hours = self.across("CalcRunning", HOURS_ROW)
        rows, mask = self.rows, self.mask
        drawn_kwh = (
            f"{hours}*SUMPRODUCT({mask}*{self.grid('CalcRunning')}"
            f"*{rows('availability')}{self.uptime()}*{rows('load_kw')})"
            if self.shape.rows
            else "0"
        )
        minimum_kwh = f"{self.site('take_or_pay_share')}*{self.site('capacity_mw')}*1000*{hours}"
        m = MONTHLY_BY_SITE
        rows_power = f"({m['power']}{self.i}-{self.site('demand_usd')}-{m['take_or_pay']}{self.i})"
        return {
            "take_or_pay": Formula(
                f"=MAX(0,{minimum_kwh}-{drawn_kwh})*{self.across('PowerPrices', self.price_row)}"
            ),
            "profit_share": Formula(
                f"={self.site('profit_share')}*MAX(0,{m['revenue']}{self.i}-{rows_power})"
            ),
        }

    def flows(self) -> dict[str, Formula]:
        """BTC mined, credit, power, opex, capex, depreciation, tax and resale."""
        if not self.shape.rows:
            return {
                "btc_mined": Formula("=0"),
                "credit": Formula("=0"),
                "power": Formula(f"={self.site('demand_usd')}+{self.at_hosting('take_or_pay')}"),
                "opex": Formula(
                    f"={self.site('fixed_opex_usd_per_month')}+{self.at_hosting('profit_share')}"
                ),
                "capex": Formula(f"={self.site_capex()}"),
                "depreciation": Formula("=" + self.site_depreciation()),
                "tax": Formula("=0"),
                "resale": Formula("=0"),
            }
        rows, mask, t = self.rows, self.mask, self.t
        running = self.grid("CalcRunning")
        fy = self.across("CalcTaxable", FISCAL_YEAR_ROW)
        year_income = f"INDEX({years_grid(self.shape)},0,{fy}+1)"
        hours = self.across("CalcRunning", HOURS_ROW)
        rows_depreciation = straight_line(
            rows("depreciation_usd"), rows("online_t"), rows("depreciation_end"), t
        )
        return {
            "btc_mined": Formula(
                f"=SUMPRODUCT({mask}*{running}*{rows('availability')}{self.uptime()}"
                f"*{rows('hashrate_online_th')}"
                f"*(1-{rows('degradation')})^(({t}-{rows('online_t')})/12))"
                f"*{self.across('CalcRunning', BTC_PER_TH_ROW)}"
            ),
            "credit": Formula(  # paid while a row runs: none when the shutdown has it off
                f"={hours}*SUMPRODUCT({mask}*{running}*{rows('credit_usd_per_hour')})"
            ),
            "power": Formula(
                f"={self.rows_power(running, hours, self.across('PowerPrices', self.price_row))}"
                f"+{self.site('demand_usd')}+{self.at_hosting('take_or_pay')}"
            ),
            "opex": Formula(
                f"=SUMPRODUCT({mask}*{self.on}*{rows('maintenance_usd')})"
                f"+{self.site('fixed_opex_usd_per_month')}+{self.at_hosting('profit_share')}"
            ),
            "capex": Formula(
                f"=SUMPRODUCT({mask}*({rows('capex_t')}={t})*({rows('capex_usd')}"
                f"-{rows('deposit_usd')}))"
                f"+SUMPRODUCT({mask}*({rows('deposit_t')}={t})*{rows('deposit_usd')})"
                f"+{self.site_capex()}"
            ),
            "depreciation": Formula(
                f"=SUMPRODUCT({mask}*{rows_depreciation})+{self.site_depreciation()}"
            ),
            "tax": Formula(  # the payment's share of the rows' positive income of its year
                f"={self.across('CalcTaxable', TAX_SHARE_ROW)}*SUMIFS({year_income},"
                f'{rows("site_no")},${MONTHLY_BY_SITE["site_no"]}{self.i},{year_income},">0")'
            ),
            "resale": Formula(f"=SUMPRODUCT({mask}*({rows('resale_t')}={t})*{rows('resale_usd')})"),
        }


def write_monthly_by_site(book: Book, data: ExportData) -> None:
    shape = data.shape
    m = MONTHLY_BY_SITE
    ws = book.sheet("Monthly by site", shape.site_monthly_last, len(m))
    widths(ws, (20, 7, 11, 8, 12, 15, 14, 15, 14, 15, 15, 14, 14, 14, 15, 16, 15, 15, 15, 18, 18))
    ws.freeze_panes = "E3"
    note = (
        "Tax is the company's tax paid, shared by the rows' positive taxable income of the "
        "fiscal year it is for."
    )
    ws.append([*title(ws, "Monthly by site"), text_cell(ws, note)])
    ws.append(header(ws, m.headers))
    prices = MONTHLY.span("btc_price", MONTHLY_FIRST_ROW, shape.monthly_last)
    formats = (None, None, MONTH, None, BTC, *(USD,) * 16) if shape.sites else ()
    styles = [book.style(fmt) for fmt in formats]
    for s in range(shape.sites):
        for t in range(shape.months):
            i = SITE_MONTHLY_FIRST_ROW + s * shape.months + t
            site = _SiteMonth(shape, s, i, data.hourly)
            flows = site.flows()
            items = site.tax_items()
            hosting = site.hosting()

            def at(key: str, row: int = i) -> str:
                return f"{m[key]}{row}"

            cum = (
                Formula(f"={at('fcf')}")
                if t == 0
                else Formula(f"={at('cum_fcf', i - 1)}+{at('fcf')}")
            )
            ws.append_formulas(
                [
                    Formula(f"={SITES.ref('name', site.srow)}"),
                    s + 1,
                    Formula(f"=EDATE(StartMonth,{at('t')})"),
                    t,
                    flows["btc_mined"],
                    Formula(f"={at('btc_mined')}*INDEX({prices},{site.t}+1)"),
                    flows["credit"],
                    flows["power"],
                    flows["opex"],
                    Formula(
                        f"={at('revenue')}+{at('credit')}-{at('power')}-{at('opex')}"
                        + site.hourly_income()
                    ),
                    flows["capex"],
                    flows["depreciation"],
                    flows["tax"],
                    flows["resale"],
                    Formula(f"={at('ebitda')}-{at('tax')}-{at('capex')}+{at('resale')}"),
                    cum,
                    items["tax_depreciation"],
                    items["gain"],
                    items["book_gain"],
                    hosting["take_or_pay"],
                    hosting["profit_share"],
                ],
                styles,
            )
