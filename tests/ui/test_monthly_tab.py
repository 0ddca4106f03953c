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
    assert labels[0] == "Blocks (network)" and labels[-1] == "Hedge settlements (USD)"
    assert labels.index("Cumulative free cash flow (USD)") < labels.index("Cash at month end (USD)")
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


def _row(model, label: str) -> int:
    labels = [
        model.headerData(r, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
        for r in range(model.rowCount())
    ]
    return labels.index(label)


def _column(model, header: str) -> int:
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    return next(i for i, h in enumerate(headers) if h.split("\n")[0] == header)


def test_the_fleet_grid_has_the_treasury_lines_of_the_engine(qtbot, window, sample) -> None:
    from planner.engine.treasury import run_treasury

    _settle(qtbot, window)
    window.tabs.setCurrentWidget(window.monthly)
    treasury = run_treasury(run(sample), sample)
    grid = window.monthly.model.grid
    model = window.monthly.model
    cash_end = _row(model, "Cash at month end (USD)")
    june = _column(model, "2027-06")
    t = int(grid.columns[june].months[0])
    assert grid.value(cash_end, june) == pytest.approx(float(treasury.cash_end_usd[0, t]))
    assert model.data(model.index(cash_end, june)) == money(float(treasury.cash_end_usd[0, t]))
    # A year's subtotal: balances take its last (cash end) or first (cash start) month,
    # flows add up, the price is the mean.
    year = _column(model, "2027 total")
    months = grid.columns[year].months
    assert grid.value(cash_end, year) == pytest.approx(float(treasury.cash_end_usd[0, months[-1]]))
    start = _row(model, "Cash at month start (USD)")
    assert grid.value(start, year) == pytest.approx(float(treasury.cash_start_usd[0, months[0]]))
    sold = _row(model, "BTC sold (BTC)")
    assert grid.value(sold, year) == pytest.approx(float(treasury.btc_sold[0, months].sum()))
    held = _row(model, "BTC held at month end (BTC)")
    assert grid.value(held, year) == pytest.approx(float(treasury.btc_held_end[0, months[-1]]))
    price = _row(model, "BTC price (USD/BTC)")
    assert grid.value(price, year) == pytest.approx(float(treasury.btc_price_usd[0, months].mean()))
    for label, values in (
        ("Debt at month end (USD)", None),
        ("Interest paid (USD)", treasury.interest_usd[0, months].sum()),
        ("Principal repaid (USD)", treasury.principal_usd[0, months].sum()),
        ("Hedge settlements (USD)", treasury.hedge_settlement_usd[0, months].sum()),
    ):
        expected = treasury.debt_end_usd[0, months[-1]] if values is None else values
        assert grid.value(_row(model, label), year) == pytest.approx(float(expected))
    # A site's grid has no treasury lines.
    window.monthly.chooser.setCurrentIndex(1)
    assert "Cash at month end (USD)" not in [line.label for line in window.monthly.model.grid.lines]


def test_without_a_treasury_the_fleet_grid_has_no_treasury_lines(qtbot, window, sample) -> None:
    bare = sample.model_copy(update={"treasury": None, "debt": [], "hedges": []})
    window.document.replace(bare, None)
    window.tabs.setCurrentWidget(window.monthly)
    labels = [line.label for line in window.monthly.model.grid.lines]
    assert labels[-1] == "Cumulative free cash flow (USD)"
