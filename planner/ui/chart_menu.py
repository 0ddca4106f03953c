"""What every chart of the window answers to besides its data: a right-click menu of user
actions (copy the plotted data for Excel, export PNG or CSV, reset the zoom) in place of
pyqtgraph's developer menu, view limits that keep zoom and pan on the data, and a note in
place of an empty plot saying what to do.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMenu, QMessageBox, QWidget

from planner.domain.months import format_month

MENU_TEXTS = ("Copy data", "Export PNG…", "Export CSV…", "Reset zoom")
LIMIT_PADDING = 0.05  # of the data's span, on each side: the furthest a view may go
# A ViewBox's own limits when it has none (pyqtgraph's defaults; None fails in log mode).
NO_LIMITS: dict[str, float | None] = {
    "xMin": -1e307,
    "xMax": 1e307,
    "yMin": -1e307,
    "yMax": 1e307,
    "maxXRange": None,
    "maxYRange": None,
}


@dataclass(frozen=True)
class ChartTable:
    """A chart's data as a table: a header per column, a row per point (numbers or text;
    NaN is an empty cell)."""

    headers: tuple[str, ...]
    rows: list[list[object]]


def _cell(value: object) -> object:
    if isinstance(value, float | np.floating):
        number = float(value)
        return "" if not math.isfinite(number) else repr(number)
    return value


def table_text(table: ChartTable, dialect: str = "excel-tab") -> str:
    """The table as Excel reads it: TSV for the clipboard (`excel-tab`), or CSV (`excel`)."""
    out = io.StringIO()
    writer = csv.writer(out, dialect=dialect, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def month_table(
    series: dict[str, tuple[np.ndarray, np.ndarray]], month_starts: Sequence[date], unit: str
) -> ChartTable:
    """Curves over the horizon's months as one table, a row a month (YYYY-MM), a column a
    curve (its name and `unit` the header). A point at
    x in (t, t + 1] is month t's (monthly flows sit at t + 0.5, month-end balances at t + 1);
    a flat line given by its two ends over the horizon is its value in every month."""
    months = len(month_starts)
    columns: dict[str, np.ndarray] = {}
    for name, (x, y) in series.items():
        values = np.full(months, np.nan)
        x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x_arr.size == 2 and x_arr[0] <= 0 and x_arr[1] >= months and y_arr[0] == y_arr[1]:
            values[:] = y_arr[0]
        elif x_arr.size:
            index = np.ceil(x_arr).astype(int) - 1
            inside = (index >= 0) & (index < months)
            values[index[inside]] = y_arr[inside]
        columns[name] = values
    rows: list[list[object]] = [
        [format_month(start), *(float(columns[name][t]) for name in columns)]
        for t, start in enumerate(month_starts)
    ]
    return ChartTable(("Month", *(f"{name} ({unit})" for name in columns)), rows)


def data_bounds(plot: pg.PlotItem) -> tuple[tuple[float, float] | None, ...]:
    """(x, y) bounds of the data of the visible items that count for the view's range:
    curves by their data as given (pyqtgraph's own bounds are of what it draws, clipped
    to the view), bars by their extent, lines by their position."""
    lows: list[list[float]] = [[], []]
    highs: list[list[float]] = [[], []]
    for item in plot.getViewBox().addedItems:
        if not item.isVisible():
            continue
        for axis, values in enumerate(_item_extent(item)):
            finite = values[np.isfinite(values)] if values is not None else np.zeros(0)
            if finite.size:
                lows[axis].append(float(finite.min()))
                highs[axis].append(float(finite.max()))
    return tuple((min(lows[a]), max(highs[a])) if lows[a] else None for a in (0, 1))


def _item_extent(item: object) -> tuple[np.ndarray | None, np.ndarray | None]:
    if isinstance(item, pg.PlotDataItem):
        x, y = item.getOriginalDataset()
        if x is None or y is None or not len(y):
            return None, None
        level = item.opts.get("fillLevel")
        extra = [float(level)] if level is not None else []
        xs, ys = np.asarray(x, dtype=float), np.append(np.asarray(y, dtype=float), extra)
        log_x, log_y = item.opts.get("logMode", (False, False))
        with np.errstate(divide="ignore", invalid="ignore"):  # the view is in log10 there
            return (np.log10(xs) if log_x else xs), (np.log10(ys) if log_y else ys)
    if isinstance(item, pg.InfiniteLine):
        at = np.array([item.value()], dtype=float)
        return (at, None) if item.angle % 180 == 90 else (None, at)
    if isinstance(item, pg.BarGraphItem | pg.ScatterPlotItem):
        found = [item.dataBounds(axis) for axis in (0, 1)]
        return tuple(  # type: ignore[return-value]
            np.array(b, dtype=float) if b is not None and None not in b else None for b in found
        )
    return None, None


def fit_limits(
    plot: pg.PlotItem, pad: float = LIMIT_PADDING
) -> tuple[float, float, float, float] | None:
    """Keep the view of `plot` on its data: pan and zoom stop at the bounds of its items'
    data (`data_bounds`), padded by `pad` of their span; no limits when it has no data.
    Call again when the data change. Returns (x min, x max, y min, y max)."""
    view = plot.getViewBox()
    x_range, y_range = data_bounds(plot)
    if x_range is None or y_range is None:
        view.setLimits(**NO_LIMITS)
        return None
    limits: list[float] = []
    for low, high in (x_range, y_range):
        span, margin = high - low, pad
        if not span > 0:
            span, margin = max(abs(low), 1.0), max(pad, 0.5)
        limits += [low - margin * span, high + margin * span]
    x_min, x_max, y_min, y_max = limits
    view.setLimits(
        xMin=x_min,
        xMax=x_max,
        yMin=y_min,
        yMax=y_max,
        maxXRange=x_max - x_min,
        maxYRange=y_max - y_min,
    )
    return x_min, x_max, y_min, y_max


def view_limits(plot: pg.PlotItem) -> tuple[float | None, ...]:
    """The limits set on the view of `plot`: (x min, x max, y min, y max)."""
    state = plot.getViewBox().state["limits"]
    return (*state["xLimits"], *state["yLimits"])


class EmptyNote(QLabel):
    """A line over an empty chart saying what to do to fill it."""

    def __init__(self, chart: pg.PlotWidget, text: str) -> None:
        super().__init__(text, chart)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("color: #555555; font-size: 11pt; background: transparent;")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setGeometry(chart.rect())
        self._chart = chart
        chart.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False

    def set_empty(self, empty: bool, text: str | None = None) -> None:
        """Say `text` (or the note's own) over the chart, its axes and legend hidden, while
        it is `empty`."""
        if text is not None:
            self.setText(text)
        self.setVisible(empty)
        if empty:
            self.raise_()
        item = self._chart.getPlotItem()
        for side in ("left", "bottom"):
            item.showAxis(side, not empty)
        if item.legend is not None:
            item.legend.setVisible(not empty)


class ChartMenu(QObject):
    """The right-click menu of one chart: Copy data (TSV with headers, for Excel), Export
    PNG…, Export CSV… and Reset zoom. pyqtgraph's own menus and its "A" button go."""

    def __init__(
        self,
        chart: pg.PlotWidget,
        table: Callable[[], ChartTable],
        name: str,
        export_png: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(chart)
        self.chart = chart
        self.table = table
        self.name = name
        self._export_png = export_png
        item = chart.getPlotItem()
        item.setMenuEnabled(False)  # the ViewBox's menu too
        item.hideButtons()
        chart.scene().contextMenu = []  # its "Export..." entry
        self.actions: dict[str, QAction] = {}
        for text, slot in zip(
            MENU_TEXTS,
            (self.copy_data, self.export_png_dialog, self.export_csv_dialog, self.reset_zoom),
            strict=True,
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            self.actions[text] = action
        chart.viewport().installEventFilter(self)

    def menu(self) -> QMenu:
        """The menu, built for one showing (the caller deletes it)."""
        menu = QMenu(self.chart)
        has_data = bool(self.table().rows)
        for text in MENU_TEXTS:
            action = self.actions[text]
            action.setEnabled(has_data or text in ("Export PNG…", "Reset zoom"))
            menu.addAction(action)
        menu.insertSeparator(self.actions["Reset zoom"])
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            self.show_menu(event.globalPos())
            return True
        return False

    def show_menu(self, at: QPoint) -> None:
        """Show the menu at `at` (global) until an action is chosen or it is closed."""
        menu = self.menu()
        menu.exec(at)
        menu.deleteLater()

    def copy_data(self) -> None:
        QApplication.clipboard().setText(table_text(self.table()))

    def reset_zoom(self) -> None:
        self.chart.getPlotItem().getViewBox().enableAutoRange(enable=True)

    def write_png(self, path: str) -> None:
        if self._export_png is not None:
            self._export_png(path)
            return
        write_plot_png(self.chart.getPlotItem(), path)

    def write_csv(self, path: str) -> None:
        Path(path).write_text(table_text(self.table(), "excel"), encoding="utf-8-sig")

    def export_png_dialog(self) -> None:
        self._save("PNG", "PNG images (*.png)", self.write_png)

    def export_csv_dialog(self) -> None:
        self._save("CSV", "CSV files (*.csv)", self.write_csv)

    def _save(self, kind: str, filter_text: str, write: Callable[[str], None]) -> None:
        suffix = "." + kind.lower()
        path, _ = QFileDialog.getSaveFileName(
            self.chart, f"Export chart as {kind}", self.name + suffix, filter_text
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            write(path)
        except OSError as error:
            QMessageBox.warning(self.chart, f"Export {kind}", str(error))


def xy_table(headers: tuple[str, str], x: np.ndarray, y: np.ndarray) -> ChartTable:
    """One curve of a chart whose x is not months, as a two-column table."""
    return ChartTable(headers, [[float(a), float(b)] for a, b in zip(x, y, strict=True)])


def write_plot_png(
    item: pg.PlotItem, path: str | Path, hidden_size: tuple[int, int] | None = None
) -> None:
    """Write a plot to a PNG file on white. `hidden_size`: the size (pixels) to lay the
    plot out at first, for a plot not on screen (a hidden tab, or never shown)."""
    saved = None
    if hidden_size is not None:
        saved = item.geometry()
        item.setGeometry(QRectF(0, 0, *hidden_size))
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
