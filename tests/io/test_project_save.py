"""Saving projects safely: links, permissions, crashes mid-save, long names and the lock."""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from planner.domain.project import Project
from planner.io import file_lock
from planner.io.project_file import (
    FileStamp,
    ProjectChangedError,
    ProjectFileError,
    ProjectLockedError,
    ReadOnlyProjectError,
    UnsavableNameError,
    backup_path,
    file_stamp,
    load_project,
    lock_path,
    project_lock,
    project_to_json,
    save_project,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
HOST = socket.gethostname()
PLANNER = [sys.executable, "-m", "planner"]


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(SAMPLE)


def named(project: Project, name: str) -> Project:
    return project.model_copy(update={"name": name})


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_lock(path: Path, pid: int, host: str = HOST, age_s: float = 0.0) -> Path:
    lock = lock_path(path)
    holder = {"pid": pid, "host": host, "time": time.time() - age_s, "token": "0123abcd"}
    lock.write_text(json.dumps(holder), encoding="utf-8")
    return lock


# ------------------------------------------------------------------ links


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="POSIX symlinks")
def test_save_through_a_symlink_updates_its_target_and_keeps_the_link(
    tmp_path: Path, project: Project
) -> None:
    real_folder = tmp_path / "shared"
    real_folder.mkdir()
    target = real_folder / "plan.json"
    save_project(named(project, "First"), target)
    link = tmp_path / "plan.json"
    link.symlink_to(target)

    stamp = save_project(named(project, "Second"), link)

    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_project(target).name == "Second"
    assert load_project(real_folder / "plan.json.bak").name == "First"  # beside the target
    assert backup_path(link) == real_folder / "plan.json.bak"
    assert names_in(tmp_path) == ["plan.json", "shared"]
    assert names_in(real_folder) == ["plan.json", "plan.json.bak"]
    assert stamp == file_stamp(link) == file_stamp(target)


@pytest.mark.skipif(not hasattr(os, "link"), reason="hard links")
def test_save_of_a_hard_linked_file_changes_every_name(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    save_project(named(project, "First"), path)
    other = tmp_path / "elsewhere.json"
    os.link(path, other)
    inode = path.stat().st_ino

    save_project(named(project, "Second"), path)

    assert path.stat().st_ino == inode and path.stat().st_nlink == 2  # not split
    assert load_project(other).name == "Second"
    assert load_project(tmp_path / "plan.json.bak").name == "First"
    assert (tmp_path / "plan.json.bak").stat().st_nlink == 1
    save_project(named(project, "Shorter"), other)  # in place, shorter than before
    assert load_project(path).name == "Shorter"
    assert path.read_bytes() == project_to_json(named(project, "Shorter")).encode("utf-8")


# ------------------------------------------------------------ permissions


def test_read_only_project_is_refused_not_replaced(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    save_project(named(project, "First"), path)
    path.chmod(0o444)
    before = path.read_bytes()
    try:
        with pytest.raises(ReadOnlyProjectError) as caught:
            save_project(named(project, "Second"), path)
    finally:
        path.chmod(0o644)
    assert str(caught.value) == (
        f"{path}: cannot save: the file is read-only (no write permission); "
        "save it under another name"
    )
    assert isinstance(caught.value, ProjectFileError)
    assert path.read_bytes() == before
    assert names_in(tmp_path) == ["plan.json"]  # no backup, temporary or lock left


# ------------------------------------------------------- crashes mid-save


def test_failure_between_backup_and_replace_keeps_the_file_and_backs_it_up(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    save_project(named(project, "One"), path)
    save_project(named(project, "Two"), path)
    real_replace = os.replace
    calls: list[Any] = []

    def replace_once(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) > 1:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_once)
    with pytest.raises(ProjectFileError, match="cannot save: Input/output error"):
        save_project(named(project, "Three"), path)
    assert [Path(c).name for c in calls] == ["plan.json.bak", "plan.json"]  # backup first
    assert load_project(path).name == "Two"
    assert load_project(tmp_path / "plan.json.bak").name == "Two"
    assert names_in(tmp_path) == ["plan.json", "plan.json.bak"]


KILL_BETWEEN_STEPS = """
import os, sys
from planner.io.project_file import load_project, save_project
real = os.replace
calls = []
def replace(src, dst):
    calls.append(dst)
    if len(calls) > 1:
        os._exit(9)  # killed: no cleanup runs
    real(src, dst)
os.replace = replace
path = sys.argv[1]
save_project(load_project(path).model_copy(update={"name": "Killed"}), path)
"""


def test_kill_between_steps_leaves_the_backup_current_and_the_next_save_cleans_up(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "plan.json"
    save_project(named(project, "One"), path)
    save_project(named(project, "Two"), path)
    killed = subprocess.run([sys.executable, "-c", KILL_BETWEEN_STEPS, str(path)], check=False)
    assert killed.returncode == 9
    assert load_project(path).name == "Two"
    assert load_project(tmp_path / "plan.json.bak").name == "Two"  # not two saves behind
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".plan.json.")
    assert json.loads(leftovers[0].read_text(encoding="utf-8"))["name"] == "Killed"
    assert lock_path(path).exists()  # the dead process's lock is stale

    old = time.time() - 60
    os.utime(leftovers[0], (old, old))
    save_project(named(project, "Three"), path)
    assert names_in(tmp_path) == ["plan.json", "plan.json.bak"]
    assert load_project(tmp_path / "plan.json.bak").name == "Two"


def test_backup_is_always_the_version_before_the_last_save(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    backup = tmp_path / "plan.json.bak"
    save_project(named(project, "v1"), path)
    for before, after in [("v1", "v2"), ("v2", "v3")]:
        save_project(named(project, after), path)
        assert load_project(backup).name == before and load_project(path).name == after
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "Disk full")))
        with pytest.raises(ProjectFileError, match="Disk full"):
            save_project(named(project, "v4"), path)
    assert load_project(backup).name == "v2" and load_project(path).name == "v3"
    save_project(named(project, "v5"), path)
    assert load_project(backup).name == "v3"


def test_leftovers_are_removed_on_open_and_save_but_not_fresh_or_others(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "plan.json"
    save_project(project, path)
    old = time.time() - 60
    stale = [".plan.json.a1b2c3d4.tmp", ".plan.json.bak.zz_9yx8w.tmp"]
    kept = [".plan.json.freshnow.tmp", ".other.json.a1b2c3d4.tmp", ".plan.json.x.y.tmp"]
    for name in stale + kept:
        (tmp_path / name).write_text("{}", encoding="utf-8")
        if name != ".plan.json.freshnow.tmp":
            os.utime(tmp_path / name, (old, old))

    lock = write_lock(path, os.getppid())  # another live process is saving: hands off
    load_project(path)
    assert set(stale) <= set(names_in(tmp_path))
    lock.unlink()

    load_project(path)
    assert names_in(tmp_path) == sorted(["plan.json", *kept])
    (tmp_path / stale[0]).write_text("{}", encoding="utf-8")
    os.utime(tmp_path / stale[0], (old, old))
    save_project(project, path)
    assert names_in(tmp_path) == sorted(["plan.json", "plan.json.bak", *kept])


# -------------------------------------------------------------- long names


def test_names_up_to_the_limit_save_with_short_derived_names(
    tmp_path: Path, project: Project
) -> None:
    try:
        (tmp_path / ("p" * 255)).touch()
        (tmp_path / ("p" * 255)).unlink()
    except OSError:  # Windows without long paths: the full path is the limit
        pytest.skip("this system cannot make a 255-character name in the temporary folder")
    for length in (238, 250, 255):
        path = tmp_path / ("p" * (length - 5) + ".json")
        save_project(named(project, "First"), path)
        stamp = save_project(named(project, "Second"), path)
        assert load_project(path).name == "Second" and stamp == file_stamp(path)
        backup = backup_path(path)
        assert load_project(backup).name == "First"
        assert backup.name.endswith(".bak") and len(backup.name) <= 255
        if length <= 251:
            assert backup.name == path.name + ".bak"
        else:
            assert backup.name.startswith("p" * 200) and "~" in backup.name
        assert len(lock_path(path).name) <= 255
        for leftover in tmp_path.iterdir():
            assert not leftover.name.endswith((".tmp", ".lock")), leftover.name
        path.unlink()
        backup.unlink()


def test_a_name_longer_than_the_system_allows_is_refused_clearly(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / ("p" * 300 + ".json")
    with pytest.raises(UnsavableNameError) as caught:
        save_project(project, path)
    assert "the file name is 305 " in str(caught.value)
    assert "at most 255; choose a shorter name" in str(caught.value)
    assert names_in(tmp_path) == []


# --------------------------------------------------------------- stamps


def test_file_stamp_and_the_stamp_save_returns(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    assert file_stamp(path) is None
    stamp = save_project(project, path)
    assert isinstance(stamp, FileStamp) and stamp == file_stamp(path)
    assert stamp.size == len(path.read_bytes())
    save_project(project, path, expected=stamp)  # still the file it was
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    changed = file_stamp(path)
    assert changed is not None and changed.sha256 != stamp.sha256
    with pytest.raises(ProjectChangedError, match="changed on disk since it was opened"):
        save_project(project, path, expected=stamp)
    path.unlink()
    with pytest.raises(ProjectChangedError, match="deleted on disk"):
        save_project(project, path, expected=stamp)


# ------------------------------------------------------------------ lock


def test_the_lock_is_reentrant_and_removed_after(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "plan.json"
    with project_lock(path) as held:
        assert lock_path(path).exists() and held.holder.pid == os.getpid()
        save_project(project, path)  # the save takes the same lock again
        save_project(project, path)
        assert lock_path(path).exists()
    assert names_in(tmp_path) == ["plan.json", "plan.json.bak"]


def test_a_live_holder_makes_the_save_wait_then_fail_naming_it(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "plan.json"
    lock = write_lock(path, os.getppid())
    started = time.monotonic()
    with pytest.raises(ProjectLockedError) as caught:
        save_project(project, path, wait_s=0.3)
    assert time.monotonic() - started >= 0.3
    message = str(caught.value)
    assert f"cannot save: {lock} is held by pid {os.getppid()} on {HOST} since " in message
    assert "waited 0.3 s" in message and not path.exists() and lock.exists()

    remote = write_lock(path, 4242, host="other-machine")
    with pytest.raises(ProjectLockedError) as caught:
        save_project(project, path, wait_s=0.1)
    assert f"if no planner is running on other-machine, delete {remote}" in str(caught.value)


def test_stale_locks_are_removed_and_said(
    tmp_path: Path, project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "plan.json"
    pid = dead_pid()
    write_lock(path, pid)
    with project_lock(path, wait_s=0) as held:
        save_project(project, path)
    assert len(held.notes) == 1
    assert held.notes[0].startswith(f"a stale lock left by pid {pid} on {HOST} at ")
    assert held.notes[0].endswith(" was removed (that process is gone)")
    write_lock(path, pid)
    with caplog.at_level(logging.WARNING):
        save_project(project, path, wait_s=0)  # a save alone logs what it removed
    assert f"{path}: a stale lock left by pid {pid} on {HOST} at " in caplog.text

    write_lock(path, 4242, host="other-machine", age_s=2 * file_lock.STALE_AFTER_S)
    with project_lock(path, wait_s=0) as held:
        pass
    assert held.notes[0].endswith("was removed (older than 10 minutes)")
    assert names_in(tmp_path) == ["plan.json", "plan.json.bak"]


def _import_rows(folder: Path, tag: str) -> Path:
    sheet = folder / f"{tag}.csv"
    rows = "".join(f"{tag}-{i};Antminer S21 XP;10;Pecos, TX;2026-12\n" for i in range(2))
    sheet.write_text("Name;Model;Units;Site;Purchased\n" + rows, encoding="utf-8")
    return sheet


def test_imports_at_once_all_land(tmp_path: Path) -> None:
    """Five real `python -m planner import` runs into one project at once: every row lands.

    Without the lock, two at once lost one set of rows nearly every time.
    """
    path = tmp_path / "plan.json"
    path.write_bytes(SAMPLE.read_bytes())
    before = len(load_project(path).fleet)
    tags = [f"batch{k}" for k in range(5)]
    with project_lock(path):  # all five start while the file is locked, then race for it
        runs = [
            subprocess.Popen(
                [*PLANNER, "import", str(_import_rows(tmp_path, tag)), "--into", str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
            for tag in tags
        ]
        time.sleep(0.3)
    results = [(run.wait(timeout=30), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0] * 5, results
    names = [row.name for row in load_project(path).fleet]
    assert len(names) == before + 10
    for tag in tags:
        assert {f"{tag}-0", f"{tag}-1"} <= set(names)
    assert not lock_path(path).exists()


def test_lock_refuses_a_read_only_folder_or_missing_one(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "missing" / "plan.json"
    with pytest.raises(ProjectFileError, match="No such file or directory"):
        save_project(project, path)
    if os.name == "posix" and os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(ReadOnlyProjectError, match="is read-only"):
                save_project(project, folder / "plan.json")
        finally:
            folder.chmod(0o755)


def test_a_project_that_would_not_open_again_is_never_written(project, tmp_path) -> None:
    """Every save parses what it is about to write: an operation that left a dangling
    reference (here the fleet replaced while swaps still name its rows) is refused with
    the problem named, and the file on disk stays as it was."""
    path = tmp_path / "plan.json"
    save_project(project, path)
    before = path.read_bytes()
    broken = project.model_copy(update={"fleet": project.fleet[2:]})
    with pytest.raises(ProjectFileError) as error:
        save_project(broken, path)
    message = str(error.value)
    assert "cannot save: the project would not open again" in message
    assert "swaps[0].row: unknown fleet row 'S19j Pro 2021'" in message
    assert path.read_bytes() == before
    assert names_in(tmp_path) == ["plan.json"]
