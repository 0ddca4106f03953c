"""Decisions > Swaps: the swap candidates and the resale curve, edited as sections of the
project like every other table, and each swap compared against doing nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from planner.domain.project import Project
from planner.engine.swaps import SwapResult, analyse_swaps
from planner.io import display
from planner.ui.decisions.results_table import ResultTable
from planner.ui.document import ProjectDocument
from planner.ui.sheet import SheetView
from planner.ui.table_model import SectionModel

HEADERS = ("Swap", "New rigs", "Sale", "Capex", "NPV", "IRR", "Payback", "Before the halving")
NOTE = (
    "Each swap against doing nothing: the fleet's cash flow after tax with it, less "
    "without it. The old rigs sell at the resale curve (USD per TH by efficiency)."
)
CURVE_NOTE = (
    "Resale curve: used rigs by efficiency class, each tier up to its J/TH "
    "(edit, paste, insert and delete rows as in any table)."
)


def swap_figures(project: Project, check: Callable[[], None]) -> tuple[list[SwapResult], list[str]]:
    """The Swaps page's figures: every candidate swap at the project's resale curve, best
    NPV first, and the swaps left out with why (a worker's job)."""
    check()
    skipped: list[str] = []
    return analyse_swaps(project, skipped), skipped


def swap_row(result: SwapResult) -> list[str]:
    """One swap's line of the comparison."""
    swap = result.swap
    return [
        f"{swap.row} -> {swap.model}, {swap.month:%Y-%m}",
        f"{result.new_count:,}",
        display.money(result.sale_usd),
        display.money(result.capex_usd),
        display.money(result.npv_usd),
        display.percent(result.irr_annual),
        display.months(result.payback_months),
        "yes" if result.pays_back_before_halving else "no",
    ]


def _section_sheet(document: ProjectDocument, section: str) -> tuple[SheetView, SectionModel]:
    sheet = SheetView()
    model = SectionModel(document, section)
    sheet.setModel(model)
    sheet.apply_widths()
    return sheet, model


class SwapsPage(QWidget):
    """The candidates and the resale curve (inputs, edited through the document) over the
    comparison of every swap."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = swap_figures  # replaceable in tests
        self.results: list[SwapResult] = []
        self.sheet, self.model = _section_sheet(document, "swaps")
        self.curve_sheet, self.curve_model = _section_sheet(document, "resale_curve")
        self.table = ResultTable()
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        curve_note = QLabel(CURVE_NOTE)
        curve_note.setWordWrap(True)
        curve_box = QWidget()
        curve_layout = QVBoxLayout(curve_box)
        curve_layout.setContentsMargins(0, 0, 0, 0)
        curve_layout.addWidget(curve_note)
        curve_layout.addWidget(self.curve_sheet)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.sheet)
        top.addWidget(curve_box)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.note)
        inner.addWidget(self.table)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(box)
        QVBoxLayout(self).addWidget(split)

    # ---- as a live page of the panel
    @property
    def figures(self) -> Sequence[QWidget]:
        """What greys while stale: the comparison, not the tables being edited."""
        return (self.table,)

    def figure_inputs(self) -> tuple[Any, ...]:
        return ()

    def job_for(self, project: Project, _inputs: tuple[Any, ...]) -> Callable[[Any], Any]:
        return partial(self.job, project)

    def show_figures(self, _project: Project, figures: tuple[list[SwapResult], list[str]]) -> None:
        results, skipped = figures
        self.results = results
        self.table.show_rows(HEADERS, [swap_row(r) for r in results])
        self.note.setText(NOTE + ("\nLeft out: " + "; ".join(skipped) if skipped else ""))
