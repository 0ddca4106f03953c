"""Table models over the document's project: one per section, plus finance settings.

Models read the project live and never change it themselves: an edit goes through the
domain's editing functions and is pushed to the document as one undoable command. A
refused edit changes nothing; its cells are marked and say why (tooltip, status bar).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from planner.domain import cells, schema
from planner.domain import editing as ed
from planner.domain.cells import CellErrors
from planner.domain.project import Project
from planner.domain.schema import Column
from planner.engine import Results
from planner.io import display, power_columns
from planner.io.display import money
from planner.io.power_columns import PowerColumns
from planner.ui.document import Change, ProjectDocument

ERROR_BRUSH = QBrush(QColor("#fbd5d2"))
RESULT_BRUSH = QBrush(QColor("#f1f4f8"))
NEGATIVE_BRUSH = QBrush(QColor("#a31515"))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
AnyIndex = QModelIndex | QPersistentModelIndex
HINT_BRUSH = QBrush(QColor("#6b7380"))
# What an empty table says in its first row: what to do to fill it.
EMPTY_HINTS = {
    "fleet": "No rigs yet: type a batch name here, paste rows from Excel (Ctrl+V), or "
    "File > Import fleet… reads a sheet",
    "sites": "No sites yet: type a site's name here, or paste rows from Excel; fleet rows "
    "need a site",
    "contracts": "No power contracts yet: type a contract's name here; sites need one",
    "catalog": "No rig models yet: type a model here, or paste them from Excel; fleet rows "
    "need a model",
    "scenarios": "No scenario: type a name here to add the market the plan runs on",
    "conversions": "No AI/HPC plan yet: pick a site here to compare keeping it mining with "
    "renting it to an AI/HPC tenant",
    "swaps": "No swap yet: pick a fleet batch here to test replacing it with newer rigs",
    "resale_curve": "No resale curve: type an efficiency (J/TH) and its resale price",
    "debt": "No debt: type an instrument's name here (a term loan, equipment financing, a "
    "BTC-backed loan, a convertible or a hashrate prepayment), then its terms",
    "hedges": "No hedges: type a hedge's name here (a hashprice forward, a BTC put, a collar "
    "or a short future), then its terms",
}
FROM_THE_ROW = frozenset({"result:efficiency"})  # computed columns that need no results


class _EditableModel(QAbstractTableModel):
    """Shared behaviour: marks for refused cells and the document's status messages."""

    columns: tuple[Column, ...] = ()

    def __init__(self, document: ProjectDocument):
        super().__init__(document)
        self.document = document
        self.cell_errors: dict[tuple[int, str], str] = {}

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def _refuse(self, error: CellErrors, action: str, header: Callable[[str], str]) -> None:
        self.cell_errors.update({(e.row, e.key): e.message for e in error.errors})
        parts = [f"row {e.row + 1}, {header(e.key)}: {e.message}" for e in error.errors[:4]]
        more = f" (and {len(error.errors) - 4} more)" if len(error.errors) > 4 else ""
        self.document.problem.emit(f"{action} refused: {'; '.join(parts)}{more}")
        rows = [e.row for e in error.errors if e.row < self.rowCount()]
        if rows:
            self.dataChanged.emit(
                self.index(min(rows), 0), self.index(max(rows), self.columnCount() - 1)
            )

    def _clear_marks(self, rows: Sequence[int], keys: Sequence[str]) -> None:
        for row in rows:
            for key in keys:
                self.cell_errors.pop((row, key), None)


class SectionModel(_EditableModel):
    """The rows of one project list (fleet, sites, contracts, catalog, scenarios), and a
    blank row at the end, as in a spreadsheet: typing or pasting there adds rows."""

    def __init__(self, document: ProjectDocument, section: str):
        super().__init__(document)
        self.section = section
        self.columns = schema.COLUMNS[section]
        self._keys = [c.key for c in self.columns]
        # Result columns drawn from the engine's results (efficiency is the model's own).
        self._result_cols = [
            i
            for i, c in enumerate(self.columns)
            if c.kind == "result" and c.key not in FROM_THE_ROW
        ]
        # The hourly-power columns of the latest results, worked out once for them.
        self._power: tuple[Results, PowerColumns] | None = None
        document.aboutToChange.connect(self._about_to_change)
        document.changed.connect(self._changed)
        document.resultsChanged.connect(self._results_changed)

    # ---- reading
    def items(self) -> list[Any]:
        return getattr(self.document.project, self.section)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items()) + 1

    def item_count(self) -> int:
        """The project's rows, without the blank row at the end."""
        return len(self.items())

    def is_blank(self, row: int) -> bool:
        return row == len(self.items())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Vertical and self.is_blank(section):
            if role == Qt.ItemDataRole.DisplayRole:
                return "*"
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Type or paste here to add a row"
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.header
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tip or column.header
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.columns[index.column()].editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), self.columns[index.column()]
        if self.is_blank(row):
            return self._blank_data(column, role)
        error = self.cell_errors.get((row, column.key))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column.kind == "result":
                return self._result_text(row, column.key)
            value = getattr(self.items()[row], column.key)
            if role == Qt.ItemDataRole.EditRole:
                return cells.edit_text(column, value)
            return cells.format_value(column, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column.numeric else LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            if error:
                return ERROR_BRUSH
            return RESULT_BRUSH if column.kind == "result" else None
        if role == Qt.ItemDataRole.ForegroundRole and column.kind == "result":
            value = self._result_value(row, column.key)
            if column.key == "result:utilisation":  # over capacity
                return NEGATIVE_BRUSH if value is not None and value > 1 + 1e-9 else None
            return NEGATIVE_BRUSH if value is not None and value < 0 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return error or column.tip or None
        return None

    # ---- computed columns
    def _results(self) -> Results | None:
        results = self.document.results
        if results is None:
            return None
        size = {"fleet": len(results.inputs.row_names), "sites": len(results.inputs.site_names)}
        count = self.item_count()
        return results if size.get(self.section, count) == count else None

    def _result_value(self, row: int, key: str) -> float | None:
        if key == "result:efficiency":
            item = self.items()[row]
            return item.power_w / item.hashrate_th
        results = self._results()
        if results is None:
            return None
        if self.section == "sites" and key in ("result:peak_mw", "result:utilisation"):
            return self._site_draw(results, row, key)
        array = self.result_array(key)
        if array is None:
            return None
        value = float(array[row])
        return value if math.isfinite(value) else None

    def result_array(self, key: str) -> np.ndarray | None:
        """A computed column's values for every row (project order), or None: no results
        for these rows yet, or not a column of one array."""
        results = self._results()
        if results is None:
            return None
        kpis = results.row_kpis if self.section == "fleet" else results.site_kpis
        b = results.breakevens
        if key == "result:npv_usd":
            return kpis.npv_usd
        if key == "result:btc_mined":
            return kpis.btc_mined
        if key == "result:marginal_npv_usd":  # computed on first use: only when shown
            return results.marginal_npv_usd if self.section == "fleet" else None
        power = self.power_columns()
        if power is not None and key in power.values:
            return power.values[key]
        breakevens = {
            "result:breakeven_btc_price_usd": b.btc_price_usd,
            "result:breakeven_btc_after_halving_usd": b.btc_price_after_halving_usd,
            "result:breakeven_hashprice": b.hashprice_usd_per_ph_day,
            "result:breakeven_power": b.power_usd_per_kwh,
        }
        return breakevens.get(key)

    def power_columns(self) -> PowerColumns | None:
        """The hourly-power columns of the latest results (Fleet and Sites tables)."""
        results = self._results()
        if results is None or self.section not in ("fleet", "sites"):
            return None
        if self._power is None or self._power[0] is not results:
            of = (
                power_columns.fleet_power_columns
                if self.section == "fleet"
                else power_columns.site_power_columns
            )
            self._power = (results, of(results))
        return self._power[1]

    def result_total(self, key: str, rows: np.ndarray) -> float | None:
        """A computed column's figure in the totals row over `rows`: the sum of its finite
        values, energy-weighted for effective uptime and power price; None: no results."""
        power = self.power_columns()
        if power is not None and key in power.values:
            return power.total(key, rows)
        values = self.result_array(key)
        if values is None:
            return None
        chosen = np.asarray(values, dtype=float)[rows]
        return float(chosen[np.isfinite(chosen)].sum())

    def refusal(self, row: int, key: str, text: str) -> str | None:
        """Why typing `text` in the cell would be refused (its header named), or None: the
        edit tried on a copy of the project, nothing applied."""
        if self.is_blank(row) and not text.strip():
            return None
        try:
            ed.set_cells(self.document.project, self.section, [(row, key, text)])
        except CellErrors as error:
            mine = [e for e in error.errors if e.row == row and e.key == key] or error.errors
            first = mine[0]
            return f"{self.header_of(first.key)}: {first.message}"
        return None

    def number_at(self, row: int, column: int) -> tuple[float | None, bool, bool]:
        """The cell as a number for the selection's Sum and Average: (the number or None,
        whether the cell holds anything, whether its unit is USD)."""
        col = self.columns[column]
        usd = col.unit == "USD"
        if col.kind == "result":
            number = self._result_value(row, col.key)
            return number, number is not None, usd
        value = getattr(self.items()[row], col.key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, value not in (None, "", []), False
        return float(value), True, usd

    def _blank_data(self, column: Any, role: int) -> Any:
        """The blank row: empty cells, the error of a refused new-row cell, a hint; in an
        empty table, what to do first."""
        error = self.cell_errors.get((self.item_count(), column.key))
        if role == Qt.ItemDataRole.EditRole:
            return ""
        first_of_empty = not self.item_count() and column is self.columns[0]
        if first_of_empty and role == Qt.ItemDataRole.DisplayRole and not error:
            return EMPTY_HINTS.get(self.section, "Type or paste here to add a row")
        if first_of_empty and role == Qt.ItemDataRole.ForegroundRole:
            return HINT_BRUSH
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if column.numeric else LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            return ERROR_BRUSH if error else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return error or "Type or paste here to add a row"
        return None

    @staticmethod
    def _site_draw(results: Results, row: int, key: str) -> float | None:
        """A site's peak draw (MW), or that over its capacity."""
        load_mw = results.site_load_mw[row]
        if not load_mw.size:
            return None
        peak_mw = float(load_mw.max())
        if key == "result:peak_mw":
            return peak_mw
        capacity_mw = float(results.inputs.site_capacity_mw[row])
        return peak_mw / capacity_mw if capacity_mw > 0 else None

    def _result_text(self, row: int, key: str) -> str:
        results = self._results()
        if key == "result:efficiency":
            return f"{self._result_value(row, key):,.1f}"
        if results is None:
            return "…"
        if key == "result:payback":
            kpis = results.row_kpis if self.section == "fleet" else results.site_kpis
            return display.payback(int(kpis.payback_status[row]), float(kpis.payback_months[row]))
        if key == "result:unprofitable_from":
            month = int(results.breakevens.unprofitable_from_month[row])
            return "never" if month < 0 else f"{results.inputs.timeline.month_starts[month]:%Y-%m}"
        return self.result_text(key, self._result_value(row, key))

    def result_text(self, key: str, value: float | None) -> str:
        """A computed column's number as its cells show it (also its total)."""
        if value is None:
            return display.NOT_AVAILABLE
        if key == "result:breakeven_hashprice":
            return f"{value:,.2f}"
        if key == "result:breakeven_power":
            return display.usd_per_kwh(value)
        if key in ("result:btc_mined", "result:peak_mw"):
            return f"{value:,.2f}"
        if key in ("result:utilisation", power_columns.UPTIME):
            return f"{value:,.1%}"
        if key == power_columns.PRICE:
            return display.usd_per_kwh(value)
        if key in ("result:breakeven_btc_price_usd", "result:breakeven_btc_after_halving_usd"):
            return money(value, compact=False)
        return money(value)

    # ---- editing
    def header_of(self, key: str) -> str:
        return schema.column(self.section, key).header

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        key = self.columns[index.column()].key
        row = index.row()
        if self.is_blank(row):
            if not str(value).strip():
                return False  # nothing typed: no row
            return self.attempt(
                lambda p: ed.set_cells(p, self.section, [(row, key, str(value))]),
                Change("insert", self.section, (row,)),
                f"Add a row: {self.header_of(key)}",
            )
        return self.attempt(
            lambda p: ed.set_cells(p, self.section, [(row, key, str(value))]),
            Change("cells", self.section, (row,), (key,)),
            f"Edit {self.header_of(key)}",
        )

    def attempt(self, edit: Callable[[Project], Project], change: Change, text: str) -> bool:
        """Run an edit on the project; push it, or mark the refused cells. True if applied."""
        try:
            after = edit(self.document.project)
        except CellErrors as error:
            self._refuse(error, text, self.header_of)
            return False
        if change.kind == "cells":
            self._clear_marks(change.rows, change.keys)
        else:
            self.cell_errors.clear()
        self.document.apply(after, change, text)
        return True

    # ---- following the document
    def _mine(self, change: Change) -> bool:
        """Whether a change alters this table's rows (a reset without a section is global)."""
        return change.section == self.section or (change.kind == "reset" and not change.section)

    def _about_to_change(self, change: Change) -> None:
        if not self._mine(change):
            return
        if change.kind == "insert" and change.rows:
            self.beginInsertRows(QModelIndex(), min(change.rows), max(change.rows))
        elif change.kind == "remove" and change.rows:
            self.beginRemoveRows(QModelIndex(), min(change.rows), max(change.rows))
        elif change.kind in ("reset", "insert", "remove"):
            self.beginResetModel()

    def _changed(self, change: Change) -> None:
        if not self._mine(change):
            if change.kind == "cells" and self.item_count():
                self._references_renamed(change)
            return
        if change.kind in ("reset", "insert", "remove"):
            self.cell_errors.clear()  # rows moved: marks would point at the wrong rows
        if change.kind == "insert" and change.rows:
            self.endInsertRows()
        elif change.kind == "remove" and change.rows:
            self.endRemoveRows()
        elif change.kind in ("reset", "insert", "remove"):
            self.endResetModel()
        elif change.kind == "cells" and change.rows and self.rowCount():
            cols = [self._keys.index(k) for k in change.keys if k in self._keys] or [0]
            last = min(max(change.rows), self.rowCount() - 1)
            self.dataChanged.emit(
                self.index(min(change.rows), min(cols)), self.index(last, max(cols))
            )

    def _references_renamed(self, change: Change) -> None:
        """A rename in another table renames the references to it shown here: repaint
        the columns that name that table's rows, and nothing else."""
        key_field = schema.KEY_FIELD.get(change.section, "name")
        if not key_field or key_field not in change.keys:
            return
        columns = [
            i
            for i, column in enumerate(self.columns)
            if schema.REFERENCES.get((self.section, column.key)) == change.section
        ]
        if columns:
            self.dataChanged.emit(
                self.index(0, min(columns)), self.index(self.item_count() - 1, max(columns))
            )

    def _results_changed(self, _results: Results) -> None:
        if self._result_cols and self.item_count():
            self.dataChanged.emit(
                self.index(0, min(self._result_cols)),
                self.index(self.item_count() - 1, max(self._result_cols)),
            )


class FinanceModel(_EditableModel):
    """Finance settings as a two-column property table: setting, value. Subclasses show
    another settings object the same way (`section`, `current`, `edit_many`)."""

    section = "finance"
    show_tips = False  # the setting's tip as the cell's tooltip (besides a refusal)

    def __init__(self, document: ProjectDocument):
        super().__init__(document)
        self.settings = schema.FINANCE_COLUMNS
        self.columns = (Column("value", "Value", "text"),)
        document.changed.connect(self._changed)

    def current(self) -> Any:
        """The settings object the rows show."""
        return self.document.project.finance

    def edit_many(self, project: Project, edits: Sequence[tuple[str, str]]) -> Project:
        """The project with typed texts set on settings; CellErrors when refused."""
        return ed.set_finance_many(project, edits)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.settings)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return "Value"
        return self.settings[section].header

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        setting = self.settings[index.row()]
        error = self.cell_errors.get((index.row(), setting.key))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = getattr(self.current(), setting.key)
            if role == Qt.ItemDataRole.EditRole:
                return cells.edit_text(setting, value)
            return cells.format_value(setting, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if setting.numeric else LEFT
        if role == Qt.ItemDataRole.BackgroundRole and error:
            return ERROR_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole:
            return error or (setting.tip if self.show_tips else None) or None
        return None

    def setting(self, index: AnyIndex) -> Column:
        return self.settings[index.row()]

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        return self._apply(index.row(), [str(value)], f"Edit {self.settings[index.row()].header}")

    def paste_column(self, top: int, texts: Sequence[str]) -> bool:
        """Paste values down the settings from row `top` as one undoable step."""
        return self._apply(top, texts, "Paste")

    def _apply(self, top: int, texts: Sequence[str], text: str) -> bool:
        """Set settings from row `top` down as one undo step named `text`, or mark the
        refused cells (their headers named)."""
        keys = [c.key for c in self.settings[top : top + len(texts)]]
        edits = list(zip(keys, texts, strict=False))
        try:
            after = self.edit_many(self.document.project, edits)
        except CellErrors as error:
            headers = {c.key: c.header for c in self.settings}
            self._refuse(error, text, lambda key: headers.get(key, key))
            return False
        self._clear_marks(range(top, top + len(edits)), keys)
        rows = tuple(range(top, top + len(edits)))
        self.document.apply(after, Change("cells", self.section, rows, tuple(keys)), text)
        return True

    def _changed(self, change: Change) -> None:
        if change.kind == "reset" and not change.section:
            self.cell_errors.clear()
        if (change.kind == "reset" and not change.section) or (
            change.section == self.section and not change.rows
        ):
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0))
        elif change.section == self.section:
            last = min(max(change.rows), self.rowCount() - 1)
            self.dataChanged.emit(self.index(min(change.rows), 0), self.index(last, 0))
