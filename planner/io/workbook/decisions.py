"""The decision sheets: Scenarios, Sensitivity, Swaps and Monte Carlo, as the planner
computed them at export (values: each figure needs the model rerun with other inputs).
The analyses ran before writing (data.py); here they are only written."""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.engine.sensitivity import DRIVER_BY_KEY
from planner.io.display import NOT_AVAILABLE
from planner.io.report import next_halving
from planner.io.workbook.book import Book, cell, finite, header, text_cell, title, widths
from planner.io.workbook.columns import BTC, COUNT, DECIMAL, MONTH, PERCENT, USD, USD_CENTS
from planner.io.workbook.data import ExportData

NOTE = "Values computed by the planner at export; each needs the model rerun."
STATUS = {0: "paid back", 1: "never", 2: "immediate"}
SCENARIO_HEADER = (
    "Scenario",
    "NPV (USD)",
    "IRR",
    "Payback (months)",
    "Payback status",
    "BTC mined",
    "Revenue (USD)",
    "Capex (USD)",
    "FCF (USD)",
    "Cash cost per BTC (USD)",
    "All-in cost per BTC (USD)",
    "Next halving",
)
TORNADO_HEADER = (
    "Driver",
    "Step",
    "NPV at -step (USD)",
    "NPV at +step (USD)",
    "Payback at -step (months)",
    "Payback at +step (months)",
    "Swing (USD)",
)
SWAP_HEADER = (
    "Replace batch",
    "With model",
    "At month",
    "New rigs",
    "Sale (USD)",
    "Capex (USD)",
    "NPV (USD)",
    "IRR",
    "Payback (months)",
    "Before the halving",
    "Notes",
)


def _chance_cell(ws: Any, chance: float) -> Any:
    """A probability, or "n/a" for a row with nothing to pay back in the horizon."""
    if np.isfinite(chance):
        return cell(ws, chance, PERCENT)
    return text_cell(ws, NOT_AVAILABLE)


def write_decision_sheets(book: Book, data: ExportData) -> None:
    write_scenarios(book, data)
    write_sensitivity(book, data)
    write_swaps(book, data)
    write_monte_carlo(book, data)


def write_scenarios(book: Book, data: ExportData) -> None:
    compared, months = data.compared, data.months
    ws = book.sheet(
        "Scenarios", 4 + len(compared) + 2 + months, max(12, 1 + len(compared)), one_table=False
    )
    ws.freeze_panes = "B5"
    widths(ws, (22, 14, 10, 12, 12, 12, 14, 14, 14, 14, 14, 14))
    ws.append(title(ws, "Scenarios side by side"))
    ws.append([text_cell(ws, NOTE)])
    ws.append([])
    ws.append(header(ws, SCENARIO_HEADER))
    for name, results in compared:
        k = results.fleet_kpis
        irr = results.fleet_irr_annual
        ws.append(
            [
                text_cell(ws, name),
                cell(ws, float(k.npv_usd[0]), USD),
                cell(ws, "" if irr is None else irr, PERCENT),
                cell(ws, finite(k.payback_months[0]), DECIMAL),
                text_cell(ws, STATUS[int(k.payback_status[0])]),
                cell(ws, float(k.btc_mined[0]), BTC),
                cell(ws, float(k.revenue_usd[0]), USD),
                cell(ws, float(k.capex_usd[0]), USD),
                cell(ws, float(k.free_cash_flow_usd[0]), USD),
                cell(ws, finite(k.cost_per_btc_cash_usd[0]), USD_CENTS),
                cell(ws, finite(k.cost_per_btc_all_in_usd[0]), USD_CENTS),
                cell(ws, next_halving(results)[1], "yyyy-mm-dd"),
            ]
        )
    ws.append([])
    ws.append(header(ws, ["Cumulative FCF (USD)", *(name for name, _r in compared)]))
    cumulative = [np.cumsum(r.fleet.free_cash_flow_usd[0]) for _n, r in compared]
    starts = data.results.inputs.timeline.month_starts
    for t in range(months):
        ws.append([cell(ws, starts[t], MONTH)] + [cell(ws, float(c[t]), USD) for c in cumulative])


def write_sensitivity(book: Book, data: ExportData) -> None:
    bars, table = data.tornado, data.two_way
    rows = 4 + len(bars.bars) + 2 * (3 + table.btc_price_factors.size)
    cols = max(7, 1 + table.power_price_factors.size)
    ws = book.sheet("Sensitivity", rows, cols)
    widths(ws, (26, 10, 16, 16, 16, 16, 14))
    ws.append(title(ws, "Sensitivity of the fleet's NPV and payback"))
    ws.append([text_cell(ws, f"{NOTE} Base NPV {bars.base_npv_usd:,.0f} USD.")])
    ws.append([])
    ws.append(header(ws, TORNADO_HEADER))
    for bar in bars.bars:
        ws.append(
            [
                text_cell(ws, bar.label),
                text_cell(ws, DRIVER_BY_KEY[bar.key].describe(bar.step)),
                cell(ws, bar.npv_low_usd, USD),
                cell(ws, bar.npv_high_usd, USD),
                cell(ws, finite(bar.payback_low_months), DECIMAL),
                cell(ws, finite(bar.payback_high_months), DECIMAL),
                cell(ws, bar.swing_usd, USD),
            ]
        )
    power_header = ["BTC price x", *(f"{p:.0%}" for p in table.power_price_factors)]
    ws.append([])
    ws.append([text_cell(ws, "Fleet NPV (USD): BTC price path x (rows), power prices x (columns)")])
    ws.append(header(ws, power_header))
    for i, factor in enumerate(table.btc_price_factors):
        ws.append(
            [cell(ws, float(factor), "0%")] + [cell(ws, float(v), USD) for v in table.npv_usd[i]]
        )
    ws.append([])
    ws.append([text_cell(ws, "Fleet payback (months; empty: not within the horizon)")])
    ws.append(header(ws, power_header))
    for i, factor in enumerate(table.btc_price_factors):
        ws.append(
            [cell(ws, float(factor), "0%")]
            + [cell(ws, finite(v), DECIMAL) for v in table.payback_months[i]]
        )


def write_swaps(book: Book, data: ExportData) -> None:
    swaps, skipped = data.swaps, data.swaps_skipped
    ws = book.sheet("Swaps", 4 + len(swaps) + (1 if skipped else 0), len(SWAP_HEADER))
    widths(ws, (22, 22, 11, 10, 14, 14, 14, 10, 12, 12, 30))
    ws.append(title(ws, "Candidate swaps against doing nothing (fleet cash flow after tax)"))
    ws.append([text_cell(ws, NOTE)])
    ws.append([])
    ws.append(header(ws, SWAP_HEADER))
    for r in swaps:
        ws.append(
            [
                text_cell(ws, r.swap.row),
                text_cell(ws, r.swap.model),
                cell(ws, r.swap.month, MONTH),
                cell(ws, r.new_count, COUNT),
                cell(ws, r.sale_usd, USD),
                cell(ws, r.capex_usd, USD),
                cell(ws, r.npv_usd, USD),
                cell(ws, finite(r.irr_annual), PERCENT),
                cell(ws, finite(r.payback_months), DECIMAL),
                text_cell(ws, "yes" if r.pays_back_before_halving else "no"),
                text_cell(ws, r.swap.notes),
            ]
        )
    if skipped:
        ws.append([text_cell(ws, "Left out: " + "; ".join(skipped))])


def write_monte_carlo(book: Book, data: ExportData) -> None:
    mc, paybacks, months = data.monte_carlo, data.row_payback, data.months
    names = data.results.inputs.row_names
    ws = book.sheet("Monte Carlo", 12 + 2 + months + 2 + len(names), 6, one_table=False)
    ws.freeze_panes = "B15"
    widths(ws, (34, 16, 16, 16, 16, 16))
    ws.append(title(ws, "Monte Carlo of the fleet's cash flow"))
    ws.append([text_cell(ws, NOTE + " Seeded: the same settings give the same figures.")])
    st = mc.settings
    for label, value, fmt in (
        ("Paths", st.paths, COUNT),
        ("Seed", st.seed, None),
        ("BTC price volatility (per year)", st.price_volatility, PERCENT),
        ("Network elasticity to price", st.network_elasticity, DECIMAL),
        ("Network lag (months)", st.network_lag_months, None),
        ("Network noise (per year)", st.network_noise, PERCENT),
        ("Fee noise (per month)", st.fee_noise, PERCENT),
        ("P(payback before the halving)", mc.p_payback_before_halving, PERCENT),
        ("P(payback within the horizon)", mc.p_payback_within_horizon, PERCENT),
    ):
        ws.append([text_cell(ws, label), cell(ws, value, fmt)])
    ws.append(
        [text_cell(ws, "NPV percentiles (USD)")]
        + [cell(ws, float(v), USD) for v in mc.npv_percentiles_usd]
    )
    ws.append([])
    ws.append(header(ws, ["Cumulative FCF (USD)", "P5", "P25", "P50", "P75", "P95"]))
    starts = data.results.inputs.timeline.month_starts
    for t in range(months):
        ws.append(
            [cell(ws, starts[t], MONTH)]
            + [cell(ws, float(v), USD) for v in mc.cumulative_percentiles_usd[:, t]]
        )
    ws.append([])
    row_header = (
        f"Fleet row ({paybacks.paths:,} paths)",
        "P(payback before the halving)",
        "P(payback in the horizon)",
    )
    ws.append(header(ws, row_header))
    for i, name in enumerate(names):
        ws.append(
            [
                text_cell(ws, name),
                _chance_cell(ws, float(paybacks.before_halving[i])),
                _chance_cell(ws, float(paybacks.within_horizon[i])),
            ]
        )
