"""The read-only figures table of the Decisions pages: what it shows, how it aligns, what
it copies."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence

from planner.io.display import money_short
from planner.io.display import months as months_text
from planner.io.display import percent as percent_text
from planner.ui.decisions.results_table import LEFT, RIGHT, ResultTable
from planner.ui.sheet import from_tsv

HEADERS = ["Swap", "NPV", "Mix"]
ROWS = [["A -> B", "$2.30M", "620 S21 XP @ Pecos, TX"], ["C -> D", "-$7.81M", "buy nothing"]]


def test_rows_shown_read_only_text_left_figures_right(qtbot) -> None:
    table = ResultTable()
    qtbot.addWidget(table)
    table.show_rows(HEADERS, ROWS, text_columns=(0, 2))
    model = table.model()
    assert (table.rowCount(), table.columnCount()) == (2, 3)
    assert table.texts() == ROWS and table.header_texts() == HEADERS
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "NPV"
    assert model.data(model.index(1, 1)) == "-$7.81M"
    align = Qt.ItemDataRole.TextAlignmentRole
    assert [model.data(model.index(0, c), align) for c in range(3)] == [LEFT, RIGHT, LEFT]
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsEditable
    table.show_rows(["Only"], [])
    assert (table.rowCount(), table.columnCount()) == (0, 1)


def test_copy_gives_excel_the_selected_cells_or_the_whole_table(qtbot) -> None:
    table = ResultTable()
    qtbot.addWidget(table)
    table.show_rows(HEADERS, ROWS)
    table.copy()  # nothing selected: headers and every row
    assert from_tsv(QGuiApplication.clipboard().text()) == [HEADERS, *ROWS]
    model = table.model()
    selection = table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select
    selection.select(model.index(0, 1), flags)
    selection.select(model.index(1, 2), flags)
    (copy,) = table.actions()
    assert copy.shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    assert copy.shortcutContext() == Qt.ShortcutContext.WidgetShortcut
    copy.trigger()
    assert from_tsv(QGuiApplication.clipboard().text()) == [["$2.30M", ""], ["", "buy nothing"]]


def test_months_and_percent_say_never_and_n_a() -> None:
    assert months_text(13.94) == "13.9 mo"
    assert months_text(float("inf")) == "never"
    assert percent_text(0.269) == "26.9%"
    assert percent_text(None) == percent_text(float("nan")) == "n/a"


def test_a_money_column_is_shown_at_one_scale(qtbot) -> None:
    """Pages write money as they like (money_short: "$39.7k", "$10.5M"); the table shows
    each column at one scale, whole dollars, and copies what it shows."""
    table = ResultTable()
    qtbot.addWidget(table)
    npvs = [39_729.0, 492_000.0, 10_460_000.0, None]
    rows = [[f"S{i}", money_short(v), "13.9 mo"] for i, v in enumerate(npvs)]
    table.show_rows(["Swap", "NPV", "Payback"], rows)
    assert [row[1] for row in table.texts()] == ["$39,729", "$492,000", "$10,460,000", "n/a"]
    assert [row[2] for row in table.texts()] == ["13.9 mo"] * 4
    table.copy()
    assert from_tsv(QGuiApplication.clipboard().text())[1] == ["S0", "$39,729", "13.9 mo"]
