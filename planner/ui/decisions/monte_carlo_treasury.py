"""Decisions > Monte Carlo, the treasury's part (a project with a treasury): the chances
of a cash shortfall and of a margin call, the percentiles of ending cash and BTC held,
each hedge with and without it, and the fan of cash by month against the buffer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from planner.engine.montecarlo_treasury import PERCENTILES, TreasuryMonteCarlo
from planner.io import display
from planner.ui.chart_menu import ChartTable
from planner.ui.decisions.results_table import ResultTable
from planner.ui.fan_chart import FanChart

TABLE_HEIGHT_PX = 84  # a header and two lines
PRESS_RUN = "Press Run Monte Carlo to see the company's cash over the paths."
# P5-P95 light, P25-P75 darker, P50 bold: as the fleet's fan.
BAND_LABELS = ("P5–P95 of cash", "P25–P75 of cash")
SHORTFALL_TIP = (
    "A month that ends with cash below the minimum cash buffer after the policy has sold "
    "what it may (the month's mined BTC, then free held BTC when it covers shortfalls)."
)


def chances_text(treasury: TreasuryMonteCarlo) -> str:
    """The treasury's chances in a sentence."""
    unsettled = (
        f" {treasury.unsettled_paths:,} paths' tax on BTC sales did not settle to the cent."
        if treasury.unsettled_paths
        else ""
    )
    return (
        f"Cash below the {display.money_short(treasury.min_cash_buffer_usd)} buffer: "
        f"{treasury.p_cash_shortfall_before_halving:.1%} of paths before the halving, "
        f"{treasury.p_cash_shortfall_within_horizon:.1%} within the horizon. "
        f"Margin call on a BTC loan: {treasury.p_margin_call:.1%}.{unsettled}"
    )


def percentile_lines(treasury: TreasuryMonteCarlo) -> tuple[list[str], list[list[str]]]:
    """Ending cash and BTC held at each percentile: headers and two lines."""
    headers = ["At the horizon's end", *(f"P{q}" for q in PERCENTILES)]
    cash = display.money_column(treasury.cash_end_percentiles_usd.tolist(), compact=True)
    btc = [f"{v:,.1f} BTC" for v in treasury.btc_held_end_percentiles.tolist()]
    return headers, [["Cash", *cash], ["BTC held", *btc]]


def hedge_lines(treasury: TreasuryMonteCarlo) -> tuple[list[str], list[list[str]]]:
    """Each hedge: P5 and P50 of ending cash with and without it, the lift and the cost."""
    headers = [
        "Hedge",
        "P5 cash with",
        "P5 without",
        "Lift at P5",
        "P50 cash with",
        "P50 without",
        "Cost at P50",
    ]
    lines = []
    for h in treasury.hedges:
        money = display.money_column(
            [
                h.p5_cash_end_with_usd,
                h.p5_cash_end_without_usd,
                h.p5_lift_usd,
                h.p50_cash_end_with_usd,
                h.p50_cash_end_without_usd,
                h.p50_cost_usd,
            ],
            compact=True,
        )
        lines.append([h.name, *money])
    return headers, lines


class TreasuryPanel(QWidget):
    """The treasury's figures over the paths, beside the fleet's charts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.treasury: TreasuryMonteCarlo | None = None
        self.chances = QLabel(PRESS_RUN)
        self.chances.setWordWrap(True)
        self.chances.setToolTip(SHORTFALL_TIP)
        self._build_fan()
        self.percentiles = ResultTable()
        self.percentiles.setMinimumHeight(TABLE_HEIGHT_PX)
        self.hedges = ResultTable()
        self.hedges.setMinimumHeight(TABLE_HEIGHT_PX)
        tables = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.fan_plot, self.percentiles, self.hedges):
            tables.addWidget(widget)
        tables.setStretchFactor(0, 3)
        tables.setStretchFactor(1, 1)
        tables.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chances)
        layout.addWidget(tables, 1)

    def _build_fan(self) -> None:
        """Five percentile curves of cash at each month's end, the bands between them and
        the minimum cash buffer."""
        self.fan = FanChart(
            "Company cash across the paths",
            "cash",
            BAND_LABELS,
            "monte_carlo_cash",
            PRESS_RUN,
            name_ends=False,
            buffer=True,
        )
        # The chart's parts by the names the panel has always given them.
        self.fan_plot = self.fan
        self.fan_lines = self.fan.lines
        self.fan_fills = self.fan.fills
        self.buffer_line = self.fan.buffer_line
        self.fan_menu = self.fan.menu
        self.fan_note = self.fan.note

    def show_treasury(self, treasury: TreasuryMonteCarlo, month_starts: Sequence[date]) -> None:
        """The run's figures; the fan over the months of `month_starts`."""
        self.treasury = treasury
        self.chances.setText(chances_text(treasury))
        self.percentiles.show_rows(*percentile_lines(treasury))
        self.hedges.show_rows(*hedge_lines(treasury))
        self.hedges.setVisible(bool(treasury.hedges))
        self.fan.show_fan(treasury.cash_percentiles_usd, month_starts, treasury.min_cash_buffer_usd)

    def clear(self, why: str) -> None:
        """Nothing of a run: `why` over the chart."""
        self.treasury = None
        self.chances.setText(why)
        self.percentiles.show_rows([], [])
        self.hedges.show_rows([], [])
        self.fan.clear_fan(why)

    def fan_table(self) -> ChartTable:
        """The cash percentiles by month and the buffer (the chart's Copy data)."""
        return self.fan.table()
