"""The board pack: a landscape PDF of the plan for a board, one topic a page.

Pages: the key figures; the bridge from the rows' NPVs to the fleet NPV; the scenarios
side by side; the monthly cash flow; the cumulative free cash flow; the AI/HPC options
(only when the project has plans); the Monte Carlo fan of cumulative free cash flow.
Every page has a header (project, scenario, date) and its page number.

Drawn with QPainter on a QPdfWriter (Qt's own PDF support) at 72 units an inch, so one
unit is one point; figures are written with planner/io/display.py as in the window.
This module gathers the figures (`pack_data`), frames each page and writes the PDF; the
pages are planner/ui/board_pack_pages.py, the drawing planner/ui/pdf_drawing.py.
`write_board_pack` needs no window: it makes a QGuiApplication (offscreen when there is
no display) if the process has none.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMarginsF,
    QPointF,
    QRectF,
)
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from planner.domain.project import Project
from planner.engine import Results, run
from planner.engine.hpc import analyse_conversions
from planner.engine.montecarlo import MonteCarloResult, MonteCarloSettings, run_monte_carlo
from planner.engine.sensitivity import compare_scenarios
from planner.io.project_file import write_atomically
from planner.io.report import build_report, kpi_dict
from planner.ui.board_pack_pages import BoardPackPages, Page
from planner.ui.chart_parts import BLUE
from planner.ui.pdf_drawing import (
    FONT_FAMILY,
    GREY,
    RIGHT,
    RULE,
    STRIPE,
    Band,
    Chart,
    Line,
    draw_chart,
    draw_text,
    text_width,
)

PAPERS = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
MAX_BRIDGE_LINES = 14  # beyond this, the largest lines and the rest summed in one
MARGIN = 36.0


# ------------------------------------------------------------------ the figures


@dataclass(frozen=True)
class BridgeLine:
    label: str
    npv_usd: float
    kind: str  # row, site, company, other (the smaller lines summed)


def bridge_lines(
    bridge: Sequence[dict[str, Any]], max_lines: int = MAX_BRIDGE_LINES
) -> tuple[list[BridgeLine], float]:
    """The report's bridge for a page: every line when there are at most `max_lines`,
    else the largest (by size) in the report's order and the rest summed in one line;
    and the total, the sum of all the lines (the fleet NPV)."""
    lines = [BridgeLine(b["label"], float(b["npv_usd"]), b["kind"]) for b in bridge]
    total = math.fsum(line.npv_usd for line in lines)
    if len(lines) <= max_lines:
        return lines, total
    keep = max_lines - 1
    largest = sorted(range(len(lines)), key=lambda i: -abs(lines[i].npv_usd))[:keep]
    kept = sorted(largest)
    rest = [lines[i] for i in range(len(lines)) if i not in set(kept)]
    other = BridgeLine(
        f"Other {len(rest)} lines", math.fsum(line.npv_usd for line in rest), "other"
    )
    return [lines[i] for i in kept] + [other], total


@dataclass
class PackData:
    """What the pack shows: the report (without its uncertainty sections), every
    scenario's fleet KPIs, the Monte Carlo run and the results they come from."""

    project: Project
    results: Results
    report: dict[str, Any]
    scenarios: list[dict[str, Any]]
    monte_carlo: MonteCarloResult
    today: date = field(default_factory=date.today)


def pack_data(
    project: Project,
    scenario: str | None = None,
    months: int | None = None,
    settings: MonteCarloSettings | None = None,
) -> PackData:
    results = run(project, scenario, months)
    report = build_report(project, results, analyse_conversions(project, results), False)
    scenarios = [
        {
            "name": name,
            **kpi_dict(other, other.fleet_kpis, 0, other.fleet_irr_annual),
            "cumulative_fcf_usd": np.cumsum(other.fleet.free_cash_flow_usd[0]),
        }
        for name, other in compare_scenarios(project, results.inputs.months)
    ]
    mc = run_monte_carlo(results, settings or MonteCarloSettings())
    return PackData(project, results, report, scenarios, mc)


# ------------------------------------------------------------------ the PDF


def _ensure_app() -> None:
    if QCoreApplication.instance() is None:
        if (
            not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY")
            and os.name == "posix"
            and not _is_macos()
        ):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        global _app
        _app = QGuiApplication([])


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


_app: QGuiApplication | None = None


def render_board_pack(data: PackData, paper: str = "A4") -> bytes:
    """The pack as the bytes of a PDF."""
    _ensure_app()
    buffer = QBuffer()
    buffer.setData(QByteArray())
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(72)
    writer.setTitle(f"{data.project.name}: board pack")
    writer.setCreator("Mining planner")
    layout = QPageLayout(
        QPageSize(PAPERS[paper]), QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0)
    )
    writer.setPageLayout(layout)
    size = layout.fullRectPoints()
    width, height = float(size.width()), float(size.height())
    pages = BoardPackPages(data, *bridge_lines(data.report["bridge"])).pages()
    painter = QPainter(writer)
    try:
        for number, page in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            _frame(painter, data, page.title, number, len(pages), width, height)
            area = QRectF(MARGIN, 98, width - 2 * MARGIN, height - 98 - 44)
            painter.save()
            page.draw(painter, area)
            painter.restore()
    finally:
        painter.end()
    buffer.close()
    return bytes(buffer.data().data())


def _frame(
    p: QPainter, data: PackData, title: str, number: int, count: int, width: float, height: float
) -> None:
    """The header (project, scenario, date), the page's title and the footer's page number."""
    report = data.report
    inner = width - 2 * MARGIN
    right = f"Scenario {report['scenario']}  |  {data.today.isoformat()}"
    right_w = text_width(p, right, 9) + 6
    draw_text(p, QRectF(MARGIN, 22, inner - right_w - 12, 20), str(report["project"]), 12, True)
    draw_text(
        p,
        QRectF(width - MARGIN - right_w, 22, right_w, 20),
        right,
        9,
        colour=GREY,
        align=RIGHT,
        elide=False,
    )
    p.setPen(QPen(QColor(BLUE), 1.2))
    p.drawLine(QPointF(MARGIN, 46), QPointF(width - MARGIN, 46))
    draw_text(p, QRectF(MARGIN, 56, inner, 28), title, 16, True)
    p.setPen(QPen(QColor(RULE), 0.75))
    p.drawLine(QPointF(MARGIN, height - 34), QPointF(width - MARGIN, height - 34))
    draw_text(
        p, QRectF(MARGIN, height - 30, inner / 2, 16), "Mining planner board pack", 8, colour=GREY
    )
    draw_text(
        p,
        QRectF(width / 2, height - 30, inner / 2, 16),
        f"Page {number} of {count}",
        8,
        colour=GREY,
        align=RIGHT,
        elide=False,
    )


def write_board_pack(
    project: Project,
    path: Path | str,
    scenario: str | None = None,
    *,
    months: int | None = None,
    settings: MonteCarloSettings | None = None,
    paper: str = "A4",
) -> None:
    """Write the board pack of `project` (its active scenario, or `scenario`) to `path`,
    atomically: the file is whole or untouched. Errors writing it are OSErrors; an unknown
    scenario is a KeyError. `paper` is "A4" or "Letter" (landscape either way)."""
    data = pack_data(project, scenario, months, settings)
    write_atomically(Path(path), render_board_pack(data, paper), keep_backup=False)


__all__ = [
    "FONT_FAMILY",
    "GREY",
    "MARGIN",
    "MAX_BRIDGE_LINES",
    "PAPERS",
    "RULE",
    "STRIPE",
    "Band",
    "BridgeLine",
    "Chart",
    "Line",
    "PackData",
    "Page",
    "bridge_lines",
    "draw_chart",
    "pack_data",
    "render_board_pack",
    "write_board_pack",
]
