"""Errors in the windowed app, which has no console (`sys.stderr` is None on Windows).

What the command line would print (a user error, `--help`) is shown in a message box, and
an unexpected exception is written with its traceback to the user's log folder and named
in a message box, instead of PyInstaller's "Unhandled exception" dialog. Qt is imported
only when a box is shown: the error log is written even when Qt cannot start.
"""

from __future__ import annotations

import datetime
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs

from planner import __version__
from planner.io.autosave import APP_DIR_NAME

LOG_NAME = "errors.log"
SUMMARY_CHARS = 500


def log_dir() -> Path:
    """The user's log folder (`logs` in PLANNER_DATA_DIR when that overrides the data)."""
    override = os.environ.get("PLANNER_DATA_DIR")
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(APP_DIR_NAME))


def show_message(text: str, *, error: bool, detail: str | None = None) -> None:
    """A modal message box (creating the QApplication when there is none yet)."""
    from PySide6.QtWidgets import QMessageBox

    from planner.ui.app import APPLICATION, _application

    _application()
    icon = QMessageBox.Icon.Critical if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, APPLICATION, text)
    if detail:
        box.setDetailedText(detail)
    box.exec()


def write_error_log(details: str) -> Path:
    """Append `details` to the error log, under the time and the planner's version."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(f"--- {now}, planner {__version__}, Python {sys.version.split()[0]}\n")
        log.write(details if details.endswith("\n") else details + "\n")
    return path


def report_unexpected(
    kind: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
    *,
    fatal: bool,
) -> Path | None:
    """Log an exception nobody planned for and tell the user where; the log's path, or
    None when it could not be written. Usable as (part of) `sys.excepthook`."""
    details = "".join(traceback.format_exception(kind, error, tb))
    try:
        path: Path | None = write_error_log(details)
        where = f"The details were saved to {path}."
    except OSError as problem:
        path = None
        where = f"The details could not be saved ({problem})."
    summary = " ".join(f"{kind.__name__}: {error}".split())
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    headline = (
        "The planner stopped because of an unexpected error"
        if fatal
        else "An unexpected error occurred"
    )
    text = f"{headline}:\n\n{summary}\n\n{where}"
    try:
        show_message(text, error=True, detail=details)
    except Exception:  # Qt itself is broken: the plain Windows box, if there is one
        _native_box(text)
    return path


def _native_box(text: str) -> None:
    if sys.platform == "win32":
        import ctypes

        MB_ICONERROR = 0x10
        ctypes.windll.user32.MessageBoxW(None, text, "Mining planner", MB_ICONERROR)
