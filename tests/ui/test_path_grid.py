"""The monthly path grid (planner/ui/path_grid.py): months from the path's month 0, the
engine's continuation greyed after the end, typed and pasted values read as the cells read
them, refused values named by month and header, OK as one undo step, Cancel as nothing."""

from __future__ import annotations

import csv
import io

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialogButtonBox, QLineEdit

from planner.engine.inputs import compile_inputs
from planner.ui.document import ProjectDocument
from planner.ui.path_grid import VALUE, PathDialog, edit_path, is_path_column
from planner.ui.table_model import SectionModel

PRICE = "btc_price_path_usd"
INDEX = "index_path_usd_per_kwh"


@pytest.fixture
def document(qtbot, sample) -> ProjectDocument:
    return ProjectDocument(sample)


def open_grid(qtbot, document: ProjectDocument, section: str, key: str, row: int = 0):
    table = SectionModel(document, section)
    dialog = PathDialog(table, row, key)
    qtbot.addWidget(dialog)
    return dialog


def shown(dialog: PathDialog, row: int, column: int = VALUE) -> str:
    model = dialog.model
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def type_in(dialog: PathDialog, month: str, text: str) -> None:
    model = dialog.model
    row = next(r for r in range(model.rowCount()) if shown(dialog, r, 0) == month)
    assert model.setData(model.index(row, VALUE), text, Qt.ItemDataRole.EditRole)


def ok_button(dialog: PathDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_sample_price_path_shows_its_months_and_the_engines_values(qtbot, document) -> None:
    """The sample's Base scenario has no price path: 60 months from its start, 2026-12,
    each greyed with the engine's value, $67,000 grown 25 %/yr."""
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    model = dialog.model
    engine = compile_inputs(document.project).btc_price_usd
    assert model.rowCount() == 60 == document.project.finance.horizon_months
    assert [shown(dialog, r, 0) for r in (0, 1, 12, 59)] == [
        "2026-12",
        "2027-01",
        "2027-12",
        "2031-11",
    ]
    assert shown(dialog, 0) == "$67,000"
    assert shown(dialog, 12) == "$83,750"  # 67,000 x 1.25 a year on
    for row in range(60):
        assert model.is_engine_row(row)
        edit = model.data(model.index(row, VALUE), Qt.ItemDataRole.EditRole)
        assert float(edit) == pytest.approx(engine[row], rel=1e-11)
    assert shown(dialog, 5, 2) == "engine: BTC price (USD) + 25.0 %/yr"
    assert model.headerData(VALUE, Qt.Orientation.Horizontal, 0) == "Price path (USD)"
    assert dialog.summary.text() == "No path: every month is the engine's."


def test_typed_value_and_ok_is_one_undo_step(qtbot, document) -> None:
    """Typing "$70,000" in 2027-03 grows the empty path to 4 months (the 3 before it the
    engine's values, so nothing else moves); OK writes it as one step; undo restores it."""
    before = document.project
    engine_before = compile_inputs(before).btc_price_usd
    steps = document.undo_stack.count()
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    type_in(dialog, "2027-03", "$70,000")
    assert not dialog.model.is_engine_row(3) and dialog.model.is_engine_row(4)
    dialog.accept()
    assert dialog.result() == PathDialog.DialogCode.Accepted
    path = document.project.scenarios[0].btc_price_path_usd
    assert path[3] == 70_000
    assert path[:3] == pytest.approx(list(engine_before[:3]), rel=1e-11)
    after = compile_inputs(document.project).btc_price_usd
    assert after[3] == 70_000
    assert after[4] == pytest.approx(70_000 * 1.25 ** (1 / 12))
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Edit Price path (USD by month)"
    document.undo_stack.undo()
    assert document.project == before


def test_pasted_column_of_24_values_grows_the_path(qtbot, document) -> None:
    """24 values copied from Excel ("$70,000", thousands separators, one a quoted cell)
    pasted on 2026-12 become the path's 24 months."""
    values = [70_000 + 1_500 * k for k in range(24)]
    out = io.StringIO()
    csv.writer(out, dialect="excel-tab").writerows([[f"${v:,}"] for v in values])
    text = out.getvalue().replace("$71,500", '"$71,500"')  # Excel quotes some cells
    QGuiApplication.clipboard().setText(text)
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    dialog.view.setCurrentIndex(dialog.model.index(0, VALUE))
    dialog.paste()
    assert dialog.model.values() == values
    assert shown(dialog, 23) == "$104,500" and dialog.model.is_engine_row(24)
    assert dialog.summary.text().startswith("24 month(s) in the path, 2026-12 to 2028-11")
    dialog.accept()
    assert document.project.scenarios[0].btc_price_path_usd == values


def test_pasted_row_past_the_end_grows_an_index_path(qtbot, document) -> None:
    """A row of 3 values pasted on the index path's last month replaces it and adds 2."""
    QGuiApplication.clipboard().setText("0.05\t$0.06\t0.07\r\n")
    dialog = open_grid(qtbot, document, "contracts", INDEX)
    dialog.view.setCurrentIndex(dialog.model.index(11, VALUE))
    dialog.paste()
    assert dialog.model.values()[10:] == [0.030, 0.05, 0.06, 0.07]
    dialog.accept()
    assert len(document.project.contracts[0].index_path_usd_per_kwh) == 14


def test_one_value_pasted_on_selected_months_fills_them(qtbot, document) -> None:
    QGuiApplication.clipboard().setText("$0.04\r\n")
    dialog = open_grid(qtbot, document, "contracts", INDEX)
    dialog._select(2, 3)
    dialog.paste()
    assert dialog.model.values()[1:6] == [0.034, 0.04, 0.04, 0.04, 0.036]


def test_bad_value_is_refused_in_place_naming_month_and_header(qtbot, document) -> None:
    """Typed "abc" in 2027-05 stays in its month, marked, the reason under the grid naming the
    month and the column header; OK is off and writes nothing until it is fixed."""
    before = document.project
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    type_in(dialog, "2027-05", "abc")
    message = dialog.problem.text()
    assert message == "2027-05, Price path (USD by month): cannot read 'abc' as a number"
    assert not dialog.problem.isHidden()
    assert shown(dialog, 5) == "abc"
    assert shown(dialog, 5, 2) == "refused: cannot read 'abc' as a number"
    assert dialog.model.data(dialog.model.index(5, VALUE), Qt.ItemDataRole.ToolTipRole) == (
        "cannot read 'abc' as a number"
    )
    assert not ok_button(dialog).isEnabled()
    dialog.accept()
    assert dialog.result() != PathDialog.DialogCode.Accepted
    assert document.project is before
    type_in(dialog, "2027-04", "-5")  # out of bounds: a price must be positive
    assert dialog.problem.text().startswith("2027-04, Price path (USD by month): must be > 0")
    assert "(and 1 more month(s))" in dialog.problem.text()
    type_in(dialog, "2027-04", "71000")
    type_in(dialog, "2027-05", "72,000")
    assert dialog.problem.isHidden() and ok_button(dialog).isEnabled()
    dialog.accept()
    assert document.project.scenarios[0].btc_price_path_usd[4:] == [71_000, 72_000]


def test_an_editor_closed_unchanged_on_a_grey_month_does_not_grow_the_path(qtbot, document) -> None:
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    model = dialog.model
    index = model.index(7, VALUE)
    assert not model.setData(index, model.data(index, Qt.ItemDataRole.EditRole))
    assert not model.setData(index, "  ")
    assert model.entries == [] and model.history == []


def test_cancel_leaves_the_project_unchanged(qtbot, document) -> None:
    before = document.project
    steps = document.undo_stack.count()
    dialog = open_grid(qtbot, document, "contracts", INDEX)
    type_in(dialog, "2027-01", "0.09")
    dialog.model.append_month()
    dialog.reject()
    assert document.project is before
    assert document.undo_stack.count() == steps


def test_months_beyond_the_end_show_the_engines_extension(qtbot, document) -> None:
    """The index path's 12 months repeat after its end (repeat_year), as the engine's
    contract price less the adder; a 3-month price path grows 25 %/yr from its last."""
    dialog = open_grid(qtbot, document, "contracts", INDEX)
    contract = document.project.contracts[0]
    price = compile_inputs(document.project).contract_price_usd_per_kwh[0]
    model = dialog.model
    for row in range(12, 60):
        assert model.is_engine_row(row)
        value = float(model.data(model.index(row, VALUE), Qt.ItemDataRole.EditRole))
        assert value + contract.adder_usd_per_kwh == pytest.approx(price[row])
    assert shown(dialog, 12, 2) == "engine: repeats 2026-12"
    assert shown(dialog, 25, 2) == "engine: repeats 2027-01"
    assert model.data(model.index(12, VALUE), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(11, VALUE), Qt.ItemDataRole.ForegroundRole) is None

    grid = open_grid(qtbot, document, "scenarios", PRICE)
    grid.paste_texts(0, ["80000", "81000", "82000"])
    assert shown(grid, 3, 2) == "engine: 2027-02 + 25.0 %/yr"
    grown = [float(grid.model.data(grid.model.index(r, VALUE), 2)) for r in range(3, 60)]
    grid.accept()
    engine = compile_inputs(document.project).btc_price_usd
    assert grown == pytest.approx(list(engine[3:]), rel=1e-11)
    assert engine[14] == pytest.approx(82_000 * 1.25)  # a year after 2027-02


def test_fill_add_delete_and_undo_inside_the_dialog(qtbot, document) -> None:
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    dialog.paste_texts(0, ["100000", "101000"])
    dialog.rate.setText("10%")
    dialog.fill()
    values = dialog.model.values()
    assert len(values) == 60 and values[:2] == [100_000, 101_000]
    assert values[13] == pytest.approx(101_000 * 1.10)  # a year after 2027-01
    assert not dialog.action_buttons["fill"].isEnabled()
    dialog.model.append_month()  # past the horizon: kept, but the engine does not use it
    assert shown(dialog, 60, 2) == "past the horizon: not used"
    dialog.view.setCurrentIndex(dialog.model.index(24, VALUE))
    assert dialog.action_buttons["delete"].text() == "Delete 2028-12 to end"
    dialog.delete_to_end()
    assert len(dialog.model.values()) == 24
    dialog.model.undo()
    assert len(dialog.model.values()) == 61
    dialog.view.setCurrentIndex(dialog.model.index(10, VALUE))
    dialog.delete_last()  # Delete inside the path: a path has no gaps
    assert len(dialog.model.values()) == 61 and "no gaps" in dialog.problem.text()
    dialog._select(58, 3)
    dialog.delete_last()  # the last 3 months, selected: gone
    assert len(dialog.model.values()) == 58
    dialog.rate.setText("fast")
    dialog.model.delete_from(2)
    assert dialog.problem.isHidden()
    dialog.fill()
    assert dialog.problem.text().startswith("Fill to horizon, growth (%/yr): cannot read")
    assert len(dialog.model.values()) == 2
    dialog.rate.setText("0")
    dialog.fill()  # 0 %/yr: the last value held
    assert dialog.model.values()[2:] == [101_000] * 58


def test_an_empty_path_clears_the_cell(qtbot, document) -> None:
    dialog = open_grid(qtbot, document, "contracts", INDEX)
    dialog.model.delete_from(0)
    assert dialog.summary.text() == "No path: every month is the engine's."
    assert shown(dialog, 0, 2) == "engine: the contract's rate"
    dialog.accept()
    assert document.project.contracts[0].index_path_usd_per_kwh == []


def test_enter_in_the_grid_moves_down_and_does_not_press_ok(qtbot, document) -> None:
    dialog = open_grid(qtbot, document, "scenarios", PRICE)
    dialog.show()
    dialog.view.setFocus()
    dialog.view.setCurrentIndex(dialog.model.index(0, VALUE))
    qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.view.currentIndex().row() == 1
    qtbot.keyClick(dialog.view, Qt.Key.Key_7)  # typing starts the editor, as in a sheet
    editor = dialog.view.findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "5000")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.view.state() != QAbstractItemView.State.EditingState)
    assert dialog.isVisible()
    assert dialog.model.values()[1] == 75_000 and dialog.view.currentIndex().row() == 2
    dialog.reject()


def test_is_path_column_and_edit_path_from_the_sheet(qtbot, window) -> None:
    """Which cells open the grid, and edit_path on the Scenarios sheet: OK writes the
    path, one undo step named after the column."""
    view = window.sheets["scenarios"]
    model = view.model()
    path_cell = model.index(0, model.column_index(PRICE))
    assert is_path_column(model, path_cell)
    assert is_path_column(model, model.index(1, model.column_index("network_hashrate_path_ehs")))
    assert not is_path_column(model, model.index(0, model.column_index("btc_price_usd")))
    assert not is_path_column(model, model.index(model.item_count(), path_cell.column()))
    assert not is_path_column(model, QModelIndex())
    contracts = window.sheets["contracts"].model()
    assert is_path_column(contracts, contracts.index(0, contracts.column_index(INDEX)))
    steps = window.document.undo_stack.count()
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PathDialog)
        seen.append(dialog.windowTitle())
        dialog.paste_texts(0, ["$88,000"])
        ok_button(dialog).click()

    QTimer.singleShot(0, answer)
    assert edit_path(view, path_cell)
    assert seen == ["Price path: Base"]
    assert window.document.project.scenarios[0].btc_price_path_usd == [88_000]
    assert window.document.undo_stack.count() == steps + 1
    window.document.undo_stack.undo()
    assert window.document.project.scenarios[0].btc_price_path_usd == []
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert not edit_path(view, path_cell)
    assert not edit_path(view, model.index(0, 0))
