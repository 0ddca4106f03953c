"""The Treasury tab's charts: cash against the buffer, BTC held, debt outstanding by
instrument, each BTC-backed loan's LTV against its margin-call and liquidation lines, and
the Monte Carlo fan of cash across the paths (with a line saying which run it is and a
Run Monte Carlo button).

As in charts.py: balances at a month's end are drawn at x = t + 1, flat lines span
[0, H]; every item is created once and fed with setData; each chart has the right-click
menu (copy data, export) and view limits on its data (chart_menu.py); the values of the
month under the mouse are read out in the tab row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import format_month
from planner.domain.project import Project
from planner.engine.treasury import TreasuryResult
from planner.io import display
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
    ElidedLabel,
    MoneyAxis,
    MonthAxis,
    TabCorner,
    curve_data,
    legend_below,
    pen,
    relayout_legend,
)
from planner.ui.charts import HINT
from planner.ui.decisions.monte_carlo_treasury import BAND_LABELS
from planner.ui.fan_chart import FanChart

PATH_KEYS = ("cash", "btc", "debt", "ltv")  # the scenario's path
FAN = "monte_carlo"  # the fan of cash across the Monte Carlo paths
CHART_KEYS = (*PATH_KEYS, FAN)
TAB_TITLES = ("Cash", "BTC held", "Debt outstanding", "LTV", "Monte Carlo cash")
Y_TITLES = {"cash": "USD", "btc": "BTC", "debt": "USD outstanding", "ltv": "LTV (%)"}
UNITS = {"cash": "USD", "btc": "BTC", "debt": "USD", "ltv": "%", FAN: "USD"}
NO_RUN = (
    "No Monte Carlo run of this project yet: press Run Monte Carlo to see the company's "
    "cash across many BTC price, network and fee paths."
)
STATUS_STYLE = "color: #444444;"
STALE_STYLE = f"color: {VERMILLION};"
NO_TREASURY = (
    "No treasury yet: type the opening cash, BTC held or the buffer in the table on the "
    "left, or add debt or hedges, to see cash, BTC held and debt here."
)
NO_BTC_LOAN = "No BTC-backed loan: add one in the Debt table to see its LTV here."
READOUT_LINES = 3  # the readout's line under the charts wraps to at most this many
DOTTED_FIRST = (Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashLine)


class TreasuryCharts(QWidget):
    """Five charts of a treasury in tabs; `show_treasury` updates the scenario's path in
    place, `show_fan` and `clear_fan` the Monte Carlo fan, and the tab row reads out the
    values of the month under the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.menus: dict[str, ChartMenu] = {}
        self.notes: dict[str, EmptyNote] = {}
        self._legends: dict[str, pg.LegendItem] = {}
        self._axes: dict[str, MonthAxis] = {}
        self._hover_lines: dict[str, pg.InfiniteLine] = {}
        self._month_starts: tuple[date, ...] = ()
        self.hover_month: int | None = None
        # The readout sits in the tab row's corner while the widest text any chart may
        # read out fits there, else on a line of its own under the charts.
        self.readout = ElidedLabel(HINT)
        self.corner = TabCorner()
        self._corner_row = QHBoxLayout(self.corner)
        self._corner_row.setContentsMargins(8, 0, 2, 0)
        self._corner_row.addWidget(self.readout, 1)
        self.readout_line = QWidget()
        self._line_row = QHBoxLayout(self.readout_line)
        self._line_row.setContentsMargins(8, 2, 8, 2)
        self.readout_line.setVisible(False)
        self._widest_px: float | None = None  # of the texts the readout may show
        self._widest_text = HINT
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setCornerWidget(self.corner, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _index: self._refresh_readout())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.readout_line)
        for key, title in zip(PATH_KEYS, TAB_TITLES[: len(PATH_KEYS)], strict=True):
            self._make_plot(key, title)
        self._build_fan(TAB_TITLES[CHART_KEYS.index(FAN)])
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

    def _build_fan(self, title: str) -> None:
        """The fan of cash across the paths under a line saying which run it is (and
        whether the project changed since) beside a Run Monte Carlo button."""
        self.fan = FanChart(
            "USD", "cash", BAND_LABELS, "treasury_monte_carlo", NO_RUN, titled=False, buffer=True
        )
        self.fan_status = QLabel(NO_RUN)
        self.fan_status.setWordWrap(True)
        self.fan_status.setStyleSheet(STATUS_STYLE)
        self.run_button = QPushButton("Run Monte Carlo")
        self.run_button.setToolTip(
            "Run Decisions > Monte Carlo on the current project and scenario, with the "
            "paths, seed and volatilities set there"
        )
        status_row = QHBoxLayout()
        status_row.setContentsMargins(6, 4, 6, 0)
        status_row.addWidget(self.fan_status, 1)
        status_row.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignTop)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(status_row)
        column.addWidget(self.fan, 1)
        self.plots[FAN] = self.fan
        self.menus[FAN] = self.fan.menu
        self.notes[FAN] = self.fan.note
        self._add_hover(FAN, self.fan)
        self.tabs.addTab(page, title)

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
        self._add_hover(key, widget)
        self.tabs.addTab(widget, title)

    def _add_hover(self, key: str, widget: pg.PlotWidget) -> None:
        """A thin line at the month-end under the mouse, and the readout following it."""
        hover = pg.InfiniteLine(angle=90, movable=False, pen=pen("#9a9a9a", 1.0))
        hover.setVisible(False)
        hover.setZValue(-10)
        widget.getPlotItem().addItem(hover, ignoreBounds=True)
        widget.scene().sigMouseMoved.connect(partial(self._mouse_moved, key))
        self._hover_lines[key] = hover

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
        for key in PATH_KEYS:
            fit_limits(self.plots[key].getPlotItem())
            relayout_legend(self._legends[key])
        self._widest_px = None
        self._refresh_readout()

    def _clear(self) -> None:
        empty = np.zeros(0)
        for curve in (self._cash, self._buffer, self._btc_held, self._btc_pledged):
            curve.setData(empty, empty)
        for curves in (self._debt, self._ltv, self._margin, self._liquidation):
            curves.update([], [], [])
        for key in PATH_KEYS:
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
        if name == FAN:
            return self.fan.series()
        raise KeyError(f"no chart named {name!r}; charts: {', '.join(CHART_KEYS)}")

    def table(self, name: str) -> ChartTable:
        """Chart `name`'s curves as a table, a row a month (its right-click Copy data)."""
        if name == FAN:
            return self.fan.table()
        return month_table(self.series(name), self._month_starts, UNITS[name])

    # -- the Monte Carlo fan ------------------------------------------------------------

    def show_fan(
        self,
        percentiles: np.ndarray,
        month_starts: Sequence[date],
        buffer_usd: float,
        status: str,
        stale: bool = False,
    ) -> None:
        """The fan of cash (5, H) at PERCENTILES over `month_starts`, with the buffer;
        `status` says which run it is (`stale`: of a project since changed)."""
        self.fan.show_fan(percentiles, month_starts, buffer_usd)
        self.set_fan_status(status, stale)
        self._widest_px = None
        self._refresh_readout()

    def clear_fan(self, why: str, status: str) -> None:
        """No fan: `why` over the chart, `status` above it."""
        self.fan.clear_fan(why)
        self.set_fan_status(status)
        self._widest_px = None
        self._refresh_readout()

    def set_fan_status(self, status: str, stale: bool = False, can_run: bool = True) -> None:
        self.fan_status.setText(status)
        self.fan_status.setStyleSheet(STALE_STYLE if stale else STATUS_STYLE)
        self.run_button.setEnabled(can_run)

    # -- hover --------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The readout takes the tab row's width the tabs leave, or a line of its own."""
        super().resizeEvent(event)
        tabs_px = self.tabs.tabBar().sizeHint().width()
        self.corner.width_px = max(120, self.width() - tabs_px - 8)
        self.corner.updateGeometry()
        self._place_readout()

    def readout_fits_corner(self) -> bool:
        """Whether every text the readout may show (the hint, each chart's every month)
        fits the width the tab row leaves it."""
        if len(self.notes) < len(CHART_KEYS):  # still being built
            return True
        if self._widest_px is None:
            metrics = self.readout.fontMetrics()
            texts = [HINT, *(text for key in CHART_KEYS for text in self.month_texts(key))]
            self._widest_text = max(texts, key=metrics.horizontalAdvance)
            self._widest_px = float(metrics.horizontalAdvance(self._widest_text))
        margins = self._corner_row.contentsMargins()
        room_px = self.corner.width_px - margins.left() - margins.right() - 4
        return self._widest_px <= room_px

    def _place_readout(self) -> None:
        """In the corner when it fits, else on its own line under the charts, on as
        many lines (at most READOUT_LINES) as the widest text needs there."""
        fits = self.readout_fits_corner()
        row = self._corner_row if fits else self._line_row
        if row.indexOf(self.readout) < 0:
            row.addWidget(self.readout, 1)
        self.readout_line.setVisible(not fits)
        lines = 1
        if not fits:
            margins = self._line_row.contentsMargins()
            room_px = self.width() - margins.left() - margins.right()
            lines = min(self.readout.lines_needed(self._widest_text, room_px), READOUT_LINES)
        self.readout.set_lines(lines)

    def current_key(self) -> str:
        return CHART_KEYS[max(self.tabs.currentIndex(), 0)]

    def _months_of(self, key: str) -> tuple[date, ...]:
        return self.fan.month_starts if key == FAN else self._month_starts

    def _mouse_moved(self, key: str, pos: QPointF) -> None:
        if key != self.current_key():
            return
        view = self.plots[key].getPlotItem().getViewBox()
        month = None
        if view.sceneBoundingRect().contains(pos):
            x = view.mapSceneToView(pos).x()
            # A month-end balance is drawn at t + 1: x in (t, t + 1] reads month t.
            t = math.ceil(x) - 1
            if 0 <= t < len(self._months_of(key)):
                month = t
        self.show_month(month)

    def show_month(self, month: int | None) -> None:
        """Read out month `month` (a month index of the chart in view; None: the hint)."""
        if month != self.hover_month:
            self.hover_month = month
            self._refresh_readout()

    def _refresh_readout(self) -> None:
        key = self.current_key()
        months = self._months_of(key)
        t = self.hover_month
        shown = t is not None and t < len(months) and not self.notes[key].isVisibleTo(self)
        for name, line in self._hover_lines.items():
            line.setVisible(shown and name == key)
            if shown and name == key and t is not None:
                line.setValue(t + 1.0)
        if self._widest_px is None:
            self._place_readout()
        if not shown or t is None:
            self.readout.setText(HINT)
            return
        self.readout.setText("  ·  ".join([format_month(months[t]), *self.readout_parts(key, t)]))

    def readout_parts(self, key: str, t: int) -> list[str]:
        """Each line of chart `key` at month `t`'s end, with its unit."""
        if key == FAN:
            return self.fan.readout(t)
        return self._path_parts(key, [t])[0]

    def month_texts(self, key: str) -> list[str]:
        """What the readout says over each month of chart `key` (none while it is empty)."""
        months = self._months_of(key)
        if not self.notes[key].isHidden() or not months:  # the chart says why it is empty
            return []
        if key == FAN:
            parts = [self.fan.readout(t) for t in range(len(months))]
        else:
            parts = self._path_parts(key, range(len(months)))
        return [
            "  ·  ".join([format_month(month), *texts])
            for month, texts in zip(months, parts, strict=True)
        ]

    def _path_parts(self, key: str, months: Sequence[int]) -> list[list[str]]:
        table = month_table(self.series(key), self._month_starts, UNITS[key])
        fmt = READOUT_FORMATS[UNITS[key]]
        names = list(self.series(key))
        return [
            [
                f"{name} {fmt(value if isinstance(value, float) else math.nan)}"
                for name, value in zip(names, table.rows[t][1:], strict=True)
            ]
            for t in months
        ]


def _btc(value: float) -> str:
    return display.NOT_AVAILABLE if not math.isfinite(value) else f"{value:,.2f} BTC"


def _percent(value: float) -> str:
    return display.NOT_AVAILABLE if not math.isfinite(value) else f"{value:,.1f}%"


READOUT_FORMATS: dict[str, Callable[[float], str]] = {
    "USD": display.money_short,
    "BTC": _btc,
    "%": _percent,
}
