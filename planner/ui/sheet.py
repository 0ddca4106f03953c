"""A table that behaves like a spreadsheet: typed editors, Enter moves down, Tab right,
F2 edits, Delete clears, Ctrl+D fills down, TSV copy and paste with Excel, row commands.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QMenu,
    QMessageBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from planner.domain import editing as ed
from planner.domain.schema import REFERENCES, Column
from planner.domain.slips import Slip, cell_slip, finance_slip
from planner.ui.column_widths import width_px
from planner.ui.document import Change
from planner.ui.table_model import FinanceModel, SectionModel

AnyIndex = QModelIndex | QPersistentModelIndex
COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def cell_data(index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    """A cell's data through the Python model itself.

    Not `index.data(role)`: with PySide6 6.12 on Python 3.11 that round trip through C++
    loses a reference to None each time the model returns None, and the interpreter
    aborts when it exits.
    """
    return index.model().data(index, role)


def ask_slip(parent: QWidget | None, slip: Slip) -> str | None:
    """Ask which reading of a plausible slip was meant: the text to write, or None."""
    box = QMessageBox(parent)
    box.setWindowTitle("Which did you mean?")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(slip.question)
    typed = box.addButton(slip.as_typed_label, QMessageBox.ButtonRole.AcceptRole)
    meant = box.addButton(slip.meant_label, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(meant)
    box.exec()
    clicked = box.clickedButton()
    return slip.as_typed if clicked is typed else slip.meant if clicked is meant else None


def _column_of(model: Any, index: AnyIndex) -> Column:
    if isinstance(model, FinanceModel):
        return model.setting(index)
    return model.columns[index.column()]


class CellDelegate(QStyledItemDelegate):
    """Editors by column kind: lists for references and choices, text. A typed value the
    table would refuse stays in the editor on Enter or Tab, the reason beside it."""

    REFUSED_STYLE = "QLineEdit { border: 2px solid #b00020; }"
    # Asks which reading of a plausible slip was meant (tests put an answer here).
    ask = staticmethod(ask_slip)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in COMMIT_KEYS
        ):
            reason = self._refusal(watched)
            watched.setProperty("refusal", reason or "")
            if reason:
                watched.setStyleSheet(self.REFUSED_STYLE)
                watched.setToolTip(reason)
                if QGuiApplication.platformName() != "offscreen":  # a popup needs a screen
                    where = watched.mapToGlobal(QPoint(0, watched.height()))
                    QToolTip.showText(where, reason, watched)
                return True  # the editor stays open with the text as typed
            watched.setStyleSheet("")
        return super().eventFilter(watched, event)

    def _refusal(self, editor: QLineEdit) -> str | None:
        index = editor.property("cell")
        if not isinstance(index, QPersistentModelIndex) or not index.isValid():
            return None
        model = index.model()
        if not isinstance(model, SectionModel):
            return None
        text = editor.text()
        if text == str(cell_data(index, Qt.ItemDataRole.EditRole) or ""):
            return None
        return model.refusal(index.row(), model.columns[index.column()].key, text)

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        model = index.model()
        column = _column_of(model, index)
        if column.kind in ("ref", "choice", "bool"):
            combo = QComboBox(parent)
            if column.kind == "ref":
                assert isinstance(model, SectionModel)  # the finance settings hold no references
                target = REFERENCES[(model.section, column.key)]
                combo.addItems([item.name for item in getattr(model.document.project, target)])
            elif column.kind == "choice":
                combo.addItems(list(column.choices))
            else:
                combo.addItems(["Yes", "No"])
            return combo
        line = QLineEdit(parent)
        if column.kind == "month":
            # Typed as Excel writes months; empty stays empty where the column allows it.
            line.setPlaceholderText("2027-03, Mar 2027, Mar-27, 03/2027, 3/1/2027")
            line.setToolTip(column.tip or "A month: 2027-03, Mar 2027, Mar-27, 03/2027, 3/1/2027")
        elif column.tip:
            line.setPlaceholderText(column.tip)
        return line

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        text = str(cell_data(index, Qt.ItemDataRole.EditRole) or "")
        if isinstance(editor, QComboBox):
            found = editor.findText(text)
            editor.setCurrentIndex(max(found, 0))
        elif isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.selectAll()
            editor.setProperty("cell", QPersistentModelIndex(index))

    def setModelData(self, editor: QWidget, model: Any, index: AnyIndex) -> None:
        if isinstance(editor, QComboBox):
            text = editor.currentText()
        elif isinstance(editor, QLineEdit):
            text = editor.text()
        else:
            return
        if text == str(cell_data(index, Qt.ItemDataRole.EditRole) or ""):
            return
        column = _column_of(model, index)
        slip = (
            cell_slip(model.section, column, text)
            if isinstance(model, SectionModel)
            else finance_slip(column, text)
            if isinstance(model, FinanceModel)
            else None
        )
        if slip is None:
            model.setData(index, text, Qt.ItemDataRole.EditRole)
            return
        # Asked once the editor has closed: a dialog inside the commit would take the
        # editor's focus and commit it a second time.
        cell = QPersistentModelIndex(index)
        view = self.parent()

        def ask() -> None:
            chosen = self.ask(view if isinstance(view, QWidget) else None, slip)
            if chosen is not None and cell.isValid():
                model.setData(model.index(cell.row(), cell.column()), chosen)

        QTimer.singleShot(0, ask)


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
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._order_changed)

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
        if model.attempt(edit, change, f"Paste {len(block)} x {width}"):
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
            f"Insert {count} row(s)",
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
            f"Duplicate {len(rows)} row(s)",
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
            lambda p: ed.delete_rows(p, model.section, rows), change, f"Delete {len(rows)} row(s)"
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
        menu.exec(self.viewport().mapToGlobal(position))
