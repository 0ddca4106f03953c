"""A monthly path cell opens its grid of months: double-click, F2 or the context menu."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def test_double_click_and_f2_on_a_path_open_its_grid(qtbot, window, monkeypatch) -> None:
    import planner.ui.cell_delegate as cell_delegate

    opened: list[tuple[int, str]] = []

    def record(view, cell) -> bool:
        opened.append((cell.row(), view.model().columns[cell.column()].key))
        return True

    monkeypatch.setattr(cell_delegate, "edit_path", record)
    view, model = window.sheets["scenarios"], window.models["scenarios"]
    window.tabs.setCurrentWidget(window.page_of(view))
    path = model.index(0, model.column_index("btc_price_path_usd"))
    view.scrollTo(path)
    where = view.visualRect(path).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: len(opened) == 1)
    assert opened == [(0, "btc_price_path_usd")]
    assert view.state() != view.State.EditingState  # no text editor over it
    view.setCurrentIndex(path)
    QTest.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: len(opened) == 2)
    # Any other cell edits in place as before.
    price = model.index(0, model.column_index("btc_price_usd"))
    view.setCurrentIndex(price)
    QTest.keyClick(view, Qt.Key.Key_F2)
    assert view.state() == view.State.EditingState and len(opened) == 2
