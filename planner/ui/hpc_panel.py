"""The AI/HPC tab: conversion plans per site, the options side by side, and their charts.

Top: the plans, edited like every other table. Middle: keep mining, convert and partial
for each site, ranked by the NPV converting adds. Bottom, for the site selected in the
middle table: cumulative cash of each option (construction shaded, crossover marked), and
the NPV that converting adds against the rent and against a multiple of the BTC price.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from planner.domain.months import format_month
from planner.engine import Results
from planner.engine.hpc import (
    ConversionAnalysis,
    SiteConversion,
    analyse_conversions,
    npv_gap_at_multiple,
)
from planner.io import display
from planner.io.resources import resource_path
from planner.ui.chart_menu import (
    ChartMenu,
    ChartTable,
    EmptyNote,
    fit_limits,
    month_table,
    xy_table,
)
from planner.ui.chart_parts import (
    BLUE,
    GREEN,
    INK,
    ORANGE,
    VERMILLION,
    MoneyAxis,
    MonthAxis,
    curve_data,
    pen,
)
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower
from planner.ui.sheet import SheetView
from planner.ui.table_model import SectionModel
from planner.ui.tasks import LiveTask

RESULT_HEADERS = (
    "Site",
    "Share",
    "Keep mining NPV (before tax)",
    "Convert NPV",
    "Partial NPV",
    "NPV gained by converting",
    "Keep IRR",
    "Convert IRR",
    "Convert payback",
    "Crossover",
    "Breakeven rent (USD/kW-month)",
    "Breakeven BTC price (x path)",
    "Peak funding",
)
RENT_POINTS = 41
MULTIPLE_POINTS = 17
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NO_PLAN = "Add a conversion plan in the table above to compare keep mining with converting."
RENT = "Rent (USD per kW of IT a month)"
MULTIPLE = "Multiple of the scenario's BTC price path"
GAIN = "NPV gained by converting (USD)"
# The cumulative chart's view reaches HEADROOM of the curves' span above their top; the
# crossover's name hangs from LABEL_AT of the view's height, in that band.
HEADROOM = 0.2
LABEL_AT = 0.985


def _deals_text() -> str:
    """The public AI/HPC deals the defaults come from (resources/hpc_deals.md)."""
    path = resource_path("hpc_deals.md")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return f"The reference table could not be read: {path}: {error.strerror or error}"
    # "~" means "about" in the table; Markdown would read a pair of them as strikethrough.
    text = text.replace("~", "\\~")
    return (
        text + "\n\nPlan defaults: PUE 1.3, $9M per MW of IT over 12 months, $150 per kW-month "
        "with a 3 % escalator, 15-year lease, 85 % NOI margin, mining site $400k per MW, "
        "cap rate 7.5 % (an assumption: no deal above states one; overwrite it)."
    )


class HpcPanel(QWidget):
    """Plans, results and charts of the AI/HPC conversion analysis."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.analysis: ConversionAnalysis | None = None
        self.selected_site: str | None = None
        self.sheet = SheetView()
        self.model = SectionModel(document, "conversions")
        self.sheet.setModel(self.model)
        self.sheet.apply_widths()

        self._build_table()
        self._build_cumulative()
        self._build_sensitivities()
        self._lay_out()
        # The analysis runs off the GUI thread, only while the tab is on screen; the
        # results it is of, asked for and shown.
        self.live = LiveTask(self, self._analysed, self._analysis_failed)
        self._asked: Results | None = None
        self._shown: Results | None = None
        self.follower = ResultsFollower(document, self, self._results_changed)
        self.follower.behind = document.results is not None  # analysed when first shown

    def _build_table(self) -> None:
        """The options side by side, one row a site."""
        self.table = QTableWidget(0, len(RESULT_HEADERS))
        self.table.setHorizontalHeaderLabels(list(RESULT_HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.note = QLabel(
            "Site cash flows before tax. Convert: the whole site; partial: the plan's share. "
            "Select a site for its charts."
        )
        self.note.setWordWrap(True)

    def _build_cumulative(self) -> None:
        """Each option's cumulative cash flow, the construction period and the crossover."""
        self.cumulative = pg.PlotWidget(
            axisItems={"bottom": MonthAxis(), "left": MoneyAxis()}, background="w"
        )
        self.cumulative.setTitle("Cumulative cash flow of each option")
        self.cumulative.addLegend(offset=(10, 10))
        self.cumulative.showGrid(x=True, y=True, alpha=0.15)
        self.curves = {
            "keep": self.cumulative.plot([], [], pen=pen(BLUE), name="Keep mining"),
            "convert": self.cumulative.plot([], [], pen=pen(ORANGE), name="Convert"),
            "partial": self.cumulative.plot(
                [], [], pen=pen(GREEN, style=Qt.PenStyle.DashLine), name="Partial"
            ),
        }
        self.construction = pg.LinearRegionItem(
            values=(0, 0), movable=False, brush=pg.mkBrush(QColor(230, 159, 0, 40))
        )
        self.cumulative.addItem(self.construction)
        self.crossover = pg.InfiniteLine(
            angle=90,
            pen=pen(VERMILLION, 1.5, Qt.PenStyle.DashLine),
            label="crossover",
            labelOpts={"position": LABEL_AT, "color": VERMILLION},
        )
        self.cumulative.addItem(self.crossover)
        # Draws nothing: spans the curves' range and HEADROOM above it, so the view (and
        # its limits) leave the crossover's name a band clear of the curves at the top.
        self.headroom = self.cumulative.plot([], [], pen=pg.mkPen(0, 0, 0, 0))

    def _build_sensitivities(self) -> None:
        """NPV gained by converting against the rent and against the BTC price."""
        self.by_rent = pg.PlotWidget(axisItems={"left": MoneyAxis()}, background="w")
        self.by_rent.setTitle("NPV gained by converting, by rent")
        self.by_rent.setLabel("bottom", RENT)
        self.by_rent.showGrid(x=True, y=True, alpha=0.15)
        self.rent_curve = self.by_rent.plot([], [], pen=pen(ORANGE))
        self.rent_mark = pg.InfiniteLine(
            angle=90,
            pen=pen(INK, 1, Qt.PenStyle.DotLine),
            label="breakeven",
            labelOpts={"position": 0.9},
        )
        self.by_rent.addItem(self.rent_mark)
        self.by_rent.addItem(pg.InfiniteLine(angle=0, pen=pen(INK, 1)))

        self.by_price = pg.PlotWidget(axisItems={"left": MoneyAxis()}, background="w")
        self.by_price.setTitle("NPV gained by converting, by BTC price")
        self.by_price.setLabel("bottom", MULTIPLE)
        self.by_price.setLogMode(x=True, y=False)
        self.by_price.showGrid(x=True, y=True, alpha=0.15)
        self.price_curve = self.by_price.plot([], [], pen=pen(BLUE), symbol="o", symbolSize=4)
        self.price_mark = pg.InfiniteLine(
            angle=90,
            pen=pen(INK, 1, Qt.PenStyle.DotLine),
            label="breakeven",
            labelOpts={"position": 0.9},
        )
        self.by_price.addItem(self.price_mark)
        self.by_price.addItem(pg.InfiniteLine(angle=0, pen=pen(INK, 1)))
        self._month_starts: tuple[date, ...] = ()
        self.menus = {
            "cumulative": ChartMenu(self.cumulative, self.cumulative_table, "hpc_cumulative"),
            "by_rent": ChartMenu(
                self.by_rent,
                lambda: xy_table((RENT, GAIN), *curve_data(self.rent_curve)),
                "hpc_by_rent",
            ),
            "by_price": ChartMenu(
                self.by_price,
                lambda: xy_table((MULTIPLE, GAIN), *curve_data(self.price_curve)),
                "hpc_by_btc_price",
            ),
        }
        self.notes = {
            key: EmptyNote(plot, NO_PLAN)
            for key, plot in (
                ("cumulative", self.cumulative),
                ("by_rent", self.by_rent),
                ("by_price", self.by_price),
            )
        }
        for note in self.notes.values():
            note.set_empty(True)

    def cumulative_table(self) -> ChartTable:
        """Each option's cumulative cash by month (the chart's Copy data)."""
        names = {"keep": "Keep mining", "convert": "Convert", "partial": "Partial"}
        series = {
            f"{names[key]} cumulative cash": curve_data(curve) for key, curve in self.curves.items()
        }
        return month_table(series, self._month_starts, "USD")

    def _lay_out(self) -> None:
        """Plans on top, the options in the middle, the charts and reference deals below."""
        self.charts = QTabWidget()
        self.charts.addTab(self.cumulative, "Cumulative cash")
        self.charts.addTab(self.by_rent, "Sensitivity to rent")
        self.charts.addTab(self.by_price, "Sensitivity to BTC price")
        self.deals = QTextBrowser()
        self.deals.setOpenExternalLinks(False)
        self.deals.setMarkdown(_deals_text())
        self.charts.addTab(self.deals, "Reference deals")

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        self.updating = QLabel("Updating…")
        self.updating.setStyleSheet("color: #666666;")
        self.updating.hide()
        heading = QHBoxLayout()
        heading.addWidget(self.note, 1)
        heading.addWidget(self.updating)
        middle_layout.addLayout(heading)
        middle_layout.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.sheet)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.charts)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    # ------------------------------------------------------------------ following the results
    def _results_changed(self, results: Results, delay: bool = True) -> None:
        """Analyse the plans against new results in a worker: after a short debounce while
        the tab is on screen, at once when it was just shown."""
        project = self.document.results_project
        if project is None:
            return
        if not project.conversions:
            self.live.drop()
            self._asked = self._shown = results
            self.show_analysis(None)
            self._show_state()
            return
        self._asked = results
        self.live.request(
            lambda _check: analyse_conversions(project, results),
            delay=delay and not self.follower.catching_up,
        )
        self._show_state()

    def _analysed(self, analysis: ConversionAnalysis) -> None:
        self._shown = self._asked
        self.show_analysis(analysis)
        self._show_state()

    def _analysis_failed(self, error: BaseException) -> None:
        self.updating.setText(f"Update failed: {error}")
        self.updating.show()

    @property
    def is_stale(self) -> bool:
        """The figures shown are not of the document's newest results."""
        return self._shown is not self.document.results

    def settled(self) -> bool:
        """The figures are current and no analysis is waiting or running."""
        return not self.is_stale and not self.live.pending

    def _show_state(self) -> None:
        """Greys the options and charts, and says Updating…, while they are stale."""
        stale = self.is_stale
        self.table.setEnabled(not stale)
        self.charts.setEnabled(not stale)
        self.updating.setText("Updating…")
        self.updating.setVisible(stale)

    def show_analysis(self, analysis: ConversionAnalysis | None) -> None:
        self.analysis = analysis
        ranked = analysis.ranked() if analysis is not None else []
        results = self._shown
        self.table.blockSignals(True)
        self.table.setRowCount(len(ranked))
        rows = [self._analysis_cells(site, results) for site in ranked]
        for row, (site, cells) in enumerate(
            zip(ranked, display.uniform_money_columns(rows), strict=True)
        ):
            tips = _npv_tips(site, results)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(RIGHT)
                if column in tips:
                    item.setToolTip(tips[column])
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        names = [s.site for s in ranked]
        if names:
            wanted = self.selected_site if self.selected_site in names else names[0]
            self.table.selectRow(names.index(wanted))
            self.select_site(wanted)
        else:
            self.select_site(None)

    @staticmethod
    def _analysis_cells(site: SiteConversion, results: Results | None) -> list[str]:
        """One site's row of the comparison: money in whole dollars, one scale a column."""
        payback = display.payback(int(site.payback.status[1]), float(site.payback.months[1]))
        crossover = (
            format_month(results.inputs.timeline.month_starts[site.crossover_month])
            if results is not None and site.crossover_month >= 0
            else "never"
        )
        rent = site.breakeven_rent_usd_per_kw_month
        multiple = site.breakeven_btc_price_multiple
        return [
            site.site,
            f"{site.plan.share * 100:.0f}%",
            display.money(site.keep_npv_usd),
            display.money(site.convert_npv_usd),
            display.money(site.partial_npv_usd),
            display.money(site.npv_gain_usd),
            display.percent(float(site.irr_annual[0])),
            display.percent(float(site.irr_annual[1])),
            payback,
            crossover,
            display.NOT_AVAILABLE if not math.isfinite(rent) else f"${rent:,.2f}",
            display.NOT_AVAILABLE if not math.isfinite(multiple) else f"{multiple:,.2f}x",
            display.money(site.peak_funding_usd),
        ]

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            item = self.table.item(rows[0].row(), 0)
            if item is not None:
                self.select_site(item.text())

    def site(self, name: str | None) -> SiteConversion | None:
        if self.analysis is None or name is None:
            return None
        return next((s for s in self.analysis.sites if s.site == name), None)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.select_site(self.selected_site)

    def select_site(self, name: str | None) -> None:
        """Draw the charts of one site's options (empty when there is none). Hidden, only
        remember the site: the price sensitivity reruns the engine, so it waits until the
        tab is shown."""
        self.selected_site = name
        if not self.isVisible():
            return
        site = self.site(name)
        results = self._shown  # the results the analysis on screen is of
        if site is None or results is None:
            for curve in (*self.curves.values(), self.headroom, self.rent_curve, self.price_curve):
                curve.setData([], [])
            self.crossover.hide()
            self.construction.hide()
            self.rent_mark.hide()
            self.price_mark.hide()
            self._fit_charts(empty=True)
            return
        self._draw_cumulative(site, results)
        self._draw_by_rent(site)
        self._draw_by_price(site, results)
        self._fit_charts(empty=False)

    def _fit_charts(self, empty: bool) -> None:
        """Limit each chart's view to its data; say what to do over them while empty."""
        for plot in (self.cumulative, self.by_rent, self.by_price):
            fit_limits(plot.getPlotItem())
        text = NO_PLAN if self.analysis is None or not self.analysis.sites else None
        for note in self.notes.values():
            note.set_empty(empty, text or "Select a site in the table above for its charts.")

    def _draw_cumulative(self, site: SiteConversion, results: Results) -> None:
        axis = self.cumulative.getAxis("bottom")
        assert isinstance(axis, MonthAxis)
        axis.set_start(results.inputs.start_month)
        self._month_starts = tuple(results.inputs.timeline.month_starts)
        months = site.keep.size
        x = np.arange(1, months + 1, dtype=float)  # balances at each month's end
        for key, flows in (
            ("keep", site.keep),
            ("convert", site.convert),
            ("partial", site.partial),
        ):
            self.curves[key].setData(x, np.cumsum(flows))
        self.headroom.setData(
            [x[0], x[0]],
            headroom_span([np.cumsum(f) for f in (site.keep, site.convert, site.partial)]),
        )
        self.construction.setRegion((site.start_index, site.lease_start_index))
        self.construction.show()
        if site.crossover_month >= 0:
            at = site.crossover_month + 1
            # The name on the side of the line with more of the horizon: inside the plot.
            anchor = (1.0, 0.0) if at > (months + 1) / 2 else (0.0, 0.0)
            self.crossover.label.anchors = [anchor, anchor]
            self.crossover.setValue(at)
            self.crossover.label.updatePosition()
            self.crossover.show()
        else:
            self.crossover.hide()

    def _draw_by_rent(self, site: SiteConversion) -> None:
        base_usd = site.plan.rent_usd_per_kw_month
        rents_usd = np.linspace(0.0, max(2.0 * base_usd, 50.0), RENT_POINTS)
        self.rent_curve.setData(rents_usd, site.npv_gap_at_rents(rents_usd))
        rent_usd = site.breakeven_rent_usd_per_kw_month
        self.rent_mark.setVisible(math.isfinite(rent_usd))
        if math.isfinite(rent_usd):
            self.rent_mark.setValue(rent_usd)

    def _draw_by_price(self, site: SiteConversion, results: Results) -> None:
        multiple = site.breakeven_btc_price_multiple
        # From a quarter to four times the path, widened to show the breakeven.
        low, high = 0.25, 4.0
        if math.isfinite(multiple):
            low, high = min(low, multiple / 1.5), max(high, multiple * 1.5)
        multiples = np.geomspace(low, high, MULTIPLE_POINTS)
        if site.response is not None:  # one pass over the site's kept flows, no reruns
            gains_usd = site.npv_gain_at_multiples(multiples)
        else:
            gains_usd = np.array(
                [
                    -npv_gap_at_multiple(
                        site.plan, site.context, results.inputs, site.site_index, m
                    )
                    for m in multiples
                ]
            )
        self.price_curve.setData(multiples, gains_usd)
        self.price_mark.setVisible(math.isfinite(multiple))
        if math.isfinite(multiple):
            self.price_mark.setValue(math.log10(multiple))

    def by_price_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The BTC-price sensitivity curve: (multiples, NPV gained by converting)."""
        x, y = self.price_curve.getOriginalDataset()
        if x is None or y is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)


def headroom_span(curves_usd: list[np.ndarray]) -> list[float]:
    """The lowest value of `curves_usd` and their highest raised by HEADROOM of the span
    between (by HEADROOM of the value itself when all are equal)."""
    low_usd = min(float(np.min(c)) for c in curves_usd)
    high_usd = max(float(np.max(c)) for c in curves_usd)
    span_usd = high_usd - low_usd if high_usd > low_usd else max(abs(high_usd), 1.0)
    return [low_usd, high_usd + HEADROOM * span_usd]


def _npv_tips(site: SiteConversion, results: Results | None) -> dict[int, str]:
    """Tooltips of the keep and convert NPV cells: the lines that reconcile keep mining
    with the site's NPV on the Sites tab, and the convert case's operations and value."""
    tips = {
        3: "\n".join(
            (
                f"Operations: {display.money(site.convert_operations_npv_usd, compact=False)}",
                "Data centre's value at the horizon: "
                + display.money(site.convert_value_at_horizon_npv_usd, compact=False),
            )
        )
    }
    if results is not None:
        lines = site.keep_reconciliation(results)
        tips[2] = "\n".join(
            [f"{label}: {display.money(value, compact=False)}" for label, value in lines]
            + [f"= keep mining: {display.money(site.keep_npv_usd, compact=False)}"]
        )
    return tips
