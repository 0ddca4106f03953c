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
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
    return app


def run_gui(project: Project, path: Path | None, screenshot: Path | None = None) -> int:
    """Show the main window on `project`; with `screenshot`, render it to a PNG and exit."""
    if screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
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
            sys.stderr.write(f"planner: error: {screenshot}: cannot write the PNG\n")
            return 2
        first_window_ms = (time.perf_counter() - started) * 1000.0
        sys.stdout.write(
            f"{screenshot}: {image.width()} x {image.height()} PNG "
            f"(window ready in {first_window_ms:,.0f} ms)\n"
        )
        window.document.undo_stack.setClean()
        window.close()
        return 0
    window.show()
    window.offer_recovery()
    return int(app.exec())
