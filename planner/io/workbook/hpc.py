"""The workbook's HPC sheet: each AI/HPC conversion plan as live formulas.

Top: one row per analysed plan, its inputs (blue) and results (NPV of keep mining,
convert and partial, IRRs, payback, crossover, breakeven rent, peak funding). Below: one
row per plan and month with every part of the three cash flows, following
planner/engine/hpc.py step by step. The keep-mining cash flow comes from the Monthly by
site sheet, so the sheet stays tied to the mining model; the breakeven BTC price multiple
needs the mining model rerun at other prices and is the planner's figure at export.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.engine.hpc import ConversionAnalysis, SiteConversion
from planner.io.workbook.book import (
    Book,
    Shape,
    cell,
    header,
    input_cell,
    text_cell,
    title,
    widths,
)
from planner.io.workbook.columns import (
    CALC_ROWS,
    DECIMAL,
    FLEET,
    HOURS_ROW,
    MONTHLY_BY_SITE,
    PERCENT,
    SITE_MONTHLY_FIRST_ROW,
    SITES,
    SUMMARY,
    SUMMARY_FIRST_ROW,
    TABLE_FIRST_ROW,
    USD,
    USD_CENTS,
    Columns,
)
from planner.io.workbook.columns import MONTH as MONTH_FORMAT
from planner.io.workbook.data import ExportData
from planner.io.workbook.formulas import (
    Formula,
    StartLevels,
    exact_match,
    month_index,
    monthly_irr,
    npv,
    payback_cells,
    pv,
)

# (header, key) of the plan table, inputs first.
PLAN_INPUTS: tuple[tuple[str, str], ...] = (
    ("Site", "site"),
    ("Share converted", "share"),
    ("Conversion start", "start_month"),
    ("Build (months)", "construction_months"),
    ("AI PUE", "ai_pue"),
    ("Critical IT (MW; empty: gross / PUE)", "it_mw"),
    ("Build capex (USD/MW IT)", "capex_usd_per_mw_it"),
    ("Rent (USD/kW-month)", "rent_usd_per_kw_month"),
    ("Rent escalator (per year)", "rent_escalator_per_year"),
    ("Lease (years)", "lease_term_years"),
    ("Ramp (months)", "ramp_months"),
    ("NOI margin", "noi_margin"),
    ("Opex (USD/month; empty: NOI margin)", "opex_usd_per_month"),
    ("Tenant pays power", "power_pass_through"),
    ("Rig resale (USD/TH; empty: fleet values)", "rig_resale_usd_per_th"),
    ("Mining site value (USD/MW)", "mining_site_value_usd_per_mw"),
    ("AI cap rate", "cap_rate"),
    ("Loan to cost", "loan_to_cost"),
    ("Loan rate (per year)", "loan_rate_per_year"),
    ("Loan term (years)", "loan_term_years"),
)
PLAN_CALC: tuple[tuple[str, str], ...] = (
    ("calc: site #", "site_no"),
    ("calc: capacity (MW)", "capacity"),
    ("calc: start month #", "start"),
    ("calc: critical IT (kW)", "it_kw"),
    ("calc: build capex (USD)", "capex_total"),
    ("calc: lease start month #", "lease_start"),
    ("calc: lease months", "lease_months"),
    ("calc: rig sale (USD)", "rig_sale"),
    ("calc: demand charge (USD/month)", "demand"),
    ("calc: loan rate a month", "loan_monthly"),
    ("calc: loan months", "loan_months"),
    ("calc: loan payment (USD/month)", "payment"),
    ("Keep mining NPV (USD)", "keep_npv"),
    ("Convert NPV (USD)", "convert_npv"),
    ("Partial NPV (USD)", "partial_npv"),
    ("NPV gained by converting (USD)", "gain"),
    ("Keep mining IRR", "keep_irr"),
    ("Convert IRR", "convert_irr"),
    ("Partial IRR", "partial_irr"),
    ("Convert payback (months)", "payback"),
    ("Convert payback status", "status"),
    ("Crossover month #", "crossover"),
    ("Crossover", "crossover_date"),
    ("Breakeven rent (USD/kW-month)", "breakeven_rent"),
    ("Breakeven BTC price (x path; planner's figure)", "breakeven_multiple"),
    ("Peak funding (USD)", "peak_funding"),
    ("calc: keep monthly IRR", "keep_irr_m"),
    ("calc: convert monthly IRR", "convert_irr_m"),
    ("calc: partial monthly IRR", "partial_irr_m"),
    ("calc: first negative month #", "neg"),
    ("calc: first month back #", "back"),
    ("calc: payback at month", "at"),
    ("calc: first month below keep mining #", "below"),
    ("calc: NPV per USD/kW-month of rent", "slope"),
    ("Keep mining from: the site's NPV on Summary (after its share of tax)", "rec_site"),
    ("+ its share of the company's tax (PV)", "rec_tax"),
    ("+ its value as a mining site at the horizon (PV)", "rec_value"),
    ("Keep mining NPV less those three (0: it reconciles)", "rec_check"),
    ("Convert NPV: operations (USD)", "convert_operations"),
    ("Convert NPV: the data centre's value at the horizon (USD)", "convert_value"),
)
MONTH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Site", "site"),
    ("Month", "month"),
    ("Month #", "t"),
    ("Keep mining (USD)", "keep"),
    ("Convert: mining (USD)", "mining"),
    ("Rig sale (USD)", "rig_sale"),
    ("Build capex (USD)", "capex"),
    ("Loan draw (USD)", "draw"),
    ("Loan balance at start (USD)", "balance"),
    ("Interest (USD)", "interest"),
    ("Principal (USD)", "principal"),
    ("Occupancy", "occupancy"),
    ("Rent (USD)", "rent"),
    ("NOI (USD)", "noi"),
    ("Landlord's power (USD)", "power"),
    ("Data centre value (USD)", "terminal"),
    ("Convert (USD)", "convert"),
    ("Partial (USD)", "partial"),
    ("Cumulative keep mining (USD)", "cum_keep"),
    ("Cumulative convert (USD)", "cum_convert"),
    ("Cumulative partial (USD)", "cum_partial"),
    ("Convert - keep, cumulative (USD)", "gap"),
    ("NOI and value per USD/kW-month of rent (USD)", "per_rent"),
    ("Keep mining: capex in it (USD)", "keep_capex"),
    ("The site's share of the company's tax (USD)", "site_tax"),
    ("Convert: paid at the month's start (USD)", "convert_start"),
    ("Keep mining: cash at the month's start (USD)", "start_keep"),
    ("Convert: cash at the month's start (USD)", "start_convert"),
    ("Partial: cash at the month's start (USD)", "start_partial"),
    ("Keep mining: flow at the month's start boundary (USD)", "b_keep"),
    ("Convert: flow at the month's start boundary (USD)", "b_convert"),
    ("Partial: flow at the month's start boundary (USD)", "b_partial"),
)
# Each plan's months are followed by a row for the horizon's end (its boundary flows only):
# capex is paid at the start of its month, so the IRRs solve the flows at month boundaries.


PLAN_TABLE = Columns("HPC", PLAN_INPUTS + PLAN_CALC)
MONTH_TABLE = Columns("HPC", MONTH_COLUMNS)
PLAN = PLAN_TABLE.letters  # the plan table's letters by key
MONTH = MONTH_TABLE.letters  # the monthly table's letters by key
PLAN_WIDTH = len(PLAN_INPUTS) + len(PLAN_CALC)
FIRST_PLAN_ROW = 4


def sheet_size(analysis: ConversionAnalysis, months: int) -> tuple[int, int]:
    """Rows and columns of the HPC sheet."""
    plans = len(analysis.sites)
    if not plans:
        return 2, 1
    return header_row(plans) + plans * (months + 1), max(PLAN_WIDTH, len(MONTH_COLUMNS))


def header_row(plans: int) -> int:
    """Row of the monthly table's header."""
    return FIRST_PLAN_ROW + plans + 1


def write_hpc_sheet(
    ws: WriteOnlyWorksheet,
    analysis: ConversionAnalysis,
    *,
    months: int,
    rows: int,
    sites_last: int,
    grid: dict[str, str],
) -> None:
    """Write the sheet. `grid` names the ranges of the other sheets it reads. `cell`
    writes a str as text unless it is a Formula, so every formula here is one. The plan's
    site is found with `exact_match` (names may hold wildcards), once, into "calc: site #";
    everything else by site uses that number."""
    plans = analysis.sites
    ws.append(title(ws, "AI/HPC conversion: keep mining, convert, or convert a share"))
    note = (
        "Site cash flows before tax. Convert: the whole site; partial: the plan's "
        "share. Blue: plan inputs. See docs/model-notes.md."
        if plans
        else "No AI/HPC conversion plan is enabled in this project."
    )
    ws.append([text_cell(ws, note)])
    if not plans:
        return
    ws.append(header(ws, [h for h, _k in PLAN_INPUTS + PLAN_CALC]))
    head = header_row(len(plans))
    for p, site in enumerate(plans):
        q = FIRST_PLAN_ROW + p
        a = head + 1 + p * (months + 1)

        def rng(key: str, a: int = a) -> str:
            """The plan's months of column `key` (the boundaries: one row more)."""
            last = a + months - int(not key.startswith("b_"))
            return f"${MONTH[key]}${a}:${MONTH[key]}${last}"

        def c(key: str, q: int = q) -> str:
            return f"${PLAN[key]}${q}"

        inputs = _plan_inputs(site.plan)
        row: list[Any] = [input_cell(ws, site.plan.site)]
        row += [input_cell(ws, *inputs[key]) for _h, key in PLAN_INPUTS[1:]]
        calc = _plan_calc(site, c, rng, rows, sites_last)
        row += [cell(ws, *calc[key]) for _h, key in PLAN_CALC]
        ws.append(row)
    ws.append([])
    ws.append(header(ws, [h for h, _k in MONTH_COLUMNS]))
    for p in range(len(plans)):
        _write_months(ws, p, head, months, grid)


def _plan_inputs(plan: Any) -> dict[str, tuple[Any, str | None]]:
    """The plan's inputs (blue) by key, each with its number format."""
    usd, usd_cents, pct, dec = USD, USD_CENTS, PERCENT, DECIMAL
    return {
        "share": (plan.share, pct),
        "start_month": (plan.start_month, MONTH_FORMAT),
        "construction_months": (plan.construction_months, None),
        "ai_pue": (plan.ai_pue, "0.00"),
        "it_mw": (plan.it_mw, dec),
        "capex_usd_per_mw_it": (plan.capex_usd_per_mw_it, usd),
        "rent_usd_per_kw_month": (plan.rent_usd_per_kw_month, usd_cents),
        "rent_escalator_per_year": (plan.rent_escalator_per_year, pct),
        "lease_term_years": (plan.lease_term_years, dec),
        "ramp_months": (plan.ramp_months, None),
        "noi_margin": (plan.noi_margin, pct),
        "opex_usd_per_month": (plan.opex_usd_per_month, usd),
        "power_pass_through": (plan.power_pass_through, None),
        "rig_resale_usd_per_th": (plan.rig_resale_usd_per_th, usd_cents),
        "mining_site_value_usd_per_mw": (plan.mining_site_value_usd_per_mw, usd),
        "cap_rate": (plan.cap_rate, pct),
        "loan_to_cost": (plan.loan_to_cost, pct),
        "loan_rate_per_year": (plan.loan_rate_per_year, pct),
        "loan_term_years": (plan.loan_term_years, dec),
    }


def _rig_sale(c: Callable[[str], str], rows: int) -> Formula:
    """What the site's rigs running at the conversion start fetch: the plan's USD/TH, or
    (empty) the fleet rows' resale values."""
    if not rows:
        return Formula("=0")
    fleet_last = TABLE_FIRST_ROW + max(rows, 1) - 1

    def calc_rows(key: str) -> str:
        return CALC_ROWS.span(key, TABLE_FIRST_ROW, fleet_last)

    mask = (
        f"({calc_rows('site_no')}={c('site_no')})*({calc_rows('purchase_t')}<{c('start')})"
        f"*({calc_rows('retire_t')}>={c('start')})"
    )
    fleet_resale = FLEET.span("resale_usd_per_unit", TABLE_FIRST_ROW, fleet_last)
    count = calc_rows("count")
    return Formula(
        f'=IF({c("rig_resale_usd_per_th")}="",SUMPRODUCT({mask}*{count}*{fleet_resale}),'
        f"{c('rig_resale_usd_per_th')}*SUMPRODUCT({mask}*{count}*{calc_rows('hashrate_th')}))"
    )


def _plan_calc(
    site: SiteConversion,
    c: Callable[[str], str],
    rng: Callable[[str], str],
    rows: int,
    sites_last: int,
) -> dict[str, tuple[str | float, str | None]]:
    """The plan's derived cells and results by key, each with its number format."""
    return (
        _plan_build(c, rng, rows, sites_last)
        | _plan_results(site, c, rng)
        | _reconciliation(c, rng, sites_last)
    )


def _plan_build(
    c: Callable[[str], str], rng: Callable[[str], str], rows: int, sites_last: int
) -> dict[str, tuple[str | float, str | None]]:
    """The site's capacity, the build, the lease and the loan."""
    usd, dec = USD, DECIMAL
    return {
        "site_no": (
            Formula(f"={exact_match(c('site'), SITES.span('name', TABLE_FIRST_ROW, sites_last))}"),
            None,
        ),
        "capacity": (
            Formula(
                f"=INDEX({SITES.span('capacity_mw', TABLE_FIRST_ROW, sites_last)},{c('site_no')})"
            ),
            dec,
        ),
        "start": (Formula(f"=MAX(0,{month_index(c('start_month'))})"), None),
        "it_kw": (
            Formula(f'=IF({c("it_mw")}="",{c("capacity")}/{c("ai_pue")},{c("it_mw")})*1000'),
            dec,
        ),
        "capex_total": (Formula(f"={c('it_kw')}/1000*{c('capex_usd_per_mw_it')}"), usd),
        "lease_start": (Formula(f"={c('start')}+{c('construction_months')}"), None),
        "lease_months": (Formula(f"=ROUND({c('lease_term_years')}*12,0)"), None),
        "rig_sale": (_rig_sale(c, rows), usd),
        "demand": (
            Formula(
                f"=INDEX({SITES.span('demand_usd', TABLE_FIRST_ROW, sites_last)},{c('site_no')})"
            ),
            usd,
        ),
        "loan_monthly": (Formula(f"=(1+{c('loan_rate_per_year')})^(1/12)-1"), "0.0000%"),
        "loan_months": (Formula(f"=MAX(1,ROUND({c('loan_term_years')}*12,0))"), None),
        "payment": (
            Formula(
                f"=IF(AND({c('loan_to_cost')}>0,{c('capex_total')}>0),"
                f"IF({c('loan_monthly')}>0,SUM({rng('draw')})*{c('loan_monthly')}"
                f"/(1-(1+{c('loan_monthly')})^-{c('loan_months')}),"
                f"SUM({rng('draw')})/{c('loan_months')}),0)"
            ),
            usd,
        ),
    }


def _plan_results(
    site: SiteConversion, c: Callable[[str], str], rng: Callable[[str], str]
) -> dict[str, tuple[str | float, str | None]]:
    """NPVs, IRRs, payback, crossover and breakevens of the three options."""
    usd, usd_cents, pct, month_fmt, dec = USD, USD_CENTS, PERCENT, MONTH_FORMAT, DECIMAL
    multiple = site.breakeven_btc_price_multiple
    irr = site.irr_annual
    # Capex (and the loan drawn with it) from its month's start: its PV at month ends.
    keep_capex_pv = pv(rng("keep_capex"))
    convert_capex_pv = f"(-{pv(rng('convert_start'))})"
    partial_capex_pv = f"((1-{c('share')})*{keep_capex_pv}+{c('share')}*{convert_capex_pv})"
    calc: dict[str, tuple[str | float, str | None]] = {
        "keep_npv": (npv(rng("keep"), keep_capex_pv), usd),
        "convert_npv": (npv(rng("convert"), convert_capex_pv), usd),
        "partial_npv": (npv(rng("partial"), partial_capex_pv), usd),
        "gain": (Formula(f"={c('convert_npv')}-{c('keep_npv')}"), usd),
    }
    for key in ("keep", "convert", "partial"):
        monthly = c(f"{key}_irr_m")
        calc[f"{key}_irr"] = (_annual(monthly, rng(f"cum_{key}"), rng(f"start_{key}")), pct)
    neg, back, at, payback_months, payback_status = payback_cells(
        rng("t"),
        rng("cum_convert"),
        (c("neg"), c("back"), c("at")),
        start=StartLevels.of_range(rng("t"), rng("start_convert")),
    )
    later = f'{rng("t")},">"&{c("below")}'
    calc.update(
        {
            "payback": (payback_months, dec),
            "status": (payback_status, None),
            "crossover": (
                Formula(
                    f'=IF({c("below")}<0,-1,IF(COUNTIFS({rng("gap")},">=0",{later})=0,-1,'
                    f'_xlfn.MINIFS({rng("t")},{rng("gap")},">=0",{later})))'
                ),
                None,
            ),
            "crossover_date": (
                Formula(f'=IF({c("crossover")}<0,"never",EDATE(StartMonth,{c("crossover")}))'),
                month_fmt,
            ),
            "breakeven_rent": (
                Formula(
                    f'=IF({c("slope")}<=0,"",IF(OR({c("rent_usd_per_kw_month")}+'
                    f"({c('keep_npv')}-{c('convert_npv')})/{c('slope')}<0,"
                    f"{c('rent_usd_per_kw_month')}+({c('keep_npv')}-{c('convert_npv')})/{c('slope')}"
                    f'>100000),"",{c("rent_usd_per_kw_month")}+'
                    f"({c('keep_npv')}-{c('convert_npv')})/{c('slope')}))"
                ),
                usd_cents,
            ),
            "breakeven_multiple": (multiple if math.isfinite(multiple) else "", "0.000"),
            "peak_funding": (Formula(f"=MAX(0,-MIN({rng('cum_convert')}))"), usd),
            "keep_irr_m": (monthly_irr(rng("b_keep"), float(irr[0])), "0.0000%"),
            "convert_irr_m": (monthly_irr(rng("b_convert"), float(irr[1])), "0.0000%"),
            "partial_irr_m": (monthly_irr(rng("b_partial"), float(irr[2])), "0.0000%"),
            "neg": (neg, None),
            "back": (back, None),
            "at": (at, dec),
            "below": (
                Formula(
                    f'=IF(COUNTIFS({rng("gap")},"<0",{rng("t")},">="&{c("start")})=0,-1,'
                    f'_xlfn.MINIFS({rng("t")},{rng("gap")},"<0",{rng("t")},">="&{c("start")}))'
                ),
                None,
            ),
            "slope": (npv(rng("per_rent")), usd),
        }
    )
    return calc


def _reconciliation(
    c: Callable[[str], str], rng: Callable[[str], str], sites_last: int
) -> dict[str, tuple[str | float, str | None]]:
    """Keep mining's NPV (before tax, with the site's value at the horizon) from the
    site's NPV on Summary, and the convert case's NPV split at the horizon."""
    npv_col, first_site = SUMMARY["npv"], SUMMARY_FIRST_ROW + 1
    last_site = first_site + sites_last - TABLE_FIRST_ROW
    summary_sites = f"Summary!${npv_col}${first_site}:${npv_col}${last_site}"
    site_value = f"{c('mining_site_value_usd_per_mw')}*{c('capacity')}"
    return {
        "rec_site": (Formula(f"=INDEX({summary_sites},{c('site_no')})"), USD),
        "rec_tax": (Formula(f"={pv(rng('site_tax'))}"), USD),
        "rec_value": (Formula(f"={site_value}*(1+DiscountRate)^(-HorizonMonths/12)"), USD),
        "rec_check": (
            Formula(f"={c('keep_npv')}-{c('rec_site')}-{c('rec_tax')}-{c('rec_value')}"),
            USD,
        ),
        "convert_value": (npv(rng("terminal")), USD),
        "convert_operations": (Formula(f"={c('convert_npv')}-{c('convert_value')}"), USD),
    }


def _annual(monthly: str, cumulative: str, at_start: str) -> Formula:
    """Annual IRR from the monthly one; none where the cumulative cash never went negative,
    at a month's end or at its start after its capex."""
    return Formula(
        f'=IF(OR(COUNTIF({cumulative},"<0")+COUNTIF({at_start},"<0")=0,{monthly}=""),"",'
        f'IF(OR({monthly}<=-1,{monthly}>10),"",(1+{monthly})^12-1))'
    )


Cells = dict[str, tuple[Any, str | None]]


class _PlanMonth:
    """The formulas of plan `p`'s month t, on row r of the monthly table."""

    def __init__(self, p: int, r: int, t: int, months: int, grid: dict[str, str]) -> None:
        self.p, self.q, self.r, self.t = p, FIRST_PLAN_ROW + p, r, t
        self.months, self.grid = months, grid
        self.tt = f"${MONTH['t']}{r}"
        c = self.c
        self.k = f"({self.tt}-{c('lease_start')})"
        self.leased = f"AND({self.k}>=0,{self.k}<{c('lease_months')})"
        self.level = f"(1+{c('rent_escalator_per_year')})^INT(MAX({self.k},0)/12)"
        self.full_rent = f"{c('it_kw')}*{c('rent_usd_per_kw_month')}*{self.level}"

    def c(self, key: str) -> str:
        return f"${PLAN[key]}${self.q}"

    def m(self, key: str, previous: bool = False) -> str:
        return f"{MONTH[key]}{self.r - 1 if previous else self.r}"

    def flows(self) -> Cells:
        """Keep mining, the convert case's mining and sale, the three totals."""
        c, m, tt, grid = self.c, self.m, self.tt, self.grid
        at = f"({c('site_no')}-1)*{self.months}+{tt}+1"
        site_value = f"{c('mining_site_value_usd_per_mw')}*{c('capacity')}"
        cells: Cells = {
            "site": (Formula(f"={c('site')}"), None),
            "month": (Formula(f"=EDATE(StartMonth,{tt})"), MONTH_FORMAT),
            "t": (self.t, None),
            "keep": (
                Formula(
                    f"=INDEX({grid['mbs_ebitda']},{at})-INDEX({grid['mbs_capex']},{at})"
                    f"+INDEX({grid['mbs_resale']},{at})"
                    f"+IF({tt}=HorizonMonths-1,{site_value},0)"
                ),
                USD,
            ),
            "mining": (Formula(f"=IF({tt}<{c('start')},{m('keep')},0)"), USD),
            "rig_sale": (Formula(f"=IF({tt}={c('start')},{c('rig_sale')},0)"), USD),
            "convert": (
                Formula(
                    f"={m('mining')}+{m('rig_sale')}-{m('capex')}+{m('draw')}"
                    f"+{m('noi')}-{m('power')}-{m('interest')}-{m('principal')}"
                    f"+{m('terminal')}"
                ),
                USD,
            ),
            "partial": (
                Formula(f"=(1-{c('share')})*{m('keep')}+{c('share')}*{m('convert')}"),
                USD,
            ),
        }
        for cum, flow in (
            ("cum_keep", "keep"),
            ("cum_convert", "convert"),
            ("cum_partial", "partial"),
        ):
            cells[cum] = (
                Formula(f"={m(flow)}")
                if self.t == 0
                else Formula(f"={m(cum, previous=True)}+{m(flow)}"),
                USD,
            )
        cells["gap"] = (Formula(f"={m('cum_convert')}-{m('cum_keep')}"), USD)
        return cells | self.at_start()

    def _paid_at_start(self, key: str) -> str:
        """The part of this row's `key` flow paid at its month's start (capex, less the
        loan drawn with the build's)."""
        c, m = self.c, self.m
        if key == "keep":
            return f"(-{m('keep_capex')})"
        if key == "convert":
            return m("convert_start")
        return f"((1-{c('share')})*(-{m('keep_capex')})+{c('share')}*{m('convert_start')})"

    def at_start(self) -> Cells:
        """The capex in keep mining, what convert pays at each month's start, the cash at
        each month's start after it, and the flows at month boundaries (the IRRs')."""
        c, m, tt, grid = self.c, self.m, self.tt, self.grid
        at = f"({c('site_no')}-1)*{self.months}+{tt}+1"
        cells: Cells = {
            "keep_capex": (Formula(f"=INDEX({grid['mbs_capex']},{at})"), USD),
            "site_tax": (Formula(f"=INDEX({grid['mbs_tax']},{at})"), USD),
            "convert_start": (
                Formula(f"={m('draw')}-{m('capex')}-IF({tt}<{c('start')},{m('keep_capex')},0)"),
                USD,
            ),
        }
        for key in ("keep", "convert", "partial"):
            before = f"{m('cum_' + key, previous=True)}+" if self.t else ""
            paid = self._paid_at_start(key)
            cells[f"start_{key}"] = (Formula(f"={before}{paid}"), USD)
            cells[f"b_{key}"] = (Formula(f"={self._month_before(key)}+{paid}"), USD)
        return cells

    def _month_before(self, key: str) -> str:
        """The month before's `key` flow less its part paid at its start (0 in month 0)."""
        if self.t == 0:
            return "0"
        before = _PlanMonth(self.p, self.r - 1, self.t - 1, self.months, self.grid)
        return f"({before.m(key)}-{before._paid_at_start(key)})"

    def end_row(self) -> Cells:
        """The row after the plan's last month: the horizon's end, its boundary flows."""
        cells: Cells = {
            "site": (Formula(f"={self.c('site')}"), None),
            "t": (self.t, None),
        }
        for key in ("keep", "convert", "partial"):
            cells[f"b_{key}"] = (Formula(f"={self._month_before(key)}"), USD)
        return cells

    def loan(self) -> Cells:
        """The build capex, the loan's draws, balance, interest and principal."""
        c, m, tt = self.c, self.m, self.tt
        building = f"AND({tt}>={c('start')},{tt}<{c('start')}+{c('construction_months')})"
        balance = f"={m('balance', True)}+{m('draw', True)}-{m('principal', True)}"
        return {
            "capex": (
                Formula(
                    f"=IF({c('construction_months')}=0,IF({tt}={c('start')},{c('capex_total')},0),"
                    f"IF({building},{c('capex_total')}/{c('construction_months')},0))"
                ),
                USD,
            ),
            "draw": (Formula(f"={m('capex')}*{c('loan_to_cost')}"), USD),
            "balance": (Formula("=0") if self.t == 0 else Formula(balance), USD),
            "interest": (
                Formula(f"=IF({tt}>={c('start')},{m('balance')}*{c('loan_monthly')},0)"),
                USD,
            ),
            "principal": (
                Formula(
                    f"=IF({tt}=HorizonMonths-1,{m('balance')}+{m('draw')},"
                    f"IF(AND({tt}>={c('lease_start')},{m('balance')}>0),"
                    f"MIN({m('balance')},{c('payment')}-{m('interest')}),0))"
                ),
                USD,
            ),
        }

    def lease(self) -> Cells:
        """Occupancy, rent, NOI, the landlord's power, the data centre's value at the
        horizon, and the NOI and value per USD/kW-month of rent (for the breakeven)."""
        c, m, tt, level = self.c, self.m, self.tt, self.level
        energy = (
            f"(INDEX({self.grid['hours']},{tt}+1)"
            f"*INDEX({self.grid['site_prices']},{c('site_no')},{tt}+1)*{c('ai_pue')})"
        )
        no_opex = f'{c("opex_usd_per_month")}=""'
        margin = f"IF({no_opex},{c('noi_margin')},1)"
        in_lease = f"{c('lease_start')}+{c('lease_months')}>{tt}"
        return {
            "occupancy": (
                Formula(
                    f"=IF({self.leased},IF({c('ramp_months')}>0,"
                    f"MIN(1,({self.k}+1)/{c('ramp_months')}),1),0)"
                ),
                "0.0%",
            ),
            "rent": (Formula(f"={self.full_rent}*{m('occupancy')}"), USD),
            "noi": (
                Formula(
                    f"=IF({no_opex},{m('rent')}*{c('noi_margin')},"
                    f"IF({self.leased},{m('rent')}-{c('opex_usd_per_month')},0))"
                ),
                USD,
            ),
            "power": (
                Formula(
                    f"=IF({c('power_pass_through')},0,{c('it_kw')}*{m('occupancy')}*{energy}"
                    f"+IF({tt}>={c('start')},{c('demand')},0))"
                ),
                USD,
            ),
            "terminal": (
                Formula(
                    f"=IF({tt}=HorizonMonths-1,IF({in_lease},"
                    f"12*({self._full_noi()}-{self._full_power(energy)})/{c('cap_rate')}"
                    f"-{self._beyond()},0),0)"
                ),
                USD,
            ),
            "per_rent": (
                Formula(
                    f"={c('it_kw')}*{level}*{m('occupancy')}*{margin}"
                    f"+IF(AND({tt}=HorizonMonths-1,{in_lease}),"
                    f"12*{c('it_kw')}*{level}*{margin}/{c('cap_rate')},0)"
                ),
                USD,
            ),
        }

    def _full_noi(self) -> str:
        c = self.c
        return (
            f'IF({c("opex_usd_per_month")}="",{self.full_rent}*{c("noi_margin")},'
            f"{self.full_rent}-{c('opex_usd_per_month')})"
        )

    def _full_power(self, energy: str) -> str:
        c = self.c
        return f"IF({c('power_pass_through')},0,{c('it_kw')}*{energy}+{c('demand')})"

    def _beyond(self) -> str:
        """The build capex that falls after the horizon."""
        c = self.c
        return (
            f"IF({c('construction_months')}=0,0,{c('capex_total')}/{c('construction_months')}"
            f"*MAX(0,{c('start')}+{c('construction_months')}-HorizonMonths))"
        )


def _write_months(
    ws: WriteOnlyWorksheet, p: int, head: int, months: int, grid: dict[str, str]
) -> None:
    """The monthly rows of plan `p`: every part of keep mining, convert and partial."""
    first = head + 1 + p * (months + 1)
    for t in range(months):
        month = _PlanMonth(p, first + t, t, months, grid)
        cells = month.flows() | month.loan() | month.lease()
        ws.append([cell(ws, *cells[key]) for _h, key in MONTH_COLUMNS])
    end = _PlanMonth(p, first + months, months, months, grid).end_row()
    ws.append([cell(ws, *end[key]) if key in end else None for _h, key in MONTH_COLUMNS])


def write_hpc(book: Book, data: ExportData) -> None:
    """The HPC sheet of the export: the plans' formulas read the mining model's sheets."""
    shape: Shape = data.shape
    ws = book.sheet("HPC", *sheet_size(data.conversions, data.months), one_table=False)
    ws.freeze_panes = "B5"
    widths(ws, [22, 12, 12] + [14] * (PLAN_WIDTH - 3))
    by_site = MONTHLY_BY_SITE
    first, last = SITE_MONTHLY_FIRST_ROW, shape.site_monthly_last
    grid = {
        "mbs_ebitda": by_site.span("ebitda", first, last),
        "mbs_capex": by_site.span("capex", first, last),
        "mbs_resale": by_site.span("resale", first, last),
        "mbs_tax": by_site.span("tax", first, last),
        "hours": shape.across("CalcRunning", HOURS_ROW),
        "site_prices": shape.site_prices,
    }
    write_hpc_sheet(
        ws,
        data.conversions,
        months=data.months,
        rows=shape.rows,
        sites_last=shape.table_last(shape.sites),
        grid=grid,
    )
