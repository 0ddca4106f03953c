"""The 4CP dialog (planner/ui/fourcp_dialog.py): intervals typed, pasted from Excel or
filled for summer afternoons, refused cells named by row and column, OK as one undo step
with the charge, Cancel as nothing, and the engine's 4CP savings after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialogButtonBox, QLineEdit, QMenu

from planner.domain.fourcp_table import summer_afternoons
from planner.domain.price_profile import FourCpInterval, PriceProfile
from planner.domain.project import Project
from planner.engine import compile_inputs, compute
from planner.io.import_prices import with_price_profile
from planner.ui.document import ProjectDocument
from planner.ui.fourcp_dialog import FourCpDialog, edit_site_fourcp
from planner.ui.fourcp_fill import FillDialog
from planner.ui.sheet import to_tsv

PECOS = 0  # the sample's first site, "Pecos, TX"


def without_fourcp(project: Project) -> Project:
    """The sample with no 4CP hours at Pecos (it ships with four): the tests list their own."""
    sites = list(project.sites)
    sites[PECOS] = sites[PECOS].model_copy(
        update={"fourcp_intervals": [], "fourcp_charge_usd_per_kw_year": 0.0}
    )
    return project.model_copy(update={"sites": sites})


@pytest.fixture
def document(qtbot, sample) -> ProjectDocument:
    return ProjectDocument(without_fourcp(sample))


def open_dialog(qtbot, document: ProjectDocument, row: int = PECOS) -> FourCpDialog:
    dialog = FourCpDialog(document, row)
    qtbot.addWidget(dialog)
    return dialog


def type_in(dialog: FourCpDialog, row: int, texts: list[str]) -> None:
    model = dialog.model
    for column, text in enumerate(texts):
        assert model.setData(model.index(row, column), text, Qt.ItemDataRole.EditRole)


def shown(dialog: FourCpDialog, row: int) -> list[str]:
    model = dialog.model
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def ok_button(dialog: FourCpDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_typed_intervals_and_charge_apply_as_one_undo_step(qtbot, document) -> None:
    before = document.project
    assert before.sites[PECOS].fourcp_intervals == []
    steps = document.undo_stack.count()
    dialog = open_dialog(qtbot, document)
    assert dialog.windowTitle() == "4CP intervals: Pecos, TX"
    dialog.charge.setText("$50")
    dialog.add_row()  # an empty table's first row: June 1, 16:00, 100 %
    assert shown(dialog, 0) == ["Jun", "1", "16:00", "100%"]
    dialog.add_row()  # the hour after the last
    assert shown(dialog, 1) == ["Jun", "1", "17:00", "100%"]
    type_in(dialog, 1, ["July", "20", "17:00", "50%"])
    type_in(dialog, 0, ["6", "15", "16", ""])  # an empty probability is 100 %
    assert shown(dialog, 0) == ["Jun", "15", "16:00", "100%"]
    assert ok_button(dialog).isEnabled()
    dialog.accept()
    assert dialog.result() == FourCpDialog.DialogCode.Accepted
    site = document.project.sites[PECOS]
    assert site.fourcp_intervals == [
        FourCpInterval(month=6, day=15, hour=16, probability=1.0),
        FourCpInterval(month=7, day=20, hour=17, probability=0.5),
    ]
    assert site.fourcp_charge_usd_per_kw_year == 50.0
    assert document.project.sites[1:] == before.sites[1:]
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "4CP intervals of Pecos, TX"
    document.undo_stack.undo()
    assert document.project == before


def test_ok_unchanged_and_cancel_write_nothing(qtbot, document) -> None:
    before = document.project
    dialog = open_dialog(qtbot, document)
    dialog.accept()
    assert document.undo_stack.count() == 0
    dialog = open_dialog(qtbot, document)
    dialog.charge.setText("75")
    dialog.fill_with([6], summer_afternoons(6, 6))
    dialog.reject()
    assert document.project == before and document.undo_stack.count() == 0


def test_fill_summer_afternoons_shares_each_month_evenly(qtbot, document) -> None:
    """June to September, hours starting 15:00 to 18:00: (30 + 31 + 31 + 30) days x 4
    hours = 488 intervals; June's 120 are 1/120 each, July's 124 are 1/124: every month's
    add up to 100 %, the chance that one of them is the month's peak."""
    dialog = open_dialog(qtbot, document)
    type_in(dialog, dialog.model.add_row(), ["Jan", "5", "18", "100%"])  # another month
    seen: list[str] = []

    def accept_fill() -> None:
        helper = QApplication.activeModalWidget()
        assert isinstance(helper, FillDialog)
        seen.append(helper.preview.text())
        helper.accept()

    QTimer.singleShot(0, accept_fill)
    dialog.fill()
    assert seen == [
        "488 intervals. June: 30 days × 4 hours = 120 intervals of 0.8333 % each, 100 % in all."
    ]
    assert len(dialog.model.rows) == 1 + 488
    dialog.charge.setText("$40")
    dialog.accept()
    intervals = document.project.sites[PECOS].fourcp_intervals
    assert intervals[0] == FourCpInterval(month=1, day=5, hour=18)  # kept
    for month, days in ((6, 30), (7, 31), (8, 31), (9, 30)):
        listed = [x for x in intervals if x.month == month]
        assert len(listed) == days * 4
        assert {x.hour for x in listed} == {15, 16, 17, 18}
        assert {x.day for x in listed} == set(range(1, days + 1))
        assert all(x.probability == 1 / (days * 4) for x in listed)
        assert sum(x.probability for x in listed) == pytest.approx(1.0, abs=1e-12)
    assert "Jun 120 (100 %)" in dialog.summary.text()


def test_fill_with_one_probability_for_every_hour(qtbot) -> None:
    helper = FillDialog()
    qtbot.addWidget(helper)
    helper.first_month.setCurrentIndex(6)  # July
    helper.last_month.setCurrentIndex(7)  # August
    helper.first_hour.setValue(16)
    helper.last_hour.setValue(17)
    helper.fixed.setChecked(True)
    helper.percent.setText("2%")
    intervals = helper.intervals()
    assert helper.months() == [7, 8]
    assert len(intervals) == (31 + 31) * 2
    assert {x.probability for x in intervals} == {0.02}
    helper.first_hour.setValue(19)  # after the last hour
    assert not helper.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert helper.preview.text().startswith("hours: the first must be 0 to 23")


def test_a_bad_day_is_named_and_ok_waits(qtbot, document) -> None:
    dialog = open_dialog(qtbot, document)
    type_in(dialog, dialog.model.add_row(), ["Jun", "1", "15", "50%"])
    type_in(dialog, dialog.model.add_row(), ["Jun", "2", "15", "25%"])
    type_in(dialog, dialog.model.add_row(), ["Jun", "31", "16", "25%"])
    assert not dialog.problem.isHidden()
    assert dialog.problem.text() == "row 3, day: 31 is not a day of June"
    assert not ok_button(dialog).isEnabled()
    model = dialog.model
    assert model.data(model.index(2, 1), Qt.ItemDataRole.ToolTipRole) == ("31 is not a day of June")
    dialog.accept()  # refused: stays open, writes nothing
    assert document.undo_stack.count() == 0
    type_in(dialog, 2, ["Jun", "30", "25:00", "125%"])
    assert dialog.problem.text() == (
        "row 3, hour: must be 0 to 23 (the hour starting), got 25\n"
        "row 3, probability: must be 0 % to 100 %, got 125 %"
    )
    type_in(dialog, 2, ["Jun", "1", "15", "25%"])
    assert dialog.problem.text() == "row 3, hour: June 1, 15:00 is listed in row 1 already"
    type_in(dialog, 2, ["Jun", "30", "16", "25%"])
    assert dialog.problem.isHidden() and ok_button(dialog).isEnabled()
    dialog.charge.setText("-5")
    assert dialog.problem.text() == "4CP charge: must be >= 0, got -5.0"  # as the Sites table says
    assert not ok_button(dialog).isEnabled()


def test_three_lines_pasted_from_excel(qtbot, document) -> None:
    block = [["June", "15", "16:00", "0.5%"], ["Jul", "20", "17", '"1.5%"'], ["8", "1", "15", ""]]
    text = to_tsv([[c.strip('"') for c in row] for row in block])
    QGuiApplication.clipboard().setText(text)
    dialog = open_dialog(qtbot, document)
    dialog.paste()  # no current cell: from the first column, after the rows
    assert [shown(dialog, r) for r in range(3)] == [
        ["Jun", "15", "16:00", "0.5%"],
        ["Jul", "20", "17:00", "1.5%"],
        ["Aug", "1", "15:00", "100%"],
    ]
    # With its header line, on the second row's Day column: the header is skipped, and the
    # cells go from Day on (the month column kept).
    QGuiApplication.clipboard().setText("Day\tHour\n25\t18\n")
    dialog.view.setCurrentIndex(dialog.model.index(1, 1))
    dialog.paste()
    assert shown(dialog, 1) == ["Jul", "25", "18:00", "1.5%"]
    QGuiApplication.clipboard().setText("Month\tDay\tHour\tProbability\nSep\t2\t16\t1%\n")
    dialog.view.setCurrentIndex(dialog.model.index(3, 0))
    dialog.paste()
    assert len(dialog.model.rows) == 4 and shown(dialog, 3) == ["Sep", "2", "16:00", "1%"]
    dialog.accept()
    assert [
        (x.month, x.day, x.hour, x.probability)
        for x in document.project.sites[PECOS].fourcp_intervals
    ] == [(6, 15, 16, 0.005), (7, 25, 18, 0.015), (8, 1, 15, 1.0), (9, 2, 16, 0.01)]


def flat_profile_2024(usd_per_mwh: float) -> PriceProfile:
    """A leap year of hourly prices on the Chicago clock, from midnight CST."""
    return PriceProfile(
        source="test",
        time_zone="America/Chicago",
        start_utc=datetime(2024, 1, 1, 6, tzinfo=UTC),
        interval_minutes=60,
        usd_per_mwh=[usd_per_mwh] * (366 * 24),
    )


def test_the_engine_counts_the_charge_avoided_after_ok(qtbot, sample) -> None:
    """Pecos on hourly prices, $50 per kW-year, one interval: June 15 at 16:00, 100 %.
    Its rigs online in June 2027 (M50S 2,000 x 3,276 W, S19 XP 2,500 x 3,010 W, S21
    3,000 x 3,500 W, M60S 2,500 x 3,441 W, S21 XP 1,500 x 3,645 W) draw 38,647 kW, with
    the 1.1 cooling overhead 42,511.7 kW. The expected 4CP demand of 2027 = 1 x 42,511.7
    / 4 = 10,627.925 kW; avoided, it saves 50 x 10,627.925 = $531,396.25, billed over
    2028's 12 months: $44,283.02 a month. The plan starts in December 2026: 2027 bills
    2026's (no interval in its one month), nothing."""
    flat = with_price_profile(without_fourcp(sample), "Pecos, TX", flat_profile_2024(40.0))
    document = ProjectDocument(flat)
    dialog = open_dialog(qtbot, document)
    dialog.charge.setText("50")
    type_in(dialog, dialog.model.add_row(), ["Jun", "15", "16", "100%"])
    dialog.accept()
    results = compute(compile_inputs(document.project))
    savings = results.sites.fourcp_savings_usd[PECOS]
    # Months 0-12 are December 2026 to December 2027; 13-24 are 2028.
    assert savings[:13] == pytest.approx([0.0] * 13)
    assert savings[13:25] == pytest.approx([531_396.25 / 12] * 12)
    assert savings[13] == pytest.approx(44_283.02, abs=0.01)
    assert not results.sites.fourcp_savings_usd[1:].any()


# The offscreen platform can neither raise a window nor let a popup menu grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "does not support grabbing")
def test_the_edit_menu_and_the_sites_context_menu_open_it(qtbot, window) -> None:
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.fourcp_action in edit.actions()
    view = window.sheets["sites"]
    view.setCurrentIndex(view.model().index(2, 0))  # Williston, ND
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, FourCpDialog)
        seen.append(dialog.windowTitle())
        dialog.paste_texts(0, 0, [["Aug", "3", "17", "100%"]])
        dialog.charge.setText("30")
        ok_button(dialog).click()

    QTimer.singleShot(0, answer)
    window.fourcp_action.trigger()
    assert seen == ["4CP intervals: Williston, ND"]
    site = window.document.project.sites[2]
    assert site.fourcp_intervals == [FourCpInterval(month=8, day=3, hour=17)]
    assert site.fourcp_charge_usd_per_kw_year == 30.0
    menus: list[list[str]] = []

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        menus.append([a.text() for a in menu.actions() if a.isEnabled()])
        menu.close()

    QTimer.singleShot(0, read_menu)
    view._context_menu(view.visualRect(view.model().index(0, 1)).center())
    assert "4CP intervals…" in menus[0]
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert not edit_site_fourcp(window, window.document, 0)


def test_the_summary_warns_of_a_month_over_100_percent(qtbot, document) -> None:
    dialog = open_dialog(qtbot, document)
    dialog.paste_texts(0, 0, [["Jun", "15", "16", "100%"], ["Jun", "16", "16", "100%"]])
    assert dialog.summary.text() == (
        "2 interval(s); by month, with the sum of probabilities: Jun 2 (200 %). June add(s) "
        "up to more than 100 %: the month has one peak, so the avoided demand is overstated. "
        "With no charge the rigs run through these hours."
    )
    assert ok_button(dialog).isEnabled()  # said, not refused


def test_fill_keeps_a_row_whose_month_is_refused(qtbot, document) -> None:
    dialog = open_dialog(qtbot, document)
    type_in(dialog, dialog.model.add_row(), ["Juin", "1", "15", "1%"])
    dialog.fill_with([6], summer_afternoons(6, 6))
    assert len(dialog.model.rows) == 1 + 30 * 4
    assert shown(dialog, 0)[0] == "Juin"
    assert dialog.problem.text() == (
        "row 1, month: cannot read 'Juin' as a month (1 to 12, or a name such as Jun)"
    )


def test_enter_in_the_table_moves_down_and_does_not_press_ok(qtbot, document) -> None:
    dialog = open_dialog(qtbot, document)
    dialog.paste_texts(0, 0, [["Jun", "15", "16", "50%"], ["Jun", "16", "16", "50%"]])
    dialog.show()
    dialog.view.setCurrentIndex(dialog.model.index(0, 1))
    dialog.view.setFocus()
    qtbot.keyClick(dialog.view, Qt.Key.Key_Return)
    assert dialog.isVisible() and document.undo_stack.count() == 0
    assert (dialog.view.currentIndex().row(), dialog.view.currentIndex().column()) == (1, 1)
    qtbot.keyClick(dialog.view, Qt.Key.Key_2)  # typing starts the editor, as in a sheet
    editor = dialog.view.findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClicks(editor, "0")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.view.state() != QAbstractItemView.State.EditingState)
    assert shown(dialog, 1)[1] == "20" and dialog.isVisible()
    assert dialog.view.currentIndex().row() == 1  # the last row: it stays
    assert document.undo_stack.count() == 0
