"""A fan chart: the percentiles of a figure across Monte Carlo paths, month by month.

P5-P95 (90 % of the paths) is a light band, P25-P75 (half of them) a darker one, P50 a
bold line; optionally each percentile named at its curve's end and a minimum cash buffer
as a dashed line. Values are month-end balances, drawn at x = t + 1 (as charts.py). The
chart has the window's right-click menu (copy data, export, reset zoom) and view limits
on its data (chart_menu.py), and a note in place of the plot while it has no run.
Decisions > Monte Carlo (cumulative free cash flow, company cash) and the Treasury tab
(company cash) draw their fans with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from planner.engine.montecarlo import PERCENTILES
from planner.io import display
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits, month_table
from planner.ui.chart_parts import (
    BLUE,
    FOREGROUND,
    GRID_ALPHA,
    INK,
    VERMILLION,
    MoneyAxis,
    MonthAxis,
    curve_data,
    legend_below,
    pen,
    relayout_legend,
)

LABEL_GAP_PX = 2  # the least space between two percentile names at the fan's end
BAND_ALPHAS = (35, 80)  # P5-P95 light, P25-P75 darker
BANDS = ((0, 4), (1, 3))  # the band's lower and upper curve, by index in PERCENTILES
MEDIAN = "P50 (median)"
BUFFER = "Minimum cash buffer"


class FanChart(pg.PlotWidget):
    """Five percentile curves over the horizon's months and the bands between them.

    `series` names the figure in the chart's data ("P5 cash (USD)"); `band_labels` are the
    legend's names of the two bands; `menu_key` names the chart's exported files. With
    `titled`, the chart says `title` above it and floats its legend on the plot (the
    Decisions pages); otherwise `title` is the y axis's and the legend sits below the plot
    (the Treasury tab, as its other charts). `name_ends`: each percentile named at its
    curve's end; `buffer`: the minimum cash buffer drawn and listed."""

    def __init__(
        self,
        title: str,
        series: str,
        band_labels: tuple[str, str],
        menu_key: str,
        empty_text: str,
        *,
        titled: bool = True,
        name_ends: bool = True,
        buffer: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        axis_pen = pg.mkPen(FOREGROUND)
        axes = (
            {"bottom": MonthAxis(), "left": MoneyAxis()}
            if titled
            else {
                "bottom": MonthAxis(pen=axis_pen, textPen=axis_pen),
                "left": MoneyAxis(pen=axis_pen, textPen=axis_pen),
            }
        )
        super().__init__(parent, background="w", axisItems=axes)
        self.series_name = series
        self.percentiles: np.ndarray | None = None  # (5, H) as shown; None: nothing shown
        self.buffer_usd: float | None = None
        self.month_starts: tuple[date, ...] = ()
        self.name_ends = name_ends
        item = self.getPlotItem()
        if titled:
            self.setTitle(title)
            legend = self.addLegend(
                offset=(10, 10), labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 210)
            )
        else:
            item.setLabel("left", title, color=FOREGROUND, **{"font-size": "9pt"})
            item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
            item.getViewBox().setDefaultPadding(0.04)
            legend = legend_below(item)
        # dynamicRangeLimit off: the bands are filled from the curves as drawn, which
        # pyqtgraph would otherwise clip to the view they were first drawn in.
        self.lines = [
            pg.PlotDataItem([], [], pen=pen(BLUE, 2.5 if q == 50 else 1.0), dynamicRangeLimit=None)
            for q in PERCENTILES
        ]
        self.fills: list[pg.FillBetweenItem] = []
        for (low, high), alpha, label in zip(BANDS, BAND_ALPHAS, band_labels, strict=True):
            brush = pg.mkBrush(QColor(0, 114, 178, alpha))
            fill = pg.FillBetweenItem(self.lines[low], self.lines[high], brush=brush)
            fill.setVisible(False)
            self.addItem(fill)
            self.fills.append(fill)
            # Only its colour, in the legend.
            sample = pg.BarGraphItem(x=[], height=[], width=1, brush=brush, pen=pg.mkPen(None))
            legend.addItem(sample, label)
        for q, line in zip(PERCENTILES, self.lines, strict=True):
            self.addItem(line)
            if q == 50:
                legend.addItem(line, MEDIAN)
        self.buffer_line: pg.PlotDataItem | None = None
        if buffer:
            self.buffer_line = pg.PlotDataItem(
                [], [], pen=pen(VERMILLION, 1.5, Qt.PenStyle.DashLine)
            )
            self.addItem(self.buffer_line)
            legend.addItem(self.buffer_line, BUFFER)
        if not titled:
            relayout_legend(legend)
        # On a light fill over the curves: a name moved down from the view's top may sit
        # across its curve's end.
        self.labels = [
            pg.TextItem(f"P{q}", color=INK, anchor=(1.0, 1.0), fill=pg.mkBrush(255, 255, 255, 200))
            for q in PERCENTILES
        ]
        for text in self.labels:
            text.setVisible(False)
            text.setZValue(10)
            self.addItem(text, ignoreBounds=True)
        view = item.getViewBox()
        view.sigRangeChanged.connect(self.place_labels)
        view.sigResized.connect(self.place_labels)
        self.menu = ChartMenu(self, self.table, menu_key)
        self.note = EmptyNote(self, empty_text)
        self.note.set_empty(True)

    def show_fan(
        self,
        percentiles: np.ndarray,
        month_starts: Sequence[date],
        buffer_usd: float | None = None,
    ) -> None:
        """Draw (5, H) `percentiles` (PERCENTILES, each month's end) over the months of
        `month_starts`, and the buffer at `buffer_usd` when the chart has one."""
        bands = np.asarray(percentiles, dtype=float)
        if bands.ndim != 2 or bands.shape[0] != len(PERCENTILES):
            raise ValueError(
                f"fan {self.series_name!r}: percentiles must be {len(PERCENTILES)} rows "
                f"(P{', P'.join(map(str, PERCENTILES))}) of months; got shape {bands.shape}"
            )
        if month_starts and len(month_starts) != bands.shape[1]:
            raise ValueError(
                f"fan {self.series_name!r}: {bands.shape[1]} months of percentiles for a "
                f"horizon of {len(month_starts)} months"
            )
        self.percentiles = bands
        self.month_starts = tuple(month_starts)
        self.buffer_usd = buffer_usd
        x = np.arange(1, bands.shape[1] + 1, dtype=float)
        axis = self.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        if month_starts:
            axis.set_start(month_starts[0])
        for line, values in zip(self.lines, bands, strict=True):
            line.setData(x, values)
        if self.buffer_line is not None and buffer_usd is not None:
            self.buffer_line.setData([x[0], x[-1]], [buffer_usd] * 2)
        for item in (*self.fills, *(self.labels if self.name_ends else ())):
            item.setVisible(True)
        self.place_labels()
        fit_limits(self.getPlotItem())
        self.getPlotItem().getViewBox().enableAutoRange()
        self.note.set_empty(False)

    def clear_fan(self, why: str) -> None:
        """Nothing of a run: `why` over the chart (not `clear`: PlotWidget's own, which
        would remove the items)."""
        self.percentiles = None
        self.buffer_usd = None
        lines = [*self.lines, *([self.buffer_line] if self.buffer_line is not None else [])]
        for line in lines:
            line.setData([], [])
        for item in (*self.fills, *self.labels):
            item.setVisible(False)
        fit_limits(self.getPlotItem())
        self.note.set_empty(True, why)

    def place_labels(self) -> None:
        """Each percentile's name at its curve's end, moved just enough that no two touch
        at the view's scale (the curves often end close together) and all stay inside the
        view (stack_labels)."""
        if self.percentiles is None or not self.name_ends:
            return
        view = self.getPlotItem().getViewBox()
        usd_per_px = abs(float(view.viewPixelSize()[1]))
        if not usd_per_px > 0:
            return
        low_usd, high_usd = (float(v) for v in view.viewRange()[1])
        height_px = max(text.boundingRect().height() for text in self.labels)
        ends_px = ((self.percentiles[:, -1] - low_usd) / usd_per_px).tolist()
        bottoms_px = stack_labels(ends_px, height_px, (high_usd - low_usd) / usd_per_px)
        x = float(self.percentiles.shape[1])
        for text, bottom_px in zip(self.labels, bottoms_px, strict=True):  # P5 first
            text.setPos(x, low_usd + bottom_px * usd_per_px)

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The curves as given: {"P5 <series>": (x, y), ..., "Minimum cash buffer": ...}
        (the buffer over every month of the fan); empty while nothing is shown."""
        if self.percentiles is None:
            return {}
        found = {
            f"P{q} {self.series_name}": curve_data(line)
            for q, line in zip(PERCENTILES, self.lines, strict=True)
        }
        if self.buffer_line is not None and self.buffer_usd is not None:
            x = found[f"P{PERCENTILES[0]} {self.series_name}"][0]
            found[BUFFER] = (x, np.full(x.size, self.buffer_usd))
        return found

    def table(self) -> ChartTable:
        """The percentiles by month, and the buffer (the chart's Copy data)."""
        if self.percentiles is None:
            return ChartTable((), [])
        return month_table(self.series(), self.month_starts, "USD")

    def readout(self, t: int) -> list[str]:
        """Each percentile at month `t`'s end, and the buffer: ["P5 $1.23M", ...]."""
        if self.percentiles is None or not 0 <= t < self.percentiles.shape[1]:
            return []
        parts = [
            f"P{q} {display.money_short(float(v))}"
            for q, v in zip(PERCENTILES, self.percentiles[:, t].tolist(), strict=True)
        ]
        if self.buffer_line is not None and self.buffer_usd is not None:
            parts.append(f"buffer {display.money_short(self.buffer_usd)}")
        return parts


def stack_labels(ends_px: Sequence[float], height_px: float, view_px: float) -> list[float]:
    """The bottoms of labels `height_px` high, one per curve end (`ends_px`, ascending,
    pixels up from the view's bottom), in a view `view_px` high: each at its end or as
    little above it as keeps LABEL_GAP_PX between it and the label below; then the
    stack is pushed down from the view's top, and up from its bottom, as far as it has
    to (when the view is too low for them all, the bottom wins)."""
    step_px = height_px + LABEL_GAP_PX
    bottoms: list[float] = []
    for end in ends_px:
        bottoms.append(max(end, bottoms[-1] + step_px) if bottoms else end)
    ceiling = view_px - height_px
    for i in reversed(range(len(bottoms))):
        bottoms[i] = min(bottoms[i], ceiling)
        ceiling = bottoms[i] - step_px
    floor = 0.0
    for i, bottom in enumerate(bottoms):
        bottoms[i] = max(bottom, floor)
        floor = bottoms[i] + step_px
    return bottoms
