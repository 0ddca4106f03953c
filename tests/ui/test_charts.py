"""The charts panel on its own: markers, money ticks, in-place updates, PNG export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest

from planner.engine import run
from planner.ui.charts import CHART_KEYS, ChartsPanel, format_money, format_money_tick


@pytest.fixture
def panel(qtbot):
    widget = ChartsPanel()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    return widget


def test_halving_and_payback_markers(panel, sample) -> None:
    panel.show_results(run(sample))
    # Block 1,050,000 about 2028-04-10: month 16 of a horizon starting 2026-12.
    assert panel.halving_x == pytest.approx(16 + 9 / 30, abs=0.05)
    assert panel.payback_point is None  # the base case never pays back
    bull = run(sample, "Bull")
    panel.show_results(bull)
    at = float(bull.fleet_kpis.payback_at_month[0])
    assert panel.payback_point == (pytest.approx(at), 0.0)


def test_updates_reuse_the_same_items(panel, sample) -> None:
    panel.show_results(run(sample))
    curve = panel.plots["cash_flow"].getPlotItem().listDataItems()
    ids = [id(item) for item in curve]
    short = run(sample, None, 24)
    panel.show_results(short)
    assert [id(item) for item in panel.plots["cash_flow"].getPlotItem().listDataItems()] == ids
    revenue = panel.series("cash_flow")["Revenue"]
    assert revenue[1].shape == (24,)
    np.testing.assert_allclose(revenue[1], short.fleet.revenue_usd[0], rtol=1e-12)
    btc = panel.series("btc_price")
    with np.errstate(invalid="ignore", divide="ignore"):
        cash = (short.fleet.power_cost_usd[0] + short.fleet.opex_usd[0]) / short.fleet.btc_mined[0]
    np.testing.assert_allclose(btc["Cash cost per BTC"][1], cash, rtol=1e-12)


def test_model_breakeven_lines(panel, sample) -> None:
    results = run(sample)
    panel.show_results(results)
    lines = panel.series("hashprice")
    s21 = [i for i, m in enumerate(results.inputs.row_models) if m == "Antminer S21"]
    expected = results.breakevens.hashprice_usd_per_ph_day[s21[0]]
    (label,) = [
        k
        for k in lines
        if k.startswith("Antminer S21 ") and "XP" not in k and "Hyd" not in k and "Pro" not in k
    ]
    assert np.allclose(lines[label][1], expected)


def test_money_formats() -> None:
    assert format_money(-1_234_567) == "-$1.23M"
    assert format_money(950) == "$950"
    assert format_money_tick(5_000_000, 5_000_000) == "$5M"


def test_export_png_of_every_chart(panel, sample, tmp_path: Path) -> None:
    panel.show_results(run(sample))
    for tab, key in enumerate(CHART_KEYS):
        out = tmp_path / f"{key}.png"
        panel.export_png(out, tab)
        data = out.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1_000


def test_hover_reads_the_month_under_the_mouse(panel, sample, qtbot) -> None:
    results = run(sample)
    panel.show_results(results)
    qtbot.wait(20)  # let the plot lay itself out before mapping view to scene
    plot = panel.plots["cash_flow"]
    view = plot.getPlotItem().getViewBox()
    scene_point = view.mapViewToScene(pg.Point(16.5, 0.0))  # the halving month, 2028-04
    plot.scene().sigMouseMoved.emit(scene_point)
    text = panel.readout.text()
    assert "2028-04" in text
    assert format_money(float(results.fleet.revenue_usd[0, 16])) in text


def test_typed_editors(window) -> None:
    from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QStyleOptionViewItem

    view = window.sheets["fleet"]
    model = window.models["fleet"]
    delegate = view.itemDelegate()

    def editor(key: str):
        return delegate.createEditor(
            view.viewport(), QStyleOptionViewItem(), model.index(0, model.column_index(key))
        )

    site = editor("site")
    assert isinstance(site, QComboBox)
    assert [site.itemText(i) for i in range(site.count())] == [
        "Pecos, TX",
        "Hosted - Ohio",
        "Williston, ND",
    ]
    month = editor("purchase_month")
    assert isinstance(month, QDateEdit) and month.displayFormat() == "yyyy-MM"
    delegate.setEditorData(month, model.index(0, model.column_index("purchase_month")))
    assert month.date().toString("yyyy-MM") == "2021-09"
    count = editor("count")
    assert isinstance(count, QLineEdit)
    delegate.setEditorData(count, model.index(0, model.column_index("count")))
    assert count.text() == "4,000"
    count.setText("4,100")
    delegate.setModelData(count, model, model.index(0, model.column_index("count")))
    assert window.document.project.fleet[0].count == 4_100
