"""The warnings bar under the KPI strip: every warning of the latest results, each a link to
the cell it is about."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem

from planner.engine.model import Results
from planner.engine.warnings import PlanWarning, plan_warnings
from planner.ui.document import ProjectDocument

VISIBLE_ROWS = 3  # the list scrolls past this many warnings
PLACE_ROLE = Qt.ItemDataRole.UserRole


class WarningsBar(QFrame):
    """Hidden while there is nothing to say. A click on a warning emits `goTo(section,
    row, key)`: the window shows that cell."""

    goTo = Signal(str, int, str)

    def __init__(self, document: ProjectDocument) -> None:
        super().__init__()
        self.setObjectName("warningsBar")
        self.setStyleSheet(
            "#warningsBar { background: #fff4ce; border-bottom: 1px solid #e0c36a; }"
            "QListWidget { background: transparent; border: none; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.list = QListWidget()
        self.list.setToolTip("Click a warning to go to the cell it is about")
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        self.warnings: list[PlanWarning] = []
        self.document = document
        document.resultsChanged.connect(self.show_results)
        self.setVisible(False)

    def show_results(self, results: Results) -> None:
        project = self.document.results_project or self.document.project
        self.show_warnings(plan_warnings(results, project, self.document.treasury))

    def show_warnings(self, warnings: list[PlanWarning]) -> None:
        self.warnings = warnings
        self.list.clear()
        for warning in warnings:
            item = QListWidgetItem(f"⚠ {warning.message}")
            item.setData(PLACE_ROLE, (warning.section, warning.row, warning.key))
            item.setToolTip(f"{warning.message}\nClick to go to the cell.")
            self.list.addItem(item)
        self.list.setCurrentRow(-1)  # nothing picked until the user picks
        count = len(warnings)
        self.title.setText(f"<b>{count:,} warning{'s' if count != 1 else ''}</b>")
        row_px = self.list.sizeHintForRow(0) if count else 0
        self.list.setFixedHeight(row_px * min(count, VISIBLE_ROWS) + 4)
        self.setVisible(bool(warnings))

    def _activated(self, item: QListWidgetItem) -> None:
        section, row, key = item.data(PLACE_ROLE)
        self.goTo.emit(section, row, key)
