"""Decisions > Monte Carlo: seeded price, network and fee paths run in a worker thread
with a progress bar and Cancel; the fan of cumulative free cash flow, the distribution
of fleet NPV and each fleet row's chance of paying back; with a treasury, the company's
cash over the paths beside them (monte_carlo_treasury.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from planner.domain.project import Project
from planner.engine import Results
from planner.engine.montecarlo import (
    PERCENTILES,
    MonteCarloResult,
    MonteCarloSettings,
    RowPaybackChances,
    row_payback_chances,
    run_monte_carlo,
)
from planner.engine.treasury import has_treasury, treasury_plan
from planner.io import display
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits
from planner.ui.chart_parts import INK, MoneyAxis, curve_data, pen
from planner.ui.decisions.monte_carlo_treasury import TreasuryPanel
from planner.ui.decisions.results_table import ResultModel, ResultTable
from planner.ui.document import ProjectDocument
from planner.ui.fan_chart import FanChart
from planner.ui.tasks import BackgroundTask

MAX_PATHS = 200_000
# The settings shown as percent or plain numbers: key, label, suffix, scale to the box.
FIELDS = (
    ("price_volatility", "BTC price volatility (per year)", " %", 100.0),
    ("network_elasticity", "Network elasticity to price", "", 1.0),
    ("network_noise", "Network noise (per year)", " %", 100.0),
    ("fee_noise", "Fee noise (per month)", " %", 100.0),
)
PRESS_RUN = (
    "Press Run Monte Carlo to simulate the fleet's cash flow over many BTC price, "
    "network and fee paths."
)
CANCELLED = "Monte Carlo cancelled: nothing to show. Press Run Monte Carlo to simulate again."
NOTHING_TO_PAY_BACK = (
    "Bought before the horizon starts: no capex of this row falls inside the plan, so "
    "there is nothing of it to pay back."
)
# The fan's bands: P5-P95 (90 % of paths) light, P25-P75 (half of them) darker.
BAND_LABELS = ("P5–P95 (90 % of paths)", "P25–P75 (half of the paths)")


def simulate(
    results: Results, settings: MonteCarloSettings, progress: Any, project: Project | None = None
) -> tuple[MonteCarloResult, RowPaybackChances]:
    """The fleet's paths (and the treasury's when `project` has one), then each row's
    payback chances (a worker's job)."""
    plan = None
    if project is not None and has_treasury(project):
        plan = treasury_plan(project, results.inputs)
    fleet = run_monte_carlo(results, settings, lambda f: progress(0.6 * f), treasury=plan)
    progress(0.6)
    rows = row_payback_chances(results, settings, progress=lambda f: progress(0.6 + 0.4 * f))
    progress(1.0)
    return fleet, rows


def _chance(value: float) -> str:
    return display.NOT_AVAILABLE if not np.isfinite(value) else f"{value:.1%}"


def row_lines(
    names: Sequence[str], chances: RowPaybackChances
) -> tuple[list[str], list[list[str]], dict[tuple[int, int], str]]:
    """The per-row payback chances as headers, table lines and the tooltips of the cells
    that have no answer (n/a: the row has nothing to pay back inside the horizon)."""
    headers = [
        f"Fleet row ({chances.paths:,} paths)",
        "P(payback before the halving)",
        "P(payback in the horizon)",
    ]
    lines = [
        [name, _chance(chances.before_halving[r]), _chance(chances.within_horizon[r])]
        for r, name in enumerate(names)
    ]
    tips = {
        (r, column): NOTHING_TO_PAY_BACK
        for r in range(len(names))
        if not chances.has_capex[r]
        for column in (1, 2)
    }
    return headers, lines, tips


class _TippedModel(ResultModel):
    """Result rows, some cells with a tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tips: dict[tuple[int, int], str] = {}

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid():
            return self.tips.get((index.row(), index.column()))
        return super().data(index, role)


class RowChancesTable(ResultTable):
    """The rows' payback chances; an n/a cell says why in its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tipped = _TippedModel(self)
        self.results = self.tipped
        self.setModel(self.tipped)

    def show_chances(
        self, headers: list[str], lines: list[list[str]], tips: dict[tuple[int, int], str]
    ) -> None:
        self.tipped.tips = tips
        self.show_rows(headers, lines)

    def tooltip(self, row: int, column: int) -> str | None:
        value = self.results.data(self.results.index(row, column), Qt.ItemDataRole.ToolTipRole)
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class MonteCarloRun:
    """A finished run: the project it ran on, the months of its horizon, its result."""

    project: Project
    month_starts: tuple[date, ...]
    result: MonteCarloResult


class MonteCarloPage(QWidget):
    """The settings and Run on the left; the fan chart, the histogram and the rows.

    The latest finished run is `latest` (None before one, or after a run failed or was
    cancelled); `runChanged` is emitted when a run starts and when it ends, so that other
    views (the Treasury tab's fan) show it. A run is stale once the document's project is
    no longer `latest.project` (every edit makes a new one)."""

    runChanged = Signal()

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.result: MonteCarloResult | None = None
        self.latest: MonteCarloRun | None = None
        self.task: BackgroundTask | None = None
        self.row_figures: RowPaybackChances | None = None
        self._month_starts: tuple[date, ...] = ()
        settings = self._build_settings()
        self._build_fan()
        self._build_histogram()
        self.rows = RowChancesTable()
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.fan_plot)
        charts.addWidget(self.npv_plot)
        charts.addWidget(self.rows)
        self.treasury = TreasuryPanel()
        self.treasury.setVisible(has_treasury(document.project))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(settings)
        split.addWidget(charts)
        split.addWidget(self.treasury)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        QVBoxLayout(self).addWidget(split)

    def _build_fan(self) -> None:
        """Five percentile curves of cumulative FCF, the bands between them, each curve
        named at its end and the bands in the legend."""
        self.fan = FanChart(
            "Cumulative free cash flow across the paths",
            "cumulative FCF",
            BAND_LABELS,
            "monte_carlo_fan",
            PRESS_RUN,
        )
        # The chart's parts by the names the page has always given them.
        self.fan_plot = self.fan
        self.fan_lines = self.fan.lines
        self.fan_fills = self.fan.fills
        self.fan_labels = self.fan.labels
        self.fan_menu = self.fan.menu
        self.fan_note = self.fan.note

    def _build_histogram(self) -> None:
        """The distribution of fleet NPV, its P5, P50 and P95 marked."""
        self.npv_plot = pg.PlotWidget(axisItems={"bottom": MoneyAxis("bottom")}, background="w")
        self.npv_plot.setTitle("Distribution of fleet NPV")
        self.npv_plot.setLabel("left", "Paths")
        self.npv_hist = pg.PlotDataItem(
            [], [], stepMode="center", fillLevel=0, brush=(0, 114, 178, 90)
        )
        self.npv_plot.addItem(self.npv_hist)
        self.npv_marks = [
            pg.InfiniteLine(
                angle=90,
                pen=pen(INK, 1.2 if q == 50 else 1.0, Qt.PenStyle.DashLine),
                label=f"P{q}",
                labelOpts={"position": 0.92, "color": INK, "fill": pg.mkBrush(255, 255, 255, 200)},
            )
            for q in (5, 50, 95)
        ]
        for mark in self.npv_marks:
            mark.setVisible(False)
            self.npv_plot.addItem(mark, ignoreBounds=True)
        self.npv_menu = ChartMenu(self.npv_plot, self.npv_table, "monte_carlo_npv")
        self.npv_note = EmptyNote(self.npv_plot, PRESS_RUN)
        self.npv_note.set_empty(True)

    def _build_settings(self) -> QWidget:
        defaults = MonteCarloSettings()
        self.paths = QSpinBox()
        self.paths.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        self.paths.setGroupSeparatorShown(True)  # 10,000 as the app writes numbers
        self.paths.setRange(100, MAX_PATHS)
        self.paths.setSingleStep(1_000)
        self.paths.setValue(defaults.paths)
        self.paths.setToolTip(f"Paths to simulate: from 100 to at most {MAX_PATHS:,}")
        self.paths_cap = QLabel(f"at most {MAX_PATHS:,}")
        self.paths_cap.setStyleSheet("color: #555555;")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setValue(defaults.seed)
        form = QFormLayout()
        paths_row = QHBoxLayout()
        paths_row.addWidget(self.paths, 1)
        paths_row.addWidget(self.paths_cap)
        form.addRow("Paths", paths_row)
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
        project = self.document.project
        self.treasury.setVisible(has_treasury(project))
        self.button.setEnabled(False)

        month_starts = tuple(results.inputs.timeline.month_starts)

        def done(both: tuple[MonteCarloResult, RowPaybackChances]) -> None:
            self.button.setEnabled(True)
            self.row_figures = both[1]
            self.latest = MonteCarloRun(project, month_starts, both[0])
            self.show_result(both[0], month_starts)
            self.runChanged.emit()

        def failed(error: BaseException) -> None:
            self.button.setEnabled(True)
            self.clear_figures(f"Monte Carlo failed: {error}")
            self.summary.setText(f"Monte Carlo failed: {error}")
            self.runChanged.emit()

        def cancelled() -> None:
            self.button.setEnabled(True)
            self.clear_figures(CANCELLED)
            self.summary.setText(CANCELLED)
            self.runChanged.emit()

        def job(progress: Any) -> tuple[MonteCarloResult, RowPaybackChances]:
            return simulate(results, settings, progress, project)

        self.task = BackgroundTask(
            self, f"Monte Carlo: {settings.paths:,} paths…", job, done, failed, cancelled
        )
        self.runChanged.emit()
        return self.task

    @property
    def running(self) -> bool:
        """A run is under way."""
        return self.task is not None and not self.task.finished

    def show_result(self, result: MonteCarloResult, month_starts: Sequence[date]) -> None:
        """The figures of `result`, a run over the months of `month_starts`."""
        self.result = result
        self._month_starts = tuple(month_starts)
        results = self.document.results
        self.fan.show_fan(result.cumulative_percentiles_usd, self._month_starts)
        self._show_histogram(result)
        if results is not None and self.row_figures is not None:
            self.rows.show_chances(*row_lines(results.inputs.row_names, self.row_figures))
        self.treasury.setVisible(result.treasury is not None)
        if result.treasury is not None:
            self.treasury.show_treasury(result.treasury, self._month_starts)
        p = result.npv_percentiles_usd
        self.summary.setText(
            f"{result.settings.paths:,} paths, seed {result.settings.seed}. "
            f"Payback before the halving: {result.p_payback_before_halving:.1%}; "
            f"within the horizon: {result.p_payback_within_horizon:.1%}. "
            f"NPV P5 {display.money_short(p[0])}, P50 {display.money_short(p[2])}, "
            f"P95 {display.money_short(p[4])}."
        )

    def clear_figures(self, why: str) -> None:
        """Empty the charts and the rows (a cancelled or failed run shows nothing of the
        run before it); `why` is said over the charts."""
        self.result = None
        self.latest = None
        self.row_figures = None
        self.fan.clear_fan(why)
        self.npv_hist.setData([], [])
        for mark in self.npv_marks:
            mark.setVisible(False)
        self.rows.show_chances([], [], {})
        self.treasury.clear(why)
        fit_limits(self.npv_plot.getPlotItem())
        self.npv_note.set_empty(True, why)

    def _show_histogram(self, result: MonteCarloResult) -> None:
        """The middle 98 % of fleet NPV (a lognormal price's tail runs far), P5, P50, P95."""
        low, high = np.percentile(result.npv_usd, [1, 99])
        counts, edges = np.histogram(result.npv_usd, bins=60, range=(low, high))
        self.npv_hist.setData(edges, counts)
        percentiles = dict(zip(PERCENTILES, result.npv_percentiles_usd.tolist(), strict=True))
        for mark, q in zip(self.npv_marks, (5, 50, 95), strict=True):
            mark.setValue(percentiles[q])
            mark.setVisible(True)
        fit_limits(self.npv_plot.getPlotItem())
        self.npv_plot.getPlotItem().getViewBox().enableAutoRange()
        self.npv_note.set_empty(False)

    def fan_table(self) -> ChartTable:
        """The fan's percentiles by month (its right-click Copy data)."""
        return self.fan.table()

    def npv_table(self) -> ChartTable:
        """The histogram's bins (its right-click Copy data)."""
        edges, counts = curve_data(self.npv_hist)
        if self.result is None or not counts.size:
            return ChartTable((), [])
        return ChartTable(
            ("NPV from (USD)", "NPV to (USD)", "Paths"),
            [[float(edges[i]), float(edges[i + 1]), int(counts[i])] for i in range(counts.size)],
        )
