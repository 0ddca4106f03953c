"""The edit path: a big fleet recomputes in a worker thread (typing never waits for it),
and views that are not on screen draw the newest results only when shown."""

from __future__ import annotations

import pytest

from planner.engine import run
from planner.ui import document as document_module

SETTLE_MS = 30_000


def _count_cell(window, row: int):
    model = window.models["fleet"]
    return model, model.index(row, model.column_index("count"))


@pytest.fixture
def background(monkeypatch):
    """Every fleet counts as big: each run goes to the worker thread."""
    monkeypatch.setattr(document_module, "BACKGROUND_FROM_CELLS", 0)


def test_a_big_fleet_recomputes_off_the_gui_thread(qtbot, window, background) -> None:
    doc = window.document
    before = doc.results
    states: list[bool] = []
    doc.computingChanged.connect(states.append)
    model, cell = _count_cell(window, 0)
    count = doc.project.fleet[0].count
    assert doc.in_background()
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(cell, str(count + 10))
        # The edit is in the project at once; its figures follow from the worker.
        assert doc.project.fleet[0].count == count + 10
        assert doc.computing
        assert doc.results is before
    qtbot.waitUntil(lambda: not doc.computing, timeout=SETTLE_MS)
    assert states == [True, False]
    assert doc.results is not before
    expected = run(doc.project)
    assert doc.results.fleet_kpis.npv_usd[0] == pytest.approx(expected.fleet_kpis.npv_usd[0])
    assert int(doc.results.inputs.count[0]) == count + 10
    assert window.kpis.values["npv"] != "…"
    assert "computed in" in window.compute_label.text()


def test_edits_in_a_burst_publish_the_newest_project_only(qtbot, window, background) -> None:
    doc = window.document
    published: list[int] = []
    doc.resultsChanged.connect(lambda results: published.append(int(results.inputs.count[0])))
    model, cell = _count_cell(window, 0)
    count = doc.project.fleet[0].count
    for step in range(1, 6):
        assert model.setData(cell, str(count + step))
    qtbot.waitUntil(lambda: not doc.computing, timeout=SETTLE_MS)
    # Superseded runs are dropped: the last figures are the last edit's, and no run's
    # figures arrive after a newer one's.
    assert published[-1] == count + 5
    assert published == sorted(published)
    assert len(published) < 5


def test_flush_brings_figures_up_to_date_and_a_late_run_is_dropped(
    qtbot, window, background
) -> None:
    doc = window.document
    model, cell = _count_cell(window, 1)
    count = doc.project.fleet[1].count
    assert model.setData(cell, str(count + 3))
    doc.flush()
    assert not doc.computing
    flushed = doc.results
    assert int(flushed.inputs.count[1]) == count + 3
    qtbot.wait(300)  # any run that was under way has ended by now
    assert doc.results is flushed


def test_a_small_fleet_recomputes_on_the_gui_thread(qtbot, window) -> None:
    doc = window.document
    assert not doc.in_background()
    model, cell = _count_cell(window, 0)
    count = doc.project.fleet[0].count
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(cell, str(count + 1))
    assert int(doc.results.inputs.count[0]) == count + 1


def test_hidden_charts_skip_results_and_catch_up_when_shown(qtbot, window) -> None:
    doc = window.document
    charts = window.charts
    window.tabs.setCurrentWidget(window.decisions)
    assert not charts.isVisible()
    drawn = charts.follower.drawn
    model, cell = _count_cell(window, 0)
    count = doc.project.fleet[0].count
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(cell, str(count * 3))
    assert charts.follower.drawn == drawn
    assert charts.follower.behind
    # The KPI strip is always in view and follows every result.
    fleet_npv = doc.results.fleet_kpis.npv_usd[0]
    assert window.kpis.values["npv"].startswith("$" if fleet_npv >= 0 else "-$")
    window.tabs.setCurrentIndex(0)
    assert charts.isVisible()
    assert charts.follower.drawn == drawn + 1
    assert not charts.follower.behind
    fcf = charts.series("cash_flow")["Free cash flow"][1]
    assert fcf == pytest.approx(doc.results.fleet.free_cash_flow_usd[0])


def test_a_hidden_chart_exports_the_newest_figures(qtbot, window, tmp_path) -> None:
    doc = window.document
    window.tabs.setCurrentWidget(window.decisions)
    model, cell = _count_cell(window, 2)
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(cell, "1")
    assert window.charts.follower.behind
    window.charts.export_png(tmp_path / "cash.png", tab=0)
    assert not window.charts.follower.behind
    assert (tmp_path / "cash.png").stat().st_size > 1000


def _repaints(window):
    """Cells each table model announces as changed: {section: cell count}."""
    counts: dict[str, int] = {}
    for section, model in window.models.items():

        def changed(top, bottom, _roles=(), section=section) -> None:
            cells = (bottom.row() - top.row() + 1) * (bottom.column() - top.column() + 1)
            counts[section] = counts.get(section, 0) + cells

        model.dataChanged.connect(changed)
    return counts


def test_a_cell_edit_repaints_the_cell_and_the_figures_that_follow(qtbot, window) -> None:
    doc = window.document
    counts = _repaints(window)
    model, cell = _count_cell(window, 0)
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(cell, str(doc.project.fleet[0].count + 1))
    fleet_results = sum(c.kind == "result" for c in model.columns)
    site_model = window.models["sites"]
    site_results = sum(c.kind == "result" for c in site_model.columns)
    rows, sites = len(doc.project.fleet), len(doc.project.sites)
    # The edited cell; every row's figures (the fleet's tax is shared); each site's figures.
    assert counts.pop("fleet") == 1 + rows * fleet_results
    assert counts.pop("sites") == sites * site_results
    assert counts == {}  # no other table repaints for a rig count


def test_a_rename_repaints_the_columns_that_name_the_row(qtbot, window) -> None:
    doc = window.document
    counts = _repaints(window)
    sites = window.models["sites"]
    name = sites.index(0, sites.column_index("name"))
    old = doc.project.sites[0].name
    with qtbot.waitSignal(doc.resultsChanged, timeout=SETTLE_MS):
        assert sites.setData(name, "Renamed site")
    assert all(r.site != old for r in doc.project.fleet)
    fleet_results = sum(c.kind == "result" for c in window.models["fleet"].columns)
    rows = len(doc.project.fleet)
    # The fleet's Site column, then its figures; the plans' Site column.
    assert counts["fleet"] == rows + rows * fleet_results
    assert counts["conversions"] == len(doc.project.conversions)
    assert "catalog" not in counts and "contracts" not in counts
