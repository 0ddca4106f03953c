"""The window never writes over another program's changes unasked, and every file error
ends in a message (naming the problem) with the project kept, never in a traceback."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from planner.io.project_file import (
    ProjectLockedError,
    backup_path,
    load_project,
    project_to_json,
    save_project,
)


def _answer(window, *answers: str) -> list[tuple[str, str, list[str]]]:
    """Answer the window's next choices in turn; returns what it asked."""
    asked: list[tuple[str, str, list[str]]] = []
    queue = list(answers)

    def choose(title: str, text: str, choices) -> str:
        asked.append((title, text, [key for key, _label in choices]))
        return queue.pop(0)

    window.ask_choice = choose
    return asked


def _edit(window, count: str = "1,234") -> None:
    model = window.models["fleet"]
    model.setData(model.index(0, model.column_index("count")), count)


@pytest.fixture
def opened(window, tmp_path: Path):
    """The window on a saved project file, with one unsaved edit."""
    path = tmp_path / "plan.mplan"
    save_project(window.document.project, path)
    assert window.open_path(path, ask=False)
    _edit(window)
    return path


def _changed_elsewhere(path: Path) -> bytes:
    """Another program saves its own version of the file."""
    project = load_project(path)
    other = project.model_copy(update={"name": "Edited elsewhere"})
    data = project_to_json(other).encode("utf-8")
    path.write_bytes(data)
    return data


def test_saving_over_the_file_as_it_was_read_asks_nothing(window, opened: Path) -> None:
    asked = _answer(window)
    assert window.save()
    assert load_project(opened) == window.document.project
    # Same bytes rewritten by another program (a sync client, `touch`): nothing to ask.
    os.utime(opened, ns=(opened.stat().st_atime_ns, opened.stat().st_mtime_ns + 10**9))
    _edit(window, "77")
    assert window.save()
    assert asked == []
    assert load_project(opened).fleet[0].count == 77


def test_changed_on_disk_overwrite(window, opened: Path) -> None:
    theirs = _changed_elsewhere(opened)
    asked = _answer(window, "overwrite")
    assert window.save()
    title, text, choices = asked[0]
    assert title == "Project changed on disk" and str(opened) in text
    assert choices == ["overwrite", "save_as", "reload"]
    assert load_project(opened) == window.document.project
    assert backup_path(opened).read_bytes() == theirs  # their version is kept as .bak
    assert not window.isWindowModified()
    _edit(window, "5")
    assert window.save() and len(asked) == 1  # known again: the next save asks nothing


def test_changed_on_disk_save_as(window, opened: Path, tmp_path: Path) -> None:
    theirs = _changed_elsewhere(opened)
    _answer(window, "save_as")
    copy = tmp_path / "mine.mplan"
    window.ask_save_path = lambda: copy
    assert window.save()
    assert opened.read_bytes() == theirs
    assert load_project(copy) == window.document.project
    assert window.document.path == copy and not window.isWindowModified()


def test_changed_on_disk_reload_after_confirming(window, opened: Path) -> None:
    _changed_elsewhere(opened)
    _answer(window, "reload", "reload")
    confirmations: list[str] = []

    window.ask_yes_no = lambda _title, text: confirmations.append(text) or False
    assert not window.save()  # declined: the edits stay, nothing is written
    assert window.document.project.fleet[0].count == 1_234
    assert window.isWindowModified()
    assert "unsaved changes will be lost" in confirmations[0]
    assert "undo history" in confirmations[0]

    window.ask_yes_no = lambda _title, text: confirmations.append(text) or True
    assert not window.save()  # reloaded, not saved
    assert window.document.project == load_project(opened)
    assert window.document.project.name == "Edited elsewhere"
    assert not window.isWindowModified()
    assert window.document.undo_stack.count() == 0
    _answer(window)
    _edit(window, "9")
    assert window.save()  # the reloaded file is the known one now


def test_changed_on_disk_cancel_writes_nothing(window, opened: Path) -> None:
    theirs = _changed_elsewhere(opened)
    _answer(window, "cancel")
    assert not window.save()
    assert opened.read_bytes() == theirs
    assert window.isWindowModified()


def test_closing_asks_too(window, opened: Path) -> None:
    theirs = _changed_elsewhere(opened)
    window.ask_save_changes = lambda: "save"
    _answer(window, "cancel")
    assert not window.close()  # the save was cancelled, so the window stays
    assert opened.read_bytes() == theirs
    window.ask_save_changes = lambda: "discard"


def test_changed_again_between_the_check_and_the_write(window, opened: Path, monkeypatch) -> None:
    """The check and the write are apart: a change in between is caught under the lock."""
    import planner.ui.file_guard as guard

    real_save = guard.save_project
    calls: list[int] = []

    def racing_save(*args, **kwargs):
        if not calls:
            _changed_elsewhere(opened)
        calls.append(1)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(guard, "save_project", racing_save)
    asked = _answer(window, "overwrite")
    assert window.save()
    assert [a[0] for a in asked] == ["Project changed on disk"]
    assert load_project(opened) == window.document.project


@pytest.mark.parametrize("answer", ["save", "save_as"])
def test_deleted_file(window, opened: Path, tmp_path: Path, answer: str) -> None:
    opened.unlink()
    asked = _answer(window, answer)
    elsewhere = tmp_path / "elsewhere.mplan"
    window.ask_save_path = lambda: elsewhere
    assert window.save()
    title, text, choices = asked[0]
    assert title == "Project file deleted" and "no longer on disk" in text
    assert choices == ["save", "save_as"]
    target = opened if answer == "save" else elsewhere
    assert load_project(target) == window.document.project
    assert opened.exists() == (answer == "save")


def test_read_only_file_offers_save_as(window, opened: Path, tmp_path: Path) -> None:
    before = opened.read_bytes()
    opened.chmod(0o444)
    asked = _answer(window, "save_as")
    copy = tmp_path / "copy.mplan"
    window.ask_save_path = lambda: copy
    assert window.save()
    title, text, choices = asked[0]
    assert title == "Project is read-only" and "read-only" in text
    assert choices == ["save_as"]
    assert opened.read_bytes() == before
    assert load_project(copy) == window.document.project and window.document.path == copy
    assert window.errors == []  # said once, in the choice, not again in an error box


def test_a_name_the_system_cannot_save_offers_save_as(window, tmp_path: Path) -> None:
    _edit(window)
    asked = _answer(window, "cancel")
    assert not window.save_to(tmp_path / ("x" * 300 + ".mplan"))
    title, text, choices = asked[0]
    assert title == "Cannot save under this name" and "choose a shorter name" in text
    assert choices == ["save_as"]
    assert window.isWindowModified()


def test_locked_file_retry_then_saved(window, opened: Path, monkeypatch) -> None:
    import planner.ui.file_guard as guard

    real_save = guard.save_project
    attempts: list[float | None] = []

    def locked_once(*args, **kwargs):
        attempts.append(kwargs.get("wait_s"))
        if len(attempts) == 1:
            raise ProjectLockedError(opened, "cannot save: plan.mplan.lock is held by pid 4242")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(guard, "save_project", locked_once)
    asked = _answer(window, "retry")
    assert window.save()
    title, text, choices = asked[0]
    assert title == "Project is in use" and "pid 4242" in text
    assert choices == ["retry", "save_as"]
    assert attempts == [guard.LOCK_WAIT_S] * 2  # the window never waits the long default
    assert load_project(opened) == window.document.project


def test_unexpected_error_on_save_is_a_message(window, opened: Path, monkeypatch) -> None:
    import planner.ui.file_guard as guard

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(guard, "save_project", broken)
    assert not window.save()
    assert window.errors[-1] == (
        "Cannot save project",
        f"{opened}: could not save: RuntimeError: disk controller on fire",
    )
    assert window.isWindowModified()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"schema_version": 2, "fleet": [{"count": -5}]}', "fleet[0].count: must be >= 0"),
        ('{"schema_version": 2,', "line 1, column 22: invalid JSON"),
        (b"\xff\xfe\x00junk", "byte 0: not UTF-8 text"),
        (None, "no such file"),
        ("folder", "is a folder"),
    ],
)
def test_a_bad_file_keeps_the_current_project(
    window, tmp_path: Path, content, expected: str
) -> None:
    _edit(window)
    before = window.document.project
    bad = tmp_path / "bad.mplan"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content == "folder":
        bad.mkdir()
    elif content is not None:
        bad.write_text(content, encoding="utf-8")
    assert not window.open_path(bad, ask=False)
    title, text = window.errors[-1]
    assert title == "Cannot open project" and expected in text
    assert window.document.project is before and window.isWindowModified()
    assert window.document.path is None


def test_unexpected_exception_on_open_is_a_short_message(
    window, tmp_path: Path, monkeypatch, caplog
) -> None:
    import planner.ui.file_guard as guard

    path = tmp_path / "plan.mplan"
    save_project(window.document.project, path)
    before = window.document.project

    def broken(_path):
        raise RecursionError("maximum recursion depth exceeded " + "x" * 500)

    monkeypatch.setattr(guard, "load_project", broken)
    with caplog.at_level(logging.ERROR, logger="planner.ui.file_guard"):
        assert not window.open_path(path, ask=False)
    title, text = window.errors[-1]
    assert title == "Cannot open project"
    assert text.startswith(f"{path}: could not open: RecursionError: maximum recursion depth")
    assert len(text) < len(str(path)) + 260 and text.endswith("…")
    assert window.document.project is before
    assert "Traceback" in caplog.text  # the whole story is in the log


def _run(qtbot, task) -> None:
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)


def test_import_failures_are_messages(qtbot, window, tmp_path: Path, monkeypatch, sample) -> None:
    import planner.io.fleet_import as fleet_import
    from planner.ui.import_dialog import ImportDialog

    table = tmp_path / "fleet.csv"
    table.write_text("Model,Qty\nAntminer S21,3\n", encoding="utf-8")

    real_import = fleet_import.import_fleet

    def broken(*_args, **_kwargs):
        raise MemoryError("the sheet is bigger than memory")

    monkeypatch.setattr(fleet_import, "import_fleet", broken)
    _run(qtbot, window.import_fleet(table))
    assert window.errors[-1] == (
        "Cannot import fleet",
        f"{table}: MemoryError: the sheet is bigger than memory",
    )

    monkeypatch.setattr(fleet_import, "import_fleet", real_import)

    def bad_result(_dialog, _project):
        raise ValueError("row 2: a rig model that vanished")

    monkeypatch.setattr(ImportDialog, "result_project", bad_result)
    window.confirm_import = lambda _dialog: True
    _run(qtbot, window.import_fleet(table))
    assert window.errors[-1][0] == "Cannot import fleet"
    assert "ValueError: row 2: a rig model that vanished" in window.errors[-1][1]
    assert not window.last_import_applied and window.document.project == sample


def test_export_failure_is_a_message(qtbot, window, tmp_path: Path, monkeypatch) -> None:
    import planner.io.workbook as workbook

    def broken(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied (the workbook is open in Excel)")

    monkeypatch.setattr(workbook, "export_workbook", broken)
    out = tmp_path / "plan.xlsx"
    _run(qtbot, window.export_excel(out))
    title, text = window.errors[-1]
    assert title == "Cannot export to Excel"
    assert text.startswith(f"{out}: PermissionError:") and "open in Excel" in text
