"""Test-wide settings: Qt (later) renders offscreen, and no test touches the user's settings.

QSettings() is pointed at INI files in a temporary folder before any test runs, so even
a test that forgets the UI fixtures (tests/ui/conftest.py gives each test a fresh folder)
cannot read the user's window layout or write its own into it. Windows that tools open in
a subprocess (`--screenshot`, `bench --gui`) use a scratch scope of their own.

Every Python subprocess the tests start warns when a text file is opened without naming
its encoding (the locale's is cp1252 on Windows): PYTHONWARNDEFAULTENCODING is read at
interpreter start, so it reaches this process only through the command line
(`python -X warn_default_encoding -m pytest`, checked in tests/test_encodings.py).
"""

import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHONWARNDEFAULTENCODING"] = "1"

_SETTINGS_FOLDER = tempfile.mkdtemp(prefix="planner-test-settings-")


def pytest_configure(config) -> None:
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, _SETTINGS_FOLDER)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_SETTINGS_FOLDER, ignore_errors=True)
