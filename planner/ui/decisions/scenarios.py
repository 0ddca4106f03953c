"""Decisions > Scenarios: every scenario of the project side by side, a row of KPIs each
and their cumulative free cash flows overlaid."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from planner.domain.project import Project
from planner.engine import Results
from planner.engine.sensitivity import compare_scenarios
from planner.io import display
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits, month_table
from planner.ui.chart_parts import PALETTE, MoneyAxis, MonthAxis, curve_data, pen
from planner.ui.decisions.results_table import ResultTable

HEADERS = (
    "Scenario",
    "NPV",
    "IRR",
    "Payback",
    "BTC mined",
    "Revenue",
    "FCF",
    "Cash $/BTC",
    "All-in $/BTC",
)


def scenario_figures(project: Project, check: Callable[[], None]) -> list[tuple[str, Results]]:
    """The Scenarios page's figures: every scenario of the project (a worker's job)."""
    check()
    return compare_scenarios(project)


def scenario_row(name: str, results: Results, active: str) -> list[str]:
    """One scenario's line of the table."""
    k = results.fleet_kpis
    return [
        name + (" (active)" if name == active else ""),
        display.money_short(float(k.npv_usd[0])),
        display.percent(results.fleet_irr_annual),
        display.payback(int(k.payback_status[0]), float(k.payback_months[0])),
        f"{k.btc_mined[0]:,.1f}",
        display.money_short(float(k.revenue_usd[0])),
        display.money_short(float(k.free_cash_flow_usd[0])),
        display.money_short(float(k.cost_per_btc_cash_usd[0])),
        display.money_short(float(k.cost_per_btc_all_in_usd[0])),
    ]


class ScenariosPage(QWidget):
    """The table of scenarios over the chart of their cumulative free cash flow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = scenario_figures  # replaceable in tests
        self.table = ResultTable()
        self.plot = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.plot.setTitle("Cumulative free cash flow by scenario")
        self.plot.addLegend(offset=(10, 10))
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._month_starts: tuple[date, ...] = ()
        self.menu = ChartMenu(self.plot, self.chart_table, "scenarios")
        self.note = EmptyNote(self.plot, "The scenarios' curves appear here once they are run.")
        self.note.set_empty(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        QVBoxLayout(self).addWidget(split)

    # ---- as a live page of the panel
    @property
    def figures(self) -> Sequence[QWidget]:
        """What greys while the figures are not of the current project."""
        return (self.table, self.plot)

    def figure_inputs(self) -> tuple[Any, ...]:
        return ()

    def job_for(self, project: Project, _inputs: tuple[Any, ...]) -> Callable[[Any], Any]:
        return partial(self.job, project)

    def show_figures(self, project: Project, compared: list[tuple[str, Results]]) -> None:
        """The table and the curves of `compared`, scenarios of `project`."""
        axis = self.plot.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        for i, (name, results) in enumerate(compared):
            cumulative = np.cumsum(results.fleet.free_cash_flow_usd[0])
            x = np.arange(1, cumulative.size + 1, dtype=float)
            if name not in self.curves:
                self.curves[name] = self.plot.plot(
                    [], [], pen=pen(PALETTE[i % len(PALETTE)]), name=name
                )
            self.curves[name].setData(x, cumulative)
            axis.set_start(results.inputs.start_month)
            self._month_starts = tuple(results.inputs.timeline.month_starts)
        names = {name for name, _results in compared}
        for name in list(self.curves):
            if name not in names:
                self.plot.removeItem(self.curves.pop(name))
        fit_limits(self.plot.getPlotItem())
        self.note.set_empty(not compared)
        self.table.show_rows(
            HEADERS,
            [scenario_row(name, results, project.active_scenario) for name, results in compared],
        )

    def chart_table(self) -> ChartTable:
        """Each scenario's cumulative free cash flow by month (the chart's Copy data)."""
        series = {f"{name} cumulative FCF": curve_data(c) for name, c in self.curves.items()}
        return month_table(series, self._month_starts, "USD")
