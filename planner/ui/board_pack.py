"""The board pack: a landscape PDF of the plan for a board, one topic a page.

Pages: the key figures; the bridge from the rows' NPVs to the fleet NPV; the scenarios
side by side; the monthly cash flow; the cumulative free cash flow; the AI/HPC options
(only when the project has plans); the Monte Carlo fan of cumulative free cash flow.
Every page has a header (project, scenario, date) and its page number.

Drawn with QPainter on a QPdfWriter (Qt's own PDF support) at 72 units an inch, so one
unit is one point; figures are written with planner/io/display.py as in the window.
`write_board_pack` needs no window: it makes a QGuiApplication (offscreen when there is
no display) if the process has none.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from planner.domain.months import add_months, format_month
from planner.domain.project import Project
from planner.engine import Results, metrics, run
from planner.engine.hpc import analyse_conversions
from planner.engine.montecarlo import (
    PERCENTILES,
    MonteCarloResult,
    MonteCarloSettings,
    run_monte_carlo,
)
from planner.engine.sensitivity import compare_scenarios
from planner.io import display
from planner.io.project_file import write_atomically
from planner.io.report import build_report, kpi_dict
from planner.ui.chart_parts import (
    BLUE,
    GREEN,
    INK,
    PALETTE,
    PURPLE,
    SKY,
    VERMILLION,
    halving_position,
)

PAPERS = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
MAX_BRIDGE_LINES = 14  # beyond this, the largest lines and the rest summed in one
MARGIN = 36.0
GREY = "#666666"
RULE = "#BBBBBB"
STRIPE = "#F3F6F9"
FONT_FAMILY = "DejaVu Sans"

_STATUS_OF_KEY = {status.key: status for status in metrics.PaybackStatus}


# ------------------------------------------------------------------ the figures


@dataclass(frozen=True)
class BridgeLine:
    label: str
    npv_usd: float
    kind: str  # row, site, company, other (the smaller lines summed)


def bridge_lines(
    bridge: Sequence[dict[str, Any]], max_lines: int = MAX_BRIDGE_LINES
) -> tuple[list[BridgeLine], float]:
    """The report's bridge for a page: every line when there are at most `max_lines`,
    else the largest (by size) in the report's order and the rest summed in one line;
    and the total, the sum of all the lines (the fleet NPV)."""
    lines = [BridgeLine(b["label"], float(b["npv_usd"]), b["kind"]) for b in bridge]
    total = math.fsum(line.npv_usd for line in lines)
    if len(lines) <= max_lines:
        return lines, total
    keep = max_lines - 1
    largest = sorted(range(len(lines)), key=lambda i: -abs(lines[i].npv_usd))[:keep]
    kept = sorted(largest)
    rest = [lines[i] for i in range(len(lines)) if i not in set(kept)]
    other = BridgeLine(
        f"Other {len(rest)} lines", math.fsum(line.npv_usd for line in rest), "other"
    )
    return [lines[i] for i in kept] + [other], total


@dataclass
class PackData:
    """What the pack shows: the report (without its uncertainty sections), every
    scenario's fleet KPIs, the Monte Carlo run and the results they come from."""

    project: Project
    results: Results
    report: dict[str, Any]
    scenarios: list[dict[str, Any]]
    monte_carlo: MonteCarloResult
    today: date = field(default_factory=date.today)


def pack_data(
    project: Project,
    scenario: str | None = None,
    months: int | None = None,
    settings: MonteCarloSettings | None = None,
) -> PackData:
    results = run(project, scenario, months)
    report = build_report(project, results, analyse_conversions(project, results), False)
    scenarios = [
        {
            "name": name,
            **kpi_dict(other, other.fleet_kpis, 0, other.fleet_irr_annual),
            "cumulative_fcf_usd": np.cumsum(other.fleet.free_cash_flow_usd[0]),
        }
        for name, other in compare_scenarios(project, results.inputs.months)
    ]
    mc = run_monte_carlo(results, settings or MonteCarloSettings())
    return PackData(project, results, report, scenarios, mc)


# ------------------------------------------------------------------ drawing helpers


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPointSizeF(size)
    font.setBold(bold)
    # No ligatures: "fi" stays two letters, so the PDF's text searches and copies as typed.
    font.setFeature(QFont.Tag("liga"), 0)
    return font


def _text(
    p: QPainter,
    rect: QRectF,
    text: str,
    size: float = 9.0,
    bold: bool = False,
    colour: str = INK,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    elide: bool = True,
) -> None:
    """Text in a rectangle, shortened with an ellipsis rather than cut when too wide."""
    p.setFont(_font(size, bold))
    p.setPen(QColor(colour))
    if elide:
        text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width()))
    p.drawText(rect, int(align), text)


def _text_width(p: QPainter, text: str, size: float, bold: bool = False) -> float:
    p.setFont(_font(size, bold))
    return float(p.fontMetrics().horizontalAdvance(text))


RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter


def _table(
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
    p.fillRect(QRectF(x, y, total, row_height), QColor("#E4EAF0"))
    cx = x
    for i, (w, h) in enumerate(zip(widths, headers, strict=True)):
        _text(
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
            _text(p, QRectF(cx + 4, y, w - 8, row_height), c, size, r in bold_rows, INK, align)
            cx += w
        y += row_height
    p.setPen(QPen(QColor(RULE), 0.75))
    p.drawLine(QPointF(x, y), QPointF(x + total, y))
    return y


def _nice_step(span: float, count: int) -> float:
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


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


def _swatch(p: QPainter, colour: QColor, inset: float, rect: QRectF) -> None:
    p.fillRect(rect.adjusted(inset, 1 + inset, -inset, -1 - inset), colour)


def _legend(p: QPainter, rect: QRectF, chart: Chart) -> float:
    """The chart's series in rows above the plot; returns the height they take."""
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
    x, y, row = rect.left(), rect.top(), 18.0
    for name, draw in entries:
        width = min(_text_width(p, name, 8.5), rect.width() - 28)
        if x > rect.left() and x + 24 + width > rect.right():  # wrap to the next row
            x, y = rect.left(), y + row
        draw(QRectF(x, y + 3, 20, row - 6))
        _text(p, QRectF(x + 24, y, width + 4, row), name, 8.5)
        x += 24 + width + 16
    return y + row - rect.top()


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
    low, high = _y_range(chart)
    step = _nice_step(high - low, 8)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step

    def px(x: float) -> float:
        return plot.left() + x / max(chart.months, 1) * plot.width()

    def py(y: float) -> float:
        return plot.bottom() - (y - low) / (high - low) * plot.height()

    # grid and y ticks
    p.setPen(QPen(QColor("#E6E6E6"), 0.5))
    value = low
    while value <= high + step * 1e-9:
        y = py(value)
        p.setPen(QPen(QColor("#E6E6E6"), 0.5))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        _text(
            p,
            QRectF(rect.left() + 14, y - 7, 52, 14),
            display.money_tick(value, step),
            8,
            align=RIGHT,
        )
        value += step
    # x ticks: month starts aligned to the calendar
    step_m = _month_step(chart.months, plot.width())
    base = chart.start.year * 12 + chart.start.month - 1
    first = math.ceil(base / step_m) * step_m - base
    p.setPen(QPen(QColor(RULE), 0.75))
    for t in range(first, chart.months + 1, step_m):
        x = px(t)
        p.setPen(QPen(QColor(RULE), 0.75))
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
        label = format_month(add_months(chart.start, t))
        _text(p, QRectF(x - 30, plot.bottom() + 5, 60, 14), label, 8, align=CENTRE, elide=False)
    # axis titles with units
    _text(
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
    _text(
        p,
        QRectF(-plot.height() / 2, -6, plot.height(), 12),
        chart.y_title,
        8.5,
        colour=GREY,
        align=CENTRE,
    )
    p.restore()

    p.save()
    p.setClipRect(plot)
    for band in chart.bands:
        path = QPainterPath()
        path.moveTo(px(float(band.x[0])), py(float(band.high[0])))
        for x, y in zip(band.x[1:], band.high[1:], strict=True):
            path.lineTo(px(float(x)), py(float(y)))
        for x, y in zip(band.x[::-1], band.low[::-1], strict=True):
            path.lineTo(px(float(x)), py(float(y)))
        path.closeSubpath()
        p.fillPath(path, QBrush(band.colour))
    if chart.bars is not None:
        xs, heights, colour, _ = chart.bars
        half = 0.4 / max(chart.months, 1) * plot.width()
        for x, h in zip(xs, heights, strict=True):
            if math.isfinite(float(h)) and h != 0:
                top, bottom = sorted((py(float(h)), py(0.0)))
                p.fillRect(QRectF(px(float(x)) - half, top, 2 * half, bottom - top), colour)
    p.setPen(QPen(QColor("#888888"), 0.75))
    p.drawLine(QPointF(plot.left(), py(0.0)), QPointF(plot.right(), py(0.0)))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for line in chart.lines:
        p.setPen(QPen(QColor(line.colour), line.width, line.style, Qt.PenCapStyle.RoundCap))
        path = QPainterPath()
        started = False
        for x, y in zip(line.x, line.y, strict=True):
            if not math.isfinite(float(y)):
                started = False
                continue
            point = QPointF(px(float(x)), py(float(y)))
            if started:
                path.lineTo(point)
            else:
                path.moveTo(point)
                started = True
        p.drawPath(path)
    p.restore()

    p.setPen(QPen(QColor("#888888"), 0.75))
    p.drawRect(plot)
    if chart.halving_x is not None:
        x = px(chart.halving_x)
        p.setPen(QPen(QColor(GREY), 1.0, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        label = chart.halving_label
        width = _text_width(p, label, 8) + 8
        box = QRectF(x + 3, plot.top() + 3, width, 14)
        if box.right() > plot.right():
            box.moveRight(x - 3)
        p.fillRect(box, QColor(255, 255, 255, 220))
        _text(p, box, label, 8, colour=GREY, align=CENTRE, elide=False)
    for x_value, y_value, label in chart.points:
        point = QPointF(px(x_value), py(y_value))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor("white"), 1.2))
        p.setBrush(QColor(GREEN))
        p.drawEllipse(point, 5, 5)
        p.setBrush(Qt.BrushStyle.NoBrush)
        width = _text_width(p, label, 8) + 8
        box = QRectF(point.x() + 7, point.y() - 20, width, 14)
        if box.right() > plot.right():
            box.moveRight(point.x() - 7)
        p.fillRect(box, QColor(255, 255, 255, 220))
        _text(p, box, label, 8, colour=INK, align=CENTRE, elide=False)
    _end_labels(p, plot, [(line, py(float(line.y[-1]))) for line in chart.lines if line.end_label])


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
        _text(
            p,
            QRectF(plot.right() + 6, y - 6, 120, 12),
            line.end_label,
            8,
            True,
            line.colour,
            LEFT,
            False,
        )


def _note(p: QPainter, rect: QRectF, paragraphs: Sequence[str]) -> None:
    """Small grey paragraphs, wrapped to the rectangle's width, one under the other."""
    p.setFont(_font(8))
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


# ------------------------------------------------------------------ pages


@dataclass
class Page:
    title: str
    draw: Callable[[QPainter, QRectF], None]


class _Pack:
    def __init__(self, data: PackData) -> None:
        self.data = data
        self.report = data.report
        self.fleet = data.report["fleet"]
        inputs = data.results.inputs
        timeline = inputs.timeline
        self.start = timeline.month_starts[0]
        self.months = inputs.months
        height, when = data.results.next_halving
        self.halving_date = when
        self.halving_height = height
        self.halving_x = halving_position(timeline.month_starts, timeline.days, when)

    def pages(self) -> list[Page]:
        pages = [
            Page("Key figures", self.kpis),
            Page("Fleet NPV bridge: from each fleet row's NPV to the fleet's", self.bridge),
            *self._scenario_pages(),
            Page("Monthly cash flow", self.cash_flow),
            Page("Cumulative free cash flow", self.cumulative),
        ]
        hpc = self.report["hpc"]
        per_page = 5
        for first in range(0, len(hpc), per_page):
            more = " (continued)" if first else ""
            pages.append(
                Page(
                    f"AI/HPC conversion: keep mining, convert or partial{more}",
                    partial(self.hpc, sites=hpc[first : first + per_page]),
                )
            )
        pages.append(Page("Monte Carlo: the range of cumulative free cash flow", self.fan))
        return pages

    def _halving(self, chart: Chart) -> Chart:
        chart.halving_x = self.halving_x
        chart.halving_label = f"Halving {self.halving_date.isoformat()}"
        return chart

    # -- 1: the key figures ------------------------------------------------------------

    def kpis(self, p: QPainter, area: QRectF) -> None:
        f = self.fleet
        report = self.report
        status = _STATUS_OF_KEY[f["payback_status"]]
        months = math.nan if f["payback_months"] is None else f["payback_months"]
        payback_note = display.payback_note(status, self.months)
        if f["payback_date"]:
            payback_note = f"on {f['payback_date']}"
        end = add_months(self.start, self.months - 1)
        tiles = [
            (
                "Fleet NPV",
                display.money(f["npv_usd"]),
                f"at {display.percent(report['discount_rate_per_year'])} a year",
            ),
            (
                "IRR",
                display.percent(f["irr_annual"], missing="none"),
                "annual, fleet free cash flow",
            ),
            ("Payback", display.payback(status, months), payback_note),
            (
                "BTC mined",
                f"{f['btc_mined']:,.2f} BTC",
                f"{f['hashrate_ph']:,.0f} PH/s, {f['rigs']:,} rigs",
            ),
            ("Cash cost per BTC", display.usd_per_btc(f["cost_per_btc_cash_usd"]), "power + opex"),
            (
                "All-in cost per BTC",
                display.usd_per_btc(f["cost_per_btc_all_in_usd"]),
                "+ depreciation and G&A",
            ),
            (
                "Net cost per BTC",
                display.usd_per_btc(f["cost_per_btc_net_usd"]),
                "cash cost net of curtailment credits",
            ),
            (
                "Energy cost per BTC",
                display.usd_per_btc(f["cost_per_btc_energy_usd"]),
                "power only",
            ),
            (
                "Next halving",
                f["next_halving_date"],
                f"block {f['next_halving_height']:,} (estimated date)",
            ),
            (
                "Scenario",
                str(report["scenario"]),
                f"{len(self.data.scenarios)} scenarios in the project",
            ),
            ("Horizon", f"{self.months} months", f"{report['start_month']} to {format_month(end)}"),
            ("Capex", display.money(f["capex_usd"]), f"revenue {display.money(f['revenue_usd'])}"),
        ]
        columns, gap = 4, 12.0
        width = (area.width() - gap * (columns - 1)) / columns
        warnings = report["warnings"]
        height = 82.0 if warnings else min(120.0, (area.height() - 2 * gap) / 3)
        for i, (label, value, note) in enumerate(tiles):
            x = area.left() + (i % columns) * (width + gap)
            y = area.top() + (i // columns) * (height + gap)
            tile = QRectF(x, y, width, height)
            p.fillRect(tile, QColor(STRIPE))
            p.fillRect(QRectF(x, y, 3, height), QColor(BLUE))
            _text(p, QRectF(x + 12, y + 8, width - 20, 16), label, 9, colour=GREY)
            negative = value.startswith("-")
            _text(
                p,
                QRectF(x + 12, y + height / 2 - 15, width - 20, 30),
                value,
                18,
                True,
                VERMILLION if negative else INK,
            )
            _text(p, QRectF(x + 12, y + height - 24, width - 20, 16), note, 8, colour=GREY)
        y = area.top() + 3 * (height + gap) + 8
        if warnings:
            _text(p, QRectF(area.left(), y, area.width(), 16), "Warnings", 10, True)
            y += 18
            room = int((area.bottom() - y) // 14)
            shown = warnings if len(warnings) <= room else warnings[: max(room - 1, 0)]
            for warning in shown:
                _text(p, QRectF(area.left() + 8, y, area.width() - 8, 14), f"- {warning}", 8.5)
                y += 14
            if len(shown) < len(warnings):
                _text(
                    p,
                    QRectF(area.left() + 8, y, area.width() - 8, 14),
                    f"... and {len(warnings) - len(shown)} more (see the report)",
                    8.5,
                    colour=GREY,
                )

    # -- 2: the bridge -----------------------------------------------------------------

    def bridge(self, p: QPainter, area: QRectF) -> None:
        lines, total = bridge_lines(self.report["bridge"])
        kind_names = {
            "row": "fleet row, after tax",
            "site": "site, before tax",
            "company": "company",
            "other": "smaller lines summed",
        }
        rows = [
            *((line.label, kind_names.get(line.kind, line.kind), line.npv_usd) for line in lines),
            ("Fleet NPV", "the sum of the lines", total),
        ]
        row_height = min(24.0, (area.height() - 40) / (len(rows) + 1))
        label_w, kind_w, value_w = 230.0, 130.0, 80.0
        x0 = area.left()
        bars = QRectF(
            x0 + label_w + kind_w + value_w + 16,
            area.top() + row_height,
            area.right() - (x0 + label_w + kind_w + value_w + 16),
            row_height * len(rows),
        )
        y = area.top()
        p.fillRect(QRectF(x0, y, area.width(), row_height), QColor("#E4EAF0"))
        _text(p, QRectF(x0 + 4, y, label_w, row_height), "Line", 8.5, True)
        _text(p, QRectF(x0 + label_w + 4, y, kind_w, row_height), "What", 8.5, True)
        _text(
            p, QRectF(x0 + label_w + kind_w, y, value_w, row_height), "NPV", 8.5, True, align=RIGHT
        )
        _text(
            p,
            QRectF(bars.left(), y, bars.width(), row_height),
            "Running total (USD): green adds, red takes away",
            8.5,
            True,
            align=CENTRE,
        )
        running = np.cumsum([0.0] + [line.npv_usd for line in lines])
        low = min(0.0, float(running.min()), total)
        high = max(0.0, float(running.max()), total)
        if high - low < 1.0:
            high = low + 1.0
        pad = 0.04 * (high - low)
        low, high = low - pad, high + pad

        def bx(v: float) -> float:
            return bars.left() + (v - low) / (high - low) * bars.width()

        for i, (label, kind, value) in enumerate(rows):
            y = area.top() + (i + 1) * row_height
            last = i == len(rows) - 1
            if i % 2:
                p.fillRect(QRectF(x0, y, area.width(), row_height), QColor(STRIPE))
            _text(p, QRectF(x0 + 4, y, label_w - 8, row_height), label, 8.5, last)
            _text(p, QRectF(x0 + label_w + 4, y, kind_w - 8, row_height), kind, 8, colour=GREY)
            _text(
                p,
                QRectF(x0 + label_w + kind_w, y, value_w, row_height),
                display.money(value),
                8.5,
                last,
                VERMILLION if value < 0 else INK,
                RIGHT,
            )
            if last:
                a, b = 0.0, total
                colour = QColor(BLUE)
            else:
                a, b = float(running[i]), float(running[i + 1])
                colour = QColor(GREEN if value >= 0 else VERMILLION)
            left, right = sorted((bx(a), bx(b)))
            p.fillRect(
                QRectF(left, y + row_height * 0.2, max(right - left, 0.8), row_height * 0.6), colour
            )
        p.setPen(QPen(QColor("#888888"), 0.75))
        p.drawLine(QPointF(bx(0.0), bars.top()), QPointF(bx(0.0), bars.bottom()))
        _text(
            p,
            QRectF(bx(0.0) - 20, bars.bottom() + 2, 40, 12),
            "$0",
            8,
            colour=GREY,
            align=CENTRE,
            elide=False,
        )
        y = bars.bottom() + 18
        note = (
            "Lines as in the report's bridge: each fleet row's NPV after its share of the tax, "
            "then each site's demand charges, fixed opex and infrastructure capex and the "
            "corporate G&A, before tax (their tax shields are in the rows' shares)."
        )
        if any(line.kind == "other" for line in lines):
            note += f" The {MAX_BRIDGE_LINES - 1} largest lines are shown; the rest are summed."
        _note(p, QRectF(x0, y, area.width(), area.bottom() - y), [note])

    # -- 3: scenarios ------------------------------------------------------------------

    def _scenario_pages(self) -> list[Page]:
        scenarios = self.data.scenarios
        per_page = 8
        pages = []
        for first in range(0, len(scenarios), per_page):
            more = " (continued)" if first else ""
            chunk = scenarios[first : first + per_page]
            pages.append(
                Page(
                    f"Scenarios side by side{more}",
                    partial(self.scenarios, chunk=chunk, first=first),
                )
            )
        return pages

    def scenarios(self, p: QPainter, area: QRectF, chunk: list[dict[str, Any]], first: int) -> None:
        active = self.report["scenario"]
        headers = [
            "Scenario",
            "Fleet NPV",
            "IRR",
            "Payback",
            "BTC mined",
            "Cash $/BTC",
            "All-in $/BTC",
            "Capex",
            "Revenue",
            "ROI",
        ]
        widths = [170.0, 76, 62, 78, 78, 78, 78, 72, 72, 60]
        scale = area.width() / sum(widths)
        widths = [w * scale for w in widths]
        rows = []
        for s in chunk:
            status = _STATUS_OF_KEY[s["payback_status"]]
            months = math.nan if s["payback_months"] is None else s["payback_months"]
            rows.append(
                [
                    f"{s['name']} (this pack)" if s["name"] == active else s["name"],
                    display.money(s["npv_usd"]),
                    display.percent(s["irr_annual"], missing="none"),
                    display.payback(status, months),
                    f"{s['btc_mined']:,.1f}",
                    display.money(s["cost_per_btc_cash_usd"], compact=False),
                    display.money(s["cost_per_btc_all_in_usd"], compact=False),
                    display.money(s["capex_usd"]),
                    display.money(s["revenue_usd"]),
                    display.percent(s["roi"]),
                ]
            )
        bold = [i for i, s in enumerate(chunk) if s["name"] == active]
        y = _table(p, area.left(), area.top(), widths, headers, rows, 20.0, bold_rows=bold)
        chart_area = QRectF(area.left(), y + 18, area.width(), area.bottom() - y - 18)
        if chart_area.height() < 150:
            return
        x = np.arange(self.months + 1, dtype=float)
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        for i, s in enumerate(chunk):
            colour = PALETTE[(first + i) % len(PALETTE)]
            style = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)[
                ((first + i) // len(PALETTE)) % 3
            ]
            chart.lines.append(
                Line(
                    s["name"],
                    x,
                    np.concatenate([[0.0], s["cumulative_fcf_usd"]]),
                    colour,
                    2.4 if s["name"] == active else 1.6,
                    style,
                )
            )
        draw_chart(p, chart_area, self._halving(chart))

    # -- 4: the monthly charts ---------------------------------------------------------

    def cash_flow(self, p: QPainter, area: QRectF) -> None:
        fleet = self.data.results.fleet
        x = np.arange(self.months, dtype=float) + 0.5
        bar_colour = QColor(86, 180, 233, 150)
        chart = Chart(self.start, self.months, "USD per month")
        chart.bars = (x, fleet.free_cash_flow_usd[0], bar_colour, "Free cash flow")
        chart.lines = [
            Line("Revenue", x, fleet.revenue_usd[0], BLUE, 2.0),
            Line("Power cost", x, fleet.power_cost_usd[0], VERMILLION, 1.8),
            Line("Opex", x, fleet.opex_usd[0], PURPLE, 1.6, Qt.PenStyle.DashLine),
        ]
        draw_chart(p, area, self._halving(chart))

    def cumulative(self, p: QPainter, area: QRectF) -> None:
        fleet = self.data.results.fleet
        x = np.arange(self.months + 1, dtype=float)
        y = np.concatenate([[0.0], np.cumsum(fleet.free_cash_flow_usd[0])])
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        chart.lines = [Line("Cumulative FCF", x, y, BLUE, 2.4)]
        kpis = self.data.results.fleet_kpis
        at = float(kpis.payback_at_month[0])
        if int(kpis.payback_status[0]) == metrics.PAID_BACK and math.isfinite(at):
            chart.points.append(
                (at, 0.0, f"Payback {self.fleet['payback_date'] or display.months(at)}")
            )
        draw_chart(p, area, self._halving(chart))

    # -- 5: AI/HPC ---------------------------------------------------------------------

    def hpc(self, p: QPainter, area: QRectF, sites: list[dict[str, Any]]) -> None:
        """One column per site (ranked by the NPV converting adds), one row per figure."""

        def payback(h: dict[str, Any]) -> str:
            months = h["convert_payback_months"]
            status = _STATUS_OF_KEY[h["convert_payback_status"]]
            return display.payback(status, math.nan if months is None else months)

        def rent(h: dict[str, Any]) -> str:
            value = h["breakeven_rent_usd_per_kw_month"]
            return "none" if value is None else f"${value:,.2f}/kW-mo"

        def multiple(h: dict[str, Any]) -> str:
            value = h["breakeven_btc_price_multiple"]
            return "none" if value is None else f"{value:.2f}x"

        figures: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
            ("Share converted, IT MW", lambda h: f"{h['share']:.0%}, {h['it_mw']:,.1f} MW"),
            ("Conversion starts", lambda h: h["start_month"]),
            ("Keep mining: NPV", lambda h: display.money(h["keep_npv_usd"])),
            ("Convert: NPV", lambda h: display.money(h["convert_npv_usd"])),
            ("Partial: NPV", lambda h: display.money(h["partial_npv_usd"])),
            ("NPV gained by converting", lambda h: display.money(h["npv_gain_usd"])),
            ("Keep mining: IRR", lambda h: display.percent(h["keep_irr_annual"], "none")),
            ("Convert: IRR", lambda h: display.percent(h["convert_irr_annual"], "none")),
            ("Convert: payback", payback),
            ("Crossover month", lambda h: h["crossover_month"] or "never"),
            ("Breakeven rent", rent),
            ("Breakeven BTC price multiple", multiple),
            ("Peak funding", lambda h: display.money(h["peak_funding_usd"])),
        ]
        label_w = 200.0
        column_w = min(130.0, (area.width() - label_w) / max(len(sites), 1))
        widths = [label_w] + [column_w] * len(sites)
        rows = [[label] + [show(h) for h in sites] for label, show in figures]
        headers = ["Site"] + [h["site"] for h in sites]
        y = _table(p, area.left(), area.top(), widths, headers, rows, 20.0, bold_rows=[5])
        notes = (
            "Site cash flows before tax, with each site's value at the horizon; sites ranked "
            "by the NPV converting adds (convert NPV - keep NPV).",
            "Crossover: the month converting's cumulative cash overtakes mining's. Breakeven "
            "rent: the rent at which converting adds nothing. Breakeven BTC price multiple: "
            "the multiple of the BTC price path at which mining is worth as much as converting.",
        )
        _note(p, QRectF(area.left(), y + 12, area.width(), area.bottom() - y - 12), notes)

    # -- 6: Monte Carlo ----------------------------------------------------------------

    def fan(self, p: QPainter, area: QRectF) -> None:
        mc = self.data.monte_carlo
        s = mc.settings
        npv = dict(zip(PERCENTILES, mc.npv_percentiles_usd.tolist(), strict=True))
        summary = (
            f"{s.paths:,} paths (seed {s.seed}), BTC price volatility "
            f"{display.percent(s.price_volatility)} a year.  "
            f"Payback before the halving: {display.percent(mc.p_payback_before_halving)} of paths; "
            f"within the horizon: {display.percent(mc.p_payback_within_horizon)}."
        )
        npvs = "Fleet NPV:  " + "   ".join(f"P{q} {display.money(npv[q])}" for q in PERCENTILES)
        _text(p, QRectF(area.left(), area.top(), area.width(), 16), summary, 9)
        _text(p, QRectF(area.left(), area.top() + 18, area.width(), 16), npvs, 9, True)
        x = np.arange(self.months + 1, dtype=float)
        curves = {
            q: np.concatenate([[0.0], mc.cumulative_percentiles_usd[i]])
            for i, q in enumerate(PERCENTILES)
        }
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        chart.bands = [
            Band("P5 to P95", x, curves[5], curves[95], QColor(86, 180, 233, 60)),
            Band("P25 to P75", x, curves[25], curves[75], QColor(0, 114, 178, 90)),
        ]
        for q in PERCENTILES:
            median = q == 50
            chart.lines.append(
                Line(
                    "P50 (median)" if median else "",
                    x,
                    curves[q],
                    BLUE if median else ("#3C8DC4" if q in (25, 75) else SKY),
                    2.4 if median else 0.9,
                    end_label=f"P{q} {display.money(float(curves[q][-1]))}",
                )
            )
        draw_chart(
            p,
            QRectF(area.left(), area.top() + 44, area.width(), area.height() - 44),
            self._halving(chart),
            right_gutter=110,
        )


# ------------------------------------------------------------------ the PDF


def _ensure_app() -> None:
    if QCoreApplication.instance() is None:
        if (
            not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")
            and os.name == "posix"
            and not _is_macos()
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _app
        _app = QGuiApplication([])


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


_app: QGuiApplication | None = None


def render_board_pack(data: PackData, paper: str = "A4") -> bytes:
    """The pack as the bytes of a PDF."""
    _ensure_app()
    buffer = QBuffer()
    buffer.setData(QByteArray())
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(72)
    writer.setTitle(f"{data.project.name}: board pack")
    writer.setCreator("Mining planner")
    layout = QPageLayout(
        QPageSize(PAPERS[paper]), QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0)
    )
    writer.setPageLayout(layout)
    size = layout.fullRectPoints()
    width, height = float(size.width()), float(size.height())
    pack = _Pack(data)
    pages = pack.pages()
    painter = QPainter(writer)
    try:
        for number, page in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            _frame(painter, data, page.title, number, len(pages), width, height)
            area = QRectF(MARGIN, 98, width - 2 * MARGIN, height - 98 - 44)
            painter.save()
            page.draw(painter, area)
            painter.restore()
    finally:
        painter.end()
    buffer.close()
    return bytes(buffer.data().data())


def _frame(
    p: QPainter, data: PackData, title: str, number: int, count: int, width: float, height: float
) -> None:
    """The header (project, scenario, date), the page's title and the footer's page number."""
    report = data.report
    inner = width - 2 * MARGIN
    right = f"Scenario {report['scenario']}  |  {data.today.isoformat()}"
    right_w = _text_width(p, right, 9) + 6
    _text(p, QRectF(MARGIN, 22, inner - right_w - 12, 20), str(report["project"]), 12, True)
    _text(
        p,
        QRectF(width - MARGIN - right_w, 22, right_w, 20),
        right,
        9,
        colour=GREY,
        align=RIGHT,
        elide=False,
    )
    p.setPen(QPen(QColor(BLUE), 1.2))
    p.drawLine(QPointF(MARGIN, 46), QPointF(width - MARGIN, 46))
    _text(p, QRectF(MARGIN, 56, inner, 28), title, 16, True)
    p.setPen(QPen(QColor(RULE), 0.75))
    p.drawLine(QPointF(MARGIN, height - 34), QPointF(width - MARGIN, height - 34))
    _text(
        p, QRectF(MARGIN, height - 30, inner / 2, 16), "Mining planner board pack", 8, colour=GREY
    )
    _text(
        p,
        QRectF(width / 2, height - 30, inner / 2, 16),
        f"Page {number} of {count}",
        8,
        colour=GREY,
        align=RIGHT,
        elide=False,
    )


def write_board_pack(
    project: Project,
    path: Path | str,
    scenario: str | None = None,
    *,
    months: int | None = None,
    settings: MonteCarloSettings | None = None,
    paper: str = "A4",
) -> None:
    """Write the board pack of `project` (its active scenario, or `scenario`) to `path`,
    atomically: the file is whole or untouched. Errors writing it are OSErrors; an unknown
    scenario is a KeyError. `paper` is "A4" or "Letter" (landscape either way)."""
    data = pack_data(project, scenario, months, settings)
    write_atomically(Path(path), render_board_pack(data, paper), keep_backup=False)


__all__ = ["BridgeLine", "bridge_lines", "pack_data", "render_board_pack", "write_board_pack"]
