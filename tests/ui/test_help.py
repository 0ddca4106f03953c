"""Help: the user guide dialog (headings, search, a missing guide), its shortcuts tables
held to the window's own shortcuts and key handling, and a definition in the guide for
every KPI on the strip and every result column of the tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QDialog, QWidget

from planner.domain import schema
from planner.io import resources
from planner.ui import help_dialog
from planner.ui.help_dialog import GuideDialog, section, show_shortcuts, show_user_guide
from planner.ui.kpi import TITLES
from planner.ui.sheet import cell_data

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
UI_SOURCES = "\n".join(
    path.read_text(encoding="utf-8") for path in sorted((ROOT / "planner" / "ui").rglob("*.py"))
)
# Keys Qt binds through a platform's standard key (empty offscreen): the guide's key, the
# StandardKey the code asks for.
PLATFORM_KEYS = {"Ctrl+Q": "StandardKey.Quit", "Ctrl+Shift+Z": "StandardKey.Redo"}


def portable(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.PortableText)


def shortcut_tables() -> list[list[list[str]]]:
    """The tables of the guide's Keyboard shortcuts section: rows of cells, header and
    separator rows left out."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in section(GUIDE, "Keyboard shortcuts").splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None:  # the header row
            current = []
            tables.append(current)
            continue
        if set("".join(cells)) <= {"-", " "}:
            continue
        current.append(cells)
    return tables


def keys_of(cell: str) -> list[str]:
    return [k.strip() for k in cell.split(" or ")]


def guide(parent: QWidget) -> GuideDialog:
    dialog = show_user_guide(parent)
    assert isinstance(dialog, GuideDialog)
    return dialog


# --- the dialog -------------------------------------------------------------------------


# Opening a dialog that is open raises it, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_guide_opens_non_modal_with_its_headings(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = guide(parent)
    assert dialog.isVisible() and not dialog.isModal() and dialog.found
    headings = [text for _level, text in dialog.headings()]
    for title in (
        "Getting started with the sample",
        "Fleet",
        "Sites",
        "Power contracts",
        "Rig catalog",
        "Scenarios",
        "Finance",
        "Monthly",
        "AI/HPC",
        "Decisions",
        "Editing like a spreadsheet",
        "The warnings bar",
        "Excel export",
        "Importing a fleet",
        "Keyboard shortcuts",
        "Definitions",
    ):
        assert title in headings
    for page in ("Scenarios", "Sensitivity", "Swaps", "Best buy", "Monte Carlo"):
        assert f"{page}:" in dialog.browser.toPlainText()
    assert dialog.contents.count() == len([h for h in dialog.headings() if h[0] <= 3])
    # Opened again: the same dialog, not a second one.
    assert show_user_guide(parent) is dialog
    dialog.close()
    assert show_user_guide(parent) is dialog and dialog.isVisible()


def test_a_heading_in_the_list_scrolls_the_guide_to_it(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = guide(parent)
    dialog.resize(900, 500)
    assert dialog.browser.verticalScrollBar().value() == 0
    row = next(
        i for i in range(dialog.contents.count()) if dialog.contents.item(i).text() == "Definitions"
    )
    dialog.contents.itemClicked.emit(dialog.contents.item(row))
    assert dialog.browser.verticalScrollBar().value() > 0
    assert dialog.browser.textCursor().block().text() == "Definitions"


def test_search_finds_a_term_and_moves_to_it(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = guide(parent)
    dialog.resize(900, 500)
    text = dialog.browser.toPlainText()
    dialog.activateWindow()  # window shortcuts need an active window, offscreen too
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    qtbot.keyClick(dialog.browser, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.search.hasFocus()  # Ctrl+F
    dialog.search.setText("peak funding")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    cursor = dialog.browser.textCursor()
    assert cursor.selectedText().casefold() == "peak funding"
    first = cursor.selectionStart()
    assert first == text.casefold().find("peak funding")  # Enter found once, not twice
    assert dialog.browser.verticalScrollBar().value() > 0  # the view moved to it
    qtbot.keyClick(dialog.browser, Qt.Key.Key_F3)  # F3: the next match
    second = dialog.browser.textCursor().selectionStart()
    assert second == text.casefold().find("peak funding", first + 1) > first
    qtbot.keyClick(dialog.browser, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert dialog.browser.textCursor().selectionStart() == first
    # Past the last match it wraps to the first.
    for _ in range(text.casefold().count("peak funding")):
        assert dialog.find_next()
    assert dialog.browser.textCursor().selectionStart() == first
    dialog.search.setText("no such words in the guide")
    assert not dialog.find_next()
    assert dialog.status.text() == "Not found"


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_the_shortcuts_dialog_shows_the_shortcuts_tables_only(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = show_shortcuts(parent)
    assert isinstance(dialog, GuideDialog) and dialog.isVisible() and not dialog.isModal()
    assert [text for _level, text in dialog.headings()] == ["Keyboard shortcuts"]
    shown = dialog.browser.toPlainText()
    assert "Ctrl+Shift+D" in shown and "Duplicate the selected rows" in shown
    assert "Definitions" not in shown
    assert show_shortcuts(parent) is dialog
    assert show_user_guide(parent) is not dialog


def test_a_missing_guide_is_said_in_the_dialog(qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(help_dialog, "guide_path", lambda: tmp_path / "gone.md")
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = guide(parent)
    assert not dialog.found
    assert "User guide not found" in dialog.browser.toPlainText()
    assert str(tmp_path / "gone.md") in dialog.browser.toPlainText()
    shortcuts = show_shortcuts(parent)
    assert "User guide not found" in shortcuts.browser.toPlainText()


def test_the_guide_is_found_in_a_checkout_and_in_the_bundle(tmp_path, monkeypatch) -> None:
    assert help_dialog.guide_path() == ROOT / "docs" / "user-guide.md"
    assert help_dialog.read_guide() == (GUIDE, True)
    monkeypatch.setattr(resources.sys, "_MEIPASS", str(tmp_path), raising=False)
    assert help_dialog.guide_path() == tmp_path / "docs" / "user-guide.md"
    # build.spec puts it there.
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "docs" / "user-guide.md"), "docs")' in spec


# --- the guide against the code -----------------------------------------------------------


def test_every_shortcut_in_the_guide_exists_in_the_code(window, qtbot) -> None:
    commands, in_a_table = shortcut_tables()
    assert len(commands) >= 15 and len(in_a_table) >= 5
    dialog = show_user_guide(window)
    bound = {
        portable(s.toString())
        for owner in (window, dialog)
        for action in owner.findChildren(QAction)
        for s in action.shortcuts()
    } | {portable(s.key().toString()) for s in window.findChildren(QShortcut)}
    for row in commands:
        for keys in keys_of(row[0]):
            if portable(keys) in bound:
                continue
            assert keys in PLATFORM_KEYS, f"the guide's {keys} ({row[1]}) is bound nowhere"
            assert PLATFORM_KEYS[keys] in UI_SOURCES
    # Every command shortcut the window binds is in the guide.
    named = {portable(k) for row in commands for k in keys_of(row[0])}
    assert bound <= named, bound - named
    # The table keys, pressed on the Fleet table.
    checked = check_table_keys(window, qtbot)
    assert {keys_of(row[0])[0] for row in in_a_table} <= checked


def check_table_keys(window, qtbot) -> set[str]:
    """Press each key the guide lists for tables on the Fleet sheet and check it does what
    the guide says; the keys checked."""
    view = window.sheets["fleet"]
    model = window.models["fleet"]
    window.tabs.setCurrentWidget(window.page_of(view))
    count = model.column_index("count")
    notes = model.column_index("notes")
    before = cell_data(model.index(0, count))
    view.setCurrentIndex(model.index(0, count))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert view.state() == QAbstractItemView.State.EditingState
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Escape)
    assert view.state() != QAbstractItemView.State.EditingState
    assert cell_data(model.index(0, count)) == before
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, count)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, count + 1)
    qtbot.keyClick(view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, count)
    assert model.setData(model.index(0, notes), "a note")
    view.setCurrentIndex(model.index(0, notes))
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert window.document.project.fleet[0].notes == ""
    return {"F2", "Escape", "Enter", "Tab", "Shift+Tab", "Backspace"}


def definition_terms() -> set[str]:
    """The terms the Definitions section defines: its bold words."""
    return set(re.findall(r"\*\*(.+?)\*\*", section(GUIDE, "Definitions")))


# KPIs whose definition the user guide does not have yet (docs/ is written separately:
# the text is in the session's report). Strict: the test fails once the guide has it.
GUIDE_PENDING: set[str] = set()


@pytest.mark.parametrize(
    "title",
    [
        pytest.param(
            t,
            marks=pytest.mark.xfail(strict=True, reason="the guide's definition is pending"),
        )
        if t in GUIDE_PENDING
        else t
        for t in sorted(TITLES.values())
    ],
)
def test_every_kpi_has_a_definition(title: str) -> None:
    assert title in definition_terms()


@pytest.mark.parametrize(
    "header",
    sorted(
        {c.header for columns in schema.COLUMNS.values() for c in columns if c.kind == "result"}
    ),
)
def test_every_result_column_has_a_definition(header: str) -> None:
    assert header in definition_terms()


def test_the_definitions_name_the_other_figures() -> None:
    terms = definition_terms()
    for term in (
        "Discounted payback",
        "Net cost per BTC",
        "Energy cost per BTC",
        "Hashprice",
        "The bridge",
        "Monte Carlo percentiles",
        "Months and flows",
        "Block times from the hashrate",
        "Tax as filed",
    ):
        assert term in terms


def test_the_help_menu_opens_the_guide_and_the_shortcuts(window) -> None:
    actions = {a.text(): a for a in window.menuBar().actions()}
    help_menu = actions["&Help"].menu()
    entries = {a.text(): a for a in help_menu.actions() if a.text()}
    assert list(entries) == ["User guide", "Keyboard shortcuts", "About"]
    entries["User guide"].trigger()
    guides = [w for w in window.findChildren(QDialog) if w.isVisible()]
    assert guides and "user guide" in guides[-1].windowTitle().casefold()
    entries["Keyboard shortcuts"].trigger()
    assert any("shortcuts" in w.windowTitle().casefold() for w in window.findChildren(QDialog))


def test_every_kpi_has_its_definition_as_a_tooltip(window) -> None:
    from planner.ui.kpi import DEFINITIONS, KPI_KEYS

    strip = window.kpis
    for key in KPI_KEYS:
        assert strip._value[key].toolTip() == DEFINITIONS[key]
        assert len(DEFINITIONS[key]) > 40
