"""Views that draw the document's newest results, but only while they are on screen.

A view hidden behind another tab (or the charts while the AI/HPC or Decisions tab is in
front) skips the drawing of each new result and draws the newest one when it is shown
again. "On screen" means visible once the window is shown, so a window built but not yet
shown (tests, screenshots) still draws.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from planner.engine import Results
from planner.ui.document import ProjectDocument


def on_screen(widget: QWidget) -> bool:
    """Whether `widget` is visible, or would be once its window is shown."""
    return widget.isVisibleTo(widget.window())


class ResultsFollower(QObject):
    """Calls `draw(results)` with each new result of `document` while `widget` is on
    screen; a result that arrives while it is hidden is drawn when it is shown."""

    def __init__(
        self,
        document: ProjectDocument,
        widget: QWidget,
        draw: Callable[[Results], None],
    ) -> None:
        super().__init__(widget)
        self.document = document
        self.widget = widget
        self.draw = draw
        self.behind = False  # a result arrived while hidden and is not drawn yet
        self.catching_up = False  # drawing a result that arrived while hidden
        self.drawn = 0  # results drawn (tests)
        document.resultsChanged.connect(self._results_changed)
        widget.installEventFilter(self)

    def _results_changed(self, results: Results) -> None:
        if on_screen(self.widget):
            self._draw(results)
        else:
            self.behind = True

    def _draw(self, results: Results) -> None:
        self.behind = False
        self.drawn += 1
        self.draw(results)

    def catch_up(self) -> None:
        """Draw the newest result now if one was skipped (e.g. before exporting a chart)."""
        if self.behind and self.document.results is not None:
            self.catching_up = True
            try:
                self._draw(self.document.results)
            finally:
                self.catching_up = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.ShowToParent) and self.behind:
            self.catch_up()
        return False
