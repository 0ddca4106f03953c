"""Reading and writing project files (JSON, schema-versioned).

Errors name the file and the place in it: the line and column of a JSON syntax error,
or the field path of every invalid value. Saving is atomic: the JSON goes to a temporary
file in the same folder, which then replaces the target; the previous version is kept
beside it as `NAME.bak`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planner.domain.errors import Problem, ProjectValidationError
from planner.domain.project import Project
from planner.domain.validation import validate_project


class ProjectFileError(Exception):
    """A project file that cannot be read or written; the message names file and place."""

    def __init__(self, path: Path | str, message: str, problems: Sequence[Problem] = ()):
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(f"{path}: {message}")


def parse_project(text: str, source: Path | str = "<project>") -> Project:
    """A validated Project from JSON text; ProjectFileError names every problem."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectFileError(
            source, f"line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"
        ) from None
    try:
        return validate_project(data)
    except ProjectValidationError as error:
        count = len(error.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        detail = "\n".join(f"  {p}" for p in error.problems)
        raise ProjectFileError(source, f"{head}:\n{detail}", error.problems) from None


def load_project(path: Path | str) -> Project:
    """Read and validate a project file (older schema versions are migrated)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(path, "is a folder, not a project file") from None
    except PermissionError:
        raise ProjectFileError(path, "permission denied") from None
    except OSError as error:
        raise ProjectFileError(path, f"cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectFileError(
            path, f"byte {error.start}: not UTF-8 text (is this a project file?)"
        ) from None
    return parse_project(text, path)


def project_to_json(project: Project) -> str:
    """The project as human-readable JSON (two-space indent, fields in schema order)."""
    return json.dumps(project.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, data: bytes, keep_backup: bool = True) -> None:
    """Write `data` to `path` through a temporary file and a rename; never half-written.

    The file keeps its permissions (a new one gets the usual ones). With `keep_backup`,
    the previous file becomes `path` + ".bak", but only once the new one is in place.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    existed = path.exists()
    mode = stat.S_IMODE(path.stat().st_mode) if existed else _new_file_mode()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    backup_temporary: str | None = None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if keep_backup and existed:
            fd, backup_temporary = tempfile.mkstemp(
                prefix=f".{path.name}.bak.", suffix=".tmp", dir=folder
            )
            os.close(fd)
            shutil.copy2(path, backup_temporary)
        os.replace(temporary, path)
        if backup_temporary is not None:
            os.replace(backup_temporary, path.with_name(path.name + ".bak"))
            backup_temporary = None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        if backup_temporary is not None:
            Path(backup_temporary).unlink(missing_ok=True)
        raise


def save_project(project: Project, path: Path | str, keep_backup: bool = True) -> None:
    """Save atomically; the previous version, if any, is kept as NAME.bak."""
    path = Path(path)
    try:
        write_atomically(path, project_to_json(project).encode("utf-8"), keep_backup)
    except OSError as error:
        raise ProjectFileError(path, f"cannot save: {error.strerror or error}") from None
