"""Decisions > Scenarios, Sensitivity and Swaps compute in a worker: debounced, the newest
edit only, only while on screen, and the page says it is updating meanwhile."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from planner.domain import editing as ed
from planner.engine.sensitivity import compare_scenarios, tornado, two_way
from planner.engine.swaps import analyse_swaps
from planner.io.display import money as format_money
from planner.ui import tasks
from planner.ui.decisions import SCENARIOS, SENSITIVITY, SWAPS
from planner.ui.decisions.sensitivity import sensitivity_figures
from planner.ui.decisions.swaps import swap_figures
from planner.ui.document import Change

SETTLE_MS = 60_000  # generous: a loaded 2-core CI machine


def _texts(table) -> list[list[str]]:
    return table.texts()


def _show(qtbot, window, page: int):
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(page)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    return panel


def _edit(window, count: int) -> None:
    doc = window.document
    after = ed.set_cells(doc.project, "fleet", [(0, "count", str(count))])
    doc.apply(after, Change("cells", "fleet"), "Edit rigs")
    doc.flush()  # new results now; the live page's job comes after its debounce


def _figure_widgets(panel):
    page = panel.sensitivity
    return [page.tornado_plot, page.tornado_labels, page.two_way_table, page.two_way_payback]


def test_an_edit_marks_the_page_stale_and_updating(qtbot, window) -> None:
    panel = _show(qtbot, window, SENSITIVITY)
    assert not panel.is_stale and not panel.updating.isVisible()
    assert all(w.isEnabled() for w in _figure_widgets(panel))
    gate = threading.Event()

    def held(project, steps, check):
        gate.wait(SETTLE_MS / 1000)
        return sensitivity_figures(project, steps, check)

    panel.sensitivity.job = held
    try:
        _edit(window, 3_900)
        assert panel.is_stale and not panel.settled()
        assert panel.updating.isVisible() and panel.updating.text() == "Updating…"
        assert not any(w.isEnabled() for w in _figure_widgets(panel))
        assert panel.sensitivity.steps["btc_price"].isEnabled()  # the inputs stay editable
        assert panel.live[SENSITIVITY].pending
    finally:
        gate.set()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert not panel.updating.isVisible()
    assert all(w.isEnabled() for w in _figure_widgets(panel))
    qtbot.waitUntil(lambda: tasks.gc_guard().jobs == 0, timeout=SETTLE_MS)


def test_two_quick_edits_show_only_the_newest(qtbot, window) -> None:
    panel = _show(qtbot, window, SENSITIVITY)
    task = panel.live[SENSITIVITY]
    # Two edits before the debounce runs out: one job, for the second.
    started = task.started
    _edit(window, 3_901)
    _edit(window, 3_902)
    newest = window.document.project
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert task.started == started + 1
    assert panel.sensitivity.tornado_result.base_npv_usd == pytest.approx(
        tornado(newest, panel.sensitivity.step_values()).base_npv_usd, rel=1e-12
    )

    # A job already running when the next edit comes: asked to stop, and its result,
    # arriving late, is dropped; the newest edit's job runs after it.
    entered, gate = threading.Event(), threading.Event()
    calls: list[object] = []
    stop_asked: list[bool] = []

    def first_held(project, steps, check):
        calls.append(project)
        if len(calls) == 1:
            entered.set()
            gate.wait(SETTLE_MS / 1000)
            try:
                check()
            except tasks.Cancelled:
                stop_asked.append(True)
            return sensitivity_figures(project, steps, lambda: None)  # a late result
        return sensitivity_figures(project, steps, check)

    shown: list[object] = []
    show = task.on_result
    task.on_result = lambda result: (shown.append(result), show(result))
    panel.sensitivity.job = first_held
    try:
        _edit(window, 3_903)
        first = window.document.project
        qtbot.waitUntil(entered.is_set, timeout=SETTLE_MS)
        _edit(window, 3_904)
        second = window.document.project
    finally:
        gate.set()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert calls == [first, second] and calls[0] is first and calls[1] is second
    assert stop_asked == [True]
    assert len(shown) == 1  # the first job's result never reached the page
    expected = tornado(second, panel.sensitivity.step_values())
    assert panel.sensitivity.tornado_result.base_npv_usd == pytest.approx(
        expected.base_npv_usd, rel=1e-12
    )
    assert panel.sensitivity.tornado_result.base_npv_usd != pytest.approx(
        tornado(first, panel.sensitivity.step_values()).base_npv_usd, rel=1e-12
    )


def test_settled_figures_equal_the_synchronous_computation(qtbot, window) -> None:
    panel = _show(qtbot, window, SENSITIVITY)
    panel.sensitivity.steps["capex"].setValue(35.0)
    panel.sensitivity.steps["capex"].editingFinished.emit()
    _edit(window, 3_777)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    project = window.document.project
    expected = tornado(project, panel.sensitivity.step_values())
    got = panel.sensitivity.tornado_result
    assert [b.key for b in got.bars] == [b.key for b in expected.bars]
    for mine, theirs in zip(got.bars, expected.bars, strict=True):
        assert mine.step == theirs.step
        np.testing.assert_array_equal(
            [mine.npv_low_usd, mine.npv_high_usd, mine.payback_low_months],
            [theirs.npv_low_usd, theirs.npv_high_usd, theirs.payback_low_months],
        )
    table = two_way(project)
    np.testing.assert_array_equal(panel.sensitivity.two_way_result.npv_usd, table.npv_usd)
    np.testing.assert_array_equal(
        panel.sensitivity.two_way_result.payback_months, table.payback_months
    )
    assert [row[1:] for row in _texts(panel.sensitivity.two_way_table)] == [
        [format_money(v) for v in row] for row in table.npv_usd
    ]
    assert _texts(panel.sensitivity.tornado_labels)[0][0] == expected.bars[0].label

    panel.tabs.setCurrentIndex(SCENARIOS)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    compared = compare_scenarios(project)
    rows = _texts(panel.scenarios.table)
    assert [r[0] for r in rows] == ["Base (active)", "Bear", "Bull"]
    assert [r[1] for r in rows] == [
        format_money(float(r.fleet_kpis.npv_usd[0])) for _n, r in compared
    ]
    _x, y = panel.scenarios.curves["Bear"].getOriginalDataset()
    np.testing.assert_array_equal(y, np.cumsum(compared[1][1].fleet.free_cash_flow_usd[0]))


def test_a_hidden_page_starts_no_job(qtbot, window) -> None:
    panel = window.decisions
    assert not panel.isVisible()  # the window opens on another tab
    panel.tabs.setCurrentIndex(SENSITIVITY)
    started = {page: task.started for page, task in panel.live.items()}
    _edit(window, 3_800)
    _edit(window, 3_801)
    assert not any(task.pending for task in panel.live.values())
    assert {page: task.started for page, task in panel.live.items()} == started
    assert panel.is_stale
    # Shown with stale figures: it starts a job at once.
    window.tabs.setCurrentWidget(panel)
    assert panel.live[SENSITIVITY].started == started[SENSITIVITY] + 1
    assert not panel.live[SCENARIOS].pending
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert panel.sensitivity.tornado_result.base_npv_usd == pytest.approx(
        tornado(window.document.project, panel.sensitivity.step_values()).base_npv_usd, rel=1e-12
    )
    # Another page of the panel on screen: the sensitivity does not follow the edits.
    panel.tabs.setCurrentIndex(SWAPS)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    started = {page: task.started for page, task in panel.live.items()}
    _edit(window, 3_802)
    others = [page for page in panel.live if page != SWAPS]
    assert not any(panel.live[page].pending for page in others)
    assert {page: panel.live[page].started for page in others} == {
        page: started[page] for page in others
    }
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert not panel.updating.isVisible()
    # Leaving while a job waits for its debounce drops it.
    panel.tabs.setCurrentIndex(SENSITIVITY)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    _edit(window, 3_803)
    assert panel.live[SENSITIVITY].pending
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not panel.live[SENSITIVITY].pending, timeout=SETTLE_MS)
    assert panel.is_stale


# ---------------------------------------------------------------- the Swaps page
def _swap_rows(results) -> list[tuple]:
    return [(r.swap, r.new_count, r.sale_usd, r.capex_usd, r.npv_usd) for r in results]


def _edit_curve(window, usd_per_th: float) -> None:
    """A resale curve edit as typed in its table: the 25-38 J/TH tier's resale price."""
    curve = window.decisions.swaps.curve_model
    assert curve.setData(curve.index(2, curve.column_index("usd_per_th")), f"{usd_per_th}")
    window.document.flush()


def _curve_text(panel, row: int) -> str:
    curve = panel.swaps.curve_model
    return curve.data(curve.index(row, curve.column_index("usd_per_th")))


def test_swaps_page_is_stale_and_updating_while_its_job_runs(qtbot, window) -> None:
    panel = _show(qtbot, window, SWAPS)
    assert not panel.is_stale and not panel.updating.isVisible()
    assert panel.swaps.table.isEnabled()
    gate = threading.Event()

    def held(project, check):
        gate.wait(SETTLE_MS / 1000)
        return swap_figures(project, check)

    panel.swaps.job = held
    try:
        _edit_curve(window, 3.5)
        assert panel.is_stale and not panel.settled()
        assert panel.updating.isVisible() and panel.updating.text() == "Updating…"
        assert not panel.swaps.table.isEnabled()
        # The inputs stay editable, and the curve shows the edit at once.
        assert panel.swaps.sheet.isEnabled() and panel.swaps.curve_sheet.isEnabled()
        assert _curve_text(panel, 2) == "$3.50"
        assert panel.live[SWAPS].pending
    finally:
        gate.set()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert not panel.updating.isVisible() and panel.swaps.table.isEnabled()
    assert _swap_rows(panel.swaps.results) == _swap_rows(analyse_swaps(window.document.project))
    qtbot.waitUntil(lambda: tasks.gc_guard().jobs == 0, timeout=SETTLE_MS)


def test_a_late_swaps_result_is_dropped_for_the_newer_edit(qtbot, window) -> None:
    panel = _show(qtbot, window, SWAPS)
    task = panel.live[SWAPS]
    entered, gate = threading.Event(), threading.Event()
    calls: list[object] = []
    stop_asked: list[bool] = []

    def first_held(project, check):
        calls.append(project)
        if len(calls) == 1:
            entered.set()
            gate.wait(SETTLE_MS / 1000)
            try:
                check()
            except tasks.Cancelled:
                stop_asked.append(True)
            return swap_figures(project, lambda: None)  # a late result
        return swap_figures(project, check)

    shown: list[object] = []
    show = task.on_result
    task.on_result = lambda result: (shown.append(result), show(result))
    panel.swaps.job = first_held
    try:
        _edit_curve(window, 3.0)
        first = window.document.project
        qtbot.waitUntil(entered.is_set, timeout=SETTLE_MS)
        _edit_curve(window, 5.0)
        second = window.document.project
    finally:
        gate.set()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert calls == [first, second] and calls[0] is first and calls[1] is second
    assert stop_asked == [True]
    assert len(shown) == 1  # the first job's result never reached the page
    assert _swap_rows(panel.swaps.results) == _swap_rows(analyse_swaps(second))
    assert _swap_rows(panel.swaps.results) != _swap_rows(analyse_swaps(first))


def test_settled_swaps_equal_the_synchronous_analysis(qtbot, window) -> None:
    panel = _show(qtbot, window, SWAPS)
    model = panel.swaps.model
    price = model.index(0, [c.key for c in model.columns].index("unit_price_usd"))
    assert model.setData(price, "$2,500")  # through the document, as typed
    window.document.flush()
    _edit_curve(window, 4.25)
    _edit(window, 3_700)
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    project = window.document.project
    skipped: list[str] = []
    expected = analyse_swaps(project, skipped)
    assert len(expected) == 3
    got = panel.swaps.results
    assert [r.swap for r in got] == [r.swap for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert (mine.new_count, mine.pays_back_before_halving) == (
            theirs.new_count,
            theirs.pays_back_before_halving,
        )
        np.testing.assert_array_equal(
            [mine.sale_usd, mine.capex_usd, mine.npv_usd, mine.irr_annual, mine.payback_months],
            [
                theirs.sale_usd,
                theirs.capex_usd,
                theirs.npv_usd,
                theirs.irr_annual,
                theirs.payback_months,
            ],
        )
    rows = _texts(panel.swaps.table)
    assert [row[4] for row in rows] == [format_money(r.npv_usd) for r in expected]
    assert [row[2] for row in rows] == [format_money(r.sale_usd) for r in expected]
    assert ("Left out" in panel.swaps.note.text()) == bool(skipped)
    # The edits went through the undo stack: undone, the swaps follow back.
    window.document.undo_stack.undo()
    window.document.flush()
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert _swap_rows(panel.swaps.results) == _swap_rows(analyse_swaps(window.document.project))


def test_a_hidden_swaps_page_starts_no_job(qtbot, window) -> None:
    panel = window.decisions
    assert not panel.isVisible()
    panel.tabs.setCurrentIndex(SWAPS)
    started = {page: task.started for page, task in panel.live.items()}
    _edit_curve(window, 3.0)
    _edit(window, 3_810)
    assert not any(task.pending for task in panel.live.values())
    assert {page: task.started for page, task in panel.live.items()} == started
    assert panel.is_stale
    window.tabs.setCurrentWidget(panel)  # shown with stale figures: one job at once
    assert panel.live[SWAPS].started == started[SWAPS] + 1
    assert _curve_text(panel, 2) == "$3.00"
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)
    assert _swap_rows(panel.swaps.results) == _swap_rows(analyse_swaps(window.document.project))
    # Leaving while a job waits for its debounce drops it.
    _edit_curve(window, 3.25)
    assert panel.live[SWAPS].pending
    window.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not panel.live[SWAPS].pending, timeout=SETTLE_MS)
    assert panel.is_stale
    assert panel.live[SWAPS].started == started[SWAPS] + 1
