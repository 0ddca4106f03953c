"""The pieces every chart of the window is made of: the colours, pens, the month and money
axes, a legend laid out under the plot, a set of curves that grows and shrinks, and the
halving marker's position. The fleet's charts, the AI/HPC charts and the Decisions
charts all draw with these, so they read alike.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from planner.domain.months import add_months, format_month
from planner.io import display

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
MAX_LEGEND_ENTRIES = 8
LONG_LABEL = 24  # characters: legends of such labels get three columns, not four
# Upper edges of the efficiency classes rig models are grouped by when there are too many
# to name each in a legend (J/TH: lower is better).
EFFICIENCY_EDGES_J_PER_TH = (15.0, 18.0, 21.0, 25.0, 30.0, 38.0)


def pen(colour: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    made = pg.mkPen(colour, width=width, style=style)
    made.setCosmetic(True)
    return made


def cycled_pen(i: int, dashes: Sequence[Qt.PenStyle]) -> QPen:
    """The i-th pen of a set of curves: palette colour, then the next dash pattern."""
    colour = PALETTE[i % len(PALETTE)]
    return pen(colour, 2.0, dashes[(i // len(PALETTE)) % len(dashes)])


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


class CurveSet:
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
                    pen=cycled_pen(i, self.dashes),
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
        return {self.names[i]: curve_data(self.curves[i]) for i in range(self.active)}


class Legend(pg.LegendItem):
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


def legend_below(item: pg.PlotItem) -> Legend:
    """A legend under the plot of `item`, which its named items then join (call
    `relayout_legend` once they have)."""
    legend = Legend(labelTextColor=FOREGROUND, labelTextSize="9pt", frame=False, verSpacing=-6)
    item.legend = legend  # PlotItem.addItem puts named items in it
    item.layout.addItem(legend, 4, 1)
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    return legend


def curve_data(curve: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    # The dataset as given, not getData(): that one is clipped to the view for drawing.
    x, y = curve.getOriginalDataset()
    if x is None or y is None:
        return np.zeros(0), np.zeros(0)
    return np.asarray(x), np.asarray(y)


def relayout_legend(legend: pg.LegendItem) -> None:
    """Lay the legend's entries out in one row, or in four columns when there are many
    (three when their labels are long)."""
    count = len(legend.items)
    longest = max((len(label.text) for _sample, label in legend.items), default=0)
    columns = max(1, count) if count <= 5 else (3 if longest > LONG_LABEL else 4)
    legend.columnCount = columns
    legend.rowCount = max(1, math.ceil(len(legend.items) / columns))
    for i in range(legend.layout.count() - 1, -1, -1):
        legend.layout.removeAt(i)
    for sample, label in legend.items:
        legend._addItemToLayout(sample, label)
    legend.updateSize()


def halving_position(month_starts: Sequence[date], days: np.ndarray, when: date) -> float | None:
    """Fractional month index of `when` in the horizon, or None outside it."""
    if not month_starts or when < month_starts[0]:
        return None
    for t, start in enumerate(month_starts):
        length = float(days[t])
        offset = (when - start).days
        if 0 <= offset < length:
            return t + offset / length
    return None


def efficiency_class(j_per_th: float) -> tuple[int, str]:
    """The efficiency class of a rig, by rank (best first) and name: "under 15 J/TH",
    "15–18 J/TH", ..., "38+ J/TH" (no "<": legend labels are rich text)."""
    edges = EFFICIENCY_EDGES_J_PER_TH
    if j_per_th < edges[0]:
        return 0, f"under {edges[0]:g} J/TH"
    for rank, (low, high) in enumerate(itertools.pairwise(edges), start=1):
        if j_per_th < high:
            return rank, f"{low:g}–{high:g} J/TH"
    return len(edges), f"{edges[-1]:g}+ J/TH"


def breakeven_lines(
    models: Sequence[str],
    counts: np.ndarray,
    j_per_th: np.ndarray,
    breakevens: np.ndarray,
    room: int = MAX_LEGEND_ENTRIES - 1,
) -> list[tuple[str, float]]:
    """Legend label and count-weighted mean breakeven of each rig model (finite rows only);
    when there are more models than `room`, of each efficiency class instead, the label
    saying the class and how many models it holds."""
    keep = np.isfinite(breakevens) & (counts > 0)
    by_model = weighted_means(list(models), counts, breakevens, keep)
    if len(by_model) <= room:
        return [(f"{model} breakeven", value) for model, value in by_model.items()]
    classes = [efficiency_class(float(e)) for e in j_per_th]
    by_class = weighted_means([name for _rank, name in classes], counts, breakevens, keep)
    lines = []
    for _rank, name in sorted(set(classes)):
        if name not in by_class:
            continue
        held = {m for m, c, k in zip(models, classes, keep, strict=True) if c[1] == name and k}
        noun = "model" if len(held) == 1 else "models"
        lines.append((f"{name} breakeven ({len(held)} {noun})", by_class[name]))
    return lines


def weighted_means(
    keys: list[str], weights: np.ndarray, values: np.ndarray, keep: np.ndarray
) -> dict[str, float]:
    weight: dict[str, float] = {}
    total: dict[str, float] = {}
    for key, w, v, k in zip(keys, weights.tolist(), values.tolist(), keep.tolist(), strict=True):
        if k:
            weight[key] = weight.get(key, 0.0) + w
            total[key] = total.get(key, 0.0) + w * v
    return {key: total[key] / weight[key] for key in weight}


def largest_with_rest(
    names: Sequence[str], values: np.ndarray, room: int = MAX_LEGEND_ENTRIES, noun: str = "sites"
) -> tuple[list[str], list[np.ndarray]]:
    """At most `room` curves of (names x months) `values`: all when they fit, else the
    room - 1 largest (by total absolute value, in their order) and the rest summed as
    "Other N <noun> (sum)"."""
    if len(names) <= room:
        return list(names), list(values)
    size = np.abs(values).sum(axis=1)
    kept = sorted(np.argsort(-size, kind="stable")[: room - 1].tolist())
    rest = [i for i in range(len(names)) if i not in kept]
    return (
        [names[i] for i in kept] + [f"Other {len(rest)} {noun} (sum)"],
        [values[i] for i in kept] + [values[rest].sum(axis=0)],
    )


class ElidedLabel(QLabel):
    """Plain text on `lines` lines (one unless set), broken only at its "  ·  "
    separators, cut with "…" where it does not fit; `text()` and the tooltip keep all
    of it."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip(text)
        self.lines = 1

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def set_lines(self, lines: int) -> None:
        """Show the text on up to `lines` lines (at least 1), the label as high."""
        if lines < 1:
            raise ValueError(f"ElidedLabel.set_lines: lines must be at least 1, got {lines}")
        if lines != self.lines:
            self.lines = lines
            margins = self.contentsMargins()
            height_px = lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()
            self.setMinimumHeight(height_px if lines > 1 else 0)
            self.updateGeometry()
            self.update()

    def lines_needed(self, text: str, width_px: int) -> int:
        """The lines `text` takes in `width_px` broken at its separators."""
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(text) <= width_px:
            return 1
        box = QRect(0, 0, max(width_px, 1), 100 * metrics.lineSpacing())
        height_px = metrics.boundingRect(
            box, int(Qt.TextFlag.TextWordWrap), _at_dots(text)
        ).height()
        return max(math.ceil(height_px / metrics.lineSpacing() - 0.01), 1)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self.contentsRect()
        metrics = self.fontMetrics()
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        text = self.text()
        if self.lines > 1 and 1 < self.lines_needed(text, area.width()) <= self.lines:
            painter.drawText(area, int(align | Qt.TextFlag.TextWordWrap), _at_dots(text))
            return
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, area.width())
        painter.drawText(area, int(align), shown)


def _at_dots(text: str) -> str:
    """`text` breakable only at its "  ·  " separators (other spaces no-break)."""
    return text.replace(" ", "\u00a0").replace("\u00a0\u00a0·\u00a0\u00a0", "  ·  ")


class TabCorner(QWidget):
    """A tab row's corner (a hover readout), as wide as its owner sets `width_px` (a tab
    widget lays its corner out at the corner's size hint)."""

    width_px = 160

    def sizeHint(self) -> QSize:
        return QSize(self.width_px, super().sizeHint().height())
