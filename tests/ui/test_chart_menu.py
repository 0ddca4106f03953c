"""Every chart: a menu of user actions instead of pyqtgraph's, views limited to the data,
short legends, notes over empty charts, and axis titles that fit."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from planner.domain.months import format_month
from planner.engine import run
from planner.engine.sensitivity import tornado
from planner.ui.chart_menu import (
    LIMIT_PADDING,
    MENU_TEXTS,
    ChartMenu,
    ChartTable,
    month_table,
    table_text,
    view_limits,
)
from planner.ui.chart_parts import (
    BLUE,
    VERMILLION,
    breakeven_lines,
    efficiency_class,
    largest_with_rest,
)
from planner.ui.charts import CHART_KEYS, ChartsPanel
from planner.ui.decisions.sensitivity import HIGH_LABEL, LOW_LABEL, SensitivityPage

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def panel(qtbot) -> ChartsPanel:
    widget = ChartsPanel()
    qtbot.addWidget(widget)
    return widget


def _parse(text: str, dialect: str = "excel-tab") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), dialect=dialect))


def _padded(low: float, high: float) -> tuple[float, float]:
    span = high - low
    return low - LIMIT_PADDING * span, high + LIMIT_PADDING * span


def test_every_chart_of_the_window_has_the_user_menu_not_pyqtgraphs(window) -> None:
    charts = window.findChildren(pg.PlotWidget)
    # 5 fleet charts and the price-duration chart, 3 AI/HPC, scenarios, tornado, fan, NPV,
    # Monte Carlo's fan of cash, and the Treasury tab's (its four and its fan of cash)
    treasury = len(window.treasury.charts.plots)
    assert len(charts) == 14 + treasury and treasury == 5
    for chart in charts:
        menus = [child for child in chart.children() if isinstance(child, ChartMenu)]
        assert len(menus) == 1, chart
        menu = menus[0].menu()
        texts = [action.text() for action in menu.actions() if not action.isSeparator()]
        assert texts == list(MENU_TEXTS)
        menu.deleteLater()
        item = chart.getPlotItem()
        assert not item.menuEnabled()
        assert not item.getViewBox().menuEnabled()
        assert item.buttonsHidden


def test_a_right_click_on_a_chart_opens_the_menu(panel, monkeypatch) -> None:
    shown: list[tuple[list[str], QPoint]] = []

    def record(chart_menu: ChartMenu, at: QPoint) -> None:
        menu = chart_menu.menu()
        shown.append(([a.text() for a in menu.actions() if not a.isSeparator()], at))
        menu.deleteLater()

    monkeypatch.setattr(ChartMenu, "show_menu", record)
    chart = panel.plots["cash_flow"]
    at = QPoint(40, 40)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, chart.viewport().mapToGlobal(at))
    QApplication.sendEvent(chart.viewport(), event)
    assert shown == [(list(MENU_TEXTS), chart.viewport().mapToGlobal(at))]


def test_copy_data_puts_the_chart_as_tsv_by_month_on_the_clipboard(panel, sample) -> None:
    results = run(sample)
    panel.show_results(results)
    panel.menus["cash_flow"].actions["Copy data"].trigger()
    rows = _parse(QApplication.clipboard().text())
    assert rows[0] == [
        "Month",
        "Revenue (USD)",
        "Power cost (USD)",
        "Opex (USD)",
        "Free cash flow (USD)",
    ]
    months = results.inputs.months
    assert len(rows) == 1 + months
    starts = results.inputs.timeline.month_starts
    assert [row[0] for row in rows[1:]] == [format_month(m) for m in starts]
    assert rows[1][0] == "2026-12" and rows[-1][0] == "2031-11"
    fleet = results.fleet
    for t in (0, 17, months - 1):
        assert float(rows[1 + t][1]) == fleet.revenue_usd[0][t]
        assert float(rows[1 + t][4]) == fleet.free_cash_flow_usd[0][t]
    # Month-end balances are their month's; a flat breakeven fills every month.
    cumulative = _parse(table_text(panel.table("cumulative")))
    assert cumulative[0] == ["Month", "Cumulative FCF (USD)"]
    expected = np.cumsum(fleet.free_cash_flow_usd[0])
    assert [float(row[1]) for row in cumulative[1:]] == pytest.approx(expected, rel=1e-15)
    hashprice = _parse(table_text(panel.table("hashprice")))
    assert hashprice[0][1] == "Hashprice (USD/PH/day)"
    assert all(len({row[c] for row in hashprice[1:]}) == 1 for c in range(2, len(hashprice[0])))


def test_month_table_and_text_keep_gaps_and_quote_as_excel_does() -> None:
    from datetime import date

    starts = [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    table = month_table(
        {
            'Cost, "all-in"': (np.array([0.5, 1.5, 2.5]), np.array([1.0, np.nan, 3.0])),
            "Line": (np.array([0.0, 3.0]), np.array([7.0, 7.0])),
        },
        starts,
        "USD",
    )
    assert table.headers == ("Month", 'Cost, "all-in" (USD)', "Line (USD)")
    assert table_text(table) == (
        'Month\t"Cost, ""all-in"" (USD)"\tLine (USD)\n'
        "2027-01\t1.0\t7.0\n"
        "2027-02\t\t7.0\n"
        "2027-03\t3.0\t7.0\n"
    )
    assert _parse(table_text(table, "excel"), "excel")[0][1] == 'Cost, "all-in" (USD)'
    assert table_text(ChartTable(("a",), [])) == "a\n"


def test_export_csv_and_png_from_the_menu(panel, sample, tmp_path, monkeypatch) -> None:
    panel.show_results(run(sample))
    menu = panel.menus["cumulative"]
    target = tmp_path / "cumulative"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    menu.actions["Export CSV…"].trigger()
    text = (tmp_path / "cumulative.csv").read_text(encoding="utf-8-sig")
    assert _parse(text, "excel") == _parse(table_text(panel.table("cumulative")))
    menu.actions["Export PNG…"].trigger()
    assert (tmp_path / "cumulative.png").read_bytes().startswith(PNG_SIGNATURE)


def test_views_are_limited_to_the_data_and_follow_it(panel, sample) -> None:
    base = run(sample)
    panel.tabs.setCurrentIndex(CHART_KEYS.index("cumulative"))
    panel.show_results(base)
    item = panel.plots["cumulative"].getPlotItem()
    cumulative = np.cumsum(base.fleet.free_cash_flow_usd[0])
    y_low, y_high = min(cumulative.min(), 0.0), max(cumulative.max(), 0.0)  # the zero line
    expected = (*_padded(1.0, 60.0), *_padded(y_low, y_high))
    assert view_limits(item) == pytest.approx(expected, rel=1e-12)
    view = item.getViewBox()
    view.setRange(xRange=(-500.0, 900.0), yRange=(-1e12, 1e12), padding=0)
    (x0, x1), (v0, v1) = view.viewRange()
    assert expected[0] - 1e-9 <= x0 and x1 <= expected[1] + 1e-9
    assert expected[2] - 1.0 <= v0 and v1 <= expected[3] + 1.0
    panel.menus["cumulative"].actions["Reset zoom"].trigger()
    assert view.autoRangeEnabled() == [True, True]
    # Shorter results: the limits follow.
    short = run(
        sample.model_copy(
            update={"finance": sample.finance.model_copy(update={"horizon_months": 24})}
        )
    )
    panel.show_results(short)
    cumulative = np.cumsum(short.fleet.free_cash_flow_usd[0])
    y_low, y_high = min(cumulative.min(), 0.0), max(cumulative.max(), 0.0)
    assert view_limits(item) == pytest.approx((*_padded(1.0, 24.0), *_padded(y_low, y_high)))


def test_a_fleet_of_15_models_has_at_most_8_legend_entries(panel, sample) -> None:
    models = [m.name for m in sample.catalog[:15]]
    template = sample.fleet[9]  # bought in the horizon, at Williston
    fleet = [
        template.model_copy(update={"name": f"Batch {i}", "model": model})
        for i, model in enumerate(models)
    ]
    results = run(sample.model_copy(update={"fleet": fleet}))
    assert len(set(results.inputs.row_models)) == 15
    panel.tabs.setCurrentIndex(CHART_KEYS.index("hashprice"))
    panel.show_results(results)
    items = panel._legends["hashprice"].items
    labels = [label.text for _sample, label in items]
    assert [label.item.toPlainText() for _sample, label in items] == labels  # as shown
    assert len(labels) <= 8
    assert labels[0] == "Hashprice"
    assert all(" J/TH breakeven (" in label for label in labels[1:])
    held = sum(int(label.split("(")[1].split()[0]) for label in labels[1:])
    assert held == 15  # every model in one class


def test_efficiency_classes_and_grouped_breakevens() -> None:
    assert [efficiency_class(v)[1] for v in (12.0, 15.0, 17.9, 21.0, 29.5, 38.0)] == [
        "under 15 J/TH",
        "15–18 J/TH",
        "15–18 J/TH",
        "21–25 J/TH",
        "25–30 J/TH",
        "38+ J/TH",
    ]
    models = ["a", "b", "c"]
    counts = np.array([100.0, 300.0, 50.0])
    j_per_th = np.array([16.0, 17.0, 30.0])
    values = np.array([40.0, 44.0, 60.0])
    assert breakeven_lines(models, counts, j_per_th, values) == [
        ("a breakeven", 40.0),
        ("b breakeven", 44.0),
        ("c breakeven", 60.0),
    ]
    assert breakeven_lines(models, counts, j_per_th, values, room=2) == [
        ("15–18 J/TH breakeven (2 models)", (100 * 40.0 + 300 * 44.0) / 400),
        ("30–38 J/TH breakeven (1 model)", 60.0),
    ]


def test_more_than_8_sites_show_the_7_largest_and_the_rest_summed() -> None:
    names = [f"Site {i}" for i in range(10)]
    values = np.array([[float(i + 1)] * 3 for i in range(10)])
    shown, curves = largest_with_rest(names, values)
    assert shown == [f"Site {i}" for i in range(3, 10)] + ["Other 3 sites (sum)"]
    assert curves[-1].tolist() == [6.0, 6.0, 6.0]  # 1 + 2 + 3
    assert largest_with_rest(names[:8], values[:8])[0] == names[:8]


def test_the_tornado_has_two_colours_and_a_legend_saying_which(qtbot, sample) -> None:
    page = SensitivityPage()
    qtbot.addWidget(page)
    result = tornado(sample, page.step_values())
    page.show_tornado(result)
    low, high = page.tornado_low, page.tornado_high
    assert low.opts["brush"] == VERMILLION and high.opts["brush"] == BLUE
    legend = page.tornado_plot.getPlotItem().legend
    assert [(s.item, label.text) for s, label in legend.items] == [
        (low, LOW_LABEL),
        (high, HIGH_LABEL),
    ]
    base = result.base_npv_usd
    bars = list(reversed(result.bars))
    npv_low = np.array([b.npv_low_usd for b in bars])
    np.testing.assert_allclose(low.opts["x0"], np.minimum(npv_low, base))
    np.testing.assert_allclose(low.opts["width"], np.abs(npv_low - base))
    npv_high = np.array([b.npv_high_usd for b in bars])
    np.testing.assert_allclose(high.opts["x0"] + high.opts["width"], np.maximum(npv_high, base))
    assert not page.tornado_note.isVisibleTo(page)
    rows = page.tornado_table().rows
    assert rows[0][0] == result.bars[0].label and rows[0][3:] == [
        result.bars[0].npv_low_usd,
        result.bars[0].npv_high_usd,
    ]


def test_empty_charts_say_what_to_do(panel, sample) -> None:
    assert panel.notes["cash_flow"].isVisibleTo(panel)  # no results yet
    # Sites without rigs still have costs: the chart draws them, with its axes.
    panel.show_results(run(sample.model_copy(update={"fleet": []})))
    assert not panel.notes["cash_flow"].isVisibleTo(panel)
    assert panel.plots["cash_flow"].getPlotItem().getAxis("left").isVisible()
    # Nothing at all to draw: the note says what to do.
    bare = {"fleet": [], "sites": [], "conversions": [], "swaps": [], "debt": [], "hedges": []}
    panel.show_results(run(sample.model_copy(update=bare)))
    note = panel.notes["cash_flow"]
    assert note.isVisibleTo(panel) and "Add rigs on the Fleet tab" in note.text()
    assert not panel.plots["cash_flow"].getPlotItem().getAxis("left").isVisible()
    panel.tabs.setCurrentIndex(CHART_KEYS.index("hashprice"))  # market paths: drawn
    assert not panel.notes["hashprice"].isVisibleTo(panel)
    panel.tabs.setCurrentIndex(CHART_KEYS.index("cash_flow"))
    panel.show_results(run(sample))
    assert not panel.notes["cash_flow"].isVisibleTo(panel)


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 720)])
def test_axis_titles_fit_their_axis(qtbot, window, size) -> None:
    window.resize(*size)
    charts = window.charts
    for key in CHART_KEYS:
        charts.tabs.setCurrentIndex(CHART_KEYS.index(key))
        qtbot.wait(20)
        axis = charts.plots[key].getPlotItem().getAxis("left")
        title_px = axis.label.boundingRect().width()
        assert 0 < title_px <= axis.height(), (key, size, title_px, axis.height())


def test_the_ai_hpc_charts_copy_their_data_and_say_when_there_is_no_plan(
    qtbot, window, sample
) -> None:
    import math

    from planner.ui.document import Change
    from planner.ui.hpc_panel import MULTIPLE_POINTS, NO_PLAN

    hpc = window.hpc
    window.tabs.setCurrentWidget(hpc)
    qtbot.waitUntil(hpc.settled, timeout=30_000)
    assert hpc.selected_site is not None
    cumulative = hpc.menus["cumulative"].table()
    assert cumulative.headers == (
        "Month",
        "Keep mining cumulative cash (USD)",
        "Convert cumulative cash (USD)",
        "Partial cumulative cash (USD)",
    )
    site = hpc.site(hpc.selected_site)
    assert [row[1] for row in cumulative.rows] == pytest.approx(np.cumsum(site.keep))
    by_price = hpc.menus["by_price"].table()
    assert by_price.headers[0] == "Multiple of the scenario's BTC price path"
    assert len(by_price.rows) == MULTIPLE_POINTS
    multiples = [row[0] for row in by_price.rows]
    low, high = math.log10(min(multiples)), math.log10(max(multiples))  # a log-x view
    x_min, x_max, *_ = view_limits(hpc.by_price.getPlotItem())
    assert (x_min, x_max) == pytest.approx(_padded(low, high))
    assert all(note.isHidden() for note in hpc.notes.values())  # (two are on hidden tabs)

    window.document.apply(sample.model_copy(update={"conversions": []}), Change("reset"), "none")
    window.document.flush()
    assert hpc.settled()
    for key, note in hpc.notes.items():
        assert not note.isHidden() and note.text() == NO_PLAN, key
        assert view_limits(getattr(hpc, key).getPlotItem())[0] == -1e307  # no limits
    assert hpc.menus["cumulative"].table().rows == [] or all(
        math.isnan(v) for row in hpc.menus["cumulative"].table().rows for v in row[1:]
    )
