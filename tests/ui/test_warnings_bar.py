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
