"""Starting the desktop app, and the screenshot mode used for docs and tests."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from planner.domain.project import Project

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

    from planner.ui.main_window import MainWindow

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


DEFAULT_SIZE = (1600, 1000)  # the screenshot's window, unless --size says otherwise
SETTLE_TIMEOUT_S = 300.0  # a view computing in the background gets this long to show


def tab_title(text: str) -> str:
    """A tab's visible title: its text without the mnemonic marks ("&&" is one "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _normal(name: str) -> str:
    """A tab name as compared: case-folded, no spaces around the "/" of nested names."""
    return "/".join(" ".join(part.split()) for part in name.split("/")).casefold()


def _inner_tabs(page: QWidget) -> list[QTabWidget]:
    """The tab widgets on a tab's page that are not inside another tab widget there."""
    from PySide6.QtWidgets import QTabWidget

    found = []
    for inner in page.findChildren(QTabWidget):
        parent = inner.parentWidget()
        while parent is not None and parent is not page and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is page:
            found.append(inner)
    return found


def tab_paths(tabs: QTabWidget, prefix: str = "") -> list[tuple[str, list[tuple[QTabWidget, int]]]]:
    """Every tab under `tabs`, as it is read at run time: its name ("Decisions/Sensitivity"
    for a tab on a tab's page) and the (tab widget, index) to bring forward, outer first."""
    found: list[tuple[str, list[tuple[QTabWidget, int]]]] = []
    for index in range(tabs.count()):
        name = prefix + tab_title(tabs.tabText(index))
        path = [(tabs, index)]
        found.append((name, path))
        page = tabs.widget(index)
        for inner in _inner_tabs(page) if page is not None else []:
            found.extend((sub, path + steps) for sub, steps in tab_paths(inner, name + "/"))
    return found


def find_tab(tabs: QTabWidget, name: str) -> list[tuple[QTabWidget, int]] | None:
    """The steps to the tab called `name` (case-insensitive), or None."""
    wanted = _normal(name)
    return next((steps for title, steps in tab_paths(tabs) if _normal(title) == wanted), None)


def _settle(app: QApplication, window: MainWindow, pages: list[QWidget]) -> bool:
    """Wait until the results are computed and every shown page that computes in the
    background (it has a `settled()`: AI/HPC, the live Decisions pages) shows its figures."""
    checks = [check for page in pages if callable(check := getattr(page, "settled", None))]
    deadline = time.perf_counter() + SETTLE_TIMEOUT_S
    while True:
        app.processEvents()
        window.document.flush()
        if all(check() for check in checks):
            break
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.01)
    for _ in range(3):  # the figures' layout and paint
        app.processEvents()
    return True


def _close(window: MainWindow) -> None:
    window.document.undo_stack.setClean()
    window.close()


def run_gui(
    project: Project,
    path: Path | None,
    screenshot: Path | None = None,
    *,
    tab: str | None = None,
    size: tuple[int, int] | None = None,
) -> int:
    """Show the main window on `project`; with `screenshot`, render it to a PNG and exit:
    at `size` (width, height; default 1600 x 1000), with the tab named `tab` in front (a
    tab on a tab's page as "Decisions/Sensitivity"), once its figures are shown."""
    if screenshot is not None and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    started = time.perf_counter()
    if screenshot is not None:
        use_scratch_profile()
    app = _application()
    from planner.ui.main_window import MainWindow

    window = MainWindow(project, path)
    if screenshot is not None:
        return _screenshot(app, window, screenshot, tab, size or DEFAULT_SIZE, started)
    _open_files_from_the_desktop(app, window)
    window.show()
    window.offer_recovery()
    return int(app.exec())


def _screenshot(
    app: QApplication,
    window: MainWindow,
    screenshot: Path,
    tab: str | None,
    size: tuple[int, int],
    started: float,
) -> int:
    pages: list[QWidget] = []
    if tab is not None:
        steps = find_tab(window.tabs, tab)
        if steps is None:
            names = ", ".join(name for name, _steps in tab_paths(window.tabs))
            _say(f"planner: error: --tab: no tab named {tab!r}; the tabs: {names}\n", error=True)
            _close(window)
            return 2
        for tabs, index in steps:
            tabs.setCurrentIndex(index)
            page = tabs.widget(index)
            if page is not None:
                pages.append(page)
    else:
        current = window.tabs.currentWidget()
        if current is not None:
            pages.append(current)
    width, height = size
    # The window's own minimum (900 x 600) gives way to a smaller size asked for.
    window.setMinimumSize(min(window.minimumWidth(), width), min(window.minimumHeight(), height))
    window.resize(width, height)
    window.show()
    if not _settle(app, window, pages):
        _say(
            f"planner: error: {screenshot}: the figures were not shown within "
            f"{SETTLE_TIMEOUT_S:.0f} s; no PNG written\n",
            error=True,
        )
        _close(window)
        return 1
    image = window.grab()
    if not image.save(str(screenshot), "PNG"):
        _say(f"planner: error: {screenshot}: cannot write the PNG\n", error=True)
        _close(window)
        return 2
    first_window_ms = (time.perf_counter() - started) * 1000.0
    _say(
        f"{screenshot}: {image.width()} x {image.height()} PNG "
        f"(window ready in {first_window_ms:,.0f} ms)\n",
        error=False,
    )
    _close(window)
    return 0
