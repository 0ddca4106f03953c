"""What the PyInstaller bundle carries and leaves out; read by build.spec and the tests.

Paths are relative to the repository root. A data file that is missing fails the build
(build.spec checks every entry) rather than the user at run time.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "MiningPlanner"
CLI_NAME = "mining-planner"
BUNDLE_ID = "org.miningplanner.planner"
PROJECT_EXTENSION = "mplan"  # the planner's own project files (JSON inside)

# (source, folder inside the bundle)
DATAS: tuple[tuple[str, str], ...] = (
    ("resources/asic_catalog.csv", "resources"),
    ("resources/network_points.csv", "resources"),
    ("resources/hpc_deals.md", "resources"),
    ("resources/SOURCES.md", "resources"),
    ("resources/icon.png", "resources"),
    ("samples/sample_project.json", "samples"),
    ("samples/fleet-inventory.xlsx", "samples"),
)
ICONS = {
    "png": "resources/icon.png",
    "ico": "packaging/icons/planner.ico",
    "icns": "packaging/icons/planner.icns",
}

# Qt modules the app never imports (PySide6-Essentials ships some; the rest are listed so
# that an Addons install cannot drag them in). pyqtgraph needs QtOpenGL and
# QtOpenGLWidgets to import; QtSvg and QtTest only if they are there, and the planner uses
# neither (charts export PNG).
QT_EXCLUDES = tuple(
    f"PySide6.{name}"
    for name in (
        "QtWebEngineCore",
        "QtWebEngineWidgets",
        "QtWebEngineQuick",
        "QtWebChannel",
        "QtWebSockets",
        "Qt3DCore",
        "Qt3DRender",
        "Qt3DInput",
        "Qt3DLogic",
        "Qt3DAnimation",
        "Qt3DExtras",
        "QtQuick",
        "QtQuick3D",
        "QtQuickControls2",
        "QtQuickWidgets",
        "QtQml",
        "QtMultimedia",
        "QtMultimediaWidgets",
        "QtBluetooth",
        "QtNfc",
        "QtPositioning",
        "QtLocation",
        "QtSensors",
        "QtSerialPort",
        "QtSql",
        "QtNetwork",
        "QtNetworkAuth",
        "QtPdf",
        "QtSvg",
        "QtSvgWidgets",
        "QtTest",
        "QtPdfWidgets",
        "QtCharts",
        "QtDataVisualization",
        "QtDesigner",
        "QtHelp",
        "QtUiTools",
        "QtXml",
        "QtConcurrent",
        "QtDBus",
        "QtStateMachine",
        "QtTextToSpeech",
        "QtSpatialAudio",
        "QtScxml",
        "QtRemoteObjects",
        "QtHttpServer",
        "QtGraphs",
    )
)
# Heavy Python packages the app does not use at run time.
PY_EXCLUDES = (
    "tkinter",
    "matplotlib",
    "IPython",
    "pytest",
    "pytestqt",
    "pandas",
    "scipy",
    "PIL",
    "setuptools",
    "pkg_resources",
    "numpy_financial",
    "mypy",
    "ruff",
    "pyqtgraph.opengl",
    "pyqtgraph.examples",
    "pyqtgraph.jupyter",
    "OpenGL",
    "lib2to3",
    "pydoc_data",
    # openpyxl uses lxml.etree only.
    "lxml.objectify",
    "lxml.html",
    "lxml.isoschematron",
    "lxml.cssselect",
    "numpy.f2py",
    "numpy.testing",
    # No network: no TLS (and no OpenSSL: hashlib falls back to its own hashes).
    "ssl",
    "_ssl",
    "_hashlib",
)
# Shared libraries of excluded Qt modules that PySide6's hook collects anyway, by name.
QT_LIBRARY_EXCLUDES = (
    "Qt6Svg",
    "Qt6Test",
    "Qt6EglFS",
    "Qt6Quick",
    "Qt6Qml",
    "Qt6Pdf",
    "Qt6Network",
    "Qt6VirtualKeyboard",
    "Qt6Designer",
)


# System libraries (by file name prefix) that only the left-out GTK theme plugin needs.
SYSTEM_LIBRARY_EXCLUDES = (
    "libgtk-3",
    "libgdk-3",
    "libgdk_pixbuf",
    "libcairo",
    "libpango",
    "libatk",
    "libatspi",
    "libepoxy",
)


def missing_data() -> list[str]:
    """Data and icon files the bundle needs that are not in the repository."""
    wanted = [source for source, _folder in DATAS] + list(ICONS.values())
    return [path for path in wanted if not (ROOT / path).is_file()]
