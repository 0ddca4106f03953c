"""The charts panel: five pyqtgraph charts of one engine result, updated in place.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import add_months, format_month
from planner.engine import Results, metrics
from planner.io import display
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower

format_money = display.money_short  # the name the Decisions pages import

CHART_KEYS = ("cash_flow", "cumulative", "hashprice", "btc_price", "by_site")
TAB_TITLES = ("Cash flow", "Cumulative FCF", "Hashprice", "BTC price", "By site")

# Okabe-Ito colours (colour-blind safe); the yellow is left out, it is unreadable on white.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
INK = "#222222"
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY)
# Curves of a set beyond the palette repeat its colours with the next dash pattern.
SOLID_FIRST = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)
DASHED_FIRST = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)

FOREGROUND = "#333333"
GRID_ALPHA = 0.15
HALF = 0.5
MAX_LISTED_BREAKEVENS = 8  # the readout lists more models by the nearest two only
HINT = "Hover over a chart to read a month's values."


def _pen(colour: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = pg.mkPen(colour, width=width, style=style)
    pen.setCosmetic(True)
    return pen


def _cycled_pen(i: int, dashes: Sequence[Qt.PenStyle]) -> QPen:
    """The i-th pen of a set of curves: palette colour, then the next dash pattern."""
    colour = PALETTE[i % len(PALETTE)]
    return _pen(colour, 2.0, dashes[(i // len(PALETTE)) % len(dashes)])


class MonthAxis(pg.AxisItem):
    """X axis in month indices, labelled YYYY-MM at month starts, aligned to the calendar."""

    STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)
    MIN_LABEL_PX = 64.0

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._start: date | None = None
        self._base = 0  # calendar month number of month 0
        self._major = 12

    def set_start(self, start: date) -> None:
        """Label month index 0 as `start`; later indices follow the calendar."""
        if start != self._start:
            self._start = start
            self._base = start.year * 12 + start.month - 1
            self.picture = None
            self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if self._start is None or not maxVal > minVal or size <= 0:
            return []
        minVal, maxVal = sorted((minVal, maxVal))
        per_month = size / (maxVal - minVal)
        major = next((s for s in self.STEPS if s * per_month >= self.MIN_LABEL_PX), 0)
        if not major:  # zoomed out beyond centuries: no month ticks
            return []
        minor = next((s for s in (12, 6, 3, 1) if major % s == 0 and s < major), 0)
        if minor and minor * per_month < 6:
            minor = 0
        self._major = major
        levels = [(float(major), self._aligned(minVal, maxVal, major))]
        if minor:
            levels.append((float(minor), self._aligned(minVal, maxVal, minor)))
        return levels

    def _aligned(self, lo: float, hi: float, step: int) -> list[float]:
        first = math.ceil((self._base + math.ceil(lo)) / step) * step - self._base
        return [float(t) for t in range(first, math.floor(hi) + 1, step)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self._start is None or spacing != self._major:
            return ["" for _ in values]
        labels = []
        for v in values:
            try:
                labels.append(format_month(add_months(self._start, round(v))))
            except ValueError:  # panned before year 1 or after 9999
                labels.append("")
        return labels


class MoneyAxis(pg.AxisItem):
    """Y axis in USD: ticks read "$1.5M", "-$350k", "$900" (no SI prefix in the label)."""

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [display.money_tick(v * scale, spacing * scale) for v in values]


@dataclass
class _Readout:
    """What the hover readout shows for one chart: (label, values by month, formatter)."""

    entries: list[tuple[str, np.ndarray, Callable[[float], str]]]
    breakevens: list[tuple[str, float]] = field(default_factory=list)  # hashprice chart


class _CurveSet:
    """A variable number of curves on one plot: created on demand, reused, surplus hidden."""

    def __init__(
        self, plot: pg.PlotItem, legend: pg.LegendItem, dashes: Sequence[Qt.PenStyle]
    ) -> None:
        self.plot = plot
        self.legend = legend
        self.dashes = dashes
        self.curves: list[pg.PlotDataItem] = []
        self.names: list[str] = []
        self.active = 0

    def update(self, xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], names: list[str]) -> bool:
        """Show one curve per name; True when the legend's entries changed."""
        changed = False
        for i, (x, y, name) in enumerate(zip(xs, ys, names, strict=True)):
            if i == len(self.curves):
                curve = pg.PlotDataItem(
                    x,
                    y,
                    pen=_cycled_pen(i, self.dashes),
                    name=name,
                    antialias=True,
                    connect="finite",
                )
                curve.setCurveClickable(False)
                self.plot.addItem(curve)  # adds it to the legend
                self.curves.append(curve)
                self.names.append(name)
                changed = True
                continue
            curve = self.curves[i]
            curve.setData(x, y, connect="finite")
            if i >= self.active:
                curve.setVisible(True)
                curve.opts["name"] = name
                self.legend.addItem(curve, name)
                self.names[i] = name
                changed = True
            elif self.names[i] != name:
                curve.opts["name"] = name
                label = self.legend.getLabel(curve)
                if label is not None:
                    label.setText(name)
                self.names[i] = name
                changed = True
        for curve in self.curves[len(names) : self.active]:
            curve.setVisible(False)
            self.legend.removeItem(curve)
            changed = True
        self.active = len(names)
        return changed

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {self.names[i]: _data(self.curves[i]) for i in range(self.active)}


class _Legend(pg.LegendItem):
    """A legend laid out by its PlotItem's grid (below the chart) instead of floating on it."""

    def updateSize(self) -> None:
        width = height = 0.0
        for row in range(self.layout.rowCount()):
            row_width = row_height = 0.0
            for col in range(self.layout.columnCount()):
                item = self.layout.itemAt(row, col)
                if item:
                    row_width += item.width() + 3
                    row_height = max(row_height, item.height())
            width = max(width, row_width)
            height += row_height
        height += 4
        self.setMinimumSize(width, height)
        self.setMaximumSize(width, height)
        self.updateGeometry()


def _data(curve: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    # The dataset as given, not getData(): that one is clipped to the view for drawing.
    x, y = curve.getOriginalDataset()
    if x is None or y is None:
        return np.zeros(0), np.zeros(0)
    return np.asarray(x), np.asarray(y)


def _relayout_legend(legend: pg.LegendItem) -> None:
    """Lay the legend's entries out in one row, or three columns when there are many."""
    columns = max(1, len(legend.items)) if len(legend.items) <= 5 else 3
    legend.columnCount = columns
    legend.rowCount = max(1, math.ceil(len(legend.items) / columns))
    for i in range(legend.layout.count() - 1, -1, -1):
        legend.layout.removeAt(i)
    for sample, label in legend.items:
        legend._addItemToLayout(sample, label)
    legend.updateSize()


def halving_position(
    month_starts: Sequence[date], days: Sequence[float], when: date
) -> float | None:
    """Fractional month index of `when` in the horizon, or None outside it."""
    if not month_starts or when < month_starts[0]:
        return None
    for t, start in enumerate(month_starts):
        length = float(days[t])
        offset = (when - start).days
        if 0 <= offset < length:
            return t + offset / length
    return None


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


class ChartsPanel(QWidget):
    """Five charts of a result (cash flow, cumulative FCF, hashprice, BTC price, by site).

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

        self.readout = QLabel(HINT)
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setFixedHeight(self.readout.fontMetrics().lineSpacing() * 3 + 10)
        self.readout.setContentsMargins(6, 2, 6, 2)
        self.readout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setToolTip("Save the chart on screen as a PNG image")
        self.export_button.clicked.connect(self._export_dialog)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._tab_changed)

        self.tabs.setCornerWidget(self.export_button, Qt.Corner.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.readout)
        layout.addWidget(self.tabs, 1)

        labels = {
            "cash_flow": "Monthly cash flow",
            "cumulative": "Cumulative free cash flow",
            "hashprice": "Hashprice",
            "btc_price": "BTC price and cost per BTC",
            "by_site": "Monthly EBITDA",
        }
        units = {"hashprice": "USD/PH/day", "btc_price": "USD/BTC"}
        for key, title in zip(CHART_KEYS, TAB_TITLES, strict=True):
            self._make_plot(key, title, labels[key], units.get(key, "USD"))

        # Cash flow: FCF bars under revenue, power cost and opex lines.
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
        self._revenue = self._line(cash, "Revenue", _pen(BLUE, 2.2))
        self._power = self._line(cash, "Power cost", _pen(VERMILLION, 2.0))
        self._opex = self._line(cash, "Opex", _pen(PURPLE, 2.0, Qt.PenStyle.DashLine))
        self._zero_line(cash)

        # Cumulative FCF with the payback marker.
        cumulative = self.plots["cumulative"].getPlotItem()
        self._zero_line(cumulative)
        self._cumulative = self._line(cumulative, "Cumulative FCF", _pen(BLUE, 2.5))
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

        # Hashprice with a breakeven line per rig model.
        hashprice = self.plots["hashprice"].getPlotItem()
        self._hashprice = self._line(hashprice, "Hashprice", _pen(INK, 2.5))
        self._breakevens = _CurveSet(hashprice, self._legends["hashprice"], DASHED_FIRST)

        # BTC price and cost per BTC.
        btc = self.plots["btc_price"].getPlotItem()
        self._btc_price = self._line(btc, "BTC price", _pen(BLUE, 2.5))
        self._cash_cost = self._line(btc, "Cash cost per BTC", _pen(ORANGE, 2.0))
        self._all_in = self._line(
            btc, "All-in cost per BTC", _pen(VERMILLION, 2.0, Qt.PenStyle.DashLine)
        )

        # EBITDA by site.
        by_site = self.plots["by_site"].getPlotItem()
        self._zero_line(by_site)
        self._sites = _CurveSet(by_site, self._legends["by_site"], SOLID_FIRST)
        for legend in self._legends.values():
            _relayout_legend(legend)
        self.follower = (
            ResultsFollower(document, self, self.show_results) if document is not None else None
        )
        if document is not None and document.results is not None:
            self.show_results(document.results)

    def catch_up(self) -> None:
        """Draw the document's newest results if the panel skipped them while hidden."""
        if self.follower is not None:
            self.follower.catch_up()

    # -- construction ---------------------------------------------------------------

    def _make_plot(self, key: str, title: str, y_label: str, units: str) -> None:
        axis_pen = pg.mkPen(FOREGROUND)
        month_axis = MonthAxis("bottom", pen=axis_pen, textPen=axis_pen)
        money_axis = MoneyAxis("left", pen=axis_pen, textPen=axis_pen)
        widget = pg.PlotWidget(background="w", axisItems={"bottom": month_axis, "left": money_axis})
        item = widget.getPlotItem()
        style = {"color": FOREGROUND, "font-size": "10pt"}
        item.setLabel("left", y_label, units=units, **style)
        item.setLabel("bottom", "Month", **style)
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.getViewBox().setDefaultPadding(0.04)
        legend = _Legend(labelTextColor=FOREGROUND, labelTextSize="9pt", frame=False, verSpacing=-6)
        item.legend = legend  # PlotItem.addItem puts named items in it
        item.layout.addItem(legend, 4, 1)
        item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
        halving = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=_pen("#555555", 1.5, Qt.PenStyle.DashLine),
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
        hover = pg.InfiniteLine(angle=90, movable=False, pen=_pen("#9a9a9a", 1.0))
        hover.setVisible(False)
        hover.setZValue(-10)
        item.addItem(hover, ignoreBounds=True)
        widget.scene().sigMouseMoved.connect(partial(self._mouse_moved, key))
        self.plots[key] = widget
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
        zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False, pen=_pen("#777777", 1.0))
        zero.setZValue(-8)
        plot.addItem(zero)  # auto-range keeps zero in view

    # -- update -----------------------------------------------------------------------

    def show_results(self, results: Results) -> None:
        """Redraw every chart from `results`, reusing the existing plot items."""
        inputs = results.inputs
        tl = inputs.timeline
        months = inputs.months
        fleet = results.fleet
        market = results.market
        mid = np.arange(months, dtype=float) + HALF
        end = mid + HALF
        self._month_starts = tuple(tl.month_starts)
        for axis in self._month_axes.values():
            axis.set_start(tl.month_starts[0])

        # Markers.
        _, self._halving_date = results.next_halving
        self.halving_x = halving_position(tl.month_starts, tl.days, self._halving_date)
        for line in self._halving_lines.values():
            if self.halving_x is None:
                line.setVisible(False)
            else:
                line.setValue(self.halving_x)
                line.setVisible(True)

        # Cash flow.
        revenue = fleet.revenue_usd[0]
        power = fleet.power_cost_usd[0]
        opex = fleet.opex_usd[0]
        fcf = fleet.free_cash_flow_usd[0]
        self._fcf_bars.setOpts(x=mid, height=fcf)
        self._revenue.setData(mid, revenue)
        self._power.setData(mid, power)
        self._opex.setData(mid, opex)

        # Cumulative FCF: balances at month ends.
        cumulative = np.cumsum(fcf)
        self._cumulative.setData(end, cumulative)
        kpis = results.fleet_kpis
        at = float(kpis.payback_at_month[0])
        if int(kpis.payback_status[0]) == metrics.PAID_BACK and math.isfinite(at):
            self.payback_point = (at, 0.0)
            self._payback.setData(x=[at], y=[0.0])
            self._payback_text.setText(f"Payback: {display.months(at, 'months')}")
            self._payback_text.setPos(at, 0.0)
            self._payback.setVisible(True)
            self._payback_text.setVisible(True)
        else:
            self.payback_point = None
            self._payback.setVisible(False)
            self._payback_text.setVisible(False)

        # Hashprice and breakevens by model.
        hashprice = market.hashprice_usd_per_ph_day
        self._hashprice.setData(mid, hashprice)
        models, values = self._model_breakevens(results)
        span = np.array([0.0, float(months)])
        labels = [f"{model} breakeven" for model in models]
        if self._breakevens.update(
            [span] * len(values), [np.array([v, v]) for v in values], labels
        ):
            _relayout_legend(self._legends["hashprice"])

        # BTC price and cost per BTC.
        btc = fleet.btc_mined[0]
        cash_cost = power + opex
        all_in = cash_cost + fleet.depreciation_usd[0]
        mined = btc > 0
        cost_cash = np.divide(cash_cost, btc, out=np.full(months, np.nan), where=mined)
        cost_all_in = np.divide(all_in, btc, out=np.full(months, np.nan), where=mined)
        self._btc_price.setData(mid, market.btc_price_usd)
        self._cash_cost.setData(mid, cost_cash, connect="finite")
        self._all_in.setData(mid, cost_all_in, connect="finite")

        # EBITDA by site.
        names = list(inputs.site_names)
        ebitda = results.sites.ebitda_usd
        if self._sites.update([mid] * len(names), list(ebitda), names):
            _relayout_legend(self._legends["by_site"])

        # Hover readouts.
        usd = display.money_short
        self._readouts["cash_flow"].entries = [
            ("Revenue", revenue, usd),
            ("Power cost", power, usd),
            ("Opex", opex, usd),
            ("Free cash flow", fcf, usd),
        ]
        self._readouts["cumulative"].entries = [("Cumulative FCF at month end", cumulative, usd)]
        self._readouts["hashprice"].entries = [("Hashprice", hashprice, display.usd_per_ph_day)]
        self._readouts["hashprice"].breakevens = list(zip(models, values, strict=True))
        self._readouts["btc_price"].entries = [
            ("BTC price", market.btc_price_usd, display.usd_per_btc),
            ("Cash cost", cost_cash, display.usd_per_btc),
            ("All-in cost", cost_all_in, display.usd_per_btc),
        ]
        self._readouts["by_site"].entries = [
            (f"{name} EBITDA", ebitda[s], usd) for s, name in enumerate(names)
        ]
        if self._hover_month is not None and self._hover_month >= months:
            self._hover_month = None
        self._refresh_readout()

    @staticmethod
    def _model_breakevens(results: Results) -> tuple[list[str], list[float]]:
        """Count-weighted mean breakeven hashprice of each rig model's rows (finite only)."""
        inputs = results.inputs
        breakeven = results.breakevens.hashprice_usd_per_ph_day
        weight: dict[str, float] = {}
        total: dict[str, float] = {}
        for model, count, value in zip(
            inputs.row_models, inputs.count.tolist(), breakeven.tolist(), strict=True
        ):
            if math.isfinite(value) and count > 0:
                weight[model] = weight.get(model, 0.0) + count
                total[model] = total.get(model, 0.0) + count * value
        models = list(weight)
        return models, [total[m] / weight[m] for m in models]

    # -- read back --------------------------------------------------------------------

    def series(self, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The (x, y) arrays each item of chart `name` holds, keyed by legend label (the
        newest results', drawn now if the panel skipped them while hidden)."""
        self.catch_up()
        if name == "cash_flow":
            return {
                "Revenue": _data(self._revenue),
                "Power cost": _data(self._power),
                "Opex": _data(self._opex),
                "Free cash flow": (
                    np.asarray(self._fcf_bars.opts["x"]),
                    np.asarray(self._fcf_bars.opts["height"]),
                ),
            }
        if name == "cumulative":
            return {"Cumulative FCF": _data(self._cumulative)}
        if name == "hashprice":
            return {"Hashprice": _data(self._hashprice), **self._breakevens.series()}
        if name == "btc_price":
            return {
                "BTC price": _data(self._btc_price),
                "Cash cost per BTC": _data(self._cash_cost),
                "All-in cost per BTC": _data(self._all_in),
            }
        if name == "by_site":
            return self._sites.series()
        raise KeyError(f"no chart named {name!r}; charts: {', '.join(CHART_KEYS)}")

    # -- hover ------------------------------------------------------------------------

    def _mouse_moved(self, key: str, pos: QPointF) -> None:
        if key != CHART_KEYS[self.tabs.currentIndex()] or not self._month_starts:
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

    def _tab_changed(self, _index: int) -> None:
        self._refresh_readout()

    def _refresh_readout(self) -> None:
        key = CHART_KEYS[max(self.tabs.currentIndex(), 0)]
        t = self._hover_month
        for name, line in self._hover_lines.items():
            if t is None or name != key:
                line.setVisible(False)
            else:
                line.setValue(t + HALF)
                line.setVisible(True)
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
        if not 0 <= index < len(CHART_KEYS):
            raise IndexError(f"no chart tab {index}")
        self.catch_up()
        widget = self.plots[CHART_KEYS[index]]
        item = widget.getPlotItem()
        saved = None
        if not widget.isVisible():  # a hidden tab, or never shown: lay it out to export it
            shown = self.tabs.currentWidget()
            width, height = (shown.width(), shown.height()) if self.isVisible() else (0, 0)
            saved = item.geometry()
            item.setGeometry(QRectF(0, 0, max(width, 1000), max(height, 600)))
            item.layout.activate()
        try:
            exporter = pyqtgraph.exporters.ImageExporter(item)
            exporter.parameters()["background"] = QColor("white")
            image = exporter.export(toBytes=True)
        finally:
            if saved is not None:
                item.setGeometry(saved)
        if image is None or not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")

    def _export_dialog(self) -> None:
        key = CHART_KEYS[self.tabs.currentIndex()]
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
