"""The Treasury tab: the company's settings and policy, its debt and its hedges edited as
tables (undo, paste, named errors, as the other tables), the treasury's answers in a strip
above them and its charts beside them. The document computes the treasury with the
results (document.treasury) and the follower draws it while the tab is shown. The fan of
cash across the Monte Carlo paths is the latest run of Decisions > Monte Carlo (the page
keeps it and says when a run starts or ends); the tab's Run Monte Carlo starts that
page's run."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QSplitter, QTabWidget, QVBoxLayout, QWidget

from planner.domain.project import Project
from planner.engine import Results
from planner.ui.decisions.monte_carlo import MonteCarloPage, MonteCarloRun
from planner.ui.decisions.monte_carlo_treasury import chances_text
from planner.ui.document import Change, ProjectDocument
from planner.ui.follow import ResultsFollower
from planner.ui.sheet import SheetView
from planner.ui.sheet_frame import SheetFrame
from planner.ui.table_model import SectionModel
from planner.ui.tasks import BackgroundTask
from planner.ui.treasury_charts import NO_RUN, TreasuryCharts
from planner.ui.treasury_model import TreasuryModel
from planner.ui.treasury_summary import SummaryStrip

# The tab's tables: (section as in the project file, title of its inner tab).
TABLES = (("treasury", "Company and policy"), ("debt", "Debt"), ("hedges", "Hedges"))
TABLES_MIN_PX = 280
CHARTS_MIN_PX = 240
RUNNING = "Monte Carlo running… (its progress and Cancel are in the Working dialog)."
NOT_RUN_YET = (
    "No run yet. Run Monte Carlo runs the paths set on Decisions > Monte Carlo "
    "({paths:,} paths, seed {seed})."
)
NO_TREASURY_RUN = (
    "The latest Monte Carlo run was of a project with no treasury: state the opening cash, "
    "BTC held or the buffer, then run it again."
)


def fan_status(run: MonteCarloRun | None, project: Project, running: bool) -> tuple[str, bool]:
    """What the line above the fan says, and whether the run is stale (of a project since
    changed: every edit or scenario switch makes a new project)."""
    if running:
        return RUNNING, False
    if run is None:
        return "", False
    settings = run.result.settings
    which = f"{settings.paths:,} paths, seed {settings.seed}"
    if run.project is not project:
        return (
            f"Stale: the project changed since this run ({which}); the fan is of the project "
            "as it was. Run Monte Carlo again for the current one.",
            True,
        )
    treasury = run.result.treasury
    if treasury is None:
        return f"{which}: {NO_TREASURY_RUN}", False
    return f"{which}. {chances_text(treasury)}", False


class TreasuryTab(QWidget):
    """The summary strip on top; the tables (in tabs) left, the charts right."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.summary = SummaryStrip(self)
        self.tables = QTabWidget(self)
        self.sheets: dict[str, SheetView] = {}
        self.models: dict[str, SectionModel | TreasuryModel] = {}
        self.pages: dict[str, QWidget] = {}
        for section, title in TABLES:
            view = SheetView()
            model: SectionModel | TreasuryModel = (
                TreasuryModel(document)
                if section == "treasury"
                else SectionModel(document, section)
            )
            view.setModel(model)
            view.apply_widths()
            page: QWidget = view if section == "treasury" else SheetFrame(view)
            self.sheets[section] = view
            self.models[section] = model
            self.pages[section] = page
            self.tables.addTab(page, title)
        self.charts = TreasuryCharts(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tables)
        self.splitter.addWidget(self.charts)
        self.splitter.setChildrenCollapsible(False)
        # No wider a page than the other tabs' (a narrow window scrolls the tables and
        # clips the summary rather than growing).
        self.tables.setMinimumWidth(TABLES_MIN_PX)
        self.charts.setMinimumWidth(CHARTS_MIN_PX)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        self.follower = ResultsFollower(document, self, self.show_results)
        if document.results is not None:
            self.show_results(document.results)
        self.monte_carlo: MonteCarloPage | None = None
        self._fan_run: MonteCarloRun | None = None  # the run the fan shows
        self.charts.run_button.clicked.connect(lambda _checked=False: self.run_monte_carlo())
        self.charts.set_fan_status(NO_RUN, can_run=False)

    def follow_monte_carlo(self, page: MonteCarloPage) -> None:
        """Show the fan of `page`'s latest run, and run `page` from the tab's button."""
        self.monte_carlo = page
        page.runChanged.connect(self.show_monte_carlo)
        for box in (page.paths, page.seed):  # the paths a run would take, said before one
            box.valueChanged.connect(lambda _value: self.show_monte_carlo())
        self.document.changed.connect(self._project_changed)
        self.show_monte_carlo()

    def run_monte_carlo(self) -> BackgroundTask | None:
        """Start the Monte Carlo page's run (its progress dialog and Cancel)."""
        return self.monte_carlo.run() if self.monte_carlo is not None else None

    def _project_changed(self, _change: Change) -> None:
        self.show_monte_carlo()

    def show_monte_carlo(self) -> None:
        """The fan of the latest run, or what to do when there is none; stale once the
        project changed since (an edit redraws only the line above the fan)."""
        page = self.monte_carlo
        if page is None:
            return
        run = page.latest
        status, stale = fan_status(run, self.document.project, page.running)
        treasury = run.result.treasury if run is not None else None
        if run is not None and run is self._fan_run:
            self.charts.set_fan_status(status, stale)
        elif run is not None and treasury is not None:
            self.charts.show_fan(
                treasury.cash_percentiles_usd,
                run.month_starts,
                treasury.min_cash_buffer_usd,
                status,
                stale,
            )
        else:
            if not status:
                status = NOT_RUN_YET.format(paths=page.paths.value(), seed=page.seed.value())
            self.charts.clear_fan(NO_TREASURY_RUN if run is not None else NO_RUN, status)
            self.charts.set_fan_status(status, stale)
        self._fan_run = run
        self.charts.run_button.setEnabled(not page.running)

    def show_results(self, results: Results) -> None:
        """The document's treasury for `results`: the summary and the charts."""
        treasury = self.document.treasury
        project = self.document.results_project or self.document.project
        self.summary.show_treasury(results, treasury)
        self.charts.show_treasury(results.inputs.timeline.month_starts, treasury, project)

    def current_sheet(self) -> SheetView:
        """The table of the inner tab in view (the Edit menu acts on it)."""
        index = max(self.tables.currentIndex(), 0)
        return self.sheets[TABLES[index][0]]

    def show_section(self, section: str) -> None:
        """Bring the table of `section` forward."""
        if section in self.pages:
            self.tables.setCurrentWidget(self.pages[section])
