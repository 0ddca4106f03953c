"""What the window remembers (layout, recent files), where, and restoring it usably.

The user's settings (window size, splitter, column widths, open tab, recent files) live
in QSettings under the application's name. Tools that open a window for a machine (the
`--screenshot` mode, `bench --gui`) and the tests must neither read nor write them: they
call `use_scratch_settings()` first, which points QSettings at INI files in a folder of
their own. A saved layout is only a wish: the window is fitted to the screen, and the
splitter's panes have minimums (MIN_TABLES_PX, MIN_CHARTS_PX, set by the window) that a
restored state cannot undercut.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize

if TYPE_CHECKING:
    from planner.ui.main_window import MainWindow

DEFAULT_WINDOW = QSize(1500, 950)
MIN_WINDOW = QSize(900, 600)
MAX_RECENT = 8
# The chart pane holds a 3-line readout, a tab bar, the axes and a legend around the
# plot: below about 260 px the plot itself shrinks to a sliver.
MIN_TABLES_PX = 200
MIN_CHARTS_PX = 260
DEFAULT_SPLIT = (520, 380)  # tables : charts, in proportion

_scratch_folders: list[Path] = []


def use_scratch_settings(folder: Path | None = None) -> Path:
    """From now on QSettings() reads and writes INI files under `folder` (a new temporary
    folder, removed at exit, when None), never the user's own settings. Returns the folder."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="planner-settings-"))
        _scratch_folders.append(folder)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@atexit.register
def _remove_scratch_folders() -> None:
    for folder in _scratch_folders:
        shutil.rmtree(folder, ignore_errors=True)


def settings_file() -> str:
    """The file (or registry key) that QSettings() uses now."""
    return QSettings().fileName()


def recent_files() -> list[str]:
    value = QSettings().value("recent_files", [])
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def add_recent_file(path: Path) -> None:
    full = str(path.resolve())
    recent = [full] + [p for p in recent_files() if p != full]
    QSettings().setValue("recent_files", recent[:MAX_RECENT])


def fit_window(size: QSize, available: QRect) -> QSize:
    """`size` made at least MIN_WINDOW and, where the screen allows it, no larger than
    the screen's available area."""
    width = max(MIN_WINDOW.width(), min(size.width(), available.width()))
    height = max(MIN_WINDOW.height(), min(size.height(), available.height()))
    return QSize(width, height)


def restore(window: MainWindow) -> None:
    """Put back the window's size, splitter, column widths and tab from QSettings."""
    settings = QSettings()
    geometry = settings.value("window/geometry")
    if isinstance(geometry, QByteArray) and window.restoreGeometry(geometry):
        # restoreGeometry puts the window back on its screen (or the nearest there is).
        if not window.isMaximized() and not window.isFullScreen():
            available = window.screen().availableGeometry()
            window.resize(fit_window(window.size(), available))
    else:
        window.resize(fit_window(DEFAULT_WINDOW, window.screen().availableGeometry()))
    splitter = settings.value("window/splitter")
    if not (isinstance(splitter, QByteArray) and window.splitter.restoreState(splitter)):
        window.splitter.setSizes(list(DEFAULT_SPLIT))
    for key, view in window.sheets.items():
        state = settings.value(f"columns/{key}")
        count = settings.value(f"columns/{key}/count")
        columns = view.model().columnCount()
        if isinstance(state, QByteArray) and str(count) == str(columns):
            view.horizontalHeader().restoreState(state)
            if view.horizontalHeader().count() != columns:
                view.apply_widths()
    tab = settings.value("window/tab", 0)
    window.tabs.setCurrentIndex(int(str(tab)) if str(tab).isdigit() else 0)


def save(window: MainWindow) -> None:
    settings = QSettings()
    settings.setValue("window/geometry", window.saveGeometry())
    # With the charts hidden (the AI/HPC and Decisions tabs) the splitter reports them
    # as 0 px: saving that would squeeze them to nothing next time.
    if not window.charts.isHidden():
        settings.setValue("window/splitter", window.splitter.saveState())
    settings.setValue("window/tab", window.tabs.currentIndex())
    for key, view in window.sheets.items():
        settings.setValue(f"columns/{key}", view.horizontalHeader().saveState())
        settings.setValue(f"columns/{key}/count", view.model().columnCount())
