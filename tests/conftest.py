"""Test-wide settings: Qt (later) renders offscreen, and no test touches the user's settings.

QSettings() is pointed at INI files in a temporary folder before any test runs, so even
a test that forgets the UI fixtures (tests/ui/conftest.py gives each test a fresh folder)
cannot read the user's window layout or write its own into it. Windows that tools open in
a subprocess (`--screenshot`, `bench --gui`) use a scratch scope of their own.
"""

import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SETTINGS_FOLDER = tempfile.mkdtemp(prefix="planner-test-settings-")


def pytest_configure(config) -> None:
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _SETTINGS_FOLDER)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_SETTINGS_FOLDER, ignore_errors=True)
