"""The name column kept in view while a wide table scrolls right, as Excel's Freeze First
Column does: a second view of the same model and selection, showing only column 0, laid
over the table's left edge and scrolled with it (the pattern of Qt's Frozen Column example).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView


class FrozenColumn(QTableView):
    """Column 0 of `table`, drawn over it. It never takes the focus: a click selects in
    the table (the selection model is shared) and a double-click edits there."""

    def __init__(self, table: QTableView):
        super().__init__(table)
        self.table = table
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setHighlightSections(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(table.verticalScrollMode())
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAlternatingRowColors(table.alternatingRowColors())
        self.setStyleSheet("QTableView { border-right: 1px solid #9aa4b1; }")
        self.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        table.horizontalHeader().sectionResized.connect(self._column_resized)
        table.verticalHeader().sectionResized.connect(self._row_resized)
        table.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(table.verticalScrollBar().setValue)
        table.horizontalScrollBar().valueChanged.connect(lambda _value: self.place())
        self.doubleClicked.connect(self._edit_in_table)
        self.follow_model()

    def follow_model(self) -> None:
        """Show the table's model (called again when the table gets a new one)."""
        model = self.table.model()
        if model is None:
            return
        self.setModel(model)
        self.setSelectionModel(self.table.selectionModel())
        for column in range(1, model.columnCount()):
            self.setColumnHidden(column, True)
        self.place()

    def copy_hidden_rows(self) -> None:
        """Hide the rows the table hides (a filter)."""
        model = self.model()
        if model is None:
            return
        for row in range(model.rowCount()):
            self.setRowHidden(row, self.table.isRowHidden(row))

    def place(self) -> None:
        """Lay the view over column 0, shown only once the table has scrolled right."""
        table = self.table
        width_px = table.columnWidth(0)
        self.setColumnWidth(0, width_px)
        self.setVisible(table.horizontalScrollBar().value() > 0 and width_px > 0)
        frame_px = table.frameWidth()
        self.setGeometry(
            table.verticalHeader().width() + frame_px,
            frame_px,
            width_px + 1,  # the line that marks the frozen edge
            table.viewport().height() + table.horizontalHeader().height(),
        )
        self.horizontalHeader().setFixedHeight(table.horizontalHeader().height())
        self.verticalScrollBar().setValue(table.verticalScrollBar().value())
        self.raise_()

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == 0:
            self.place()

    def _row_resized(self, row: int, _old: int, new: int) -> None:
        self.setRowHeight(row, new)

    def _edit_in_table(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
        self.table.edit(index)
