"""A monthly path (BTC price, network hashrate, a contract's index) edited as a grid of
months instead of one cell of ';'-separated numbers.

Rows are calendar months from the path's month 0 (planner/io/path_months.py says which);
the months after the path's last value show, greyed, what the engine uses there. Typing
or pasting in a grey month grows the path up to it (the months between take the values
the engine used). A refused value stays in its month, marked, with the reason under the
grid, and OK waits until it is fixed. OK writes the whole path through the table model's
setData, so it is one step on the app's undo stack; Cancel writes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from planner.domain import cells, schema
from planner.io import path_months as pm
from planner.io.path_months import PathFrame
from planner.ui.grid_view import GridView
from planner.ui.table_model import LEFT, RIGHT, SectionModel

AnyIndex = QModelIndex | QPersistentModelIndex
PATH_SECTIONS = ("scenarios", "contracts")
HEADERS = ("Month", "Value", "Where from")
MONTH, VALUE, BASIS = range(3)
ENGINE_BRUSH = QBrush(QColor("#f0f0f0"))
ENGINE_TEXT = QBrush(QColor("#6b6b6b"))
REFUSED_BRUSH = QBrush(QColor("#fbd5d2"))
PROBLEM_STYLE = "color: #a31515;"
RATE_COLUMN = schema.column("scenarios", "btc_price_growth_per_year")  # a %/yr rate


@dataclass(frozen=True)
class Refused:
    """A month's text that could not be read, kept where it was typed, and why."""

    text: str
    reason: str


Entry = float | Refused


class PathTableModel(QAbstractTableModel):
    """The path being edited: one row a month, as far as the path or the horizon goes.

    `entries` are the path's months: a number, or a refused text. Every change keeps the
    entries before it, for the dialog's own undo.
    """

    pathChanged = Signal()  # after any change of the entries

    def __init__(self, frame: PathFrame, values: Sequence[float], parent: QWidget):
        super().__init__(parent)
        self.frame = frame
        self.entries: list[Entry] = [float(v) for v in values]
        self.history: list[list[Entry]] = []
        self._engine = frame.engine_values(self.values_before_refused())

    # ---- reading
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else max(len(self.entries), self.frame.horizon_months)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if section == VALUE:
            return f"{self.frame.column.label} ({self.frame.unit})"
        return HEADERS[section]

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == VALUE else base

    def is_engine_row(self, row: int) -> bool:
        """A month after the path's end: the value shown is the engine's, not the path's."""
        return row >= len(self.entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        entry = self.entries[row] if row < len(self.entries) else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(row, col, entry, role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if col == VALUE else LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            if isinstance(entry, Refused):
                return REFUSED_BRUSH
            return ENGINE_BRUSH if entry is None else None
        if role == Qt.ItemDataRole.ForegroundRole and entry is None:
            return ENGINE_TEXT
        if role == Qt.ItemDataRole.FontRole and entry is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if isinstance(entry, Refused):
                return entry.reason
            return self.frame.basis(row, len(self.entries)) or None
        return None

    def _text(self, row: int, col: int, entry: Entry | None, edit: bool) -> str:
        if col == MONTH:
            return self.frame.month_label(row)
        if col == BASIS:
            if isinstance(entry, Refused):
                return f"refused: {entry.reason}"
            if self.is_engine_row(row) and self.refused_rows():
                return "engine: once the red months are read"
            return self.frame.basis(row, len(self.entries))
        if isinstance(entry, Refused):
            return entry.text
        value = entry if entry is not None else self.engine_value(row)
        if value is None:
            return ""
        return f"{value:.12g}" if edit else self.frame.shown(value)

    def engine_value(self, row: int) -> float | None:
        """What the engine uses in month `row` (None past the horizon, or while a month
        of the path is refused)."""
        if row >= len(self._engine) or self.refused_rows():
            return None
        return float(self._engine[row])

    def refused_rows(self) -> list[int]:
        return [i for i, e in enumerate(self.entries) if isinstance(e, Refused)]

    def values_before_refused(self) -> list[float]:
        """The path's numbers up to its first refused month."""
        values: list[float] = []
        for entry in self.entries:
            if isinstance(entry, Refused):
                break
            values.append(entry)
        return values

    def values(self) -> list[float] | None:
        """The path, or None while a month is refused."""
        return None if self.refused_rows() else self.values_before_refused()

    def first_problem(self) -> str:
        """The first refused month, its column's header and why; "" when none is."""
        rows = self.refused_rows()
        if not rows:
            return ""
        entry = self.entries[rows[0]]
        assert isinstance(entry, Refused)
        more = f" (and {len(rows) - 1} more month(s))" if len(rows) > 1 else ""
        header = self.frame.column.header
        return f"{self.frame.month_label(rows[0])}, {header}: {entry.reason}{more}"

    # ---- editing
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() != VALUE:
            return False
        text = str(value)
        if text == self.data(index, Qt.ItemDataRole.EditRole):
            return False  # the editor closed on the text it opened with (a grey month too)
        if self.is_engine_row(index.row()) and not text.strip():
            return False  # nothing typed in a month after the path's end
        self.set_texts(index.row(), [text])
        return True

    def set_texts(self, top: int, texts: Sequence[str]) -> None:
        """Read `texts` into the months from `top` on, growing the path when they run past
        its end; a month after the end and before `top` takes the engine's value there."""
        entries = self._grown_to(top)
        for offset, text in enumerate(texts):
            entry = self._read(text)
            if top + offset < len(entries):
                entries[top + offset] = entry
            else:
                entries.append(entry)
        self._replace(entries)

    def _read(self, text: str) -> Entry:
        try:
            return pm.read_month_value(self.frame, text)
        except ValueError as error:
            return Refused(text, str(error))

    def _grown_to(self, count: int) -> list[Entry]:
        """The entries, grown to `count` months with the engine's values (the valid
        months' continuation, should one be refused)."""
        entries = list(self.entries)
        if count > len(entries):
            months = max(count, self.frame.horizon_months)
            longer = replace(self.frame, horizon_months=months)
            engine = longer.engine_values(self.values_before_refused())
            entries.extend(float(v) for v in engine[len(entries) : count])
        return entries

    def append_month(self) -> None:
        """One month more at the end, worth what the engine used there."""
        self._replace(self._grown_to(len(self.entries) + 1))

    def delete_from(self, row: int) -> bool:
        """Delete month `row` and every later one of the path; False when `row` is past
        the path's end."""
        if row >= len(self.entries):
            return False
        self._replace(self.entries[:row])
        return True

    def fill_to_horizon(self, rate_per_year: float) -> int:
        """Grow the path to the horizon by `rate_per_year` from its last value (from the
        engine's first month when it is empty); the months added."""
        values = self.values()
        missing = self.frame.horizon_months - len(self.entries)
        if values is None or missing <= 0:
            return 0
        if values:
            added = pm.grown(values[-1], rate_per_year, missing)
        else:
            first = float(self.frame.engine_values([])[0])
            added = [first, *pm.grown(first, rate_per_year, missing - 1)]
        self._replace([*self.entries, *added])
        return missing

    def undo(self) -> bool:
        if not self.history:
            return False
        self._set(self.history.pop())
        return True

    def _replace(self, entries: list[Entry]) -> None:
        if entries == self.entries:
            return
        self.history.append(list(self.entries))
        self._set(entries)

    def _set(self, entries: list[Entry]) -> None:
        """Make `entries` the path: rows added or removed past the horizon, the rest
        repainted (not reset, so the current month and the selection stay)."""
        rows_before = self.rowCount()
        rows_after = max(len(entries), self.frame.horizon_months)
        if rows_after > rows_before:
            self.beginInsertRows(QModelIndex(), rows_before, rows_after - 1)
        elif rows_after < rows_before:
            self.beginRemoveRows(QModelIndex(), rows_after, rows_before - 1)
        self.entries = entries
        self._engine = self.frame.engine_values(self.values_before_refused())
        if rows_after > rows_before:
            self.endInsertRows()
        elif rows_after < rows_before:
            self.endRemoveRows()
        self.dataChanged.emit(self.index(0, 0), self.index(rows_after - 1, len(HEADERS) - 1))
        self.pathChanged.emit()


class PathView(GridView):
    """The grid of months: Enter moves down the values, Ctrl+C and Ctrl+V as Excel's TSV."""

    def down_column(self, column: int) -> int:
        return VALUE

    def selected_rows(self) -> list[int]:
        rows = sorted({index.row() for index in self.selectedIndexes()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return rows


class PathDialog(QDialog):
    """Edits the path of one list cell of a SectionModel; accept() writes it as one edit."""

    def __init__(self, table: SectionModel, row: int, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.table, self.row, self.key = table, row, key
        project = table.document.project
        self.frame = pm.path_frame(project, table.section, row, key)
        self.original = [float(v) for v in getattr(table.items()[row], key)]
        self.model = PathTableModel(self.frame, self.original, self)
        self.setWindowTitle(f"{self.frame.column.label}: {self.frame.entity.name}")
        self.view = PathView(self)
        self.view.setModel(self.model)
        self.problem = QLabel(self)
        self.summary = QLabel(self)
        self.rate = QLineEdit(pm.percent(self.frame.default_fill_rate()).replace(" ", ""), self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.action_buttons: dict[str, QPushButton] = {}
        self._lay_out()
        self._add_actions()
        self.model.pathChanged.connect(self._refresh)
        self.view.selectionModel().currentChanged.connect(self._refresh)
        self.view.setCurrentIndex(self.model.index(0, VALUE))
        self._refresh()
        self.resize(560, 680)

    # ---- layout
    def _intro(self) -> str:
        frame = self.frame
        name = html.escape(frame.entity.name)
        month_zero = (
            f"{name}'s start"
            if frame.is_scenario
            else f"the start of the active scenario, {html.escape(frame.scenario_name)}"
        )
        return (
            f"<b>{name}: {frame.column.header}</b><br>From {frame.month_label(0)}"
            f" ({month_zero}); the horizon, {frame.horizon_months} months, runs to "
            f"{frame.month_label(frame.horizon_months - 1)}.<br>{frame.after_the_path()}<br>"
            "<i>Grey months are past the path's end, with the engine's value: type or paste "
            "in one to extend the path to it.</i>"
        )

    def _lay_out(self) -> None:
        intro = QLabel(self._intro(), self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        unused = QLabel(self.frame.unused(), self)
        unused.setWordWrap(True)
        unused.setStyleSheet(PROBLEM_STYLE)
        unused.setVisible(bool(self.frame.unused()))
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.resizeSection(MONTH, 80)
        header.resizeSection(VALUE, 150)
        header.setSectionResizeMode(BASIS, QHeaderView.ResizeMode.Stretch)
        self.rate.setMaximumWidth(80)
        self.rate.setToolTip("Growth per year for Fill to horizon: 25% (or 25), -10%")
        tools = QHBoxLayout()
        for name, text in (
            ("add", "Add month"),
            ("delete", "Delete to end"),
            ("fill", "Fill to horizon at"),
        ):
            button = QPushButton(text, self)
            button.setAutoDefault(False)
            self.action_buttons[name] = button
            tools.addWidget(button)
        tools.addWidget(self.rate)
        tools.addWidget(QLabel("/yr", self))
        tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(unused)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _add_actions(self) -> None:
        slots = {"add": self.add_month, "delete": self.delete_to_end, "fill": self.fill}
        for name, button in self.action_buttons.items():
            button.clicked.connect(slots[name])
        for text, shortcut, slot in (
            ("Copy", QKeySequence.StandardKey.Copy, self.copy),
            ("Paste", QKeySequence.StandardKey.Paste, self.paste),
            ("Undo", QKeySequence.StandardKey.Undo, self.model.undo),
            ("Add month", QKeySequence("Ctrl+I"), self.add_month),
            ("Delete to end", QKeySequence("Ctrl+-"), self.delete_to_end),
            ("Delete", QKeySequence.StandardKey.Delete, self.delete_last),
        ):
            action = QAction(text, self.view)
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)
        self.rate.returnPressed.connect(self.fill)

    def _refresh(self) -> None:
        model, frame = self.model, self.frame
        count = len(model.entries)
        if count:
            after = max(frame.horizon_months - count, 0)
            summary = (
                f"{count} month(s) in the path, {frame.month_label(0)} to "
                f"{frame.month_label(count - 1)}; {after} more from the engine."
            )
        else:
            summary = "No path: every month is the engine's."
        self.summary.setText(summary)
        self._say(model.first_problem())
        current = self.view.currentIndex()
        delete = self.action_buttons["delete"]
        delete.setEnabled(current.isValid() and current.row() < count)
        if current.isValid() and current.row() < count:
            delete.setText(f"Delete {frame.month_label(current.row())} to end")
        else:
            delete.setText("Delete to end")
        self.action_buttons["fill"].setEnabled(count < frame.horizon_months)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not model.refused_rows())

    def _say(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.setVisible(bool(message))

    # ---- actions
    def add_month(self) -> None:
        self.model.append_month()
        self._select(len(self.model.entries) - 1, 1)

    def delete_to_end(self) -> None:
        rows = self.view.selected_rows()
        if rows and self.model.delete_from(rows[0]):
            self._select(max(rows[0] - 1, 0), 1)

    def delete_last(self) -> None:
        """Delete: the selected months when they run to the path's end (it has no gaps)."""
        rows = self.view.selected_rows()
        if rows and rows[-1] >= len(self.model.entries) - 1:
            self.delete_to_end()
        elif rows:
            self._say("A path has no gaps: Delete takes months off its end only.")

    def fill(self) -> None:
        """Grow the path to the horizon at the typed rate per year."""
        try:
            rate = cells.parse_cell(RATE_COLUMN, self.rate.text())
        except ValueError as error:
            self._say(f"Fill to horizon, growth (%/yr): {error}")
            return
        if self.model.refused_rows():
            self._say(f"{self.model.first_problem()}. Fix it before filling.")
            return
        start = len(self.model.entries)
        added = self.model.fill_to_horizon(float(rate))
        if added:
            self._select(start, added)

    def copy(self) -> None:
        rows = self.view.selected_rows()
        block = [
            [self.model.data(self.model.index(r, c), Qt.ItemDataRole.EditRole) for c in (0, 1)]
            for r in rows
        ]
        if block:
            QGuiApplication.clipboard().setText(pm.to_tsv(block))

    def paste(self) -> None:
        texts = pm.texts_from_tsv(QGuiApplication.clipboard().text())
        rows = self.view.selected_rows()
        if len(texts) == 1 and len(rows) > 1:
            texts = texts * len(rows)  # one value into a selection fills it, as in Excel
        if texts and rows:
            self.paste_texts(rows[0], texts)

    def paste_texts(self, top: int, texts: Sequence[str]) -> None:
        """Values into the months from `top` on (growing the path), as one dialog step."""
        self.model.set_texts(top, texts)
        self._select(top, len(texts))

    def _select(self, top: int, count: int) -> None:
        bottom = min(top + count, self.model.rowCount()) - 1
        if bottom < top:
            return
        first = self.model.index(top, VALUE)
        self.view.setCurrentIndex(first)
        self.view.selectionModel().select(
            QItemSelection(first, self.model.index(bottom, VALUE)),
            QItemSelectionModel.SelectionFlag.ClearAndSelect,
        )
        self.view.scrollTo(first)

    # ---- closing
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.rate.hasFocus():
            return  # Enter in the rate box fills (returnPressed); it does not press OK
        super().keyPressEvent(event)

    def path_text(self) -> str | None:
        """The path as the cell's text, or None while a month is refused."""
        values = self.model.values()
        return None if values is None else cells.edit_text(self.frame.column, values)

    def accept(self) -> None:
        """Write the path to the cell as one edit (nothing when unchanged), then close;
        a path the table refuses leaves the dialog open with the reason."""
        values = self.model.values()
        if values is None:
            self._say(self.model.first_problem())
            return
        if values != self.original:
            text = cells.edit_text(self.frame.column, values)
            reason = self.table.refusal(self.row, self.key, text)
            if reason is not None:
                self._say(reason)
                return
            index = self.table.index(self.row, self.table.column_index(self.key))
            if not self.table.setData(index, text, Qt.ItemDataRole.EditRole):
                self._say(self.table.cell_errors.get((self.row, self.key), "refused"))
                return
        super().accept()


def _source(model: QAbstractItemModel | None, index: AnyIndex) -> tuple[SectionModel, int, str]:
    """The SectionModel, row and column key behind `index`, through any proxy models;
    ValueError when it is not a monthly path of a project row."""
    if isinstance(index, QPersistentModelIndex) and model is not None:
        index = model.index(index.row(), index.column())  # mapToSource takes a QModelIndex
    while isinstance(model, QAbstractProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
    if not isinstance(model, SectionModel) or not index.isValid():
        raise ValueError("not a cell of a project table")
    column = model.columns[index.column()]
    if column.kind != "list" or model.section not in PATH_SECTIONS or model.is_blank(index.row()):
        raise ValueError(f"{column.header} is not a monthly path of a project row")
    return model, index.row(), column.key


def is_path_column(model: QAbstractItemModel | None, index: AnyIndex) -> bool:
    """Whether `index` (of `model`, or of a proxy over it) is a monthly path that the grid
    edits: a list cell of a scenario or a contract (not the blank row at the end)."""
    try:
        _source(model, index)
    except ValueError:
        return False
    return True


def edit_path(view: QTableView, index: AnyIndex) -> bool:
    """Open the grid for the path in `index` of `view`'s model; on OK write it as one
    undoable edit. True when OK closed it (the path as shown, written or unchanged),
    False on Cancel or when the cell holds no monthly path."""
    try:
        table, row, key = _source(view.model(), index)
    except ValueError:
        return False
    dialog = PathDialog(table, row, key, view)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()
