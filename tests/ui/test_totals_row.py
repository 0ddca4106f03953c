"""The totals row under a table: lined up with the columns above at every sideways scroll,
its first cell frozen as the first column is, and blank where the cells it adds are."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from planner.domain.row_filter import RowFilter
from planner.ui.totals_row import BLANK_TIP

TIP = Qt.ItemDataRole.ToolTipRole


def _fleet(window):
    window.tabs.setCurrentWidget(window.pages["fleet"])
    return window.sheets["fleet"], window.models["fleet"]


def _x_range_in_table(view, inner, rect) -> tuple[int, int]:
    """`rect` (in the viewport `inner`) as left and right x in the table's viewport; the
    cell's right edge is one past its rect, where the grid line is drawn."""
    left = view.viewport().mapFrom(view, inner.mapTo(view, QPoint(rect.x(), 0))).x()
    return left, left + rect.width() + 1


def _header_x_range(view, column: int) -> tuple[int, int]:
    """Where the header draws `column`, worked out from the section's place in the table
    and the scroll, in the table's viewport."""
    header = view.horizontalHeader()
    left = header.sectionPosition(column) - view.horizontalScrollBar().value()
    return left, left + header.sectionSize(column)


def _assert_lined_up(view, model, columns) -> None:
    totals = view.totals
    for column in columns:
        rect = totals.visualRect(totals.model().index(0, column))
        cell = _x_range_in_table(view, totals.viewport(), rect)
        assert cell == _header_x_range(view, column), model.columns[column].header
        assert view.horizontalHeader().sectionViewportPosition(column) == cell[0]


def test_the_totals_row_lines_up_with_the_columns_scrolled_right(qtbot, window) -> None:
    view, model = _fleet(window)
    bar = view.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    label = view.totals.label
    assert label.isHidden()  # at the left edge the row shows its own first cell
    _assert_lined_up(view, model, range(6))
    # Scrolled right by 4 columns: column 4 starts where the viewport does (x = 0).
    bar.setValue(view.horizontalHeader().sectionPosition(4))
    assert _header_x_range(view, 4)[0] == 0
    _assert_lined_up(view, model, range(4, 10))
    # The label cell stays at x = 0, as wide as the frozen first column, over the cell
    # that scrolled under it.
    assert label.isVisible()
    frozen_rect = label.visualRect(label.model().index(0, 0))
    assert _x_range_in_table(view, label.viewport(), frozen_rect) == (0, view.columnWidth(0))
    assert label.geometry().width() == view.frozen.geometry().width()
    assert label.model().data(label.model().index(0, 0)) == "Total"
    # At the far right, and after a column widens (the row's own range would lag).
    bar.setValue(bar.maximum())
    last = model.columnCount() - 1
    _assert_lined_up(view, model, range(last - 4, last + 1))
    view.setColumnWidth(2, view.columnWidth(2) + 300)
    view.updateGeometries()
    bar.setValue(bar.maximum())
    _assert_lined_up(view, model, range(last - 4, last + 1))
    # The first column widens: the label cell with it.
    view.setColumnWidth(0, view.columnWidth(0) + 40)
    frozen_rect = label.visualRect(label.model().index(0, 0))
    assert _x_range_in_table(view, label.viewport(), frozen_rect) == (0, view.columnWidth(0))
    bar.setValue(0)
    assert label.isHidden()
    _assert_lined_up(view, model, range(6))


def test_a_column_of_blanks_totals_blank(window, sample) -> None:
    view, model = window.sheets["swaps"], window.models["swaps"]
    totals = view.totals.model()
    rigs = model.column_index("count")
    # Every sample swap leaves Rigs blank: "enough for the same MW", not zero rigs.
    assert [swap.count for swap in sample.swaps] == [None, None, None]
    assert totals.data(totals.index(0, rigs)) == ""
    assert totals.data(totals.index(0, rigs), TIP) == BLANK_TIP
    # Typed counts add up: 100 + 250 + 1,000 = 1,350.
    for row, count in enumerate((100, 250, 1000)):
        assert model.setData(model.index(row, rigs), str(count))
    assert totals.data(totals.index(0, rigs)) == "1,350"
    assert totals.data(totals.index(0, rigs), TIP) == "The sum over the rows shown"
    # One blank again: the two typed counts are not the column's total.
    assert model.setData(model.index(1, rigs), "")
    assert model.items()[1].count is None
    assert totals.data(totals.index(0, rigs)) == ""
    # Filtered to the rows with a count, the total is theirs: 100 + 1,000.
    view.apply_filter(RowFilter.parse(">0", model.columns[rigs]))
    assert [view.isRowHidden(row) for row in range(3)] == [False, True, False]
    assert totals.data(totals.index(0, rigs)) == "1,100"
