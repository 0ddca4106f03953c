"""A table's totals row, as Excel's Total Row: under the rows, always in view, the sum of
each column that adds up (rigs, capacity, NPV, BTC mined) over the rows shown, so a filter
gives the total of what it shows (Excel's SUBTOTAL); effective uptime and power price are
energy-weighted over those rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView

from planner.domain import cells, schema
from planner.io import power_columns
from planner.ui.table_model import RIGHT, SectionModel

AnyIndex = QModelIndex | QPersistentModelIndex
TOTAL_BRUSH = QBrush(QColor("#e8ecf2"))
BLANK_TIP = "No total: a row shown leaves this column blank"
EDGE_TOP = "border-top: 1px solid #9aa4b1;"  # the line over the row
EDGE_RIGHT = "border-right: 1px solid #9aa4b1;"  # the frozen edge, as the column's


class TotalsModel(QAbstractTableModel):
    """One row: the totals of `source`'s additive columns over the rows `shown` says."""

    def __init__(self, source: SectionModel, shown: Any, filtered: Any = lambda: True):
        super().__init__(source)
        self.source = source
        self.shown = shown  # row -> bool: whether the table shows the row
        self.filtered = filtered  # () -> bool: whether a filter hides any rows
        self.keys = set(schema.TOTALS.get(source.section, ()))
        self._cache: dict[int, str] | None = None
        self._rows = np.zeros(0, dtype=int)
        self._font = QFont()
        self._font.setBold(True)
        for signal in (
            source.dataChanged,
            source.modelReset,
            source.rowsInserted,
            source.rowsRemoved,
        ):
            signal.connect(self.refresh)
        source.document.resultsChanged.connect(self.refresh)

    def refresh(self, *_args: Any) -> None:
        """Recount on the next paint: the rows, their values or the filter changed."""
        self._cache = None
        if self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(0, self.columnCount() - 1))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.source.columns)

    def rows_shown(self) -> list[int]:
        count = self.source.item_count()
        if not self.filtered():
            return list(range(count))  # no filter: no row to ask about
        return [row for row in range(count) if self.shown(row)]

    def totals(self) -> dict[int, str]:
        """The first column's label and the totals worked out so far (`total_text` works
        out one column's when it is painted: a column out of view costs nothing)."""
        if self._cache is None:
            rows = self.rows_shown()
            count = self.source.item_count()
            label = "Total" if len(rows) == count else f"Total of {len(rows):,} shown ({count:,})"
            self._rows = np.asarray(rows, dtype=int)
            self._cache = {0: label}
        return self._cache

    def text_at(self, column_index: int) -> str:
        """What the totals row shows in a column: worked out on first paint, kept until
        the rows, their values or the filter change."""
        texts = self.totals()
        if column_index not in texts:
            adds_up = self.source.columns[column_index].key in self.keys
            texts[column_index] = self.total_text(column_index) if adds_up else ""
        return texts[column_index]

    def total_text(self, column_index: int) -> str:
        """One additive column's total over the rows shown, as its cells show numbers:
        results summed from their arrays (no cell by cell), inputs from the rows."""
        column = self.source.columns[column_index]
        rows = self._rows
        if column.kind == "result":
            if self.source.result_array(column.key) is None:
                return "…"  # results still coming
            return self.source.result_text(column.key, self.source.result_total(column.key, rows))
        items = self.source.items()
        values = [getattr(items[r], column.key) for r in rows.tolist()]
        if any(value is None for value in values):
            # A blank cell is not a zero (a swap's blank Rigs: "enough for the same MW"):
            # the typed values alone do not add up to the column's total.
            return ""
        total = sum(float(value) for value in values)
        return cells.format_value(column, int(total) if column.kind == "int" else total)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text_at(index.column())
        if role == Qt.ItemDataRole.FontRole:
            return self._font
        if role == Qt.ItemDataRole.BackgroundRole:
            return TOTAL_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            column = self.source.columns[index.column()]
            if index.column() == 0:
                return "Totals of the rows shown"
            if not self.text_at(index.column()):
                adds_up = column.key in self.keys and column.kind != "result"
                return BLANK_TIP if adds_up else None
            if column.key in power_columns.WEIGHTED:
                return "Energy-weighted over the rows shown"
            return "The sum over the rows shown"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return "Σ"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.ToolTipRole:
            return "Totals of the rows shown"
        return None


class TotalsView(QTableView):
    """The totals row, laid in a margin under `table`'s rows: same columns, same widths,
    scrolled sideways with it, its first cell (the label) frozen as the table's first
    column is."""

    def __init__(self, table: QTableView, model: TotalsModel):
        super().__init__(table)
        self.table = table
        self.setModel(model)
        _quiet(self)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setHorizontalScrollMode(table.horizontalScrollMode())
        self.setStyleSheet(f"QTableView {{ {EDGE_TOP} }}")
        self.height_px = table.verticalHeader().defaultSectionSize() + 1
        self.setRowHeight(0, self.height_px - 1)
        self.label = FrozenLabel(self)
        table.horizontalHeader().sectionResized.connect(self._column_resized)
        table.horizontalScrollBar().valueChanged.connect(self.follow_scroll)
        table.horizontalScrollBar().rangeChanged.connect(self.follow_scroll)
        for column in range(model.columnCount()):
            self.setColumnWidth(column, table.columnWidth(column))

    def _column_resized(self, column: int, _old: int, new: int) -> None:
        self.setColumnWidth(column, new)
        if column == 0:
            self.label.place()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        if hasattr(self, "label"):  # not while setModel lays out the view
            self.follow_scroll()  # its own range may lag the table's: take the table's

    def follow_scroll(self, *_args: int) -> None:
        """Scroll to where the table is, to the pixel: the same range, the same value (a
        range of its own, worked out later than the table's, would clamp the value)."""
        source = self.table.horizontalScrollBar()
        bar = self.horizontalScrollBar()
        bar.setRange(source.minimum(), source.maximum())
        bar.setValue(source.value())
        self.label.place()

    def place(self) -> None:
        """Lay the row in the margin under the table's viewport."""
        table = self.table
        viewport = table.viewport().geometry()
        header_px = table.verticalHeader().width()
        self.verticalHeader().setFixedWidth(header_px)
        self.setGeometry(
            viewport.x() - header_px,
            viewport.bottom() + 1,
            viewport.width() + header_px,
            self.height_px,
        )
        self.follow_scroll()


class FrozenLabel(QTableView):
    """The totals row's first cell ("Total"), kept in view over the row's left edge once
    the table scrolls right, under the table's frozen first column."""

    def __init__(self, totals: TotalsView):
        super().__init__(totals)
        self.totals = totals
        self.setModel(totals.model())
        _quiet(self)
        self.verticalHeader().hide()
        self.setStyleSheet(f"QTableView {{ {EDGE_TOP} {EDGE_RIGHT} }}")
        self.setRowHeight(0, totals.rowHeight(0))
        for column in range(1, totals.model().columnCount()):
            self.setColumnHidden(column, True)
        self.hide()

    def place(self) -> None:
        """Lay the cell over column 0 of the row, shown only once it has scrolled right."""
        totals = self.totals
        width_px = totals.table.columnWidth(0)
        self.setColumnWidth(0, width_px)
        self.setRowHeight(0, totals.rowHeight(0))
        self.setGeometry(totals.verticalHeader().width(), 0, width_px + 1, totals.height())
        self.setVisible(totals.table.horizontalScrollBar().value() > 0 and width_px > 0)
        self.raise_()


def _quiet(view: QTableView) -> None:
    """A view that only shows: no focus, selection, editing, horizontal header, scroll
    bars or frame."""
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.horizontalHeader().hide()
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setFrameShape(QFrame.Shape.NoFrame)
