"""The cell editors of the spreadsheet tables: lists for references and choices, text
for the rest; a refused value stays in its editor with the reason; a plausible slip is
asked about before it is written.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QMessageBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from planner.domain.schema import REFERENCES, Column
from planner.domain.slips import Slip, cell_slip, finance_slip
from planner.ui.path_grid import edit_path, is_path_column
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


def open_path_grid(view: QTableView, index: QModelIndex | QPersistentModelIndex) -> None:
    """The grid of months for a monthly path cell, opened once the current event is
    handled (a dialog inside a mouse or key handler would run its loop there)."""
    cell = QPersistentModelIndex(index)
    QTimer.singleShot(0, view, lambda: cell.isValid() and edit_path(view, cell))


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

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """Double-click or F2 on a monthly path (BTC price, network, index prices) opens
        its grid of months instead of the text editor; typing on the cell still edits
        its ';'-separated text."""
        opens = event.type() == QEvent.Type.MouseButtonDblClick or (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_F2
        )
        view = self.parent()
        if opens and isinstance(view, QTableView) and is_path_column(model, index):
            open_path_grid(view, index)
            return True
        return super().editorEvent(event, model, option, index)

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
