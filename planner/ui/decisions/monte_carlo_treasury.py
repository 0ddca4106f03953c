"""Decisions > Monte Carlo, the treasury's part (a project with a treasury): the chances
of a cash shortfall and of a margin call, the percentiles of ending cash and BTC held,
each hedge with and without it, and the fan of cash by month against the buffer."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from planner.engine.montecarlo_treasury import PERCENTILES, TreasuryMonteCarlo
from planner.io import display
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits, month_table
from planner.ui.chart_parts import BLUE, INK, VERMILLION, MoneyAxis, MonthAxis, curve_data, pen
from planner.ui.decisions.results_table import ResultTable

TABLE_HEIGHT_PX = 84  # a header and two lines
PRESS_RUN = "Press Run Monte Carlo to see the company's cash over the paths."
# P5-P95 light, P25-P75 darker, P50 bold: as the fleet's fan.
BANDS = ((0, 4, 35, "P5–P95 of cash"), (1, 3, 80, "P25–P75 of cash"))
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
        self._month_starts: tuple[date, ...] = ()
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
        self.fan_plot = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.fan_plot.setTitle("Company cash across the paths")
        legend = self.fan_plot.addLegend(
            offset=(10, 10), labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 210)
        )
        self.fan_lines = [
            pg.PlotDataItem([], [], pen=pen(BLUE, 2.5 if q == 50 else 1.0), dynamicRangeLimit=None)
            for q in PERCENTILES
        ]
        self.fan_fills: list[pg.FillBetweenItem] = []
        for low, high, alpha, label in BANDS:
            brush = pg.mkBrush(QColor(0, 114, 178, alpha))
            fill = pg.FillBetweenItem(self.fan_lines[low], self.fan_lines[high], brush=brush)
            fill.setVisible(False)
            self.fan_plot.addItem(fill)
            self.fan_fills.append(fill)
            sample = pg.BarGraphItem(x=[], height=[], width=1, brush=brush, pen=pg.mkPen(None))
            legend.addItem(sample, label)
        for q, line in zip(PERCENTILES, self.fan_lines, strict=True):
            self.fan_plot.addItem(line)
            if q == 50:
                legend.addItem(line, "P50 (median)")
        self.buffer_line = pg.PlotDataItem([], [], pen=pen(VERMILLION, 1.5, Qt.PenStyle.DashLine))
        self.fan_plot.addItem(self.buffer_line)
        legend.addItem(self.buffer_line, "Minimum cash buffer")
        self.fan_menu = ChartMenu(self.fan_plot, self.fan_table, "monte_carlo_cash")
        self.fan_note = EmptyNote(self.fan_plot, PRESS_RUN)
        self.fan_note.set_empty(True)

    def show_treasury(
        self, treasury: TreasuryMonteCarlo, start: date, month_starts: tuple[date, ...]
    ) -> None:
        """The run's figures; the fan's months from `start`."""
        self.treasury = treasury
        self._month_starts = month_starts
        self.chances.setText(chances_text(treasury))
        self.percentiles.show_rows(*percentile_lines(treasury))
        self.hedges.show_rows(*hedge_lines(treasury))
        self.hedges.setVisible(bool(treasury.hedges))
        bands = treasury.cash_percentiles_usd
        x = np.arange(1, bands.shape[1] + 1, dtype=float)
        axis = self.fan_plot.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        axis.set_start(start)
        for line, values in zip(self.fan_lines, bands, strict=True):
            line.setData(x, values)
        self.buffer_line.setData([x[0], x[-1]], [treasury.min_cash_buffer_usd] * 2)
        for fill in self.fan_fills:
            fill.setVisible(True)
        fit_limits(self.fan_plot.getPlotItem())
        self.fan_plot.getPlotItem().getViewBox().enableAutoRange()
        self.fan_note.set_empty(False)

    def clear(self, why: str) -> None:
        """Nothing of a run: `why` over the chart."""
        self.treasury = None
        self.chances.setText(why)
        for line in (*self.fan_lines, self.buffer_line):
            line.setData([], [])
        for fill in self.fan_fills:
            fill.setVisible(False)
        self.percentiles.show_rows([], [])
        self.hedges.show_rows([], [])
        fit_limits(self.fan_plot.getPlotItem())
        self.fan_note.set_empty(True, why)

    def fan_table(self) -> ChartTable:
        """The cash percentiles by month and the buffer (the chart's Copy data)."""
        if self.treasury is None:
            return ChartTable((), [])
        series = {
            f"P{q} cash": curve_data(line)
            for q, line in zip(PERCENTILES, self.fan_lines, strict=True)
        }
        x = curve_data(self.fan_lines[0])[0]
        series["Minimum cash buffer"] = (x, np.full(x.size, self.treasury.min_cash_buffer_usd))
        return month_table(series, self._month_starts, "USD")
