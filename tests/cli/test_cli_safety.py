"""Commands that write files: never over an input, never a project that will not open,
--replace asks for --yes, and the project's lock is named when another writer holds it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.cli import main
from planner.domain.project import Project
from planner.io import project_file
from planner.io.fleet_import import ImportPlan
from planner.io.project_file import load_project, lock_path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
INVENTORY = ROOT / "samples" / "fleet-inventory.xlsx"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_bytes(SAMPLE.read_bytes())
    return path


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(
        "Name;Model;Units;Site;Purchased\nnew-1;Antminer S21 XP;10;Pecos, TX;2026-12\n",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------- output over input


def test_report_refuses_to_write_the_workbook_over_its_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "plan.xlsx"  # a project file may have any name
    project.write_bytes(SAMPLE.read_bytes())
    before = project.read_bytes()
    code, _, err = run(capsys, "report", str(project), "--xlsx", str(project), "--paths", "10")
    assert code == 2
    assert err == (
        f"planner: error: --xlsx: {project} is the input file {project}; name another file\n"
    )
    link = tmp_path / "out.xlsx"
    if os.name != "nt":  # symlinks need a privilege on Windows
        link.symlink_to(project)
        code, _, err = run(capsys, "report", str(project), "--xlsx", str(link), "--paths", "10")
        assert code == 2 and f"--xlsx: {link} is the input file {project}" in err
        link.unlink()
    os.link(project, link)
    code, _, err = run(capsys, "report", str(project), "--xlsx", str(link), "--paths", "10")
    assert code == 2 and f"--xlsx: {link} is the input file {project}" in err
    assert project.read_bytes() == before


def test_import_refuses_the_project_as_its_own_sheet(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", str(plan), "--into", str(plan))
    assert code == 2
    assert err == f"planner: error: --into: {plan} is the sheet being imported; name the project\n"


# ---------------------------------------------------------------- --replace


def test_replace_that_drops_things_needs_yes(
    plan: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace_drops(self: ImportPlan, project: object) -> list[str]:
        return ["swap 'Swap A' (it names the replaced row 'S19j Pro 2021')"]

    monkeypatch.setattr(ImportPlan, "replace_drops", replace_drops, raising=False)
    before = plan.read_bytes()
    code, out, err = run(capsys, "import", str(INVENTORY), "--into", str(plan), "--replace")
    assert code == 2
    assert "  --replace drops swap 'Swap A' (it names the replaced row 'S19j Pro 2021')\n" in out
    assert err == (
        "planner: error: --replace would drop 1 item(s) listed above; nothing imported "
        "(rerun with --yes to replace anyway)\n"
    )
    assert plan.read_bytes() == before

    code, out, _ = run(
        capsys, "import", str(INVENTORY), "--into", str(plan), "--replace", "--dry-run"
    )
    assert code == 0 and "--replace drops swap 'Swap A'" in out and "dry run" in out
    assert plan.read_bytes() == before


def test_replace_of_the_sample_lists_the_swaps_it_drops_and_needs_yes(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = plan.read_bytes()
    swaps = len(load_project(plan).swaps)
    code, out, err = run(capsys, "import", str(INVENTORY), "--into", str(plan), "--replace")
    assert code == 2 and "rerun with --yes" in err
    dropped = [line for line in out.splitlines() if line.startswith("  --replace drops ")]
    assert len(dropped) == 4 and "fleet row 'S19j Pro 2021'" in dropped[0]
    assert dropped[3] == (
        "  --replace drops the equipment financing 'S21 XP equipment financing' (all its rows)"
    )
    assert plan.read_bytes() == before
    code, out, err = run(
        capsys, "import", str(INVENTORY), "--into", str(plan), "--replace", "--yes"
    )
    assert code == 0, err
    replaced = load_project(plan)  # it opens
    assert len(replaced.fleet) == 10 and len(replaced.swaps) == swaps - 3


def test_import_never_writes_a_project_that_would_not_open(
    plan: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever replace_drops says, a result that fails validation is not saved.
    monkeypatch.setattr(ImportPlan, "replace_drops", lambda self, p: [], raising=False)
    before = plan.read_bytes()
    unchecked = ImportPlan.apply

    def apply_unchecked(self: ImportPlan, project: Project, replace: bool = False) -> Project:
        fleet = self.rows if replace else [*project.fleet, *self.rows]
        return project.model_copy(update={"fleet": fleet})

    monkeypatch.setattr(ImportPlan, "apply", apply_unchecked)
    code, _, err = run(capsys, "import", str(INVENTORY), "--into", str(plan), "--replace", "--yes")
    monkeypatch.setattr(ImportPlan, "apply", unchecked)
    assert code == 2
    assert "nothing imported: the project would not open afterwards: " in err
    assert "swaps[0].row: unknown fleet row 'S19j Pro 2021'" in err
    assert plan.read_bytes() == before
    load_project(plan)


# --------------------------------------------------------------------- lock


def test_import_names_the_lock_and_its_holder_when_another_writer_holds_it(
    plan: Path, sheet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_file, "LOCK_WAIT_S", 0.2)
    lock = lock_path(plan)
    holder = {"pid": os.getppid(), "host": socket.gethostname(), "time": time.time()}
    lock.write_text(json.dumps({**holder, "token": "feedface"}), encoding="utf-8")
    before = plan.read_bytes()
    code, _, err = run(capsys, "import", str(sheet), "--into", str(plan))
    assert code == 2
    assert err.startswith(
        f"planner: error: {plan}: cannot save: {lock} is held by pid {os.getppid()} on "
    )
    assert "waited 0.2 s (another planner is writing this file;" in err
    assert plan.read_bytes() == before and lock.exists()


def test_import_removes_a_stale_lock_and_says_so(
    plan: Path, sheet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    host = socket.gethostname()
    holder = {"pid": child.pid, "host": host, "time": time.time(), "token": "0badf00d"}
    lock_path(plan).write_text(json.dumps(holder), encoding="utf-8")
    code, out, err = run(capsys, "import", str(sheet), "--into", str(plan))
    assert code == 0, err
    assert err.startswith(f"planner: note: a stale lock left by pid {child.pid} on {host} at ")
    assert err.endswith(" was removed (that process is gone)\n")
    assert "imported into" in out and len(load_project(plan).fleet) == 12
    assert not lock_path(plan).exists()


def test_import_into_a_read_only_project_is_refused(
    plan: Path, sheet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan.chmod(0o444)
    try:
        code, _, err = run(capsys, "import", str(sheet), "--into", str(plan))
    finally:
        plan.chmod(0o644)
    assert code == 2
    assert err == (
        f"planner: error: {plan}: cannot save: the file is read-only (no write permission); "
        "save it under another name\n"
    )
    assert plan.read_bytes() == SAMPLE.read_bytes()


@pytest.mark.skipif(os.name == "nt", reason="symlinks need a privilege on Windows")
def test_import_through_a_symlink_names_the_backup_beside_the_target(
    tmp_path: Path, sheet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "plan.json"
    target.write_bytes(SAMPLE.read_bytes())
    link = tmp_path / "plan.json"
    link.symlink_to(target)
    code, out, _ = run(capsys, "import", str(sheet), "--into", str(link))
    assert code == 0
    assert out.endswith(f"imported into {link} (previous version kept as {target}.bak)\n")
    assert link.is_symlink() and len(load_project(target).fleet) == 12
