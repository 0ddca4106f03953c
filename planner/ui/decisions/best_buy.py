"""Decisions > Best buy: the rigs of the ticked candidate models to buy for the ticked
sites within a capex budget, solved when asked. The page shows and reads the typed cells;
best_buy_inputs turns them into the problem's inputs (and names what it refuses)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import format_month
from planner.domain.project import Project
from planner.engine.best_buy_inputs import (
    BUDGET,
    CANDIDATE_COLUMNS,
    CANDIDATES,
    PURCHASE_MONTH,
    SITE_COLUMNS,
    SITES,
    BuyInputs,
    CandidateRow,
    candidate_rows,
    parse_buy_inputs,
    settings_of,
    typed_of,
)
from planner.engine.optimize import (
    BuyAnswer,
    BuyProblem,
    PlanOutcome,
    best_buy,
    build_problem,
    evaluate_plan,
    free_mw,
    mix_rows,
)
from planner.io import display
from planner.ui.decisions.results_table import ResultTable
from planner.ui.document import Change, ProjectDocument
from planner.ui.follow import ResultsFollower

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
PLAN_HEADERS = ("Model", "Site", "Rigs", "NPV per rig", "Capex", "MW")
ALTERNATIVE_HEADERS = ("Without", "NPV added", "Capex", "Mix")
PROMPT = "Tick candidate models, type their quoted prices, set the budget and the month."


def plan_rows(problem: BuyProblem, mix: list[tuple[str, str, int]]) -> list[list[str]]:
    """The best mix as table lines: what each (model, site) pair buys and adds."""
    rows = []
    for model, site, count in mix:
        m, s = problem.models.index(model), problem.sites.index(site)
        rows.append(
            [
                model,
                site,
                f"{count:,}",
                display.money(float(problem.value_usd[m, s])),
                display.money(count * float(problem.price_usd[m])),
                f"{count * problem.load_mw[m, s]:,.2f}",
            ]
        )
    return rows


def alternative_rows(answer: BuyAnswer) -> list[list[str]]:
    """The next best plans, each with one pair of the best mix left out."""
    return [
        [
            f"{plan.excluded[0]} @ {plan.excluded[1]}" if plan.excluded else "",
            display.money(plan.npv_usd),
            display.money(plan.capex_usd),
            "; ".join(f"{c:,} {m} @ {s}" for m, s, c in plan.mix(answer.problem)) or "buy nothing",
        ]
        for plan in answer.alternatives
    ]


def summary_text(answer: BuyAnswer, outcome: PlanOutcome | None) -> str:
    """What the solve found: the engine run of the best mix against not buying (None: the
    best buy is none), the optimiser's figures, and each site's free MW."""
    problem, best = answer.problem, answer.best
    free_text = "Free MW per site: " + ", ".join(
        f"{s} {mw:,.2f}" for s, mw in zip(problem.sites, problem.free_mw, strict=True)
    )
    if outcome is None:
        return (
            "No candidate adds value at its price at any site: the best buy is none. " + free_text
        )
    return (
        f"Buying this mix adds {display.money(outcome.npv_usd)} to the fleet's NPV "
        f"(after tax: the fleet run with the rigs and without them), and pays back in "
        f"{display.months(outcome.payback_months)}. Capex "
        f"{display.money(best.capex_usd)} of {display.money(problem.budget_usd)}. " + free_text
    )


def summary_tip(answer: BuyAnswer) -> str:
    """How the mix was chosen: the optimizer's own figure (each rig's marginal NPV added
    up), which the engine run above refines."""
    best = answer.best
    return (
        f"Chosen by an integer program (HiGHS, {best.solve_seconds * 1000:,.0f} ms) maximizing "
        f"the sum of each rig's marginal NPV: {display.money(best.npv_usd)}. The figure "
        "shown runs the whole mix through the engine, so the rigs' shared tax counts."
    )


def _choice_table(headers: tuple[str, ...]) -> QTableWidget:
    """An input table: tick boxes in the first column, values typed in the others."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
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


def _cell(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item of a cell; every cell of these tables gets one when its row is made."""
    item = table.item(row, column)
    assert item is not None
    return item


def _figure(text: str, editable: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(RIGHT)
    if not editable:
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class BestBuyPage(QWidget):
    """Candidates, sites, budget and month on the left; the best mix and the next best."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.answer: BuyAnswer | None = None
        self._month: date | None = None  # the purchase month of the latest solve
        self.outcome: PlanOutcome | None = None
        self._build_inputs()
        self.plan_table = ResultTable()
        self.alternatives = ResultTable()
        self.summary = QLabel(PROMPT)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QWidget()
        form = QVBoxLayout(left)
        form.addWidget(QLabel(CANDIDATES))
        form.addWidget(self.candidates, 3)
        form.addWidget(QLabel(SITES))
        form.addWidget(self.sites, 1)
        fields = QFormLayout()
        fields.addRow(BUDGET, self.budget)
        fields.addRow(PURCHASE_MONTH, self.month)
        form.addLayout(fields)
        form.addWidget(self.button)
        form.addWidget(self.add_button)
        right = QWidget()
        inner = QVBoxLayout(right)
        inner.addWidget(self.summary)
        inner.addWidget(self.plan_table)
        inner.addWidget(QLabel("Next best (one pair of the best mix left out)"))
        inner.addWidget(self.alternatives)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)
        # The candidates and the free MW follow new results while the page is on screen.
        self.follower = ResultsFollower(document, self, self._results_changed)

    def _build_inputs(self) -> None:
        self.candidates = _choice_table(CANDIDATE_COLUMNS)
        self.candidates.setToolTip(
            "Tick the models to consider. Unit price: the quote per rig (the catalog's "
            "reference price until typed over). Max rigs: what the supplier can deliver, "
            "blank for no limit."
        )
        self.sites = _choice_table(SITE_COLUMNS)
        self.sites.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sites.setToolTip(
            "Free MW: capacity less the most the site's rigs draw in any month (cooling "
            "included). Untick a site to leave it out."
        )
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0, 1e10)
        self.budget.setDecimals(0)
        self.budget.setSingleStep(1_000_000)
        self.budget.setPrefix("$")
        self.budget.setValue(10_000_000)
        self.budget.setGroupSeparatorShown(True)
        self.month = QLineEdit()
        self.month.setPlaceholderText("start of the horizon")
        self.month.setToolTip("The month the rigs are bought (YYYY-MM).")
        self.button = QPushButton("Find the best buy")
        self.button.clicked.connect(self.solve)
        self.add_button = QPushButton("Add to fleet")
        self.add_button.setToolTip("Insert the best mix as fleet rows, one undo step")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_to_fleet)

    # ---- the typed inputs
    def typed_rows(self) -> list[CandidateRow]:
        """The candidate table as typed."""
        rows = []
        for r in range(self.candidates.rowCount()):
            first = _cell(self.candidates, r, 0)
            rows.append(
                CandidateRow(
                    first.data(Qt.ItemDataRole.UserRole),
                    float(_cell(self.candidates, r, 1).data(Qt.ItemDataRole.UserRole)),
                    _ticked(first),
                    _cell(self.candidates, r, 2).text(),
                    _cell(self.candidates, r, 3).text(),
                )
            )
        return rows

    def ticked_sites(self) -> list[str]:
        return [
            _cell(self.sites, r, 0).text()
            for r in range(self.sites.rowCount())
            if _ticked(_cell(self.sites, r, 0))
        ]

    def buy_inputs(self) -> BuyInputs:
        """What the optimiser is asked. Raises ValueError naming the cell and the problem."""
        results = self.document.results
        horizon = None
        if results is not None:
            starts = results.inputs.timeline.month_starts
            horizon = (starts[0], starts[-1])
        return parse_buy_inputs(
            self.typed_rows(), self.ticked_sites(), self.budget.value(), self.month.text(), horizon
        )

    def _results_changed(self, _results: Any) -> None:
        """The catalog and the sites' free MW follow the project; what was ticked and typed
        stays. The first fill takes what the project saved when last solved."""
        project = self.document.results_project or self.document.project
        if self.candidates.rowCount() == 0:  # the saved inputs: the newest project's
            typed, unticked = self._saved(self.document.project)
        else:
            typed = {row.model: row for row in self.typed_rows()}
            unticked = {
                _cell(self.sites, r, 0).text()
                for r in range(self.sites.rowCount())
                if not _ticked(_cell(self.sites, r, 0))
            }
        rows = candidate_rows(project.catalog, typed)
        self.candidates.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = _tick_box(row.model, row.ticked)
            name.setData(Qt.ItemDataRole.UserRole, row.model)
            efficiency = _figure(f"{row.efficiency_j_per_th:,.1f}", editable=False)
            efficiency.setData(Qt.ItemDataRole.UserRole, row.efficiency_j_per_th)
            self.candidates.setItem(r, 0, name)
            self.candidates.setItem(r, 1, efficiency)
            self.candidates.setItem(r, 2, _figure(row.price_text, editable=True))
            self.candidates.setItem(r, 3, _figure(row.max_rigs_text, editable=True))
        free = free_mw(project, self.document.results)
        self.sites.setRowCount(len(project.sites))
        for r, site in enumerate(project.sites):
            self.sites.setItem(r, 0, _tick_box(site.name, site.name not in unticked))
            self.sites.setItem(r, 1, _figure(f"{free[site.name]:,.2f}", editable=False))

    def _saved(self, project: Project) -> tuple[dict[str, CandidateRow], set[str]]:
        """The candidates and unticked sites the project saved; its budget and month set."""
        saved = project.best_buy
        if not saved.candidates:
            return {}, set()
        self.budget.setValue(saved.budget_usd)
        self.month.setText(
            "" if saved.purchase_month is None else format_month(saved.purchase_month)
        )
        names = {s.name for s in project.sites}
        unticked = names - set(saved.sites) if saved.sites else set()
        return typed_of(saved, project.catalog), unticked

    def _save(self, inputs: BuyInputs) -> None:
        """Keep what was asked in the project (saved with it; one undo step)."""
        project = self.document.project
        settings = settings_of(inputs, [s.name for s in project.sites])
        if settings != project.best_buy:
            after = project.model_copy(update={"best_buy": settings})
            self.document.apply(after, Change("cells", "best_buy"), "Best buy inputs")

    def add_to_fleet(self) -> int:
        """Insert the best mix as fleet rows (one undo step); the number of rows added."""
        if self.answer is None:
            return 0
        project = self.document.project
        rows = mix_rows(project, self.answer.problem, self.answer.best, self._month)
        if not rows:
            return 0
        after = project.model_copy(update={"fleet": [*project.fleet, *rows]})
        self.document.apply(
            after, Change("reset", "fleet"), f"Add the best buy ({len(rows):,} rows)"
        )
        self.add_button.setEnabled(False)  # added once; solve again for another
        return len(rows)

    # ---- solving
    def solve(self) -> BuyAnswer | None:
        """Solve for the typed inputs and show the best mix, or say what is wrong."""
        project = self.document.project
        try:
            inputs = self.buy_inputs()
        except ValueError as error:
            self.answer = None
            self.outcome = None
            self.summary.setText(str(error))
            self.summary.setStyleSheet("color: #b00020;")
            return None
        self.summary.setStyleSheet("")
        self._save(inputs)
        month = inputs.purchase_month
        problem = build_problem(
            project,
            list(inputs.candidates),
            inputs.budget_usd,
            purchase_month=month,
            sites=list(inputs.sites),
        )
        answer = best_buy(problem)
        mix = answer.best.mix(problem)
        self.answer = answer
        self.outcome = (
            evaluate_plan(project, problem, answer.best, purchase_month=month) if mix else None
        )
        self.summary.setText(summary_text(answer, self.outcome))
        self.summary.setToolTip(summary_tip(answer) if mix else "")
        self._month = month
        self.add_button.setEnabled(bool(mix))
        self.plan_table.show_rows(PLAN_HEADERS, plan_rows(problem, mix), text_columns=(0, 1))
        self.alternatives.show_rows(
            ALTERNATIVE_HEADERS, alternative_rows(answer) if mix else [], text_columns=(0, 3)
        )
        return answer
