"""The window's import and export commands: read a fleet table (preview, then one undo
step) or a site's power prices (a dialog, then one undo step), write the Excel workbook
and a chart's PNG; the long jobs (fleet import, Excel export) run off the GUI thread.

A base of MainWindow: it works on the window's document, tabs, charts and prompts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QTabWidget

from planner.ui.document import Change, ProjectDocument
from planner.ui.file_guard import unexpected
from planner.ui.tasks import BackgroundTask

if TYPE_CHECKING:
    from planner.io.fleet_import import ImportPlan
    from planner.ui.charts import ChartsPanel
    from planner.ui.sheet import SheetView

log = logging.getLogger(__name__)


class ImportExportWindow(QMainWindow):
    """Import fleet…, Import prices…, Export to Excel…, Export chart as PNG…"""

    document: ProjectDocument
    tabs: QTabWidget
    sheets: dict[str, SheetView]
    charts: ChartsPanel
    task: BackgroundTask | None  # the running export or import, if any
    last_import_applied: bool
    show_error: Callable[[str, str], None]
    confirm_import: Callable[[QDialog], bool]
    ask_export_path: Callable[[], Path | None]
    ask_board_pack_path: Callable[[Path], str]

    def import_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "Import fleet", start, "Fleet tables (*.xlsx *.xlsm *.csv *.txt);;All files (*)"
        )
        if name:
            self.import_fleet(Path(name))

    def import_prices_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "Import prices", start, "Price files (*.csv *.txt);;All files (*)"
        )
        if name:
            self.import_prices(Path(name))

    def import_prices(self, path: Path) -> bool:
        """A site's power prices from `path`: the dialog shows what the file holds or its
        problems; confirmed, the profile goes on the chosen site as one undo step."""
        from planner.io.import_prices import describe_profile, with_price_profile
        from planner.ui.import_prices_dialog import ImportPricesDialog

        dialog = ImportPricesDialog(path, self.document.project, self)
        if not self.confirm_import(dialog):
            return False
        profile = dialog.chosen_profile()
        if profile is None:
            return False
        site = dialog.site_name()
        after = with_price_profile(self.document.project, site, profile)
        self.document.apply(after, Change("reset"), f"Import prices into {site}")
        self.statusBar().showMessage(f"{site}: {describe_profile(profile)}", 10_000)
        return True

    def _busy(self) -> bool:
        if self.task is not None and not self.task.finished:
            self.statusBar().showMessage("Wait for the running export or import to finish", 5_000)
            return True
        return False

    def import_fleet(self, path: Path) -> BackgroundTask | None:
        """Read a fleet table off the GUI thread, then preview it; if the user confirms,
        import it as one undo step (`last_import_applied` says whether it was)."""
        from planner.io.fleet_import import FleetImportError, import_fleet

        if self._busy():
            return None
        self.last_import_applied = False
        project = self.document.project

        def failed(error: BaseException) -> None:
            if isinstance(error, FleetImportError):
                self.show_error("Cannot import fleet", str(error))
            else:
                log.error("importing %s", path, exc_info=error)
                self.show_error("Cannot import fleet", f"{path}: {unexpected(error)}")

        self.task = BackgroundTask(
            self,
            f"Reading {path.name}…",
            lambda progress: import_fleet(path, project, progress=progress),
            lambda plan: self._preview_import(plan),
            failed,
        )
        return self.task

    def _preview_import(self, plan: ImportPlan) -> None:
        from planner.io.fleet_import import ImportApplyError
        from planner.ui.import_dialog import ImportDialog

        try:
            dialog = ImportDialog(plan, self, self.document.project)
            if not self.confirm_import(dialog):
                return
            after = dialog.result_project(self.document.project)
        except ImportApplyError as error:
            self.show_error("Cannot import fleet", str(error))
            return
        except Exception as error:  # the last line: a message, never a traceback
            log.exception("importing %s", plan.source)
            self.show_error("Cannot import fleet", f"{plan.source}: {unexpected(error)}")
            return
        sites = dialog.new_sites_count()
        before = 0 if dialog.replace_box.isChecked() else len(self.document.project.fleet)
        added = len(after.fleet) - before  # rows already in the fleet may be left out
        self.document.apply(
            after,
            Change("reset"),
            f"Import {added} fleet row(s)" + (f" and {sites} new site(s)" if sites else ""),
        )
        self.tabs.setCurrentWidget(self.sheets["fleet"])
        self.last_import_applied = True

    def export_excel_dialog(self) -> None:
        path = self.ask_export_path()
        if path is not None:
            self.export_excel(path)

    def _ask_export_path(self) -> Path | None:
        folder = self.document.path.parent if self.document.path else Path.home()
        stem = self.document.path.stem if self.document.path else "plan"
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to Excel", str(folder / f"{stem}.xlsx"), "Excel workbooks (*.xlsx)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")

    def export_excel(self, path: Path) -> BackgroundTask | None:
        """Write the workbook of the current project and scenario off the GUI thread."""
        from planner.io.workbook import ExportError, export_workbook

        if self._busy():
            return None
        project = self.document.project

        def succeeded(_result: object) -> None:
            seconds = self.task.seconds if self.task is not None else 0.0
            self.statusBar().showMessage(f"Exported {path} in {seconds:.1f} s", 10_000)

        def failed(error: BaseException) -> None:
            if isinstance(error, ExportError):
                self.show_error("Cannot export to Excel", str(error))
            else:
                log.error("exporting %s", path, exc_info=error)
                self.show_error("Cannot export to Excel", f"{path}: {unexpected(error)}")

        self.task = BackgroundTask(
            self,
            f"Exporting to {path.name}…",
            lambda progress: export_workbook(project, path, progress=progress),
            succeeded,
            failed,
            lambda: self.statusBar().showMessage("Export cancelled: nothing was written", 10_000),
        )
        return self.task

    def export_board_pack_dialog(self) -> Path | None:
        """File > Export board pack…: the KPIs, the bridge, scenarios, the cash-flow charts,
        AI/HPC and the Monte Carlo fan of the current project and scenario, as a PDF."""
        folder = self.document.path.parent if self.document.path else Path.home()
        stem = self.document.path.stem if self.document.path else "plan"
        name = self.ask_board_pack_path(folder / f"{stem} board pack.pdf")
        if not name:
            return None
        path = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
        return self.export_board_pack(path)

    def _ask_board_pack_path(self, start: Path) -> str:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export board pack", str(start), "PDF documents (*.pdf)"
        )
        return name

    def export_board_pack(self, path: Path) -> Path | None:
        """Write the board pack (about a second: on the GUI thread, the status bar says
        so); a path that cannot be written is said, and nothing is half-written."""
        from planner.ui.board_pack import write_board_pack

        self.statusBar().showMessage(f"Writing the board pack to {path.name}…")
        scenario = self.document.project.active_scenario
        try:
            write_board_pack(self.document.project, path, scenario)
        except OSError as error:
            self.show_error("Cannot write the board pack", f"{path}: {unexpected(error)}")
            self.statusBar().clearMessage()
            return None
        self.statusBar().showMessage(f"Board pack written to {path}", 10_000)
        return path

    def _confirm_import(self, dialog: QDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def export_chart_dialog(self) -> None:
        start = str(
            (self.document.path.parent if self.document.path else Path.home()) / "chart.png"
        )
        name, _ = QFileDialog.getSaveFileName(self, "Export chart", start, "PNG images (*.png)")
        if name:
            self.charts.export_png(Path(name))
            self.statusBar().showMessage(f"Chart written to {name}", 5_000)
