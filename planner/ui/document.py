"""The open project: its data, undo stack, file name and latest results.

Views observe a ProjectDocument; they never change the project themselves. Every change
is a Project snapshot pushed as one QUndoCommand, so undo is "put the old snapshot back"
(the snapshots share their untouched rows). After any change the engine runs once, when
the events of that change have been handled, and publishes the results: on the GUI thread
for a fleet that computes in a blink, in a worker thread for a big one (so typing never
waits for it; a newer edit supersedes a run whose result has not arrived).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from planner.domain.project import Project
from planner.engine import Results, run
from planner.engine.treasury import TreasuryResult, has_treasury, run_treasury
from planner.io.project_file import FileStamp
from planner.ui.file_guard import stamp_now
from planner.ui.tasks import LiveTask

RECOMPUTE_DEBOUNCE_MS = 0  # the changes made by one event (a paste, an undo) run once
# A fleet of this many row x month cells or more, or whose last run took this long or
# longer, recomputes in a worker thread.
BACKGROUND_FROM_CELLS = 600_000
BACKGROUND_FROM_MS = 60.0


@dataclass(frozen=True)
class Computed:
    """One run's results, the project they are of, and how long the run took; with the
    company's treasury on the scenario's path when the project states one."""

    project: Project
    results: Results
    compute_ms: float
    treasury: TreasuryResult | None = None


def compute_project(project: Project) -> Computed:
    """Run the engine, and the treasury after it, on a snapshot of the project (any
    thread)."""
    start = time.perf_counter()
    results = run(project)
    treasury = run_treasury(results, project) if has_treasury(project) else None
    return Computed(project, results, (time.perf_counter() - start) * 1000.0, treasury)


@dataclass(frozen=True)
class Change:
    """What a command changed, so views update only that.

    kind: "cells" (rows x keys of a section), "insert" / "remove" (rows of a section),
    "reset" (anything else, e.g. a sort, a scenario switch, a new file).
    """

    kind: str
    section: str = ""
    rows: tuple[int, ...] = ()
    keys: tuple[str, ...] = ()

    def inverse(self) -> Change:
        flips = {"insert": "remove", "remove": "insert"}
        return Change(flips.get(self.kind, self.kind), self.section, self.rows, self.keys)


class EditCommand(QUndoCommand):
    """One user action: the project before and after, with what changed."""

    def __init__(
        self, document: ProjectDocument, before: Project, after: Project, change: Change, text: str
    ):
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after
        self._change = change

    def redo(self) -> None:
        self._document._swap(self._after, self._change)

    def undo(self) -> None:
        self._document._swap(self._before, self._change.inverse())


class ProjectDocument(QObject):
    """The project being edited, observed by the window's views."""

    aboutToChange = Signal(object)  # Change, before the project is replaced
    changed = Signal(object)  # Change, after
    resultsChanged = Signal(object)  # Results
    fileChanged = Signal()  # path or saved state
    problem = Signal(str)  # a message for the status bar
    computingChanged = Signal(bool)  # a background run started (True) or ended (False)

    def __init__(self, project: Project, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._project = project
        self.path = path
        # The file as it was when read or last saved, to notice another program's changes.
        self.disk_stamp = stamp_now(path)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.results: Results | None = None
        # The treasury of `results` (None: the project states none), set with them.
        self.treasury: TreasuryResult | None = None
        # The project `results` are of: the current one, or an earlier one while a big
        # fleet's newest run is under way. Analyses of the results read this one.
        self.results_project: Project | None = None
        self.replacing = False
        self.last_compute_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOMPUTE_DEBOUNCE_MS)
        self._timer.timeout.connect(self._recompute_soon)
        self._background = LiveTask(self, self._computed, self._failed, delay_ms=0)

    def _clean_changed(self, _clean: bool) -> None:
        self.fileChanged.emit()

    @property
    def project(self) -> Project:
        return self._project

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def apply(self, after: Project, change: Change, text: str) -> None:
        """Make `after` the project as one undoable step named `text`."""
        if after is self._project or after == self._project:
            return  # nothing changed: no undo step, no unsaved mark
        self.undo_stack.push(EditCommand(self, self._project, after, change, text))

    def replace(
        self, project: Project, path: Path | None, stamp: FileStamp | EllipsisType | None = ...
    ) -> None:
        """Load another project (New, Open): not undoable; clears the undo history.

        `stamp` is the file's as it was read (taken now when not given)."""
        change = Change("reset")
        self.aboutToChange.emit(change)
        self._project = project
        self.path = path
        self.disk_stamp = stamp_now(path) if stamp is ... else stamp
        self.replacing = True
        try:
            self.undo_stack.clear()
            self.undo_stack.setClean()
        finally:
            self.replacing = False
        self.changed.emit(change)
        self.fileChanged.emit()
        self.recompute()

    def mark_saved(self, path: Path, stamp: FileStamp | None) -> None:
        self.path = path
        self.disk_stamp = stamp
        self.undo_stack.setClean()
        self.fileChanged.emit()

    def _swap(self, project: Project, change: Change) -> None:
        self.aboutToChange.emit(change)
        self._project = project
        self.changed.emit(change)
        self._timer.start()

    @property
    def computing(self) -> bool:
        """A change is waiting for its results (the figures shown are the previous ones)."""
        return self._timer.isActive() or self._background.pending

    def flush(self) -> None:
        """Bring the results up to date now, on this thread (tests, benchmarks, saving)."""
        if self.computing:
            self._timer.stop()
            self.recompute()

    def recompute(self) -> None:
        """Run the engine now, on this thread; a background run under way is dropped."""
        was_computing = self._background.pending
        self._background.drop()
        self._publish(compute_project(self._project))
        if was_computing:
            self.computingChanged.emit(False)

    def in_background(self) -> bool:
        """Whether the next run goes to a worker thread: a big fleet, or a slow last run."""
        project = self._project
        cells = len(project.fleet) * project.finance.horizon_months
        return cells >= BACKGROUND_FROM_CELLS or self.last_compute_ms >= BACKGROUND_FROM_MS

    def _recompute_soon(self) -> None:
        if not self.in_background():
            self.recompute()
            return
        project = self._project
        if not self._background.pending:
            self.computingChanged.emit(True)
        self._background.request(lambda _check: compute_project(project), delay=False)

    def _computed(self, computed: Computed) -> None:
        self._publish(computed)
        if not self._background.pending:
            self.computingChanged.emit(False)

    def _failed(self, error: BaseException) -> None:
        if not self._background.pending:
            self.computingChanged.emit(False)
        self.problem.emit(f"The plan could not be computed: {error}")

    def _publish(self, computed: Computed) -> None:
        self.results = computed.results
        self.treasury = computed.treasury
        self.results_project = computed.project
        self.last_compute_ms = computed.compute_ms
        self.resultsChanged.emit(self.results)
