"""The board pack's pages: what each page draws in the area its frame leaves.

`BoardPackPages(data, bridge, total).pages()` lists the pages in order, each a title and
a painter; planner/ui/board_pack.py gathers the data, draws the frame (header, title,
page number) round each page and writes the PDF. The drawing itself (text, tables,
charts) is planner/ui/pdf_drawing.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from planner.domain.months import add_months, format_month
from planner.engine import metrics
from planner.engine.montecarlo import PERCENTILES
from planner.io import display
from planner.ui.chart_parts import (
    BLUE,
    GREEN,
    INK,
    PALETTE,
    PURPLE,
    SKY,
    VERMILLION,
    halving_position,
)
from planner.ui.pdf_drawing import (
    CENTRE,
    GREY,
    HEADER_FILL,
    RIGHT,
    STRIPE,
    Band,
    Chart,
    Line,
    draw_chart,
    draw_note,
    draw_table,
    draw_text,
)

if TYPE_CHECKING:
    from planner.ui.board_pack import BridgeLine, PackData

_STATUS_OF_KEY = {status.key: status for status in metrics.PaybackStatus}

SCENARIOS_PER_PAGE = 8
HPC_SITES_PER_PAGE = 5
BRIDGE_KINDS = {
    "row": "fleet row, after tax",
    "site": "site, before tax",
    "company": "company",
    "other": "smaller lines summed",
}
BRIDGE_NOTE = (
    "Lines as in the report's bridge: each fleet row's NPV after its share of the tax, "
    "then each site's demand charges, fixed opex and infrastructure capex and the "
    "corporate G&A, before tax (their tax shields are in the rows' shares)."
)
HPC_NOTES = (
    "Site cash flows before tax, with each site's value at the horizon; sites ranked "
    "by the NPV converting adds (convert NPV - keep NPV).",
    "Crossover: the month converting's cumulative cash overtakes mining's. Breakeven "
    "rent: the rent at which converting adds nothing. Breakeven BTC price multiple: "
    "the multiple of the BTC price path at which mining is worth as much as converting.",
)


@dataclass
class Page:
    title: str
    draw: Callable[[QPainter, QRectF], None]


def _payback_text(status_key: str, months: float | None) -> str:
    return display.payback(_STATUS_OF_KEY[status_key], math.nan if months is None else months)


class BoardPackPages:
    """The pages of one pack. `bridge` and `bridge_total` are the bridge page's lines
    (see board_pack.bridge_lines) and their sum, the fleet NPV."""

    def __init__(self, data: PackData, bridge: Sequence[BridgeLine], bridge_total: float) -> None:
        self.data = data
        self.report = data.report
        self.fleet = data.report["fleet"]
        self.bridge_lines = list(bridge)
        self.bridge_total = bridge_total
        inputs = data.results.inputs
        timeline = inputs.timeline
        self.start = timeline.month_starts[0]
        self.months = inputs.months
        height, when = data.results.next_halving
        self.halving_date = when
        self.halving_height = height
        self.halving_x = halving_position(timeline.month_starts, timeline.days, when)

    def pages(self) -> list[Page]:
        pages = [
            Page("Key figures", self.kpis),
            Page("Fleet NPV bridge: from each fleet row's NPV to the fleet's", self.bridge),
            *self._scenario_pages(),
            Page("Monthly cash flow", self.cash_flow),
            Page("Cumulative free cash flow", self.cumulative),
        ]
        hpc = self.report["hpc"]
        for first in range(0, len(hpc), HPC_SITES_PER_PAGE):
            more = " (continued)" if first else ""
            pages.append(
                Page(
                    f"AI/HPC conversion: keep mining, convert or partial{more}",
                    partial(self.hpc, sites=hpc[first : first + HPC_SITES_PER_PAGE]),
                )
            )
        pages.append(Page("Monte Carlo: the range of cumulative free cash flow", self.fan))
        return pages

    def _halving(self, chart: Chart) -> Chart:
        chart.halving_x = self.halving_x
        chart.halving_label = f"Halving {self.halving_date.isoformat()}"
        return chart

    # -- 1: the key figures ------------------------------------------------------------

    def _kpi_tiles(self) -> list[tuple[str, str, str]]:
        """Each tile's label, value and the note under the value."""
        f = self.fleet
        report = self.report
        status = _STATUS_OF_KEY[f["payback_status"]]
        payback_note = display.payback_note(status, self.months)
        if f["payback_date"]:
            payback_note = f"on {f['payback_date']}"
        end = add_months(self.start, self.months - 1)
        usd_per_btc = display.usd_per_btc
        return [
            (
                "Fleet NPV",
                display.money(f["npv_usd"]),
                f"at {display.percent(report['discount_rate_per_year'])} a year",
            ),
            (
                "IRR",
                display.percent(f["irr_annual"], missing=display.NOT_AVAILABLE),
                "annual, fleet free cash flow",
            ),
            ("Payback", _payback_text(f["payback_status"], f["payback_months"]), payback_note),
            (
                "BTC mined",
                f"{f['btc_mined']:,.2f} BTC",
                f"{f['hashrate_ph']:,.0f} PH/s, {f['rigs']:,} rigs",
            ),
            ("Cash cost per BTC", usd_per_btc(f["cost_per_btc_cash_usd"]), "power + opex"),
            (
                "All-in cost per BTC",
                usd_per_btc(f["cost_per_btc_all_in_usd"]),
                "+ depreciation and G&A",
            ),
            (
                "Net cost per BTC",
                usd_per_btc(f["cost_per_btc_net_usd"]),
                "cash cost net of curtailment credits",
            ),
            ("Energy cost per BTC", usd_per_btc(f["cost_per_btc_energy_usd"]), "power only"),
            (
                "Next halving",
                f["next_halving_date"],
                f"block {f['next_halving_height']:,} (estimated date)",
            ),
            (
                "Scenario",
                str(report["scenario"]),
                f"{len(self.data.scenarios)} scenarios in the project",
            ),
            ("Horizon", f"{self.months} months", f"{report['start_month']} to {format_month(end)}"),
            ("Capex", display.money(f["capex_usd"]), f"revenue {display.money(f['revenue_usd'])}"),
        ]

    def kpis(self, p: QPainter, area: QRectF) -> None:
        """Twelve tiles, four a row, and the report's warnings under them."""
        columns, gap = 4, 12.0
        width = (area.width() - gap * (columns - 1)) / columns
        warnings = self.report["warnings"]
        height = 82.0 if warnings else min(120.0, (area.height() - 2 * gap) / 3)
        for i, (label, value, note) in enumerate(self._kpi_tiles()):
            x = area.left() + (i % columns) * (width + gap)
            y = area.top() + (i // columns) * (height + gap)
            _tile(p, QRectF(x, y, width, height), label, value, note)
        y = area.top() + 3 * (height + gap) + 8
        if warnings:
            _warnings(p, QRectF(area.left(), y, area.width(), area.bottom() - y), warnings)

    # -- 2: the bridge -----------------------------------------------------------------

    def bridge(self, p: QPainter, area: QRectF) -> None:
        """The bridge as a table of lines beside a waterfall of the running total."""
        lines, total = self.bridge_lines, self.bridge_total
        rows = [
            *((line.label, BRIDGE_KINDS.get(line.kind, line.kind), line.npv_usd) for line in lines),
            ("Fleet NPV", "the sum of the lines", total),
        ]
        table = _BridgeTable(area, min(24.0, (area.height() - 40) / (len(rows) + 1)), len(rows))
        table.header(p)
        running = np.cumsum([0.0] + [line.npv_usd for line in lines])
        table.scale(float(running.min()), float(running.max()), total)
        for i, (label, kind, value) in enumerate(rows):
            last = i == len(rows) - 1
            if last:  # the total, from zero
                span, colour = (0.0, total), QColor(BLUE)
            else:
                span = (float(running[i]), float(running[i + 1]))
                colour = QColor(GREEN if value >= 0 else VERMILLION)
            table.row(p, i, (label, kind, value), span, colour, last)
        y = table.axis(p)
        note = BRIDGE_NOTE
        if any(line.kind == "other" for line in lines):
            # the other line sums the rest: the lines before it are the largest
            note += f" The {len(lines) - 1} largest lines are shown; the rest are summed."
        draw_note(p, QRectF(area.left(), y, area.width(), area.bottom() - y), [note])

    # -- 3: scenarios ------------------------------------------------------------------

    def _scenario_pages(self) -> list[Page]:
        scenarios = self.data.scenarios
        pages = []
        for first in range(0, len(scenarios), SCENARIOS_PER_PAGE):
            more = " (continued)" if first else ""
            chunk = scenarios[first : first + SCENARIOS_PER_PAGE]
            pages.append(
                Page(
                    f"Scenarios side by side{more}",
                    partial(self.scenarios, chunk=chunk, first=first),
                )
            )
        return pages

    def scenarios(self, p: QPainter, area: QRectF, chunk: list[dict[str, Any]], first: int) -> None:
        """A table of the scenarios' figures and a chart of their cumulative cash."""
        active = self.report["scenario"]
        headers = [
            "Scenario",
            "Fleet NPV",
            "IRR",
            "Payback",
            "BTC mined",
            "Cash $/BTC",
            "All-in $/BTC",
            "Capex",
            "Revenue",
            "ROI",
        ]
        widths = [170.0, 76, 62, 78, 78, 78, 78, 72, 72, 60]
        scale = area.width() / sum(widths)
        widths = [w * scale for w in widths]
        rows = display.uniform_money_columns(
            [_scenario_row(s, active) for s in chunk], compact=True
        )
        bold = [i for i, s in enumerate(chunk) if s["name"] == active]
        y = draw_table(p, area.left(), area.top(), widths, headers, rows, 20.0, bold_rows=bold)
        chart_area = QRectF(area.left(), y + 18, area.width(), area.bottom() - y - 18)
        if chart_area.height() < 150:
            return
        x = np.arange(self.months + 1, dtype=float)
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        for i, s in enumerate(chunk):
            colour = PALETTE[(first + i) % len(PALETTE)]
            style = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)[
                ((first + i) // len(PALETTE)) % 3
            ]
            chart.lines.append(
                Line(
                    s["name"],
                    x,
                    np.concatenate([[0.0], s["cumulative_fcf_usd"]]),
                    colour,
                    2.4 if s["name"] == active else 1.6,
                    style,
                )
            )
        draw_chart(p, chart_area, self._halving(chart))

    # -- 4: the monthly charts ---------------------------------------------------------

    def cash_flow(self, p: QPainter, area: QRectF) -> None:
        fleet = self.data.results.fleet
        x = np.arange(self.months, dtype=float) + 0.5
        bar_colour = QColor(86, 180, 233, 150)
        chart = Chart(self.start, self.months, "USD per month")
        chart.bars = (x, fleet.free_cash_flow_usd[0], bar_colour, "Free cash flow")
        chart.lines = [
            Line("Revenue", x, fleet.revenue_usd[0], BLUE, 2.0),
            Line("Power cost", x, fleet.power_cost_usd[0], VERMILLION, 1.8),
            Line("Opex", x, fleet.opex_usd[0], PURPLE, 1.6, Qt.PenStyle.DashLine),
        ]
        draw_chart(p, area, self._halving(chart))

    def cumulative(self, p: QPainter, area: QRectF) -> None:
        fleet = self.data.results.fleet
        x = np.arange(self.months + 1, dtype=float)
        y = np.concatenate([[0.0], np.cumsum(fleet.free_cash_flow_usd[0])])
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        chart.lines = [Line("Cumulative FCF", x, y, BLUE, 2.4)]
        kpis = self.data.results.fleet_kpis
        at = float(kpis.payback_at_month[0])
        if int(kpis.payback_status[0]) == metrics.PAID_BACK and math.isfinite(at):
            chart.points.append(
                (at, 0.0, f"Payback {self.fleet['payback_date'] or display.months(at)}")
            )
        draw_chart(p, area, self._halving(chart))

    # -- 5: AI/HPC ---------------------------------------------------------------------

    def hpc(self, p: QPainter, area: QRectF, sites: list[dict[str, Any]]) -> None:
        """One column per site (ranked by the NPV converting adds), one row per figure."""
        label_w = 200.0
        column_w = min(130.0, (area.width() - label_w) / max(len(sites), 1))
        widths = [label_w] + [column_w] * len(sites)
        rows = [[label] + [show(h) for h in sites] for label, show in _HPC_FIGURES]
        headers = ["Site"] + [h["site"] for h in sites]
        y = draw_table(p, area.left(), area.top(), widths, headers, rows, 20.0, bold_rows=[5])
        draw_note(p, QRectF(area.left(), y + 12, area.width(), area.bottom() - y - 12), HPC_NOTES)

    # -- 6: Monte Carlo ----------------------------------------------------------------

    def fan(self, p: QPainter, area: QRectF) -> None:
        """The run's summary, its NPV percentiles and the fan of cumulative cash."""
        mc = self.data.monte_carlo
        s = mc.settings
        npv = dict(zip(PERCENTILES, mc.npv_percentiles_usd.tolist(), strict=True))
        summary = (
            f"{s.paths:,} paths (seed {s.seed}), BTC price volatility "
            f"{display.percent(s.price_volatility)} a year.  "
            f"Payback before the halving: {display.percent(mc.p_payback_before_halving)} of paths; "
            f"within the horizon: {display.percent(mc.p_payback_within_horizon)}."
        )
        npvs = "Fleet NPV:  " + "   ".join(f"P{q} {display.money(npv[q])}" for q in PERCENTILES)
        draw_text(p, QRectF(area.left(), area.top(), area.width(), 16), summary, 9)
        draw_text(p, QRectF(area.left(), area.top() + 18, area.width(), 16), npvs, 9, True)
        x = np.arange(self.months + 1, dtype=float)
        curves = {
            q: np.concatenate([[0.0], mc.cumulative_percentiles_usd[i]])
            for i, q in enumerate(PERCENTILES)
        }
        chart = Chart(self.start, self.months, "Cumulative free cash flow (USD)")
        chart.bands = [
            Band("P5 to P95", x, curves[5], curves[95], QColor(86, 180, 233, 60)),
            Band("P25 to P75", x, curves[25], curves[75], QColor(0, 114, 178, 90)),
        ]
        for q in PERCENTILES:
            median = q == 50
            chart.lines.append(
                Line(
                    "P50 (median)" if median else "",
                    x,
                    curves[q],
                    BLUE if median else ("#3C8DC4" if q in (25, 75) else SKY),
                    2.4 if median else 0.9,
                    end_label=f"P{q} {display.money(float(curves[q][-1]))}",
                )
            )
        draw_chart(
            p,
            QRectF(area.left(), area.top() + 44, area.width(), area.height() - 44),
            self._halving(chart),
            right_gutter=110,
        )


# ------------------------------------------------------------------ the key figures' parts


def _tile(p: QPainter, tile: QRectF, label: str, value: str, note: str) -> None:
    """A key figure: a shaded tile with a blue edge, its label, value (red when
    negative) and note."""
    x, y, width, height = tile.x(), tile.y(), tile.width(), tile.height()
    p.fillRect(tile, QColor(STRIPE))
    p.fillRect(QRectF(x, y, 3, height), QColor(BLUE))
    draw_text(p, QRectF(x + 12, y + 8, width - 20, 16), label, 9, colour=GREY)
    negative = value.startswith("-")
    draw_text(
        p,
        QRectF(x + 12, y + height / 2 - 15, width - 20, 30),
        value,
        18,
        True,
        VERMILLION if negative else INK,
    )
    draw_text(p, QRectF(x + 12, y + height - 24, width - 20, 16), note, 8, colour=GREY)


def _warnings(p: QPainter, rect: QRectF, warnings: Sequence[str]) -> None:
    """The warnings as a list, as many as fit and then how many more there are."""
    y = rect.top()
    draw_text(p, QRectF(rect.left(), y, rect.width(), 16), "Warnings", 10, True)
    y += 18
    room = int((rect.bottom() - y) // 14)
    shown = warnings if len(warnings) <= room else warnings[: max(room - 1, 0)]
    for warning in shown:
        draw_text(p, QRectF(rect.left() + 8, y, rect.width() - 8, 14), f"- {warning}", 8.5)
        y += 14
    if len(shown) < len(warnings):
        draw_text(
            p,
            QRectF(rect.left() + 8, y, rect.width() - 8, 14),
            f"... and {len(warnings) - len(shown)} more (see the report)",
            8.5,
            colour=GREY,
        )


# ------------------------------------------------------------------ the bridge's parts


class _BridgeTable:
    """The bridge page's layout: label, kind and NPV columns, then the waterfall's bars
    to their right on a money scale from `scale`."""

    LABEL_W, KIND_W, VALUE_W = 230.0, 130.0, 80.0

    def __init__(self, area: QRectF, row_height: float, rows: int) -> None:
        self.area = area
        self.row_height = row_height
        self.x0 = area.left()
        columns = self.x0 + self.LABEL_W + self.KIND_W + self.VALUE_W + 16
        self.bars = QRectF(
            columns, area.top() + row_height, area.right() - columns, row_height * rows
        )
        self.low, self.high = 0.0, 1.0

    def scale(self, running_min: float, running_max: float, total: float) -> None:
        """The bars' money range: zero, every running total and the total, padded."""
        low = min(0.0, running_min, total)
        high = max(0.0, running_max, total)
        if high - low < 1.0:
            high = low + 1.0
        pad = 0.04 * (high - low)
        self.low, self.high = low - pad, high + pad

    def bx(self, v: float) -> float:
        return self.bars.left() + (v - self.low) / (self.high - self.low) * self.bars.width()

    def header(self, p: QPainter) -> None:
        x0, y, h = self.x0, self.area.top(), self.row_height
        label_w, kind_w, value_w = self.LABEL_W, self.KIND_W, self.VALUE_W
        p.fillRect(QRectF(x0, y, self.area.width(), h), QColor(HEADER_FILL))
        draw_text(p, QRectF(x0 + 4, y, label_w, h), "Line", 8.5, True)
        draw_text(p, QRectF(x0 + label_w + 4, y, kind_w, h), "What", 8.5, True)
        draw_text(p, QRectF(x0 + label_w + kind_w, y, value_w, h), "NPV", 8.5, True, align=RIGHT)
        draw_text(
            p,
            QRectF(self.bars.left(), y, self.bars.width(), h),
            "Running total (USD): green adds, red takes away",
            8.5,
            True,
            align=CENTRE,
        )

    def row(
        self,
        p: QPainter,
        i: int,
        cells: tuple[str, str, float],
        span: tuple[float, float],
        colour: QColor,
        bold: bool,
    ) -> None:
        """Row `i` (from 0 under the header): its cells and its bar over `span`."""
        label, kind, value = cells
        x0, h = self.x0, self.row_height
        label_w, kind_w, value_w = self.LABEL_W, self.KIND_W, self.VALUE_W
        y = self.area.top() + (i + 1) * h
        if i % 2:
            p.fillRect(QRectF(x0, y, self.area.width(), h), QColor(STRIPE))
        draw_text(p, QRectF(x0 + 4, y, label_w - 8, h), label, 8.5, bold)
        draw_text(p, QRectF(x0 + label_w + 4, y, kind_w - 8, h), kind, 8, colour=GREY)
        draw_text(
            p,
            QRectF(x0 + label_w + kind_w, y, value_w, h),
            display.money(value),
            8.5,
            bold,
            VERMILLION if value < 0 else INK,
            RIGHT,
        )
        left, right = sorted((self.bx(span[0]), self.bx(span[1])))
        p.fillRect(QRectF(left, y + h * 0.2, max(right - left, 0.8), h * 0.6), colour)

    def axis(self, p: QPainter) -> float:
        """The zero line through the bars and its label; returns the y under them."""
        bars = self.bars
        p.setPen(QPen(QColor("#888888"), 0.75))
        p.drawLine(QPointF(self.bx(0.0), bars.top()), QPointF(self.bx(0.0), bars.bottom()))
        draw_text(
            p,
            QRectF(self.bx(0.0) - 20, bars.bottom() + 2, 40, 12),
            "$0",
            8,
            colour=GREY,
            align=CENTRE,
            elide=False,
        )
        return bars.bottom() + 18


# ------------------------------------------------------------------ the scenarios' and AI/HPC rows


def _scenario_row(s: dict[str, Any], active: str) -> list[str]:
    return [
        f"{s['name']} (this pack)" if s["name"] == active else s["name"],
        display.money(s["npv_usd"]),
        display.percent(s["irr_annual"], missing=display.NOT_AVAILABLE),
        _payback_text(s["payback_status"], s["payback_months"]),
        f"{s['btc_mined']:,.1f}",
        display.money(s["cost_per_btc_cash_usd"], compact=False),
        display.money(s["cost_per_btc_all_in_usd"], compact=False),
        display.money(s["capex_usd"]),
        display.money(s["revenue_usd"]),
        display.percent(s["roi"]),
    ]


def _rent(h: dict[str, Any]) -> str:
    value = h["breakeven_rent_usd_per_kw_month"]
    return display.NOT_AVAILABLE if value is None else f"${value:,.2f}/kW-mo"


def _multiple(h: dict[str, Any]) -> str:
    value = h["breakeven_btc_price_multiple"]
    return display.NOT_AVAILABLE if value is None else f"{value:.2f}x"


_HPC_FIGURES: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("Share converted, IT MW", lambda h: f"{h['share']:.0%}, {h['it_mw']:,.1f} MW"),
    ("Conversion starts", lambda h: h["start_month"]),
    ("Keep mining: NPV", lambda h: display.money(h["keep_npv_usd"])),
    ("Convert: NPV", lambda h: display.money(h["convert_npv_usd"])),
    ("Partial: NPV", lambda h: display.money(h["partial_npv_usd"])),
    ("NPV gained by converting", lambda h: display.money(h["npv_gain_usd"])),
    ("Keep mining: IRR", lambda h: display.percent(h["keep_irr_annual"], display.NOT_AVAILABLE)),
    ("Convert: IRR", lambda h: display.percent(h["convert_irr_annual"], display.NOT_AVAILABLE)),
    (
        "Convert: payback",
        lambda h: _payback_text(h["convert_payback_status"], h["convert_payback_months"]),
    ),
    ("Crossover month", lambda h: h["crossover_month"] or "never"),
    ("Breakeven rent", _rent),
    ("Breakeven BTC price multiple", _multiple),
    ("Peak funding", lambda h: display.money(h["peak_funding_usd"])),
]


__all__ = ["BoardPackPages", "Page"]
