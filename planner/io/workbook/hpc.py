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
from planner.io.workbook.hpc_layout import FIRST_PLAN_ROW as FIRST_PLAN_ROW
from planner.io.workbook.hpc_layout import MONTH as MONTH
from planner.io.workbook.hpc_layout import MONTH_COLUMNS, PLAN_CALC, PLAN_INPUTS, PLAN_WIDTH
from planner.io.workbook.hpc_layout import PLAN as PLAN
from planner.io.workbook.hpc_months import write_months


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
        write_months(ws, p, head, months, grid)


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
