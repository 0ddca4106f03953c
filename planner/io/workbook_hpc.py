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

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.engine.hpc import ConversionAnalysis

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
)


def _letters(columns: tuple[tuple[str, str], ...], first: int = 1) -> dict[str, str]:
    return {key: get_column_letter(first + i) for i, (_h, key) in enumerate(columns)}


PLAN = _letters(PLAN_INPUTS + PLAN_CALC)
MONTH = _letters(MONTH_COLUMNS)
PLAN_WIDTH = len(PLAN_INPUTS) + len(PLAN_CALC)
FIRST_PLAN_ROW = 4


def sheet_size(analysis: ConversionAnalysis, months: int) -> tuple[int, int]:
    """Rows and columns of the HPC sheet."""
    plans = len(analysis.sites)
    if not plans:
        return 2, 1
    return header_row(plans) + plans * months, max(PLAN_WIDTH, len(MONTH_COLUMNS))


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
    cell: Callable[..., Any],
    text: Callable[..., Any],
    input_cell: Callable[..., Any],
    header: Callable[..., Any],
    title: Callable[..., Any],
    formula: Callable[[str], str],
    formats: dict[str, str],
    npv: Callable[[str], str],
    monthly_irr: Callable[[str, float], str],
    payback_cells: Callable[..., tuple[str, str, str, str, str]],
    month_index: Callable[[str], str],
    exact_match: Callable[[str, str], str],
) -> None:
    """Write the sheet. `grid` names the ranges of the other sheets it reads; the
    callables are the workbook's cell and formula helpers: `cell` writes a str as text
    unless it was made by `formula`, so every formula here is wrapped in it. The plan's
    site is found with `exact_match` (names may hold wildcards), once, into "calc: site #";
    everything else by site uses that number."""
    plans = analysis.sites
    ws.append(title(ws, "AI/HPC conversion: keep mining, convert, or convert a share"))
    ws.append(
        [
            text(
                ws,
                "Site cash flows before tax. Convert: the whole site; partial: the plan's "
                "share. Blue: plan inputs. See docs/model-notes.md."
                if plans
                else "No AI/HPC conversion plan is enabled in this project.",
            )
        ]
    )
    if not plans:
        return
    usd, usd_cents, pct, month_fmt, dec = (
        formats["usd"],
        formats["usd_cents"],
        formats["percent"],
        formats["month"],
        formats["decimal"],
    )
    ws.append(header(ws, [h for h, _k in PLAN_INPUTS + PLAN_CALC]))
    head = header_row(len(plans))
    p_ = PLAN

    def block(p: int) -> tuple[int, int]:
        first = head + 1 + p * months
        return first, first + months - 1

    fleet_last = 3 + max(rows, 1)

    def calc_rows(column: str) -> str:
        return f"CalcRows!${column}$4:${column}${fleet_last}"

    for p, site in enumerate(plans):
        q = FIRST_PLAN_ROW + p
        a, b = block(p)

        def rng(key: str, a: int = a, b: int = b) -> str:
            return f"${MONTH[key]}${a}:${MONTH[key]}${b}"

        def c(key: str, q: int = q) -> str:
            return f"${p_[key]}${q}"

        plan = site.plan
        values: dict[str, Any] = {
            "share": (plan.share, pct),
            "start_month": (plan.start_month, month_fmt),
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
        row: list[Any] = [input_cell(ws, plan.site)]
        row += [input_cell(ws, *values[key]) for _h, key in PLAN_INPUTS[1:]]
        mask = (
            f"({calc_rows('C')}={c('site_no')})*({calc_rows('L')}<{c('start')})"
            f"*({calc_rows('N')}>={c('start')})"
        )
        fleet_resale = f"Fleet!$I$4:$I${fleet_last}"
        rig_sale = (
            formula(
                f'=IF({c("rig_resale_usd_per_th")}="",SUMPRODUCT({mask}*{calc_rows("F")}*{fleet_resale}),'
                f"{c('rig_resale_usd_per_th')}*SUMPRODUCT({mask}*{calc_rows('F')}*{calc_rows('D')}))"
            )
            if rows
            else formula("=0")
        )
        multiple = site.breakeven_btc_price_multiple
        irr = site.irr_annual
        calc: dict[str, tuple[str | float, str | None]] = {
            "site_no": (formula(f"={exact_match(c('site'), f'Sites!$A$4:$A${sites_last}')}"), None),
            "capacity": (formula(f"=INDEX(Sites!$C$4:$C${sites_last},{c('site_no')})"), dec),
            "start": (formula(f"=MAX(0,{month_index(c('start_month'))})"), None),
            "it_kw": (
                formula(f'=IF({c("it_mw")}="",{c("capacity")}/{c("ai_pue")},{c("it_mw")})*1000'),
                dec,
            ),
            "capex_total": (formula(f"={c('it_kw')}/1000*{c('capex_usd_per_mw_it')}"), usd),
            "lease_start": (formula(f"={c('start')}+{c('construction_months')}"), None),
            "lease_months": (formula(f"=ROUND({c('lease_term_years')}*12,0)"), None),
            "rig_sale": (rig_sale, usd),
            "demand": (formula(f"=INDEX(Sites!$P$4:$P${sites_last},{c('site_no')})"), usd),
            "loan_monthly": (formula(f"=(1+{c('loan_rate_per_year')})^(1/12)-1"), "0.0000%"),
            "loan_months": (formula(f"=MAX(1,ROUND({c('loan_term_years')}*12,0))"), None),
            "payment": (
                formula(
                    f"=IF(AND({c('loan_to_cost')}>0,{c('capex_total')}>0),"
                    f"IF({c('loan_monthly')}>0,SUM({rng('draw')})*{c('loan_monthly')}"
                    f"/(1-(1+{c('loan_monthly')})^-{c('loan_months')}),"
                    f"SUM({rng('draw')})/{c('loan_months')}),0)"
                ),
                usd,
            ),
            "keep_npv": (npv(rng("keep")), usd),
            "convert_npv": (npv(rng("convert")), usd),
            "partial_npv": (npv(rng("partial")), usd),
            "gain": (formula(f"={c('convert_npv')}-{c('keep_npv')}"), usd),
            "keep_irr": (formula(_annual(c("keep_irr_m"), rng("cum_keep"))), pct),
            "convert_irr": (formula(_annual(c("convert_irr_m"), rng("cum_convert"))), pct),
            "partial_irr": (formula(_annual(c("partial_irr_m"), rng("cum_partial"))), pct),
        }
        neg, back, at, payback_months, payback_status = payback_cells(
            rng("t"), rng("cum_convert"), rng("convert"), (c("neg"), c("back"), c("at"))
        )
        later = f'{rng("t")},">"&{c("below")}'
        calc.update(
            {
                "payback": (payback_months, dec),
                "status": (payback_status, None),
                "crossover": (
                    formula(
                        f'=IF({c("below")}<0,-1,IF(COUNTIFS({rng("gap")},">=0",{later})=0,-1,'
                        f'_xlfn.MINIFS({rng("t")},{rng("gap")},">=0",{later})))'
                    ),
                    None,
                ),
                "crossover_date": (
                    formula(f'=IF({c("crossover")}<0,"never",EDATE(StartMonth,{c("crossover")}))'),
                    month_fmt,
                ),
                "breakeven_rent": (
                    formula(
                        f'=IF({c("slope")}<=0,"",IF(OR({c("rent_usd_per_kw_month")}+'
                        f"({c('keep_npv')}-{c('convert_npv')})/{c('slope')}<0,"
                        f"{c('rent_usd_per_kw_month')}+({c('keep_npv')}-{c('convert_npv')})/{c('slope')}"
                        f'>100000),"",{c("rent_usd_per_kw_month")}+'
                        f"({c('keep_npv')}-{c('convert_npv')})/{c('slope')}))"
                    ),
                    usd_cents,
                ),
                "breakeven_multiple": (multiple if math.isfinite(multiple) else "", "0.000"),
                "peak_funding": (formula(f"=MAX(0,-MIN({rng('cum_convert')}))"), usd),
                "keep_irr_m": (monthly_irr(rng("keep"), float(irr[0])), "0.0000%"),
                "convert_irr_m": (monthly_irr(rng("convert"), float(irr[1])), "0.0000%"),
                "partial_irr_m": (monthly_irr(rng("partial"), float(irr[2])), "0.0000%"),
                "neg": (neg, None),
                "back": (back, None),
                "at": (at, dec),
                "below": (
                    formula(
                        f'=IF(COUNTIFS({rng("gap")},"<0",{rng("t")},">="&{c("start")})=0,-1,'
                        f'_xlfn.MINIFS({rng("t")},{rng("gap")},"<0",{rng("t")},">="&{c("start")}))'
                    ),
                    None,
                ),
                "slope": (npv(rng("per_rent")), usd),
            }
        )
        row += [cell(ws, *calc[key]) for _h, key in PLAN_CALC]
        ws.append(row)
    ws.append([])
    ws.append(header(ws, [h for h, _k in MONTH_COLUMNS]))
    for p in range(len(plans)):
        _write_months(ws, p, head, months, grid, cell, formula, formats)


def _annual(monthly: str, cumulative: str) -> str:
    """Annual IRR from the monthly one; none where the cumulative cash never went negative
    (the formula's text: wrap it in the workbook's `formula`)."""
    return (
        f'=IF(OR(COUNTIF({cumulative},"<0")=0,{monthly}=""),"",'
        f'IF(OR({monthly}<=-1,{monthly}>10),"",(1+{monthly})^12-1))'
    )


def _write_months(
    ws: WriteOnlyWorksheet,
    p: int,
    head: int,
    months: int,
    grid: dict[str, str],
    cell: Callable[..., Any],
    formula: Callable[[str], str],
    formats: dict[str, str],
) -> None:
    """The monthly rows of plan `p`: every part of keep mining, convert and partial."""
    q = FIRST_PLAN_ROW + p
    usd = formats["usd"]
    m = MONTH

    def c(key: str) -> str:
        return f"${PLAN[key]}${q}"

    for t in range(months):
        r = head + 1 + p * months + t
        tt = f"$C{r}"
        at = f"({c('site_no')}-1)*{months}+{tt}+1"
        k = f"({tt}-{c('lease_start')})"
        leased = f"AND({k}>=0,{k}<{c('lease_months')})"
        level = f"(1+{c('rent_escalator_per_year')})^INT(MAX({k},0)/12)"
        full_rent = f"{c('it_kw')}*{c('rent_usd_per_kw_month')}*{level}"
        energy = (
            f"(INDEX({grid['hours']},{tt}+1)*INDEX({grid['site_prices']},{c('site_no')},{tt}+1)"
            f"*{c('ai_pue')})"
        )
        full_noi = (
            f'IF({c("opex_usd_per_month")}="",{full_rent}*{c("noi_margin")},'
            f"{full_rent}-{c('opex_usd_per_month')})"
        )
        full_power = f"IF({c('power_pass_through')},0,{c('it_kw')}*{energy}+{c('demand')})"
        beyond = (
            f"IF({c('construction_months')}=0,0,{c('capex_total')}/{c('construction_months')}"
            f"*MAX(0,{c('start')}+{c('construction_months')}-HorizonMonths))"
        )
        first = t == 0
        previous = r - 1
        formulas: dict[str, tuple[Any, str | None]] = {
            "site": (formula(f"={c('site')}"), None),
            "month": (formula(f"=EDATE(StartMonth,{tt})"), formats["month"]),
            "t": (t, None),
            "keep": (
                formula(
                    f"=INDEX({grid['mbs_ebitda']},{at})-INDEX({grid['mbs_capex']},{at})"
                    f"+INDEX({grid['mbs_resale']},{at})"
                    f"+IF({tt}=HorizonMonths-1,{c('mining_site_value_usd_per_mw')}*{c('capacity')},0)"
                ),
                usd,
            ),
            "mining": (formula(f"=IF({tt}<{c('start')},{m['keep']}{r},0)"), usd),
            "rig_sale": (formula(f"=IF({tt}={c('start')},{c('rig_sale')},0)"), usd),
            "capex": (
                formula(
                    f"=IF({c('construction_months')}=0,IF({tt}={c('start')},{c('capex_total')},0),"
                    f"IF(AND({tt}>={c('start')},{tt}<{c('start')}+{c('construction_months')}),"
                    f"{c('capex_total')}/{c('construction_months')},0))"
                ),
                usd,
            ),
            "draw": (formula(f"={m['capex']}{r}*{c('loan_to_cost')}"), usd),
            "balance": (
                formula("=0")
                if first
                else formula(
                    f"={m['balance']}{previous}+{m['draw']}{previous}-{m['principal']}{previous}"
                ),
                usd,
            ),
            "interest": (
                formula(f"=IF({tt}>={c('start')},{m['balance']}{r}*{c('loan_monthly')},0)"),
                usd,
            ),
            "principal": (
                formula(
                    f"=IF({tt}=HorizonMonths-1,{m['balance']}{r}+{m['draw']}{r},"
                    f"IF(AND({tt}>={c('lease_start')},{m['balance']}{r}>0),"
                    f"MIN({m['balance']}{r},{c('payment')}-{m['interest']}{r}),0))"
                ),
                usd,
            ),
            "occupancy": (
                formula(
                    f"=IF({leased},IF({c('ramp_months')}>0,MIN(1,({k}+1)/{c('ramp_months')}),1),0)"
                ),
                "0.0%",
            ),
            "rent": (formula(f"={full_rent}*{m['occupancy']}{r}"), usd),
            "noi": (
                formula(
                    f'=IF({c("opex_usd_per_month")}="",{m["rent"]}{r}*{c("noi_margin")},'
                    f"IF({leased},{m['rent']}{r}-{c('opex_usd_per_month')},0))"
                ),
                usd,
            ),
            "power": (
                formula(
                    f"=IF({c('power_pass_through')},0,{c('it_kw')}*{m['occupancy']}{r}*{energy}"
                    f"+IF({tt}>={c('start')},{c('demand')},0))"
                ),
                usd,
            ),
            "terminal": (
                formula(
                    f"=IF({tt}=HorizonMonths-1,IF({c('lease_start')}+{c('lease_months')}>{tt},"
                    f"12*({full_noi}-{full_power})/{c('cap_rate')}-{beyond},0),0)"
                ),
                usd,
            ),
            "convert": (
                formula(
                    f"={m['mining']}{r}+{m['rig_sale']}{r}-{m['capex']}{r}+{m['draw']}{r}"
                    f"+{m['noi']}{r}-{m['power']}{r}-{m['interest']}{r}-{m['principal']}{r}"
                    f"+{m['terminal']}{r}"
                ),
                usd,
            ),
            "partial": (
                formula(f"=(1-{c('share')})*{m['keep']}{r}+{c('share')}*{m['convert']}{r}"),
                usd,
            ),
            "per_rent": (
                formula(
                    f'={c("it_kw")}*{level}*{m["occupancy"]}{r}*IF({c("opex_usd_per_month")}="",'
                    f"{c('noi_margin')},1)+IF(AND({tt}=HorizonMonths-1,"
                    f"{c('lease_start')}+{c('lease_months')}>{tt}),12*{c('it_kw')}*{level}"
                    f'*IF({c("opex_usd_per_month")}="",{c("noi_margin")},1)/{c("cap_rate")},0)'
                ),
                usd,
            ),
        }
        for cum, flow in (
            ("cum_keep", "keep"),
            ("cum_convert", "convert"),
            ("cum_partial", "partial"),
        ):
            formulas[cum] = (
                formula(f"={m[flow]}{r}")
                if first
                else formula(f"={m[cum]}{previous}+{m[flow]}{r}"),
                usd,
            )
        formulas["gap"] = (formula(f"={m['cum_convert']}{r}-{m['cum_keep']}{r}"), usd)
        ws.append([cell(ws, *formulas[key]) for _h, key in MONTH_COLUMNS])
