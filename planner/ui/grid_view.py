"""A grid in a dialog that keeps the sheets' Enter: it moves down, never presses OK."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView, QWidget


class GridView(QTableView):
    """A dialog's grid: Enter moves down as in the sheets (in a cell or out of one) and
    never presses the dialog's OK."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.state() != QAbstractItemView.State.EditingState
        ):
            self._move_down()
            return  # not passed on: Enter in the grid must not press OK
        super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:  # Enter in the editor
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self._move_down()
            return
        super().closeEditor(editor, hint)

    def down_column(self, column: int) -> int:
        """The column Enter moves down into from `column`: the same one."""
        return column

    def _move_down(self) -> None:
        current = self.currentIndex()
        model = self.model()
        if current.isValid() and model is not None:
            row = min(current.row() + 1, model.rowCount() - 1)
            self.setCurrentIndex(model.index(row, self.down_column(current.column())))
