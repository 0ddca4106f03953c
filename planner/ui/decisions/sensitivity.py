"""Decisions > Sensitivity: the tornado of fleet NPV with each driver moved by a step the
user sets, and the two-way table of NPV and payback over BTC and power price."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain.project import Project
from planner.engine.sensitivity import DRIVERS, Tornado, TwoWay, tornado, two_way
from planner.io import display
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits
from planner.ui.chart_parts import BLUE, VERMILLION, MoneyAxis, legend_below, pen, relayout_legend
from planner.ui.decisions.results_table import ResultTable

TORNADO_HEADERS = (
    "Driver",
    "Step",
    "NPV at -step",
    "NPV at +step",
    "Payback at -step",
    "Payback at +step",
)
LOW_COLOUR = VERMILLION  # the driver moved down
HIGH_COLOUR = BLUE  # the driver moved up
LOW_LABEL = "Driver moved down (-step)"
HIGH_LABEL = "Driver moved up (+step)"


def sensitivity_figures(
    project: Project, steps: dict[str, float], check: Callable[[], None]
) -> tuple[Tornado, TwoWay]:
    """The Sensitivity page's figures: the tornado at `steps` and the two-way table; stops
    between the two when superseded (a worker's job)."""
    check()
    result = tornado(project, steps)
    check()
    return result, two_way(project)


def tornado_rows(result: Tornado) -> list[list[str]]:
    """The tornado's bars as table lines, largest swing first."""
    return [
        [
            b.label,
            next(d for d in DRIVERS if d.key == b.key).describe(b.step),
            display.money_short(b.npv_low_usd),
            display.money_short(b.npv_high_usd),
            display.months(b.payback_low_months),
            display.months(b.payback_high_months),
        ]
        for b in result.bars
    ]


class SensitivityPage(QWidget):
    """The drivers' steps on the left; the tornado, its figures and the two-way tables."""

    stepsChanged = Signal()  # a step was edited: the tornado is of other steps now

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = sensitivity_figures  # replaceable in tests
        self.tornado_result: Tornado | None = None
        self.two_way_result: TwoWay | None = None
        self.steps: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        for driver in DRIVERS:
            box = QDoubleSpinBox()
            box.setDecimals(1)
            box.setRange(0.1, 200.0)
            box.setSuffix(" %" if driver.relative else " pp")
            box.setValue(driver.default_step * 100)
            box.editingFinished.connect(self.stepsChanged)
            self.steps[driver.key] = box
            form.addRow(f"{driver.label} ±", box)
        steps = QWidget()
        steps.setLayout(form)
        self._build_tornado()
        self.tornado_labels = ResultTable()
        self.two_way_table = ResultTable()
        self.two_way_payback = ResultTable()
        # The figures under the tornado, one table at a time with the page's full width:
        # the two-way grids are 6 columns wide, and side by side they were cut at 1280x720.
        self.tables = QTabWidget()
        self.tables.setDocumentMode(True)
        self.tables.addTab(self.tornado_labels, "Tornado figures")
        self.tables.addTab(self.two_way_table, "NPV: BTC price x power price")
        self.tables.addTab(self.two_way_payback, "Payback: BTC price x power price")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tornado_plot)
        right.addWidget(self.tables)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([300, 220])  # in that proportion: all five rows of a grid in view
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(steps)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)

    def _build_tornado(self) -> None:
        """Each driver's bar from the base NPV to its NPV at -step (one colour) and at
        +step (the other), the base NPV a vertical line; the legend says which is which."""
        self.tornado_plot = pg.PlotWidget(axisItems={"bottom": MoneyAxis("bottom")}, background="w")
        self.tornado_plot.setTitle("Fleet NPV with each driver moved down and up")
        self.tornado_plot.setLabel("bottom", "Fleet NPV (USD)")
        self.tornado_plot.setMouseEnabled(x=True, y=False)  # the drivers stay in view
        legend = legend_below(self.tornado_plot.getPlotItem())
        self.tornado_low = pg.BarGraphItem(
            x0=[], y=[], height=0.6, width=[], brush=LOW_COLOUR, pen=pg.mkPen(None), name=LOW_LABEL
        )
        self.tornado_high = pg.BarGraphItem(
            x0=[],
            y=[],
            height=0.6,
            width=[],
            brush=HIGH_COLOUR,
            pen=pg.mkPen(None),
            name=HIGH_LABEL,
        )
        self.tornado_plot.addItem(self.tornado_low)
        self.tornado_plot.addItem(self.tornado_high)
        relayout_legend(legend)
        self.tornado_base = pg.InfiniteLine(angle=90, pen=pen("#222222", 1))
        self.tornado_plot.addItem(self.tornado_base)
        self.tornado_menu = ChartMenu(self.tornado_plot, self.tornado_table, "tornado")
        self.tornado_note = EmptyNote(
            self.tornado_plot,
            "The tornado appears here once the fleet's NPV is computed "
            "(add rigs on the Fleet tab if there are none).",
        )
        self.tornado_note.set_empty(True)

    def tornado_table(self) -> ChartTable:
        """The tornado's bars, largest swing first (its right-click Copy data)."""
        result = self.tornado_result
        if result is None:
            return ChartTable((), [])
        return ChartTable(
            ("Driver", "Step", "Base NPV (USD)", "NPV at -step (USD)", "NPV at +step (USD)"),
            [
                [row[0], row[1], float(result.base_npv_usd), b.npv_low_usd, b.npv_high_usd]
                for row, b in zip(tornado_rows(result), result.bars, strict=True)
            ],
        )

    def step_values(self) -> dict[str, float]:
        """Each driver's step as a fraction (the boxes show percent or points)."""
        return {key: box.value() / 100.0 for key, box in self.steps.items()}

    # ---- as a live page of the panel
    @property
    def figures(self) -> Sequence[QWidget]:
        """What greys while the figures are not of the current project and steps."""
        return (self.tornado_plot, self.tornado_labels, self.two_way_table, self.two_way_payback)

    def figure_inputs(self) -> tuple[Any, ...]:
        return tuple(sorted(self.step_values().items()))

    def job_for(self, project: Project, inputs: tuple[Any, ...]) -> Callable[[Any], Any]:
        return partial(self.job, project, dict(inputs))

    def show_figures(self, _project: Project, figures: tuple[Tornado, TwoWay]) -> None:
        self.show_tornado(figures[0])
        self.show_two_way(figures[1])

    def show_tornado(self, result: Tornado) -> None:
        self.tornado_result = result
        bars = list(reversed(result.bars))  # largest at the top
        base = float(result.base_npv_usd)
        y = np.arange(len(bars), dtype=float)
        for item, npvs in (
            (self.tornado_low, np.array([b.npv_low_usd for b in bars], dtype=float)),
            (self.tornado_high, np.array([b.npv_high_usd for b in bars], dtype=float)),
        ):
            item.setOpts(x0=np.minimum(npvs, base), y=y, width=np.abs(npvs - base), height=0.6)
        self.tornado_base.setValue(base)
        axis = self.tornado_plot.getAxis("left")
        axis.setTicks([[(i, b.label) for i, b in enumerate(bars)]])
        fit_limits(self.tornado_plot.getPlotItem())
        self.tornado_note.set_empty(not bars)
        self.tornado_labels.show_rows(TORNADO_HEADERS, tornado_rows(result))

    def show_two_way(self, table: TwoWay) -> None:
        self.two_way_result = table
        powers = [f"{p:.0%}" for p in table.power_price_factors]
        self.two_way_table.show_rows(
            ["NPV: BTC price x / power price x", *powers],
            [
                [f"{price:.0%}"] + [display.money_short(v) for v in table.npv_usd[i]]
                for i, price in enumerate(table.btc_price_factors)
            ],
        )
        self.two_way_payback.show_rows(
            ["Payback: BTC price x / power price x", *powers],
            [
                [f"{price:.0%}"] + [display.months(v) for v in table.payback_months[i]]
                for i, price in enumerate(table.btc_price_factors)
            ],
        )
