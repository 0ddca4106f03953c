"""Hourly power in the window: the Fleet and Sites tables' power columns hold the engine's
figures (and, for a month worked by hand, the hand's), the totals row weighs uptime and
price by energy, and the price-duration chart draws the month's prices and each model's
strike.

The hand case (tests/engine/conftest.py's scenario): June 2027, 720 hours, a third at
$30, a third at $100 and a third at $1,000/MWh; an index contract with a $5/MWh adder.
An S21 earns $0.125158 a kWh at full running (its strike): it runs where price + adder
is below, the 480 hours at $30 and $100, uptime 2/3, and pays (30 + 100) / 2 + 5 = $70
a MWh. An S19j Pro earns $0.074246: only the 240 hours at $30, uptime 1/3, $35 a MWh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from planner.domain.price_profile import PriceProfile
from planner.domain.project import Project
from planner.engine import compile_inputs, compute
from planner.engine.hourly_view import ModelStrike
from planner.io.display import money
from planner.ui.charts import POWER_TITLE, ChartsPanel
from planner.ui.document import ProjectDocument
from planner.ui.power_chart import (
    MAX_DRAWN_POINTS,
    NO_PROFILE,
    NOT_HOURLY,
    PowerChart,
    drawn_points,
    hover_text,
    key_entries,
    key_html,
)
from planner.ui.table_model import SectionModel
from planner.ui.totals_row import TotalsModel
from tests.engine.conftest import make_project

CHICAGO = ZoneInfo("America/Chicago")
S21_USD_PER_KWH = 200 * 144 * 3.145 * 0.975 / 800e6 * 100_000 / 88.2
S19J_USD_PER_KWH = 104 * 144 * 3.145 * 0.975 / 800e6 * 100_000 / (3.068 * 1.05 * 24)
S21_KW = 10 * 3.5 * 1.05  # ten rigs with the cooling overhead
S19J_KW = 10 * 3.068 * 1.05
JUNE_HOURS = 720
INDEX = {"name": "Power", "type": "index", "price_usd_per_kwh": 0.04, "adder_usd_per_kwh": 0.005}


def thirds_profile() -> PriceProfile:
    """2024 by the hour on Chicago's clock: June's hours by thirds at $30, $100 and
    $1,000/MWh (days 1-10, 11-20, 21-30), other months at $30."""
    start = datetime(2024, 1, 1, 6, tzinfo=UTC)  # midnight CST
    prices = []
    for h in range(366 * 24):
        local = (start + timedelta(hours=h)).astimezone(CHICAGO)
        third = min((local.day - 1) // 10, 2) if local.month == 6 else 0
        prices.append((30.0, 100.0, 1000.0)[third])
    return PriceProfile(
        source="test",
        time_zone="America/Chicago",
        start_utc=start,
        interval_minutes=60,
        usd_per_mwh=prices,
    )


def hand_project(site: dict | None = None, contract: dict | None = None) -> Project:
    """One June at an index site with the thirds profile: ten S21s and ten S19j Pros; a
    second site without a profile holds ten S21s on a fixed contract."""
    project = make_project(
        fleet=[
            {"model": "S21", "count": 10, "purchase_month": "2027-06"},
            {"model": "S19j Pro", "count": 10, "purchase_month": "2027-06"},
        ],
        contract={**INDEX, **(contract or {})},
        site={"uptime": 1.0, "price_profile": thirds_profile(), **(site or {})},
        finance={"horizon_months": 1},
    )
    plain = project.sites[0].model_copy(
        update={
            "name": "Plain",
            "price_profile": None,
            "contract": "Fixed",
            "demand_response_mw": 0.0,
        }
    )
    fixed = project.contracts[0].model_copy(
        update={"name": "Fixed", "type": "fixed", "price_usd_per_kwh": 0.06, "adder_usd_per_kwh": 0}
    )
    row = project.fleet[0].model_copy(update={"name": "Plain S21", "site": "Plain"})
    return project.model_copy(
        update={
            "sites": [*project.sites, plain],
            "contracts": [*project.contracts, fixed],
            "fleet": [*project.fleet, row],
        }
    )


@pytest.fixture
def document(qtbot) -> ProjectDocument:
    doc = ProjectDocument(hand_project())
    doc.recompute()
    return doc


def value(model: SectionModel, row: int, key: str) -> float | None:
    return model.number_at(row, model.column_index(key))[0]


def text(model: SectionModel, row: int, key: str) -> str:
    return model.data(model.index(row, model.column_index(key)))


def test_the_fleet_columns_are_the_engines_and_the_hands(document) -> None:
    model = SectionModel(document, "fleet")
    power = compute(compile_inputs(document.project)).row_power
    for row in range(3):
        assert value(model, row, "result:uptime_effective") == pytest.approx(
            power.uptime_effective[row], rel=1e-12
        )
        assert value(model, row, "result:effective_power_price") == pytest.approx(
            power.effective_power_price_usd_per_kwh[row], rel=1e-12
        )
    # By hand: the S21 runs 2/3 of June at $70/MWh, the S19j Pro 1/3 at $35.
    assert value(model, 0, "result:uptime_effective") == pytest.approx(2 / 3)
    assert value(model, 1, "result:uptime_effective") == pytest.approx(1 / 3)
    assert value(model, 0, "result:effective_power_price") == pytest.approx(0.070)
    assert value(model, 1, "result:effective_power_price") == pytest.approx(0.035)
    assert text(model, 0, "result:uptime_effective") == "66.7%"
    assert text(model, 0, "result:effective_power_price") == "$0.0700"
    # Curtailment savings: the margin on the strike less the margin running all 720
    # hours at the mean price, (30 + 100 + 1,000) / 3 = $376.67 + $5 adder:
    # kWh x [(2/3 r - (30 + 100) / 3 / 1000 - 2/3 x 0.005) - (r - 0.37667 - 0.005)]
    # = kWh x (0.335 - r / 3) for the S21.
    s21_kwh = S21_KW * JUNE_HOURS
    savings = s21_kwh * (0.335 - S21_USD_PER_KWH / 3)
    assert value(model, 0, "result:curtailment_savings_usd") == pytest.approx(savings)
    assert value(model, 0, "result:curtailment_savings_usd") == pytest.approx(
        power.curtailment_savings_usd[0], rel=1e-12
    )
    assert text(model, 0, "result:curtailment_savings_usd") == money(savings)
    assert value(model, 0, "result:power_sales_usd") == 0.0  # an index contract sells none
    # The row at the site without a profile: uptime and price, no strike figures.
    assert value(model, 2, "result:uptime_effective") == pytest.approx(1.0)
    assert value(model, 2, "result:effective_power_price") == pytest.approx(0.06)
    for key in ("result:curtailment_savings_usd", "result:power_sales_usd"):
        assert value(model, 2, key) is None and text(model, 2, key) == "n/a"


def test_the_totals_row_weighs_uptime_and_price_by_energy(document) -> None:
    model = SectionModel(document, "fleet")
    totals = TotalsModel(model, lambda _row: True)
    online_kwh = np.array([S21_KW, S19J_KW, S21_KW]) * JUNE_HOURS
    energy_kwh = online_kwh * [2 / 3, 1 / 3, 1.0]
    uptime = energy_kwh.sum() / online_kwh.sum()
    price = (energy_kwh * [0.070, 0.035, 0.06]).sum() / energy_kwh.sum()
    column = model.column_index("result:uptime_effective")
    assert totals.text_at(column) == f"{uptime:,.1%}"
    assert totals.data(totals.index(0, column), 3) == "Energy-weighted over the rows shown"
    assert totals.text_at(model.column_index("result:effective_power_price")) == (f"${price:,.4f}")
    savings = model.result_array("result:curtailment_savings_usd")
    assert totals.text_at(model.column_index("result:curtailment_savings_usd")) == money(
        float(np.nansum(savings))
    )
    # Over the rows a filter shows: the S19j Pro alone.
    only = TotalsModel(model, lambda row: row == 1, lambda: True)
    assert only.text_at(column) == "33.3%"


def test_the_sites_columns_are_the_engines_site_totals(qtbot) -> None:
    # 0.05 MW enrolled (below the site's 0.069 MW of rigs) at $3,000 a MW-month pays $150
    # in June.
    doc = ProjectDocument(
        hand_project(site={"demand_response_mw": 0.05, "demand_response_usd_per_mw_month": 3000})
    )
    doc.recompute()
    model = SectionModel(doc, "sites")
    results = doc.results
    site = results.site_power
    for s in range(2):
        assert value(model, s, "result:uptime_effective") == pytest.approx(
            site.uptime_effective[s], rel=1e-12
        )
        assert value(model, s, "result:effective_power_price") == pytest.approx(
            site.effective_power_price_usd_per_kwh[s], rel=1e-12
        )
    # By hand: the site's rigs ran (2/3 x 36.75 + 1/3 x 32.214) / (36.75 + 32.214) of June.
    assert value(model, 0, "result:uptime_effective") == pytest.approx(
        (2 / 3 * S21_KW + 1 / 3 * S19J_KW) / (S21_KW + S19J_KW)
    )
    assert value(model, 0, "result:curtailment_savings_usd") == pytest.approx(
        results.row_power.curtailment_savings_usd[:2].sum(), rel=1e-12
    )
    assert value(model, 0, "result:demand_response_usd") == pytest.approx(150.0)
    assert value(model, 0, "result:demand_response_usd") == pytest.approx(
        results.sites.demand_response_usd[0].sum()
    )
    assert text(model, 0, "result:demand_response_usd") == "$150"
    assert text(model, 0, "result:fourcp_savings_usd") == "n/a"  # no 4CP charge
    for key in (
        "result:curtailment_savings_usd",
        "result:power_sales_usd",
        "result:fourcp_savings_usd",
        "result:demand_response_usd",
    ):
        assert text(model, 1, key) == "n/a"  # the site without a profile
    keys = [c.key for c in model.columns]
    assert len(keys) == len(set(keys))  # each column once


def test_power_sales_of_a_fixed_contract_that_resells(qtbot) -> None:
    # A fixed $60/MWh contract that resells at the hour's price less $2/MWh: the S21 runs
    # where price - fee < $125.16 (the $30 and $100 thirds) and sells the $1,000 third:
    # 240 h x 36.75 kW x $0.998/kWh = $8,802.36. The S19j Pro ($74.25) also sells the $100
    # third: 240 h x 32.214 kW x ($0.098 + $0.998).
    doc = ProjectDocument(
        hand_project(
            contract={"type": "fixed", "price_usd_per_kwh": 0.06, "adder_usd_per_kwh": 0.0}
            | {"resale_allowed": True, "resale_fee_usd_per_mwh": 2.0}
        )
    )
    doc.recompute()
    fleet = SectionModel(doc, "fleet")
    s21_sales = 240 * S21_KW * 0.998
    s19j_sales = 240 * S19J_KW * (0.098 + 0.998)
    assert value(fleet, 0, "result:power_sales_usd") == pytest.approx(s21_sales)
    assert value(fleet, 1, "result:power_sales_usd") == pytest.approx(s19j_sales)
    sites = SectionModel(doc, "sites")
    assert value(sites, 0, "result:power_sales_usd") == pytest.approx(s21_sales + s19j_sales)
    # The effective price nets the sales off the fixed price paid for every hour.
    assert value(fleet, 0, "result:effective_power_price") == pytest.approx(
        (S21_KW * JUNE_HOURS * 0.06 - s21_sales) / (S21_KW * 480)
    )


def test_the_chart_draws_the_months_prices_and_each_models_strike(qtbot, document) -> None:
    chart = PowerChart(document)
    qtbot.addWidget(chart)
    chart.pick("Site", "2027-06")
    curve = chart.curve
    assert curve is not None
    # As the rigs face them: price + the $5 adder, dearest first: 240 at $1,005, 240 at
    # $105, 240 at $35.
    x, y = chart.prices.getOriginalDataset()
    assert y[0] == pytest.approx(1005.0) == curve.usd_per_mwh.max()
    assert x[0] == 0.0 and x[-1] == 100.0 and y[-1] == pytest.approx(35.0)
    assert curve.mean_usd_per_mwh == pytest.approx((1005 + 105 + 35) / 3)
    # Each model's strike line at its revenue per kWh, with its efficiency and uptime.
    lines = sorted(line.value() for line in chart.strike_lines if line.isVisible())
    assert lines == pytest.approx(sorted([S19J_USD_PER_KWH * 1000, S21_USD_PER_KWH * 1000]))
    # The key names each line, dearest first, with its price.
    assert chart.key_text.splitlines() == [
        f"${price:,.2f}  {name}"
        for price, name in sorted(
            [
                (S19J_USD_PER_KWH * 1000, "S19j Pro · 29.5 J/TH · runs 33%"),
                (S21_USD_PER_KWH * 1000, "S21 · 17.5 J/TH · runs 67%"),
                (45.0, "Contract average"),
            ],
            reverse=True,
        )
    ]
    # The contract's price of June, the index and the adder: $45/MWh, dashed.
    assert chart.contract.isVisible() and chart.contract.value() == pytest.approx(45.0)
    assert not chart.note.isVisible()
    table = chart.table()
    assert table.headers[:3] == (
        "Share of hours (%)",
        "Price (USD/MWh)",
        "Contract average (USD/MWh)",
    )
    assert len(table.rows) == JUNE_HOURS and table.rows[0][:2] == [0.0, pytest.approx(1005.0)]
    assert table.rows[-1][1] == pytest.approx(35.0)


def test_the_charts_empty_states_say_what_to_do(qtbot) -> None:
    project = hand_project()
    doc = ProjectDocument(project)
    doc.recompute()
    chart = PowerChart(doc)
    qtbot.addWidget(chart)
    chart.show()
    chart.pick("Plain", "2027-06")
    assert chart.curve is None and chart.note.isVisible() and chart.note.text() == NO_PROFILE
    assert chart.table().rows == []
    # A profile under a fixed contract that does not resell: the hour's price sets nothing.
    fixed = project.model_copy(
        update={
            "sites": [project.sites[0].model_copy(update={"contract": "Fixed"}), project.sites[1]]
        }
    )
    doc.replace(fixed, None)
    chart.pick("Site", "2027-06")
    assert chart.note.text() == NOT_HOURLY


def test_the_chart_sits_beside_the_site_charts_and_reads_out_the_hover(qtbot, document) -> None:
    panel = ChartsPanel(document)
    qtbot.addWidget(panel)
    panel.resize(1000, 500)
    panel.show()
    index = [panel.tabs.tabText(i) for i in range(panel.tabs.count())].index(POWER_TITLE)
    panel.tabs.setCurrentIndex(index)
    assert panel.power.curve is not None  # drawn once in view
    curve = panel.power.curve
    # At 50 % of the hours the price is $105/MWh: the S19j Pro (strike $74.25) is off.
    said = hover_text(curve, 50.0)
    assert said.startswith("50.1% of hours at or above $105.00/MWh")
    assert "S19j Pro (strike $74.25)" in said and "S21 (" not in said
    panel.power._say(said)
    assert panel.readout.text() == said


def test_a_long_month_is_drawn_through_evenly_spaced_prices() -> None:
    # 35,040 quarter hours, dearest first: drawn through at most 2,001 points, the first
    # the dearest and the last held to 100 % at the cheapest.
    prices = np.linspace(5000.0, -20.0, 35_040)
    x, y = drawn_points(prices)
    assert x.size <= MAX_DRAWN_POINTS + 1
    assert (x[0], y[0]) == (0.0, 5000.0) and (x[-1], y[-1]) == (100.0, -20.0)
    assert np.all(np.diff(x) > 0) and np.all(np.diff(y) <= 0)


def test_the_key_sits_beside_the_plot_clear_of_every_line(qtbot, document) -> None:
    chart = PowerChart(document)
    qtbot.addWidget(chart)
    for width_px, short in ((1230, False), (300, True)):  # 300: the chart's least, 711
        chart.resize(width_px, 220)
        chart.show()
        chart.pick("Site", "2027-06")
        qtbot.wait(20)
        view = chart.plot.getPlotItem().getViewBox()
        key = chart.key.sceneBoundingRect()
        # The lines are drawn inside the view only: a key outside it crosses none.
        assert not key.intersects(view.sceneBoundingRect())
        inside = chart.plot.getPlotItem().sceneBoundingRect().adjusted(-0.01, -0.01, 0.01, 0.01)
        assert inside.contains(key)
        text = chart.key.item.toPlainText()
        assert key.width() >= chart.key.item.boundingRect().width()  # the text fits
        # 1230 px: the full key (about 260 px) is under 30 % of the width; at the chart's
        # least width (about 711 px, its pickers' row) it is over: the models' names
        # only, the tooltip in full.
        assert ("J/TH" in text) is not short
        assert chart.key.toolTip() == chart.key_text and "J/TH" in chart.key_text


def test_key_entries_run_dearest_first() -> None:
    strikes = (
        ModelStrike("A", 20.0, 30.0, 0.5, 1),
        ModelStrike("B", 17.5, 61.0, 0.9, 2),
    )
    entries = key_entries(45.0, strikes)
    assert [(i, price) for i, price, _name in entries] == [(1, 61.0), (-1, 45.0), (0, 30.0)]
    assert entries[0][2] == "B · 17.5 J/TH · runs 90%"
    html = key_html(entries, {-1: "#222222", 0: "#aa0000", 1: "#00aa00"}, short=True)
    assert html.count("<br>") == 2 and "$61.00&nbsp;&nbsp;B<br>" in html


def test_the_power_tab_exports_a_png_when_not_in_view(qtbot, document, tmp_path) -> None:
    panel = ChartsPanel(document)
    qtbot.addWidget(panel)
    out = tmp_path / "price_duration.png"
    panel.export_png(out, tab=panel.tabs.count() - 1)  # never shown: laid out to export
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert panel.power.curve is not None  # drawn for the export


def test_the_chart_is_drawn_only_once_its_tab_is_in_view(qtbot) -> None:
    doc = ProjectDocument(hand_project())
    panel = ChartsPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    doc.recompute()  # the cash-flow tab in view: the price-duration chart waits
    assert panel.power.follower.drawn == 0 and panel.power.curve is None
    panel.tabs.setCurrentIndex(panel.tabs.count() - 1)
    assert panel.power.follower.drawn == 1 and panel.power.curve is not None


def test_the_site_picked_in_the_sites_table_is_the_charts(qtbot, window) -> None:
    window.tabs.setCurrentWidget(window.pages["sites"])
    sites = window.sheets["sites"]
    power = window.charts.power
    assert power.curve is None  # the chart's tab is not in view: nothing drawn
    names = [s.name for s in window.document.project.sites]
    sites.setCurrentIndex(sites.model().index(names.index("Williston, ND"), 0))
    assert power.site_picker.currentText() == "Williston, ND"
    sites.setCurrentIndex(sites.model().index(names.index("Pecos, TX"), 0))
    assert power.site_picker.currentText() == "Pecos, TX" and power.curve is None
    window.charts.tabs.setCurrentWidget(power)  # in view: Pecos's first month drawn
    assert power.curve is not None and power.curve.site == names.index("Pecos, TX")
