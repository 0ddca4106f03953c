"""A project table with its filter bar above it: a column to filter on (or any), the text
or comparison to keep, and how many rows show. Ctrl+Shift+L goes to the filter, as in Excel.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from planner.domain.row_filter import FilterError, RowFilter
from planner.ui.sheet import SheetView

ANY_COLUMN = "Any column"
FILTER_HINT = "Filter: text, or in one column >5000, <=2025-06, <>Pecos"


class SheetFrame(QWidget):
    """`view` under a one-line filter bar."""

    def __init__(self, view: SheetView, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        model = view.section_model()
        self.columns = list(model.columns) if model is not None else []
        self.column_box = QComboBox()
        self.column_box.addItem(ANY_COLUMN)
        self.column_box.addItems([column.header for column in self.columns])
        self.column_box.setToolTip("The column the filter looks at")
        self.text_box = QLineEdit()
        self.text_box.setPlaceholderText(FILTER_HINT)
        self.text_box.setClearButtonEnabled(True)
        self.text_box.setToolTip(
            "Keep the rows whose cells contain this text (any case). In one column, "
            "compare: >, >=, <, <=, =, <> and a value as the column reads it "
            "(>$5,000, <=Mar 2025, <>Pecos). The totals row adds up the rows shown."
        )
        self.count_label = QLabel("")
        self.clear_button = QToolButton()
        self.clear_button.setText("Show all")
        self.clear_button.clicked.connect(self.clear)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QLabel("Filter"))
        bar.addWidget(self.column_box)
        bar.addWidget(self.text_box, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(view, 1)
        self.text_box.textChanged.connect(self.refilter)
        self.column_box.currentIndexChanged.connect(self.refilter)
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._show_count)
        go_to_filter = QAction("Filter rows", self)
        go_to_filter.setShortcut(QKeySequence("Ctrl+Shift+L"))
        go_to_filter.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        go_to_filter.triggered.connect(self.focus_filter)
        self.addAction(go_to_filter)
        self._show_count()

    def focus_filter(self) -> None:
        self.text_box.setFocus()
        self.text_box.selectAll()

    def clear(self) -> None:
        self.text_box.clear()
        self.column_box.setCurrentIndex(0)

    def refilter(self, *_args: object) -> None:
        """Apply what the bar says; a filter that cannot be read shows why and keeps
        every row."""
        position = self.column_box.currentIndex() - 1
        column = self.columns[position] if position >= 0 else None
        try:
            row_filter = RowFilter.parse(self.text_box.text(), column)
        except FilterError as error:
            self.view.apply_filter(RowFilter())
            self.text_box.setStyleSheet("QLineEdit { border: 2px solid #b00020; }")
            self.count_label.setText(f"Filter not applied: {error}")
            return
        self.text_box.setStyleSheet("")
        self.view.apply_filter(row_filter)
        self._show_count()

    def _show_count(self, *_args: object) -> None:
        model = self.view.section_model()
        if model is None:
            return
        shown, total = self.view.rows_shown(), model.item_count()
        filtered = self.view.row_filter.active
        self.count_label.setText(f"{shown:,} of {total:,} rows" if filtered else f"{total:,} rows")
        self.clear_button.setEnabled(filtered)
