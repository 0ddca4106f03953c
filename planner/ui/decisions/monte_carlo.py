"""Decisions > Monte Carlo: seeded price, network and fee paths run in a worker thread
with a progress bar and Cancel; the fan of cumulative free cash flow, the distribution
of fleet NPV and each fleet row's chance of paying back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from planner.engine import Results
from planner.engine.montecarlo import (
    MonteCarloResult,
    MonteCarloSettings,
    row_payback_probabilities,
    run_monte_carlo,
)
from planner.io import display
from planner.ui.chart_parts import PALETTE, MoneyAxis, MonthAxis, pen
from planner.ui.decisions.results_table import ResultTable
from planner.ui.document import ProjectDocument
from planner.ui.tasks import BackgroundTask

# Each row's chance of paying back before the halving and within the horizon, and paths.
RowFigures = tuple[np.ndarray, np.ndarray, int]
# The settings shown as percent or plain numbers: key, label, suffix, scale to the box.
FIELDS = (
    ("price_volatility", "BTC price volatility (per year)", " %", 100.0),
    ("network_elasticity", "Network elasticity to price", "", 1.0),
    ("network_noise", "Network noise (per year)", " %", 100.0),
    ("fee_noise", "Fee noise (per month)", " %", 100.0),
)


def simulate(
    results: Results, settings: MonteCarloSettings, progress: Any
) -> tuple[MonteCarloResult, RowFigures]:
    """The fleet's paths, then each row's payback chances (a worker's job)."""
    fleet = run_monte_carlo(results, settings, lambda f: progress(0.6 * f))
    progress(0.6)
    rows = row_payback_probabilities(results, settings, progress=lambda f: progress(0.6 + 0.4 * f))
    progress(1.0)
    return fleet, rows


def row_lines(names: Sequence[str], figures: RowFigures) -> tuple[list[str], list[list[str]]]:
    """The per-row payback chances as headers and table lines."""
    before, within, count = figures
    headers = [
        f"Fleet row ({count:,} paths)",
        "P(payback before the halving)",
        "P(payback in the horizon)",
    ]
    return headers, [[name, f"{before[r]:.1%}", f"{within[r]:.1%}"] for r, name in enumerate(names)]


class MonteCarloPage(QWidget):
    """The settings and Run on the left; the fan chart, the histogram and the rows."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.result: MonteCarloResult | None = None
        self.task: BackgroundTask | None = None
        self.row_figures: RowFigures | None = None
        settings = self._build_settings()
        self.fan_plot = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.fan_plot.setTitle("Cumulative free cash flow: P5, P25, P50, P75, P95")
        self.fan_lines = [
            self.fan_plot.plot([], [], pen=pen(PALETTE[0], 2.5 if q == 2 else 1)) for q in range(5)
        ]
        self.fan_fills: list[pg.FillBetweenItem] = []
        self.npv_plot = pg.PlotWidget(axisItems={"bottom": MoneyAxis("bottom")}, background="w")
        self.npv_plot.setTitle("Distribution of fleet NPV")
        self.npv_hist = pg.PlotDataItem(
            [], [], stepMode="center", fillLevel=0, brush=(0, 114, 178, 90)
        )
        self.npv_plot.addItem(self.npv_hist)
        self.rows = ResultTable()
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.fan_plot)
        charts.addWidget(self.npv_plot)
        charts.addWidget(self.rows)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(settings)
        split.addWidget(charts)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)

    def _build_settings(self) -> QWidget:
        defaults = MonteCarloSettings()
        self.paths = QSpinBox()
        self.paths.setRange(100, 200_000)
        self.paths.setSingleStep(1_000)
        self.paths.setValue(defaults.paths)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setValue(defaults.seed)
        form = QFormLayout()
        form.addRow("Paths", self.paths)
        form.addRow("Seed", self.seed)
        self.fields: dict[str, QDoubleSpinBox] = {}
        for key, label, suffix, scale in FIELDS:
            box = QDoubleSpinBox()
            box.setRange(0, 500)
            box.setDecimals(2)
            box.setSuffix(suffix)
            box.setValue(getattr(defaults, key) * scale)
            self.fields[key] = box
            form.addRow(label, box)
        self.lag = QSpinBox()
        self.lag.setRange(0, 36)
        self.lag.setValue(defaults.network_lag_months)
        form.addRow("Network lag (months)", self.lag)
        self.button = QPushButton("Run Monte Carlo")
        self.button.clicked.connect(self.run)
        form.addRow(self.button)
        self.summary = QLabel(
            "Defaults: docs/model-notes.md. Seeded: the same run twice is the same."
        )
        self.summary.setWordWrap(True)
        form.addRow(self.summary)
        settings = QWidget()
        settings.setLayout(form)
        return settings

    def settings(self) -> MonteCarloSettings:
        """The settings as set on the page (percent boxes as fractions)."""
        scaled = {key: self.fields[key].value() / scale for key, _l, _s, scale in FIELDS}
        return MonteCarloSettings(
            paths=self.paths.value(),
            seed=self.seed.value(),
            network_lag_months=self.lag.value(),
            **scaled,
        )

    def run(self) -> BackgroundTask | None:
        """Start a run in a worker thread, unless one runs or there are no results."""
        results = self.document.results
        if results is None or (self.task is not None and not self.task.finished):
            return None
        settings = self.settings()
        self.button.setEnabled(False)

        def done(both: tuple[MonteCarloResult, RowFigures]) -> None:
            self.button.setEnabled(True)
            self.row_figures = both[1]
            self.show_result(both[0])

        def failed(error: BaseException) -> None:
            self.button.setEnabled(True)
            self.summary.setText(f"Monte Carlo failed: {error}")

        def cancelled() -> None:
            self.button.setEnabled(True)
            self.summary.setText("Monte Carlo cancelled.")

        def job(progress: Any) -> tuple[MonteCarloResult, RowFigures]:
            return simulate(results, settings, progress)

        self.task = BackgroundTask(
            self, f"Monte Carlo: {settings.paths:,} paths…", job, done, failed, cancelled
        )
        return self.task

    def show_result(self, result: MonteCarloResult) -> None:
        self.result = result
        self._show_fan(result.cumulative_percentiles_usd)
        # The histogram of the middle 98 % (the tail of a lognormal price runs far).
        low, high = np.percentile(result.npv_usd, [1, 99])
        counts, edges = np.histogram(result.npv_usd, bins=60, range=(low, high))
        self.npv_hist.setData(edges, counts)
        results = self.document.results
        if results is not None and self.row_figures is not None:
            self.rows.show_rows(*row_lines(results.inputs.row_names, self.row_figures))
        p = result.npv_percentiles_usd
        self.summary.setText(
            f"{result.settings.paths:,} paths, seed {result.settings.seed}. "
            f"Payback before the halving: {result.p_payback_before_halving:.1%}; "
            f"within the horizon: {result.p_payback_within_horizon:.1%}. "
            f"NPV P5 {display.money_short(p[0])}, P50 {display.money_short(p[2])}, "
            f"P95 {display.money_short(p[4])}."
        )

    def _show_fan(self, bands: np.ndarray) -> None:
        """The five percentile curves, and the P5-P95 and P25-P75 bands between them."""
        x = np.arange(1, bands.shape[1] + 1, dtype=float)
        axis = self.fan_plot.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        if self.document.results is not None:
            axis.set_start(self.document.results.inputs.start_month)
        for line, values in zip(self.fan_lines, bands, strict=True):
            line.setData(x, values)
        for fill in self.fan_fills:
            self.fan_plot.removeItem(fill)
        self.fan_fills = [
            pg.FillBetweenItem(
                pg.PlotCurveItem(x, bands[low]),
                pg.PlotCurveItem(x, bands[high]),
                brush=pg.mkBrush(QColor(0, 114, 178, alpha)),
            )
            for low, high, alpha in ((0, 4, 35), (1, 3, 70))
        ]
        for fill in self.fan_fills:
            self.fan_plot.addItem(fill)
