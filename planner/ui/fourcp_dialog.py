"""A site's 4CP intervals and charge, edited as a table instead of in the project file.

Each row is an hour in which the site expects one of ERCOT's four coincident peaks: month,
day, hour starting (on the site's clock) and the chance that it is its month's peak. Cells
are read as typed or pasted from Excel; a refused cell stays as typed, marked, with the
reason under the table ("row 3, day: 31 is not a day of June"), and OK waits until it is
fixed. "Fill summer afternoons…" lists every afternoon hour of the summer months. OK
writes the intervals and the charge as one step on the app's undo stack; Cancel writes
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from planner.domain import editing as ed
from planner.domain import fourcp_table as ft
from planner.domain.cells import CellErrors, edit_text
from planner.domain.fourcp_table import KEYS, Cell, Refused
from planner.domain.price_profile import FourCpInterval
from planner.domain.project import Project
from planner.domain.schema import column
from planner.ui.document import Change, ProjectDocument
from planner.ui.fourcp_fill import FillDialog
from planner.ui.grid_view import GridView
from planner.ui.sheet import from_tsv, to_tsv

AnyIndex = QModelIndex | QPersistentModelIndex
CHARGE = "fourcp_charge_usd_per_kw_year"
REFUSED_BRUSH = QBrush(QColor("#fbd5d2"))
PROBLEM_STYLE = "color: #a31515;"
REFUSED_STYLE = "QLineEdit { border: 2px solid #b00020; }"
SHOWN_PROBLEMS = 3  # the first refused cells named under the table
MEANING = (
    "<b>Probability</b>: the chance that the hour is its month's 4CP peak, so a month's "
    "probabilities add up to at most 100 %. With a charge above 0 the rigs are off in "
    "every listed hour (on hourly prices those hours' margin is lost; otherwise each "
    "listed hour takes one hour off the month). A calendar year's expected 4CP demand is "
    "¼ × the sum over its listed hours of probability × the load of the site's rigs "
    "online that month (kW, with cooling overhead): avoided, it saves that demand × the "
    "charge, billed evenly over the 12 months of the next calendar year."
)


class FourCpModel(QAbstractTableModel):
    """The intervals being edited: one row each, a cell a value or a refused text."""

    tableChanged = Signal()  # after any change of the rows

    def __init__(self, intervals: Sequence[FourCpInterval], parent: QWidget | None = None):
        super().__init__(parent)
        self.rows: list[dict[str, Cell]] = [ft.row_of(x) for x in intervals]
        self.problems: dict[tuple[int, str], str] = {}
        self._recheck()

    # ---- reading
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(KEYS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return ft.HEADERS[KEYS[section]]

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = KEYS[index.column()]
        cell = self.rows[index.row()][key]
        problem = self.problems.get((index.row(), key))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return ft.cell_text(key, cell, editing=role == Qt.ItemDataRole.EditRole)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignLeft if key == "month" else Qt.AlignmentFlag.AlignRight
            return side | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.BackgroundRole and problem is not None:
            return REFUSED_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and problem is not None:
            return problem
        return None

    def problem_list(self) -> list[ft.Problem]:
        return ft.problems(self.rows)

    def intervals(self) -> list[FourCpInterval]:
        """The rows as intervals; FourCpTableError naming every refused cell."""
        return ft.intervals_of(self.rows)

    # ---- changing
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self.rows[index.row()][KEYS[index.column()]] = ft.read_cell(
            KEYS[index.column()], str(value)
        )
        self._recheck()
        self.dataChanged.emit(index, index)
        return True

    def set_texts(self, top: int, left: int, block: Sequence[Sequence[str]]) -> None:
        """A block of texts (pasted) from row `top`, column `left` on; rows past the end
        are added, their cells not in the block required (the probability 100 %)."""
        self.beginResetModel()
        for r, texts in enumerate(block):
            while top + r >= len(self.rows):
                self.rows.append(
                    {**{k: Refused("", "is required") for k in KEYS[:3]}, KEYS[3]: 1.0}
                )
            row = self.rows[top + r]
            for c, text in enumerate(texts[: len(KEYS) - left]):
                row[KEYS[left + c]] = ft.read_cell(KEYS[left + c], text)
        self._recheck()
        self.endResetModel()

    def add_row(self) -> int:
        """A row after the last: the hour after it (see fourcp_table.next_row)."""
        at = len(self.rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.append(ft.next_row(self.rows))
        self._recheck()
        self.endInsertRows()
        return at

    def remove_rows(self, rows: Sequence[int]) -> None:
        if not rows:
            return
        self.beginResetModel()
        gone = set(rows)
        self.rows = [row for r, row in enumerate(self.rows) if r not in gone]
        self._recheck()
        self.endResetModel()

    def replace_months(self, months: Sequence[int], intervals: Sequence[FourCpInterval]) -> None:
        """The rows of `months` replaced by `intervals`, after the rows of the other
        months (and those whose month is refused, still marked)."""
        self.beginResetModel()
        kept = [
            row
            for row in self.rows
            if isinstance(row["month"], Refused) or row["month"] not in months
        ]
        self.rows = kept + [ft.row_of(x) for x in intervals]
        self._recheck()
        self.endResetModel()

    def _recheck(self) -> None:
        self.problems = {(p.row, p.key): p.message for p in ft.problems(self.rows)}
        self.tableChanged.emit()


class IntervalView(GridView):
    """The table: typing edits, Enter moves down as in the sheets and never presses OK."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )


class FourCpDialog(QDialog):
    """The 4CP charge and intervals of the site in `row` of the document's project."""

    def __init__(self, document: ProjectDocument, row: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.row = row
        site = document.project.sites[row]
        self.site_name = site.name
        profile = site.price_profile
        self.clock = (
            f"the site's clock, {profile.time_zone}" if profile else "the site's local time"
        )
        self.setWindowTitle(f"4CP intervals: {site.name}")
        self.resize(640, 640)
        self.model = FourCpModel(site.fourcp_intervals, self)
        self.charge_column = column("sites", CHARGE)
        self.original_charge = edit_text(self.charge_column, site.fourcp_charge_usd_per_kw_year)
        self.charge = QLineEdit(self.original_charge, self)
        self.view = IntervalView(self)
        self.summary = QLabel(self)
        self.problem = QLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.action_buttons: dict[str, QPushButton] = {}
        self._lay_out()
        self._add_actions()
        self.model.tableChanged.connect(self._refresh)
        self.charge.textChanged.connect(self._refresh)
        self.view.selectionModel().selectionChanged.connect(self._refresh)
        self._refresh()

    def _lay_out(self) -> None:
        intro = QLabel(
            f"The hours in which {self.site_name} expects one of ERCOT's four coincident "
            f"peaks (4CP), each named by the hour it starts on {self.clock}.",
            self,
        )
        intro.setWordWrap(True)
        self.charge.setToolTip(self.charge_column.tip)
        self.charge.setMaximumWidth(140)
        form = QFormLayout()
        form.addRow("4CP charge (USD per kW-year)", self.charge)
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        for position, width_px in enumerate((90, 70, 110)):
            header.resizeSection(position, width_px)
        header.setSectionResizeMode(len(KEYS) - 1, QHeaderView.ResizeMode.Stretch)
        self.view.setToolTip(
            "Month: 6, Jun or June. Hour starting: 16 or 16:00. Probability: 0.8333% or a "
            "bare number above 1 as percent (an empty cell is 100 %). Paste rows from Excel."
        )
        tools = QHBoxLayout()
        for name, text in (
            ("add", "Add row"),
            ("delete", "Delete rows"),
            ("fill", "Fill summer afternoons…"),
        ):
            button = QPushButton(text, self)
            button.setAutoDefault(False)
            self.action_buttons[name] = button
            tools.addWidget(button)
        tools.addStretch(1)
        meaning = QLabel(MEANING, self)
        meaning.setWordWrap(True)
        self.summary.setWordWrap(True)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        layout.addWidget(meaning)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _add_actions(self) -> None:
        slots = {"add": self.add_row, "delete": self.delete_rows, "fill": self.fill}
        for name, button in self.action_buttons.items():
            button.clicked.connect(slots[name])
        for text, shortcut, slot in (
            ("Copy", QKeySequence.StandardKey.Copy, self.copy),
            ("Paste", QKeySequence.StandardKey.Paste, self.paste),
            ("Add row", QKeySequence("Ctrl+I"), self.add_row),
            ("Delete rows", QKeySequence("Ctrl+-"), self.delete_rows),
        ):
            action = QAction(text, self.view)
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)

    # ---- what the table says
    def _refresh(self, *_args: object) -> None:
        self.summary.setText(self._summary_text())
        found = self.model.problem_list()
        charge_problem = self.charge_problem()
        lines = [str(p) for p in found[:SHOWN_PROBLEMS]]
        if len(found) > SHOWN_PROBLEMS:
            lines.append(f"and {len(found) - SHOWN_PROBLEMS} more refused cell(s)")
        if charge_problem:
            lines.insert(0, f"4CP charge: {charge_problem}")
        self.problem.setText("\n".join(lines))
        self.problem.setVisible(bool(lines))
        self.charge.setStyleSheet(
            "QLineEdit { border: 2px solid #b00020; }" if charge_problem else ""
        )
        self.action_buttons["delete"].setEnabled(bool(self._selected_rows()))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not lines)

    def _summary_text(self) -> str:
        if not self.model.rows:
            return "No intervals listed: the rigs run through every peak."
        try:
            intervals = self.model.intervals()
        except ft.FourCpTableError:
            return f"{len(self.model.rows):,} interval(s), some refused (marked)."
        months = ft.month_totals(intervals)
        parts = [
            f"{ft.month_name(m)[:3]} {count:,} ({total * 100:.4g} %)"
            for m, (count, total) in months.items()
        ]
        text = f"{len(intervals):,} interval(s); by month, with the sum of probabilities: "
        text += ", ".join(parts) + "."
        over = [ft.month_name(m) for m, (_count, total) in months.items() if total > 1 + 1e-9]
        if over:
            text += (
                f" {', '.join(over)} add(s) up to more than 100 %: the month has one peak, "
                "so the avoided demand is overstated."
            )
        if self._charge_value() == 0:
            text += " With no charge the rigs run through these hours."
        return text

    def _read_charge(self) -> tuple[Project | None, str | None]:
        """The project with the typed charge on the site, or the reason it is refused."""
        try:
            edits = [(self.row, CHARGE, self.charge.text())]
            return ed.set_cells(self.document.project, "sites", edits), None
        except CellErrors as error:
            return None, "; ".join(e.message for e in error.errors)

    def charge_problem(self) -> str | None:
        return self._read_charge()[1]

    def _charge_value(self) -> float | None:
        after = self._read_charge()[0]
        return None if after is None else after.sites[self.row].fourcp_charge_usd_per_kw_year

    # ---- actions
    def _selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.view.selectionModel().selectedIndexes()})

    def add_row(self) -> None:
        at = self.model.add_row()
        self._select(at, 1)

    def delete_rows(self) -> None:
        rows = self._selected_rows()
        if rows:
            self.model.remove_rows(rows)
            self._select(min(rows[0], len(self.model.rows) - 1), 1)

    def fill(self) -> None:
        """Ask for the months, hours and probability; the table's rows of those months
        become every such hour."""
        helper = FillDialog(self)
        try:
            if helper.exec() != QDialog.DialogCode.Accepted:
                return
            self.fill_with(helper.months(), helper.intervals())
        finally:
            helper.deleteLater()

    def fill_with(self, months: Sequence[int], intervals: Sequence[FourCpInterval]) -> None:
        self.model.replace_months(months, intervals)
        self._select(len(self.model.rows) - len(intervals), len(intervals))

    def copy(self) -> None:
        rows = self._selected_rows()
        block = [
            [
                str(self.model.data(self.model.index(r, c), Qt.ItemDataRole.EditRole))
                for c in range(len(KEYS))
            ]
            for r in rows
        ]
        if block:
            QGuiApplication.clipboard().setText(to_tsv(block))

    def paste(self) -> None:
        block = from_tsv(QGuiApplication.clipboard().text())
        if block and ft.is_header(block[0]):
            block = block[1:]  # a table copied with its header line
        current = self.view.currentIndex()
        top = current.row() if current.isValid() else len(self.model.rows)
        left = current.column() if current.isValid() else 0
        if block:
            self.paste_texts(top, left, block)

    def paste_texts(self, top: int, left: int, block: Sequence[Sequence[str]]) -> None:
        """Texts into the cells from row `top`, column `left` on (adding rows)."""
        self.model.set_texts(top, left, block)
        self._select(top, len(block))

    def _select(self, top: int, count: int) -> None:
        bottom = min(top + count, len(self.model.rows)) - 1
        if bottom < top or top < 0:
            return
        first = self.model.index(top, 0)
        self.view.setCurrentIndex(first)
        self.view.selectionModel().select(
            QItemSelection(first, self.model.index(bottom, len(KEYS) - 1)),
            QItemSelectionModel.SelectionFlag.ClearAndSelect,
        )
        self.view.scrollTo(first)

    # ---- closing
    def accept(self) -> None:
        """Write the charge and the intervals as one undo step (none when unchanged),
        then close; a refused cell or charge leaves the dialog open, said."""
        after, _problem = self._read_charge()
        try:
            intervals = self.model.intervals()
        except ft.FourCpTableError:
            after = None
        if after is None:
            self._refresh()
            return
        after = ed.set_fourcp_intervals(after, self.row, intervals)
        change = Change("cells", "sites", (self.row,), (CHARGE, "fourcp_intervals"))
        self.document.apply(after, change, f"4CP intervals of {self.site_name}")
        super().accept()


def edit_site_fourcp(parent: QWidget, document: ProjectDocument, row: int) -> bool:
    """Open the 4CP dialog for the site in `row`; True when OK closed it (written, or
    unchanged), False on Cancel or when there is no such site."""
    if not 0 <= row < len(document.project.sites):
        return False
    dialog = FourCpDialog(document, row, parent)
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


def open_fourcp_dialog(parent: QWidget, document: ProjectDocument, row: int) -> None:
    """The 4CP dialog, opened once the current event is handled (a dialog inside a menu
    or key handler would run its loop there)."""
    QTimer.singleShot(0, parent, lambda: edit_site_fourcp(parent, document, row))
