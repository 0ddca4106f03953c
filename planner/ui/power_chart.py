"""The price-duration chart: a site's power prices of one month sorted high to low over
the share of the month's hours, as its rigs face them (with an index contract's adder, or
less the resale fee), each rig model's strike (its revenue per kWh: it is off where the
price is above) as a line, and the contract's average price of the month dashed; a key
beside the plot names each line, dearest first as the lines run top to bottom, with its
price (the lines are often a few pixels apart, too close for names on them).

Drawn only while on screen (planner/ui/follow.py) and for the site and month picked; a
month's curve of tens of thousands of 15-minute prices is thinned to evenly spaced points
for drawing (the curve is monotone, so no shape is lost at screen resolution), while
Copy data and Export CSV give every price.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from planner.domain.months import format_month
from planner.engine import Results
from planner.engine.hourly import NO_CURVE
from planner.engine.hourly_view import ModelStrike, PriceDuration, price_duration
from planner.ui.chart_menu import ChartMenu, ChartTable, EmptyNote, fit_limits, write_plot_png
from planner.ui.chart_parts import BLUE, FOREGROUND, GRID_ALPHA, INK, cycled_pen, pen
from planner.ui.document import ProjectDocument
from planner.ui.follow import ResultsFollower, on_screen

MAX_DRAWN_POINTS = 2_000  # a month's curve is drawn through at most this many prices
HINT = "Hover over the curve to read the share of hours at a price and the models off there."
NO_PROFILE = "No price profile for this site: File > Import prices…"
NOT_HOURLY = (
    "This site's contract does not run on the hour's price: an index contract, or a fixed "
    "one that allows resale, does (Power contracts tab)."
)
NO_SITES = "Add a site on the Sites tab, then File > Import prices… gives it hourly prices."
CONTRACT_NAME = "Contract average"
KEY_SHARE = 0.3  # past this share of the chart's width the key names only the models
KEY_COLUMN = 3  # the key's column in the plot's layout, right of the right axis
# The first view's top: the dearer of the month's 90th percentile price and twice the
# highest strike (or the contract's price), so spikes do not flatten the rest.
BODY_QUANTILE = 0.9
STRIKE_HEADROOM = 2.0
Y_TITLE = "Price (USD/MWh)"
X_TITLE = "Share of the month's hours (%)"


def drawn_points(usd_per_mwh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points the curve is drawn through: x the share of hours (%) at which each price
    starts, with the last price held to 100 %; at most MAX_DRAWN_POINTS + 1, evenly
    spaced, the first (dearest) and last (cheapest) always among them."""
    n = usd_per_mwh.size
    if not n:
        return np.zeros(0), np.zeros(0)
    index = np.arange(n)
    if n > MAX_DRAWN_POINTS:
        index = np.unique(np.round(np.linspace(0, n - 1, MAX_DRAWN_POINTS)).astype(np.int64))
    x = np.append(index * (100.0 / n), 100.0)
    y = np.append(usd_per_mwh[index], usd_per_mwh[-1])
    return x, y


def strike_label(strike: ModelStrike) -> str:
    """ "Antminer S21 · 17.5 J/TH · runs 86%": the line's height is its strike."""
    return f"{strike.model} · {strike.j_per_th:,.1f} J/TH · runs {strike.uptime:.0%}"


def key_entries(
    contract_usd_per_mwh: float, strikes: tuple[ModelStrike, ...]
) -> list[tuple[int, float, str]]:
    """The key's entries, dearest first (as the lines run down the plot): (the line's
    index, -1 the contract's and i the i-th strike's; its price; its name)."""
    entries = [(-1, contract_usd_per_mwh, CONTRACT_NAME)]
    entries += [(i, s.strike_usd_per_mwh, strike_label(s)) for i, s in enumerate(strikes)]
    return sorted(entries, key=lambda entry: -entry[1])


def key_html(
    entries: list[tuple[int, float, str]], colours: dict[int, str], short: bool = False
) -> str:
    """The key's text: an entry a line, a sample of its line in its colour (dashed for the
    contract), its price and its name (`short`: the name up to its first " · ")."""
    rows = []
    for index, price, name in entries:
        sample = "╍╍" if index < 0 else "━━"
        shown = name.split(" · ")[0] if short else name
        rows.append(
            f"<span style='color: {colours[index]}'>{sample}</span>&nbsp;"
            f"${price:,.2f}&nbsp;&nbsp;{html.escape(shown)}"
        )
    return "<br>".join(rows)


def hover_text(curve: PriceDuration, share_pct: float) -> str:
    """What the readout says at `share_pct` % of the hours: the price there, and which
    models are off at it."""
    n = curve.usd_per_mwh.size
    i = min(max(int(share_pct / 100.0 * n), 0), n - 1)
    price = float(curve.usd_per_mwh[i])
    off = [
        f"{s.model} (strike ${s.strike_usd_per_mwh:,.2f})"
        for s in curve.strikes
        if s.strike_usd_per_mwh < price
    ]
    shown = ", ".join(off) if off else "none"
    return (
        f"{(i + 1) / n:.1%} of hours at or above ${price:,.2f}/MWh"
        f"  ·  models off at this price: {shown}"
    )


class PowerChart(QWidget):
    """A site picker, a month picker and the price-duration chart of that site-month."""

    def __init__(self, document: ProjectDocument | None = None) -> None:
        super().__init__()
        self.document = document
        self.results: Results | None = None
        self.curve: PriceDuration | None = None
        # The rows' strikes of the latest results, worked out on the first curve drawn.
        self._strikes: tuple[Results, np.ndarray] | None = None
        self.readout_text = HINT
        self._pending = False  # a site or month picked while hidden: drawn when shown
        self.on_readout: Callable[[str], None] = lambda _text: None
        self.site_picker = QComboBox()
        self.site_picker.setToolTip("The site whose prices the chart shows")
        self.month_picker = QComboBox()
        self.month_picker.setToolTip("The month of the horizon (the profile's same month)")
        self.caption = QLabel("")
        self.caption.setStyleSheet(f"color: {FOREGROUND};")
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        row.addWidget(QLabel("Site"))
        row.addWidget(self.site_picker)
        row.addSpacing(12)
        row.addWidget(QLabel("Month"))
        row.addWidget(self.month_picker)
        row.addSpacing(12)
        row.addWidget(self.caption, 1)
        self.key_text = ""  # the key's full text (its tooltip), plain
        self.plot = self._make_plot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        self.menu = ChartMenu(self.plot, self.table, "price_duration", self.export_png)
        self.note = EmptyNote(self.plot, NO_PROFILE)
        self.note.set_empty(True)
        self.site_picker.currentIndexChanged.connect(self._picked)
        self.month_picker.currentIndexChanged.connect(self._picked)
        self.follower = (
            ResultsFollower(document, self, self.show_results) if document is not None else None
        )
        if document is not None:
            document.resultsChanged.connect(self.fill_pickers)
        if document is not None and document.results is not None:
            self.show_results(document.results)

    def _make_plot(self) -> pg.PlotWidget:
        widget = pg.PlotWidget(background="w")
        item = widget.getPlotItem()
        for side, title in (("left", Y_TITLE), ("bottom", X_TITLE)):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(FOREGROUND))
            axis.setTextPen(pg.mkPen(FOREGROUND))
            axis.enableAutoSIPrefix(False)
            item.setLabel(side, title, color=FOREGROUND, **{"font-size": "9pt"})
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.getViewBox().setDefaultPadding(0.02)
        self.prices = pg.PlotDataItem(
            np.zeros(0), np.zeros(0), pen=pen(BLUE, 2.2), antialias=True, name="Price"
        )
        self.prices.setClipToView(True)
        self.prices.setZValue(5)  # over the lines' labels: a label never hides the prices
        item.addItem(self.prices)
        zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False, pen=pen("#777777", 1.0))
        zero.setZValue(-8)
        item.addItem(zero)
        self.contract = pg.InfiniteLine(
            angle=0, movable=False, pen=pen(INK, 1.5, Qt.PenStyle.DashLine)
        )
        self.contract.setVisible(False)
        item.addItem(self.contract)
        # The lines' names beside the plot (in its layout, so an exported PNG has them).
        self.key = pg.LabelItem("", justify="left", color=INK, size="9pt")
        item.layout.addItem(self.key, 2, KEY_COLUMN)
        item.layout.setColumnSpacing(KEY_COLUMN - 1, 8)
        self.strike_lines: list[pg.InfiniteLine] = []
        self.hover = pg.InfiniteLine(angle=90, movable=False, pen=pen("#9a9a9a", 1.0))
        self.hover.setVisible(False)
        self.hover.setZValue(-10)
        item.addItem(self.hover, ignoreBounds=True)
        widget.scene().sigMouseMoved.connect(self._mouse_moved)
        return widget

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A key that fitted in full may not any more: the models' names only."""
        super().resizeEvent(event)
        self._fill_key()

    # -- pickers ----------------------------------------------------------------------

    def show_results(self, results: Results) -> None:
        """Fill the pickers from `results` and draw the picked site-month."""
        self.fill_pickers(results)
        self.draw()

    def fill_pickers(self, results: Results) -> None:
        """The sites and months of `results` in the pickers, keeping the site and month
        picked where they still exist (also while hidden: the Sites table picks a site)."""
        self.results = results
        inputs = results.inputs
        site = self.site_picker.currentText()
        month = self.month_picker.currentText()
        names = list(inputs.site_names)
        months = [format_month(m) for m in inputs.timeline.month_starts]
        for picker, items, keep, first in (
            (self.site_picker, names, site, self._first_hourly_site(results)),
            (self.month_picker, months, month, 0),
        ):
            picker.blockSignals(True)
            if [picker.itemText(i) for i in range(picker.count())] != items:
                picker.clear()
                picker.addItems(items)
                picker.setCurrentIndex(items.index(keep) if keep in items else first)
            picker.blockSignals(False)

    @staticmethod
    def _first_hourly_site(results: Results) -> int:
        """The first site on hourly prices (0 when none is)."""
        hourly = results.inputs.hourly
        if hourly is None:
            return 0
        with_curve = np.flatnonzero((hourly.block != NO_CURVE).any(axis=1))
        return int(with_curve[0]) if with_curve.size else 0

    def _picked(self, _index: int) -> None:
        if self.results is None:
            return
        if on_screen(self):
            self.draw()
        else:
            self._pending = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending:
            self.draw()

    def show_site(self, name: str) -> None:
        """Show site `name` (the site picked in the Sites table), if the chart has it."""
        index = self.site_picker.findText(name)
        if index >= 0:
            self.site_picker.setCurrentIndex(index)

    def pick(self, site: str, month: str) -> None:
        """Show site `site` (its name) in month `month` (YYYY-MM)."""
        for picker, text in ((self.site_picker, site), (self.month_picker, month)):
            index = picker.findText(text)
            if index < 0:
                raise ValueError(f"no {text!r} to pick")
            picker.setCurrentIndex(index)
        self.draw()

    # -- drawing ----------------------------------------------------------------------

    def draw(self) -> None:
        """Draw the picked site-month, or say why there is nothing to draw."""
        self._pending = False
        results = self.results
        site, month = self.site_picker.currentIndex(), self.month_picker.currentIndex()
        curve = None
        hourly = results.inputs.hourly if results is not None else None
        # The rows' strikes are worked out only for a site-month with a curve.
        if (
            results is not None
            and hourly is not None
            and site >= 0
            and month >= 0
            and hourly.block[site, month] != NO_CURVE
        ):
            curve = price_duration(results, site, month, self._row_strikes(results))
        self.curve = curve
        if curve is None:
            self._clear()
            self.note.set_empty(True, self._why_empty(site, month))
            self._say(HINT)
            return
        self.note.set_empty(False)
        x, y = drawn_points(curve.usd_per_mwh)
        self.prices.setData(x, y)
        self.contract.setValue(curve.contract_usd_per_mwh)
        self.contract.setVisible(True)
        self._show_strikes(curve.strikes)
        self._fit_view(curve)
        self._fill_key()
        self.caption.setText(
            f"{curve.usd_per_mwh.size:,} prices as the rigs face them; mean "
            f"${curve.mean_usd_per_mwh:,.2f}/MWh, dearest ${curve.usd_per_mwh[0]:,.2f}/MWh"
        )
        self._say(HINT)

    def _row_strikes(self, results: Results) -> np.ndarray:
        if self._strikes is None or self._strikes[0] is not results:
            self._strikes = (results, results.row_month_strike_usd_per_kwh())
        return self._strikes[1]

    def _show_strikes(self, strikes: tuple[ModelStrike, ...]) -> None:
        """A labelled line per model, created on demand and reused; the surplus hidden."""
        item = self.plot.getPlotItem()
        while len(self.strike_lines) < len(strikes):
            i = len(self.strike_lines)
            line_pen = cycled_pen(i + 1, (Qt.PenStyle.SolidLine,))
            line = pg.InfiniteLine(angle=0, movable=False, pen=line_pen)
            item.addItem(line)
            self.strike_lines.append(line)
        for i, line in enumerate(self.strike_lines):
            if i >= len(strikes):
                line.setVisible(False)
                continue
            line.setValue(strikes[i].strike_usd_per_mwh)
            line.setVisible(True)

    def _fill_key(self) -> None:
        """The key of the lines drawn: in full while it takes at most KEY_SHARE of the
        chart's width, else the models' names only (the tooltip has it in full)."""
        curve = self.curve
        if curve is None:
            self.key_text = ""
            self.key.setText("")
            self.key.setToolTip("")
            return
        entries = key_entries(curve.contract_usd_per_mwh, curve.strikes)
        colours = {-1: INK}
        colours.update({i: line.pen.color().name() for i, line in enumerate(self.strike_lines)})
        self.key_text = "\n".join(f"${price:,.2f}  {name}" for _i, price, name in entries)
        self.key.setToolTip(self.key_text)
        self.key.setText(key_html(entries, colours))
        if self.key.itemRect().width() > KEY_SHARE * max(self.width(), 1):
            self.key.setText(key_html(entries, colours, short=True))

    def _fit_view(self, curve: PriceDuration) -> None:
        """Limits on all the data; the first view leaves out the spikes of the dearest
        hours (Reset zoom shows them) so the strikes and the body of the curve read: its
        top is the 90th percentile price or twice the highest strike, whichever is dearer."""
        plot = self.plot.getPlotItem()
        fit_limits(plot)
        prices = curve.usd_per_mwh
        marks = [s.strike_usd_per_mwh for s in curve.strikes] + [curve.contract_usd_per_mwh]
        body = max(float(np.quantile(prices, BODY_QUANTILE)), STRIKE_HEADROOM * max(marks))
        everything = max(float(prices[0]), *marks)
        low = min(float(prices[-1]), *marks, 0.0)
        top = min(body, everything + 0.03 * (everything - low))
        plot.getViewBox().setRange(xRange=(0.0, 100.0), yRange=(low, top), padding=0.02)

    def _clear(self) -> None:
        self.prices.setData(np.zeros(0), np.zeros(0))
        self.contract.setVisible(False)
        for line in self.strike_lines:
            line.setVisible(False)
        self._fill_key()
        self.caption.setText("")

    def _why_empty(self, site: int, month: int) -> str:
        """Why the picked site-month has no curve, and what to do."""
        results = self.results
        if results is None or site < 0:
            return NO_SITES
        name = results.inputs.site_names[site]
        project = self.document.project if self.document is not None else None
        found = next((s for s in project.sites if s.name == name), None) if project else None
        if found is None or found.price_profile is None:
            return NO_PROFILE
        hourly = results.inputs.hourly
        if hourly is None or not (hourly.block[site] != NO_CURVE).any():
            return NOT_HOURLY
        start = results.inputs.timeline.month_starts[month]
        return (
            f"The site's price profile has no {start:%B} prices: {format_month(start)} runs "
            "as without a profile."
        )

    # -- read back, hover, export -----------------------------------------------------

    def table(self) -> ChartTable:
        """Every price of the curve (not only those drawn), with the contract's average
        and each model's strike as columns."""
        curve = self.curve
        if curve is None:
            return ChartTable(("Share of hours (%)", "Price (USD/MWh)"), [])
        headers = (
            "Share of hours (%)",
            "Price (USD/MWh)",
            "Contract average (USD/MWh)",
            *(f"{s.model} strike (USD/MWh)" for s in curve.strikes),
        )
        fixed = [curve.contract_usd_per_mwh, *(s.strike_usd_per_mwh for s in curve.strikes)]
        share = curve.share_of_hours * 100.0
        rows: list[list[object]] = [
            [float(a), float(b), *fixed]
            for a, b in zip(share.tolist(), curve.usd_per_mwh.tolist(), strict=True)
        ]
        return ChartTable(headers, rows)

    def _mouse_moved(self, pos: QPointF) -> None:
        curve = self.curve
        view = self.plot.getPlotItem().getViewBox()
        if curve is None or not view.sceneBoundingRect().contains(pos):
            self.hover.setVisible(False)
            self._say(HINT)
            return
        x = view.mapSceneToView(pos).x()
        if not 0.0 <= x < 100.0:
            self.hover.setVisible(False)
            self._say(HINT)
            return
        self.hover.setValue(x)
        self.hover.setVisible(True)
        self._say(hover_text(curve, x))

    def _say(self, text: str) -> None:
        self.readout_text = text
        self.on_readout(text)

    def export_png(self, path: str | Path) -> None:
        """Write the chart to a PNG file (laid out first if it was never shown)."""
        if self.follower is not None:
            self.follower.catch_up()
        hidden = None if self.plot.isVisible() else (1000, 600)  # a hidden tab: lay it out
        write_plot_png(self.plot.getPlotItem(), path, hidden)
