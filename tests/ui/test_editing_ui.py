"""The tables behave like a spreadsheet, and every action is one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from planner.domain import editing as ed
from planner.engine import run
from planner.io.display import money
from planner.ui.sheet import cell_data


def cell(window, section: str, row: int, key: str):
    model = window.models[section]
    return model.index(row, model.column_index(key))


def test_editing_a_count_moves_the_npv_and_undo_restores_it(window, sample) -> None:
    doc = window.document
    before = window.kpis.values["npv"]
    assert before == money(float(run(sample).fleet_kpis.npv_usd[0]))
    assert window.models["fleet"].setData(cell(window, "fleet", 4, "count"), "4,500")
    doc.flush()
    edited = ed.set_cells(sample, "fleet", [(4, "count", "4500")])
    assert doc.project.fleet[4].count == 4_500
    assert window.kpis.values["npv"] == money(float(run(edited).fleet_kpis.npv_usd[0]))
    assert window.kpis.values["npv"] != before
    assert window.isWindowModified()
    assert window.undo_action.text() == "Undo Edit Rigs"
    doc.undo_stack.undo()
    doc.flush()
    assert doc.project.fleet[4].count == 3_000
    assert window.kpis.values["npv"] == before
    assert not window.isWindowModified()


def test_invalid_input_is_refused_at_the_cell(window) -> None:
    model = window.models["fleet"]
    index = cell(window, "fleet", 2, "count")
    assert not model.setData(index, "-5")
    assert window.document.project.fleet[2].count == 1_000
    assert cell_data(index, Qt.ItemDataRole.ToolTipRole) == "must be >= 0, got -5"
    assert cell_data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert "row 3, Rigs: must be >= 0, got -5" in window.statusBar().currentMessage()
    assert not model.setData(cell(window, "fleet", 2, "site"), "Nowhere")
    assert "unknown site 'Nowhere'" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 0
    assert model.setData(index, "1,200")  # a good value clears the mark
    assert cell_data(index, Qt.ItemDataRole.ToolTipRole) is None


def paste(window, section: str, row: int, key: str, text: str) -> None:
    view = window.sheets[section]
    window.tabs.setCurrentWidget(window.page_of(view))
    view.setCurrentIndex(cell(window, section, row, key))
    QGuiApplication.clipboard().setText(text)
    view.paste()


def test_paste_a_block_from_excel_and_undo_it(window) -> None:
    doc = window.document
    # 3 rows x 4 columns from Rigs, as Excel puts them on the clipboard: one quoted cell
    # and a trailing newline.
    block = (
        '500\t"$2,000"\t2027-03\t2027-04\n'
        "600\t$2,100\t2027-05\t2027-06\n"
        "700\t2200\t2027-07\t2027-08\n"
    )
    paste(window, "fleet", 1, "count", block)
    fleet = doc.project.fleet
    assert [r.count for r in fleet[1:4]] == [500, 600, 700]
    assert [r.unit_price_usd for r in fleet[1:4]] == [2_000.0, 2_100.0, 2_200.0]
    assert [f"{r.purchase_month:%Y-%m}" for r in fleet[1:4]] == ["2027-03", "2027-05", "2027-07"]
    assert [f"{r.online_month:%Y-%m}" for r in fleet[1:4]] == ["2027-04", "2027-06", "2027-08"]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert [r.count for r in doc.project.fleet[1:4]] == [2_000, 1_000, 2_500]


def test_paste_with_one_bad_cell_changes_nothing(window, sample) -> None:
    paste(window, "fleet", 1, "count", "500\t$2,000\n600\tcheap\n")
    assert window.document.project == sample
    assert window.document.undo_stack.count() == 0
    message = window.statusBar().currentMessage()
    assert "row 3, Unit price (USD): cannot read 'cheap' as a number" in message
    assert cell_data(cell(window, "fleet", 2, "unit_price_usd"), Qt.ItemDataRole.ToolTipRole)


def test_one_value_pasted_into_a_selection_fills_every_cell(window) -> None:
    view = window.sheets["fleet"]
    window.tabs.setCurrentWidget(window.page_of(view))
    view.setCurrentIndex(cell(window, "fleet", 1, "count"))
    for row in (2, 3):
        view.selectionModel().select(
            cell(window, "fleet", row, "count"), QItemSelectionModel.SelectionFlag.Select
        )
    QGuiApplication.clipboard().setText("800\n")
    view.paste()
    assert [r.count for r in window.document.project.fleet[1:4]] == [800, 800, 800]
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert [r.count for r in window.document.project.fleet[1:4]] == [2_000, 1_000, 2_500]


def test_paste_past_the_last_row_adds_rows(window) -> None:
    n = len(window.document.project.fleet)
    paste(window, "fleet", n - 1, "name", "Last\nNew one\tAntminer S21\tPecos, TX\t10\n")
    fleet = window.document.project.fleet
    assert len(fleet) == n + 1 and fleet[-1].name == "New one" and fleet[-1].count == 10
    assert window.models["fleet"].item_count() == n + 1
    assert window.models["fleet"].rowCount() == n + 2  # and the blank row at the end
    window.document.undo_stack.undo()
    assert window.models["fleet"].item_count() == n


def test_copy_gives_tsv_that_pastes_back(window) -> None:
    view = window.sheets["fleet"]
    model = window.models["fleet"]
    selection = view.selectionModel()
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    selection.select(
        QItemSelection(
            cell(window, "fleet", 0, "count"), cell(window, "fleet", 1, "unit_price_usd")
        ),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    view.copy()
    # Exact values, so that nothing is rounded on the way to Excel and back.
    assert QGuiApplication.clipboard().text() == "4000\t6500\r\n2000\t4100\r\n"
    paste(window, "fleet", 5, "count", QGuiApplication.clipboard().text())
    assert [r.count for r in window.document.project.fleet[5:7]] == [4_000, 2_000]
    assert model.item_count() == 11


def select_rows(window, section: str, rows: list[int], key: str = "count") -> None:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    view = window.sheets[section]
    window.tabs.setCurrentWidget(window.page_of(view))
    selection = view.selectionModel()
    selection.clearSelection()
    for row in rows:
        index = cell(window, section, row, key)
        selection.select(QItemSelection(index, index), QItemSelectionModel.SelectionFlag.Select)
    view.setCurrentIndex(cell(window, section, rows[0], key))
    for row in rows:
        index = cell(window, section, row, key)
        selection.select(QItemSelection(index, index), QItemSelectionModel.SelectionFlag.Select)


def test_fill_down_insert_delete_duplicate_each_undone(window, sample) -> None:
    doc = window.document
    view = window.sheets["fleet"]
    n = len(sample.fleet)

    select_rows(window, "fleet", [2, 3, 4])
    view.fill_down()
    assert [r.count for r in doc.project.fleet[2:5]] == [1_000] * 3
    doc.undo_stack.undo()
    assert doc.project == sample

    select_rows(window, "fleet", [3, 4])
    view.insert_rows()
    assert len(doc.project.fleet) == n + 2 and doc.project.fleet[3].count == 0
    assert window.models["fleet"].item_count() == n + 2
    doc.undo_stack.undo()
    assert doc.project == sample and window.models["fleet"].item_count() == n

    select_rows(window, "fleet", [2, 5])
    view.delete_rows()
    assert [r.name for r in doc.project.fleet[2:3]] == ["S19 XP 2023"] and len(
        doc.project.fleet
    ) == n - 2
    doc.undo_stack.undo()
    assert doc.project == sample

    select_rows(window, "fleet", [6])
    view.duplicate_rows()
    assert doc.project.fleet[7].name == "S21 Hyd 2024 (2)"
    assert window.models["fleet"].item_count() == n + 1
    doc.undo_stack.undo()
    assert doc.project == sample and window.models["fleet"].item_count() == n


def test_delete_clears_and_sort_is_undoable(window, sample) -> None:
    doc = window.document
    view = window.sheets["fleet"]
    select_rows(window, "fleet", [0], key="retire_month")
    view.clear_cells()
    assert doc.project.fleet[0].retire_month is None
    select_rows(window, "fleet", [0], key="count")
    view.clear_cells()  # a required cell refuses to be cleared
    assert doc.project.fleet[0].count == 4_000
    assert "is required" in window.statusBar().currentMessage()
    view._sort_clicked(window.models["fleet"].column_index("count"))
    counts = [r.count for r in doc.project.fleet]
    assert counts == sorted(counts)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.project == sample


def test_enter_moves_down_and_tab_moves_right(window, qtbot) -> None:
    view = window.sheets["fleet"]
    view.setFocus()
    view.setCurrentIndex(cell(window, "fleet", 0, "count"))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert view.currentIndex().column() == window.models["fleet"].column_index("unit_price_usd")


def test_renaming_a_site_keeps_the_fleet_pointing_at_it(window) -> None:
    assert window.models["sites"].setData(cell(window, "sites", 0, "name"), "Pecos West")
    assert {r.site for r in window.document.project.fleet} >= {"Pecos West"}
    assert cell_data(cell(window, "fleet", 1, "site")) == "Pecos West"


def test_scenario_combo_switches_and_undoes(window, sample) -> None:
    doc = window.document
    window.scenario_combo.setCurrentIndex(2)
    window.scenario_combo.activated.emit(2)
    doc.flush()
    assert doc.project.active_scenario == "Bull"
    assert window.kpis.values["npv"] == money(float(run(sample, "Bull").fleet_kpis.npv_usd[0]))
    doc.undo_stack.undo()
    doc.flush()
    assert window.scenario_combo.currentText() == "Base"
    assert window.kpis.values["npv"] == money(float(run(sample).fleet_kpis.npv_usd[0]))


def test_finance_settings_edit(window) -> None:
    model = window.models["finance"]
    assert model.setData(model.index(1, 0), "8%")
    assert window.document.project.finance.discount_rate_per_year == pytest.approx(0.08)
    assert not model.setData(model.index(0, 0), "0")
    assert "Horizon (months): must be >= 1, got 0" in window.statusBar().currentMessage()


def test_result_columns_follow_the_engine(window, sample) -> None:
    window.document.flush()
    results = run(sample)
    npv_col = window.models["fleet"].column_index("result:npv_usd")
    for row in range(len(sample.fleet)):
        shown = cell_data(window.models["fleet"].index(row, npv_col))
        assert shown == money(float(results.row_kpis.npv_usd[row]))
    payback = window.models["fleet"].index(
        10, window.models["fleet"].column_index("result:payback")
    )
    assert cell_data(payback) == "never"
    assert np.isfinite(results.breakevens.btc_price_usd).all()


def test_tsv_quotes_cells_with_tabs_quotes_and_newlines() -> None:
    from planner.ui.sheet import from_tsv, to_tsv

    rows = [["plain", 'say "hi"', "two\nlines", "a\tb"]]
    text = to_tsv(rows)
    assert text == 'plain\t"say ""hi"""\t"two\nlines"\t"a\tb"\r\n'
    assert from_tsv(text) == rows


def test_typing_in_the_blank_row_at_the_end_adds_a_row(window) -> None:
    """As in a spreadsheet: the table ends with a blank row; typing there adds a row, one
    undo step, and a new blank row appears below it."""
    from PySide6.QtCore import Qt

    doc = window.document
    model = window.models["fleet"]
    n = len(doc.project.fleet)
    assert model.rowCount() == n + 1 and model.is_blank(n)
    assert model.headerData(n, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole) == "*"
    blank = model.index(n, model.column_index("count"))
    assert model.data(blank) is None and model.flags(blank) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(blank, "  ")  # nothing typed: no row
    assert model.setData(blank, "250")
    assert len(doc.project.fleet) == n + 1 and doc.project.fleet[-1].count == 250
    assert model.rowCount() == n + 2 and model.is_blank(n + 1)
    assert doc.undo_stack.undoText().startswith("Add a row")
    # A refused value in the blank row adds nothing and marks the cell.
    price = model.index(n + 1, model.column_index("unit_price_usd"))
    assert not model.setData(price, "abc")
    assert len(doc.project.fleet) == n + 1
    assert model.data(price, Qt.ItemDataRole.ToolTipRole) != "Type or paste here to add a row"
    doc.undo_stack.undo()
    assert len(doc.project.fleet) == n and model.rowCount() == n + 1
    # Row commands ignore the blank row: deleting it deletes nothing.
    view = window.sheets["fleet"]
    view.setCurrentIndex(model.index(n, 0))
    view.delete_rows()
    assert len(doc.project.fleet) == n
    # Pasting on the blank row appends.
    paste(window, "fleet", n, "count", "7\n8\n")
    assert [r.count for r in doc.project.fleet[n:]] == [7, 8]


def test_a_refused_value_stays_in_the_editor_with_the_reason(qtbot, window) -> None:
    """Enter on a value the table would refuse keeps the editor open with the text as
    typed, the reason (naming the column's header) beside it; a good value then commits."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    doc = window.document
    view, model = window.sheets["fleet"], window.models["fleet"]
    window.tabs.setCurrentWidget(window.page_of(view))
    index = model.index(1, model.column_index("purchase_month"))
    before = doc.project.fleet[1].purchase_month
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.setText("13/1/2027")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert editor.isVisible() and editor.text() == "13/1/2027"
    reason = editor.property("refusal")
    assert reason.startswith("Purchased: '13/1/2027' has no month 13")
    assert doc.project.fleet[1].purchase_month == before and doc.undo_stack.count() == 0
    editor.setText("Jan 2027")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=2_000)
    assert f"{doc.project.fleet[1].purchase_month:%Y-%m}" == "2027-01"


def test_ctrl_f_finds_the_next_cell_and_wraps(qtbot, window) -> None:
    view, model = window.sheets["sites"], window.models["sites"]
    window.tabs.setCurrentWidget(window.page_of(view))
    view.setCurrentIndex(model.index(0, 0))
    window.ask_find_text = lambda _previous: "williston"
    assert window.find_dialog()
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2, 0)
    window.ask_find_text = lambda _previous: "wind ppa"  # its contract, further right
    assert window.find_dialog()
    assert view.currentIndex().row() == 2
    assert model.columns[view.currentIndex().column()].key == "contract"
    window.ask_find_text = lambda _previous: "no such text"
    assert not window.find_dialog()
    assert "No cell of this table holds 'no such text'" in window.statusBar().currentMessage()


def test_the_edit_menu_on_the_monthly_tab(qtbot, window) -> None:
    """The Monthly tab has no editable table: Copy copies its grid, Find searches it, and
    the other commands do nothing (they used to fail on it)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    qtbot.waitUntil(lambda: window.document.results is not None, timeout=10_000)
    window.tabs.setCurrentWidget(window.monthly)
    assert window.current_sheet() is None
    window._run_sheet_action("copy")
    assert QGuiApplication.clipboard().text().startswith("Fleet\t")
    window._run_sheet_action("delete")  # nothing to delete here
    window.ask_find_text = lambda _previous: "EBITDA"
    assert window.find_dialog()
    table = window.monthly.table
    assert (
        window.monthly.model.headerData(
            table.currentIndex().row(), Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole
        )
        == "EBITDA (USD)"
    )


def test_the_sort_arrow_goes_when_the_sort_is_undone(window) -> None:
    view, model = window.sheets["fleet"], window.models["fleet"]
    header = view.horizontalHeader()
    view._sort_clicked(model.column_index("count"))
    assert header.isSortIndicatorShown()
    assert [r.count for r in window.document.project.fleet] == sorted(
        r.count for r in window.document.project.fleet
    )
    window.document.undo_stack.undo()
    assert not header.isSortIndicatorShown()
    window.document.undo_stack.redo()  # sorted again, but by a redo: no claim made
    view._sort_clicked(model.column_index("count"))
    assert header.isSortIndicatorShown()
    model.setData(model.index(0, model.column_index("count")), "123456")  # an edit keeps order
    assert header.isSortIndicatorShown()


def test_the_toolbar_keeps_its_place_as_the_undo_text_changes(window) -> None:
    from PySide6.QtWidgets import QToolBar

    toolbar = window.findChild(QToolBar, "MainToolbar")
    undo = next(a for a in toolbar.actions() if a.text() == "Undo")
    assert not undo.isEnabled()
    before = toolbar.sizeHint().width()
    model = window.models["fleet"]
    assert model.setData(model.index(0, model.column_index("count")), "4100")
    assert undo.text() == "Undo" and undo.isEnabled()
    assert undo.toolTip().startswith("Undo Edit ")  # the step, in its tooltip
    assert toolbar.sizeHint().width() == before
    undo.trigger()
    assert window.document.project.fleet[0].count == 4_000
