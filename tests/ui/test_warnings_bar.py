"""Warnings in view: the bar under the KPI strip lists every warning, a click goes to the
cell, and the Sites table shows each site's peak draw against its capacity."""

from __future__ import annotations

from PySide6.QtCore import Qt

SETTLE_MS = 10_000


def _settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.document.results is not None, timeout=SETTLE_MS)
    qtbot.waitUntil(lambda: not window.document.computing, timeout=SETTLE_MS)


def _edit(qtbot, window, section: str, row: int, key: str, text: str) -> None:
    model = window.models[section]
    column = model.column_index(key)
    with qtbot.waitSignal(window.document.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(model.index(row, column), text, Qt.ItemDataRole.EditRole)
    _settle(qtbot, window)


def test_a_site_over_capacity_is_shown_and_a_click_goes_to_its_capacity(qtbot, window) -> None:
    _settle(qtbot, window)
    bar = window.warnings_bar
    assert bar.isHidden() and bar.list.count() == 0  # the sample fits its sites
    sites = [s.name for s in window.document.project.sites]
    pecos = sites.index("Pecos, TX")
    _edit(qtbot, window, "sites", pecos, "capacity_mw", "10")
    assert not bar.isHidden()
    assert bar.list.count() == 1
    text = bar.list.item(0).text()
    assert "site 'Pecos, TX': rigs draw 42.51 MW" in text and "capacity of 10.00 MW" in text
    assert bar.title.text() == "<b>1 warning</b>"
    window.tabs.setCurrentIndex(0)  # the Fleet tab
    bar.list.itemClicked.emit(bar.list.item(0))
    view, model = window.sheets["sites"], window.models["sites"]
    assert window.current_sheet() is view
    assert view.currentIndex().row() == pecos
    assert model.columns[view.currentIndex().column()].key == "capacity_mw"
    # The Sites table: peak draw and its share of capacity, in red above 100 %.
    peak = model.index(pecos, model.column_index("result:peak_mw"))
    use = model.index(pecos, model.column_index("result:utilisation"))
    assert model.data(peak) == "42.51"
    assert model.data(use) == "425.1%"
    assert model.data(use, Qt.ItemDataRole.ForegroundRole) is not None
    # Put back, the warning goes and the bar hides.
    _edit(qtbot, window, "sites", pecos, "capacity_mw", "60")
    assert bar.isHidden() and bar.list.count() == 0
    assert model.data(use, Qt.ItemDataRole.ForegroundRole) is None


def test_rows_outside_the_horizon_are_warnings_that_lead_to_their_month(qtbot, window) -> None:
    _settle(qtbot, window)
    _edit(qtbot, window, "fleet", 1, "purchase_month", "2040-01")
    bar = window.warnings_bar
    texts = [bar.list.item(i).text() for i in range(bar.list.count())]
    name = window.document.project.fleet[1].name
    assert any(f"fleet row {name!r}: bought after the horizon" in t for t in texts)
    item = next(
        bar.list.item(i)
        for i in range(bar.list.count())
        if "bought after" in bar.list.item(i).text()
    )
    bar.list.itemClicked.emit(item)
    view, model = window.sheets["fleet"], window.models["fleet"]
    assert window.current_sheet() is view
    assert view.currentIndex().row() == 1
    assert model.columns[view.currentIndex().column()].key == "purchase_month"


def _edit_treasury(qtbot, window, key: str, text: str) -> None:
    from planner.domain.schema import TREASURY_COLUMNS

    model = window.models["treasury"]
    row = next(i for i, c in enumerate(TREASURY_COLUMNS) if c.key == key)
    with qtbot.waitSignal(window.document.resultsChanged, timeout=SETTLE_MS):
        assert model.setData(model.index(row, 0), text, Qt.ItemDataRole.EditRole)
    _settle(qtbot, window)


def test_cash_below_the_buffer_is_a_warning_that_leads_to_the_buffer(qtbot, window) -> None:
    from planner.domain.months import format_month
    from planner.domain.schema import TREASURY_COLUMNS

    _settle(qtbot, window)
    bar = window.warnings_bar
    assert bar.isHidden()  # the sample's policy keeps cash at the buffer
    _edit_treasury(qtbot, window, "cover_shortfalls", "No")
    treasury = window.document.treasury
    first = int(treasury.runway_with_sales_months[0])
    month = format_month(window.document.results.inputs.timeline.month_starts[first])
    texts = [bar.list.item(i).text() for i in range(bar.list.count())]
    item = next(
        bar.list.item(i) for i, t in enumerate(texts) if "below the minimum cash buffer" in t
    )
    assert f"cash ends {month} at" in item.text() and "$5,000,000" in item.text()
    window.tabs.setCurrentIndex(0)
    bar.list.itemClicked.emit(item)
    assert window.tabs.currentWidget() is window.treasury
    view = window.sheets["treasury"]
    assert window.current_sheet() is view
    assert TREASURY_COLUMNS[view.currentIndex().row()].key == "min_cash_usd"


def test_a_margin_call_is_a_warning_that_leads_to_the_loans_line(qtbot, window) -> None:
    from planner.domain.months import format_month

    _settle(qtbot, window)
    project = window.document.project
    row = next(i for i, d in enumerate(project.debt) if d.type == "btc_loan")
    base = next(i for i, s in enumerate(project.scenarios) if s.name == "Base")
    # BTC halving in value each year takes the loan's LTV (59.7 % at the draw) past its
    # margin call (75 %), and later its liquidation line (85 %).
    _edit(qtbot, window, "scenarios", base, "btc_price_growth_per_year", "-50%")
    model = window.models["debt"]
    calls = [c for c in window.document.treasury.margin_calls() if c.btc_topped_up > 0]
    sold = [c for c in window.document.treasury.margin_calls() if c.btc_liquidated > 0]
    assert calls and sold
    texts = [
        window.warnings_bar.list.item(i).text() for i in range(window.warnings_bar.list.count())
    ]
    assert any("debt 'BTC-backed credit line': liquidation in" in t for t in texts)
    month = format_month(window.document.results.inputs.timeline.month_starts[calls[0].month])
    bar = window.warnings_bar
    item = next(
        bar.list.item(i)
        for i in range(bar.list.count())
        if "margin call" in bar.list.item(i).text()
    )
    assert f"debt 'BTC-backed credit line': margin call in {len(calls):,} month" in item.text()
    assert f"first {month}" in item.text()
    window.tabs.setCurrentIndex(0)
    bar.list.itemClicked.emit(item)
    assert window.tabs.currentWidget() is window.treasury
    view = window.sheets["debt"]
    assert window.current_sheet() is view
    assert view.currentIndex().row() == row
    assert model.columns[view.currentIndex().column()].key == "margin_call_ltv"
