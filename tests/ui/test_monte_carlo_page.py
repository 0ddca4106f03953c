"""Decisions > Monte Carlo: the percentiles named on the charts, nothing of a cancelled
run left on screen, the paths cap said, and n/a for rows with nothing to pay back."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.engine.montecarlo import PERCENTILES, row_payback_chances, run_monte_carlo
from planner.io.display import NOT_AVAILABLE
from planner.ui.chart_menu import table_text
from planner.ui.decisions.monte_carlo import (
    CANCELLED,
    MAX_PATHS,
    NOTHING_TO_PAY_BACK,
    PRESS_RUN,
)
from planner.ui.fan_chart import LABEL_GAP_PX, stack_labels


@pytest.fixture
def page(window):
    window.tabs.setCurrentWidget(window.decisions)
    window.decisions.tabs.setCurrentWidget(window.decisions.monte_carlo)
    return window.decisions.monte_carlo


def _run(qtbot, page, paths: int):
    page.paths.setValue(paths)
    task = page.run()
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    return task


def test_the_paths_box_says_its_cap_with_thousands_separators(page) -> None:
    assert page.paths.maximum() == MAX_PATHS == 200_000
    assert page.paths.text() == "10,000"
    assert page.paths_cap.text() == "at most 200,000"
    assert "200,000" in page.paths.toolTip()
    page.paths.setValue(150_000)
    assert page.paths.text() == "150,000"


def test_before_a_run_the_charts_say_press_run(page) -> None:
    for note, plot in ((page.fan_note, page.fan_plot), (page.npv_note, page.npv_plot)):
        assert note.isVisibleTo(page) and note.text() == PRESS_RUN
        assert not plot.getPlotItem().getAxis("left").isVisible()
    assert not page.fan_table().rows


def test_the_percentiles_are_named_on_the_charts(qtbot, page, window) -> None:
    _run(qtbot, page, 400)
    result = page.result
    assert result is not None
    bands = result.cumulative_percentiles_usd
    months = bands.shape[1]
    for q, text, line, values in zip(
        PERCENTILES, page.fan_labels, page.fan_lines, bands, strict=True
    ):
        assert text.toPlainText() == f"P{q}" and text.isVisible()
        assert text.pos().x() == months
        np.testing.assert_array_equal(line.getOriginalDataset()[1], values)
    # The names' rectangles on screen: none touches the next, all inside the plot, once
    # the view has taken the run's range (pyqtgraph ranges a view when it next lays out).
    view = page.fan_plot.getPlotItem().getViewBox()

    def rects() -> list:
        return [text.sceneBoundingRect() for text in page.fan_labels]

    def inside() -> bool:
        frame = view.sceneBoundingRect().adjusted(-0.01, -0.01, 0.01, 0.01)  # rounding
        return all(frame.contains(rect) for rect in rects())

    qtbot.waitUntil(inside, timeout=5_000)
    for lower, upper in itertools.pairwise(rects()):  # P5 lowest
        assert upper.bottom() + LABEL_GAP_PX <= lower.top() + 1e-6
    legend = page.fan_plot.getPlotItem().legend
    assert [label.text for _s, label in legend.items] == [
        "P5–P95 (90 % of paths)",
        "P25–P75 (half of the paths)",
        "P50 (median)",
    ]
    marks = [(m.label.format, m.value()) for m in page.npv_marks]
    p = result.npv_percentiles_usd
    assert marks == [("P5", p[0]), ("P50", p[2]), ("P95", p[4])]
    assert not page.fan_note.isVisibleTo(page)
    fan = table_text(page.fan_table()).splitlines()
    assert fan[0].split("\t") == ["Month"] + [f"P{q} cumulative FCF (USD)" for q in PERCENTILES]
    assert len(fan) == 1 + months
    assert len(page.npv_table().rows) == 60
    assert sum(row[2] for row in page.npv_table().rows) > 0.97 * 400  # the middle 98 %


def test_rows_bought_before_the_horizon_show_n_a_with_the_reason(qtbot, page, window) -> None:
    _run(qtbot, page, 300)
    rows = page.rows.texts()
    chances = page.row_figures
    assert chances is not None
    expected = row_payback_chances(window.document.results, page.settings())
    np.testing.assert_array_equal(chances.within_horizon, expected.within_horizon)
    assert [row[1:] for row in rows[:9]] == [[NOT_AVAILABLE, NOT_AVAILABLE]] * 9
    for r in range(9):
        assert page.rows.tooltip(r, 1) == page.rows.tooltip(r, 2) == NOTHING_TO_PAY_BACK
    for r in (9, 10):  # bought inside the horizon: a chance of paying back
        assert rows[r][1] == f"{chances.before_halving[r]:.1%}"
        assert rows[r][2] == f"{chances.within_horizon[r]:.1%}"
        assert page.rows.tooltip(r, 2) is None


def test_after_cancel_nothing_of_the_previous_run_is_shown(qtbot, page) -> None:
    _run(qtbot, page, 300)
    assert page.result is not None and page.rows.texts()
    page.paths.setValue(50_000)
    task = page.run()
    assert task is not None
    task.cancel()
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    assert page.result is None and page.row_figures is None
    assert page.summary.text() == CANCELLED
    for line in page.fan_lines:
        assert line.getOriginalDataset()[1] is None or not len(line.getOriginalDataset()[1])
    assert page.npv_hist.getOriginalDataset()[1] is None or not len(
        page.npv_hist.getOriginalDataset()[1]
    )
    assert not any(fill.isVisible() for fill in page.fan_fills)
    assert not any(text.isVisible() for text in page.fan_labels)
    assert page.rows.texts() == []
    for note in (page.fan_note, page.npv_note):
        assert note.isVisibleTo(page) and note.text() == CANCELLED
    assert page.button.isEnabled()


def test_a_run_matches_the_engine(qtbot, page, window) -> None:
    _run(qtbot, page, 500)
    expected = run_monte_carlo(window.document.results, page.settings())
    np.testing.assert_array_equal(page.result.npv_usd, expected.npv_usd)


def test_the_treasury_is_shown_beside_the_fleet_when_the_project_has_one(
    qtbot, page, window
) -> None:
    from planner.engine.treasury import treasury_plan

    assert page.treasury.isVisibleTo(page)  # the sample has a treasury
    assert page.treasury.fan_note.text() == page.treasury.chances.text()
    _run(qtbot, page, 400)
    treasury = page.result.treasury
    assert treasury is not None and treasury.paths == 400
    results = window.document.results
    plan = treasury_plan(window.document.project, results.inputs)
    expected = run_monte_carlo(results, page.settings(), treasury=plan).treasury
    np.testing.assert_array_equal(treasury.cash_end_usd, expected.cash_end_usd)
    panel = page.treasury
    text = panel.chances.text()
    assert f"{treasury.p_cash_shortfall_before_halving:.1%} of paths before the halving" in text
    assert f"Margin call on a BTC loan: {treasury.p_margin_call:.1%}" in text
    cash, btc = panel.percentiles.texts()
    assert cash[0] == "Cash" and btc[0] == "BTC held" and len(cash) == 1 + len(PERCENTILES)
    assert [line[0] for line in panel.hedges.texts()] == [h.name for h in plan.hedges]
    assert panel.hedges.header_texts()[3] == "Lift at P5"
    for q, line, values in zip(
        PERCENTILES, panel.fan_lines, treasury.cash_percentiles_usd, strict=True
    ):
        np.testing.assert_allclose(line.getData()[1], values, err_msg=f"P{q}")
    data = table_text(panel.fan_table())
    assert data.splitlines()[0].startswith("Month\tP5 cash (USD)")
    assert "Minimum cash buffer (USD)" in data.splitlines()[0]
    assert not panel.fan_note.isVisibleTo(page)


def test_without_a_treasury_the_panel_is_hidden(qtbot, page, window) -> None:
    from planner.ui.document import Change

    project = window.document.project
    bare = project.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    window.document.apply(bare, Change("reset"), "No treasury")
    _run(qtbot, page, 200)
    assert page.result.treasury is None
    assert not page.treasury.isVisibleTo(page)


def test_percentile_names_stack_up_from_their_ends_and_stay_in_the_view() -> None:
    # Labels 20 px high with 2 px between: ends at 10, 15 and 100 px; the second goes
    # up to 10 + 22 = 32, the third keeps its end.
    assert stack_labels([10.0, 15.0, 100.0], 20.0, 300.0) == [10.0, 32.0, 100.0]
    # Ends at the view's top (200 px): the top label's bottom is at most 200 - 20 = 180,
    # the ones under it 22 px lower each: 158, 136.
    assert stack_labels([150.0, 195.0, 199.0], 20.0, 200.0) == [136.0, 158.0, 180.0]
    # Too low a view for three: they start at its bottom.
    assert stack_labels([0.0, 1.0, 2.0], 20.0, 50.0) == [0.0, 22.0, 44.0]
