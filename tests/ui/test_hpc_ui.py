"""The AI/HPC tab: plans edited live, options side by side, charts of the selected site."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from planner.engine.hpc import analyse_conversions, npv_gap_at_multiple
from planner.ui.hpc_panel import headroom_span
from planner.ui.sheet import cell_data


def _results_row(window, site: str) -> dict[str, str]:
    table = window.hpc.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == site:
            return {h: table.item(row, c).text() for c, h in enumerate(headers)}
    raise AssertionError(f"no row for {site}")


SETTLE_MS = 30_000


def _show(qtbot, window):
    """The AI/HPC tab in front, its analysis (off the GUI thread) arrived."""
    window.tabs.setCurrentWidget(window.hpc)
    qtbot.waitUntil(window.hpc.settled, timeout=SETTLE_MS)
    return window.hpc


def test_the_tab_shows_each_site_ranked_and_the_fleet_charts_make_room(qtbot, window) -> None:
    _show(qtbot, window)
    assert not window.charts.isVisible()
    table = window.hpc.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "Pecos, TX",
        "Williston, ND",
    ]
    pecos = _results_row(window, "Pecos, TX")
    assert pecos["Share"] == "50%"
    # Capex at its month's start; the ERCOT site's rows on their strike prices.
    assert pecos["Breakeven rent (USD/kW-month)"] == "$79.02"
    assert pecos["Crossover"] == "2031-11"
    row = [table.item(r, 0).text() for r in range(table.rowCount())].index("Pecos, TX")
    assert "= keep mining" in table.item(row, 2).toolTip()
    assert "Site NPV (Sites tab" in table.item(row, 2).toolTip()
    assert "Data centre's value at the horizon" in table.item(row, 3).toolTip()
    window.tabs.setCurrentIndex(0)
    assert window.charts.isVisible()


def test_editing_a_plan_recomputes_the_comparison_live(qtbot, window) -> None:
    panel = _show(qtbot, window)
    doc = window.document
    model = window.hpc.model
    rent = model.index(0, [c.key for c in model.columns].index("rent_usd_per_kw_month"))
    before = panel.analysis.sites[0].convert_npv_usd
    assert model.setData(rent, "$100")
    doc.flush()
    assert cell_data(rent) == "$100.00"
    # Until the analysis of the edit arrives, the figures say they are stale.
    assert panel.is_stale and not panel.table.isEnabled() and panel.updating.isVisible()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert panel.table.isEnabled() and not panel.updating.isVisible()
    site = next(s for s in panel.analysis.sites if s.site == "Pecos, TX")
    assert site.plan.rent_usd_per_kw_month == 100
    assert site.convert_npv_usd < before
    assert _results_row(window, "Pecos, TX")["Convert NPV"] != ""
    # The whole edit is one undo step, and undo brings the old comparison back.
    doc.undo_stack.undo()
    doc.flush()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert panel.analysis.sites[0].convert_npv_usd == pytest.approx(before)


def test_the_analysis_waits_while_the_tab_is_hidden(qtbot, window) -> None:
    """Edits on another tab run no AI/HPC analysis; showing the tab brings it up to date."""
    panel = _show(qtbot, window)
    started = panel.live.started
    window.tabs.setCurrentIndex(0)
    doc = window.document
    fleet = window.models["fleet"]
    count = fleet.index(0, fleet.column_index("count"))
    for step in range(3):
        assert fleet.setData(count, str(doc.project.fleet[0].count + step + 1))
        doc.flush()
    qtbot.wait(300)  # longer than the analysis' debounce
    assert panel.live.started == started and panel.is_stale
    panel = _show(qtbot, window)
    assert panel.live.started == started + 1
    expected = analyse_conversions(doc.project, doc.results)
    assert [s.convert_npv_usd for s in panel.analysis.sites] == pytest.approx(
        [s.convert_npv_usd for s in expected.sites]
    )


def test_a_refused_plan_cell_says_why(window) -> None:
    model = window.hpc.model
    share = model.index(0, [c.key for c in model.columns].index("share"))
    assert not model.setData(share, "150%")
    assert "must be <= 1" in model.cell_errors[(0, "share")]
    assert window.document.project.conversions[0].share == 0.5


def test_charts_of_the_selected_site(qtbot, window) -> None:
    panel = _show(qtbot, window)
    doc = window.document
    panel.table.selectRow(1)
    assert panel.selected_site == "Williston, ND"
    site = next(s for s in panel.analysis.sites if s.site == "Williston, ND")
    x, y = panel.curves["convert"].getOriginalDataset()
    assert y == pytest.approx(np.cumsum(site.convert))
    assert x[0] == 1.0  # balances at the end of each month
    assert panel.construction.getRegion() == (site.start_index, site.lease_start_index)
    rents, gains = panel.rent_curve.getOriginalDataset()
    assert gains == pytest.approx(site.npv_gap_at_rents(rents))
    assert panel.rent_mark.value() == pytest.approx(site.breakeven_rent_usd_per_kw_month)
    multiples, gains = panel.by_price_data()
    expected = [
        -npv_gap_at_multiple(site.plan, site.context, doc.results.inputs, site.site_index, m)
        for m in multiples
    ]
    assert gains == pytest.approx(expected)
    # At the breakeven multiple the curve crosses zero.
    assert min(gains) < 0 < max(gains)


def test_no_plans_means_an_empty_table(qtbot, window, sample) -> None:
    from planner.ui.document import Change

    assert _show(qtbot, window).table.rowCount() == 2
    window.document.apply(sample.model_copy(update={"conversions": []}), Change("reset"), "none")
    window.document.flush()
    assert window.hpc.settled()
    assert window.hpc.table.rowCount() == 0
    x, _y = window.hpc.curves["keep"].getOriginalDataset()
    assert x is None or len(x) == 0
    assert analyse_conversions(sample, window.document.results).sites  # the sample has plans


def test_reference_deals_are_in_the_tab(window) -> None:
    text = window.hpc.deals.toPlainText()
    assert "Cipher - Fluidstack" in text and "company press release 2024-10-22" in text
    assert "cap rate 7.5 %" in text


def test_the_reference_deals_show_about_signs_not_strikethrough(window) -> None:
    from PySide6.QtGui import QTextCursor

    document = window.hpc.deals.document()
    assert "~500 (Muskogee 70 of 100)" in document.toPlainText()
    cursor = QTextCursor(document)
    struck = []
    while not cursor.atEnd():
        cursor.movePosition(QTextCursor.MoveOperation.NextCharacter)
        if cursor.charFormat().fontStrikeOut():
            struck.append(cursor.position())
    assert struck == []


def test_each_money_column_reads_at_one_scale(qtbot, window) -> None:
    """$275M over $505k was the same column at two scales: both are whole dollars now."""
    from planner.io.display import money_column

    panel = _show(qtbot, window)
    ranked = panel.analysis.ranked()
    for header, field in (
        ("Convert NPV", "convert_npv_usd"),
        ("Keep mining NPV (before tax)", "keep_npv_usd"),
        ("NPV gained by converting", "npv_gain_usd"),
    ):
        shown = [_results_row(window, s.site)[header] for s in ranked]
        assert shown == money_column([getattr(s, field) for s in ranked])
        assert all(text.endswith(tuple("0123456789")) for text in shown)  # no k or M


def test_the_crossover_name_sits_inside_the_plot_above_the_curves(qtbot, window) -> None:
    panel = _show(qtbot, window)
    window.resize(1280, 720)
    panel.table.selectRow(0)  # Pecos, TX: its crossover in the horizon's last months
    qtbot.wait(50)
    panel.cumulative.grab()  # painted: a label's place follows the view as it is drawn
    site = panel.site("Pecos, TX")
    assert site is not None and site.crossover_month >= 0
    view = panel.cumulative.getPlotItem().getViewBox()
    # The view reaches 20 % of the curves' span above their top.
    curves = [np.cumsum(f) for f in (site.keep, site.convert, site.partial)]
    low = min(float(c.min()) for c in curves)
    high = max(float(c.max()) for c in curves)
    assert view.viewRange()[1][1] >= high + 0.2 * (high - low)
    plot_rect = view.sceneBoundingRect().adjusted(-0.01, -0.01, 0.01, 0.01)
    label = panel.crossover.label.sceneBoundingRect()
    assert plot_rect.contains(label)
    # Every curve's top, on screen, is below the name's bottom (scene y grows down).
    top_y = view.mapViewToScene(pg.Point(1.0, high)).y()
    assert label.bottom() < top_y
    # The name on the line's left: the line is in the horizon's right half.
    line_x = view.mapViewToScene(pg.Point(site.crossover_month + 1.0, high)).x()
    assert label.right() <= line_x + 0.5


def test_the_headroom_is_a_fifth_of_the_span_above_the_top() -> None:
    # Curves from -$100 to $400: span $500, the view's data reach $400 + $100 = $500.
    curves = [np.array([-100.0, 0.0]), np.array([50.0, 400.0])]
    assert headroom_span(curves) == [-100.0, 500.0]
    # Flat at $50: a fifth of $50 above.
    assert headroom_span([np.array([50.0, 50.0])]) == [50.0, 60.0]
