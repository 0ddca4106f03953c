"""File > Import fleet…: preview what a sheet would add, then import it as one undo step.

The preview speaks the sheet's language: each column under the header the sheet gave it
(with the planner's column it fills), each row under its row number in the sheet. Sites
the sheet names that the project lacks get a capacity here and are created with their
rows; a degradation the sheet leaves out shows where its default came from.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
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
from planner.io.import_plan import ImportPlan, planner_header, row_ranges
from planner.ui.import_sites_box import NewSitesBox

PREVIEW_ROWS = 500
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# Always shown; the other fleet fields only when the sheet has their column.
PREVIEW_COLUMNS = (
    "name",
    "model",
    "site",
    "count",
    "unit_price_usd",
    "purchase_month",
    "online_month",
    "degradation_per_year",
)
OPTIONAL_COLUMNS = (
    "retire_month",
    "resale_usd_per_unit",
    "terminal_value_usd_per_unit",
    "notes",
)

ALREADY_IN = QColor("#fff4ce")
NEW_SITE = QColor("#e3f2fd")
DEFAULTED = QColor("#6b6b6b")


def preview_fields(plan: ImportPlan) -> list[str]:
    """The fleet fields the preview shows, in the Fleet table's order."""
    shown = [*PREVIEW_COLUMNS, *(f for f in OPTIONAL_COLUMNS if f in plan.mapping)]
    order = [c.key for c in schema.COLUMNS["fleet"]]
    return sorted(shown, key=order.index)


def column_title(plan: ImportPlan, fieldname: str) -> str:
    """`Unit cost ($)` over `→ Unit price (USD)`; a field the sheet lacks, its planner
    header over what fills it."""
    header = planner_header(fieldname)
    if fieldname in plan.mapping:
        return f"{plan.mapping[fieldname]}\n→ {header}"
    filled = "(default)" if fieldname == "degradation_per_year" else "(not in the sheet)"
    return f"{header}\n{filled}"


class ImportDialog(QDialog):
    """A read-only preview of an import plan. Import is enabled only without problems and
    with every site the sheet names either in the project or given a capacity."""

    def __init__(
        self, plan: ImportPlan, parent: QWidget | None = None, project: Project | None = None
    ):
        super().__init__(parent)
        self.plan = plan
        self.drops = plan.replace_drops(project) if project is not None else []
        self.already_in = plan.already_in(project) if project is not None else {}
        self.setWindowTitle(f"Import fleet from {plan.source}")
        self.resize(1040, 660)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self._summary(plan))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.columns = QLabel(self._columns_text(plan))
        self.columns.setWordWrap(True)
        layout.addWidget(self.columns)

        self.table = self._preview_table(plan)
        self._mark_already_in()
        layout.addWidget(self.table, 3)
        self.sites_box: NewSitesBox | None = None
        if plan.unknown_sites and project is not None:
            self.sites_box = NewSitesBox(plan, project, self)
            self.sites_box.changed.connect(self._update_import_button)
            layout.addWidget(self.sites_box)
        self.issues = self._issue_list(plan)
        layout.addWidget(self.issues, 2)
        self._add_choices(layout)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update_import_button()

    @staticmethod
    def _summary(plan: ImportPlan) -> str:
        rigs = sum(r.count for r in plan.rows)
        sites = f"{len(plan.unknown_sites)} site(s) to create; " if plan.unknown_sites else ""
        return (
            f"Sheet “{plan.sheet}”, header on row {plan.header_row}. {len(plan.rows):,} row(s), "
            f"{rigs:,} rigs to import; {len(plan.new_models)} new catalog model(s); {sites}"
            f"{len(plan.skipped):,} row(s) skipped; {len(plan.problems):,} problem(s). "
            "Rows are numbered as in the sheet."
        )

    @staticmethod
    def _columns_text(plan: ImportPlan) -> str:
        mapped = ", ".join(
            f"{header} → {planner_header(field)}" for field, header in plan.mapping.items()
        )
        unused = ", ".join(plan.unused_columns)
        return f"Columns: {mapped}." + (f" Not read: {unused}." if unused else "")

    def _add_choices(self, layout: QVBoxLayout) -> None:
        """Replace or add; leave out the rows already in the fleet; what a replace drops."""
        self.replace_box = QCheckBox("Replace the current fleet (otherwise the rows are added)")
        layout.addWidget(self.replace_box)
        # Rows the fleet already has: adding them again would count their rigs twice.
        count = len(self.already_in)
        named = [
            f"row {self.plan.row_number(i)} is {name!r}"
            for i, name in list(self.already_in.items())[:5]
        ]
        self.skip_box = QCheckBox(
            f"Leave out the {count:,} row(s) already in the fleet (same model, site, rigs and "
            "purchase month: " + ", ".join(named) + (", ..." if count > 5 else "") + ")"
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

    def _update_import_button(self) -> None:
        sites_ready = self.sites_box is None or self.sites_box.complete
        unresolved = bool(self.plan.unknown_sites) and self.sites_box is None
        self.import_button.setEnabled(
            not self.plan.problems and bool(self.plan.rows) and sites_ready and not unresolved
        )

    def _mark_already_in(self) -> None:
        for i, name in self.already_in.items():  # the rows the fleet already has, marked
            if i >= self.table.rowCount():
                continue
            for column in range(self.table.columnCount()):
                item = self.table.item(i, column)
                if item is not None:
                    item.setBackground(ALREADY_IN)
                    tip = f"Already in the fleet as {name!r}"
                    item.setToolTip(f"{tip}\n{item.toolTip()}" if item.toolTip() else tip)

    @staticmethod
    def _preview_table(plan: ImportPlan) -> QTableWidget:
        """The first PREVIEW_ROWS rows to import, under the sheet's headers and row numbers."""
        fields = preview_fields(plan)
        fleet_columns = [schema.column("fleet", key) for key in fields]
        shown = plan.rows[:PREVIEW_ROWS]
        table = QTableWidget(len(shown), len(fleet_columns))
        table.setHorizontalHeaderLabels([column_title(plan, key) for key in fields])
        table.setVerticalHeaderLabels([str(plan.row_number(i)) for i in range(len(shown))])
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        new_sites = {i for rows in plan.unknown_sites.values() for i in rows}
        italic = QFont()
        italic.setItalic(True)
        for r, row in enumerate(shown):
            for c, column in enumerate(fleet_columns):
                item = QTableWidgetItem(format_value(column, getattr(row, column.key)))
                if column.numeric:
                    item.setTextAlignment(RIGHT)
                default = plan.degradation_defaults.get(r)
                if column.key == "degradation_per_year" and default is not None:
                    item.setText(f"{item.text()} ({default.short})")
                    item.setFont(italic)
                    item.setForeground(DEFAULTED)
                    item.setToolTip(f"Not in the sheet: {default.source}")
                if column.key == "site" and r in new_sites:
                    item.setBackground(NEW_SITE)
                    item.setToolTip("Not in the project yet: created with the capacity below")
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        return table

    @staticmethod
    def _issue_list(plan: ImportPlan) -> QListWidget:
        """Problems, new catalog models, skipped rows and notes, one line each, by the
        sheet's row numbers."""
        issues = QListWidget()
        for problem in plan.problems:
            issues.addItem(f"Problem: {problem}")
        for model in plan.new_models:
            row = plan.new_model_rows.get(model.name)
            where = f" ({row_ranges([row])})" if row is not None else ""
            issues.addItem(
                f"New catalog model {model.name}{where}: {model.hashrate_th:,g} TH/s, "
                f"{model.power_w:,g} W"
            )
        for skipped in plan.skipped:
            issues.addItem(f"Skipped: {skipped}")
        for note in plan.notes:
            issues.addItem(f"Note: {note}")
        return issues

    def new_sites_count(self) -> int:
        return len(self.sites_box.sites()) if self.sites_box is not None else 0

    def result_project(self, project: Project) -> Project:
        """The project with the import applied: the rows, and the sites created here."""
        return self.plan.apply(
            project,
            replace=self.replace_box.isChecked(),
            skip_already_in=self.skip_box.isChecked(),
            new_sites=self.sites_box.sites() if self.sites_box is not None else (),
        )
