"""Each table's filter bar, totals row and frozen name column."""

from __future__ import annotations

from planner.io.display import money
from planner.ui.document import Change


def _frame(window, key: str):
    frame = window.pages[key]
    window.tabs.setCurrentWidget(frame)
    return frame, window.sheets[key], window.models[key]


def _shown(view, model) -> list[int]:
    return [row for row in range(model.item_count()) if not view.isRowHidden(row)]


def test_the_totals_row_adds_up_the_rows_shown(qtbot, window, sample) -> None:
    frame, view, model = _frame(window, "fleet")
    qtbot.waitUntil(lambda: window.document.results is not None, timeout=10_000)
    totals = view.totals.model()
    count = model.column_index("count")
    npv = model.column_index("result:npv_usd")
    assert totals.data(totals.index(0, 0)) == "Total"
    assert totals.data(totals.index(0, count)) == f"{sum(r.count for r in sample.fleet):,}"
    row_npvs = window.document.results.row_kpis.npv_usd
    assert totals.data(totals.index(0, npv)) == money(float(row_npvs.sum()))
    assert totals.data(totals.index(0, model.column_index("unit_price_usd"))) == ""  # no sum
    # Filtered to Pecos, the totals are Pecos's.
    frame.column_box.setCurrentText("Site")
    frame.text_box.setText("pecos")
    pecos = [i for i, r in enumerate(sample.fleet) if r.site == "Pecos, TX"]
    assert _shown(view, model) == pecos
    assert frame.count_label.text() == f"{len(pecos)} of {len(sample.fleet)} rows"
    assert totals.data(totals.index(0, 0)) == f"Total of {len(pecos)} shown ({len(sample.fleet)})"
    assert totals.data(totals.index(0, count)) == f"{sum(sample.fleet[i].count for i in pecos):,}"
    assert totals.data(totals.index(0, npv)) == money(float(row_npvs[pecos].sum()))
    # The row sits under the table's rows, as wide as its viewport.
    assert view.totals.isVisible()
    assert view.totals.geometry().top() == view.viewport().geometry().bottom() + 1
    frame.clear()
    assert _shown(view, model) == list(range(len(sample.fleet)))
    assert not frame.clear_button.isEnabled()


def test_the_filter_compares_in_one_column_and_keeps_new_rows_in_view(window, sample) -> None:
    frame, view, model = _frame(window, "fleet")
    frame.column_box.setCurrentText("Unit price (USD)")
    frame.text_box.setText(">6000")
    expected = [i for i, r in enumerate(sample.fleet) if r.unit_price_usd > 6000]
    assert _shown(view, model) == expected and len(expected) < len(sample.fleet)
    assert not view.isRowHidden(model.item_count())  # the blank row for typing a new one
    frame.text_box.setText(">six thousand")
    assert _shown(view, model) == list(range(len(sample.fleet)))
    assert frame.count_label.text().startswith("Filter not applied: Unit price (USD): ")
    frame.column_box.setCurrentText("Purchased")
    frame.text_box.setText("<Jan 2024")
    early = [i for i, r in enumerate(sample.fleet) if r.purchase_month.year < 2024]
    assert _shown(view, model) == early
    # An edit that adds rows reapplies the filter to them.
    view.setCurrentIndex(model.index(0, 0))
    view.duplicate_rows()
    assert len(_shown(view, model)) == len(early) + 1


def test_the_name_column_stays_in_view_scrolling_right(qtbot, window) -> None:
    _, view, model = _frame(window, "fleet")
    frozen = view.frozen
    assert frozen.isHidden()  # at the left edge the table shows its own first column
    bar = view.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    assert frozen.isVisible()
    assert frozen.geometry().width() == view.columnWidth(0) + 1
    assert frozen.geometry().left() == view.verticalHeader().width() + view.frameWidth()
    assert all(frozen.isColumnHidden(c) for c in range(1, model.columnCount()))
    assert frozen.selectionModel() is view.selectionModel()
    # A cell under the frozen column is brought out from under it.
    bar.setValue(view.columnViewportPosition(1) + bar.value() + 40)
    view.scrollTo(model.index(0, 1))
    assert view.visualRect(model.index(0, 1)).left() >= view.columnWidth(0)
    view.verticalScrollBar().setValue(3)
    assert frozen.verticalScrollBar().value() == view.verticalScrollBar().value()
    bar.setValue(0)
    assert frozen.isHidden()


def test_an_empty_table_says_what_to_do_and_typing_there_adds_a_row(window) -> None:
    from PySide6.QtCore import Qt

    swaps = window.sheets["swaps"]
    swaps.selectAll()
    swaps.delete_rows()  # swaps name fleet rows: they go first
    doc = window.document  # as does the equipment financing
    unfinanced = [d for d in doc.project.debt if not d.fleet_rows]
    bare = doc.project.model_copy(update={"debt": unfinanced})
    doc.apply(bare, Change("reset", "debt"), "Drop the equipment financing")
    _, view, model = _frame(window, "fleet")
    view.selectAll()
    view.delete_rows()
    assert model.item_count() == 0
    hint = model.data(model.index(0, 0))
    assert hint.startswith("No rigs yet: type a batch name here")
    assert "File > Import fleet" in hint
    assert model.data(model.index(0, 0), Qt.ItemDataRole.EditRole) == ""
    assert view.columnSpan(0, 0) == model.columnCount()
    assert view.totals.model().data(view.totals.model().index(0, 0)) == "Total"
    assert model.setData(model.index(0, 0), "First batch")
    assert model.item_count() == 1 and view.columnSpan(0, 0) == 1
    assert model.data(model.index(0, 0)) == "First batch"
    assert model.data(model.index(1, 0)) is None  # the blank row after it is blank again
