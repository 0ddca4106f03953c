"""Reading and writing project files (JSON, schema-versioned).

Errors name the file and the place in it: the line and column of a JSON syntax error,
or the field path of every invalid value. Saving is atomic and locked: the JSON goes to
a temporary file beside the file (through symlinks), the previous version is kept as
`NAME.bak`, and only then does the temporary replace the file; see "saving" below.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.domain.errors import Problem, ProjectValidationError
from planner.domain.project import Project
from planner.domain.validation import validate_project
from planner.io import file_lock, strict_json


class ProjectFileError(Exception):
    """A project file that cannot be read or written; the message names file and place."""

    def __init__(self, path: Path | str, message: str, problems: Sequence[Problem] = ()):
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(f"{path}: {message}")


def parse_project(text: str, source: Path | str = "<project>") -> Project:
    """A validated Project from JSON text; ProjectFileError names every problem."""
    try:
        data: Any = strict_json.loads(text)
        return validate_project(data)
    except strict_json.StrictJSONError as error:
        raise ProjectFileError(source, str(error)) from None
    except (strict_json.StrictJSONProblems, ProjectValidationError) as error:
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
    remove_leftovers(path)  # temporaries of an interrupted save (never raises)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectFileError(
            path, f"byte {error.start}: not UTF-8 text (is this a project file?)"
        ) from None
    return parse_project(text, path)


def project_to_json(project: Project) -> str:
    """The project as human-readable JSON (two-space indent, fields in schema order).

    A project without a treasury, debt or hedges is written without those keys, a rig
    model without a stated degradation without that one, and a site or contract without
    hourly prices, 4CP, demand response or resale without those: the file is the one an
    earlier planner wrote and can still read."""
    data = project.model_dump(mode="json")
    for key, empty in _OPTIONAL_SECTIONS.items():
        if data.get(key) == empty:
            del data[key]
    for model in data.get("catalog", []):  # a degradation the catalog does not state
        if model.get("degradation_per_year") is None:
            model.pop("degradation_per_year", None)
    for section, defaults in _OPTIONAL_FIELDS.items():
        for item in data.get(section, []):
            for key, empty in defaults.items():
                if key in item and item[key] == empty:
                    del item[key]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Sections added in the treasury's edition, left out of a file while empty.
_OPTIONAL_SECTIONS: dict[str, object] = {"treasury": None, "debt": [], "hedges": []}
# Fields added with hourly prices, left out of a site or contract while at their default.
_OPTIONAL_FIELDS: dict[str, dict[str, object]] = {
    "sites": {
        "price_profile": None,
        "fourcp_charge_usd_per_kw_year": 0.0,
        "fourcp_intervals": [],
        "demand_response_mw": 0.0,
        "demand_response_usd_per_mw_month": 0.0,
    },
    "contracts": {"resale_allowed": False, "resale_fee_usd_per_mwh": 0.0},
}


# ------------------------------------------------------------------------ saving
#
# A save holds the project's lock (NAME.lock beside the real file) across the write, and
# the CLI holds it across its whole load-plan-save. The steps are ordered so that a crash
# at any moment leaves the file whole and NAME.bak the version before the last save:
#   1. the new JSON goes to a temporary `.NAME.xxxxxxxx.tmp` beside the real file, fsynced;
#   2. the current file is copied to another temporary, fsynced, renamed to NAME.bak;
#   3. the first temporary replaces the file (rename), and the folder is fsynced.
# A crash between steps leaves only a temporary, which the next save or open removes.
# Symlinks are written through (the steps happen beside the target; the link stays).
# A file with other hard links is rewritten in place after step 2, since a rename would
# split it from its other names: a crash mid-write can then tear it, with NAME.bak whole.

LOCK_WAIT_S = 10.0  # a second writer waits this long for the first, then gives up
LEFTOVER_AGE_S = 5.0  # a temporary this old is no save in progress
_TEMP_EXTRA = len("..xxxxxxxx.tmp")  # what a temporary's name adds to the file's

logger = logging.getLogger(__name__)


class ReadOnlyProjectError(ProjectFileError):
    """The file (or its folder) may not be written: it is refused, never replaced."""


class UnsavableNameError(ProjectFileError):
    """A name this system cannot save under (too long, or reserved on Windows)."""


class ProjectLockedError(ProjectFileError):
    """Another process holds the project's lock (the message names the lock and holder)."""


class ProjectChangedError(ProjectFileError):
    """The file on disk is no longer the one expected (save_project's `expected`)."""


@dataclass(frozen=True)
class FileStamp:
    """What a file was at a moment: equal stamps mean the same bytes, size and time."""

    size: int
    mtime_ns: int
    sha256: str


def file_stamp(path: Path | str) -> FileStamp | None:
    """The stamp of the file at `path` (through symlinks); None when there is none."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            digest = hashlib.sha256(stream.read()).hexdigest()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise ProjectFileError(path, f"cannot read: {error.strerror or error}") from None
    return FileStamp(info.st_size, info.st_mtime_ns, digest)


class _ReadOnly(PermissionError):
    """write_atomically's refusal of a read-only file (an OSError, as its callers expect)."""


class _BadName(OSError):
    """write_atomically's refusal of a name the system cannot save."""


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _real(path: Path | str) -> Path:
    """The file a path names, through any symlinks (it may not exist yet)."""
    return Path(os.path.realpath(path))


def _name_length(name: str) -> int:
    """A name's length as the file system counts it: UTF-16 units on Windows, else bytes."""
    if sys.platform == "win32":
        return len(name.encode("utf-16-le", "surrogatepass")) // 2
    return len(os.fsencode(name))


def _name_max(folder: Path) -> int:
    """The longest file name the folder takes (255 where the system cannot say)."""
    if sys.platform == "win32":
        return 255
    try:
        limit = int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255
    return limit if limit > 0 else 255


def _short(name: str, extra: int, name_max: int) -> str:
    """`name`, or its start and a hash of it, so that `extra` more characters still fit."""
    if _name_length(name) + extra <= name_max:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    cut = name
    while cut and _name_length(cut) + 9 + extra > name_max:
        cut = cut[:-1]
    return f"{cut}~{digest}"


def backup_path(path: Path | str) -> Path:
    """Where a save keeps the previous version: NAME.bak beside the real file.

    For a name too long to take ".bak" the start of the name and a hash stand in for it.
    """
    real = _real(path)
    return real.with_name(_short(real.name, len(".bak"), _name_max(real.parent)) + ".bak")


def lock_path(path: Path | str) -> Path:
    """The lock file of a project: NAME.lock beside the real file (shortened as .bak is)."""
    real = _real(path)
    return real.with_name(_short(real.name, len(".lock"), _name_max(real.parent)) + ".lock")


def _leftover_pattern(real: Path) -> re.Pattern[str]:
    stem = _short(real.name, _TEMP_EXTRA, _name_max(real.parent))
    # Also the backup temporaries `.NAME.bak.xxxxxxxx.tmp` of earlier versions.
    return re.compile(rf"\.{re.escape(stem)}\.(?:bak\.)?[a-z0-9_]{{8}}\.tmp")


def remove_leftovers(path: Path | str, min_age_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Delete the temporaries an interrupted save left beside a file; never raises.

    Only `.NAME.xxxxxxxx.tmp` files older than `min_age_s`, and only while no other
    live process holds the file's lock (a save in progress owns its temporaries).
    """
    removed: list[Path] = []
    try:
        real = _real(path)
        if file_lock.in_use(lock_path(real)):
            return removed
        pattern = _leftover_pattern(real)
        now = time.time()
        with os.scandir(real.parent) as entries:
            for entry in entries:
                if not pattern.fullmatch(entry.name):
                    continue
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= min_age_s:
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    except OSError:
        pass
    return removed


def _check_name(name: str, name_max: int) -> None:
    length = _name_length(name)
    if length > name_max:
        unit = "characters" if sys.platform == "win32" else "bytes"
        raise _BadName(
            errno.ENAMETOOLONG,
            f"the file name is {length} {unit} long; this folder allows at most {name_max}",
        )
    if sys.platform == "win32":
        base = name.split(".")[0].rstrip(" ").upper()
        reserved = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))}
        reserved |= {f"LPT{i}" for i in range(1, 10)}
        if base in reserved:
            raise _BadName(errno.EINVAL, f"Windows reserves the name {base} for a device")
        if name.endswith((".", " ")):
            raise _BadName(errno.EINVAL, "Windows cannot save a name ending in a dot or space")
        bad = sorted({c for c in name if c in '<>:"/\\|?*' or ord(c) < 32})
        if bad:
            raise _BadName(errno.EINVAL, f"Windows cannot save a name with {''.join(bad)!r}")


def _read_only(real: Path, info: os.stat_result) -> bool:
    """No write permission: no write bit at all (Windows' read-only attribute, `chmod a-w`,
    which even an administrator should respect), a macOS locked file, or none for us."""
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return True
    if getattr(info, "st_flags", 0) & (stat.UF_IMMUTABLE | stat.SF_IMMUTABLE):
        return True
    return not os.access(real, os.W_OK)


def _temporary(folder: Path, stem: str) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    except PermissionError:
        if folder.is_dir():
            raise _ReadOnly(
                errno.EACCES, f"the folder {folder} is read-only (no file can be made there)"
            ) from None
        raise


def _write_temporary(folder: Path, stem: str, data: bytes, mode: int) -> str:
    handle, temporary = _temporary(folder, stem)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _write_backup(real: Path, info: os.stat_result, stem: str) -> None:
    """Copy the file to NAME.bak: to a temporary, fsynced, then renamed over the old one."""
    handle, temporary = _temporary(real.parent, stem)
    try:
        with os.fdopen(handle, "wb") as stream, open(real, "rb") as source:
            shutil.copyfileobj(source, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        backup = backup_path(real)
        os.replace(temporary, backup)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the backup shows when its version was saved
        os.utime(backup, ns=(info.st_atime_ns, info.st_mtime_ns))


def _rewrite_in_place(real: Path, data: bytes) -> None:
    with open(real, "r+b") as stream:
        stream.write(data)
        stream.truncate()
        stream.flush()
        os.fsync(stream.fileno())


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows cannot open a folder and needs no such step)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def write_atomically(path: Path, data: bytes, keep_backup: bool = True) -> FileStamp:
    """Write `data` to `path`, never half-written; return the new file's stamp.

    The steps, and how symlinks and hard links are kept, are in the comment above. The
    file keeps its permissions (a new one gets the usual ones). With `keep_backup` the
    previous version is kept as backup_path(path). A read-only file is refused
    (PermissionError) rather than replaced, and temporaries an interrupted save left
    beside the file are removed. Errors are OSErrors naming the reason in `strerror`.
    """
    real = _real(path)
    folder = real.parent
    name_max = _name_max(folder)
    _check_name(real.name, name_max)
    try:
        info: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file")
    if info is not None and _read_only(real, info):
        raise _ReadOnly(errno.EACCES, "the file is read-only (no write permission)")
    remove_leftovers(real)
    stem = _short(real.name, _TEMP_EXTRA, name_max)
    in_place = info is not None and info.st_nlink > 1
    mode = stat.S_IMODE(info.st_mode) if info is not None else _new_file_mode()
    temporary = None if in_place else _write_temporary(folder, stem, data, mode)
    try:
        if keep_backup and info is not None:
            _write_backup(real, info, stem)
        if temporary is None:
            _rewrite_in_place(real, data)
        else:
            os.replace(temporary, real)
            temporary = None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    _sync_folder(folder)
    after = os.stat(real)
    return FileStamp(after.st_size, after.st_mtime_ns, hashlib.sha256(data).hexdigest())


@contextlib.contextmanager
def project_lock(path: Path | str, wait_s: float | None = None) -> Iterator[file_lock.FileLock]:
    """Hold the project's lock across a read-modify-write (reentrant in this process).

    Waits up to `wait_s` (LOCK_WAIT_S) for another writer, then ProjectLockedError names
    the lock and its holder. A stale lock (its process gone, or very old) is removed and
    said in the held lock's `notes`.
    """
    path = Path(path)
    lock = lock_path(path)
    with contextlib.ExitStack() as stack:
        try:
            held = stack.enter_context(
                file_lock.hold(lock, LOCK_WAIT_S if wait_s is None else wait_s)
            )
        except file_lock.LockBusyError as error:
            raise ProjectLockedError(path, f"cannot save: {error}") from None
        except PermissionError:
            raise ReadOnlyProjectError(
                path, f"cannot save: the folder {lock.parent} is read-only"
            ) from None
        except OSError as error:
            raise _save_error(path, error) from None
        yield held


def _save_error(path: Path, error: OSError) -> ProjectFileError:
    reason = error.strerror or str(error)
    if isinstance(error, _ReadOnly) or error.errno == errno.EROFS:
        return ReadOnlyProjectError(path, f"cannot save: {reason}; save it under another name")
    if isinstance(error, _BadName):
        return UnsavableNameError(path, f"cannot save: {reason}; choose a shorter name")
    if error.errno == errno.ENAMETOOLONG or getattr(error, "winerror", None) == 206:
        return UnsavableNameError(
            path, f"cannot save: the name or the full path is too long for this system ({reason})"
        )
    return ProjectFileError(path, f"cannot save: {reason}")


def _check_reopens(text: str, path: Path) -> None:
    """The root guard of every save: what is written must open again. An operation that
    left a dangling reference (a swap naming a deleted row, say) is refused here, with its
    problems, instead of producing a file that no later Open can read."""
    try:
        parse_project(text, path)
    except ProjectFileError as error:
        message = str(error).removeprefix(f"{path}: ")
        raise ProjectFileError(
            path, f"cannot save: the project would not open again: {message}", error.problems
        ) from None


def save_project(
    project: Project,
    path: Path | str,
    keep_backup: bool = True,
    *,
    expected: FileStamp | None = None,
    wait_s: float | None = None,
) -> FileStamp:
    """Save atomically under the project's lock; return the saved file's stamp.

    The previous version, if any, is kept as backup_path(path) (NAME.bak). With
    `expected`, the file on disk must still have that stamp (checked under the lock),
    or ProjectChangedError. ReadOnlyProjectError, UnsavableNameError and
    ProjectLockedError say why a save is refused; other failures are ProjectFileError.
    """
    path = Path(path)
    text = project_to_json(project)
    _check_reopens(text, path)
    data = text.encode("utf-8")
    real = _real(path)
    try:  # before the lock, whose name would fail less clearly
        _check_name(real.name, _name_max(real.parent))
    except OSError as error:
        raise _save_error(path, error) from None
    with project_lock(path, wait_s) as held:
        if held.depth == 1:  # taken here, not by a caller that reports the notes itself
            for note in held.notes:
                logger.warning("%s: %s", path, note)
        if expected is not None and file_stamp(path) != expected:
            state = "deleted" if file_stamp(path) is None else "changed"
            raise ProjectChangedError(
                path, f"cannot save: the file was {state} on disk since it was opened"
            )
        try:
            return write_atomically(path, data, keep_backup)
        except OSError as error:
            raise _save_error(path, error) from None
