"""The Decisions tab: scenarios side by side, sensitivity, swaps, best buy, Monte Carlo.

Scenarios, the tornado, the two-way table and the swaps follow the project live while
their page is shown. Each is one or tens of engine runs: they run in the thread pool,
shortly after the last new results, on the project of that edit; a newer edit supersedes
them, and meanwhile the page says it is updating and greys its figures (the swap and
resale curve tables stay editable). The best buy solves when asked. Monte Carlo runs in
a worker thread with a progress bar and Cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from planner.domain.project import Project
from planner.ui.decisions.best_buy import BestBuyPage
from planner.ui.decisions.monte_carlo import MonteCarloPage
from planner.ui.decisions.scenarios import ScenariosPage
from planner.ui.decisions.sensitivity import SensitivityPage
from planner.ui.decisions.swaps import SwapsPage
from planner.ui.document import ProjectDocument
from planner.ui.tasks import LiveTask

SCENARIOS, SENSITIVITY, SWAPS, BEST_BUY, MONTE_CARLO = range(5)
# What a live page's figures were computed from: the project and the page's own inputs
# (the tornado's steps).
FigureKey = tuple[Project, tuple[Any, ...]]


class LivePage(Protocol):
    """A page whose figures follow the project, computed by a job off the GUI thread."""

    @property
    def figures(self) -> Sequence[QWidget]: ...

    def figure_inputs(self) -> tuple[Any, ...]: ...

    def job_for(self, project: Project, inputs: tuple[Any, ...]) -> Callable[[Any], Any]: ...

    def show_figures(self, project: Project, figures: Any) -> None: ...


def _same(a: FigureKey | None, b: FigureKey) -> bool:
    # The project by identity: every edit makes a new one, and equality is a deep compare.
    return a is not None and a[0] is b[0] and a[1] == b[1]


class DecisionsPanel(QWidget):
    """Upgrade decisions and uncertainty, on the document's project."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.scenarios = ScenariosPage()
        self.sensitivity = SensitivityPage()
        self.swaps = SwapsPage(document)
        self.best_buy = BestBuyPage(document)
        self.monte_carlo = MonteCarloPage(document)
        self.tabs = QTabWidget()
        for page, title in (
            (self.scenarios, "Scenarios"),
            (self.sensitivity, "Sensitivity"),
            (self.swaps, "Swaps"),
            (self.best_buy, "Best buy"),
            (self.monte_carlo, "Monte Carlo"),
        ):
            self.tabs.addTab(page, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        # The sheet the window's Edit menu and row buttons act on while this tab is shown.
        self.swap_sheet = self.swaps.sheet
        self.swap_model = self.swaps.model
        self.pages: dict[int, LivePage] = {
            SCENARIOS: self.scenarios,
            SENSITIVITY: self.sensitivity,
            SWAPS: self.swaps,
        }
        self.live: dict[int, LiveTask] = {
            page: LiveTask(self, partial(self._computed, page), partial(self._live_failed, page))
            for page in self.pages
        }
        self._failures: dict[int, str] = {}
        # What each page's figures on screen, and the job asked for, were computed from.
        self._shown: dict[int, FigureKey | None] = dict.fromkeys(self.live)
        self._asked: dict[int, FigureKey | None] = dict.fromkeys(self.live)
        self.updating = QLabel("Updating…")
        self.updating.setStyleSheet("color: #666666; padding: 0 8px;")
        self.updating.hide()
        self.tabs.setCornerWidget(self.updating, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        self.sensitivity.stepsChanged.connect(self._steps_changed)
        document.resultsChanged.connect(self._results_changed)

    # ------------------------------------------------------------------ following the project
    def _results_changed(self, _results: Any) -> None:
        if self.isVisible():
            self.refresh(delay=True)
        else:
            self._show_state()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event: Any) -> None:
        """Off screen: no live job runs (the page starts one when shown again)."""
        super().hideEvent(event)
        for page, task in self.live.items():
            task.drop()
            self._asked[page] = None

    def refresh(self, delay: bool = False) -> None:
        """Recompute what the shown page needs (live pages only) in a worker (`delay`:
        after the debounce, as for new results); the other pages' jobs are dropped."""
        if self.document.results is None:
            return
        if not self.isVisible():
            self._show_state()
            return
        page = self.tabs.currentIndex()
        for other, task in self.live.items():
            if other != page:
                task.drop()
                self._asked[other] = None
        if page in self.live:
            self._ask(page, delay)
        self._show_state()

    def _key(self, page: int) -> FigureKey:
        return self.document.project, self.pages[page].figure_inputs()

    def _ask(self, page: int, delay: bool) -> None:
        """Start (or debounce) the page's job unless its figures or the job in flight
        are already of the current project and inputs."""
        key = self._key(page)
        if _same(self._shown[page], key) or (
            _same(self._asked[page], key) and self.live[page].pending
        ):
            return
        self._asked[page] = key
        self._failures.pop(page, None)
        self.live[page].request(self.pages[page].job_for(*key), delay)

    def _steps_changed(self) -> None:
        if self.isVisible() and self.tabs.currentIndex() == SENSITIVITY:
            self._ask(SENSITIVITY, delay=True)
        self._show_state()

    @property
    def is_stale(self) -> bool:
        """The shown page is a live one whose figures are not of the current project."""
        page = self.tabs.currentIndex()
        return page in self.live and not _same(self._shown[page], self._key(page))

    def settled(self) -> bool:
        """The shown figures are current and no live job is waiting or running."""
        return not self.is_stale and not any(task.pending for task in self.live.values())

    def _show_state(self) -> None:
        """Says "Updating…" and greys the figures of a live page while they are stale."""
        if self.document.results is None:
            return
        for page, shown in self.pages.items():
            current = _same(self._shown[page], self._key(page))
            for widget in shown.figures:
                widget.setEnabled(current)
        page = self.tabs.currentIndex()
        self.updating.setText(self._failures.get(page, "Updating…"))
        self.updating.setVisible(self.is_stale)

    def _live_failed(self, page: int, error: BaseException) -> None:
        self._failures[page] = f"Update failed: {error}"
        self._show_state()

    def _computed(self, page: int, figures: Any) -> None:
        key = self._asked[page]
        assert key is not None
        self._shown[page] = key
        self.pages[page].show_figures(key[0], figures)
        self._show_state()
