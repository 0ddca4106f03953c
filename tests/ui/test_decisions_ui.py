"""The Decisions tab: scenarios, sensitivity, swaps, best buy and Monte Carlo in the app."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from planner.domain import editing as ed
from planner.engine import run
from planner.engine.montecarlo import run_monte_carlo
from planner.engine.optimize import BuyCandidate, best_buy, build_problem
from planner.engine.sensitivity import moved
from planner.ui.document import Change
from planner.ui.sheet import to_tsv

SETTLE_MS = 60_000  # generous: a loaded 2-core CI machine


def _settle(qtbot, panel) -> None:
    """Scenarios, sensitivity and swaps compute in a worker: wait for the shown page's figures."""
    qtbot.waitUntil(panel.settled, timeout=SETTLE_MS)


def _texts(table) -> list[list[str]]:
    return table.texts()


def test_scenarios_side_by_side(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(0)
    _settle(qtbot, panel)
    rows = _texts(panel.scenarios.table)
    assert [r[0] for r in rows] == ["Base (active)", "Bear", "Bull"]
    # Capex at its month's start; whole dollars, as the KPI strip.
    assert rows[0][1] == "-$8,708,098" == window.kpis.values["npv"]
    assert all(r[1].count(",") == 2 for r in rows)  # one scale in the column
    _x, y = panel.scenarios.curves["Bull"].getOriginalDataset()
    bull = run(window.document.project, "Bull")
    assert y == pytest.approx(np.cumsum(bull.fleet.free_cash_flow_usd[0]))
    assert not window.charts.isVisible()


def test_tornado_follows_edits_and_user_steps(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(1)
    _settle(qtbot, panel)
    first = panel.sensitivity.tornado_result
    assert first is not None and first.bars[0].key == "btc_price"
    panel.sensitivity.steps["btc_price"].setValue(50.0)
    panel.sensitivity.steps["btc_price"].editingFinished.emit()
    _settle(qtbot, panel)
    bar = next(b for b in panel.sensitivity.tornado_result.bars if b.key == "btc_price")
    expected = run(moved(window.document.project, "btc_price", 0.5)).fleet_kpis.npv_usd[0]
    assert bar.npv_high_usd == pytest.approx(expected, rel=1e-12)
    # An edit to the project recomputes the shown view.
    doc = window.document
    doc.apply(moved(doc.project, "power_price", 0.1), Change("reset"), "dearer power")
    doc.flush()
    _settle(qtbot, panel)
    assert panel.sensitivity.tornado_result.base_npv_usd == pytest.approx(
        run(doc.project).fleet_kpis.npv_usd[0]
    )
    assert panel.sensitivity.two_way_table.rowCount() == 5


def test_swaps_are_edited_and_compared(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(2)
    _settle(qtbot, panel)
    assert panel.swaps.table.rowCount() == 3

    def first_swap():
        return next(r for r in panel.swaps.results if r.swap == window.document.project.swaps[0])

    before = first_swap().npv_usd
    model = panel.swaps.model
    price = model.index(0, [c.key for c in model.columns].index("unit_price_usd"))
    assert model.setData(price, "$2,000")
    window.document.flush()
    _settle(qtbot, panel)
    after = first_swap()
    assert after.swap.unit_price_usd == 2_000
    assert after.npv_usd == pytest.approx(before + after.new_count * 1_900, rel=0.2)
    assert after.npv_usd > before  # cheaper rigs, a better swap
    shown = {row[0]: row[4] for row in _texts(panel.swaps.table)}
    assert len(shown) == 3


def _show_best_buy(window):
    """The Best buy page on screen: its candidates follow the results while shown."""
    window.tabs.setCurrentWidget(window.decisions)
    window.decisions.tabs.setCurrentWidget(window.decisions.best_buy)
    return window.decisions


def _ask_for_hydro_rigs_at_williston(panel) -> None:
    """Up to 120 S21 XP Hyd at $5,200 for Williston alone, in June 2027, $50M budget.
    Williston is hydro-cooled: its rigs are the hydro models (an air S21 XP is not bought
    there however much it adds)."""
    _tick(panel, "Antminer S21 XP Hyd", price="$5,200", most="120")
    sites = panel.best_buy.sites
    for r in range(sites.rowCount()):
        if sites.item(r, 0).text() != "Williston, ND":
            sites.item(r, 0).setCheckState(Qt.CheckState.Unchecked)
    panel.best_buy.month.setText("2027-06")
    panel.best_buy.budget.setValue(50_000_000)


def _candidate(panel, model: str) -> int:
    for r in range(panel.best_buy.candidates.rowCount()):
        if panel.best_buy.candidates.item(r, 0).text() == model:
            return r
    raise AssertionError(f"{model} is not a candidate")


def _tick(panel, model: str, price: str | None = None, most: str | None = None) -> None:
    r = _candidate(panel, model)
    panel.best_buy.candidates.item(r, 0).setCheckState(Qt.CheckState.Checked)
    if price is not None:
        panel.best_buy.candidates.item(r, 2).setText(price)
    if most is not None:
        panel.best_buy.candidates.item(r, 3).setText(most)


def test_best_buy_solves_the_ticked_models(window) -> None:
    panel = _show_best_buy(window)
    window.set_scenario("Bull")  # new rigs pay in the bull case
    window.document.flush()
    # Candidates start at the catalog's reference price, sorted by efficiency.
    r = _candidate(panel, "Antminer S21 XP")
    assert panel.best_buy.candidates.item(r, 1).text() == "13.5"
    assert panel.best_buy.candidates.item(r, 2).text() == "6,939"
    _tick(panel, "Antminer S21 XP")
    _tick(panel, "Antminer S21 Pro")
    panel.best_buy.budget.setValue(4_000_000)
    answer = panel.best_buy.solve()
    assert answer is not None
    assert answer.best.capex_usd <= 4_000_000
    assert set(answer.problem.models) == {"Antminer S21 XP", "Antminer S21 Pro"}
    assert answer.best.mix(answer.problem)
    assert panel.best_buy.plan_table.rowCount() == len(answer.best.mix(answer.problem))
    from planner.io.display import money

    outcome = panel.best_buy.outcome
    assert outcome.npv_usd > 0
    assert panel.best_buy.summary.text().startswith(
        f"Buying this mix adds {money(outcome.npv_usd)} to the fleet's NPV"
    )
    assert "pays back in" in panel.best_buy.summary.text()


def test_best_buy_uses_typed_prices_limits_sites_and_month(window) -> None:
    panel = _show_best_buy(window)
    window.set_scenario("Bull")
    window.document.flush()
    project = window.document.project
    _ask_for_hydro_rigs_at_williston(panel)
    answer = panel.best_buy.solve()
    assert answer is not None
    assert answer.problem.sites == ("Williston, ND",)
    assert answer.problem.price_usd.tolist() == [5_200.0]
    assert answer.problem.max_count.tolist() == [120.0]
    expected = best_buy(
        build_problem(
            project,
            [BuyCandidate("Antminer S21 XP Hyd", 5_200.0, 120)],
            50_000_000,
            purchase_month=date(2027, 6, 1),
            sites=["Williston, ND"],
        )
    )
    assert np.array_equal(answer.best.counts, expected.best.counts)
    assert answer.best.counts.sum() == 120  # the supplier's limit binds
    assert answer.best.npv_usd == pytest.approx(expected.best.npv_usd, abs=0.01)
    assert _texts(panel.best_buy.plan_table)[0][:3] == [
        "Antminer S21 XP Hyd",
        "Williston, ND",
        "120",
    ]
    assert _texts(panel.best_buy.plan_table)[0][4] == "$624,000"  # 120 rigs x $5,200


def test_typed_candidates_survive_an_edit_of_the_project(window) -> None:
    panel = _show_best_buy(window)
    _tick(panel, "Antminer S21 XP", price="5,000", most="10")
    panel.best_buy.sites.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    doc = window.document
    after = ed.set_cells(doc.project, "fleet", [(0, "count", "3900")])
    doc.apply(after, Change("cells", "fleet"), "Edit rigs")
    doc.flush()
    r = _candidate(panel, "Antminer S21 XP")
    assert panel.best_buy.candidates.item(r, 0).checkState() == Qt.CheckState.Checked
    assert panel.best_buy.candidates.item(r, 2).text() == "5,000"
    assert panel.best_buy.candidates.item(r, 3).text() == "10"
    assert panel.best_buy.sites.item(0, 0).checkState() == Qt.CheckState.Unchecked


@pytest.mark.parametrize(
    ("price", "most", "month", "message"),
    [
        (
            "abc",
            "",
            "",
            "Candidate models, Antminer S21 XP, Unit price (USD): cannot read 'abc' as a number",
        ),
        ("0", "", "", "Candidate models, Antminer S21 XP, Unit price (USD): must be above zero"),
        ("6,939", "1.5", "", "Candidate models, Antminer S21 XP, Max rigs: must be a whole number"),
        ("6,939", "-3", "", "Candidate models, Antminer S21 XP, Max rigs: cannot be negative"),
        ("6,939", "", "June", "Purchase month:"),
        ("6,939", "", "2040-01", "Purchase month: 2040-01 is outside the horizon (2026-12 to"),
    ],
)
def test_bad_best_buy_inputs_are_named(window, price, most, month, message) -> None:
    panel = _show_best_buy(window)
    _tick(panel, "Antminer S21 XP", price=price, most=most)
    panel.best_buy.month.setText(month)
    assert panel.best_buy.solve() is None
    assert panel.best_buy.summary.text().startswith(message)


def test_best_buy_needs_a_model_and_a_site(window) -> None:
    panel = _show_best_buy(window)
    assert panel.best_buy.solve() is None
    assert panel.best_buy.summary.text() == "Candidate models: tick at least one model"
    _tick(panel, "Antminer S21 XP")
    for r in range(panel.best_buy.sites.rowCount()):
        panel.best_buy.sites.item(r, 0).setCheckState(Qt.CheckState.Unchecked)
    assert panel.best_buy.solve() is None
    assert panel.best_buy.summary.text() == "Sites: tick at least one site"


def test_best_buy_of_nothing_is_said(window) -> None:
    panel = _show_best_buy(window)
    _tick(panel, "Antminer S21 Pro")
    answer = panel.best_buy.solve()  # Base: new rigs lose value at these prices
    assert answer is not None and not answer.best.mix(answer.problem)
    assert "the best buy is none" in panel.best_buy.summary.text()


def test_monte_carlo_runs_off_the_gui_thread(qtbot, window) -> None:
    panel = window.decisions
    panel.monte_carlo.paths.setValue(2_000)
    panel.monte_carlo.seed.setValue(11)
    task = panel.monte_carlo.run()
    assert task is not None and not panel.monte_carlo.button.isEnabled()
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    result = panel.monte_carlo.result
    expected = run_monte_carlo(window.document.results, panel.monte_carlo.settings())
    assert np.array_equal(result.npv_usd, expected.npv_usd)  # seeded
    _x, p50 = panel.monte_carlo.fan_lines[2].getOriginalDataset()
    assert p50 == pytest.approx(expected.cumulative_percentiles_usd[2])
    assert "2,000 paths, seed 11" in panel.monte_carlo.summary.text()
    assert panel.monte_carlo.button.isEnabled()


def test_monte_carlo_shows_each_rows_probabilities(qtbot, window) -> None:
    panel = window.decisions
    panel.monte_carlo.paths.setValue(300)
    task = panel.monte_carlo.run()
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)
    rows = _texts(panel.monte_carlo.rows)
    assert len(rows) == len(window.document.project.fleet)
    assert rows[0][0] == "S19j Pro 2021"
    chances = panel.monte_carlo.row_figures
    assert chances.paths == 300 and rows[0][2] == "n/a"  # bought before the horizon
    assert rows[9][2] == f"{chances.within_horizon[9]:.1%}"


def test_resale_curve_is_edited_in_the_swaps_view(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(2)
    _settle(qtbot, panel)
    curve = panel.swaps.curve_model
    usd_per_th = curve.column_index("usd_per_th")
    assert curve.item_count() == 4
    doc = window.document
    assert curve.setData(curve.index(2, usd_per_th), "$4.00")  # the 25-38 J/TH class: S19j Pro
    doc.flush()
    _settle(qtbot, panel)
    assert doc.project.resale_curve[2].usd_per_th == 4.0
    swap = next(r for r in panel.swaps.results if r.swap.row == "S19j Pro 2021")
    assert swap.sale_usd == pytest.approx(4_000 * 104 * 4.0)
    problems: list[str] = []
    doc.problem.connect(problems.append)
    assert not curve.setData(curve.index(1, usd_per_th), "-3")
    assert "row 2, Resale (USD/TH): must be >= 0" in problems[-1]
    assert (1, "usd_per_th") in curve.cell_errors  # the refused cell is marked
    assert doc.project.resale_curve[1].usd_per_th == 6.0
    doc.undo_stack.undo()
    doc.flush()
    assert doc.project.resale_curve[2].usd_per_th == 2.5


def test_resale_curve_rows_are_pasted_and_inserted_as_in_any_table(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(2)
    sheet, curve = panel.swaps.curve_sheet, panel.swaps.curve_model
    doc = window.document
    sheet.setCurrentIndex(curve.index(1, 0))
    QGuiApplication.clipboard().setText(to_tsv([["24", "$7"], ["36", "3.25"]]))
    sheet.paste()
    assert [(t.max_j_per_th, t.usd_per_th) for t in doc.project.resale_curve] == [
        (19, 12.0),
        (24, 7.0),
        (36, 3.25),
        (1000, 0.5),
    ]
    assert doc.undo_stack.undoText() == "Paste 2 x 2"
    sheet.selectRow(3)
    sheet.insert_rows()
    assert len(doc.project.resale_curve) == 5
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert [(t.max_j_per_th, t.usd_per_th) for t in doc.project.resale_curve] == [
        (19, 12.0),
        (25, 6.0),
        (38, 2.5),
        (1000, 0.5),
    ]


def test_the_window_row_commands_act_on_the_decisions_sheet_last_in_focus(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.decisions)
    panel = window.decisions
    panel.tabs.setCurrentIndex(2)
    doc = window.document
    curve_rows, swap_rows = len(doc.project.resale_curve), len(doc.project.swaps)
    curve_sheet = panel.swaps.curve_sheet
    curve_sheet.setFocus()
    qtbot.waitUntil(curve_sheet.hasFocus, timeout=5_000)
    assert window.current_sheet() is curve_sheet
    curve_sheet.setCurrentIndex(panel.swaps.curve_model.index(1, 0))
    window.current_sheet().insert_rows()
    assert (len(doc.project.resale_curve), len(doc.project.swaps)) == (curve_rows + 1, swap_rows)
    panel.swap_sheet.setFocus()
    qtbot.waitUntil(panel.swap_sheet.hasFocus, timeout=5_000)
    assert window.current_sheet() is panel.swap_sheet


def test_best_buy_inputs_are_saved_with_the_project_and_come_back(window, tmp_path) -> None:
    panel = _show_best_buy(window)
    window.set_scenario("Bull")
    window.document.flush()
    _tick(panel, "Antminer S21 XP", price="$5,200", most="120")
    for r in range(panel.best_buy.sites.rowCount()):
        if panel.best_buy.sites.item(r, 0).text() != "Williston, ND":
            panel.best_buy.sites.item(r, 0).setCheckState(Qt.CheckState.Unchecked)
    panel.best_buy.month.setText("2027-06")
    panel.best_buy.budget.setValue(50_000_000)
    assert panel.best_buy.solve() is not None
    saved = window.document.project.best_buy
    assert [(q.model, q.unit_price_usd, q.max_rigs) for q in saved.candidates] == [
        ("Antminer S21 XP", 5_200.0, 120)
    ]
    assert saved.sites == ["Williston, ND"]
    assert (saved.budget_usd, saved.purchase_month) == (50_000_000, date(2027, 6, 1))
    assert window.document.undo_stack.undoText() == "Best buy inputs"
    # A new page on the saved project starts from what was asked.
    from planner.ui.decisions.best_buy import BestBuyPage

    # Owned by the window, as the app's pages are: an unowned page left to the garbage
    # collector can be freed while Qt still sends its results follower events.
    page = BestBuyPage(window.document, window)
    page._results_changed(window.document.results)
    r = next(
        i
        for i in range(page.candidates.rowCount())
        if page.candidates.item(i, 0).text() == "Antminer S21 XP"
    )
    assert page.candidates.item(r, 0).checkState() == Qt.CheckState.Checked
    assert page.candidates.item(r, 2).text() == "5,200"
    assert page.candidates.item(r, 3).text() == "120"
    ticked = [
        page.sites.item(i, 0).text()
        for i in range(page.sites.rowCount())
        if page.sites.item(i, 0).checkState() == Qt.CheckState.Checked
    ]
    assert ticked == ["Williston, ND"]
    assert (page.budget.value(), page.month.text()) == (50_000_000, "2027-06")


def test_add_to_fleet_inserts_the_best_mix_in_one_undo_step(window) -> None:
    panel = _show_best_buy(window)
    doc = window.document
    before = list(doc.project.fleet)
    page = panel.best_buy
    assert not page.add_button.isEnabled()  # nothing solved yet
    _ask_for_hydro_rigs_at_williston(panel)
    answer = page.solve()
    assert answer is not None and page.add_button.isEnabled()
    # One NPV, with what it means; the optimizer's own figure in the tooltip.
    text = page.summary.text()
    assert text.startswith("Buying this mix adds ") and "to the fleet's NPV" in text
    assert "marginal NPV" in page.summary.toolTip()
    mix = answer.best.mix(answer.problem)
    assert page.add_to_fleet() == len(mix) == 1
    added = doc.project.fleet[len(before) :]
    assert [(r.model, r.site, r.count) for r in added] == mix
    assert added[0].name == "buy 120 Antminer S21 XP Hyd @ Williston, ND"
    assert added[0].unit_price_usd == 5_200 and f"{added[0].purchase_month:%Y-%m}" == "2027-06"
    assert doc.undo_stack.undoText() == "Add the best buy (1 rows)"
    assert not page.add_button.isEnabled()
    doc.undo_stack.undo()
    assert doc.project.fleet == before
