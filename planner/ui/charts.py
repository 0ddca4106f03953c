"""The charts panel: five pyqtgraph charts of one engine result, updated in place, and a
sixth tab, the price-duration chart of a site's month (planner/ui/power_chart.py).

X axis convention: month *t* of the horizon occupies the interval [t, t + 1) on the x axis,
so a tick at x = t marks the first day of month t (labelled YYYY-MM). Monthly flows
(lines, bars, prices, costs) are drawn at the month's centre, x = t + 0.5. Balances at a
month's end (cumulative free cash flow) are drawn at x = t + 1, so the cumulative line
crosses zero exactly at the payback point, which, like the halving marker, is placed at
its fractional month (e.g. 16.3 = 30% into month 16). Flat lines (breakevens) span [0, H].

Every item (curves, bars, markers, legends) is created once; `show_results` only calls
setData / setOpts / setValue / setPos. Per-site and per-model curves are created on demand,
reused, and the surplus hidden and taken out of the legend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPen, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import format_month
from planner.engine import Results, metrics
from planner.io import display
from planner.ui.chart_menu import (
    ChartMenu,
    ChartTable,
    EmptyNote,
    fit_limits,
    month_table,
    write_plot_png,
)
from planner.ui.chart_parts import (
    BLUE,
    DASHED_FIRST,
    FOREGROUND,
    GREEN,
    GRID_ALPHA,
    HALF,
    INK,
    ORANGE,
    PURPLE,
    SOLID_FIRST,
    VERMILLION,
    CurveSet,
    ElidedLabel,
    MoneyAxis,
    MonthAxis,
    breakeven_lines,
    curve_data,
    halving_position,
    largest_with_rest,
    legend_below,
    pen,
    relayout_legend,
    weighted_means,
)
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower
from planner.ui.power_chart import PowerChart

CHART_KEYS = ("cash_flow", "cumulative", "hashprice", "btc_price", "by_site")
TAB_TITLES = ("Cash flow", "Cumulative FCF", "Hashprice", "BTC price", "By site")
POWER_TITLE = "Power prices"  # the tab after them: the price-duration chart
POWER_KEY = "price_duration"

MAX_LISTED_BREAKEVENS = 8  # the readout lists more models by the nearest two only
HINT = "Hover over a chart to read a month's values."
# Y axis titles short enough for the plot's height at 1280x720; the tab names the chart.
Y_TITLES = {
    "cash_flow": "USD per month",
    "cumulative": "USD",
    "hashprice": "USD/PH/day",
    "btc_price": "USD per BTC",
    "by_site": "EBITDA, USD/mo",
}
UNITS = {"hashprice": "USD/PH/day", "btc_price": "USD/BTC"}
NO_RIGS = "Add rigs on the Fleet tab to see the fleet's figures here."
WITH_RIGS_ONLY = ("cash_flow", "cumulative", "by_site")  # the others show market paths


@dataclass
class _Readout:
    """What the hover readout shows for one chart: (label, values by month, formatter)."""

    entries: list[tuple[str, np.ndarray, Callable[[float], str]]]
    breakevens: list[tuple[str, float]] = field(default_factory=list)  # hashprice chart


def _breakeven_text(price: float, breakevens: list[tuple[str, float]]) -> str:
    """Which model breakevens a hashprice covers: all of them when few, else the nearest."""
    ranked = sorted(breakevens, key=lambda pair: pair[1])
    covered = [pair for pair in ranked if pair[1] <= price]
    head = f"above {len(covered)} of {len(ranked)} model breakevens (USD/PH/day)"
    if len(ranked) <= MAX_LISTED_BREAKEVENS:
        return f"{head}: " + ", ".join(f"{model} ${value:,.2f}" for model, value in ranked)
    nearest = []
    if covered:
        nearest.append(f"highest covered {covered[-1][0]} ${covered[-1][1]:,.2f}")
    if len(covered) < len(ranked):
        model, value = ranked[len(covered)]
        nearest.append(f"lowest not covered {model} ${value:,.2f}")
    return f"{head}; " + ", ".join(nearest)


class _Corner(QWidget):
    """The tab row's corner, as wide as the panel sets it (a tab widget lays its corner
    out at the corner's size hint)."""

    width_px = 160

    def sizeHint(self) -> QSize:
        return QSize(self.width_px, super().sizeHint().height())


class ChartsPanel(QWidget):
    """Five charts of a result (cash flow, cumulative FCF, hashprice, BTC price, by site),
    and the price-duration chart of a site's month (`power`).

    Given a document, the panel draws its newest results while it is on screen, and the
    newest one it missed when it is shown again (see planner/ui/follow.py)."""

    def __init__(
        self, document: ProjectDocument | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.halving_x: float | None = None
        self.payback_point: tuple[float, float] | None = None
        self._legends: dict[str, pg.LegendItem] = {}
        self._month_axes: dict[str, MonthAxis] = {}
        self._halving_lines: dict[str, pg.InfiniteLine] = {}
        self._hover_lines: dict[str, pg.InfiniteLine] = {}
        self._readouts: dict[str, _Readout] = {key: _Readout([]) for key in CHART_KEYS}
        self._month_starts: tuple[date, ...] = ()
        self._halving_date: date | None = None
        self._hover_month: int | None = None
        self._results: Results | None = None
        self._mid = np.zeros(0)
        self._stale: set[str] = set()  # charts not drawn since the latest results
        self.menus: dict[str, ChartMenu] = {}
        self.notes: dict[str, EmptyNote] = {}

        # The hover readout sits in the tab row, beside the charts' tabs (one line, the
        # whole text in its tooltip): the plot keeps the height a row above it would take.
        self.readout = ElidedLabel(HINT)
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setToolTip("Save the chart on screen as a PNG image")
        self.export_button.clicked.connect(self._export_dialog)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.corner = _Corner()
        corner_row = QHBoxLayout(self.corner)
        corner_row.setContentsMargins(8, 0, 2, 0)
        corner_row.addWidget(self.readout, 1)
        corner_row.addWidget(self.export_button)
        self.tabs.setCornerWidget(self.corner, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs, 1)

        for key, title in zip(CHART_KEYS, TAB_TITLES, strict=True):
            self._make_plot(key, title, Y_TITLES[key])
        self._build_cash_flow()
        self._build_cumulative()
        self._build_prices()
        by_site = self.plots["by_site"].getPlotItem()
        self._zero_line(by_site)
        self._sites = CurveSet(by_site, self._legends["by_site"], SOLID_FIRST)
        for legend in self._legends.values():
            relayout_legend(legend)
        self.power = PowerChart(document)
        self.power.on_readout = lambda _text: self._refresh_readout()
        self.tabs.addTab(self.power, POWER_TITLE)
        self.follower = (
            ResultsFollower(document, self, self.show_results) if document is not None else None
        )
        if document is not None and document.results is not None:
            self.show_results(document.results)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The corner (readout and Export) takes the tab row's width the tabs leave."""
        super().resizeEvent(event)
        tabs_px = self.tabs.tabBar().sizeHint().width()
        self.corner.width_px = max(160, self.width() - tabs_px - 8)
        self.corner.updateGeometry()  # the tab widget lays its corner out again

    def catch_up(self) -> None:
        """Draw the document's newest results if the panel skipped them while hidden."""
        if self.follower is not None:
            self.follower.catch_up()

    # -- construction ---------------------------------------------------------------

    def _build_cash_flow(self) -> None:
        """FCF bars under revenue, power cost and opex lines."""
        cash = self.plots["cash_flow"].getPlotItem()
        self._fcf_bars = pg.BarGraphItem(
            x=np.zeros(0),
            height=np.zeros(0),
            width=0.8,
            brush=pg.mkBrush(86, 180, 233, 150),
            pen=pg.mkPen(None),
            name="Free cash flow",
        )
        self._fcf_bars.setZValue(-5)
        cash.addItem(self._fcf_bars)
        self._revenue = self._line(cash, "Revenue", pen(BLUE, 2.2))
        self._power = self._line(cash, "Power cost", pen(VERMILLION, 2.0))
        self._opex = self._line(cash, "Opex", pen(PURPLE, 2.0, Qt.PenStyle.DashLine))
        self._zero_line(cash)

    def _build_cumulative(self) -> None:
        """Cumulative FCF with the payback marker."""
        cumulative = self.plots["cumulative"].getPlotItem()
        self._zero_line(cumulative)
        self._cumulative = self._line(cumulative, "Cumulative FCF", pen(BLUE, 2.5))
        self._payback = pg.ScatterPlotItem(
            size=12, symbol="o", pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(GREEN)
        )
        self._payback.setZValue(20)
        self._payback.setVisible(False)
        cumulative.addItem(self._payback, ignoreBounds=True)
        self._payback_text = pg.TextItem(color=GREEN, anchor=(-0.08, -0.15))
        self._payback_text.setZValue(20)
        self._payback_text.setVisible(False)
        cumulative.addItem(self._payback_text, ignoreBounds=True)

    def _build_prices(self) -> None:
        """Hashprice with a breakeven line per rig model; BTC price and cost per BTC."""
        hashprice = self.plots["hashprice"].getPlotItem()
        self._hashprice = self._line(hashprice, "Hashprice", pen(INK, 2.5))
        self._breakevens = CurveSet(hashprice, self._legends["hashprice"], DASHED_FIRST)
        btc = self.plots["btc_price"].getPlotItem()
        self._btc_price = self._line(btc, "BTC price", pen(BLUE, 2.5))
        self._cash_cost = self._line(btc, "Cash cost per BTC", pen(ORANGE, 2.0))
        self._all_in = self._line(
            btc, "All-in cost per BTC", pen(VERMILLION, 2.0, Qt.PenStyle.DashLine)
        )

    def _make_plot(self, key: str, title: str, y_label: str) -> None:
        axis_pen = pg.mkPen(FOREGROUND)
        month_axis = MonthAxis("bottom", pen=axis_pen, textPen=axis_pen)
        money_axis = MoneyAxis("left", pen=axis_pen, textPen=axis_pen)
        widget = pg.PlotWidget(background="w", axisItems={"bottom": month_axis, "left": money_axis})
        item = widget.getPlotItem()
        item.setLabel("left", y_label, color=FOREGROUND, **{"font-size": "9pt"})
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.getViewBox().setDefaultPadding(0.04)
        legend = legend_below(item)
        halving = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pen("#555555", 1.5, Qt.PenStyle.DashLine),
            label="Halving",
            labelOpts={
                "position": 0.96,
                "color": "#444444",
                "fill": pg.mkBrush(255, 255, 255, 220),
                "anchors": [(0, 0.5), (0, 0.5)],
            },
        )
        halving.setVisible(False)
        halving.setZValue(10)
        item.addItem(halving, ignoreBounds=True)
        hover = pg.InfiniteLine(angle=90, movable=False, pen=pen("#9a9a9a", 1.0))
        hover.setVisible(False)
        hover.setZValue(-10)
        item.addItem(hover, ignoreBounds=True)
        widget.scene().sigMouseMoved.connect(partial(self._mouse_moved, key))
        self.plots[key] = widget
        self.menus[key] = ChartMenu(
            widget, partial(self.table, key), key, partial(self._export_chart, key)
        )
        self.notes[key] = EmptyNote(widget, NO_RIGS)
        self.notes[key].set_empty(True)
        self._legends[key] = legend
        self._month_axes[key] = month_axis
        self._halving_lines[key] = halving
        self._hover_lines[key] = hover
        self.tabs.addTab(widget, title)

    @staticmethod
    def _line(plot: pg.PlotItem, name: str, pen: QPen) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(np.zeros(0), np.zeros(0), pen=pen, name=name, antialias=True)
        plot.addItem(curve)
        return curve

    @staticmethod
    def _zero_line(plot: pg.PlotItem) -> None:
        zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False, pen=pen("#777777", 1.0))
        zero.setZValue(-8)
        plot.addItem(zero)  # auto-range keeps zero in view

    # -- update -----------------------------------------------------------------------

    def show_results(self, results: Results) -> None:
        """Show `results`: the chart on screen is redrawn now, each other chart when its
        tab is chosen (or its data read, or exported), reusing the existing plot items."""
        inputs = results.inputs
        timeline = inputs.timeline
        self._results = results
        self._mid = np.arange(inputs.months, dtype=float) + HALF
        self._month_starts = tuple(timeline.month_starts)
        for axis in self._month_axes.values():
            axis.set_start(timeline.month_starts[0])
        self._show_halving(results)
        kpis = results.fleet_kpis
        at = float(kpis.payback_at_month[0])
        paid_back = int(kpis.payback_status[0]) == metrics.PAID_BACK and math.isfinite(at)
        self.payback_point = (at, 0.0) if paid_back else None
        self._stale = set(CHART_KEYS)
        if self._hover_month is not None and self._hover_month >= inputs.months:
            self._hover_month = None
        key = self._current_key()
        if key is not None:
            self._draw(key)
        self._refresh_readout()

    def _current_key(self) -> str | None:
        """The key of the chart in view, None for the price-duration chart."""
        index = max(self.tabs.currentIndex(), 0)
        return CHART_KEYS[index] if index < len(CHART_KEYS) else None

    def _draw(self, key: str) -> None:
        """Draw chart `key` from the latest results if it has not been since they came."""
        if key not in self._stale or self._results is None:
            return
        self._stale.discard(key)
        results, mid = self._results, self._mid
        if key == "cash_flow":
            self._show_cash_flow(results, mid)
        elif key == "cumulative":
            self._show_cumulative(results, mid + HALF)
        elif key == "hashprice":
            self._show_hashprice(results, mid)
        elif key == "btc_price":
            self._show_cost_per_btc(results, mid)
        else:
            self._show_sites(results, mid)
        fit_limits(self.plots[key].getPlotItem())
        no_rigs = not float(results.inputs.count.sum()) > 0
        # Sites without rigs still have costs to show; the note is for a chart of nothing.
        nothing = not np.any(results.fleet.free_cash_flow_usd) and not np.any(
            results.sites.ebitda_usd
        )
        self.notes[key].set_empty(no_rigs and nothing and key in WITH_RIGS_ONLY)

    def _show_sites(self, results: Results, mid: np.ndarray) -> None:
        """EBITDA of each site."""
        names, ebitda_usd = largest_with_rest(results.inputs.site_names, results.sites.ebitda_usd)
        if self._sites.update([mid] * len(names), ebitda_usd, names):
            relayout_legend(self._legends["by_site"])
        self._readouts["by_site"].entries = [
            (f"{name} EBITDA", values, display.money_short)
            for name, values in zip(names, ebitda_usd, strict=True)
        ]

    def _show_halving(self, results: Results) -> None:
        timeline = results.inputs.timeline
        _, self._halving_date = results.next_halving
        self.halving_x = halving_position(timeline.month_starts, timeline.days, self._halving_date)
        for line in self._halving_lines.values():
            if self.halving_x is None:
                line.setVisible(False)
            else:
                line.setValue(self.halving_x)
                line.setVisible(True)

    def _show_cash_flow(self, results: Results, mid: np.ndarray) -> None:
        fleet = results.fleet
        revenue_usd = fleet.revenue_usd[0]
        power_cost_usd = fleet.power_cost_usd[0]
        opex_usd = fleet.opex_usd[0]
        fcf_usd = fleet.free_cash_flow_usd[0]
        self._fcf_bars.setOpts(x=mid, height=fcf_usd)
        self._revenue.setData(mid, revenue_usd)
        self._power.setData(mid, power_cost_usd)
        self._opex.setData(mid, opex_usd)
        usd = display.money_short
        self._readouts["cash_flow"].entries = [
            ("Revenue", revenue_usd, usd),
            ("Power cost", power_cost_usd, usd),
            ("Opex", opex_usd, usd),
            ("Free cash flow", fcf_usd, usd),
        ]

    def _show_cumulative(self, results: Results, end: np.ndarray) -> None:
        """Cumulative FCF: balances at month ends, and the payback point."""
        cumulative_usd = np.cumsum(results.fleet.free_cash_flow_usd[0])
        self._cumulative.setData(end, cumulative_usd)
        self._readouts["cumulative"].entries = [
            ("Cumulative FCF at month end", cumulative_usd, display.money_short)
        ]
        if self.payback_point is not None:
            at = self.payback_point[0]
            self._payback.setData(x=[at], y=[0.0])
            self._payback_text.setText(f"Payback: {display.months(at, 'months')}")
            self._payback_text.setPos(at, 0.0)
            self._payback.setVisible(True)
            self._payback_text.setVisible(True)
        else:
            self._payback.setVisible(False)
            self._payback_text.setVisible(False)

    def _show_hashprice(self, results: Results, mid: np.ndarray) -> None:
        """Hashprice and each rig model's breakeven."""
        hashprice = results.market.hashprice_usd_per_ph_day
        self._hashprice.setData(mid, hashprice)
        inputs = results.inputs
        lines = breakeven_lines(
            inputs.row_models,
            inputs.count,
            np.divide(
                inputs.power_w,
                inputs.hashrate_th,
                out=np.full(inputs.count.size, np.inf),
                where=inputs.hashrate_th > 0,
            ),
            results.breakevens.hashprice_usd_per_ph_day,
        )
        span = np.array([0.0, float(inputs.months)])
        labels = [label for label, _value in lines]
        if self._breakevens.update(
            [span] * len(lines), [np.array([v, v]) for _label, v in lines], labels
        ):
            relayout_legend(self._legends["hashprice"])
        self._readouts["hashprice"].entries = [("Hashprice", hashprice, display.usd_per_ph_day)]
        models, values = self._model_breakevens(results)
        self._readouts["hashprice"].breakevens = list(zip(models, values, strict=True))

    def _show_cost_per_btc(self, results: Results, mid: np.ndarray) -> None:
        """BTC price, and the cash and all-in cost of each BTC mined."""
        fleet = results.fleet
        months = results.inputs.months
        btc = fleet.btc_mined[0]
        cash_cost_usd = fleet.power_cost_usd[0] + fleet.opex_usd[0]
        all_in_usd = cash_cost_usd + fleet.depreciation_usd[0]
        mined = btc > 0
        cost_cash = np.divide(cash_cost_usd, btc, out=np.full(months, np.nan), where=mined)
        cost_all_in = np.divide(all_in_usd, btc, out=np.full(months, np.nan), where=mined)
        btc_price_usd = results.market.btc_price_usd
        self._btc_price.setData(mid, btc_price_usd)
        self._cash_cost.setData(mid, cost_cash, connect="finite")
        self._all_in.setData(mid, cost_all_in, connect="finite")
        self._readouts["btc_price"].entries = [
            ("BTC price", btc_price_usd, display.usd_per_btc),
            ("Cash cost", cost_cash, display.usd_per_btc),
            ("All-in cost", cost_all_in, display.usd_per_btc),
        ]

    @staticmethod
    def _model_breakevens(results: Results) -> tuple[list[str], list[float]]:
        """Count-weighted mean breakeven hashprice of each rig model's rows (finite only)."""
        inputs = results.inputs
        breakeven = results.breakevens.hashprice_usd_per_ph_day
        keep = np.isfinite(breakeven) & (inputs.count > 0)
        means = weighted_means(list(inputs.row_models), inputs.count, breakeven, keep)
        return list(means), list(means.values())

    # -- read back --------------------------------------------------------------------

    def series(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The (x, y) arrays each item of chart `name` holds, keyed by legend label (the
        newest results', drawn now if the panel or the chart's tab skipped them)."""
        self.catch_up()
        if name in CHART_KEYS:
            self._draw(name)
        if name == "cash_flow":
            return {
                "Revenue": curve_data(self._revenue),
                "Power cost": curve_data(self._power),
                "Opex": curve_data(self._opex),
                "Free cash flow": (
                    np.asarray(self._fcf_bars.opts["x"]),
                    np.asarray(self._fcf_bars.opts["height"]),
                ),
            }
        if name == "cumulative":
            return {"Cumulative FCF": curve_data(self._cumulative)}
        if name == "hashprice":
            return {"Hashprice": curve_data(self._hashprice), **self._breakevens.series()}
        if name == "btc_price":
            return {
                "BTC price": curve_data(self._btc_price),
                "Cash cost per BTC": curve_data(self._cash_cost),
                "All-in cost per BTC": curve_data(self._all_in),
            }
        if name == "by_site":
            return self._sites.series()
        raise KeyError(f"no chart named {name!r}; charts: {', '.join(CHART_KEYS)}")

    def table(self, name: str) -> ChartTable:
        """Chart `name`'s curves as a table, a row a month (its right-click Copy data)."""
        return month_table(self.series(name), self._month_starts, UNITS.get(name, "USD"))

    def _export_chart(self, name: str, path: str) -> None:
        self.export_png(path, CHART_KEYS.index(name))

    # -- hover ------------------------------------------------------------------------

    def _mouse_moved(self, key: str, pos: QPointF) -> None:
        if key != self._current_key() or not self._month_starts:
            return
        view = self.plots[key].getPlotItem().getViewBox()
        month = None
        if view.sceneBoundingRect().contains(pos):
            x = view.mapSceneToView(pos).x()
            if 0 <= x < len(self._month_starts):
                month = int(x)
        if month != self._hover_month:
            self._hover_month = month
            self._refresh_readout()

    def _tab_changed(self, index: int) -> None:
        if 0 <= index < len(CHART_KEYS):
            self._draw(CHART_KEYS[index])
        self._refresh_readout()

    def _refresh_readout(self) -> None:
        key = self._current_key()
        t = self._hover_month
        for name, line in self._hover_lines.items():
            if t is None or name != key:
                line.setVisible(False)
            else:
                line.setValue(t + HALF)
                line.setVisible(True)
        if key is None:
            self.readout.setText(self.power.readout_text)
            return
        if t is None or t >= len(self._month_starts):
            self.readout.setText(HINT)
            return
        parts = [format_month(self._month_starts[t])]
        for label, values, fmt in self._readouts[key].entries:
            parts.append(f"{label} {fmt(float(values[t]))}")
        breakevens = self._readouts[key].breakevens
        if breakevens:
            price = float(self._readouts[key].entries[0][1][t])
            parts.append(_breakeven_text(price, breakevens))
        if self.halving_x is not None and int(self.halving_x) == t and self._halving_date:
            parts.append(f"halving about {self._halving_date.isoformat()}")
        if key == "cumulative" and self.payback_point and int(self.payback_point[0]) == t:
            parts.append(f"pays back ({self.payback_point[0]:,.1f} months)")
        self.readout.setText("  ·  ".join(parts))

    # -- export -----------------------------------------------------------------------

    def export_png(self, path: str | Path, tab: int | None = None) -> None:
        """Write the current chart (or chart number `tab`) to a PNG file."""
        index = self.tabs.currentIndex() if tab is None else tab
        if index == len(CHART_KEYS):
            self.power.export_png(path)
            return
        if not 0 <= index < len(CHART_KEYS):
            raise IndexError(f"no chart tab {index}")
        self.catch_up()
        self._draw(CHART_KEYS[index])
        widget = self.plots[CHART_KEYS[index]]
        hidden = None
        if not widget.isVisible():  # a hidden tab, or never shown: lay it out to export it
            shown = self.tabs.currentWidget()
            width, height = (shown.width(), shown.height()) if self.isVisible() else (0, 0)
            hidden = (max(width, 1000), max(height, 600))
        write_plot_png(widget.getPlotItem(), path, hidden)

    def _export_dialog(self) -> None:
        key = self._current_key() or POWER_KEY
        path, _ = QFileDialog.getSaveFileName(
            self, "Export chart as PNG", f"{key}.png", "PNG images (*.png)"
        )
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            self.export_png(path)
        except OSError as error:
            QMessageBox.warning(self, "Export PNG", str(error))
