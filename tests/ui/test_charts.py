"""The charts panel plots the engine's numbers, updates its items in place, and exports PNGs."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from planner.engine import Results, run
from planner.engine import metrics as m
from planner.io.display import money_short as format_money
from planner.io.display import money_tick as format_money_tick
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from planner.ui.chart_parts import curve_data
from planner.ui.charts import CHART_KEYS, ChartsPanel, MoneyAxis, MonthAxis

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def project():
    return load_project(sample_project_path())


@pytest.fixture(scope="module")
def base(project) -> Results:
    return run(project)


@pytest.fixture(scope="module")
def bull(project) -> Results:
    return run(project, "Bull")


@pytest.fixture
def panel(qtbot) -> ChartsPanel:
    widget = ChartsPanel()
    qtbot.addWidget(widget)
    return widget


def mid(results: Results) -> np.ndarray:
    return np.arange(results.inputs.months) + 0.5


def model_breakevens(results: Results, room: int = 7) -> dict[str, float]:
    """The hashprice chart's breakeven lines, computed here by hand: the count-weighted
    mean of each model's finite row breakevens; with more than 7 models (the sample has
    11), of each efficiency class (J/TH band) instead, labelled with its model count."""
    inputs = results.inputs
    j_per_th = inputs.power_w / inputs.hashrate_th
    bands = [
        ("under 15 J/TH", 0, 15),
        ("15–18 J/TH", 15, 18),
        ("18–21 J/TH", 18, 21),
        ("21–25 J/TH", 21, 25),
        ("25–30 J/TH", 25, 30),
        ("30–38 J/TH", 30, 38),
        ("38+ J/TH", 38, math.inf),
    ]
    values = results.breakevens.hashprice_usd_per_ph_day
    finite = np.isfinite(values) & (inputs.count > 0)
    models = np.array(inputs.row_models)
    if len(set(models[finite])) <= room:
        groups = [(f"{m} breakeven", models == m) for m in dict.fromkeys(inputs.row_models)]
    else:
        groups = []
        for name, low, high in bands:
            rows = (j_per_th >= low) & (j_per_th < high)
            count = len(set(models[rows & finite]))
            noun = "model" if count == 1 else "models"
            groups.append((f"{name} breakeven ({count} {noun})", rows))
    out: dict[str, float] = {}
    for label, rows in groups:
        if (rows & finite).any():
            weights = inputs.count[rows & finite]
            out[label] = float(np.average(values[rows & finite], weights=weights))
    return out


def item_ids(panel: ChartsPanel) -> dict[str, list[int]]:
    return {
        key: [id(item) for item in panel.plots[key].getPlotItem().listDataItems()]
        for key in CHART_KEYS
    }


def test_plotted_arrays_are_the_engines(panel, base):
    panel.show_results(base)
    fleet = base.fleet
    x = mid(base)

    cash = panel.series("cash_flow")
    assert list(cash) == ["Revenue", "Power cost", "Opex", "Free cash flow"]
    for label, field in [
        ("Revenue", "revenue_usd"),
        ("Power cost", "power_cost_usd"),
        ("Opex", "opex_usd"),
        ("Free cash flow", "free_cash_flow_usd"),
    ]:
        np.testing.assert_allclose(cash[label][0], x)
        np.testing.assert_allclose(cash[label][1], getattr(fleet, field)[0])

    cx, cy = panel.series("cumulative")["Cumulative FCF"]
    np.testing.assert_allclose(cx, x + 0.5)  # balances at month ends
    np.testing.assert_allclose(cy, np.cumsum(fleet.free_cash_flow_usd[0]))

    hashprice = panel.series("hashprice")
    np.testing.assert_allclose(hashprice["Hashprice"][0], x)
    np.testing.assert_allclose(hashprice["Hashprice"][1], base.market.hashprice_usd_per_ph_day)
    expected = model_breakevens(base)
    assert set(hashprice) == {"Hashprice", *expected}
    assert len(set(base.inputs.row_models)) == 11  # grouped by efficiency class
    assert list(expected) == [
        "under 15 J/TH breakeven (2 models)",
        "15–18 J/TH breakeven (3 models)",
        "18–21 J/TH breakeven (3 models)",
        "21–25 J/TH breakeven (1 model)",
        "25–30 J/TH breakeven (2 models)",
    ]
    assert list(panel._breakevens.names) == list(expected)  # best class first
    for label, value in expected.items():
        bx, by = hashprice[label]
        np.testing.assert_allclose(bx, [0.0, base.inputs.months])
        np.testing.assert_allclose(by, [value, value])

    btc = panel.series("btc_price")
    np.testing.assert_allclose(btc["BTC price"][1], base.market.btc_price_usd)
    mined = fleet.btc_mined[0]
    cash_cost = fleet.power_cost_usd[0] + fleet.opex_usd[0]
    np.testing.assert_allclose(btc["Cash cost per BTC"][1], cash_cost / mined)
    np.testing.assert_allclose(
        btc["All-in cost per BTC"][1], (cash_cost + fleet.depreciation_usd[0]) / mined
    )

    sites = panel.series("by_site")
    assert list(sites) == list(base.inputs.site_names)
    for s, name in enumerate(base.inputs.site_names):
        np.testing.assert_allclose(sites[name][0], x)
        np.testing.assert_allclose(sites[name][1], base.sites.ebitda_usd[s])


def test_cost_per_btc_is_nan_in_months_without_btc(panel, project):
    june = date(2027, 6, 1)
    later = [
        row.model_copy(update={"purchase_month": june, "online_month": june})
        for row in project.fleet
    ]
    results = run(project.model_copy(update={"fleet": later}))
    panel.show_results(results)
    mined = results.fleet.btc_mined[0]
    assert not mined[:6].any() and mined[6:].all()
    btc = panel.series("btc_price")
    cash = results.fleet.power_cost_usd[0] + results.fleet.opex_usd[0]
    all_in = cash + results.fleet.depreciation_usd[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_cash = np.where(mined > 0, cash / mined, np.nan)
        expected_all_in = np.where(mined > 0, all_in / mined, np.nan)
    assert np.isnan(btc["Cash cost per BTC"][1][:6]).all()
    np.testing.assert_allclose(btc["Cash cost per BTC"][1], expected_cash)
    np.testing.assert_allclose(btc["All-in cost per BTC"][1], expected_all_in)
    assert panel._cash_cost.opts["connect"] == "finite"


def test_halving_marker_sits_at_its_fractional_month(panel, base, project):
    panel.show_results(base)
    assert base.inputs.timeline.month_starts[16] == date(2028, 4, 1)
    # 2028-04-08 (blocks a little faster as the network grows): month 16 plus 7 of its
    # 30 days, and the hours of the 8th.
    assert 16 + 7 / 30 <= panel.halving_x < 16 + 8 / 30
    for key in CHART_KEYS:
        line = panel._halving_lines[key]
        assert line.isVisibleTo(panel.plots[key].getPlotItem())
        assert line.value() == pytest.approx(panel.halving_x)

    panel.show_results(run(project, None, 12))  # the halving is after the horizon
    assert panel.halving_x is None
    assert not any(line.isVisible() for line in panel._halving_lines.values())


def test_payback_marker(panel, project, bull):
    panel.tabs.setCurrentIndex(CHART_KEYS.index("cumulative"))  # the marker's chart in view
    # The sample's Bear scenario never pays back (its Base does, in month 59.8).
    never = run(project, "Bear")
    assert int(never.fleet_kpis.payback_status[0]) == m.NEVER
    panel.show_results(never)
    assert panel.payback_point is None
    assert not panel._payback.isVisible()

    assert int(bull.fleet_kpis.payback_status[0]) == m.PAID_BACK
    panel.show_results(bull)
    at = float(bull.fleet_kpis.payback_at_month[0])
    assert panel.payback_point == pytest.approx((at, 0.0))
    assert panel._payback.isVisible()
    px, py = panel._payback.getData()
    np.testing.assert_allclose(px, [at])
    np.testing.assert_allclose(py, [0.0])
    # The cumulative line, drawn at month ends, crosses zero at the payback point.
    cx, cy = panel.series("cumulative")["Cumulative FCF"]
    assert np.interp(0.0, cy[5:], cx[5:]) == pytest.approx(at)

    panel.show_results(never)
    assert panel.payback_point is None
    assert not panel._payback.isVisible()


@pytest.mark.parametrize("second", ["Bull", "24 months"])
def test_a_second_result_updates_the_same_items(panel, base, project, second):
    panel.show_results(base)
    before = item_ids(panel)
    bars = id(panel._fcf_bars)
    other = run(project, "Bull") if second == "Bull" else run(project, None, 24)
    panel.show_results(other)
    assert item_ids(panel) == before
    assert id(panel._fcf_bars) == bars

    months = other.inputs.months
    x = mid(other)
    revenue = panel.series("cash_flow")["Revenue"]
    np.testing.assert_allclose(revenue[0], x)
    np.testing.assert_allclose(revenue[1], other.fleet.revenue_usd[0])
    fcf = panel.series("cash_flow")["Free cash flow"]
    assert fcf[1].shape == (months,)
    np.testing.assert_allclose(fcf[1], other.fleet.free_cash_flow_usd[0])
    np.testing.assert_allclose(
        panel.series("cumulative")["Cumulative FCF"][1],
        np.cumsum(other.fleet.free_cash_flow_usd[0]),
    )
    np.testing.assert_allclose(
        panel.series("btc_price")["BTC price"][1], other.market.btc_price_usd
    )
    for label, value in model_breakevens(other).items():
        np.testing.assert_allclose(panel.series("hashprice")[label], [[0, months], [value, value]])
    if second == "Bull":
        assert not np.allclose(other.market.btc_price_usd, base.market.btc_price_usd)
    else:
        assert months == 24
        assert panel._month_axes["cash_flow"].tickStrings([23.0], 1.0, 12.0) == ["2028-11"]


def test_site_and_model_curves_follow_the_project(panel, project, base):
    panel.tabs.setCurrentIndex(CHART_KEYS.index("by_site"))  # the sites' chart in view
    panel.show_results(base)
    curves = list(panel._sites.curves)
    legend = panel._legends["by_site"]
    assert len(legend.items) == 3

    gone = "Hosted - Ohio"
    smaller = project.model_copy(
        update={
            "sites": [s for s in project.sites if s.name != gone],
            "fleet": [r for r in project.fleet if r.site != gone],
        }
    )
    fewer = run(smaller)
    panel.show_results(fewer)
    sites = panel.series("by_site")
    assert list(sites) == list(fewer.inputs.site_names)
    for s, name in enumerate(fewer.inputs.site_names):
        np.testing.assert_allclose(sites[name][1], fewer.sites.ebitda_usd[s])
    assert len(legend.items) == 2
    assert [item.item for item, _ in legend.items] == curves[:2]
    assert not curves[2].isVisible()
    assert set(panel.series("hashprice")) == {"Hashprice", *model_breakevens(fewer)}

    panel.show_results(base)  # back to three sites: the same three curves
    assert panel._sites.curves == curves
    assert all(curve.isVisible() for curve in curves)
    assert [label.text for _, label in legend.items] == list(base.inputs.site_names)
    assert list(panel.series("by_site")) == list(base.inputs.site_names)
    panel.series("hashprice")  # out of view: drawn when read
    hashprice_legend = panel._legends["hashprice"]
    assert len(hashprice_legend.items) == 1 + len(model_breakevens(base))


def test_money_formats():
    axis = MoneyAxis()
    assert axis.tickStrings([-1_234_567.0, 950.0], 1.0, 1.0) == ["-$1.23M", "$950"]
    assert axis.tickStrings([-5e5, 0.0, 5e5, 1e6, 1.5e6], 1.0, 5e5) == [
        "-$500k",
        "$0",
        "$500k",
        "$1.0M",
        "$1.5M",
    ]
    assert format_money_tick(-350_000, 50_000) == "-$350k"
    assert format_money_tick(900, 100) == "$900"
    assert format_money_tick(1_200_000, 200_000) == "$1.2M"
    assert format_money(-1_234_567) == "-$1.23M"
    assert format_money(950) == "$950"
    assert format_money(-350_000) == "-$350k"
    assert format_money(999_999) == "$1.00M"
    assert format_money(math.nan) == "n/a"


def test_month_axis_labels(panel, base):
    panel.show_results(base)
    axis = panel._month_axes["cumulative"]
    assert isinstance(axis, MonthAxis)
    levels = axis.tickValues(0.0, 60.0, 900.0)
    spacing, values = levels[0]
    assert axis.tickStrings(values, 1.0, spacing)[:2] == ["2027-01", "2027-07"]
    assert axis.tickStrings([0.0, 16.0], 1.0, spacing) == ["2026-12", "2028-04"]


def test_hover_readout_shows_the_month_under_the_mouse(panel, base, qtbot):
    panel.show_results(base)
    plot = panel.plots["cash_flow"]
    plot.getPlotItem().setGeometry(0, 0, 1000, 500)
    plot.getPlotItem().layout.activate()
    view = plot.getPlotItem().getViewBox()
    view.setRange(xRange=(0, 60), yRange=(-2e7, 6e6), padding=0)
    plot.scene().sigMouseMoved.emit(view.mapViewToScene(QPointF(16.4, 0.0)))
    text = panel.readout.text()
    assert text.startswith("2028-04")
    assert f"Revenue {format_money(base.fleet.revenue_usd[0][16])}" in text
    assert "halving about 2028-04-08" in text

    panel.tabs.setCurrentIndex(CHART_KEYS.index("btc_price"))
    assert "BTC price $" in panel.readout.text() and "/BTC" in panel.readout.text()

    panel.tabs.setCurrentIndex(CHART_KEYS.index("hashprice"))
    price = base.market.hashprice_usd_per_ph_day[16]
    per_model = model_breakevens(base, room=100)  # the readout names models, not classes
    covered = sum(value <= price for value in per_model.values())
    text = panel.readout.text()
    assert f"Hashprice ${price:,.2f}/PH/day" in text
    assert f"above {covered} of {len(per_model)} model breakevens" in text


@pytest.mark.parametrize("tab", range(len(CHART_KEYS)))
def test_export_png_writes_each_chart(panel, bull, tmp_path, tab):
    panel.show_results(bull)
    path = tmp_path / f"{CHART_KEYS[tab]}.png"
    panel.export_png(path, tab)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1024


def test_export_png_defaults_to_the_current_tab(panel, base, tmp_path):
    panel.show_results(base)
    panel.tabs.setCurrentIndex(2)
    panel.export_png(str(tmp_path / "current.png"))
    assert (tmp_path / "current.png").read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(IndexError):
        panel.export_png(tmp_path / "none.png", 9)


def test_only_the_chart_in_view_is_drawn_until_another_is_chosen(panel, base, bull):
    panel.show_results(base)
    panel.show_results(bull)
    # The cash flow chart, in view, has the newest results; the BTC chart waits.
    revenue = panel.series("cash_flow")["Revenue"][1]
    np.testing.assert_allclose(revenue, bull.fleet.revenue_usd[0])
    assert "btc_price" in panel._stale
    _x, y = curve_data(panel._btc_price)
    assert len(y) == 0  # never drawn yet
    panel.tabs.setCurrentIndex(CHART_KEYS.index("btc_price"))
    assert "btc_price" not in panel._stale
    np.testing.assert_allclose(curve_data(panel._btc_price)[1], bull.market.btc_price_usd)


def test_unknown_chart_name(panel):
    with pytest.raises(KeyError):
        panel.series("pie")


def test_the_readout_shares_the_tab_row_and_keeps_its_whole_text(qtbot, window) -> None:
    """At 1280x720 the hover readout sits in the charts' tab row, beside the tabs and
    before Export PNG (a row of its own cost the plot its height), one line, its whole
    text in the tooltip."""
    window.resize(1280, 720)
    charts = window.charts
    tab_bar = charts.tabs.tabBar()
    qtbot.waitUntil(lambda: tab_bar.width() >= tab_bar.sizeHint().width())
    assert charts.corner.width() > 400
    corner = charts.corner.geometry()
    assert abs(corner.center().y() - tab_bar.geometry().center().y()) <= 4
    assert corner.left() >= tab_bar.geometry().left() + tab_bar.sizeHint().width()
    assert corner.right() <= charts.width()
    assert charts.export_button.geometry().right() <= charts.corner.width()
    long_text = "2028-04  ·  " + "Hashprice $21.94/PH/day  ·  " * 12
    charts.readout.setText(long_text)
    assert charts.readout.text() == long_text and charts.readout.toolTip() == long_text
    assert charts.readout.height() <= tab_bar.height() + 4
