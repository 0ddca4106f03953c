"""Drawing on a PDF page with QPainter, in points: fonts, text, tables, notes and charts.

The board pack (planner/ui/board_pack.py) draws with these; nothing here knows about a
plan. A chart is a `Chart` of `Line`s, `Band`s and bars over months, drawn by
`draw_chart` with its axes, legend, halving line, marked points and end labels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen

from planner.domain.months import add_months, format_month
from planner.io import display
from planner.ui.chart_parts import GREEN, INK

GREY = "#666666"
RULE = "#BBBBBB"
STRIPE = "#F3F6F9"
HEADER_FILL = "#E4EAF0"
FONT_FAMILY = "DejaVu Sans"

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter

AXIS = "#888888"
GRID = "#E6E6E6"
LABEL_BACKGROUND = QColor(255, 255, 255, 220)


# ------------------------------------------------------------------ text and tables


def pdf_font(size: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(size)
    font.setBold(bold)
    # No ligatures: "fi" stays two letters, so the PDF's text searches and copies as typed.
    font.setFeature(QFont.Tag("liga"), 0)
    return font


def draw_text(
    p: QPainter,
    rect: QRectF,
    text: str,
    size: float = 9.0,
    bold: bool = False,
    colour: str = INK,
    align: Qt.AlignmentFlag = LEFT,
    elide: bool = True,
) -> None:
    """Text in a rectangle, shortened with an ellipsis rather than cut when too wide."""
    p.setFont(pdf_font(size, bold))
    p.setPen(QColor(colour))
    if elide:
        text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()))
    p.drawText(rect, int(align), text)


def text_width(p: QPainter, text: str, size: float, bold: bool = False) -> float:
    p.setFont(pdf_font(size, bold))
    return float(p.fontMetrics().horizontalAdvance(text))


def draw_table(
    p: QPainter,
    x: float,
    y: float,
    widths: Sequence[float],
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_height: float = 18.0,
    left: int = 1,
    bold_rows: Sequence[int] = (),
    size: float = 8.5,
) -> float:
    """A table with a shaded header and striped rows; the first `left` columns are
    left-aligned, the rest right-aligned. Returns the y under it."""
    total = sum(widths)
    p.fillRect(QRectF(x, y, total, row_height), QColor(HEADER_FILL))
    cx = x
    for i, (w, h) in enumerate(zip(widths, headers, strict=True)):
        draw_text(
            p, QRectF(cx + 4, y, w - 8, row_height), h, size, True, INK, LEFT if i < left else RIGHT
        )
        cx += w
    y += row_height
    for r, cells in enumerate(rows):
        if r % 2:
            p.fillRect(QRectF(x, y, total, row_height), QColor(STRIPE))
        cx = x
        for i, (w, c) in enumerate(zip(widths, cells, strict=True)):
            align = LEFT if i < left else RIGHT
            draw_text(p, QRectF(cx + 4, y, w - 8, row_height), c, size, r in bold_rows, INK, align)
            cx += w
        y += row_height
    p.setPen(QPen(QColor(RULE), 0.75))
    p.drawLine(QPointF(x, y), QPointF(x + total, y))
    return y


def draw_note(p: QPainter, rect: QRectF, paragraphs: Sequence[str]) -> None:
    """Small grey paragraphs, wrapped to the rectangle's width, one under the other."""
    p.setFont(pdf_font(8))
    p.setPen(QColor(GREY))
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(
        Qt.TextFlag.TextWordWrap
    )
    y = rect.top()
    for text in paragraphs:
        box = QRectF(rect.left(), y, rect.width(), max(rect.bottom() - y, 0.0))
        used = p.boundingRect(box, flags, text)
        p.drawText(box, flags, text)
        y += used.height() + 4


# ------------------------------------------------------------------ the chart model


@dataclass
class Line:
    name: str
    x: np.ndarray
    y: np.ndarray
    colour: str
    width: float = 1.6
    style: Qt.PenStyle = Qt.PenStyle.SolidLine
    end_label: str = ""  # written beside the line's last point


@dataclass
class Band:
    name: str
    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    colour: QColor


@dataclass
class Chart:
    """A chart over the horizon: x in months (month t spans [t, t + 1)), y in USD."""

    start: date
    months: int
    y_title: str
    lines: list[Line] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    bars: tuple[np.ndarray, np.ndarray, QColor, str] | None = None  # x, height, colour, name
    halving_x: float | None = None
    halving_label: str = ""
    points: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, label


# ------------------------------------------------------------------ scales


def _nice_step(span: float, count: int) -> float:
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _y_range(chart: Chart) -> tuple[float, float]:
    values = [np.zeros(1)]
    values += [line.y for line in chart.lines]
    values += [band.low for band in chart.bands] + [band.high for band in chart.bands]
    if chart.bars is not None:
        values.append(chart.bars[1])
    data = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values])
    data = data[np.isfinite(data)]
    low, high = float(data.min()), float(data.max())
    if high - low < 1.0:
        high = low + 1.0
    pad = 0.05 * (high - low)
    return low - (pad if low < 0 else 0.0), high + pad


def _month_step(months: int, width: float) -> int:
    per_month = width / max(months, 1)
    for step in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200):
        if step * per_month >= 56:
            return step
    return 1200


@dataclass(frozen=True)
class _Axes:
    """The plot's rectangle and the map from (month, USD) to points on the page."""

    plot: QRectF
    months: int
    low: float
    high: float
    step: float  # between the money ticks

    @classmethod
    def fit(cls, plot: QRectF, chart: Chart) -> _Axes:
        """Axes whose money range is the data's, widened to whole ticks."""
        low, high = _y_range(chart)
        step = _nice_step(high - low, 8)
        low = math.floor(low / step) * step
        high = math.ceil(high / step) * step
        return cls(plot, chart.months, low, high, step)

    def px(self, x: float) -> float:
        return self.plot.left() + x / max(self.months, 1) * self.plot.width()

    def py(self, y: float) -> float:
        return self.plot.bottom() - (y - self.low) / (self.high - self.low) * self.plot.height()


# ------------------------------------------------------------------ the chart


def _swatch(p: QPainter, colour: QColor, inset: float, rect: QRectF) -> None:
    p.fillRect(rect.adjusted(inset, 1 + inset, -inset, -1 - inset), colour)


def _legend_entries(p: QPainter, chart: Chart) -> list[tuple[str, Callable[[QRectF], None]]]:
    """Each series' name and how to draw its sample: bars, bands, named lines, halving."""
    entries: list[tuple[str, Callable[[QRectF], None]]] = []
    if chart.bars is not None:
        entries.append((chart.bars[3], partial(_swatch, p, chart.bars[2], 2.0)))
    for band in chart.bands:
        entries.append((band.name, partial(_swatch, p, band.colour, 0.0)))
    for line in chart.lines:
        if not line.name:
            continue

        def sample(r: QRectF, ln: Line = line) -> None:
            p.setPen(QPen(QColor(ln.colour), ln.width, ln.style))
            p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.right(), r.center().y()))

        entries.append((line.name, sample))
    if chart.halving_x is not None:

        def halving(r: QRectF) -> None:
            p.setPen(QPen(QColor(GREY), 1.0, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()))

        entries.append(("Halving", halving))
    return entries


def _legend(p: QPainter, rect: QRectF, chart: Chart) -> float:
    """The chart's series in rows above the plot; returns the height they take."""
    x, y, row = rect.left(), rect.top(), 18.0
    for name, draw in _legend_entries(p, chart):
        width = min(text_width(p, name, 8.5), rect.width() - 28)
        if x > rect.left() and x + 24 + width > rect.right():  # wrap to the next row
            x, y = rect.left(), y + row
        draw(QRectF(x, y + 3, 20, row - 6))
        draw_text(p, QRectF(x + 24, y, width + 4, row), name, 8.5)
        x += 24 + width + 16
    return y + row - rect.top()


def _y_axis(p: QPainter, rect: QRectF, axes: _Axes) -> None:
    """The grid lines and money ticks, at every step from the bottom to the top."""
    plot = axes.plot
    p.setPen(QPen(QColor(GRID), 0.5))
    value = axes.low
    while value <= axes.high + axes.step * 1e-9:
        y = axes.py(value)
        p.setPen(QPen(QColor(GRID), 0.5))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        draw_text(
            p,
            QRectF(rect.left() + 14, y - 7, 52, 14),
            display.money_tick(value, axes.step),
            8,
            align=RIGHT,
        )
        value += axes.step


def _x_axis(p: QPainter, axes: _Axes, start: date) -> None:
    """Month ticks aligned to the calendar (every 1, 2, 3, 6, 12... months)."""
    plot = axes.plot
    step_m = _month_step(axes.months, plot.width())
    base = start.year * 12 + start.month - 1
    first = math.ceil(base / step_m) * step_m - base
    p.setPen(QPen(QColor(RULE), 0.75))
    for t in range(first, axes.months + 1, step_m):
        x = axes.px(t)
        p.setPen(QPen(QColor(RULE), 0.75))
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
        label = format_month(add_months(start, t))
        draw_text(p, QRectF(x - 30, plot.bottom() + 5, 60, 14), label, 8, align=CENTRE, elide=False)


def _axis_titles(p: QPainter, rect: QRectF, plot: QRectF, y_title: str) -> None:
    """The axes' titles with their units: months under the plot, money up its left."""
    draw_text(
        p,
        QRectF(plot.left(), plot.bottom() + 20, plot.width(), 16),
        "Month (YYYY-MM)",
        8.5,
        colour=GREY,
        align=CENTRE,
    )
    p.save()
    p.translate(rect.left() + 6, plot.center().y())
    p.rotate(-90)
    draw_text(
        p,
        QRectF(-plot.height() / 2, -6, plot.height(), 12),
        y_title,
        8.5,
        colour=GREY,
        align=CENTRE,
    )
    p.restore()


def _bands(p: QPainter, axes: _Axes, bands: Sequence[Band]) -> None:
    for band in bands:
        path = QPainterPath()
        path.moveTo(axes.px(float(band.x[0])), axes.py(float(band.high[0])))
        for x, y in zip(band.x[1:], band.high[1:], strict=True):
            path.lineTo(axes.px(float(x)), axes.py(float(y)))
        for x, y in zip(band.x[::-1], band.low[::-1], strict=True):
            path.lineTo(axes.px(float(x)), axes.py(float(y)))
        path.closeSubpath()
        p.fillPath(path, QBrush(band.colour))


def _bars(p: QPainter, axes: _Axes, bars: tuple[np.ndarray, np.ndarray, QColor, str]) -> None:
    xs, heights, colour, _ = bars
    half = 0.4 / max(axes.months, 1) * axes.plot.width()
    for x, h in zip(xs, heights, strict=True):
        if math.isfinite(float(h)) and h != 0:
            top, bottom = sorted((axes.py(float(h)), axes.py(0.0)))
            p.fillRect(QRectF(axes.px(float(x)) - half, top, 2 * half, bottom - top), colour)


def _lines(p: QPainter, axes: _Axes, lines: Sequence[Line]) -> None:
    """Each line as one path, broken where its values are not finite."""
    for line in lines:
        p.setPen(QPen(QColor(line.colour), line.width, line.style, Qt.PenCapStyle.RoundCap))
        path = QPainterPath()
        started = False
        for x, y in zip(line.x, line.y, strict=True):
            if not math.isfinite(float(y)):
                started = False
                continue
            point = QPointF(axes.px(float(x)), axes.py(float(y)))
            if started:
                path.lineTo(point)
            else:
                path.moveTo(point)
                started = True
        p.drawPath(path)


def _series(p: QPainter, axes: _Axes, chart: Chart) -> None:
    """Bands, bars, the zero line and the lines, clipped to the plot."""
    plot = axes.plot
    p.save()
    p.setClipRect(plot)
    _bands(p, axes, chart.bands)
    if chart.bars is not None:
        _bars(p, axes, chart.bars)
    p.setPen(QPen(QColor(AXIS), 0.75))
    p.drawLine(QPointF(plot.left(), axes.py(0.0)), QPointF(plot.right(), axes.py(0.0)))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    _lines(p, axes, chart.lines)
    p.restore()


def _halving_marker(p: QPainter, axes: _Axes, x_value: float, label: str) -> None:
    """The halving as a dashed line, its date in a box beside it inside the plot."""
    plot = axes.plot
    x = axes.px(x_value)
    p.setPen(QPen(QColor(GREY), 1.0, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
    width = text_width(p, label, 8) + 8
    box = QRectF(x + 3, plot.top() + 3, width, 14)
    if box.right() > plot.right():
        box.moveRight(x - 3)
    p.fillRect(box, LABEL_BACKGROUND)
    draw_text(p, box, label, 8, colour=GREY, align=CENTRE, elide=False)


def _points(p: QPainter, axes: _Axes, points: Sequence[tuple[float, float, str]]) -> None:
    """Marked points (a green dot) with their labels above and to the right."""
    plot = axes.plot
    for x_value, y_value, label in points:
        point = QPointF(axes.px(x_value), axes.py(y_value))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor("white"), 1.2))
        p.setBrush(QColor(GREEN))
        p.drawEllipse(point, 5, 5)
        p.setBrush(Qt.BrushStyle.NoBrush)
        width = text_width(p, label, 8) + 8
        box = QRectF(point.x() + 7, point.y() - 20, width, 14)
        if box.right() > plot.right():
            box.moveRight(point.x() - 7)
        p.fillRect(box, LABEL_BACKGROUND)
        draw_text(p, box, label, 8, colour=INK, align=CENTRE, elide=False)


def _end_labels(p: QPainter, plot: QRectF, labelled: list[tuple[Line, float]]) -> None:
    """Labels at the right of the plot, by their lines' last points, spread so none overlap."""
    if not labelled:
        return
    gap = 12.0
    ordered = sorted(labelled, key=lambda pair: pair[1])
    ys = [y for _, y in ordered]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    overflow = ys[-1] - (plot.bottom() - gap / 2)
    if overflow > 0:
        ys = [y - overflow for y in ys]
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    for (line, _), y in zip(ordered, ys, strict=True):
        draw_text(
            p,
            QRectF(plot.right() + 6, y - 6, 120, 12),
            line.end_label,
            8,
            True,
            line.colour,
            LEFT,
            False,
        )


def draw_chart(p: QPainter, rect: QRectF, chart: Chart, right_gutter: float = 12.0) -> None:
    """Axes (money on y, months on x, both titled with their units), the legend above,
    the series clipped to the plot, the halving as a dashed line with its date."""
    legend = QRectF(rect.left() + 70, rect.top(), rect.width() - 70, 18)
    used = _legend(p, legend, chart) + 8
    plot = QRectF(
        rect.left() + 70,
        rect.top() + used,
        rect.width() - 70 - right_gutter,
        rect.height() - used - 40,
    )
    axes = _Axes.fit(plot, chart)
    _y_axis(p, rect, axes)
    _x_axis(p, axes, chart.start)
    _axis_titles(p, rect, plot, chart.y_title)
    _series(p, axes, chart)
    p.setPen(QPen(QColor(AXIS), 0.75))
    p.drawRect(plot)
    if chart.halving_x is not None:
        _halving_marker(p, axes, chart.halving_x, chart.halving_label)
    _points(p, axes, chart.points)
    labelled = [(line, axes.py(float(line.y[-1]))) for line in chart.lines if line.end_label]
    _end_labels(p, plot, labelled)


__all__ = [
    "CENTRE",
    "FONT_FAMILY",
    "GREY",
    "HEADER_FILL",
    "LEFT",
    "RIGHT",
    "RULE",
    "STRIPE",
    "Band",
    "Chart",
    "Line",
    "draw_chart",
    "draw_note",
    "draw_table",
    "draw_text",
    "pdf_font",
    "text_width",
]
