"""Starting the desktop app, and the screenshot mode used for docs and tests."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from planner.domain.project import Project

ORGANIZATION = "MiningPlanner"
APPLICATION = "Mining planner"


def _application():
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from planner.io.resources import resource_path

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
        icon = resource_path("icon.png")
        if icon.is_file():
            app.setWindowIcon(QIcon(str(icon)))
    return app


def use_scratch_profile() -> Path:
    """For a window opened by a tool, not a person (`--screenshot`, `bench --gui`): its
    settings and autosaves go to a temporary folder of their own, so it neither reads
    the user's window layout nor leaves its own (or deletes the user's recovery copies)."""
    from planner.ui.window_settings import use_scratch_settings

    folder = use_scratch_settings()
    os.environ["PLANNER_DATA_DIR"] = str(folder / "data")
    return folder


def _open_files_from_the_desktop(app, window) -> None:
    """macOS opens a double-clicked project file with a FileOpen event, not argv."""
    from PySide6.QtCore import QEvent, QObject

    class Opener(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.FileOpen:
                path = event.file()  # type: ignore[attr-defined]
                if path:
                    window.open_path(Path(path))
                return True
            return False

    opener = Opener(app)
    app.installEventFilter(opener)


def _say(text: str, *, error: bool) -> None:
    """Print, or in the windowed app (no console: the stream is None) show a message box."""
    stream = sys.stderr if error else sys.stdout
    if stream is not None:
        stream.write(text)
    else:
        from planner.ui.errors import show_message

        show_message(text.rstrip("\n"), error=error)


def run_gui(project: Project, path: Path | None, screenshot: Path | None = None) -> int:
    """Show the main window on `project`; with `screenshot`, render it to a PNG and exit."""
    if screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    if screenshot is not None:
        use_scratch_profile()
    app = _application()
    from planner.ui.main_window import MainWindow

    window = MainWindow(project, path)
    if screenshot is not None:
        window.resize(1600, 1000)
        window.show()
        app.processEvents()
        window.document.flush()
        app.processEvents()
        image = window.grab()
        if not image.save(str(screenshot), "PNG"):
            _say(f"planner: error: {screenshot}: cannot write the PNG\n", error=True)
            return 2
        first_window_ms = (time.perf_counter() - started) * 1000.0
        _say(
            f"{screenshot}: {image.width()} x {image.height()} PNG "
            f"(window ready in {first_window_ms:,.0f} ms)\n",
            error=False,
        )
        window.document.undo_stack.setClean()
        window.close()
        return 0
    _open_files_from_the_desktop(app, window)
    window.show()
    window.offer_recovery()
    return int(app.exec())
