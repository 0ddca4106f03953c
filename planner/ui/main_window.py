"""The main window: KPI strip, the project's tables, live charts, files and settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QLocale, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain import editing as ed
from planner.domain.cells import set_day_first
from planner.domain.project import Project
from planner.engine import Results
from planner.io import autosave
from planner.ui import window_settings
from planner.ui.charts import ChartsPanel
from planner.ui.decisions import DecisionsPanel
from planner.ui.document import Change, ProjectDocument
from planner.ui.file_commands import FileCommandsWindow
from planner.ui.file_guard import FileGuard
from planner.ui.fourcp_dialog import edit_site_fourcp
from planner.ui.help_dialog import show_shortcuts, show_user_guide
from planner.ui.hpc_panel import HpcPanel
from planner.ui.kpi import KpiStrip
from planner.ui.monthly_tab import MonthlyTab
from planner.ui.selection_stats import selection_summary
from planner.ui.sheet import SheetView, find_next
from planner.ui.sheet_frame import SheetFrame
from planner.ui.table_model import FinanceModel, SectionModel
from planner.ui.tasks import BackgroundTask
from planner.ui.treasury_tab import TreasuryTab
from planner.ui.warnings_bar import WarningsBar

if TYPE_CHECKING:
    pass

AUTOSAVE_INTERVAL_MS = 60_000
TABS = (
    ("fleet", "Fleet"),
    ("sites", "Sites"),
    ("contracts", "Power contracts"),
    ("catalog", "Rig catalog"),
    ("scenarios", "Scenarios"),
    ("finance", "Finance"),
)
log = logging.getLogger(__name__)


def locale_writes_day_first(locale: QLocale) -> bool:
    """Whether the locale's short date puts the day before the month (dd/MM/yyyy); the C
    locale (no language set) reads dates month first, as Excel in English does."""
    if locale.language() == QLocale.Language.C:
        return False
    pattern = locale.dateFormat(QLocale.FormatType.ShortFormat).casefold()
    day, month = pattern.find("d"), pattern.find("m")
    return 0 <= day < month


class _FixedTextTwin(QAction):
    """An action showing a fixed word that triggers `action`, enabled with it, and whose
    tooltip is `action`'s changing text ("Undo Edit Rigs"). Its slot is a method, so Qt
    drops the connection when the twin goes."""

    def __init__(self, word: str, action: QAction, parent: QWidget) -> None:
        super().__init__(word, parent)
        self.action = action
        self.triggered.connect(action.trigger)
        action.changed.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        if not (shiboken6.isValid(self) and shiboken6.isValid(self.action)):
            return  # the window is going: its actions are deleted one by one
        self.setEnabled(self.action.isEnabled())
        self.setToolTip(self.action.text())


class MainWindow(FileCommandsWindow):
    """One window on one ProjectDocument."""

    def __init__(self, project: Project, path: Path | None = None):
        super().__init__()
        self.document = ProjectDocument(project, path, self)
        set_day_first(locale_writes_day_first(QLocale()))
        self.setMinimumSize(900, 600)
        # Prompts go through these so that tests can answer them.
        self.ask_yes_no: Callable[[str, str], bool] = self._ask_yes_no
        self.ask_save_changes: Callable[[], str] = self._ask_save_changes
        # (title, text, ((key, button label), ...)) -> the key chosen, or "cancel"
        self.ask_choice: Callable[[str, str, Sequence[tuple[str, str]]], str] = self._ask_choice
        self.ask_save_path: Callable[[], Path | None] = self._ask_save_path
        self.ask_find_text: Callable[[str], str | None] = self._ask_find_text
        self.ask_board_pack_path: Callable[[Path], str] = self._ask_board_pack_path
        self._last_find = ""
        self.show_error: Callable[[str, str], None] = self._show_error
        self.confirm_import: Callable[[QDialog], bool] = self._confirm_import
        self.ask_export_path: Callable[[], Path | None] = self._ask_export_path
        self.task: BackgroundTask | None = None  # the running export or import, if any
        self.last_import_applied = False
        self.file_guard = FileGuard(self)

        self.kpis = KpiStrip(self.document)
        self.warnings_bar = WarningsBar(self.document)
        self._build_tabs()
        self.warnings_bar.goTo.connect(self.go_to_cell)
        self._lay_out()
        self._build_actions()
        self.document.resultsChanged.connect(self._show_results)
        self.document.computingChanged.connect(self._computing_changed)
        self.document.changed.connect(self._document_changed)
        self.document.fileChanged.connect(self._update_title)
        self.document.undo_stack.cleanChanged.connect(self._clean_changed)
        self.document.problem.connect(self._show_problem)
        self.document.undo_stack.indexChanged.connect(self._undo_index_changed)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self.autosave_timer.start()

        self._refresh_scenarios()
        self._update_title()
        self.restore_settings()
        self.document.recompute()

    # ------------------------------------------------------------------ the views
    def _build_tabs(self) -> None:
        """A sheet for each section of the project, then the Treasury, Monthly, AI/HPC and
        Decisions tabs."""
        self.tabs = QTabWidget()
        self.sheets: dict[str, SheetView] = {}
        self.models: dict[str, SectionModel | FinanceModel] = {}
        self.pages: dict[str, QWidget] = {}  # each table's tab page (the table and its filter)
        for key, title in TABS:
            view = SheetView()
            model: SectionModel | FinanceModel = (
                FinanceModel(self.document)
                if key == "finance"
                else SectionModel(self.document, key)
            )
            view.setModel(model)
            view.apply_widths()
            self.sheets[key] = view
            self.models[key] = model
            page: QWidget = view if key == "finance" else SheetFrame(view)
            self.pages[key] = page
            self.tabs.addTab(page, title)
        self.treasury = TreasuryTab(self.document)
        for section, sheet in self.treasury.sheets.items():
            self.sheets[section] = sheet
            self.models[section] = self.treasury.models[section]
            self.pages[section] = self.treasury
        self.tabs.addTab(self.treasury, "Treasury")
        self.monthly = MonthlyTab(self.document)
        self.tabs.addTab(self.monthly, "Monthly")
        self.hpc = HpcPanel(self.document)
        self.sheets["conversions"] = self.hpc.sheet
        self.models["conversions"] = self.hpc.model
        self.tabs.addTab(self.hpc, "AI/HPC")
        self.decisions = DecisionsPanel(self.document)
        self.treasury.follow_monte_carlo(self.decisions.monte_carlo)  # its fan of cash
        self.sheets["swaps"] = self.decisions.swap_sheet
        self.models["swaps"] = self.decisions.swap_model
        self.sheets["resale_curve"] = self.decisions.swaps.curve_sheet
        self.models["resale_curve"] = self.decisions.swaps.curve_model
        # The Edit menu and toolbar act on the Decisions sheet that last had the focus.
        self._last_decisions_sheet: SheetView = self.decisions.swap_sheet
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.tabs.addTab(self.decisions, "Decisions")
        # The AI/HPC tab has charts of its own: the fleet's charts make room for them.
        self.tabs.currentChanged.connect(self._tab_changed)

    def _lay_out(self) -> None:
        """The KPI strip on top, the tabs over the fleet's charts, the status bar."""
        self.charts = ChartsPanel(self.document)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.charts)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # Both panes stay usable whatever is dragged or restored. The tabs' own minimum
        # would be their tallest page's (the Decisions panel, shown without the charts).
        self.splitter.setChildrenCollapsible(False)
        self.tabs.setMinimumHeight(window_settings.MIN_TABLES_PX)
        self.charts.setMinimumHeight(window_settings.MIN_CHARTS_PX)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.kpis)
        layout.addWidget(self.warnings_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.compute_label = QLabel("")
        self.selection_label = QLabel("")  # Sum, Average and Count of the selection
        self.statusBar().addPermanentWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.compute_label)
        for view in [*self.sheets.values(), self.monthly.table]:
            view.selectionModel().selectionChanged.connect(
                lambda *_args, view=view: self._selection_changed(view)
            )
        self.tabs.currentChanged.connect(lambda _index: self.selection_label.setText(""))
        # The site picked in the Sites table is the one the Power prices chart shows.
        self.sheets["sites"].selectionModel().currentRowChanged.connect(self._site_row_changed)

    def _selection_changed(self, view: QAbstractItemView) -> None:
        self.selection_label.setText(selection_summary(view))

    def _site_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        sites = self.document.project.sites
        if 0 <= current.row() < len(sites):
            self.charts.power.show_site(sites[current.row()].name)

    # ------------------------------------------------------------------ actions and menus
    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)

        def run(_checked: bool = False) -> None:
            slot()

        action.triggered.connect(run)
        return action

    def _build_actions(self) -> None:
        stack = self.document.undo_stack
        self.undo_action = stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts(
            [QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")]
        )
        self.new_action = self._action("New", self.new_file, QKeySequence.StandardKey.New)
        self.open_action = self._action("Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.save_action = self._action("Save", self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(
            "Save As…", self.save_as_dialog, QKeySequence("Ctrl+Shift+S")
        )
        self.export_chart_action = self._action("Export chart as PNG…", self.export_chart_dialog)
        self.import_action = self._action("Import fleet…", self.import_dialog)
        self.import_prices_action = self._action(
            "Import prices…",
            self.import_prices_dialog,
            tip="A site's hourly or 15-minute power prices from a CSV (plain or ERCOT's layout)",
        )
        self.export_excel_action = self._action(
            "Export to Excel…",
            self.export_excel_dialog,
            QKeySequence("Ctrl+E"),
            "Write the plan as a workbook of live formulas that finance can audit",
        )
        self.board_pack_action = self._action(
            "Export board pack…",
            self.export_board_pack_dialog,
            tip="A PDF for the board: KPIs, bridge, scenarios, cash flow, AI/HPC, Monte Carlo",
        )
        self.quit_action = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.find_action = self._action(
            "Find…", self.find_dialog, QKeySequence.StandardKey.Find, "Find text in this table"
        )
        self.fourcp_action = self._action(
            "4CP intervals…",
            self.edit_fourcp,
            tip="The hours a site expects ERCOT's 4CP peaks in, and its 4CP charge",
        )
        self._build_menus()
        self._build_toolbar()
        self._rebuild_recent_menu()

    def _build_menus(self) -> None:
        files = self.menuBar().addMenu("&File")
        for action in (self.new_action, self.open_action):
            files.addAction(action)
        self.recent_menu = files.addMenu("Open recent")
        files.addSeparator()
        files.addAction(self.save_action)
        files.addAction(self.save_as_action)
        files.addSeparator()
        files.addAction(self.import_action)
        files.addAction(self.import_prices_action)
        files.addAction(self.export_excel_action)
        files.addAction(self.board_pack_action)
        files.addAction(self.export_chart_action)
        files.addSeparator()
        files.addAction(self.quit_action)

        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        for name in ("copy", "paste", "fill_down", "clear", "insert", "duplicate", "delete"):
            edit.addAction(self._sheet_action(name))
        edit.addSeparator()
        edit.addAction(self.find_action)
        edit.addAction(self.fourcp_action)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(
            self._action(
                "User guide",
                lambda: show_user_guide(self),
                QKeySequence.StandardKey.HelpContents,
                "How to use the planner, and the definition of every figure",
            )
        )
        help_menu.addAction(self._action("Keyboard shortcuts", lambda: show_shortcuts(self)))
        help_menu.addSeparator()
        help_menu.addAction(self._action("About", self._about))

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        for action in (self.new_action, self.open_action, self.save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        # Fixed words on the toolbar (the step they undo in the tooltip), so that the
        # buttons after them do not move as the Edit menu's texts change.
        for word, action in (("Undo", self.undo_action), ("Redo", self.redo_action)):
            toolbar.addAction(_FixedTextTwin(word, action, self))
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Scenario: "))
        self.scenario_combo = QComboBox()
        self.scenario_combo.setMinimumWidth(140)
        self.scenario_combo.activated.connect(self._scenario_chosen)
        toolbar.addWidget(self.scenario_combo)
        toolbar.addSeparator()
        toolbar.addAction(self._sheet_action("insert"))
        toolbar.addAction(self._sheet_action("delete"))

    def _sheet_action(self, name: str) -> QAction:
        """A window-level action that runs a sheet command on the current tab."""
        sample = next(iter(self.sheets.values())).actions_by_name[name]
        action = QAction(sample.text(), self)
        action.setShortcut(sample.shortcut())
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _c=False: self._run_sheet_action(name))
        return action

    def _run_sheet_action(self, name: str) -> None:
        sheet = self.current_sheet()
        if sheet is not None:
            sheet.actions_by_name[name].trigger()
        elif name == "copy" and self.tabs.currentWidget() is self.monthly:
            self.monthly.copy()

    def find_dialog(self) -> bool:
        """Ctrl+F: ask for a text and go to the next cell of the table in view holding it;
        again (Ctrl+F, Enter) for the next one."""
        text = self.ask_find_text(self._last_find)
        if text is None or not text.strip():
            return False
        self._last_find = text
        sheet = self.current_sheet()
        found = find_next(sheet if sheet is not None else self.monthly.table, text)
        if not found:
            self.statusBar().showMessage(f"No cell of this table holds {text!r}", 8_000)
        return found

    def edit_fourcp(self) -> bool:
        """The 4CP dialog for the Sites table's current site (the first when none is)."""
        if not self.document.project.sites:
            self.statusBar().showMessage("Add a site before its 4CP intervals", 8_000)
            return False
        row = self.sheets["sites"].currentIndex().row()
        in_range = 0 <= row < len(self.document.project.sites)
        return edit_site_fourcp(self, self.document, row if in_range else 0)

    def _ask_find_text(self, previous: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Find", "Find in this table:", text=previous)
        return text if ok else None

    def go_to_cell(self, section: str, row: int, key: str) -> None:
        """Show the cell of table `section` (as in the project file), row `row`, field `key`."""
        view, model = self.sheets.get(section), self.models.get(section)
        if view is None or model is None:
            return
        page = self.pages.get(section)
        if page is None:
            page = self.hpc if section == "conversions" else self.decisions
        self.tabs.setCurrentWidget(page)
        if page is self.treasury:
            self.treasury.show_section(section)
        column = next((i for i, c in enumerate(model.columns) if c.key == key), 0)
        index = model.index(row, column)
        if index.isValid():
            view.setCurrentIndex(index)
            view.scrollTo(index)
        view.setFocus()

    def page_of(self, view: QWidget) -> QWidget:
        """The tab page that shows table `view` (the table with its filter bar)."""
        return next((self.pages[k] for k, v in self.sheets.items() if v is view), view)

    def current_sheet(self) -> SheetView | None:
        """The editable table in view (None on the Monthly tab, which has none)."""
        widget = self.tabs.currentWidget()
        if isinstance(widget, HpcPanel):
            return widget.sheet
        if isinstance(widget, TreasuryTab):
            return widget.current_sheet()
        if isinstance(widget, DecisionsPanel):
            return self._last_decisions_sheet  # swaps or the resale curve: the last in focus
        if isinstance(widget, SheetFrame):
            return widget.view
        return widget if isinstance(widget, SheetView) else None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new in (self.decisions.swap_sheet, self.decisions.swaps.curve_sheet):
            assert isinstance(new, SheetView)
            self._last_decisions_sheet = new

    def _tab_changed(self, _index: int) -> None:
        # The Treasury, AI/HPC and Decisions tabs have charts of their own: the fleet's
        # make room.
        own_charts = (self.treasury, self.hpc, self.decisions)
        self.charts.setVisible(self.tabs.currentWidget() not in own_charts)

    # ------------------------------------------------------------------ reacting to the document
    def _show_results(self, results: Results) -> None:
        self.compute_label.setText(
            f"{len(results.inputs.row_names):,} rows x {results.inputs.months} months "
            f"computed in {self.document.last_compute_ms:,.1f} ms"
        )

    def _computing_changed(self, computing: bool) -> None:
        if computing:
            self.compute_label.setText("Computing…")

    def _document_changed(self, change: Change) -> None:
        if change.kind == "reset" or change.section == "scenarios":
            self._refresh_scenarios()

    def _refresh_scenarios(self) -> None:
        project = self.document.project
        names = [s.name for s in project.scenarios]
        self.scenario_combo.blockSignals(True)
        self.scenario_combo.clear()
        self.scenario_combo.addItems(names)
        self.scenario_combo.setCurrentIndex(names.index(project.active_scenario))
        self.scenario_combo.blockSignals(False)

    def _scenario_chosen(self, index: int) -> None:
        name = self.scenario_combo.itemText(index)
        if name and name != self.document.project.active_scenario:
            self.set_scenario(name)

    def set_scenario(self, name: str) -> None:
        try:
            after = ed.set_active_scenario(self.document.project, name)
        except ValueError as error:
            self.show_error("Cannot switch scenario", str(error))
            self._refresh_scenarios()
            return
        self.document.apply(after, Change("reset", "scenario"), f"Switch to scenario {name}")

    def _undo_index_changed(self, _index: int) -> None:
        self.statusBar().clearMessage()

    def _show_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, 15_000)

    def _clean_changed(self, clean: bool) -> None:
        if clean and not self.document.replacing:
            # Back at the saved state (saved, or undone to it): an older copy is obsolete.
            autosave.discard_autosave(self.document.path)

    def _update_title(self) -> None:
        path = self.document.path
        name = path.name if path else f"{self.document.project.name} (not saved)"
        self.setWindowTitle(f"{name}[*] — Mining planner")
        self.setWindowModified(self.document.modified)

    # ------------------------------------------------------------------ settings and closing
    def restore_settings(self) -> None:
        window_settings.restore(self)

    def save_settings(self) -> None:
        window_settings.save(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        if self.task is not None and not self.task.finished:
            self.task.cancel()
            self.task.wait()
        self.save_settings()
        # Saved or discarded: either way nothing is left to recover.
        autosave.discard_autosave(self.document.path)
        event.accept()

    # ------------------------------------------------------------------ dialogs
    def _ask_yes_no(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_choice(self, title: str, text: str, choices: Sequence[tuple[str, str]]) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        buttons: dict[QAbstractButton, str] = {
            box.addButton(label, QMessageBox.ButtonRole.AcceptRole): key for key, label in choices
        }
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        clicked = box.clickedButton()
        return "cancel" if clicked is None else buttons.get(clicked, "cancel")

    def _ask_save_changes(self) -> str:
        box = QMessageBox(self)
        box.setWindowTitle("Unsaved changes")
        box.setText("The project has unsaved changes. Save them?")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def _show_error(self, title: str, text: str) -> None:
        QMessageBox.critical(self, title, text)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "Mining planner",
            "Fleet, power contracts and halving-aware cash flow for Bitcoin miners.",
        )
