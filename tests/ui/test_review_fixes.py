"""Regression tests for behaviour found wrong in review."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QStyleOptionViewItem

from planner.io import autosave
from planner.ui.sheet import cell_data


def index(window, section: str, row: int, key: str):
    model = window.models[section]
    return model.index(row, model.column_index(key))


def test_closing_with_discard_deletes_the_autosave(window, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    window.save_to(path)
    window.models["fleet"].setData(index(window, "fleet", 0, "count"), "10")
    copy = window.autosave_now()
    assert copy is not None and copy.exists()
    window.ask_save_changes = lambda: "discard"
    window.close()
    assert not copy.exists()
    assert autosave.recovery_for(path) is None


def test_marks_do_not_move_to_other_rows(window) -> None:
    view = window.sheets["fleet"]
    model = window.models["fleet"]
    view.setCurrentIndex(index(window, "fleet", 0, "count"))
    view.insert_rows()
    assert not model.setData(index(window, "fleet", 5, "count"), "-5")
    window.document.undo_stack.undo()
    for row in range(model.item_count()):
        assert cell_data(index(window, "fleet", row, "count"), Qt.ItemDataRole.ToolTipRole) is None


def test_month_editor_leaves_an_empty_cell_empty(window) -> None:
    view = window.sheets["fleet"]
    model = window.models["fleet"]
    delegate = view.itemDelegate()
    cell = index(window, "fleet", 1, "retire_month")
    editor = delegate.createEditor(view.viewport(), QStyleOptionViewItem(), cell)
    assert isinstance(editor, QLineEdit)
    delegate.setEditorData(editor, cell)
    assert editor.text() == ""
    delegate.setModelData(editor, model, cell)
    assert window.document.project.fleet[1].retire_month is None
    assert window.document.undo_stack.count() == 0


def test_fill_down_and_copy_keep_exact_values(window) -> None:
    contracts = window.models["contracts"]
    assert contracts.setData(index(window, "contracts", 0, "adder_usd_per_kwh"), "0.00412")
    view = window.sheets["contracts"]
    selection = view.selectionModel()
    selection.select(
        QItemSelection(
            index(window, "contracts", 0, "adder_usd_per_kwh"),
            index(window, "contracts", 2, "adder_usd_per_kwh"),
        ),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    view.fill_down()
    assert [c.adder_usd_per_kwh for c in window.document.project.contracts] == [0.00412] * 3
    view.copy()
    assert QGuiApplication.clipboard().text() == "0.00412\r\n0.00412\r\n0.00412\r\n"


def test_insert_selects_only_the_new_rows(window) -> None:
    view = window.sheets["fleet"]
    selection = view.selectionModel()
    selection.select(
        QItemSelection(index(window, "fleet", 1, "count"), index(window, "fleet", 3, "count")),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    view.setCurrentIndex(index(window, "fleet", 1, "count"))
    view.insert_rows()
    assert view.selected_rows() == [1]


def test_a_scenario_switch_keeps_the_other_tables_current_cell(window) -> None:
    view = window.sheets["catalog"]
    view.setCurrentIndex(index(window, "catalog", 3, "power_w"))
    window.set_scenario("Bull")
    assert view.currentIndex().row() == 3


def test_paste_into_finance_and_into_an_empty_table(window) -> None:
    finance = window.sheets["finance"]
    window.tabs.setCurrentWidget(finance)
    finance.setCurrentIndex(window.models["finance"].index(0, 0))
    QGuiApplication.clipboard().setText("36\n8%\n25%\n")
    finance.paste()
    settings = window.document.project.finance
    assert (settings.horizon_months, settings.discount_rate_per_year, settings.tax_rate) == (
        36,
        0.08,
        0.25,
    )
    assert window.document.undo_stack.count() == 1
    window.document.replace(window.document.project.model_copy(update={"fleet": []}), None)
    fleet = window.sheets["fleet"]
    QGuiApplication.clipboard().setText("New\tAntminer S21\tPecos, TX\t5\n")
    fleet.paste()
    assert [r.name for r in window.document.project.fleet] == ["New"]


def test_edits_that_change_nothing_add_no_undo_step(window) -> None:
    model = window.models["fleet"]
    assert model.setData(index(window, "fleet", 0, "count"), "4,000")
    view = window.sheets["fleet"]
    view._sort_clicked(model.column_index("purchase_month"))  # already in that order
    assert window.document.undo_stack.count() == 0
    assert not window.isWindowModified()


def test_a_saved_layout_for_other_columns_is_not_restored(window, qtbot, sample) -> None:
    from planner.ui.main_window import MainWindow

    window.save_settings()
    QSettings().setValue("columns/sites/count", 99)
    again = MainWindow(sample, None)
    qtbot.addWidget(again)
    header = again.sheets["sites"].horizontalHeader()
    assert header.count() == again.models["sites"].columnCount()
