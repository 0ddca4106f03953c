"""The Treasury tab's charts: cash against the buffer, BTC held, debt outstanding by
instrument, and each BTC-backed loan's LTV against its margin-call and liquidation lines.

As in charts.py: balances at a month's end are drawn at x = t + 1, flat lines span
[0, H]; every item is created once and fed with setData; each chart has the right-click
menu (copy data, export) and view limits on its data (chart_menu.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from planner.domain.project import Project
from planner.engine.treasury import TreasuryResult
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits, month_table
from planner.ui.chart_parts import (
    BLUE,
    DASHED_FIRST,
    FOREGROUND,
    GRID_ALPHA,
    ORANGE,
    SOLID_FIRST,
    VERMILLION,
    CurveSet,
    MoneyAxis,
    MonthAxis,
    curve_data,
    legend_below,
    pen,
    relayout_legend,
)

CHART_KEYS = ("cash", "btc", "debt", "ltv")
TAB_TITLES = ("Cash", "BTC held", "Debt outstanding", "LTV")
Y_TITLES = {"cash": "USD", "btc": "BTC", "debt": "USD outstanding", "ltv": "LTV (%)"}
UNITS = {"cash": "USD", "btc": "BTC", "debt": "USD", "ltv": "%"}
NO_TREASURY = (
    "No treasury yet: type the opening cash, BTC held or the buffer in the table on the "
    "left, or add debt or hedges, to see cash, BTC held and debt here."
)
NO_BTC_LOAN = "No BTC-backed loan: add one in the Debt table to see its LTV here."
DOTTED_FIRST = (Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashLine)


class TreasuryCharts(QWidget):
    """Four charts of a treasury in tabs; `show_treasury` updates them in place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.menus: dict[str, ChartMenu] = {}
        self.notes: dict[str, EmptyNote] = {}
        self._legends: dict[str, pg.LegendItem] = {}
        self._axes: dict[str, MonthAxis] = {}
        self._month_starts: tuple[date, ...] = ()
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        for key, title in zip(CHART_KEYS, TAB_TITLES, strict=True):
            self._make_plot(key, title)
        cash = self.plots["cash"].getPlotItem()
        self._cash = self._line(cash, "Cash at month end", pen(BLUE, 2.5))
        self._buffer = self._line(
            cash, "Minimum cash buffer", pen(VERMILLION, 1.6, Qt.PenStyle.DashLine)
        )
        btc = self.plots["btc"].getPlotItem()
        self._btc_held = self._line(btc, "BTC held", pen(ORANGE, 2.5))
        self._btc_pledged = self._line(
            btc, "of which pledged", pen(BLUE, 1.8, Qt.PenStyle.DashLine)
        )
        self._debt = CurveSet(self.plots["debt"].getPlotItem(), self._legends["debt"], SOLID_FIRST)
        ltv = self.plots["ltv"].getPlotItem()
        self._ltv = CurveSet(ltv, self._legends["ltv"], SOLID_FIRST)
        self._margin = CurveSet(ltv, self._legends["ltv"], DASHED_FIRST)
        self._liquidation = CurveSet(ltv, self._legends["ltv"], DOTTED_FIRST)
        for legend in self._legends.values():
            relayout_legend(legend)

    def _make_plot(self, key: str, title: str) -> None:
        axis_pen = pg.mkPen(FOREGROUND)
        month_axis = MonthAxis("bottom", pen=axis_pen, textPen=axis_pen)
        left = (
            MoneyAxis("left", pen=axis_pen, textPen=axis_pen)
            if UNITS[key] == "USD"
            else pg.AxisItem("left", pen=axis_pen, textPen=axis_pen)
        )
        widget = pg.PlotWidget(background="w", axisItems={"bottom": month_axis, "left": left})
        item = widget.getPlotItem()
        item.setLabel("left", Y_TITLES[key], color=FOREGROUND, **{"font-size": "9pt"})
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.getViewBox().setDefaultPadding(0.04)
        self._legends[key] = legend_below(item)
        self._axes[key] = month_axis
        self.plots[key] = widget
        self.menus[key] = ChartMenu(widget, partial(self.table, key), f"treasury_{key}")
        self.notes[key] = EmptyNote(widget, NO_TREASURY)
        self.notes[key].set_empty(True)
        self.tabs.addTab(widget, title)

    @staticmethod
    def _line(plot: pg.PlotItem, name: str, line_pen: object) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(np.zeros(0), np.zeros(0), pen=line_pen, name=name, antialias=True)
        plot.addItem(curve)
        return curve

    # -- update -------------------------------------------------------------------------

    def show_treasury(
        self, month_starts: Sequence[date], treasury: TreasuryResult | None, project: Project
    ) -> None:
        """Draw the scenario's path of `treasury` (None: the notes say what to do)."""
        self._month_starts = tuple(month_starts)
        if month_starts:
            for axis in self._axes.values():
                axis.set_start(month_starts[0])
        if treasury is None:
            self._clear()
        else:
            self._draw(treasury, project)
        for key in CHART_KEYS:
            fit_limits(self.plots[key].getPlotItem())
            relayout_legend(self._legends[key])

    def _clear(self) -> None:
        empty = np.zeros(0)
        for curve in (self._cash, self._buffer, self._btc_held, self._btc_pledged):
            curve.setData(empty, empty)
        for curves in (self._debt, self._ltv, self._margin, self._liquidation):
            curves.update([], [], [])
        for key in CHART_KEYS:
            self.notes[key].set_empty(True, NO_TREASURY)

    def _draw(self, treasury: TreasuryResult, project: Project) -> None:
        months = treasury.cash_end_usd.shape[1]
        ends = np.arange(months, dtype=float) + 1.0
        span = np.array([0.0, float(months)])
        buffer_usd = treasury.min_cash_buffer_usd
        self._cash.setData(ends, treasury.cash_end_usd[0])
        self._buffer.setData(span, np.array([buffer_usd, buffer_usd]))
        self._btc_held.setData(ends, treasury.btc_held_end[0])
        self._btc_pledged.setData(ends, treasury.btc_pledged_end[0])
        loans = [i for i in treasury.instruments if np.any(i.balance_end_usd[0])]
        self._debt.update(
            [ends] * len(loans), [i.balance_end_usd[0] for i in loans], [i.name for i in loans]
        )
        btc_loans = [i for i in treasury.instruments if i.type == "btc_loan"]
        terms = {d.name: d for d in project.debt}
        lines = [terms[i.name] for i in btc_loans if i.name in terms]
        self._ltv.update(
            [ends] * len(btc_loans),
            [i.ltv[0] * 100.0 for i in btc_loans],
            [f"{i.name} LTV" for i in btc_loans],
        )
        self._margin.update(
            [span] * len(lines),
            [np.full(2, d.margin_call_ltv * 100.0) for d in lines],
            [f"{d.name} margin call" for d in lines],
        )
        self._liquidation.update(
            [span] * len(lines),
            [np.full(2, d.liquidation_ltv * 100.0) for d in lines],
            [f"{d.name} liquidation" for d in lines],
        )
        for key in ("cash", "btc"):
            self.notes[key].set_empty(False)
        self.notes["debt"].set_empty(not loans, "No debt outstanding over the horizon.")
        self.notes["ltv"].set_empty(not btc_loans, NO_BTC_LOAN)

    # -- data ---------------------------------------------------------------------------

    def series(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The curves of chart `name` as given: {label: (x, y)}."""
        if name == "cash":
            return {
                "Cash at month end": curve_data(self._cash),
                "Minimum cash buffer": curve_data(self._buffer),
            }
        if name == "btc":
            return {
                "BTC held": curve_data(self._btc_held),
                "of which pledged": curve_data(self._btc_pledged),
            }
        if name == "debt":
            return self._debt.series()
        if name == "ltv":
            return {**self._ltv.series(), **self._margin.series(), **self._liquidation.series()}
        raise KeyError(f"no chart named {name!r}; charts: {', '.join(CHART_KEYS)}")

    def table(self, name: str) -> ChartTable:
        """Chart `name`'s curves as a table, a row a month (its right-click Copy data)."""
        return month_table(self.series(name), self._month_starts, UNITS[name])
