"""A table that behaves like a spreadsheet: typed editors, Enter moves down, Tab right,
F2 edits, Delete clears, Ctrl+D fills down, TSV copy and paste with Excel, row commands.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QMenu,
    QTableView,
    QWidget,
)

from planner.domain import editing as ed
from planner.domain.row_filter import RowFilter
from planner.domain.schema import TOTALS
from planner.ui.cell_delegate import CellDelegate, cell_data, open_path_grid
from planner.ui.column_widths import width_px
from planner.ui.document import Change
from planner.ui.frozen_column import FrozenColumn
from planner.ui.path_grid import is_path_column
from planner.ui.table_model import FinanceModel, SectionModel
from planner.ui.totals_row import TotalsModel, TotalsView

AnyIndex = QModelIndex | QPersistentModelIndex
__all__ = ["CellDelegate", "SheetView", "cell_data", "find_next", "from_tsv", "to_tsv"]


def find_next(view: QTableView, text: str) -> bool:
    """Go to the next cell of `view` after its current one (row by row, wrapping) whose
    shown text (for a row's first cell, with the row's label) contains `text`, any case;
    False when no cell does."""
    model = view.model()
    needle = text.strip().casefold()
    if model is None or not needle:
        return False
    rows, columns = model.rowCount(), model.columnCount()
    current = view.currentIndex()
    start = current.row() * columns + current.column() + 1 if current.isValid() else 0
    for step in range(rows * columns):
        position = (start + step) % (rows * columns)
        row, column = divmod(position, columns)
        index = model.index(row, column)
        shown = cell_data(index)
        if column == 0:  # a row's label in its header (the Monthly grid's line items)
            label = model.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
            shown = f"{label} {shown}" if label and shown is not None else label or shown
        if shown is not None and needle in str(shown).casefold():
            view.setCurrentIndex(index)
            view.scrollTo(index)
            return True
    return False


def to_tsv(rows: list[list[str]]) -> str:
    """Cells as Excel writes them to the clipboard: tab-separated, quoted where needed."""
    out = io.StringIO()
    csv.writer(out, dialect="excel-tab").writerows(rows)
    return out.getvalue()


def from_tsv(text: str) -> list[list[str]]:
    """A block of cells from clipboard text (Excel, LibreOffice): quoted cells kept whole,
    trailing empty lines ignored. A short row leaves the cells it does not reach alone."""
    rows = list(csv.reader(io.StringIO(text), dialect="excel-tab"))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


class SheetView(QTableView):
    """The spreadsheet table for a SectionModel or the FinanceModel."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setItemDelegate(CellDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(24)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().sectionClicked.connect(self._sort_clicked)
        self._sorted: tuple[int, bool] | None = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, shortcut, slot in (
            ("copy", "Copy", QKeySequence.StandardKey.Copy, self.copy),
            ("paste", "Paste", QKeySequence.StandardKey.Paste, self.paste),
            ("fill_down", "Fill down", QKeySequence("Ctrl+D"), self.fill_down),
            ("clear", "Clear cells", QKeySequence.StandardKey.Delete, self.clear_cells),
            ("insert", "Insert rows above", QKeySequence("Ctrl+I"), self.insert_rows),
            ("duplicate", "Duplicate rows", QKeySequence("Ctrl+Shift+D"), self.duplicate_rows),
            ("delete", "Delete rows", QKeySequence("Ctrl+-"), self.delete_rows),
        ):
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        self._sorted_rows: list[Any] = []
        self.row_filter = RowFilter()
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._order_changed)
                signal.connect(self._refilter)
        if isinstance(model, SectionModel):
            # The name column stays in view scrolling right; totals under the rows.
            self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
            self.frozen: FrozenColumn | None = FrozenColumn(self)
            self.totals: TotalsView | None = (
                TotalsView(
                    self,
                    TotalsModel(
                        model,
                        lambda row: not self.isRowHidden(row),
                        lambda: self.row_filter.active,
                    ),
                )
                if model.section in TOTALS
                else None
            )
            self._refilter()
        else:
            self.frozen = self.totals = None

    # ---- the frozen name column and the totals row
    def updateGeometries(self) -> None:
        super().updateGeometries()
        totals = getattr(self, "totals", None)
        if totals is not None:
            margins = self.viewportMargins()
            if margins.bottom() != totals.height_px:
                self.setViewportMargins(
                    margins.left(), margins.top(), margins.right(), totals.height_px
                )
            totals.place()
        frozen = getattr(self, "frozen", None)
        if frozen is not None:
            frozen.place()

    def scrollTo(
        self,
        index: AnyIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        super().scrollTo(index, hint)
        frozen = getattr(self, "frozen", None)
        if frozen is None or not index.isValid() or index.column() == 0:
            return
        hidden_px = self.columnWidth(0) - self.visualRect(index).x()
        if hidden_px > 0:  # the cell is under the frozen column: bring it out
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - hidden_px)

    # ---- the filter
    def apply_filter(self, row_filter: RowFilter) -> None:
        """Show only the rows `row_filter` keeps (the blank row at the end always)."""
        self.row_filter = row_filter
        self._refilter()

    def _refilter(self, *_args: Any) -> None:
        model = self.section_model()
        if model is None:
            return
        column = self.row_filter.column
        position = model.columns.index(column) if column in model.columns else None
        for row in range(model.rowCount()):
            keep = model.is_blank(row) or self._keeps(model, row, position)
            self.setRowHidden(row, not keep)
        # An empty table's first row says what to do, across the table.
        self.clearSpans()
        if not model.item_count() and model.columnCount() > 1:
            self.setSpan(0, 0, 1, model.columnCount())
        if self.frozen is not None:
            self.frozen.copy_hidden_rows()
        if self.totals is not None:
            model_of_totals = self.totals.model()
            assert isinstance(model_of_totals, TotalsModel)
            model_of_totals.refresh()

    def _keeps(self, model: SectionModel, row: int, position: int | None) -> bool:
        if not self.row_filter.active:
            return True
        columns = range(model.columnCount()) if position is None else [position]
        texts = [str(model.data(model.index(row, c)) or "") for c in columns]
        value = None
        if position is not None:
            column = model.columns[position]
            value = (
                model.number_at(row, position)[0]
                if column.kind == "result"
                else getattr(model.items()[row], column.key)
            )
        return self.row_filter.keeps(texts, value)

    def rows_shown(self) -> int:
        """The project rows the filter shows."""
        model = self.section_model()
        if model is None:
            return 0
        return sum(not self.isRowHidden(row) for row in range(model.item_count()))

    def section_model(self) -> SectionModel | None:
        model = self.model()
        return model if isinstance(model, SectionModel) else None

    def apply_widths(self) -> None:
        model = self.model()
        if isinstance(model, SectionModel):
            metrics = self.horizontalHeader().fontMetrics()
            for i, column in enumerate(model.columns):
                needed = metrics.horizontalAdvance(column.header) + 22
                self.setColumnWidth(i, max(width_px(model.section, column.key), needed))
        elif isinstance(model, FinanceModel):
            self.verticalHeader().setMinimumWidth(260)
            self.setColumnWidth(0, 160)

    # ---- keyboard
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState:
            self._move(1, 0)
            return
        if key == Qt.Key.Key_Backspace and self.state() != self.State.EditingState:
            self.clear_cells()
            return
        super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self._move(1, 0)
            return
        super().closeEditor(editor, hint)

    def _move(self, rows: int, cols: int) -> None:
        current = self.currentIndex()
        model = self.model()
        if not current.isValid() or model is None:
            return
        row = min(max(current.row() + rows, 0), model.rowCount() - 1)
        col = min(max(current.column() + cols, 0), model.columnCount() - 1)
        self.setCurrentIndex(model.index(row, col))

    # ---- find
    def find_next(self, text: str) -> bool:
        return find_next(self, text)

    # ---- selection helpers
    def selected_cells(self) -> list[tuple[int, int]]:
        cells = sorted({(i.row(), i.column()) for i in self.selectedIndexes()})
        if not cells and self.currentIndex().isValid():
            cells = [(self.currentIndex().row(), self.currentIndex().column())]
        return cells

    def selected_rows(self) -> list[int]:
        """The project rows selected (never the blank row at the end)."""
        model = self.section_model()
        rows = {row for row, _ in self.selected_cells()}
        if model is not None:
            rows.discard(model.item_count())
        return sorted(rows)

    # ---- clipboard
    def copy(self) -> None:
        cells = self.selected_cells()
        model = self.model()
        if not cells or model is None:
            return
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        chosen = set(cells)
        block = [
            [
                str(cell_data(model.index(r, c), Qt.ItemDataRole.EditRole) or "")
                if (r, c) in chosen
                else ""
                for c in range(cols[0], cols[-1] + 1)
            ]
            for r in range(rows[0], rows[-1] + 1)
        ]
        QGuiApplication.clipboard().setText(to_tsv(block))

    def paste(self) -> None:
        model = self.model()
        text = QGuiApplication.clipboard().text()
        block = from_tsv(text)
        cells = self.selected_cells() or [(0, 0)]
        if not block or model is None:
            return
        if isinstance(model, FinanceModel):
            model.paste_column(cells[0][0], [row[0] if row else "" for row in block])
            return
        assert isinstance(model, SectionModel)
        top = min(r for r, _ in cells)
        left = min(c for _, c in cells)
        keys = [c.key for c in model.columns[left:]]
        if len(block) == 1 and len(block[0]) == 1 and len(cells) > 1:
            # One value into a selection: every selected cell takes it, as in Excel.
            edits = [
                (r, model.columns[c].key, block[0][0])
                for r, c in cells
                if model.columns[c].editable
            ]
            rows = tuple(sorted({r for r, _, _ in edits}))
            model.attempt(
                lambda p: ed.set_cells(p, model.section, edits),
                Change("cells", model.section, rows, tuple(k for _, k, _ in edits)),
                "Paste",
            )
            return
        rows_before = model.rowCount()
        skipped: list[int] = []

        def edit(project: Any) -> Any:
            after, skip = ed.paste_block(project, model.section, top, keys, block)
            skipped.append(skip)
            return after

        grows = top + len(block) > rows_before
        change = (
            Change("reset", model.section)
            if grows
            else Change("cells", model.section, tuple(range(top, top + len(block))), tuple(keys))
        )
        width = max(len(r) for r in block)
        if model.attempt(edit, change, f"Paste {len(block):,} x {width:,}"):
            bottom = min(top + len(block), model.rowCount()) - 1
            right = min(left + width, model.columnCount()) - 1
            selection = self.selectionModel()
            selection.select(
                self._rect(top, left, bottom, right),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
            if skipped and skipped[0]:
                model.document.problem.emit(
                    f"Pasted; {skipped[0]} cell(s) in computed or missing columns were skipped"
                )

    def _rect(self, top: int, left: int, bottom: int, right: int) -> Any:
        from PySide6.QtCore import QItemSelection

        model = self.model()
        return QItemSelection(model.index(top, left), model.index(bottom, right))

    # ---- cell and row commands
    def clear_cells(self) -> None:
        model = self.model()
        cells = self.selected_cells()
        if isinstance(model, FinanceModel):
            return
        if not isinstance(model, SectionModel) or not cells:
            return
        pairs = [
            (r, model.columns[c].key)
            for r, c in cells
            if model.columns[c].editable and not model.is_blank(r)
        ]
        if not pairs:
            return
        model.attempt(
            lambda p: ed.clear_cells(p, model.section, pairs),
            Change(
                "cells", model.section, tuple({r for r, _ in pairs}), tuple({k for _, k in pairs})
            ),
            "Clear cells",
        )

    def fill_down(self) -> None:
        model = self.section_model()
        cells = self.selected_cells()
        if model is None or not cells:
            return
        rows = sorted({r for r, _ in cells if not model.is_blank(r)})
        keys = sorted({model.columns[c].key for _, c in cells}, key=model.column_index)
        if len(rows) < 2:
            return
        model.attempt(
            lambda p: ed.fill_down(p, model.section, rows, keys),
            Change("cells", model.section, tuple(rows), tuple(keys)),
            "Fill down",
        )

    def insert_rows(self) -> None:
        model = self.section_model()
        if model is None:
            return
        rows = self.selected_rows()
        at = rows[0] if rows else model.item_count()  # on the blank row: a row at the end
        count = max(len(rows), 1)
        if model.attempt(
            lambda p: ed.insert_rows(p, model.section, at, count),
            Change("insert", model.section, tuple(range(at, at + count))),
            f"Insert {count:,} row(s)",
        ):
            self.selectionModel().setCurrentIndex(
                model.index(at, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def duplicate_rows(self) -> None:
        model = self.section_model()
        rows = self.selected_rows()
        if model is None or not rows:
            return
        at = rows[-1] + 1
        model.attempt(
            lambda p: ed.duplicate_rows(p, model.section, rows),
            Change("insert", model.section, tuple(range(at, at + len(rows)))),
            f"Duplicate {len(rows):,} row(s)",
        )

    def delete_rows(self) -> None:
        model = self.section_model()
        rows = self.selected_rows()
        if model is None or not rows:
            return
        contiguous = rows == list(range(rows[0], rows[-1] + 1))
        change = (
            Change("remove", model.section, tuple(rows))
            if contiguous
            else Change("reset", model.section)
        )
        model.attempt(
            lambda p: ed.delete_rows(p, model.section, rows), change, f"Delete {len(rows):,} row(s)"
        )

    def _sort_clicked(self, logical: int) -> None:
        model = self.section_model()
        if model is None or not model.columns[logical].editable:
            return
        descending = self._sorted == (logical, False)
        key = model.columns[logical].key
        if model.attempt(
            lambda p: ed.sort_rows(p, model.section, key, descending),
            Change("reset", model.section),
            f"Sort by {model.columns[logical].header}",
        ):
            self._sorted = (logical, descending)
            self._sorted_rows = list(model.items())
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            self.horizontalHeader().setSortIndicatorShown(True)
            self.horizontalHeader().setSortIndicator(logical, order)

    def _order_changed(self) -> None:
        """The rows were reordered, added or removed since the sort (an undo of it, a
        paste, an insert): the arrow would claim an order the table no longer has."""
        model = self.section_model()
        if self._sorted is None or model is None:
            return
        if list(model.items()) != self._sorted_rows:
            self._sorted = None
            self.horizontalHeader().setSortIndicatorShown(False)

    def _context_menu(self, position: Any) -> None:
        menu = QMenu(self)
        for name in ("copy", "paste", "fill_down", "clear"):
            menu.addAction(self.actions_by_name[name])
        if self.section_model() is not None:
            menu.addSeparator()
            for name in ("insert", "duplicate", "delete"):
                menu.addAction(self.actions_by_name[name])
        index = self.indexAt(position)
        if is_path_column(self.model(), index):
            menu.addSeparator()
            menu.addAction("Edit monthly path…").triggered.connect(
                lambda: open_path_grid(self, index)
            )
        model = self.section_model()
        if model is not None and model.section == "sites" and index.isValid():
            from planner.ui.fourcp_dialog import open_fourcp_dialog  # it reads TSV from here

            row = index.row() if not model.is_blank(index.row()) else -1
            menu.addSeparator()
            fourcp = menu.addAction("4CP intervals…")
            fourcp.setEnabled(row >= 0)
            fourcp.triggered.connect(lambda: open_fourcp_dialog(self, model.document, row))
        menu.exec(self.viewport().mapToGlobal(position))
