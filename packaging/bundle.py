"""What the PyInstaller bundle carries and leaves out; read by build.spec and the tests.

Paths are relative to the repository root. A data file that is missing fails the build
(build.spec checks every entry) rather than the user at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "MiningPlanner"
CLI_NAME = "mining-planner"
BUNDLE_ID = "org.miningplanner.planner"
PRODUCT_NAME = "Mining Planner"
COMPANY = "Mining Planner"
COPYRIGHT = "Mining Planner contributors"
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
    # Test-only packages that a shared dev venv has: pydantic's v1 layer imports
    # hypothesis for its plugin (2 MB with its native module).
    "hypothesis",
    "_hypothesis_globals",
    "pydantic.v1",
    # No network: no TLS (and no OpenSSL: hashlib falls back to its own hashes).
    "ssl",
    "_ssl",
    "_hashlib",
)
# Qt libraries of excluded modules that PySide6's hook collects anyway, by module name
# without the prefix: libQt6Svg.so.6 on Linux, Qt6Svg.dll on Windows, and on macOS the
# QtSvg.framework folder (its binary, QtSvg, and its Resources). A name also covers the
# modules it begins: "Quick" covers QtQuickControls2, "Qml" QtQmlModels.
QT_LIBRARY_EXCLUDES = (
    "Svg",
    "Test",
    "EglFS",
    "Quick",
    "Qml",
    "Pdf",
    "Network",
    "VirtualKeyboard",
    "Designer",
)


def is_excluded_qt_library(dest: str) -> bool:
    """True for a file (its path inside the bundle, / or \\ separated) that belongs to a
    Qt library the bundle leaves out, in any of the three platforms' naming."""
    parts = dest.replace("\\", "/").split("/")
    name = parts[-1]
    for module in QT_LIBRARY_EXCLUDES:
        if f"Qt6{module}" in name:  # libQt6Svg.so.6, Qt6Svg.dll
            return True
        framework = f"Qt{module}"
        if any(part.startswith(framework) and part.endswith(".framework") for part in parts):
            return True  # QtSvg.framework/Versions/A/QtSvg, QtSvg.framework/Resources/...
    return False


# System libraries (by file name prefix) left out of the Linux bundle on purpose.
# First those that only the left-out GTK theme plugin needs. Then the desktop's own:
# the X11 and xcb client libraries, xkbcommon, fontconfig and FreeType, the GL and EGL
# dispatch libraries and the C++ runtime come from the machine the app runs on. They must
# match its display server, fonts and GPU driver, and a bundled libstdc++ older than the
# system's breaks the GPU driver Qt loads (Mesa needs the newer GLIBCXX). Every desktop
# has them; a server without a desktop installs them with the README's apt-get line.
# scripts/build_bundle.py checks that none of them is in the built bundle.
GTK_LIBRARIES = (
    "libgtk-3",
    "libgdk-3",
    "libgdk_pixbuf",
    "libcairo",
    "libpango",
    "libatk",
    "libatspi",
    "libepoxy",
)
DESKTOP_LIBRARIES = (
    "libX11",  # also libX11-xcb
    "libXau",
    "libXdmcp",
    "libXext",
    "libXrender",
    "libxcb",  # libxcb and every libxcb-* extension (cursor, icccm, keysyms, ...)
    "libxkbcommon",  # also libxkbcommon-x11
    "libfontconfig",
    "libfreetype",
    "libEGL",
    "libGL",  # also libGLX, libGLdispatch
    "libOpenGL",
    "libstdc++",
    "libgcc_s",
)
SYSTEM_LIBRARY_EXCLUDES = GTK_LIBRARIES + DESKTOP_LIBRARIES

# Qt plugins (folder/, or folder/file prefix) no desktop session of this app loads: the
# embedded and remote platform plugins (EGLFS, framebuffer, VNC, Vulkan display) and the
# evdev input plugins they use. The window runs on xcb, wayland, cocoa or windows; the
# smoke runs on offscreen.
QT_PLUGIN_EXCLUDES = (
    "generic/",
    "platforms/libqeglfs",
    "platforms/libqlinuxfb",
    "platforms/libqminimalegl",
    "platforms/libqvkkhrdisplay",
    "platforms/libqvnc",
    "egldeviceintegrations/",
)

# The largest bundle allowed, per OS (sys.platform), in MiB (2**20 bytes), checked by
# scripts/build_bundle.py. Windows carries Qt's software OpenGL (opengl32sw.dll, 20 MiB).
SIZE_LIMIT_MIB = {
    "linux": 190,
    "darwin": 190,
    "win32": 210,
}

# Python's run-time options for the frozen executables (EXE(..., options)): UTF-8 mode,
# so that stdout, files and paths use UTF-8 whatever the locale or Windows code page is
# (a project named with ₿ printed to a pipe on cp1252 would fail). The bootloader reads
# "X utf8" (or "X utf8=1"); "X utf8_mode=1" is not an option it knows.
RUNTIME_OPTIONS = (("X utf8", None, "OPTION"),)

# Hardened-runtime entitlements for macOS signing (build.spec, scripts/build_bundle.py).
ENTITLEMENTS = "packaging/macos/entitlements.plist"


def size_limit_mib(platform: str) -> int:
    """The bundle size limit for a sys.platform value (other Unixes as Linux)."""
    return SIZE_LIMIT_MIB.get(platform, SIZE_LIMIT_MIB["linux"])


def is_left_out_system_library(name: str) -> bool:
    """True for a library file name the Linux bundle leaves to the system."""
    return any(name.startswith(prefix) for prefix in SYSTEM_LIBRARY_EXCLUDES)


# --- The oldest OS the bundled wheels run on ----------------------------------------

_MACOS_ARCHES = {
    # a platform tag's architecture -> the machine architectures it runs on
    "arm64": {"arm64"},
    "x86_64": {"x86_64"},
    "intel": {"x86_64"},
    "universal2": {"arm64", "x86_64"},
    "universal": {"x86_64"},
    "fat64": {"x86_64"},
    "fat3": {"x86_64"},
}


def _macos_tag(tag: str) -> tuple[tuple[int, int], set[str]] | None:
    """(version, machine architectures) of a wheel tag's macOS platform, or None."""
    platform = tag.rsplit("-", 1)[-1]
    if not platform.startswith("macosx_"):
        return None
    parts = platform.split("_")
    if len(parts) < 4 or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    arch = "_".join(parts[3:])
    return (int(parts[1]), int(parts[2])), _MACOS_ARCHES.get(arch, {arch})


def minimum_macos(tag_sets: Iterable[Iterable[str]], machine: str, floor: str = "11.0") -> str:
    """The oldest macOS that every distribution runs on, as "14.0".

    Each item is one installed distribution's wheel tags (its WHEEL file's `Tag:` lines).
    A wheel with several tags runs where any of them fits, so a distribution needs the
    lowest of its tags for `machine` (arm64 or x86_64, universal2 fits both); the bundle
    needs the highest of those over all distributions, and at least `floor`. Pure-Python
    and non-macOS tags say nothing.
    """
    needed = tuple(int(part) for part in floor.split("."))[:2]
    for tags in tag_sets:
        versions = [
            found[0] for found in map(_macos_tag, tags) if found is not None and machine in found[1]
        ]
        if versions:
            needed = max(needed, min(versions))
    return f"{needed[0]}.{needed[1]}"


def installed_wheel_tags() -> list[list[str]]:
    """The wheel tags of every distribution installed in this interpreter's environment."""
    from importlib import metadata

    tag_sets = []
    for dist in metadata.distributions():
        wheel = dist.read_text("WHEEL") or ""
        tags = [
            line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")
        ]
        if tags:
            tag_sets.append(tags)
    return tag_sets


def build_minimum_macos() -> str:
    """LSMinimumSystemVersion for this build: the bundled wheels' macOS floor, and no
    lower than the deployment target Python itself was built for."""
    import platform
    import sysconfig

    target = str(sysconfig.get_config_var("MACOSX_DEPLOYMENT_TARGET") or "11.0")
    major, minor = [*(int(part) for part in target.split(".")), 0][:2]
    python_itself = [f"macosx_{major}_{minor}_universal2"]
    return minimum_macos([*installed_wheel_tags(), python_itself], platform.machine())


def minimum_glibc(tag_sets: Iterable[Iterable[str]]) -> str | None:
    """The oldest glibc every distribution's manylinux wheel runs on ("2.34"), or None."""
    needed: tuple[int, int] | None = None
    for tags in tag_sets:
        versions = []
        for tag in tags:
            platform = tag.rsplit("-", 1)[-1]
            parts = platform.split("_")
            if platform.startswith("manylinux_") and parts[1].isdigit() and parts[2].isdigit():
                versions.append((int(parts[1]), int(parts[2])))
            elif platform.startswith("manylinux2014"):
                versions.append((2, 17))
        if versions:
            low = min(versions)
            needed = low if needed is None else max(needed, low)
    return None if needed is None else f"{needed[0]}.{needed[1]}"


# --- Windows version resource --------------------------------------------------------


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four numbers of a Windows file version from a PEP 440 version: "1.2.0rc1" ->
    (1, 2, 0, 0)."""
    import re

    match = re.match(r"^\s*v?(\d+(?:\.\d+)*)", version)
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    numbers = [int(part) for part in match.group(1).split(".")][:4]
    numbers += [0] * (4 - len(numbers))
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"a Windows version number is at most 65535: {version!r}")
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def windows_version_info(version: str, exe_name: str, description: str) -> str:
    """PyInstaller's text form of a VSVersionInfo resource (EXE(version=FILE)) for one
    executable: file and product version from pyproject's version, names, copyright.
    Written by build.spec at build time; PyInstaller reads it back with eval()."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": exe_name,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": PRODUCT_NAME,
        "ProductVersion": version,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    return f"""# UTF-8
# Generated by build.spec from pyproject.toml's version; do not edit.
VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo(
      [
      StringTable(
        '040904B0',
        [
{string_structs}
        ])
      ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def missing_data() -> list[str]:
    """Data and icon files the bundle needs that are not in the repository."""
    wanted = [source for source, _folder in DATAS] + list(ICONS.values())
    return [path for path in wanted if not (ROOT / path).is_file()]
