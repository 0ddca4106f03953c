"""The Monthly tab: the line items by month for the fleet, a site or a fleet row (a
chooser), each fiscal year's subtotal and the total, the halving month marked; copy to
Excel with the headers, export to CSV; beside it, each site's answers."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.engine.model import Results
from planner.engine.series import Series
from planner.engine.treasury_result import TreasuryResult
from planner.io import display
from planner.io.display import money, percent
from planner.io.monthly_grid import (
    Entity,
    MonthlyGrid,
    entities,
    monthly_grid,
    row_series,
    to_tsv,
    write_csv,
)
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower

AnyIndex = QModelIndex | QPersistentModelIndex
RIGHT_ALIGNED = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
RIGHT = int(RIGHT_ALIGNED)
NEGATIVE = QBrush(QColor("#a31515"))
SUBTOTAL = QBrush(QColor("#eef2f7"))
HALVING = QBrush(QColor("#fff4ce"))
BOLD = QFont()
BOLD.setBold(True)


def cell_text(kind: str, value: float) -> str:
    """A grid value as the tab shows it (one format per line item)."""
    if not math.isfinite(value):
        return display.NOT_AVAILABLE
    if kind == "usd":
        return money(value)
    if kind == "btc":
        return f"{value:,.4f}"
    if kind == "blocks":
        return f"{value:,.0f}"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"  # USD per PH/s per day: the unit is in the label


class MonthlyModel(QAbstractTableModel):
    """Line items down (their labels in the frozen vertical header), months across."""

    def __init__(self) -> None:
        super().__init__()
        self.grid: MonthlyGrid | None = None

    def set_grid(self, grid: MonthlyGrid | None) -> None:
        self.beginResetModel()
        self.grid = grid
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.grid.lines) if self.grid else 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.grid.columns) if self.grid else 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if self.grid is None:
            return None
        if orientation == Qt.Orientation.Vertical:
            return self.grid.lines[section].label if role == Qt.ItemDataRole.DisplayRole else None
        column = self.grid.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{column.header}\nhalving" if column.halving else column.header
        if role == Qt.ItemDataRole.FontRole and column.kind != "month":
            return BOLD
        if role == Qt.ItemDataRole.ToolTipRole and column.halving:
            return "The next halving falls in this month: the subsidy halves in it"
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.grid is None or not index.isValid():
            return None
        line, column = self.grid.lines[index.row()], self.grid.columns[index.column()]
        value = self.grid.value(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(line.kind, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and value < 0:
            return NEGATIVE
        if role == Qt.ItemDataRole.BackgroundRole:
            if column.kind != "month":
                return SUBTOTAL
            return HALVING if column.halving else None
        if role == Qt.ItemDataRole.FontRole and column.kind != "month":
            return BOLD
        return None


class MonthlyTab(QWidget):
    """The grid with its chooser and buttons, and the sites' answers beside it."""

    def __init__(self, document: ProjectDocument) -> None:
        super().__init__()
        self.document = document
        self.results: Results | None = None
        self.treasury: TreasuryResult | None = None  # the document's, with `results`
        self._rows: tuple[Results, Series] | None = None  # rows' series of those results
        self.entities: list[Entity] = []
        self.ask_csv_path: Callable[[], Path | None] = self._ask_csv_path
        self.chooser = QComboBox()
        self.chooser.setMinimumContentsLength(24)
        self.chooser.currentIndexChanged.connect(self._chosen)
        self.model = MonthlyModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setDefaultSectionSize(104)
        copy_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Copy), self.table)
        copy_shortcut.activated.connect(self.copy)
        self.sites = QTableWidget()
        self._lay_out()
        # Results that come while the tab is hidden are shown when it is: edits elsewhere
        # do not wait for the grid (a row's series need the engine rerun).
        self.follower = ResultsFollower(document, self, self.show_results)
        if document.results is not None:
            self.show_results(document.results)

    def _lay_out(self) -> None:
        copy_button = QPushButton("Copy for Excel")
        copy_button.setToolTip("The selection (or the whole grid) with its headers")
        copy_button.clicked.connect(self.copy)
        csv_button = QPushButton("Export CSV…")
        csv_button.clicked.connect(self.export_csv)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.chooser)
        bar.addStretch(1)
        bar.addWidget(copy_button)
        bar.addWidget(csv_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.sites)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # ------------------------------------------------------------------ showing
    def show_results(self, results: Results) -> None:
        self.results = results
        self.treasury = self.document.treasury
        chosen = self.entities[self.chooser.currentIndex()] if self.entities else None
        self.entities = entities(results)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems([entity.title for entity in self.entities])
        keep = next(
            (i for i, e in enumerate(self.entities) if chosen and e.title == chosen.title), 0
        )
        self.chooser.setCurrentIndex(keep)
        self.chooser.blockSignals(False)
        self._show_grid()
        self._show_sites(results)

    def _chosen(self, _index: int) -> None:
        self._show_grid()

    def _rows_series(self, results: Results) -> Series:
        if self._rows is None or self._rows[0] is not results:
            self._rows = (results, row_series(results))
        return self._rows[1]

    def _show_grid(self) -> None:
        if self.results is None or not self.entities:
            self.model.set_grid(None)
            return
        entity = self.entities[max(self.chooser.currentIndex(), 0)]
        rows = self._rows_series(self.results) if entity.kind == "row" else None
        self.model.set_grid(monthly_grid(self.results, entity, rows, self.treasury))

    def _show_sites(self, results: Results) -> None:
        headers = [
            "Site",
            "NPV",
            "IRR",
            "Payback",
            "Cash cost per BTC",
            "All-in cost per BTC",
            "Peak draw (MW)",
            "Capacity (MW)",
            "Peak use",
        ]
        names = results.inputs.site_names
        self.sites.clear()
        self.sites.setColumnCount(len(headers))
        self.sites.setHorizontalHeaderLabels(headers)
        self.sites.setRowCount(len(names))
        self.sites.verticalHeader().setVisible(False)
        kpis = results.site_kpis
        npv_texts = display.money_column([float(v) for v in kpis.npv_usd[: len(names)]])
        for s, name in enumerate(names):
            load_mw = results.site_load_mw[s]
            peak_mw = float(load_mw.max()) if load_mw.size else 0.0
            capacity_mw = float(results.inputs.site_capacity_mw[s])
            values = [
                name,
                npv_texts[s],
                percent(float(results.site_irr_annual[s])),
                display.payback(int(kpis.payback_status[s]), float(kpis.payback_months[s])),
                display.usd_per_btc(_finite(kpis.cost_per_btc_cash_usd[s])),
                display.usd_per_btc(_finite(kpis.cost_per_btc_all_in_usd[s])),
                f"{peak_mw:,.2f}",
                f"{capacity_mw:,.2f}",
                f"{peak_mw / capacity_mw:,.1%}" if capacity_mw > 0 else display.NOT_AVAILABLE,
            ]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if c:
                    item.setTextAlignment(RIGHT_ALIGNED)
                if c == len(values) - 1 and capacity_mw > 0 and peak_mw > capacity_mw + 1e-9:
                    item.setForeground(NEGATIVE)
                    item.setToolTip("The site's rigs draw more than its capacity")
                self.sites.setItem(s, c, item)
        self.sites.resizeColumnsToContents()

    # ------------------------------------------------------------------ out to Excel
    def selection_table(self) -> list[list[str | float]]:
        """The selected cells (the whole grid when none) with their headers."""
        grid = self.model.grid
        if grid is None:
            return []
        table = grid.table()
        picked = (
            self.table.selectionModel().selectedIndexes() if self.table.selectionModel() else []
        )
        if not picked:
            return table
        rows = sorted({i.row() for i in picked})
        columns = sorted({i.column() for i in picked})
        return [[table[0][0], *(table[0][c + 1] for c in columns)]] + [
            [table[r + 1][0], *(table[r + 1][c + 1] for c in columns)] for r in rows
        ]

    def copy(self) -> None:
        table = self.selection_table()
        if table:
            QGuiApplication.clipboard().setText(to_tsv(table))

    def export_csv(self) -> Path | None:
        grid = self.model.grid
        if grid is None:
            return None
        path = self.ask_csv_path()
        if path is None:
            return None
        try:
            write_csv(grid, path)
        except OSError as error:
            self.document.problem.emit(f"The CSV was not written: {path}: {error.strerror}")
            return None
        return path

    def _ask_csv_path(self) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, "Export the monthly grid", "", "CSV (*.csv)")
        if not name:
            return None
        return Path(name if name.lower().endswith(".csv") else name + ".csv")


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
