"""The headless report: engine results as JSON for machines (the text for people is in
report_text.py)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from planner.domain.months import format_month
from planner.domain.project import Project
from planner.engine import Results
from planner.engine import metrics as m
from planner.engine.bridge import bridge_of
from planner.engine.hpc import ConversionAnalysis, analyse_conversions
from planner.engine.model import Kpis
from planner.engine.montecarlo import (
    PERCENTILES,
    MonteCarloSettings,
    row_payback_chances,
    run_monte_carlo,
)
from planner.engine.montecarlo_treasury import TreasuryMonteCarlo
from planner.engine.optimize import SavedBestBuy, evaluate_plan, saved_best_buy
from planner.engine.sensitivity import compare_scenarios, tornado, two_way
from planner.engine.swaps import analyse_swaps
from planner.engine.treasury import TreasuryResult, has_treasury, run_treasury, treasury_plan
from planner.engine.warnings import plan_warnings
from planner.io.report_text import payback_text, render_text
from planner.io.report_treasury import treasury_entry

_STATUS_OF_KEY = {status.key: status for status in m.PaybackStatus}


def _num(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _date_at(results: Results, at_month: float) -> str | None:
    """The calendar date `at_month` months (fractional) after the start of the horizon."""
    if not math.isfinite(at_month):
        return None
    starts = results.inputs.timeline.month_starts
    days = results.inputs.timeline.days
    whole = min(math.floor(at_month), len(starts) - 1)
    fraction = at_month - whole
    moment = datetime.combine(starts[whole], datetime.min.time()) + timedelta(
        days=float(days[whole]) * fraction
    )
    return moment.date().isoformat()


def next_halving(results: Results) -> tuple[int, date]:
    """Height and estimated date of the next halving after the scenario's start."""
    return results.next_halving


def kpi_dict(results: Results, kpis: Kpis, i: int, irr: float | None) -> dict[str, Any]:
    return {
        "npv_usd": _num(kpis.npv_usd[i]),
        "irr_annual": None if irr is None else _num(irr),
        "payback_months": _num(kpis.payback_months[i]),
        "payback_status": m.PaybackStatus(int(kpis.payback_status[i])).key,
        "payback_date": _date_at(results, float(kpis.payback_at_month[i]))
        if int(kpis.payback_status[i]) == m.PAID_BACK
        else None,
        "discounted_payback_months": _num(kpis.discounted_payback_months[i]),
        "discounted_payback_status": m.PaybackStatus(int(kpis.discounted_payback_status[i])).key,
        "roi": _num(kpis.roi[i]),
        "btc_mined": _num(kpis.btc_mined[i]),
        "revenue_usd": _num(kpis.revenue_usd[i]),
        "capex_usd": _num(kpis.capex_usd[i]),
        "free_cash_flow_usd": _num(kpis.free_cash_flow_usd[i]),
        "energy_mwh": _num(kpis.energy_mwh[i]),
        "revenue_usd_per_mwh": _num(kpis.revenue_usd_per_mwh[i]),
        "cost_per_btc_cash_usd": _num(kpis.cost_per_btc_cash_usd[i]),
        "cost_per_btc_all_in_usd": _num(kpis.cost_per_btc_all_in_usd[i]),
        "cost_per_btc_net_usd": _num(kpis.cost_per_btc_net_usd[i]),
        "cost_per_btc_energy_usd": _num(kpis.cost_per_btc_energy_usd[i]),
    }


def _month_label(results: Results, index: int) -> str | None:
    if index < 0:
        return None
    return format_month(results.inputs.timeline.month_starts[index])


def warnings_of(
    results: Results, project: Project | None = None, treasury: TreasuryResult | None = None
) -> list[str]:
    """Things a CFO should know that do not stop the model (engine/warnings.py), those of
    the treasury on the scenario's path too when it is given."""
    return [warning.message for warning in plan_warnings(results, project, treasury)]


def monthly_columns(results: Results) -> dict[str, np.ndarray]:
    """The fleet's monthly figures as named columns, in report order."""
    tl = results.inputs.timeline
    f = results.fleet
    mk = results.market
    return {
        "days": tl.days.astype(int),
        "blocks": tl.blocks,
        "block_height_start": tl.height_start,
        "subsidy_btc": tl.subsidy_btc,
        "fees_btc": mk.fees_btc,
        "network_hashrate_ehs": mk.network_hashrate_ehs,
        "difficulty_t": results.inputs.difficulty_t,
        "block_time_s": tl.block_time_s,
        "btc_price_usd": mk.btc_price_usd,
        "hashprice_usd_per_ph_day": mk.hashprice_usd_per_ph_day,
        "btc_mined": f.btc_mined[0],
        "revenue_usd": f.revenue_usd[0],
        "curtailment_credit_usd": f.curtailment_credit_usd[0],
        "power_cost_usd": f.power_cost_usd[0],
        "opex_usd": f.opex_usd[0],
        "ebitda_usd": f.ebitda_usd[0],
        "capex_usd": f.capex_usd[0],
        "depreciation_usd": f.depreciation_usd[0],
        "tax_usd": f.tax_usd[0],
        "resale_usd": f.resale_usd[0],
        "free_cash_flow_usd": f.free_cash_flow_usd[0],
        "cumulative_fcf_usd": np.cumsum(f.free_cash_flow_usd[0]),
        "loss_carryforward_usd": results.tax_loss_carried_usd,
        "g_and_a_usd": f.g_and_a_usd[0],
        "tax_depreciation_usd": f.tax_depreciation_usd[0],
        "gain_on_disposal_usd": f.gain_on_disposal_usd[0],
        "book_gain_on_disposal_usd": f.book_gain_on_disposal_usd[0],
        "taxable_income_usd": results.taxable_income_usd,
    }


def hpc_entries(analysis: ConversionAnalysis, results: Results) -> list[dict[str, Any]]:
    """Per site with an AI/HPC plan, ranked by the NPV converting adds."""
    out = []
    for site in analysis.ranked():
        irr = site.irr_annual
        out.append(
            {
                "site": site.site,
                "share": site.plan.share,
                "start_month": format_month(site.plan.start_month),
                "it_mw": site.it_mw,
                "keep_npv_usd": _num(site.keep_npv_usd),
                "keep_npv_reconciliation": [
                    {"label": label, "npv_usd": value}
                    for label, value in site.keep_reconciliation(results)
                ],
                "convert_npv_usd": _num(site.convert_npv_usd),
                "convert_operations_npv_usd": _num(site.convert_operations_npv_usd),
                "convert_value_at_horizon_npv_usd": _num(site.convert_value_at_horizon_npv_usd),
                "partial_npv_usd": _num(site.partial_npv_usd),
                "npv_gain_usd": _num(site.npv_gain_usd),
                "keep_irr_annual": _num(irr[0]),
                "convert_irr_annual": _num(irr[1]),
                "partial_irr_annual": _num(irr[2]),
                "convert_payback_months": _num(site.payback.months[1]),
                "convert_payback_status": m.PaybackStatus(int(site.payback.status[1])).key,
                "crossover_month": _month_label(results, site.crossover_month),
                "breakeven_rent_usd_per_kw_month": _num(site.breakeven_rent_usd_per_kw_month),
                "breakeven_btc_price_multiple": _num(site.breakeven_btc_price_multiple),
                "peak_funding_usd": _num(site.peak_funding_usd),
            }
        )
    return out


def uncertainty_sections(
    project: Project, results: Results, settings: MonteCarloSettings | None = None
) -> dict[str, Any]:
    """Scenarios side by side, the tornado and two-way table, the swaps, Monte Carlo."""
    scenarios = _scenario_entries(project, results)
    sensitivity = _sensitivity_section(project)
    skipped: list[str] = []
    swaps = _swap_entries(project, skipped)
    return {
        "scenarios": scenarios,
        "sensitivity": sensitivity,
        "monte_carlo": _monte_carlo_section(results, settings or MonteCarloSettings(), project),
        "swaps": swaps,
        "swap_warnings": skipped,
    }


def _scenario_entries(project: Project, results: Results) -> list[dict[str, Any]]:
    """Every scenario's fleet KPIs and cumulative free cash flow over the same horizon."""
    scenarios = []
    for name, other in compare_scenarios(project, results.inputs.months):
        entry = {"name": name, **kpi_dict(other, other.fleet_kpis, 0, other.fleet_irr_annual)}
        entry["cumulative_fcf_usd"] = np.cumsum(other.fleet.free_cash_flow_usd[0]).tolist()
        scenarios.append(entry)
    return scenarios


def _sensitivity_section(project: Project) -> dict[str, Any]:
    """The tornado's bars and the two-way table of BTC price by power price."""
    bars = tornado(project)
    table = two_way(project)
    return {
        "base_npv_usd": _num(bars.base_npv_usd),
        "tornado": [
            {
                "driver": b.key,
                "label": b.label,
                "step": b.step,
                "npv_low_usd": _num(b.npv_low_usd),
                "npv_high_usd": _num(b.npv_high_usd),
                "payback_low_months": _num(b.payback_low_months),
                "payback_high_months": _num(b.payback_high_months),
            }
            for b in bars.bars
        ],
        "two_way": {
            "btc_price_factors": table.btc_price_factors.tolist(),
            "power_price_factors": table.power_price_factors.tolist(),
            "npv_usd": table.npv_usd.tolist(),
            "payback_months": [[_num(v) for v in row] for row in table.payback_months],
        },
    }


def _swap_entries(project: Project, skipped: list[str]) -> list[dict[str, Any]]:
    """The project's swaps analysed; the ones that cannot be are added to `skipped`."""
    return [
        {
            "row": swap.swap.row,
            "model": swap.swap.model,
            "month": format_month(swap.swap.month),
            "new_count": swap.new_count,
            "sale_usd": swap.sale_usd,
            "capex_usd": swap.capex_usd,
            "npv_usd": _num(swap.npv_usd),
            "irr_annual": _num(swap.irr_annual),
            "payback_months": _num(swap.payback_months),
            "pays_back_before_halving": swap.pays_back_before_halving,
        }
        for swap in analyse_swaps(project, skipped)
    ]


def _monte_carlo_section(
    results: Results, settings: MonteCarloSettings, project: Project | None = None
) -> dict[str, Any]:
    """The fleet's Monte Carlo run, then the per-row payback probabilities; with a project
    that has a treasury, the treasury on every path (engine/montecarlo_treasury.py)."""
    plan = None
    if project is not None and has_treasury(project):
        plan = treasury_plan(project, results.inputs)
    mc = run_monte_carlo(results, settings, treasury=plan)
    chances = row_payback_chances(results, mc.settings)  # null: no capex in the horizon
    section = {
        "paths": mc.settings.paths,
        "seed": mc.settings.seed,
        "price_volatility": mc.settings.price_volatility,
        "network_elasticity": mc.settings.network_elasticity,
        "network_lag_months": mc.settings.network_lag_months,
        "p_payback_before_halving": mc.p_payback_before_halving,
        "p_payback_within_horizon": mc.p_payback_within_horizon,
        "npv_percentiles_usd": _percentiles(mc.npv_percentiles_usd),
        "cumulative_fcf_percentiles_usd": {
            f"p{q}": values.tolist()
            for q, values in zip(PERCENTILES, mc.cumulative_percentiles_usd, strict=True)
        },
        "row_paths": chances.paths,
        "rows": [
            {
                "name": name,
                "p_payback_before_halving": _num(chances.before_halving[r]),
                "p_payback_within_horizon": _num(chances.within_horizon[r]),
            }
            for r, name in enumerate(results.inputs.row_names)
        ],
    }
    if mc.treasury is not None:
        section.update(_treasury_monte_carlo(mc.treasury))
    return section


def _percentiles(values: np.ndarray) -> dict[str, float | None]:
    """{"p5": ..., "p95": ...} of PERCENTILES' values."""
    return {f"p{q}": _num(v) for q, v in zip(PERCENTILES, values, strict=True)}


def _treasury_monte_carlo(treasury: TreasuryMonteCarlo) -> dict[str, Any]:
    """The treasury's chances and percentiles over the paths, and each hedge's worth."""
    return {
        "p_cash_shortfall_before_halving": treasury.p_cash_shortfall_before_halving,
        "p_cash_shortfall_within_horizon": treasury.p_cash_shortfall_within_horizon,
        "p_margin_call": treasury.p_margin_call,
        "cash_end_percentiles_usd": _percentiles(treasury.cash_end_percentiles_usd),
        "btc_held_end_percentiles": _percentiles(treasury.btc_held_end_percentiles),
        "tax_unsettled_paths": treasury.unsettled_paths,
        "hedges": [
            {
                "name": h.name,
                "type": h.type,
                "p5_cash_end_with_usd": _num(h.p5_cash_end_with_usd),
                "p5_cash_end_without_usd": _num(h.p5_cash_end_without_usd),
                "p50_cash_end_with_usd": _num(h.p50_cash_end_with_usd),
                "p50_cash_end_without_usd": _num(h.p50_cash_end_without_usd),
            }
            for h in treasury.hedges
        ],
    }


def build_report(
    project: Project,
    results: Results,
    analysis: ConversionAnalysis | None = None,
    uncertainty: bool = True,
    settings: MonteCarloSettings | None = None,
) -> dict[str, Any]:
    """The machine-readable report (see README: `report --json`)."""
    if analysis is None:
        analysis = analyse_conversions(project, results)
    inputs = results.inputs
    report: dict[str, Any] = {
        "project": project.name,
        "scenario": inputs.scenario_name,
        "start_month": format_month(inputs.start_month),
        "horizon_months": inputs.months,
        "discount_rate_per_year": inputs.discount_rate_per_year,
        "fleet": _fleet_entry(results),
        "sites": _site_entries(results),
        "rows": _row_entries(results),
        "monthly": _monthly_entries(results),
        "fiscal_years": fiscal_year_entries(results),
        "bridge": [
            {"label": line.label, "npv_usd": line.npv_usd, "kind": line.kind, "site": line.site}
            for line in bridge_of(results)
        ],
        "hpc": hpc_entries(analysis, results),
        **(uncertainty_sections(project, results, settings) if uncertainty else {}),
    }
    treasury = run_treasury(results, project) if has_treasury(project) else None
    report["warnings"] = warnings_of(results, project, treasury) + [
        f"AI/HPC plan {w}" for w in analysis.skipped
    ]
    saved = saved_best_buy(project)
    if saved is not None:
        report["best_buy"] = best_buy_entry(project, saved)
    if treasury is not None:  # absent without treasury settings, debt or hedges
        report["treasury"] = treasury_entry(results, treasury)
    if "swap_warnings" in report:
        report["warnings"] += [f"swap: {w}" for w in report.pop("swap_warnings")]
    return report


def _fleet_entry(results: Results) -> dict[str, Any]:
    """The fleet's KPIs, the next halving, and the fleet's size, efficiency and unit capex."""
    inputs = results.inputs
    height, when = next_halving(results)
    fleet = kpi_dict(results, results.fleet_kpis, 0, results.fleet_irr_annual)
    total_th = float((inputs.count * inputs.hashrate_th).sum())
    bought = (inputs.purchase_idx >= 0) & (inputs.purchase_idx < inputs.months)
    bought_th = float((inputs.count * inputs.hashrate_th)[bought].sum())
    rig_capex = float(results.row_kpis.capex_usd.sum())
    fleet.update(
        {
            "next_halving_height": height,
            "next_halving_date": when.isoformat(),
            "rigs": int(inputs.count.sum()),
            "hashrate_ph": total_th / 1000.0,
            "efficiency_j_per_th": float((inputs.count * inputs.power_w).sum()) / total_th
            if total_th
            else None,
            "capex_usd_per_th": rig_capex / bought_th if bought_th else None,
            # The tax loss carried forward at the horizon: a deferred tax asset.
            "tax_loss_carryforward_end_usd": _num(results.tax_loss_carried_usd[-1]),
        }
    )
    return fleet


def best_buy_entry(project: Project, saved: SavedBestBuy) -> dict[str, Any]:
    """The best buy for the project's saved inputs: the mix, its capex and the NPV it adds
    (the engine's, with the rigs added to the fleet), and any saved name it skipped."""
    answer = saved.answer
    problem, best = answer.problem, answer.best
    mix = best.mix(problem)
    settings = project.best_buy
    npv_usd = evaluate_plan(project, problem, best, settings.purchase_month).npv_usd if mix else 0.0
    return {
        "mix": [{"model": model, "site": site, "count": count} for model, site, count in mix],
        "capex_usd": best.capex_usd,
        "npv_usd": npv_usd,
        "budget_usd": settings.budget_usd,
        "skipped": list(saved.skipped),
    }


def fiscal_year_entries(results: Results) -> list[dict[str, Any]]:
    """The tax as filed, fiscal year by fiscal year (labelled by the calendar year each
    ends in); a year's tax equals the monthly tax paid for it."""
    years = results.fiscal_years
    calendar = results.inputs.fiscal
    return [
        {
            "year": label,
            "first_month": format_month(results.inputs.timeline.month_starts[first]),
            "last_month": format_month(results.inputs.timeline.month_starts[last]),
            "taxable_income_usd": float(years.taxable_income_usd[y]),
            "loss_used_usd": float(years.loss_used_usd[y]),
            "loss_expired_usd": float(years.loss_expired_usd[y]),
            "tax_usd": float(years.tax_usd[y]),
            "loss_carryforward_end_usd": float(years.loss_carryforward_end_usd[y]),
        }
        for y, (label, first, last) in enumerate(
            zip(calendar.labels, calendar.year_first_month, calendar.year_last_month, strict=True)
        )
    ]


def _site_entries(results: Results) -> list[dict[str, Any]]:
    """Each site's KPIs, and its rigs' power over the horizon (hourly power)."""
    power = results.site_power
    uptime = power.uptime_effective
    power_price = power.effective_power_price_usd_per_kwh
    sites = results.sites
    return [
        {
            "name": name,
            **kpi_dict(results, results.site_kpis, s, _num(results.site_irr_annual[s])),
            "uptime_effective": _num(uptime[s]),
            "effective_power_price_usd_per_kwh": _num(power_price[s]),
            "power_sales_usd": float(power.power_sales_usd[s]),
            "curtailment_savings_usd": float(power.curtailment_savings_usd[s]),
            "fourcp_savings_usd": float(sites.fourcp_savings_usd[s].sum()),
            "demand_response_usd": float(sites.demand_response_usd[s].sum()),
        }
        for s, name in enumerate(results.inputs.site_names)
    ]


def _row_entries(results: Results) -> list[dict[str, Any]]:
    """Each fleet row's KPIs, efficiency and breakevens."""
    inputs = results.inputs
    b = results.breakevens
    row_irr = results.row_irr_annual
    power = results.row_power
    uptime = power.uptime_effective
    power_price = power.effective_power_price_usd_per_kwh
    rows = []
    for r, name in enumerate(inputs.row_names):
        rows.append(
            {
                "name": name,
                "site": inputs.row_sites[r],
                "model": inputs.row_models[r],
                "count": int(inputs.count[r]),
                **kpi_dict(results, results.row_kpis, r, _num(row_irr[r])),
                "marginal_npv_usd": float(results.marginal_npv_usd[r]),
                "efficiency_j_per_th": float(inputs.power_w[r] / inputs.hashrate_th[r]),
                "first_online_month": _month_label(results, int(b.first_online_month[r])),
                "breakeven_btc_price_usd": _num(b.btc_price_usd[r]),
                "breakeven_hashprice_usd_per_ph_day": _num(b.hashprice_usd_per_ph_day[r]),
                "breakeven_power_usd_per_kwh": _num(b.power_usd_per_kwh[r]),
                "breakeven_btc_price_after_halving_usd": _num(b.btc_price_after_halving_usd[r]),
                "breakeven_hashprice_after_halving_usd_per_ph_day": _num(
                    b.hashprice_after_halving_usd_per_ph_day[r]
                ),
                "breakeven_power_after_halving_usd_per_kwh": _num(
                    b.power_after_halving_usd_per_kwh[r]
                ),
                "unprofitable_from_month": _month_label(results, int(b.unprofitable_from_month[r])),
                "shutdown_months": int(b.shutdown_months[r]),
                "uptime_effective": _num(uptime[r]),
                "effective_power_price_usd_per_kwh": _num(power_price[r]),
                "power_sales_usd": float(power.power_sales_usd[r]),
                "curtailment_savings_usd": float(power.curtailment_savings_usd[r]),
            }
        )
    return rows


def _monthly_entries(results: Results) -> list[dict[str, Any]]:
    """The fleet's monthly figures (`monthly_columns`, then the hourly-power items), one
    dict per month."""
    fleet = results.fleet
    columns = {
        **monthly_columns(results),
        "power_sales_usd": fleet.power_sales_usd[0],
        "fourcp_savings_usd": fleet.fourcp_savings_usd[0],
        "demand_response_usd": fleet.demand_response_usd[0],
    }
    labels = [format_month(m) for m in results.inputs.timeline.month_starts]
    return [
        {"month": label, **{key: values[t].item() for key, values in columns.items()}}
        for t, label in enumerate(labels)
    ]


def report_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- text report


__all__ = ["build_report", "monthly_columns", "next_halving", "payback_text", "render_text"]
