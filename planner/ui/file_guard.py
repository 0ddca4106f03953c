"""Saving and opening without losing anyone's work.

Before the window writes over its own file it checks that the file on disk is still the
one it loaded or last saved (the document keeps its stamp: size, time and content hash).
If another program changed it, the user chooses Overwrite, Save As or Reload; if it was
deleted, Save (recreate it) or Save As. A file that cannot be written (read-only, a name
the system refuses, locked by another program) is said plainly with Save As offered.
Every error of reading a project ends in a message box, never a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from planner.domain.project import Project
from planner.io.project_file import (
    FileStamp,
    ProjectChangedError,
    ProjectFileError,
    ProjectLockedError,
    ReadOnlyProjectError,
    UnsavableNameError,
    file_stamp,
    load_project,
    save_project,
)

if TYPE_CHECKING:
    from planner.ui.main_window import MainWindow

log = logging.getLogger(__name__)
DETAIL_CHARS = 200
LOCK_WAIT_S = 2.0  # the window waits this long for another program's save, then asks


def unexpected(error: BaseException) -> str:
    """An error nobody planned for, in one line the user can pass on."""
    text = " ".join(str(error).split())
    if len(text) > DETAIL_CHARS:
        text = text[: DETAIL_CHARS - 1] + "…"
    return f"{type(error).__name__}: {text}"


def stamp_now(path: Path | None) -> FileStamp | None:
    """The file's stamp now; None without a file or when it cannot be read (its next save
    then asks before writing over whatever is there)."""
    try:
        return file_stamp(path) if path is not None else None
    except ProjectFileError:
        return None


def same_content(known: FileStamp | None, now: FileStamp | None) -> bool:
    """Whether the file on disk is still the one the window knows. Only the content
    counts: a program that rewrote the same bytes (a sync client, `touch`) changed nothing."""
    if known is None or now is None:
        return known is now
    return (known.size, known.sha256) == (now.size, now.sha256)


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b


class FileGuard:
    """The window's reading and writing of project files, with every check and prompt.

    It asks through the window's injectable prompts (`ask_choice`, `ask_yes_no`,
    `show_error`, `ask_save_path`), so tests answer them.
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    # ------------------------------------------------------------------ reading
    def load(self, path: Path) -> tuple[Project, FileStamp | None] | None:
        """The project in `path` and the stamp it was read under; None (after saying
        why) when it cannot be read."""
        # The stamp is taken before reading: if the file changes in between, the next
        # save asks needlessly, rather than writing over changes it never saw.
        try:
            stamp = stamp_now(path)
            return load_project(path), stamp
        except ProjectFileError as error:
            self.window.show_error("Cannot open project", str(error))
        except Exception as error:  # the last line: a message, never a traceback
            log.exception("opening %s", path)
            self.window.show_error(
                "Cannot open project", f"{path}: could not open: {unexpected(error)}"
            )
        return None

    def reload(self) -> bool:
        """Replace the window's project by the file on disk, after a confirmation when
        that loses unsaved changes. The undo history goes with it (as after Open)."""
        window, document = self.window, self.window.document
        path = document.path
        if path is None:
            return False
        if document.modified and not window.ask_yes_no(
            "Reload from disk?",
            f"Reload {path.name} as it is on disk now? Your unsaved changes will be lost, "
            "and so will the undo history.",
        ):
            return False
        loaded = self.load(path)
        if loaded is None:
            return False
        project, stamp = loaded
        window.leave_current()
        document.replace(project, path, stamp)
        window.statusBar().showMessage(f"Reloaded {path} from disk", 5_000)
        return True

    # ------------------------------------------------------------------ writing
    def save(self, path: Path) -> bool:
        """Save the project to `path`, checking first that saving over the window's own
        file loses nobody's changes; True once saved."""
        document = self.window.document
        expected: FileStamp | None = None  # the file the user agreed to write over
        if document.path is not None and _same_path(path, document.path):
            try:
                expected = file_stamp(path)
            except ProjectFileError as error:  # there, but unreadable now
                return self._offer_save_as("Cannot save project", str(error))
            answer = self._check_disk(path, expected)
            if answer == "save_as":
                return self.window.save_as_dialog()
            if answer == "reload":
                self.reload()
                return False
            if answer != "save":
                return False
        while True:
            try:
                stamp = save_project(document.project, path, expected=expected, wait_s=LOCK_WAIT_S)
            except ProjectChangedError:  # changed again since the check: check again
                return self.save(path)
            except ReadOnlyProjectError as error:
                return self._offer_save_as("Project is read-only", str(error))
            except UnsavableNameError as error:
                return self._offer_save_as("Cannot save under this name", str(error))
            except ProjectLockedError as error:
                answer = self.window.ask_choice(
                    "Project is in use",
                    f"{error}\n\nRetry once the other program has let go of it, or save a "
                    "copy under another name.",
                    (("retry", "Retry"), ("save_as", "Save As…")),
                )
                if answer == "retry":
                    continue
                return answer == "save_as" and self.window.save_as_dialog()
            except ProjectFileError as error:
                self.window.show_error("Cannot save project", str(error))
                return False
            except Exception as error:  # the last line: a message, never a traceback
                log.exception("saving %s", path)
                self.window.show_error(
                    "Cannot save project", f"{path}: could not save: {unexpected(error)}"
                )
                return False
            break
        self.window.saved(path, stamp)
        return True

    def _check_disk(self, path: Path, now: FileStamp | None) -> str:
        """ "save" when the file on disk (stamped `now`) is the one the window knows, else
        the user's answer: "save" (overwrite or recreate), "save_as", "reload", "cancel"."""
        known = self.window.document.disk_stamp
        if same_content(known, now):
            return "save"
        if now is None:
            answer = self.window.ask_choice(
                "Project file deleted",
                f"{path} is no longer on disk: another program deleted or moved it since "
                "it was opened. Save it there again, or under another name?",
                (("save", "Save"), ("save_as", "Save As…")),
            )
            return answer
        answer = self.window.ask_choice(
            "Project changed on disk",
            f"{path} was changed by another program since it was opened here. "
            "Overwrite it with this window's version (the other changes are lost, the file "
            "before is kept as .bak), save this version under another name, or reload the "
            "file as it is on disk (this window's changes and undo history are lost)?",
            (("overwrite", "Overwrite"), ("save_as", "Save As…"), ("reload", "Reload")),
        )
        return "save" if answer == "overwrite" else answer

    def _offer_save_as(self, title: str, text: str) -> bool:
        text += "\n\nSave As… saves the project under another name; this file stays as it is."
        if self.window.ask_choice(title, text, (("save_as", "Save As…"),)) == "save_as":
            return self.window.save_as_dialog()
        return False
