"""The Treasury tab's fan of cash across the Monte Carlo paths (the latest run of
Decisions > Monte Carlo, started from either place), stale once the project changes, the
hover readout of the tab's charts, and the one fan chart all three fans are drawn with."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from planner.domain.months import format_month
from planner.engine.montecarlo import PERCENTILES
from planner.ui.chart_menu import table_text
from planner.ui.charts import HINT
from planner.ui.document import Change
from planner.ui.fan_chart import FanChart
from planner.ui.treasury_charts import CHART_KEYS, FAN, NO_RUN
from planner.ui.treasury_tab import NOT_RUN_YET, RUNNING

MONTH = 23  # 2028-11 on the sample (it starts 2026-12)


@pytest.fixture
def tab(window):
    window.tabs.setCurrentWidget(window.treasury)
    window.document.flush()
    charts = window.treasury.charts
    charts.tabs.setCurrentIndex(CHART_KEYS.index(FAN))
    return window.treasury


def _run_from_the_tab(qtbot, window, tab, paths: int):
    page = window.decisions.monte_carlo
    page.paths.setValue(paths)
    qtbot.mouseClick(tab.charts.run_button, Qt.MouseButton.LeftButton)
    task = page.task
    assert task is not None
    if not task.finished:  # the run is the page's: the tab waits for it
        assert tab.charts.fan_status.text() == RUNNING
        assert not tab.charts.run_button.isEnabled() and not page.button.isEnabled()
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    return page


def test_before_a_run_the_fan_says_so_and_offers_the_run(window, tab) -> None:
    charts = tab.charts
    page = window.decisions.monte_carlo
    assert charts.tabs.tabText(CHART_KEYS.index(FAN)) == "Monte Carlo cash"
    assert charts.fan.note.isVisibleTo(charts) and charts.fan.note.text() == NO_RUN
    # The line above says what a run would take: the page's settings (10,000 paths).
    assert charts.fan_status.text() == NOT_RUN_YET.format(paths=10_000, seed=page.seed.value())
    assert "10,000 paths" in charts.fan_status.text()
    page.paths.setValue(2_500)
    assert "2,500 paths" in charts.fan_status.text()
    assert charts.run_button.text() == "Run Monte Carlo" and charts.run_button.isEnabled()
    assert charts.table(FAN).rows == []
    assert charts.series(FAN) == {}


def test_the_tabs_fan_is_the_runs_percentiles(qtbot, window, tab) -> None:
    page = _run_from_the_tab(qtbot, window, tab, 400)
    run = page.latest
    assert run is not None and run.project is window.document.project
    assert page.result is run.result  # the page shows the same run
    treasury = run.result.treasury
    assert treasury is not None and treasury.paths == 400
    fan = tab.charts.series(FAN)
    for q, values in zip(PERCENTILES, treasury.cash_percentiles_usd, strict=True):
        x, y = fan[f"P{q} cash"]
        np.testing.assert_array_equal(y, values)
        assert x[MONTH] == MONTH + 1  # month-end balances at t + 1
        # Worked from the paths themselves: the q-th percentile of month 23's ending cash.
        assert y[MONTH] == pytest.approx(np.percentile(treasury.cash_end_usd[:, MONTH], q))
    assert set(fan["Minimum cash buffer"][1]) == {5_000_000}  # the sample's buffer
    assert not tab.charts.fan.note.isVisibleTo(tab.charts)
    # Named at the curves' ends as on the Monte Carlo page.
    assert [t.toPlainText() for t in tab.charts.fan.labels] == ["P5", "P25", "P50", "P75", "P95"]
    assert all(t.isVisible() for t in tab.charts.fan.labels)
    lines = table_text(tab.charts.table(FAN)).splitlines()
    assert lines[0].split("\t") == [
        "Month",
        *(f"P{q} cash (USD)" for q in PERCENTILES),
        "Minimum cash buffer (USD)",
    ]
    row = lines[1 + MONTH].split("\t")
    assert row[0] == "2028-11"
    assert float(row[3]) == treasury.cash_percentiles_usd[2, MONTH]
    status = tab.charts.fan_status.text()
    assert status.startswith(f"400 paths, seed {page.seed.value()}. Cash below the $5.00M buffer")
    assert f"{treasury.p_cash_shortfall_within_horizon:.1%} within the horizon" in status
    assert tab.charts.run_button.isEnabled()


def test_an_edit_makes_the_run_stale_and_its_undo_fresh_again(qtbot, window, tab) -> None:
    page = _run_from_the_tab(qtbot, window, tab, 300)
    fresh = tab.charts.fan_status.text()
    project = window.document.project
    settings = project.treasury.model_copy(update={"min_cash_usd": 6_000_000})
    window.document.apply(project.model_copy(update={"treasury": settings}), Change("reset"), "x")
    status = tab.charts.fan_status.text()
    assert status.startswith("Stale: the project changed since this run (300 paths")
    assert "Run Monte Carlo again" in status
    # The fan of the run stays, its buffer the run's ($5M, not the new $6M).
    assert set(tab.charts.series(FAN)["Minimum cash buffer"][1]) == {5_000_000}
    assert tab.charts.run_button.isEnabled()
    window.document.undo_stack.undo()  # the very project the run was of
    assert tab.charts.fan_status.text() == fresh
    assert page.latest is not None and page.latest.project is window.document.project


def test_a_cancelled_run_leaves_no_fan(qtbot, window, tab) -> None:
    page = _run_from_the_tab(qtbot, window, tab, 300)
    page.paths.setValue(50_000)
    task = tab.run_monte_carlo()
    assert task is not None
    task.cancel()
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    assert page.latest is None
    assert tab.charts.fan.note.isVisibleTo(tab.charts) and tab.charts.fan.note.text() == NO_RUN
    assert tab.charts.series(FAN) == {}
    assert "50,000 paths" in tab.charts.fan_status.text()


def test_the_readout_gives_a_months_values_with_units(window, tab) -> None:
    charts = tab.charts
    treasury = window.document.treasury
    month = format_month(window.document.results.inputs.timeline.month_starts[MONTH])
    assert month == "2028-11"
    charts.tabs.setCurrentIndex(CHART_KEYS.index("cash"))
    QApplication.processEvents()  # the chart laid out in its tab
    assert charts.readout.text() == HINT
    # The mouse over x = 23.6 (inside month 23, whose end is drawn at x = 24).
    view = charts.plots["cash"].getPlotItem().getViewBox()
    y = float(np.mean(view.viewRange()[1]))
    charts.plots["cash"].scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(23.6, y)))
    assert charts.hover_month == MONTH
    cash_usd = float(treasury.cash_end_usd[0, MONTH])
    millions = cash_usd / 1e6
    # money_short: three significant digits ("$28.1M"); the buffer $5,000,000 is "$5.00M".
    cash_text = f"${millions:.1f}M" if 10 <= millions < 100 else f"${millions:.2f}M"
    assert charts.readout.text() == (
        f"2028-11  ·  Cash at month end {cash_text}  ·  Minimum cash buffer $5.00M"
    )
    charts.tabs.setCurrentIndex(CHART_KEYS.index("btc"))
    held = float(treasury.btc_held_end[0, MONTH])
    pledged = float(treasury.btc_pledged_end[0, MONTH])
    assert charts.readout.text() == (
        f"2028-11  ·  BTC held {held:,.2f} BTC  ·  of which pledged {pledged:,.2f} BTC"
    )
    charts.tabs.setCurrentIndex(CHART_KEYS.index("ltv"))
    loan = next(i for i in treasury.instruments if i.type == "btc_loan")
    text = charts.readout.text()
    assert np.isnan(loan.ltv[0, MONTH])  # the loan is repaid by then: no LTV
    assert f"{loan.name} LTV n/a" in text
    assert f"{loan.name} margin call 75.0%  ·  {loan.name} liquidation 85.0%" in text
    charts.show_month(0)
    # 20,000,000 USD lent on 500 BTC pledged at the first month's price, in %.
    price_usd = float(treasury.btc_price_usd[0, 0])
    assert charts.readout.text().startswith(
        f"2026-12  ·  {loan.name} LTV {100 * 20_000_000 / (500 * price_usd):,.1f}%  ·  "
    )
    charts.show_month(None)
    assert charts.readout.text() == HINT


def test_the_fan_readout_gives_the_percentiles(qtbot, window, tab) -> None:
    page = _run_from_the_tab(qtbot, window, tab, 300)
    tab.charts.show_month(MONTH)
    fan = page.latest.result.treasury.cash_percentiles_usd[:, MONTH]
    parts = tab.charts.readout.text().split("  ·  ")
    assert parts[0] == "2028-11" and parts[-1] == "buffer $5.00M"
    assert [p.split(" ")[0] for p in parts[1:-1]] == ["P5", "P25", "P50", "P75", "P95"]
    for part, usd in zip(parts[1:-1], fan.tolist(), strict=True):
        shown = part.split(" ")[1]  # "$76.2M": within 0.5 % of the figure
        scale = {"k": 1e3, "M": 1e6, "B": 1e9}.get(shown[-1], 1.0)
        number = float(shown.strip("$kMB").replace(",", "")) * scale
        assert number == pytest.approx(usd, rel=5e-3)


def test_the_three_fans_are_one_chart(window, tab) -> None:
    page = window.decisions.monte_carlo
    fans = (page.fan, page.treasury.fan, tab.charts.fan)
    assert all(isinstance(fan, FanChart) for fan in fans)
    assert page.fan_plot is page.fan and page.treasury.fan_plot is page.treasury.fan
    legends = [[label.text for _s, label in f.getPlotItem().legend.items] for f in fans]
    assert legends[0] == ["P5–P95 (90 % of paths)", "P25–P75 (half of the paths)", "P50 (median)"]
    cash = ["P5–P95 of cash", "P25–P75 of cash", "P50 (median)", "Minimum cash buffer"]
    assert legends[1] == legends[2] == cash
    assert [fan.menu.name for fan in fans] == [
        "monte_carlo_fan",
        "monte_carlo_cash",
        "treasury_monte_carlo",
    ]


def test_a_fan_refuses_percentiles_of_the_wrong_shape(qtbot) -> None:
    fan = FanChart("USD", "cash", ("a", "b"), "test_fan", "empty")
    qtbot.addWidget(fan)
    with pytest.raises(ValueError, match="percentiles must be 5 rows"):
        fan.show_fan(np.zeros((3, 12)), ())


def _shown_whole(label, text: str | None = None) -> bool:
    """Whether `text` (the label's own by default) fits its box: on its lines, broken at
    the separators, and those lines within its height (an ElidedLabel cuts the rest)."""
    text = label.text() if text is None else text
    box = label.contentsRect()
    lines = label.lines_needed(text, box.width())
    return lines <= label.lines and lines * label.fontMetrics().lineSpacing() <= box.height()


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)])
def test_the_whole_readout_is_shown_at_common_window_sizes(qtbot, window, tab, size) -> None:
    _run_from_the_tab(qtbot, window, tab, 300)
    window.resize(*size)
    charts = tab.charts
    qtbot.waitUntil(lambda: charts.width() < size[0] * 0.6, timeout=5_000)  # laid out
    QApplication.processEvents()
    assert charts.readout.text() == HINT and _shown_whole(charts.readout)
    texts = charts.month_texts(FAN)
    assert len(texts) == 60
    charts.show_month(len(texts) - 1)
    QApplication.processEvents()
    assert charts.readout.text() == texts[-1] and _shown_whole(charts.readout)
    # Every chart's every month fits where the readout is: the tab row's corner, or its
    # own line under the charts when the tab row is too narrow for the widest of them.
    for key in CHART_KEYS:
        assert all(_shown_whole(charts.readout, t) for t in charts.month_texts(key))
    in_corner = charts.readout.parentWidget() is charts.corner
    assert in_corner is charts.readout_fits_corner()
    assert charts.readout_line.isVisible() is not in_corner
