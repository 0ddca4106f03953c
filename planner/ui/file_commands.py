"""The window's file commands: New, Open, Open recent, Save, Save As, autosave and the
recovery of an autosaved copy, each asking before unsaved changes are lost.

A base of MainWindow (after ImportExportWindow): it works on the window's document,
prompts, status bar and recent-files menu.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from planner.io import autosave
from planner.io.project_file import FileStamp, ProjectFileError, load_project
from planner.io.templates import new_project
from planner.ui import window_settings
from planner.ui.document import Change
from planner.ui.import_export import ImportExportWindow

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from planner.ui.file_guard import FileGuard


FILE_FILTER = "Planner projects (*.mplan *.json);;All files (*)"
log = logging.getLogger(__name__)


class FileCommandsWindow(ImportExportWindow):
    """New, Open, Open recent, Save, Save As, autosave and recovery."""

    recent_menu: QMenu
    file_guard: FileGuard
    ask_yes_no: Callable[[str, str], bool]
    ask_save_changes: Callable[[], str]
    ask_save_path: Callable[[], Path | None]

    def maybe_save(self) -> bool:
        """Ask before losing changes; False means the user cancelled."""
        if not self.document.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_file(self) -> None:
        if self.maybe_save():
            self.leave_current()
            self.document.replace(new_project(), None, None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.document.path.parent) if self.document.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open project", start, FILE_FILTER)
        if name:
            self.open_path(Path(name), ask=False)

    def open_path(self, path: Path, ask: bool = True) -> bool:
        """Open a project file; on an error the current project stays as it is."""
        if ask and not self.maybe_save():
            return False
        loaded = self.file_guard.load(path)
        if loaded is None:
            return False
        project, stamp = loaded
        self.leave_current()
        self.document.replace(project, path, stamp)
        self._add_recent(path)
        self.offer_recovery()
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as_dialog()
        return self.save_to(self.document.path)

    def save_as_dialog(self) -> bool:
        path = self.ask_save_path()
        return path is not None and self.save_to(path)

    def _ask_save_path(self) -> Path | None:
        start = str(self.document.path or Path.home() / "plan.mplan")
        name, _ = QFileDialog.getSaveFileName(self, "Save project as", start, FILE_FILTER)
        if not name:
            return None
        path = Path(name)
        # A name without an extension gets the planner's own (JSON inside).
        return path if path.suffix else path.with_name(path.name + ".mplan")

    def save_to(self, path: Path) -> bool:
        """Save, after checking the file on disk is the one this window knows (see
        FileGuard); False if not saved (said, or cancelled)."""
        return self.file_guard.save(path)

    def saved(self, path: Path, stamp: FileStamp | None) -> None:
        """Bookkeeping once the project is safely in `path`."""
        autosave.discard_autosave(self.document.path)
        self.document.mark_saved(path, stamp)
        autosave.discard_autosave(path)
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5_000)

    def autosave_now(self) -> Path | None:
        if not self.document.modified:
            return None
        try:
            return autosave.write_autosave(self.document.project, self.document.path)
        except OSError as error:
            self.statusBar().showMessage(f"Autosave failed: {error}", 10_000)
            return None

    def offer_recovery(self) -> bool:
        """If an autosave copy is newer than the file, offer it; True if recovered."""
        copy = autosave.recovery_for(self.document.path)
        if copy is None:
            return False
        try:
            recovered = load_project(copy)
        except ProjectFileError:
            autosave.discard_autosave(self.document.path)
            return False
        except Exception:  # kept for a later look; never a reason not to open
            log.exception("reading the autosave copy %s", copy)
            return False
        where = self.document.path.name if self.document.path else "an unsaved project"
        if not self.ask_yes_no(
            "Recover unsaved changes?",
            f"An autosaved copy of {where} is newer than the file, so the planner probably "
            "stopped with unsaved changes. Recover it?",
        ):
            autosave.discard_autosave(self.document.path)
            return False
        self.document.apply(recovered, Change("reset"), "Recover autosaved changes")
        return True

    def leave_current(self) -> None:
        autosave.discard_autosave(self.document.path)

    def _add_recent(self, path: Path) -> None:
        window_settings.add_recent_file(path)
        self._rebuild_recent_menu()

    def recent_files(self) -> list[str]:
        return window_settings.recent_files()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for name in files:
            action = self.recent_menu.addAction(name)
            action.triggered.connect(partial(self._open_recent, Path(name)))
        self.recent_menu.setEnabled(bool(files))

    def _open_recent(self, path: Path, _checked: bool = False) -> None:
        self.open_path(path)
