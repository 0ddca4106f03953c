"""Sum, Average and Count of the selection in the status bar, as Excel shows them."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel

from planner.io.display import money


def _select(view, model, top_left, bottom_right) -> None:
    view.selectionModel().select(
        QItemSelection(model.index(*top_left), model.index(*bottom_right)),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )


def test_counts_prices_and_names(window, sample) -> None:
    view, model = window.sheets["fleet"], window.models["fleet"]
    count = model.column_index("count")
    _select(view, model, (0, count), (2, count))
    assert [row.count for row in sample.fleet[:3]] == [4_000, 2_000, 1_000]
    assert window.selection_label.text() == "Average 2,333 · Count 3 · Sum 7,000"
    price = model.column_index("unit_price_usd")
    _select(view, model, (0, price), (3, price))
    prices = [row.unit_price_usd for row in sample.fleet[:4]]
    assert window.selection_label.text() == (
        f"Average {money(sum(prices) / 4, compact=False)} · Count 4 · "
        f"Sum {money(sum(prices), compact=False)}"
    )
    # Text cells count, with no sum; one cell shows nothing, as in Excel.
    _select(view, model, (0, 0), (4, 0))
    assert window.selection_label.text() == "Count 5"
    _select(view, model, (0, 0), (0, 0))
    assert window.selection_label.text() == ""


def test_the_monthly_grid_sums_its_months(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.document.results is not None, timeout=10_000)
    tab = window.monthly
    window.tabs.setCurrentWidget(tab)
    model, grid = tab.model, tab.model.grid
    revenue = next(i for i, line in enumerate(grid.lines) if line.label == "Revenue (USD)")
    _select(tab.table, model, (revenue, 0), (revenue, 2))
    values = [grid.value(revenue, c) for c in range(3)]
    assert window.selection_label.text().endswith(f"Sum {money(sum(values), compact=False)}")
