"""The headless report as text for people: the fleet's summary, sites, rows and AI/HPC
options, from the dict `report.build_report` makes."""

from __future__ import annotations

import math
from typing import Any

from planner.engine import metrics as m
from planner.io import display
from planner.io.display import money

_STATUS_OF_KEY = {status.key: status for status in m.PaybackStatus}


def percent(value: float | None) -> str:
    """A rate in the text report: "n/a" where there is none (an IRR that does not exist),
    as the window says it."""
    return display.percent(value)


def payback_text(entry: dict[str, Any], horizon: int, key: str = "payback") -> str:
    """A report entry's payback (or discounted payback) in full."""
    status = _STATUS_OF_KEY[entry[f"{key}_status"]]
    months = entry.get(f"{key}_months")
    on = entry.get("payback_date") if key == "payback" else None
    return display.payback_in_full(status, math.nan if months is None else months, horizon, on)


def _short_payback(entry: dict[str, Any]) -> str:
    months = entry["payback_months"]
    return display.payback(
        _STATUS_OF_KEY[entry["payback_status"]], math.nan if months is None else months
    )


def _table(headers: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell; each money column at one scale, as the window's
    tables show it (display.uniform_money_columns)."""
    rows = display.uniform_money_columns(rows)
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_text(report: dict[str, Any]) -> str:
    """A readable summary: fleet KPIs, then a table per site and per fleet row."""
    out = [
        *_summary_lines(report),
        "",
        *_sites_lines(report["sites"]),
        "",
        *_rows_lines(report["rows"]),
    ]
    if report["hpc"]:
        out += ["", *_hpc_lines(report["hpc"])]
    if report["warnings"]:
        out += ["", "Warnings", *(f"  - {w}" for w in report["warnings"])]
    return "\n".join(out) + "\n"


def _indented(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]


def _summary_lines(report: dict[str, Any]) -> list[str]:
    """The project, scenario and next halving, then the fleet's KPIs."""
    f = report["fleet"]
    horizon = report["horizon_months"]
    roi = percent(f["roi"]) if f["roi"] is not None else "n/a (no capex in the horizon)"
    efficiency = (
        f"{f['efficiency_j_per_th']:,.1f} J/TH"
        if f["efficiency_j_per_th"] is not None
        else "no rigs"
    )
    return [
        f"{report['project']}",
        f"Scenario {report['scenario']}: {report['start_month']}, {horizon} months, "
        f"discounted at {percent(report['discount_rate_per_year'])}/yr",
        f"Next halving: block {f['next_halving_height']:,}, about {f['next_halving_date']}",
        "",
        "Fleet",
        f"  Rigs in the plan       {f['rigs']:,} ({f['hashrate_ph']:,.1f} PH/s nameplate, "
        f"{efficiency})",
        f"  NPV                    {money(f['npv_usd'], compact=False)}",
        f"  IRR                    {percent(f['irr_annual'])}",
        f"  Payback                {payback_text(f, horizon)}",
        f"  Discounted payback     {payback_text(f, horizon, 'discounted_payback')}",
        f"  ROI                    {roi}",
        f"  Capex                  {money(f['capex_usd'], compact=False)}",
        f"  Revenue                {money(f['revenue_usd'], compact=False)}",
        f"  BTC mined              {f['btc_mined']:,.2f} BTC",
        f"  Cost per BTC (cash)    {money(f['cost_per_btc_cash_usd'], compact=False)}",
        f"  Cost per BTC (all-in)  {money(f['cost_per_btc_all_in_usd'], compact=False)}",
    ]


def _sites_lines(sites: list[dict[str, Any]]) -> list[str]:
    """A table of the sites' KPIs."""
    table = _table(
        ["Site", "NPV", "IRR", "Payback", "BTC mined", "Cash $/BTC", "All-in $/BTC"],
        [
            [
                s["name"],
                money(s["npv_usd"]),
                percent(s["irr_annual"]),
                _short_payback(s),
                f"{s['btc_mined']:,.1f}",
                money(s["cost_per_btc_cash_usd"], compact=False),
                money(s["cost_per_btc_all_in_usd"], compact=False),
            ]
            for s in sites
        ],
    )
    return ["Sites", *_indented(table)]


def _rows_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A table of the fleet rows: KPIs and breakevens."""
    table = _table(
        [
            "Row",
            "Site",
            "Rigs",
            "NPV",
            "Payback",
            "BTC mined",
            "Breakeven BTC",
            "Breakeven $/PH/day",
            "Breakeven $/kWh",
            "Unprofitable from",
        ],
        [
            [
                r["name"],
                r["site"],
                f"{r['count']:,}",
                money(r["npv_usd"]),
                _short_payback(r),
                f"{r['btc_mined']:,.1f}",
                money(r["breakeven_btc_price_usd"], compact=False),
                display.NOT_AVAILABLE
                if r["breakeven_hashprice_usd_per_ph_day"] is None
                else f"{r['breakeven_hashprice_usd_per_ph_day']:,.2f}",
                display.NOT_AVAILABLE
                if r["breakeven_power_usd_per_kwh"] is None
                else f"{r['breakeven_power_usd_per_kwh']:,.4f}",
                r["unprofitable_from_month"] or "never",
            ]
            for r in rows
        ],
        left=2,
    )
    return ["Fleet rows", *_indented(table)]


def _hpc_lines(hpc: list[dict[str, Any]]) -> list[str]:
    """A table of the sites' AI/HPC conversions, as ranked in the report."""
    table = _table(
        [
            "Site",
            "Keep NPV",
            "Convert NPV",
            "Partial NPV",
            "Convert IRR",
            "Crossover",
            "Breakeven rent",
            "BTC x",
            "Peak funding",
        ],
        [
            [
                h["site"],
                money(h["keep_npv_usd"]),
                money(h["convert_npv_usd"]),
                f"{money(h['partial_npv_usd'])} ({h['share']:.0%})",
                percent(h["convert_irr_annual"]),
                h["crossover_month"] or "never",
                display.NOT_AVAILABLE
                if h["breakeven_rent_usd_per_kw_month"] is None
                else f"${h['breakeven_rent_usd_per_kw_month']:,.2f}/kW-mo",
                display.NOT_AVAILABLE
                if h["breakeven_btc_price_multiple"] is None
                else f"{h['breakeven_btc_price_multiple']:,.2f}x",
                money(h["peak_funding_usd"]),
            ]
            for h in hpc
        ],
    )
    return [
        "AI/HPC conversion (site cash flows before tax; ranked by NPV gained)",
        *_indented(table),
    ]
