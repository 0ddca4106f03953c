"""The Decisions tab: scenarios side by side, sensitivity, swaps, best buy, Monte Carlo.

Scenarios, the tornado, the two-way table and the swaps follow the project live while
their view is shown. Each is one or tens of engine runs: they run in the thread pool,
shortly after the last new results, on the project of that edit; a newer edit supersedes
them, and meanwhile the page says it is updating and greys its figures (the swap and
resale curve tables stay editable). The best buy solves when asked. Monte Carlo runs in
a worker thread with a progress bar and Cancel.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import format_month, parse_month
from planner.domain.project import Project, ResaleTier
from planner.domain.units import parse_quantity, parse_whole_number
from planner.domain.validation import describe_error
from planner.engine import Results
from planner.engine.montecarlo import (
    MonteCarloResult,
    MonteCarloSettings,
    row_payback_probabilities,
    run_monte_carlo,
)
from planner.engine.optimize import (
    BuyAnswer,
    BuyCandidate,
    best_buy,
    build_problem,
    evaluate_plan,
    free_mw,
)
from planner.engine.sensitivity import DRIVERS, Tornado, TwoWay, compare_scenarios, tornado, two_way
from planner.engine.swaps import SwapResult, analyse_swaps
from planner.ui.charts import PALETTE, MoneyAxis, MonthAxis, _pen, format_money
from planner.ui.document import Change, ProjectDocument
from planner.ui.sheet import SheetView
from planner.ui.table_model import SectionModel
from planner.ui.tasks import BackgroundTask, LiveTask

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
BUY_COLUMNS = ["Model", "J/TH", "Unit price (USD)", "Max rigs"]
SCENARIOS, SENSITIVITY, SWAPS = 0, 1, 2  # the live pages
# What a live page's figures were computed from: the project and the tornado's steps.
FigureKey = tuple[Project, tuple[tuple[str, float], ...]]


def scenario_figures(project: Project, check: Callable[[], None]) -> list[tuple[str, Results]]:
    """The Scenarios page's figures: every scenario of the project (a worker's job)."""
    check()
    return compare_scenarios(project)


def sensitivity_figures(
    project: Project, steps: dict[str, float], check: Callable[[], None]
) -> tuple[Tornado, TwoWay]:
    """The Sensitivity page's figures: the tornado at `steps` and the two-way table; stops
    between the two when superseded (a worker's job)."""
    check()
    result = tornado(project, steps)
    check()
    return result, two_way(project)


def swap_figures(project: Project, check: Callable[[], None]) -> tuple[list[SwapResult], list[str]]:
    """The Swaps page's figures: every candidate swap at the project's resale curve, best
    NPV first, and the swaps left out with why (a worker's job)."""
    check()
    skipped: list[str] = []
    return analyse_swaps(project, skipped), skipped


def _same(a: FigureKey | None, b: FigureKey) -> bool:
    # The project by identity: every edit makes a new one, and equality is a deep compare.
    return a is not None and a[0] is b[0] and a[1] == b[1]


def _months(value: float) -> str:
    return "never" if not math.isfinite(value) else f"{value:,.1f} mo"


def _percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:,.1f}%"


def _fill(table: QTableWidget, headers: list[str], rows: list[list[str]]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(RIGHT)
            table.setItem(r, c, item)


def _at(problem: Any, model: str, site: str) -> tuple[int, int]:
    return problem.models.index(model), problem.sites.index(site)


def _table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _choice_table(headers: list[str]) -> QTableWidget:
    """An input table: tick boxes in the first column, values typed in the others."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _tick_box(text: str, ticked: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(
        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
    )
    item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
    return item


def _ticked(item: QTableWidgetItem) -> bool:
    return item.checkState() == Qt.CheckState.Checked


class DecisionsPanel(QWidget):
    """Upgrade decisions and uncertainty, on the document's project."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._build_scenarios()
        self._build_sensitivity()
        self._build_swaps()
        self._build_best_buy()
        self._build_monte_carlo()
        self.tornado_result: Tornado | None = None
        self.two_way_result: TwoWay | None = None
        self.swap_results: list[SwapResult] = []
        self.buy_answer: BuyAnswer | None = None
        self.mc_result: MonteCarloResult | None = None
        self.mc_task: BackgroundTask | None = None
        self.mc_row_figures: tuple[np.ndarray, np.ndarray, int] | None = None
        # The live pages' jobs (module functions, replaceable in tests), their workers, what
        # each page's figures on screen and the job asked for were computed from.
        self.scenario_job = scenario_figures
        self.sensitivity_job = sensitivity_figures
        self.swap_job = swap_figures
        self.live: dict[int, LiveTask] = {
            SCENARIOS: LiveTask(
                self, self._scenarios_computed, partial(self._live_failed, SCENARIOS)
            ),
            SENSITIVITY: LiveTask(
                self, self._sensitivity_computed, partial(self._live_failed, SENSITIVITY)
            ),
            SWAPS: LiveTask(self, self._swaps_computed, partial(self._live_failed, SWAPS)),
        }
        self._failures: dict[int, str] = {}
        self._shown: dict[int, FigureKey | None] = dict.fromkeys(self.live)
        self._asked: dict[int, FigureKey | None] = dict.fromkeys(self.live)
        self._figures: dict[int, list[QWidget]] = {
            SCENARIOS: [self.scenario_table, self.scenario_plot],
            SENSITIVITY: [
                self.tornado_plot,
                self.tornado_labels,
                self.two_way_table,
                self.two_way_payback,
            ],
            SWAPS: [self.swap_table],
        }
        self.updating = QLabel("Updating…")
        self.updating.setStyleSheet("color: #666666; padding: 0 8px;")
        self.updating.hide()
        self.tabs.setCornerWidget(self.updating, Qt.Corner.TopRightCorner)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        document.resultsChanged.connect(self._results_changed)

    # ------------------------------------------------------------------ building
    def _build_scenarios(self) -> None:
        page = QWidget()
        self.scenario_table = _table()
        self.scenario_plot = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.scenario_plot.setTitle("Cumulative free cash flow by scenario")
        self.scenario_plot.addLegend(offset=(10, 10))
        self.scenario_plot.showGrid(x=True, y=True, alpha=0.15)
        self.scenario_curves: dict[str, pg.PlotDataItem] = {}
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.scenario_table)
        split.addWidget(self.scenario_plot)
        QVBoxLayout(page).addWidget(split)
        self.tabs.addTab(page, "Scenarios")

    def _build_sensitivity(self) -> None:
        page = QWidget()
        self.steps: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        for driver in DRIVERS:
            box = QDoubleSpinBox()
            box.setDecimals(1)
            box.setRange(0.1, 200.0)
            box.setSuffix(" %" if driver.relative else " pp")
            box.setValue(driver.default_step * 100)
            box.editingFinished.connect(self._steps_changed)
            self.steps[driver.key] = box
            form.addRow(f"{driver.label} ±", box)
        steps = QWidget()
        steps.setLayout(form)
        self.tornado_plot = pg.PlotWidget(axisItems={"bottom": MoneyAxis("bottom")}, background="w")
        self.tornado_plot.setTitle("Fleet NPV with each driver moved down and up")
        self.tornado_bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brushes=[])
        self.tornado_plot.addItem(self.tornado_bars)
        self.tornado_base = pg.InfiniteLine(angle=90, pen=_pen("#222222", 1))
        self.tornado_plot.addItem(self.tornado_base)
        self.tornado_labels = _table()
        self.two_way_table = _table()
        self.two_way_payback = _table()
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(self.two_way_table)
        tables.addWidget(self.two_way_payback)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tornado_plot)
        right.addWidget(self.tornado_labels)
        right.addWidget(tables)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(steps)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        QVBoxLayout(page).addWidget(split)
        self.tabs.addTab(page, "Sensitivity")

    def _build_swaps(self) -> None:
        page = QWidget()
        self.swap_sheet = SheetView()
        self.swap_model = SectionModel(self.document, "swaps")
        self.swap_sheet.setModel(self.swap_model)
        self.swap_sheet.apply_widths()
        self.swap_table = _table()
        self.swap_note = QLabel(
            "Each swap against doing nothing: the fleet's cash flow after tax with it, less "
            "without it. The old rigs sell at the resale curve (USD per TH by efficiency)."
        )
        self.swap_note.setWordWrap(True)
        self.curve = QTableWidget(0, 2)
        self.curve.setHorizontalHeaderLabels(["Up to (J/TH)", "Resale (USD/TH)"])
        self.curve.verticalHeader().setVisible(False)
        self.curve.cellChanged.connect(self._curve_edited)
        self.curve_note = QLabel("Resale curve: used rigs by efficiency class (edit a cell).")
        self.curve_note.setWordWrap(True)
        curve_box = QWidget()
        curve_layout = QVBoxLayout(curve_box)
        curve_layout.setContentsMargins(0, 0, 0, 0)
        curve_layout.addWidget(self.curve_note)
        curve_layout.addWidget(self.curve)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.swap_sheet)
        top.addWidget(curve_box)
        top.setStretchFactor(0, 4)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.swap_note)
        inner.addWidget(self.swap_table)
        split.addWidget(box)
        QVBoxLayout(page).addWidget(split)
        self.tabs.addTab(page, "Swaps")

    def _build_best_buy(self) -> None:
        page = QWidget()
        self.buy_models = _choice_table(BUY_COLUMNS)
        self.buy_models.setToolTip(
            "Tick the models to consider. Unit price: the quote per rig (the catalog's "
            "reference price until typed over). Max rigs: what the supplier can deliver, "
            "blank for no limit."
        )
        self.buy_sites = _choice_table(["Site", "Free MW"])
        self.buy_sites.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.buy_sites.setToolTip(
            "Free MW: capacity less the most the site's rigs draw in any month (cooling "
            "included). Untick a site to leave it out."
        )
        self.buy_budget = QDoubleSpinBox()
        self.buy_budget.setRange(0, 1e10)
        self.buy_budget.setDecimals(0)
        self.buy_budget.setSingleStep(1_000_000)
        self.buy_budget.setPrefix("$")
        self.buy_budget.setValue(10_000_000)
        self.buy_budget.setGroupSeparatorShown(True)
        self.buy_month = QLineEdit()
        self.buy_month.setPlaceholderText("start of the horizon")
        self.buy_month.setToolTip("The month the rigs are bought (YYYY-MM).")
        self.buy_button = QPushButton("Find the best buy")
        self.buy_button.clicked.connect(self.solve_best_buy)
        self.buy_table = _table()
        self.buy_alternatives = _table()
        self.buy_summary = QLabel(
            "Tick candidate models, type their quoted prices, set the budget and the month."
        )
        self.buy_summary.setWordWrap(True)
        self.buy_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QWidget()
        form = QVBoxLayout(left)
        form.addWidget(QLabel("Candidate models"))
        form.addWidget(self.buy_models, 3)
        form.addWidget(QLabel("Sites"))
        form.addWidget(self.buy_sites, 1)
        fields = QFormLayout()
        fields.addRow("Capex budget", self.buy_budget)
        fields.addRow("Purchase month", self.buy_month)
        form.addLayout(fields)
        form.addWidget(self.buy_button)
        right = QWidget()
        inner = QVBoxLayout(right)
        inner.addWidget(self.buy_summary)
        inner.addWidget(self.buy_table)
        inner.addWidget(QLabel("Next best (one pair of the best mix left out)"))
        inner.addWidget(self.buy_alternatives)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        QVBoxLayout(page).addWidget(split)
        self.tabs.addTab(page, "Best buy")

    def _build_monte_carlo(self) -> None:
        page = QWidget()
        defaults = MonteCarloSettings()
        self.mc_paths = QSpinBox()
        self.mc_paths.setRange(100, 200_000)
        self.mc_paths.setSingleStep(1_000)
        self.mc_paths.setValue(defaults.paths)
        self.mc_seed = QSpinBox()
        self.mc_seed.setRange(0, 2_000_000_000)
        self.mc_seed.setValue(defaults.seed)
        self.mc_fields: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        form.addRow("Paths", self.mc_paths)
        form.addRow("Seed", self.mc_seed)
        for key, label, value, suffix in (
            (
                "price_volatility",
                "BTC price volatility (per year)",
                defaults.price_volatility * 100,
                " %",
            ),
            ("network_elasticity", "Network elasticity to price", defaults.network_elasticity, ""),
            ("network_noise", "Network noise (per year)", defaults.network_noise * 100, " %"),
            ("fee_noise", "Fee noise (per month)", defaults.fee_noise * 100, " %"),
        ):
            box = QDoubleSpinBox()
            box.setRange(0, 500)
            box.setDecimals(2)
            box.setSuffix(suffix)
            box.setValue(value)
            self.mc_fields[key] = box
            form.addRow(label, box)
        self.mc_lag = QSpinBox()
        self.mc_lag.setRange(0, 36)
        self.mc_lag.setValue(defaults.network_lag_months)
        form.addRow("Network lag (months)", self.mc_lag)
        self.mc_button = QPushButton("Run Monte Carlo")
        self.mc_button.clicked.connect(self.run_monte_carlo)
        form.addRow(self.mc_button)
        self.mc_summary = QLabel(
            "Defaults: docs/model-notes.md. Seeded: the same run twice is the same."
        )
        self.mc_summary.setWordWrap(True)
        form.addRow(self.mc_summary)
        settings = QWidget()
        settings.setLayout(form)
        self.fan_plot = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.fan_plot.setTitle("Cumulative free cash flow: P5, P25, P50, P75, P95")
        self.fan_lines = [
            self.fan_plot.plot([], [], pen=_pen(PALETTE[0], 2.5 if q == 2 else 1)) for q in range(5)
        ]
        self.fan_fills: list[pg.FillBetweenItem] = []
        self.npv_plot = pg.PlotWidget(axisItems={"bottom": MoneyAxis("bottom")}, background="w")
        self.npv_plot.setTitle("Distribution of fleet NPV")
        self.npv_hist = pg.PlotDataItem(
            [], [], stepMode="center", fillLevel=0, brush=(0, 114, 178, 90)
        )
        self.npv_plot.addItem(self.npv_hist)
        self.mc_rows = _table()
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.fan_plot)
        charts.addWidget(self.npv_plot)
        charts.addWidget(self.mc_rows)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(settings)
        split.addWidget(charts)
        split.setStretchFactor(1, 3)
        QVBoxLayout(page).addWidget(split)
        self.tabs.addTab(page, "Monte Carlo")

    # ------------------------------------------------------------------ following the project
    def _results_changed(self, _results: Any) -> None:
        self._fill_candidates()
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
        """Recompute what the shown view needs (live views only) in a worker (`delay`: after
        the debounce, as for new results); the resale curve, an input, is shown now."""
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
        if page == SWAPS:
            self._show_curve()
        if page in self.live:
            self._ask(page, delay)
        self._show_state()

    def _key(self, page: int) -> FigureKey:
        steps = tuple(sorted(self.step_values().items())) if page == SENSITIVITY else ()
        return self.document.project, steps

    def _ask(self, page: int, delay: bool) -> None:
        """Start (or debounce) the page's job unless its figures or the job in flight
        are already of the current project and steps."""
        key = self._key(page)
        if _same(self._shown[page], key) or (
            _same(self._asked[page], key) and self.live[page].pending
        ):
            return
        self._asked[page] = key
        self._failures.pop(page, None)
        project, steps = key
        job: Callable[[Callable[[], None]], Any]
        if page == SCENARIOS:
            job = partial(self.scenario_job, project)
        elif page == SWAPS:
            job = partial(self.swap_job, project)
        else:
            job = partial(self.sensitivity_job, project, dict(steps))
        self.live[page].request(job, delay)

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
        for page, widgets in self._figures.items():
            current = _same(self._shown[page], self._key(page))
            for widget in widgets:
                widget.setEnabled(current)
        page = self.tabs.currentIndex()
        self.updating.setText(self._failures.get(page, "Updating…"))
        self.updating.setVisible(self.is_stale)

    def _live_failed(self, page: int, error: BaseException) -> None:
        self._failures[page] = f"Update failed: {error}"
        self._show_state()

    def _scenarios_computed(self, compared: list[tuple[str, Results]]) -> None:
        key = self._asked[SCENARIOS]
        assert key is not None
        self._shown[SCENARIOS] = key
        self.show_scenarios(key[0], compared)
        self._show_state()

    def _sensitivity_computed(self, figures: tuple[Tornado, TwoWay]) -> None:
        key = self._asked[SENSITIVITY]
        assert key is not None
        self._shown[SENSITIVITY] = key
        self.show_sensitivity(*figures)
        self._show_state()

    def _swaps_computed(self, figures: tuple[list[SwapResult], list[str]]) -> None:
        key = self._asked[SWAPS]
        assert key is not None
        self._shown[SWAPS] = key
        self.show_swaps(*figures)
        self._show_state()

    def show_scenarios(self, project: Project, compared: list[tuple[str, Results]]) -> None:
        rows = []
        axis = self.scenario_plot.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        for i, (name, results) in enumerate(compared):
            k = results.fleet_kpis
            rows.append(
                [
                    name + (" (active)" if name == project.active_scenario else ""),
                    format_money(float(k.npv_usd[0])),
                    _percent(results.fleet_irr_annual),
                    _months(float(k.payback_months[0])),
                    f"{k.btc_mined[0]:,.1f}",
                    format_money(float(k.revenue_usd[0])),
                    format_money(float(k.free_cash_flow_usd[0])),
                    format_money(float(k.cost_per_btc_cash_usd[0])),
                    format_money(float(k.cost_per_btc_all_in_usd[0])),
                ]
            )
            cumulative = np.cumsum(results.fleet.free_cash_flow_usd[0])
            x = np.arange(1, cumulative.size + 1, dtype=float)
            if name not in self.scenario_curves:
                self.scenario_curves[name] = self.scenario_plot.plot(
                    [], [], pen=_pen(PALETTE[i % len(PALETTE)]), name=name
                )
            self.scenario_curves[name].setData(x, cumulative)
            axis.set_start(results.inputs.start_month)
        for name in list(self.scenario_curves):
            if name not in {n for n, _r in compared}:
                self.scenario_plot.removeItem(self.scenario_curves.pop(name))
        _fill(
            self.scenario_table,
            [
                "Scenario",
                "NPV",
                "IRR",
                "Payback",
                "BTC mined",
                "Revenue",
                "FCF",
                "Cash $/BTC",
                "All-in $/BTC",
            ],
            rows,
        )

    def _steps_changed(self) -> None:
        if self.isVisible() and self.tabs.currentIndex() == SENSITIVITY:
            self._ask(SENSITIVITY, delay=True)
        self._show_state()

    def step_values(self) -> dict[str, float]:
        return {key: box.value() / 100.0 for key, box in self.steps.items()}

    def show_sensitivity(self, result: Tornado, table: TwoWay) -> None:
        self.tornado_result = result
        bars = list(reversed(result.bars))  # largest at the top
        lows = np.array([b.npv_low_usd for b in bars])
        highs = np.array([b.npv_high_usd for b in bars])
        left = np.minimum(lows, highs)
        self.tornado_bars.setOpts(
            x0=left,
            y=np.arange(len(bars)),
            width=np.abs(highs - lows),
            height=0.6,
            brushes=[pg.mkBrush(PALETTE[0]) for _ in bars],
        )
        self.tornado_base.setValue(result.base_npv_usd)
        axis = self.tornado_plot.getAxis("left")
        axis.setTicks([[(i, b.label) for i, b in enumerate(bars)]])
        _fill(
            self.tornado_labels,
            [
                "Driver",
                "Step",
                "NPV at -step",
                "NPV at +step",
                "Payback at -step",
                "Payback at +step",
            ],
            [
                [
                    b.label,
                    next(d for d in DRIVERS if d.key == b.key).describe(b.step),
                    format_money(b.npv_low_usd),
                    format_money(b.npv_high_usd),
                    _months(b.payback_low_months),
                    _months(b.payback_high_months),
                ]
                for b in result.bars
            ],
        )
        self.two_way_result = table
        _fill(
            self.two_way_table,
            ["NPV: BTC price x / power price x"] + [f"{p:.0%}" for p in table.power_price_factors],
            [
                [f"{price:.0%}"] + [format_money(v) for v in table.npv_usd[i]]
                for i, price in enumerate(table.btc_price_factors)
            ],
        )
        _fill(
            self.two_way_payback,
            ["Payback: BTC price x / power price x"]
            + [f"{p:.0%}" for p in table.power_price_factors],
            [
                [f"{price:.0%}"] + [_months(v) for v in table.payback_months[i]]
                for i, price in enumerate(table.btc_price_factors)
            ],
        )

    def _show_curve(self) -> None:
        self.curve.blockSignals(True)
        tiers = sorted(self.document.project.resale_curve, key=lambda t: t.max_j_per_th)
        self.curve.setRowCount(len(tiers))
        for r, tier in enumerate(tiers):
            self.curve.setItem(r, 0, QTableWidgetItem(f"{tier.max_j_per_th:g}"))
            self.curve.setItem(r, 1, QTableWidgetItem(f"{tier.usd_per_th:,.2f}"))
        self.curve.blockSignals(False)

    def _curve_edited(self, row: int, column: int) -> None:
        """A typed tier value: one undo step, or a message naming the cell and why."""
        tiers = sorted(self.document.project.resale_curve, key=lambda t: t.max_j_per_th)
        item = self.curve.item(row, column)
        text = item.text() if item is not None else ""
        field = ("max_j_per_th", "usd_per_th")[column]
        try:
            value = parse_quantity(text, "number" if column == 0 else "usd")
            tiers[row] = ResaleTier(**{**tiers[row].model_dump(), field: value})
        except (ValueError, ValidationError) as error:
            message = (
                describe_error(error.errors()[0])
                if isinstance(error, ValidationError)
                else str(error)
            )
            self.curve_note.setText(f"Resale curve, row {row + 1}, {field}: {message}")
            self._show_curve()
            return
        self.curve_note.setText("Resale curve: used rigs by efficiency class (edit a cell).")
        project = self.document.project.model_copy(update={"resale_curve": tiers})
        self.document.apply(project, Change("reset", "resale_curve"), "Edit the resale curve")

    def show_swaps(self, results: list[SwapResult], skipped: list[str]) -> None:
        self.swap_results = results
        _fill(
            self.swap_table,
            ["Swap", "New rigs", "Sale", "Capex", "NPV", "IRR", "Payback", "Before the halving"],
            [
                [
                    f"{r.swap.row} -> {r.swap.model}, {r.swap.month:%Y-%m}",
                    f"{r.new_count:,}",
                    format_money(r.sale_usd),
                    format_money(r.capex_usd),
                    format_money(r.npv_usd),
                    _percent(r.irr_annual),
                    _months(r.payback_months),
                    "yes" if r.pays_back_before_halving else "no",
                ]
                for r in self.swap_results
            ],
        )
        note = (
            "Each swap against doing nothing: the fleet's cash flow after tax with it, less "
            "without it. The old rigs sell at the resale curve (USD per TH by efficiency)."
        )
        self.swap_note.setText(note + ("\nLeft out: " + "; ".join(skipped) if skipped else ""))

    # ------------------------------------------------------------------ best buy
    def _fill_candidates(self) -> None:
        """The candidate models and sites, keeping what the user ticked and typed."""
        kept: dict[str, tuple[bool, str, str]] = {}
        for r in range(self.buy_models.rowCount()):
            name = self.buy_models.item(r, 0).data(Qt.ItemDataRole.UserRole)
            kept[name] = (
                _ticked(self.buy_models.item(r, 0)),
                self.buy_models.item(r, 2).text(),
                self.buy_models.item(r, 3).text(),
            )
        unticked_sites = {
            self.buy_sites.item(r, 0).text()
            for r in range(self.buy_sites.rowCount())
            if not _ticked(self.buy_sites.item(r, 0))
        }
        project = self.document.project
        models = sorted(project.catalog, key=lambda m: m.efficiency_j_per_th)
        self.buy_models.setRowCount(len(models))
        for r, model in enumerate(models):
            reference = model.reference_price_usd
            ticked, price, most = kept.get(
                model.name, (False, f"{reference:,.0f}" if reference else "", "")
            )
            name = _tick_box(model.name, ticked)
            name.setData(Qt.ItemDataRole.UserRole, model.name)
            efficiency = QTableWidgetItem(f"{model.efficiency_j_per_th:.1f}")
            efficiency.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            efficiency.setTextAlignment(RIGHT)
            self.buy_models.setItem(r, 0, name)
            self.buy_models.setItem(r, 1, efficiency)
            for c, text in ((2, price), (3, most)):
                item = QTableWidgetItem(text)
                item.setTextAlignment(RIGHT)
                self.buy_models.setItem(r, c, item)
        free = free_mw(project, self.document.results)
        self.buy_sites.setRowCount(len(project.sites))
        for r, site in enumerate(project.sites):
            name = _tick_box(site.name, site.name not in unticked_sites)
            mw = QTableWidgetItem(f"{free[site.name]:,.2f}")
            mw.setTextAlignment(RIGHT)
            self.buy_sites.setItem(r, 0, name)
            self.buy_sites.setItem(r, 1, mw)

    def buy_inputs(self) -> tuple[list[BuyCandidate], list[str], date | None]:
        """The ticked candidates with their typed prices and limits, the ticked sites and
        the purchase month. Raises ValueError naming the cell and the problem."""
        candidates: list[BuyCandidate] = []
        for r in range(self.buy_models.rowCount()):
            first = self.buy_models.item(r, 0)
            if not _ticked(first):
                continue
            model = first.data(Qt.ItemDataRole.UserRole)
            where = f"Candidate models, {model}"
            price_text = self.buy_models.item(r, 2).text()
            try:
                price = parse_quantity(price_text, "usd")
            except ValueError as error:
                raise ValueError(f"{where}, {BUY_COLUMNS[2]}: {error}") from None
            if price <= 0:
                raise ValueError(
                    f"{where}, {BUY_COLUMNS[2]}: must be above zero, got {price_text!r}"
                )
            most_text = self.buy_models.item(r, 3).text().strip()
            most: int | None = None
            if most_text:
                try:
                    most = parse_whole_number(most_text)
                except ValueError as error:
                    raise ValueError(f"{where}, {BUY_COLUMNS[3]}: {error}") from None
                if most < 0:
                    raise ValueError(
                        f"{where}, {BUY_COLUMNS[3]}: cannot be negative, got {most_text!r}"
                    )
            candidates.append(BuyCandidate(model, price, most))
        if not candidates:
            raise ValueError("Candidate models: tick at least one model")
        sites = [
            self.buy_sites.item(r, 0).text()
            for r in range(self.buy_sites.rowCount())
            if _ticked(self.buy_sites.item(r, 0))
        ]
        if not sites:
            raise ValueError("Sites: tick at least one site")
        month_text = self.buy_month.text().strip()
        month: date | None = None
        if month_text:
            try:
                month = parse_month(month_text)
            except ValueError as error:
                raise ValueError(f"Purchase month: {error}") from None
            results = self.document.results
            if results is not None:
                start = results.inputs.timeline.month_starts[0]
                last = results.inputs.timeline.month_starts[-1]
                if not start <= month <= last:
                    raise ValueError(
                        f"Purchase month: {format_month(month)} is outside the horizon "
                        f"({format_month(start)} to {format_month(last)})"
                    )
        return candidates, sites, month

    def solve_best_buy(self) -> BuyAnswer | None:
        project = self.document.project
        try:
            candidates, sites, month = self.buy_inputs()
        except ValueError as error:
            self.buy_answer = None
            self.buy_outcome = None
            self.buy_summary.setText(str(error))
            self.buy_summary.setStyleSheet("color: #b00020;")
            return None
        self.buy_summary.setStyleSheet("")
        problem = build_problem(
            project, candidates, self.buy_budget.value(), purchase_month=month, sites=sites
        )
        answer = best_buy(problem)
        self.buy_answer = answer
        best = answer.best
        free_text = "Free MW per site: " + ", ".join(
            f"{s} {mw:,.2f}" for s, mw in zip(problem.sites, problem.free_mw, strict=True)
        )
        if not best.mix(problem):
            self.buy_outcome = None
            self.buy_summary.setText(
                "No candidate adds value at its price at any site: the best buy is none. "
                + free_text
            )
            _fill(self.buy_table, ["Model", "Site", "Rigs", "NPV per rig", "Capex", "MW"], [])
            _fill(self.buy_alternatives, ["Without", "NPV added", "Capex", "Mix"], [])
            return answer
        outcome = evaluate_plan(project, problem, best, purchase_month=month)
        self.buy_outcome = outcome
        self.buy_summary.setText(
            f"Engine run of the best mix: NPV {format_money(outcome.npv_usd)}, payback "
            f"{_months(outcome.payback_months)} (after tax, against not buying). "
            f"Optimized: NPV added {format_money(best.npv_usd)}, "
            f"capex {format_money(best.capex_usd)} "
            f"of {format_money(problem.budget_usd)}, solved in {best.solve_seconds * 1000:.0f} ms. "
            + free_text
        )
        _fill(
            self.buy_table,
            ["Model", "Site", "Rigs", "NPV per rig", "Capex", "MW"],
            [
                [
                    model,
                    site,
                    f"{count:,}",
                    format_money(float(problem.value_usd[_at(problem, model, site)])),
                    format_money(count * float(problem.price_usd[problem.models.index(model)])),
                    f"{count * problem.load_mw[_at(problem, model, site)]:,.2f}",
                ]
                for model, site, count in best.mix(problem)
            ],
        )
        _fill(
            self.buy_alternatives,
            ["Without", "NPV added", "Capex", "Mix"],
            [
                [
                    f"{plan.excluded[0]} @ {plan.excluded[1]}" if plan.excluded else "",
                    format_money(plan.npv_usd),
                    format_money(plan.capex_usd),
                    "; ".join(f"{c:,} {m} @ {s}" for m, s, c in plan.mix(problem)) or "buy nothing",
                ]
                for plan in answer.alternatives
            ],
        )
        return answer

    # ------------------------------------------------------------------ Monte Carlo
    def mc_settings(self) -> MonteCarloSettings:
        return MonteCarloSettings(
            paths=self.mc_paths.value(),
            seed=self.mc_seed.value(),
            price_volatility=self.mc_fields["price_volatility"].value() / 100.0,
            network_elasticity=self.mc_fields["network_elasticity"].value(),
            network_lag_months=self.mc_lag.value(),
            network_noise=self.mc_fields["network_noise"].value() / 100.0,
            fee_noise=self.mc_fields["fee_noise"].value() / 100.0,
        )

    def run_monte_carlo(self) -> BackgroundTask | None:
        results = self.document.results
        if results is None or (self.mc_task is not None and not self.mc_task.finished):
            return None
        settings = self.mc_settings()
        self.mc_button.setEnabled(False)

        def done(both: tuple[MonteCarloResult, tuple[np.ndarray, np.ndarray, int]]) -> None:
            self.mc_button.setEnabled(True)
            self.mc_row_figures = both[1]
            self.show_monte_carlo(both[0])

        def failed(error: BaseException) -> None:
            self.mc_button.setEnabled(True)
            self.mc_summary.setText(f"Monte Carlo failed: {error}")

        def cancelled() -> None:
            self.mc_button.setEnabled(True)
            self.mc_summary.setText("Monte Carlo cancelled.")

        def job(progress: Any) -> tuple[MonteCarloResult, tuple[np.ndarray, np.ndarray, int]]:
            fleet = run_monte_carlo(results, settings, lambda f: progress(0.6 * f))
            progress(0.6)
            rows = row_payback_probabilities(
                results, settings, progress=lambda f: progress(0.6 + 0.4 * f)
            )
            progress(1.0)
            return fleet, rows

        self.mc_task = BackgroundTask(
            self, f"Monte Carlo: {settings.paths:,} paths…", job, done, failed, cancelled
        )
        return self.mc_task

    def show_monte_carlo(self, result: MonteCarloResult) -> None:
        self.mc_result = result
        months = result.cumulative_percentiles_usd.shape[1]
        x = np.arange(1, months + 1, dtype=float)
        axis = self.fan_plot.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        if self.document.results is not None:
            axis.set_start(self.document.results.inputs.start_month)
        for line, values in zip(self.fan_lines, result.cumulative_percentiles_usd, strict=True):
            line.setData(x, values)
        # The bands P5-P95 and P25-P75, drawn between curves of their own.
        for fill in self.fan_fills:
            self.fan_plot.removeItem(fill)
        bands = result.cumulative_percentiles_usd
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
        # The histogram of the middle 98 % (the tail of a lognormal price runs far).
        low, high = np.percentile(result.npv_usd, [1, 99])
        counts, edges = np.histogram(result.npv_usd, bins=60, range=(low, high))
        self.npv_hist.setData(edges, counts)
        results = self.document.results
        if results is not None and self.mc_row_figures is not None:
            before, within, count = self.mc_row_figures
            _fill(
                self.mc_rows,
                [
                    f"Fleet row ({count:,} paths)",
                    "P(payback before the halving)",
                    "P(payback in the horizon)",
                ],
                [
                    [name, f"{before[r]:.1%}", f"{within[r]:.1%}"]
                    for r, name in enumerate(results.inputs.row_names)
                ],
            )
        p = result.npv_percentiles_usd
        self.mc_summary.setText(
            f"{result.settings.paths:,} paths, seed {result.settings.seed}. "
            f"Payback before the halving: {result.p_payback_before_halving:.1%}; "
            f"within the horizon: {result.p_payback_within_horizon:.1%}. "
            f"NPV P5 {format_money(p[0])}, P50 {format_money(p[2])}, P95 {format_money(p[4])}."
        )
