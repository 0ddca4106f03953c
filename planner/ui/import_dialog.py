"""File > Import fleet…: preview what a sheet would add, then import it as one undo step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.domain import schema
from planner.domain.cells import format_value
from planner.domain.project import Project
from planner.io.fleet_import import ImportPlan

PREVIEW_ROWS = 500
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
PREVIEW_COLUMNS = (
    "name",
    "model",
    "site",
    "count",
    "unit_price_usd",
    "purchase_month",
    "online_month",
)


ALREADY_IN = QColor("#fff4ce")


class ImportDialog(QDialog):
    """A read-only preview of an import plan. Import is enabled only without problems."""

    def __init__(
        self, plan: ImportPlan, parent: QWidget | None = None, project: Project | None = None
    ):
        super().__init__(parent)
        self.plan = plan
        self.drops = plan.replace_drops(project) if project is not None else []
        self.already_in = plan.already_in(project) if project is not None else {}
        self.setWindowTitle(f"Import fleet from {plan.source}")
        self.resize(980, 620)
        layout = QVBoxLayout(self)
        mapped = ", ".join(f"{header} → {field}" for field, header in plan.mapping.items())
        rigs = sum(r.count for r in plan.rows)
        summary = (
            f"Sheet “{plan.sheet}”, header on row {plan.header_row}. {len(plan.rows)} row(s), "
            f"{rigs:,} rigs to import; {len(plan.new_models)} new catalog model(s); "
            f"{len(plan.skipped)} row(s) skipped; {len(plan.problems)} problem(s)."
        )
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        columns = QLabel(f"Columns: {mapped}")
        columns.setWordWrap(True)
        layout.addWidget(columns)

        self.table = self._preview_table(plan)
        for i, name in self.already_in.items():  # the rows the fleet already has, marked
            for column in range(self.table.columnCount()):
                item = self.table.item(i, column)
                if item is not None:
                    item.setBackground(ALREADY_IN)
                    item.setToolTip(f"Already in the fleet as {name!r}")
        layout.addWidget(self.table, 3)
        self.issues = self._issue_list(plan)
        layout.addWidget(self.issues, 2)
        self.replace_box = QCheckBox("Replace the current fleet (otherwise the rows are added)")
        layout.addWidget(self.replace_box)
        # Rows the fleet already has: adding them again would count their rigs twice.
        count = len(self.already_in)
        self.skip_box = QCheckBox(
            f"Leave out the {count} row(s) already in the fleet (same model, site, rigs and "
            "purchase month: "
            + ", ".join(f"row {i + 1} is {name!r}" for i, name in list(self.already_in.items())[:5])
            + (", ..." if count > 5 else "")
            + ")"
        )
        self.skip_box.setChecked(bool(count))
        self.skip_box.setVisible(bool(count))
        self.replace_box.toggled.connect(lambda on: self.skip_box.setEnabled(not on))
        layout.addWidget(self.skip_box)
        # What a replace takes with the old rows, said before the user commits to it.
        self.drops_label = QLabel(
            "Replacing also drops "
            + (f"{len(self.drops)} item(s) that name the current rows: " if self.drops else "")
            + "; ".join(self.drops)
        )
        self.drops_label.setWordWrap(True)
        self.drops_label.setVisible(False)
        self.replace_box.toggled.connect(
            lambda on: self.drops_label.setVisible(on and bool(self.drops))
        )
        layout.addWidget(self.drops_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setEnabled(plan.ok and bool(plan.rows))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _preview_table(plan: ImportPlan) -> QTableWidget:
        """The first PREVIEW_ROWS rows to import, as the Fleet table will show them."""
        fleet_columns = [schema.column("fleet", key) for key in PREVIEW_COLUMNS]
        table = QTableWidget(min(len(plan.rows), PREVIEW_ROWS), len(fleet_columns))
        table.setHorizontalHeaderLabels([c.header for c in fleet_columns])
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, row in enumerate(plan.rows[:PREVIEW_ROWS]):
            for c, column in enumerate(fleet_columns):
                item = QTableWidgetItem(format_value(column, getattr(row, column.key)))
                if column.numeric:
                    item.setTextAlignment(RIGHT)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        return table

    @staticmethod
    def _issue_list(plan: ImportPlan) -> QListWidget:
        """Problems, new catalog models, skipped rows and notes, one line each."""
        issues = QListWidget()
        for problem in plan.problems:
            issues.addItem(f"Problem: {problem}")
        for model in plan.new_models:
            issues.addItem(
                f"New catalog model {model.name}: {model.hashrate_th:g} TH/s, {model.power_w:g} W"
            )
        for skipped in plan.skipped:
            issues.addItem(f"Skipped: {skipped}")
        for note in plan.notes:
            issues.addItem(f"Note: {note}")
        return issues

    def result_project(self, project: Project) -> Project:
        return self.plan.apply(
            project,
            replace=self.replace_box.isChecked(),
            skip_already_in=self.skip_box.isChecked(),
        )
