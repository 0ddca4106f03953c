"""Tools and tests keep out of the user's settings; a saved layout never starves a pane."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect, QSettings, QSize

from planner.ui import window_settings as ws


def _user_settings(tmp_path: Path) -> dict[str, object]:
    """What the test's stand-in for the user's settings holds."""
    settings = QSettings()
    assert settings.fileName().startswith(str(tmp_path / "settings"))
    return {key: settings.value(key) for key in settings.allKeys()}


def test_tests_use_a_settings_file_of_their_own(tmp_path: Path) -> None:
    assert QSettings.defaultFormat() == QSettings.Format.IniFormat
    assert ws.settings_file().startswith(str(tmp_path / "settings"))
    home = Path.home()
    assert not ws.settings_file().startswith(str(home / ".config"))


def _leftover_user_layout() -> None:
    QSettings().setValue("window/tab", 3)
    QSettings().setValue("recent_files", ["/projects/fleet.mplan"])


def test_screenshot_mode_neither_reads_nor_writes_the_user_settings(
    tmp_path: Path, monkeypatch
) -> None:
    from planner.io.project_file import load_project
    from planner.io.resources import sample_project_path
    from planner.ui.app import run_gui

    _leftover_user_layout()
    before = _user_settings(tmp_path)
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))  # restored afterwards
    out = tmp_path / "shot.png"
    assert run_gui(load_project(sample_project_path()), None, out) == 0
    assert out.stat().st_size > 50_000
    assert not ws.settings_file().startswith(str(tmp_path))  # it switched to its own scope
    assert os.environ["PLANNER_DATA_DIR"] != str(tmp_path / "data")
    ws.use_scratch_settings(tmp_path / "settings")
    assert _user_settings(tmp_path) == before


def test_bench_neither_reads_nor_writes_the_user_settings(tmp_path: Path, monkeypatch) -> None:
    from planner.ui.bench import gui_edit_case

    _leftover_user_layout()
    before = _user_settings(tmp_path)
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))
    result = gui_edit_case(rows=20, months=12, edits=1, burst=2)
    assert result.rows == 20
    assert not ws.settings_file().startswith(str(tmp_path))
    ws.use_scratch_settings(tmp_path / "settings")
    assert _user_settings(tmp_path) == before


def test_fit_window() -> None:
    screen = QRect(0, 0, 1920, 1040)
    assert ws.fit_window(QSize(970, 666), screen) == QSize(970, 666)
    assert ws.fit_window(QSize(400, 300), screen) == ws.MIN_WINDOW
    assert ws.fit_window(QSize(5000, 3000), screen) == QSize(1920, 1040)
    # A screen smaller than the minimum: the minimum wins (the window can scroll off).
    assert ws.fit_window(QSize(1500, 950), QRect(0, 0, 800, 500)) == ws.MIN_WINDOW


def _reopened(qtbot, sample, size: QSize | None):
    """A new window as the app opens one (with `size`: as the tests' fixture does)."""
    from planner.ui.main_window import MainWindow

    window = MainWindow(sample, None)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(size)
    window.show()
    qtbot.waitExposed(window)
    return window


def _assert_usable(window) -> None:
    tables, charts = window.splitter.sizes()
    assert tables >= ws.MIN_TABLES_PX and charts >= ws.MIN_CHARTS_PX, (tables, charts)
    plot = window.charts.plots["cash_flow"]
    assert plot.height() >= 120, plot.height()


def test_a_squeezed_saved_layout_is_restored_usable(qtbot, sample) -> None:
    """A leftover layout (970 x 666, the chart pane dragged to 30 px) comes back usable."""
    from PySide6.QtWidgets import QSplitter, QWidget

    from planner.ui.main_window import MainWindow

    old = QSplitter()
    qtbot.addWidget(old)
    old.addWidget(QWidget())
    old.addWidget(QWidget())
    old.setSizes([500, 30])
    squeezed = MainWindow(sample, None)
    qtbot.addWidget(squeezed)
    squeezed.resize(970, 666)
    QSettings().setValue("window/geometry", squeezed.saveGeometry())
    QSettings().setValue("window/splitter", old.saveState())
    again = _reopened(qtbot, sample, None)
    # Kept (on a screen as small as the offscreen one's, fitted to it).
    assert again.size() == ws.fit_window(QSize(970, 666), again.screen().availableGeometry())
    assert again.height() == 666
    _assert_usable(again)


def test_a_layout_saved_on_a_tab_without_charts_keeps_the_split_from_before(qtbot, sample) -> None:
    first = _reopened(qtbot, sample, QSize(1400, 900))
    first.splitter.setSizes([450, 321])
    charts = first.splitter.sizes()[1]
    assert abs(charts - 321) <= 5
    first.close()
    second = _reopened(qtbot, sample, QSize(1400, 900))
    second.tabs.setCurrentWidget(second.hpc)  # the fleet charts hide
    qtbot.waitUntil(lambda: second.splitter.sizes()[1] == 0)
    second.close()  # on the AI/HPC tab: the 0 px charts are not saved
    third = _reopened(qtbot, sample, QSize(1400, 900))
    assert third.tabs.currentWidget() is third.hpc
    third.tabs.setCurrentWidget(third.pages["fleet"])
    qtbot.waitUntil(lambda: third.splitter.sizes()[1] > 0)
    _assert_usable(third)
    assert abs(third.splitter.sizes()[1] - charts) <= 2


def test_panes_cannot_be_dragged_or_set_below_their_minimums(window, qtbot) -> None:
    window.splitter.setSizes([10_000, 1])
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] < 300)
    _assert_usable(window)
    window.splitter.setSizes([1, 10_000])
    qtbot.waitUntil(lambda: window.splitter.sizes()[0] < 300)
    _assert_usable(window)
    window.tabs.setCurrentWidget(window.decisions)
    window.splitter.setSizes([900, 0])
    window.tabs.setCurrentWidget(window.pages["sites"])
    qtbot.waitUntil(lambda: window.splitter.sizes()[1] > 0)
    _assert_usable(window)
