"""Files: save and reopen, failed saves, autosave recovery, settings, screenshot mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from planner.io import autosave
from planner.io.project_file import load_project, project_to_json, save_project


def test_save_reopen_compare_equal(window, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    window.models["fleet"].setData(window.models["fleet"].index(0, 3), "3,900")
    assert window.save_to(path)
    assert not window.isWindowModified()
    assert "plan.json[*]" in window.windowTitle()
    assert load_project(path) == window.document.project
    window.document.replace(load_project(path), path)
    assert window.document.project.fleet[0].count == 3_900
    assert window.recent_files()[0] == str(path.resolve())


def test_a_failed_save_leaves_the_previous_file(window, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "plan.json"
    assert window.save_to(path)
    previous = path.read_bytes()
    window.models["fleet"].setData(window.models["fleet"].index(0, 3), "10")

    def refuse(*_args) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert not window.save_to(path)
    assert path.read_bytes() == previous
    assert window.errors and "No space left on device" in window.errors[-1][1]
    assert window.isWindowModified()  # the change is still unsaved
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]  # no temporary left


def test_opening_a_bad_file_keeps_the_current_project(window, tmp_path: Path, sample) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 2, "fleet": [{"count": -5}]}', encoding="utf-8")
    assert not window.open_path(bad, ask=False)
    assert window.document.project == sample
    title, text = window.errors[-1]
    assert title == "Cannot open project"
    assert "fleet[0].count: must be >= 0, got -5" in text


def test_unsaved_changes_prompt_before_open(window, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    save_project(window.document.project.model_copy(update={"name": "Other"}), other)
    window.models["fleet"].setData(window.models["fleet"].index(0, 3), "10")
    window.ask_save_changes = lambda: "cancel"
    assert not window.open_path(other)
    assert window.document.project.fleet[0].count == 10
    window.ask_save_changes = lambda: "discard"
    assert window.open_path(other)
    assert window.document.project.name == "Other"


def test_autosave_recovery_offers_the_newer_copy(window, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    assert window.save_to(path)
    window.models["fleet"].setData(window.models["fleet"].index(0, 3), "1,234")
    copy = window.autosave_now()
    assert copy is not None and copy.parent == Path(os.environ["PLANNER_DATA_DIR"]) / "autosave"
    os.utime(copy, (path.stat().st_mtime + 60, path.stat().st_mtime + 60))
    assert autosave.recovery_for(path) == copy

    # As after a crash: the file is opened afresh, and the newer copy is offered.
    asked = []
    window.ask_yes_no = lambda title, text: asked.append(text) or True
    window.document.replace(load_project(path), path)
    assert window.document.project.fleet[0].count == 4_000
    assert window.offer_recovery()
    assert asked and "newer than the file" in asked[0]
    assert window.document.project.fleet[0].count == 1_234
    assert window.isWindowModified()
    window.document.undo_stack.undo()  # recovery is one undoable step
    assert window.document.project.fleet[0].count == 4_000


def test_declined_recovery_is_discarded(window, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_project(window.document.project, path)
    copy = autosave.write_autosave(window.document.project, path)
    os.utime(copy, (path.stat().st_mtime + 60, path.stat().st_mtime + 60))
    window.document.replace(load_project(path), path)
    window.ask_yes_no = lambda _t, _x: False
    assert not window.offer_recovery()
    assert not copy.exists()


def test_settings_persist_between_windows(window, qtbot, sample) -> None:
    from planner.ui.main_window import MainWindow

    window.tabs.setCurrentIndex(2)
    window.sheets["fleet"].setColumnWidth(0, 333)
    window.splitter.setSizes([480, 320])
    sizes = window.splitter.sizes()
    window.close()
    assert QSettings().value("window/tab") in (2, "2")
    again = MainWindow(sample, None)
    qtbot.addWidget(again)
    again.resize(window.size())
    again.show()
    assert again.tabs.currentIndex() == 2
    assert again.sheets["fleet"].columnWidth(0) == 333
    assert abs(again.splitter.sizes()[0] - sizes[0]) <= 2


def test_screenshot_command_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "window.png"
    home = tmp_path / "home"  # stands in for the user's: the screenshot writes nothing there
    home.mkdir()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONIOENCODING": "utf-8",  # what the output is decoded as, not the locale's
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("PLANNER_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "planner", "--screenshot", str(out)],
        capture_output=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    assert "1600 x 1000 PNG" in done.stdout
    assert list(home.rglob("*")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--screenshot", "/nowhere/x.png"], "--screenshot: folder /nowhere does not exist"),
        (["--screenshot", "out.txt"], "--screenshot: must name a .png file, got out.txt"),
        (["missing.json", "--screenshot", "x.png"], "missing.json: no such file"),
    ],
)
def test_screenshot_errors(args, message, capsys, tmp_path, monkeypatch) -> None:
    from planner.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert capsys.readouterr().err == f"planner: error: {message}\n"


def test_project_to_json_round_trip_of_the_window(window) -> None:
    text = project_to_json(window.document.project)
    assert text.startswith('{\n  "schema_version": 2')


def _run(qtbot, task) -> None:
    """Wait for a background task of the window to finish."""
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)


def test_import_fleet_previews_then_imports_as_one_undo_step(qtbot, window, sample) -> None:
    from planner.io.resources import app_root
    from planner.ui.import_dialog import ImportDialog

    seen: list[ImportDialog] = []

    def confirm(dialog) -> bool:
        seen.append(dialog)
        return True

    window.confirm_import = confirm
    _run(qtbot, window.import_fleet(app_root() / "samples" / "fleet-inventory.xlsx"))
    assert window.last_import_applied
    dialog = seen[0]
    assert dialog.import_button.isEnabled()
    assert dialog.table.rowCount() == 10
    assert "17,720 rigs" in dialog.summary.text()
    # The sample's own inventory: 9 of its 10 rows are the fleet's own (same model, site,
    # rigs and purchase month), flagged and left out by default, so the fleet is not
    # doubled; the tenth is added.
    assert len(dialog.already_in) == 9
    assert dialog.skip_box.isChecked() and "9 row(s) already in the fleet" in dialog.skip_box.text()
    first = next(iter(dialog.already_in))
    assert dialog.table.item(first, 0).toolTip().startswith("Already in the fleet as ")
    assert len(window.document.project.fleet) == 11 + 1
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert window.document.project == sample


def test_import_with_problems_cannot_be_confirmed(qtbot, window, tmp_path: Path, sample) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Model,Qty\nAntminer S21,-3\n", encoding="utf-8")
    seen = []
    window.confirm_import = lambda dialog: seen.append(dialog) or False
    _run(qtbot, window.import_fleet(bad))
    assert not window.last_import_applied
    assert not seen[0].import_button.isEnabled()
    assert "must be >= 0, got -3" in seen[0].issues.item(0).text()
    assert window.document.project == sample
    _run(qtbot, window.import_fleet(tmp_path / "missing.xlsx"))
    assert not window.last_import_applied
    assert "no such file" in window.errors[-1][1]


def test_import_replace_lists_what_it_drops_and_keeps_the_project_valid(
    qtbot, window, sample
) -> None:
    from planner.io.project_file import parse_project, project_to_json
    from planner.io.resources import app_root

    assert sample.swaps  # the sample's swaps name fleet rows that a replace removes
    seen = []

    def confirm(dialog) -> bool:
        seen.append(dialog)
        dialog.replace_box.setChecked(True)
        return True

    window.confirm_import = confirm
    _run(qtbot, window.import_fleet(app_root() / "samples" / "fleet-inventory.xlsx"))
    dialog = seen[0]
    dropped = len(sample.swaps) + 1  # and the equipment financing of the newest batch
    assert len(dialog.drops) == dropped
    assert dialog.drops[-1].startswith("the equipment financing")
    assert not dialog.drops_label.isHidden()
    assert f"drops {dropped} item(s)" in dialog.drops_label.text()
    after = window.document.project
    assert len(after.fleet) == 10
    assert after.swaps == []
    assert parse_project(project_to_json(after)) == after  # the result opens again
    window.document.undo_stack.undo()
    assert window.document.project == sample
