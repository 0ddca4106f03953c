"""Build the PyInstaller bundle on this OS, then smoke-run what users get.

    python scripts/build_bundle.py [--skip-build] [--max-mib N]

Builds dist/MiningPlanner/ (and on macOS dist/MiningPlanner.app) from build.spec, then
runs the frozen command line as users have it: on macOS the .app's own binary (its
`mining-planner` link inside Contents/MacOS), elsewhere the bundle's. `report --json` on
the bundled sample, `report --xlsx` (an Excel export), `--screenshot` offscreen (and on
macOS on the native platform plugin too), and a text report of a project named with ₿
printed to a pipe in a non-UTF-8 locale (the frozen app runs in Python's UTF-8 mode), each
of which must exit 0 with real output. On Linux it packs the tarball
(packaging/linux/make-tarball.sh), unpacks it in a folder with a space in its name, runs
its install.sh, and runs the installed desktop entry's Exec line with PATH empty.

Prints the build time, the bundle's size in MiB and its largest parts, and the frozen
start-up time to the screenshot. Fails when a smoke run fails, when the Linux bundle
carries a library it leaves to the desktop on purpose, or when the bundle is larger than
the limit for this OS (packaging/bundle.py SIZE_LIMIT_MIB, or --max-mib).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402

MIB = 2**20


def _say(text: str) -> None:
    print(f"build_bundle: {text}", flush=True)


def _fail(text: str) -> None:
    print(f"build_bundle: error: {text}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _inner(folder: Path) -> Path:
    """Where the bundle's files are: _internal, or a .app's Contents/Frameworks."""
    for inner in (folder / "_internal", folder / "Contents" / "Frameworks"):
        if inner.is_dir():
            return inner
    return folder


def largest_parts(folder: Path, count: int = 8) -> list[tuple[str, int]]:
    """The biggest top-level entries of the bundle's internal folder (or the bundle)."""
    sizes = []
    for entry in _inner(folder).iterdir():
        if entry.is_symlink():  # links to libraries counted where they are
            continue
        size = folder_size(entry) if entry.is_dir() else entry.stat().st_size
        sizes.append((entry.name, size))
    return sorted(sizes, key=lambda item: -item[1])[:count]


def largest_files(folder: Path, count: int = 8) -> list[tuple[str, int]]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    files.sort(key=lambda p: -p.stat().st_size)
    return [(str(p.relative_to(folder)), p.stat().st_size) for p in files[:count]]


def strip_python_debug_info(folder: Path) -> None:
    """Drop the debug information of libpython and the standard library's extension
    modules on Linux (22 MiB of it in a pyenv build). Only Python's own: stripping the
    wheels' repaired libraries (OpenBLAS) breaks them."""
    tool = shutil.which("strip")
    if sys.platform != "linux" or tool is None:
        return
    targets = [*folder.rglob("libpython3*.so*"), *folder.rglob("lib-dynload/*.so")]
    before = after = 0
    for library in targets:
        if library.is_symlink():
            continue
        before += library.stat().st_size
        subprocess.run([tool, "--strip-debug", str(library)], check=True)
        after += library.stat().st_size
    _say(f"stripped Python's own libraries: {before / MIB:.1f} MiB -> {after / MIB:.1f} MiB")


def _link(folder: Path) -> None:
    link = folder / bundle.CLI_NAME
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(bundle.APP_NAME)


def link_command_line(dist: Path, platform: str = sys.platform) -> None:
    """Outside Windows the app's executable is the command line too: link its name next
    to it, in the folder build and, on macOS, inside the .app (Contents/MacOS), before the
    .app is signed."""
    if platform == "win32":
        return
    _link(dist / bundle.APP_NAME)
    if platform == "darwin":
        _link(dist / f"{bundle.APP_NAME}.app" / "Contents" / "MacOS")


def sign_macos_app(app: Path) -> None:
    """Re-sign the outer .app after the link was added (PyInstaller signed everything in
    it already, binaries one by one): the bundle alone, no --deep, with the identity in
    MACOS_SIGNING_IDENTITY (hardened runtime, entitlements, timestamp) or ad hoc. Then
    verify the whole bundle strictly."""
    identity = os.environ.get("MACOS_SIGNING_IDENTITY", "")
    command = ["codesign", "--force", "--sign", identity or "-"]
    if identity:
        command += [
            "--options",
            "runtime",
            "--timestamp",
            "--entitlements",
            str(ROOT / bundle.ENTITLEMENTS),
        ]
    subprocess.run([*command, str(app)], check=True)
    done = subprocess.run(
        ["codesign", "--verify", "--strict", "--deep", "--verbose=2", str(app)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if done.returncode != 0:
        _fail(f"codesign --verify --strict --deep {app}:\n{done.stdout}{done.stderr}")
    _say(f"signed {app.name} ({'identity' if identity else 'ad hoc'}); verified --strict --deep")


def frozen_cli(dist: Path, platform: str = sys.platform) -> Path:
    """The command line users run: the .app's own on macOS, the folder's elsewhere."""
    if platform == "darwin":
        cli = dist / f"{bundle.APP_NAME}.app" / "Contents" / "MacOS" / bundle.CLI_NAME
    else:
        suffix = ".exe" if platform == "win32" else ""
        cli = dist / bundle.APP_NAME / f"{bundle.CLI_NAME}{suffix}"
    if not cli.exists():
        _fail(f"{cli} was not built")
    return cli


def shipped_folder(dist: Path) -> Path:
    """What users get: the .app on macOS, the folder elsewhere."""
    if sys.platform == "darwin":
        return dist / f"{bundle.APP_NAME}.app"
    return dist / bundle.APP_NAME


def check_runtime_options(dist: Path) -> None:
    """The executables carry Python's run-time options (UTF-8 mode) in their archive."""
    from PyInstaller.archive.readers import CArchiveReader

    suffix = ".exe" if sys.platform == "win32" else ""
    names = [bundle.APP_NAME] + ([bundle.CLI_NAME] if sys.platform == "win32" else [])
    for name in names:
        archive = CArchiveReader(str(dist / bundle.APP_NAME / f"{name}{suffix}"))
        options = sorted(archive.options)
        wanted = sorted(option for option, _none, _kind in bundle.RUNTIME_OPTIONS)
        if not set(wanted) <= set(options):
            _fail(f"{name}{suffix} carries the run-time options {options}, not {wanted}")
    _say(f"run-time options in the executables: {', '.join(wanted)}")


def check_left_out_libraries(folder: Path) -> None:
    """Linux: the bundle carries none of the libraries it leaves to the desktop."""
    if not sys.platform.startswith("linux"):
        return
    found = sorted(p.name for p in folder.rglob("*") if bundle.is_left_out_system_library(p.name))
    if found:
        _fail(f"the bundle carries libraries left to the desktop: {', '.join(found)}")
    glibc = bundle.minimum_glibc(bundle.installed_wheel_tags())
    _say(
        "left to the desktop (not bundled): "
        + ", ".join(bundle.DESKTOP_LIBRARIES)
        + (f"; the wheels need glibc {glibc} or later" if glibc else "")
    )


def _latin1_locale(work: Path) -> dict[str, str]:
    """Environment for a non-UTF-8 locale: ISO-8859-1 compiled into a private LOCPATH
    where localedef can (glibc); Windows' pipes use the ANSI code page anyway."""
    if sys.platform == "win32":
        return {}
    tool = shutil.which("localedef")
    if tool and sys.platform.startswith("linux"):
        where = work / "locale"
        where.mkdir(exist_ok=True)
        done = subprocess.run(
            [tool, "-i", "en_US", "-f", "ISO-8859-1", str(where / "en_US.ISO-8859-1")],
            capture_output=True,
        )
        if done.returncode in (0, 1) and (where / "en_US.ISO-8859-1").exists():
            return {"LOCPATH": str(where), "LC_ALL": "en_US.ISO-8859-1", "LANG": "C"}
    return {"LC_ALL": "C", "LANG": "C"}


def _run(
    command: list[str], env: dict[str, str], what: str, text: bool = True
) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=text,
        encoding="utf-8" if text else None,
        env=env,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        _fail(f"{what} exited {done.returncode}:\n{done.stdout!s}\n{done.stderr!s}")
    _say(f"{what}: ok in {seconds:.2f} s")
    done.seconds = seconds  # type: ignore[attr-defined]
    return done


def _screenshot(command: list[str], env: dict[str, str], shot: Path, what: str) -> float:
    run = _run([*command, "--screenshot", str(shot)], env, what)
    if not shot.is_file() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        _fail(f"{what}: no PNG written")
    if shot.stat().st_size < 20_000:
        _fail(f"{what}: the PNG is only {shot.stat().st_size} bytes")
    _say(f"  {run.stdout.strip()}")
    return run.seconds  # type: ignore[attr-defined]


def _user_env(work: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "PLANNER_DATA_DIR": str(work / "data"),
            "XDG_CONFIG_HOME": str(work / "config"),
            "HOME": str(work),
            # No network: a proxy that does not exist makes any attempt fail loudly.
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
        }
    )
    return env


def smoke(dist: Path) -> dict[str, float]:
    """Run the frozen app as a user would, offline, with its own data folders."""
    cli = frozen_cli(dist)
    sample = next(shipped_folder(dist).rglob("sample_project.json"), None)
    if sample is None:
        _fail("the bundled sample_project.json is missing")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = _user_env(work)
        report = _run([str(cli), "report", str(sample), "--json"], env, "report --json")
        data = json.loads(report.stdout)
        if data["fleet"]["rigs"] <= 0 or not data["monthly"] or not data["hpc"]:
            _fail("report --json: the sample's report is empty")
        _say(
            f"  sample: fleet NPV {data['fleet']['npv_usd']:,.0f} USD, "
            f"{data['fleet']['rigs']:,} rigs, {len(data['hpc'])} AI/HPC sites"
        )
        workbook = work / "sample.xlsx"
        _run([str(cli), "report", str(sample), "--xlsx", str(workbook)], env, "report --xlsx")
        with zipfile.ZipFile(workbook) as archive:
            names = archive.namelist()
            book = archive.read("xl/workbook.xml").decode("utf-8")
        if "xl/charts/chart1.xml" not in names or 'name="Monthly"' not in book:
            _fail("report --xlsx: the workbook lacks its Monthly sheet or charts")
        _say(f"  workbook: {workbook.stat().st_size:,} bytes, {len(names)} parts")

        # UTF-8 mode: a project named with ₿, its text report piped in a locale that
        # cannot encode it (PYTHONIOENCODING and PYTHONUTF8 unset, as for users).
        project = json.loads(sample.read_text(encoding="utf-8"))
        project["name"] = "Hashrate ₿ plan"
        named = work / "bitcoin ₿.json"
        named.write_text(json.dumps(project, ensure_ascii=False), encoding="utf-8")
        locale_env = {**env, **_latin1_locale(work)}
        printed = _run(
            [str(cli), "report", str(named), "--paths", "200"],
            locale_env,
            f"report of a ₿ project piped ({locale_env.get('LC_ALL', 'code page')})",
            text=False,
        )
        if "Hashrate ₿ plan".encode() not in printed.stdout:
            _fail("the ₿ project's report does not print its name in UTF-8")

        figures["startup_s"] = _screenshot([str(cli)], env, work / "window.png", "--screenshot")
        keep = os.environ.get("BUNDLE_SCREENSHOT")
        if keep:
            shutil.copy(work / "window.png", keep)
        if sys.platform == "darwin":
            native = {key: value for key, value in env.items() if key != "QT_QPA_PLATFORM"}
            _screenshot([str(cli)], native, work / "native.png", "--screenshot (cocoa)")
    return figures


def desktop_exec_args(value: str) -> list[str]:
    """A desktop entry's Exec value as argv (Desktop Entry Specification: string escapes
    first, then double-quoted arguments where \\ escapes ", `, $ and \\)."""
    plain = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    unescaped, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in plain:
            unescaped.append(plain[value[i + 1]])
            i += 2
        else:
            unescaped.append(value[i])
            i += 1
    text = "".join(unescaped)
    args: list[str] = []
    current: list[str] | None = None
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
                current.append(text[i + 1])  # type: ignore[union-attr]
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)  # type: ignore[union-attr]
        elif char == " ":
            if current is not None:
                args.append("".join(current))
                current = None
        else:
            if current is None:
                current = []
            if char == '"':
                quoted = True
            else:
                current.append(char)
        i += 1
    if quoted:
        raise ValueError(f"unterminated quote in Exec={value}")
    if current is not None:
        args.append("".join(current))
    return args


def smoke_linux_tarball(dist: Path) -> None:
    """Pack the tarball as the release does, unpack it where a user would (a folder with a
    space), run its install.sh, and run the installed desktop entry's Exec line with PATH
    empty: the desktop starts the app without it on PATH."""
    if not sys.platform.startswith("linux"):
        return
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        subprocess.run(
            ["sh", "packaging/linux/make-tarball.sh", version, str(work / "out")],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        tarball = work / "out" / f"{bundle.APP_NAME}-{version}-linux-x86_64.tar.gz"
        _say(f"tarball: {tarball.stat().st_size / MIB:.1f} MiB compressed")
        home = work / "my apps"
        home.mkdir()
        with tarfile.open(tarball) as archive:
            archive.extractall(home, filter="tar")
        env = _user_env(work)
        env["XDG_DATA_HOME"] = str(work / "share")
        subprocess.run(
            [str(home / bundle.APP_NAME / "install.sh")],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        entry = work / "share" / "applications" / "mining-planner.desktop"
        lines = entry.read_text(encoding="utf-8").splitlines()
        exec_line = next(line for line in lines if line.startswith("Exec="))
        args = desktop_exec_args(exec_line[len("Exec=") :])
        if "%f" not in args:
            _fail(f"the desktop entry's Exec has no %f: {exec_line}")
        sample = home / bundle.APP_NAME / "_internal" / "samples" / "sample_project.json"
        shot = work / "exec.png"
        command = []
        for arg in args:
            if arg == "%f":
                command += ["--screenshot", str(shot), str(sample)]
            else:
                command.append(arg.replace("%%", "%"))
        env["PATH"] = ""
        run = _run(command, env, "the desktop entry's Exec with PATH empty")
        if not shot.is_file() or shot.stat().st_size < 20_000:
            _fail("the desktop entry's Exec wrote no screenshot")
        _say(f"  Exec={exec_line[5:]} -> {run.stdout.strip()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="smoke-run dist/ as it is")
    parser.add_argument(
        "--max-mib",
        type=float,
        default=bundle.size_limit_mib(sys.platform),
        help="largest bundle allowed in MiB (default: this OS's limit in packaging/bundle.py)",
    )
    args = parser.parse_args()
    dist = ROOT / "dist"
    build_s = 0.0
    if not args.skip_build:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--clean",
                "--log-level",
                "WARN",
                "--distpath",
                str(dist),
                "--workpath",
                str(ROOT / "build"),
                str(ROOT / "build.spec"),
            ],
            check=True,
            cwd=ROOT,
        )
        strip_python_debug_info(dist / bundle.APP_NAME)
        link_command_line(dist)
        if sys.platform == "darwin":
            sign_macos_app(dist / f"{bundle.APP_NAME}.app")
        build_s = time.perf_counter() - started
        _say(f"built in {build_s:.0f} s")
    folder = shipped_folder(dist)
    size_mib = folder_size(folder) / MIB
    _say(f"bundle {folder}: {size_mib:.1f} MiB (limit {args.max_mib:.0f} MiB); largest parts:")
    for name, size in largest_parts(folder):
        _say(f"  {size / MIB:7.1f} MiB  {name}")
    _say("largest files:")
    for name, size in largest_files(folder):
        _say(f"  {size / MIB:7.1f} MiB  {name}")
    check_left_out_libraries(folder)
    check_runtime_options(dist)
    figures = smoke(dist)
    smoke_linux_tarball(dist)
    _say(
        f"summary: build {build_s:.0f} s, bundle {size_mib:.1f} MiB "
        f"(limit {args.max_mib:.0f} MiB), frozen start-up to the screenshot "
        f"{figures['startup_s']:.2f} s"
    )
    if size_mib > args.max_mib:
        _fail(f"the bundle is {size_mib:.1f} MiB, over {args.max_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
