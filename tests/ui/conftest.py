"""UI tests: offscreen Qt, settings and autosaves in a temporary folder, no dialogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from planner.ui.window_settings import use_scratch_settings


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))
    use_scratch_settings(tmp_path / "settings")
    qapp.setOrganizationName("MiningPlannerTests")
    qapp.setApplicationName("tests")


@pytest.fixture
def sample():
    return load_project(sample_project_path())


@pytest.fixture
def window(qtbot, sample):
    from planner.ui.main_window import MainWindow

    win = MainWindow(sample, None)
    win.ask_yes_no = lambda _title, _text: True
    win.ask_save_changes = lambda: "discard"
    win.errors = []
    win.show_error = lambda title, text: win.errors.append((title, text))
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    return win
