"""The company's treasury settings as a two-column property table (setting, value), as
the Finance tab shows its settings. A project with no treasury shows the defaults; its
first edit creates the settings, in one undo step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt

from planner.domain import cells, schema
from planner.domain import editing as ed
from planner.domain.cells import CellErrors
from planner.domain.treasury import TreasurySettings
from planner.ui.document import Change, ProjectDocument
from planner.ui.table_model import ERROR_BRUSH, LEFT, RIGHT, AnyIndex, FinanceModel

SECTION = "treasury"
DEFAULTS = TreasurySettings()


class TreasuryModel(FinanceModel):
    """The treasury settings (schema.TREASURY_COLUMNS), a row each; edits and pastes go
    through editing.set_treasury_many, refused cells are marked and named."""

    def __init__(self, document: ProjectDocument):
        super().__init__(document)
        self.settings = schema.TREASURY_COLUMNS

    def current(self) -> TreasurySettings:
        """The project's treasury settings, or the defaults it would start from."""
        return self.document.project.treasury or DEFAULTS

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
            return error or setting.tip or None
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        return self._apply(index.row(), [str(value)], f"Edit {self.settings[index.row()].header}")

    def paste_column(self, top: int, texts: Sequence[str]) -> bool:
        """Paste values down the settings from row `top` as one undoable step."""
        return self._apply(top, texts, "Paste")

    def _apply(self, top: int, texts: Sequence[str], text: str) -> bool:
        keys = [c.key for c in self.settings[top : top + len(texts)]]
        edits = list(zip(keys, texts, strict=False))
        try:
            after = ed.set_treasury_many(self.document.project, edits)
        except CellErrors as error:
            headers = {c.key: c.header for c in self.settings}
            self._refuse(error, text, lambda key: headers.get(key, key))
            return False
        self._clear_marks(range(top, top + len(edits)), keys)
        rows = tuple(range(top, top + len(edits)))
        self.document.apply(after, Change("cells", SECTION, rows, tuple(keys)), text)
        return True

    def _changed(self, change: Change) -> None:
        if change.kind == "reset" and not change.section:
            self.cell_errors.clear()
        if (change.kind == "reset" and not change.section) or (
            change.section == SECTION and not change.rows
        ):
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0))
        elif change.section == SECTION:
            last = min(max(change.rows), self.rowCount() - 1)
            self.dataChanged.emit(self.index(min(change.rows), 0), self.index(last, 0))
