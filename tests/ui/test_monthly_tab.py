"""The Monthly tab: the fleet, a site or a row by month, subtotals, the halving marked,
copy with headers for Excel, CSV export, and the sites' answers beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from planner.engine import run
from planner.io.display import money

SETTLE_MS = 10_000


def _settle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.document.results is not None, timeout=SETTLE_MS)
    qtbot.waitUntil(lambda: not window.document.computing, timeout=SETTLE_MS)


def test_the_grid_follows_the_chooser_and_copies_with_headers(qtbot, window, sample) -> None:
    _settle(qtbot, window)
    tab = window.monthly
    window.tabs.setCurrentWidget(tab)
    results = run(sample)
    model = tab.model
    labels = [
        model.headerData(r, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
        for r in range(model.rowCount())
    ]
    assert labels[0] == "Blocks (network)" and labels[-1] == "Cumulative free cash flow (USD)"
    fcf = labels.index("Free cash flow (USD)")
    total = model.columnCount() - 1
    assert (
        model.headerData(total, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Total"
    )
    shown = model.data(model.index(fcf, total))
    assert shown == money(float(results.fleet_kpis.free_cash_flow_usd[0]), compact=False)
    halving = [
        c
        for c in range(model.columnCount())
        if "halving" in model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    ]
    assert len(halving) == 1
    assert model.data(model.index(0, halving[0]), Qt.ItemDataRole.BackgroundRole) is not None
    # A site, then a row: the chooser lists the fleet, each site, each row.
    titles = [tab.chooser.itemText(i) for i in range(tab.chooser.count())]
    assert titles[0] == "Fleet" and titles[1] == f"Site: {results.inputs.site_names[0]}"
    row_title = f"Row: {results.inputs.row_names[1]}"
    tab.chooser.setCurrentIndex(titles.index(row_title))
    row_labels = [
        model.headerData(r, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
        for r in range(model.rowCount())
    ]
    assert "Corporate G&A (USD)" in labels and "Corporate G&A (USD)" not in row_labels
    fcf = row_labels.index("Free cash flow (USD)")
    assert model.data(model.index(fcf, total)) == money(
        float(results.row_kpis.free_cash_flow_usd[1]), compact=False
    )
    # Copy: the selected cells with their line labels and month headers, numbers plain.
    selection = tab.table.selectionModel()
    selection.select(model.index(fcf, 0), QItemSelectionModel.SelectionFlag.Select)
    selection.select(model.index(fcf, 1), QItemSelectionModel.SelectionFlag.Select)
    tab.copy()
    lines = QGuiApplication.clipboard().text().split("\n")
    header = lines[0].split("\t")
    columns = tab.model.grid.columns
    assert header == [row_title, columns[0].header, columns[1].header]
    assert columns[0].header == results.inputs.timeline.month_starts[0].strftime("%Y-%m")
    values = lines[1].split("\t")
    assert values[0] == "Free cash flow (USD)"
    assert float(values[1]) == pytest.approx(float(results.row_free_cash_flow()[1][0]), abs=1e-9)
    # The site table beside it: every site, its NPV and peak use of capacity.
    assert tab.sites.rowCount() == len(results.inputs.site_names)
    assert tab.sites.item(0, 1).text() == money(float(results.site_kpis.npv_usd[0]), compact=False)
    assert tab.sites.item(0, 8).text().endswith("%")


def test_export_csv_and_it_keeps_the_choice_after_an_edit(qtbot, window, tmp_path: Path) -> None:
    _settle(qtbot, window)
    tab = window.monthly
    window.tabs.setCurrentWidget(tab)
    titles = [tab.chooser.itemText(i) for i in range(tab.chooser.count())]
    tab.chooser.setCurrentIndex(2)
    chosen = titles[2]
    target = tmp_path / "grid.csv"
    tab.ask_csv_path = lambda: target
    assert tab.export_csv() == target
    text = target.read_text(encoding="utf-8-sig")
    assert text.startswith(chosen + ",")
    # An edit made on the Sites tab recomputes; the hidden grid waits until it is shown,
    # and then still shows the same site, with the new figures.
    before = tab.model.grid
    window.tabs.setCurrentWidget(window.pages["sites"])
    model = window.models["sites"]
    with qtbot.waitSignal(window.document.resultsChanged, timeout=SETTLE_MS):
        model.setData(model.index(0, model.column_index("uptime")), "90%", Qt.ItemDataRole.EditRole)
    _settle(qtbot, window)
    assert tab.follower.behind and tab.model.grid is before
    window.tabs.setCurrentWidget(tab)
    assert not tab.follower.behind and tab.model.grid is not before
    assert tab.chooser.currentText() == chosen
