"""What build.spec, packaging/bundle.py and scripts/build_bundle.py decide, checked here
without building: the macOS minimum from wheel tags, the Windows version resource, the
build constraints, the Qt excludes in macOS framework names, the Linux desktop entry's
Exec, the size limits in MiB, UTF-8 mode, signing without --deep, and the libraries the
Linux bundle leaves to the desktop. The build itself runs in scripts/build_bundle.py."""

from __future__ import annotations

import importlib.util
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402

SPEC = (ROOT / "build.spec").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _build_bundle():
    spec = importlib.util.spec_from_file_location(
        "build_bundle", ROOT / "scripts" / "build_bundle.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- 6: the oldest macOS, from the wheels' tags ---------------------------------------


def test_minimum_macos_is_the_highest_floor_of_the_wheels() -> None:
    tags = [
        ["cp311-cp311-macosx_14_0_arm64"],  # numpy's Accelerate build
        ["cp39-abi3-macosx_13_0_universal2"],  # PySide6
        ["py3-none-any"],  # pure Python says nothing
        ["cp311-cp311-manylinux_2_28_x86_64"],  # not macOS
    ]
    assert bundle.minimum_macos(tags, "arm64") == "14.0"


def test_minimum_macos_takes_the_lowest_tag_of_one_wheel_for_the_machine() -> None:
    # A wheel with several tags runs where any of them fits.
    one_wheel = [["cp311-cp311-macosx_10_9_x86_64", "cp311-cp311-macosx_12_0_x86_64"]]
    assert bundle.minimum_macos(one_wheel, "x86_64") == "11.0"  # the floor
    other_arch = [["cp311-cp311-macosx_15_0_arm64"], ["cp311-cp311-macosx_13_0_x86_64"]]
    assert bundle.minimum_macos(other_arch, "x86_64") == "13.0"
    assert bundle.minimum_macos(other_arch, "arm64") == "15.0"
    universal = [["cp311-cp311-macosx_12_0_universal2"]]
    assert bundle.minimum_macos(universal, "x86_64") == "12.0"
    assert bundle.minimum_macos(universal, "arm64") == "12.0"
    assert bundle.minimum_macos([], "arm64") == "11.0"
    assert bundle.minimum_macos([["cp311-cp311-macosx_10_13_x86_64"]], "x86_64", "10.9") == (
        "10.13"
    )


def test_the_installed_wheel_tags_are_read_from_wheel_files() -> None:
    tag_sets = bundle.installed_wheel_tags()
    assert tag_sets and all(tags for tags in tag_sets)
    numpy_tags = metadata.distribution("numpy").read_text("WHEEL") or ""
    assert [
        line.split(":", 1)[1].strip() for line in numpy_tags.splitlines() if line.startswith("Tag:")
    ] in tag_sets


def test_the_spec_derives_ls_minimum_system_version() -> None:
    assert '"LSMinimumSystemVersion": MINIMUM_MACOS' in SPEC
    assert "MINIMUM_MACOS = bundle.build_minimum_macos()" in SPEC
    assert '"11.0"' not in SPEC


def test_minimum_glibc() -> None:
    tags = [
        ["cp311-cp311-manylinux_2_27_x86_64", "cp311-cp311-manylinux_2_28_x86_64"],
        ["cp310-abi3-manylinux_2_34_x86_64"],
        ["py3-none-any"],
    ]
    assert bundle.minimum_glibc(tags) == "2.34"
    assert bundle.minimum_glibc([["py3-none-any"]]) is None


# --- Windows version resource ---------------------------------------------------------


class _Node:
    def __init__(self, kind: str, *args: object, **kwargs: object) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs


def _parse_version_info(text: str) -> _Node:
    names = (
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    )
    namespace = {name: (lambda *a, _n=name, **k: _Node(_n, *a, **k)) for name in names}
    return eval(text, {"__builtins__": {}}, namespace)


def test_the_version_resource_carries_pyproject_version() -> None:
    version = PYPROJECT["project"]["version"]
    text = bundle.windows_version_info(version, bundle.CLI_NAME, "Mining Planner (command line)")
    assert text.startswith("# UTF-8")
    info = _parse_version_info(text)
    assert info.kind == "VSVersionInfo"
    fixed = info.kwargs["ffi"]
    assert fixed.kwargs["filevers"] == bundle.version_tuple(version)
    assert fixed.kwargs["prodvers"] == bundle.version_tuple(version)
    string_table = info.kwargs["kids"][0].args[0][0]
    strings = {s.args[0]: s.args[1] for s in string_table.args[1]}
    assert strings["FileVersion"] == strings["ProductVersion"] == version
    assert strings["OriginalFilename"] == f"{bundle.CLI_NAME}.exe"
    assert strings["ProductName"] == bundle.PRODUCT_NAME
    assert info.kwargs["kids"][1].args[0][0].args == ("Translation", [1033, 1200])


def test_version_tuple() -> None:
    assert bundle.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert bundle.version_tuple("1.2.3rc1") == (1, 2, 3, 0)
    assert bundle.version_tuple("2.0.1.4.5") == (2, 0, 1, 4)
    with pytest.raises(ValueError):
        bundle.version_tuple("70000.0")
    with pytest.raises(ValueError):
        bundle.version_tuple("dev")


def test_both_windows_executables_get_a_version_resource() -> None:
    assert SPEC.count("version=_version_file(") == 2
    assert "bundle.windows_version_info(VERSION" in SPEC


# --- 12: locked build, size in MiB, excludes ------------------------------------------


def _pins() -> dict[str, str]:
    text = (ROOT / "packaging" / "constraints-bundle.txt").read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line)
        assert match, f"not an exact pin: {line}"
        name = _canonical(match.group(1))
        assert name not in pins, f"pinned twice: {name}"
        pins[name] = match.group(2)
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9._-]+)", requirement)
    assert match
    return _canonical(match.group(1))


def test_the_constraints_pin_everything_the_bundle_build_installs() -> None:
    """The bundle extra, and the dev extra that the release workflow installs with it."""
    pins = _pins()
    wanted = [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["bundle"],
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
    ]
    # The extras and the runtime dependencies, then what they need, as far as this
    # environment has them installed (their markers evaluated for this platform).
    seen: set[str] = set()
    todo = [_requirement_name(r) for r in wanted]
    for name in todo:
        assert name in pins, f"{name} is not pinned in packaging/constraints-bundle.txt"
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in ("setuptools", "pip"):
            continue  # they come with the venv (PyInstaller needs setuptools>=42)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        assert name in pins, f"{name} (needed by the bundle) is not pinned"
        assert dist.version == pins[name] or name == "mining-planner", (
            f"{name} {dist.version} is installed but {pins[name]} pinned"
        )
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            marker = requirement.split(";", 1)[1] if ";" in requirement else ""
            if "sys_platform" in marker and sys.platform not in marker:
                continue
            if "python_version < '3.10'" in marker or 'python_version < "3.10"' in marker:
                continue
            todo.append(_requirement_name(requirement))
    # PyInstaller's own needs on the other build platforms.
    for name in ("macholib", "pefile", "pywin32-ctypes", "pyinstaller", "pillow"):
        assert name in pins


def test_the_size_limits_are_stated_in_mib_per_os() -> None:
    assert set(bundle.SIZE_LIMIT_MIB) == {"linux", "darwin", "win32"}
    assert all(isinstance(limit, int) and limit > 0 for limit in bundle.SIZE_LIMIT_MIB.values())
    assert bundle.size_limit_mib("linux") == bundle.SIZE_LIMIT_MIB["linux"]
    assert bundle.size_limit_mib("freebsd14") == bundle.SIZE_LIMIT_MIB["linux"]
    script = (ROOT / "scripts" / "build_bundle.py").read_text(encoding="utf-8")
    assert "--max-mib" in script and "bundle.size_limit_mib(sys.platform)" in script
    assert "--max-mb" not in script and " MB" not in script


def test_the_qt_library_excludes_match_every_platforms_names() -> None:
    left_out = [
        "libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "PySide6\\Qt6Network.dll",
        "PySide6/Qt/lib/QtSvg.framework/Versions/A/QtSvg",
        "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
        "PySide6/Qt/lib/QtQmlModels.framework/Resources/Info.plist",
        "PySide6/Qt/lib/QtNetwork.framework/QtNetwork",
        "PySide6/Qt/lib/QtPdf.framework/Versions/A/QtPdf",
        "PySide6/Qt/lib/QtVirtualKeyboard.framework/Versions/A/QtVirtualKeyboard",
    ]
    kept = [
        "libQt6Core.so.6",
        "Qt6Gui.dll",
        "PySide6/Qt/lib/QtCore.framework/Versions/A/QtCore",
        "PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui",
        "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
        "PySide6/Qt/lib/QtOpenGL.framework/Versions/A/QtOpenGL",
        "PySide6/Qt/lib/QtOpenGLWidgets.framework/Versions/A/QtOpenGLWidgets",
        "PySide6/Qt/lib/QtDBus.framework/Versions/A/QtDBus",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/QtSvgWidgets.abi3.so",  # a Python module: left out by QT_EXCLUDES
    ]
    for dest in left_out:
        assert bundle.is_excluded_qt_library(dest), dest
    for dest in kept:
        assert not bundle.is_excluded_qt_library(dest), dest
    assert "bundle.is_excluded_qt_library(dest)" in SPEC


def test_pyqtgraph_still_gets_its_opengl_modules() -> None:
    # pyqtgraph's PlotCurveItem imports PySide6.QtOpenGL at import time.
    assert "PySide6.QtOpenGL" not in bundle.QT_EXCLUDES
    assert "PySide6.QtOpenGLWidgets" not in bundle.QT_EXCLUDES
    assert "OpenGL" in bundle.PY_EXCLUDES  # PyOpenGL, for pyqtgraph.opengl only
    assert "hypothesis" in bundle.PY_EXCLUDES


# --- 7: UTF-8 mode ----------------------------------------------------------------------


def test_the_executables_run_in_utf8_mode() -> None:
    # The bootloader matches the X option named "utf8" ("utf8_mode" is not one).
    assert bundle.RUNTIME_OPTIONS == (("X utf8", None, "OPTION"),)
    assert SPEC.count("list(bundle.RUNTIME_OPTIONS)") == 2


# --- 8 and 10: macOS signing and the command line inside the .app ---------------------


def test_signing_passes_identity_and_entitlements_without_deep() -> None:
    assert "--deep" not in SPEC
    assert 'os.environ.get("MACOS_SIGNING_IDENTITY")' in SPEC
    assert '"codesign_identity": os.environ["MACOS_SIGNING_IDENTITY"]' in SPEC
    assert '"entitlements_file": str(ROOT / bundle.ENTITLEMENTS)' in SPEC
    with (ROOT / bundle.ENTITLEMENTS).open("rb") as handle:
        entitlements = plistlib.load(handle)
    assert isinstance(entitlements, dict)
    assert not any(key.startswith("com.apple.security.get-task-allow") for key in entitlements)


def test_build_bundle_resigns_the_outer_app_only_then_verifies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    build_bundle = _build_bundle()
    commands: list[list[str]] = []

    def run(command, **_kwargs):
        commands.append([str(part) for part in command])
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(build_bundle.subprocess, "run", run)
    monkeypatch.setenv("MACOS_SIGNING_IDENTITY", "Developer ID Application: Example (TEAM)")
    app = tmp_path / "MiningPlanner.app"
    build_bundle.sign_macos_app(app)
    sign, verify = commands
    assert sign[:2] == ["codesign", "--force"] and sign[-1] == str(app)
    assert "--deep" not in sign
    assert sign[sign.index("--sign") + 1] == "Developer ID Application: Example (TEAM)"
    assert "runtime" in sign and "--timestamp" in sign
    assert sign[sign.index("--entitlements") + 1] == str(ROOT / bundle.ENTITLEMENTS)
    assert verify[:4] == ["codesign", "--verify", "--strict", "--deep"]
    commands.clear()
    monkeypatch.delenv("MACOS_SIGNING_IDENTITY")
    build_bundle.sign_macos_app(app)
    assert commands[0][commands[0].index("--sign") + 1] == "-"  # ad hoc


def test_the_command_line_link_is_inside_the_app(tmp_path: Path) -> None:
    build_bundle = _build_bundle()
    macos = tmp_path / "MiningPlanner.app" / "Contents" / "MacOS"
    macos.mkdir(parents=True)
    (tmp_path / "MiningPlanner").mkdir()
    build_bundle.link_command_line(tmp_path, platform="darwin")
    link = macos / bundle.CLI_NAME
    assert link.is_symlink() and os.readlink(link) == bundle.APP_NAME
    assert build_bundle.frozen_cli.__defaults__ is not None
    expected = tmp_path / "MiningPlanner.app" / "Contents" / "MacOS" / bundle.CLI_NAME
    (macos / bundle.APP_NAME).write_text("", encoding="utf-8")
    assert build_bundle.frozen_cli(tmp_path, platform="darwin") == expected


# --- 11: the Linux desktop entry's Exec -----------------------------------------------


def test_the_desktop_entry_template_leaves_exec_to_install_sh() -> None:
    entry = (ROOT / "packaging" / "linux" / "mining-planner.desktop").read_text(encoding="utf-8")
    assert re.search(r"^Exec=@EXEC@ %f$", entry, flags=re.MULTILINE)
    tarball = (ROOT / "packaging" / "linux" / "make-tarball.sh").read_text(encoding="utf-8")
    assert "install.sh" in tarball and "mining-planner.desktop" in tarball


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_install_sh_writes_an_exec_that_works_without_path(tmp_path: Path) -> None:
    build_bundle = _build_bundle()
    folder = tmp_path / 'my apps $HOME "quoted" `tick` back\\slash 100%' / "MiningPlanner"
    folder.mkdir(parents=True)
    for name in ("install.sh", "mining-planner.desktop", "mining-planner-mime.xml"):
        shutil.copy(ROOT / "packaging" / "linux" / name, folder / name)
    shutil.copy(ROOT / "resources" / "icon.png", folder / "mining-planner.png")
    app = folder / "MiningPlanner"
    app.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', encoding="utf-8")
    app.chmod(0o755)
    share = tmp_path / "share"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(share)}
    subprocess.run(["sh", str(folder / "install.sh")], check=True, env=env, capture_output=True)
    entry = (share / "applications" / "mining-planner.desktop").read_text(encoding="utf-8")
    exec_value = re.search(r"^Exec=(.*)$", entry, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
    args = build_bundle.desktop_exec_args(exec_value)
    assert args[0].replace("%%", "%") == str(app) and args[1:] == ["%f"]
    done = subprocess.run(
        [args[0].replace("%%", "%"), "my project.mplan"],
        env={"PATH": ""},
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    assert done.stdout == "my project.mplan\n"
    assert (share / "mime" / "packages" / "mining-planner.xml").is_file()
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "mining-planner.png").is_file()


def test_desktop_exec_args_follows_the_specification() -> None:
    build_bundle = _build_bundle()
    parse = build_bundle.desktop_exec_args
    assert parse("MiningPlanner %f") == ["MiningPlanner", "%f"]
    assert parse('"/opt/my apps/MiningPlanner" %f') == ["/opt/my apps/MiningPlanner", "%f"]
    assert parse(r'"/a\\$b\\"c\\`d\\\\e" %f') == ['/a$b"c`d\\e', "%f"]
    with pytest.raises(ValueError):
        parse('"/unterminated %f')


def test_the_linux_scripts_pass_shellcheck() -> None:
    tool = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck"
    )
    if tool is None:
        pytest.skip("shellcheck is not installed")
    scripts = [ROOT / "packaging" / "linux" / name for name in ("install.sh", "make-tarball.sh")]
    done = subprocess.run(
        [tool, *map(str, scripts)], capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 0, done.stdout


# --- 13: what the Linux bundle leaves to the desktop ----------------------------------


def test_the_linux_bundle_leaves_the_desktop_libraries_out() -> None:
    for prefix in bundle.DESKTOP_LIBRARIES + bundle.GTK_LIBRARIES:
        assert prefix in bundle.SYSTEM_LIBRARY_EXCLUDES
    for name in (
        "libX11.so.6",
        "libX11-xcb.so.1",
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
        "libfontconfig.so.1",
        "libfreetype.so.6",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "libEGL.so.1",
        "libGLX.so.0",
    ):
        assert bundle.is_left_out_system_library(name), name
    for name in (
        "libQt6XcbQpa.so.6",
        "libglib-2.0.so.0",
        "libicudata.so.73",
        "libpython3.11.so.1.0",
    ):
        assert not bundle.is_left_out_system_library(name), name
    assert "bundle.is_left_out_system_library(name)" in SPEC


def test_a_built_linux_bundle_has_none_of_them() -> None:
    folder = ROOT / "dist" / bundle.APP_NAME / "_internal"
    if not sys.platform.startswith("linux") or not folder.is_dir():
        pytest.skip("no Linux bundle built here")
    found = [p.name for p in folder.rglob("*") if bundle.is_left_out_system_library(p.name)]
    assert found == []
