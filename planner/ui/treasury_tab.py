"""The Treasury tab: the company's settings and policy, its debt and its hedges edited as
tables (undo, paste, named errors, as the other tables), the treasury's answers in a strip
above them and its charts beside them. Layout only; the document computes the treasury
with the results (document.treasury) and the follower draws it while the tab is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QSplitter, QTabWidget, QVBoxLayout, QWidget

from planner.engine import Results
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower
from planner.ui.sheet import SheetView
from planner.ui.sheet_frame import SheetFrame
from planner.ui.table_model import SectionModel
from planner.ui.treasury_charts import TreasuryCharts
from planner.ui.treasury_model import TreasuryModel
from planner.ui.treasury_summary import SummaryStrip

# The tab's tables: (section as in the project file, title of its inner tab).
TABLES = (("treasury", "Company and policy"), ("debt", "Debt"), ("hedges", "Hedges"))
TABLES_MIN_PX = 280
CHARTS_MIN_PX = 240


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
