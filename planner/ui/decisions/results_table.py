"""The read-only table every Decisions page shows its figures in: headers and rows of
text, text columns on the left, figures on the right, copied to Excel as TSV.

A page hands it the texts (`show(headers, rows)`); the table never formats a number
itself, so what a page shows is what its tests read back (`texts()`), with one exception:
money texts (display.MoneyText, as display.money and money_short write them) are written
at one scale per column (display.money_column), so no column mixes "$39,729" and "$10.46M".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from planner.io.display import uniform_money_columns
from planner.ui.sheet import to_tsv

AnyIndex = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class ResultModel(QAbstractTableModel):
    """Rows of text under headers; nothing is editable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.text_columns: frozenset[int] = frozenset({0})

    def set_rows(
        self, headers: Sequence[str], rows: Iterable[Sequence[str]], text_columns: Iterable[int]
    ) -> None:
        self.beginResetModel()
        self.headers = list(headers)
        self.rows = uniform_money_columns(list(rows))
        self.text_columns = frozenset(text_columns)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if index.column() in self.text_columns else RIGHT
        return None


class ResultTable(QTableView):
    """A page's figures as a table: read-only, sized to its contents, Ctrl+C copies the
    selected cells as Excel does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results = ResultModel(self)
        self.setModel(self.results)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)  # as the editable tables
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setHighlightSections(False)
        copy = QAction("Copy", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy)
        self.addAction(copy)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def show_rows(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        text_columns: Iterable[int] = (0,),
    ) -> None:
        """Show `rows` under `headers`; `text_columns` align left, the rest right."""
        self.results.set_rows(headers, rows, text_columns)

    def rowCount(self) -> int:
        return self.results.rowCount()

    def columnCount(self) -> int:
        return self.results.columnCount()

    def header_texts(self) -> list[str]:
        return list(self.results.headers)

    def texts(self) -> list[list[str]]:
        """Every row's cells as shown."""
        return [list(row) for row in self.results.rows]

    def copy(self) -> None:
        """The selected cells (the whole table when none is) to the clipboard as TSV."""
        cells = sorted({(i.row(), i.column()) for i in self.selectedIndexes()})
        if cells:
            rows = sorted({r for r, _ in cells})
            cols = sorted({c for _, c in cells})
            chosen = set(cells)
            block = [
                [
                    self.results.rows[r][c] if (r, c) in chosen else ""
                    for c in range(cols[0], cols[-1] + 1)
                ]
                for r in range(rows[0], rows[-1] + 1)
            ]
        else:
            block = [self.header_texts(), *self.texts()]
        QGuiApplication.clipboard().setText(to_tsv(block))
