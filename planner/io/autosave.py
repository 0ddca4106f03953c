"""Autosave copies in the user's data folder, and finding one to offer after a crash.

A copy is plain project JSON named after the file it shadows (a hash of its full path),
or `untitled.json` for a project never saved. It is newer than its file only when the
app stopped with unsaved changes; a clean save or close deletes it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

from planner.domain.project import Project
from planner.io.project_file import project_to_json, write_atomically

APP_DIR_NAME = "mining-planner"


def data_dir() -> Path:
    """The user's data folder for the planner (PLANNER_DATA_DIR overrides it)."""
    override = os.environ.get("PLANNER_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_DIR_NAME))


def autosave_path(project_path: Path | None) -> Path:
    folder = data_dir() / "autosave"
    if project_path is None:
        return folder / "untitled.json"
    full = str(Path(project_path).resolve())
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:12]
    stem = Path(project_path).stem
    name = f"{stem}-{digest}.json"
    if len(os.fsencode(name)) > 255:  # the hash tells files apart; the stem is for people
        name = f"{stem[:50]}-{digest}.json"
    return folder / name


def write_autosave(project: Project, project_path: Path | None) -> Path:
    target = autosave_path(project_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, project_to_json(project).encode("utf-8"), keep_backup=False)
    return target


def recovery_for(project_path: Path | None) -> Path | None:
    """The autosave copy of a file if it is newer than the file (or the file is gone)."""
    copy = autosave_path(project_path)
    if not copy.exists():
        return None
    if project_path is None or not Path(project_path).exists():
        return copy
    return copy if copy.stat().st_mtime > Path(project_path).stat().st_mtime else None


def discard_autosave(project_path: Path | None) -> None:
    autosave_path(project_path).unlink(missing_ok=True)
