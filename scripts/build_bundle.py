"""Build the PyInstaller bundle on this OS, then smoke-run the frozen app.

    python scripts/build_bundle.py [--skip-build] [--max-mb 200]

Builds dist/MiningPlanner/ from build.spec, then runs the frozen command-line twin:
`report --json` on the bundled sample, `report --xlsx` (an Excel export), and
`--screenshot` offscreen, each of which must exit 0 with real output. Prints the build
time, the bundle's size and its largest parts, and the frozen start-up time to the
screenshot. Fails when a smoke run fails or the bundle is larger than --max-mb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402


def _say(text: str) -> None:
    print(f"build_bundle: {text}", flush=True)


def _fail(text: str) -> None:
    print(f"build_bundle: error: {text}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(folder: Path, count: int = 8) -> list[tuple[str, int]]:
    """The biggest top-level entries of the bundle's internal folder (or the bundle)."""
    inner = folder / "_internal" if (folder / "_internal").is_dir() else folder
    sizes = []
    for entry in inner.iterdir():
        if entry.is_symlink():  # links to libraries counted where they are
            continue
        size = folder_size(entry) if entry.is_dir() else entry.stat().st_size
        sizes.append((entry.name, size))
    return sorted(sizes, key=lambda item: -item[1])[:count]


def strip_python_debug_info(folder: Path) -> None:
    """Drop the debug information of libpython and the standard library's extension
    modules on Linux (16 MB of it in a pyenv build). Only Python's own: stripping the
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
    _say(f"stripped Python's own libraries: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB")


def link_command_line(folder: Path) -> None:
    """Outside Windows the app's executable is the command line too: link its name."""
    if sys.platform == "win32":
        return
    link = folder / bundle.CLI_NAME
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(bundle.APP_NAME)


def frozen_cli(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    cli = dist / bundle.APP_NAME / f"{bundle.CLI_NAME}{suffix}"
    if not cli.exists():
        _fail(f"{cli} was not built")
    return cli


def _run(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        _fail(f"{what} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    _say(f"{what}: ok in {seconds:.2f} s")
    done.seconds = seconds  # type: ignore[attr-defined]
    return done


def smoke(dist: Path) -> dict[str, float]:
    """Run the frozen app as a user would, offline, with its own data folders."""
    cli = frozen_cli(dist)
    sample = dist / bundle.APP_NAME / "_internal" / "samples" / "sample_project.json"
    if not sample.is_file():
        sample = next((dist / bundle.APP_NAME).rglob("sample_project.json"), sample)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
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
            book = archive.read("xl/workbook.xml").decode()
        if "xl/charts/chart1.xml" not in names or 'name="Monthly"' not in book:
            _fail("report --xlsx: the workbook lacks its Monthly sheet or charts")
        _say(f"  workbook: {workbook.stat().st_size:,} bytes, {len(names)} parts")
        shot = work / "window.png"
        run = _run([str(cli), "--screenshot", str(shot)], env, "--screenshot")
        if not shot.is_file() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            _fail("--screenshot: no PNG written")
        if shot.stat().st_size < 20_000:
            _fail(f"--screenshot: the PNG is only {shot.stat().st_size} bytes")
        _say(f"  {run.stdout.strip()}")
        figures["startup_s"] = run.seconds  # type: ignore[attr-defined]
        keep = os.environ.get("BUNDLE_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="smoke-run dist/ as it is")
    parser.add_argument("--max-mb", type=float, default=200.0, help="largest bundle allowed")
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
        link_command_line(dist / bundle.APP_NAME)
        build_s = time.perf_counter() - started
        _say(f"built in {build_s:.0f} s")
    folder = dist / bundle.APP_NAME
    size_mb = folder_size(folder) / 2**20
    _say(f"bundle {folder}: {size_mb:.1f} MB (limit {args.max_mb:.0f} MB); largest parts:")
    for name, size in largest_parts(folder):
        _say(f"  {size / 2**20:7.1f} MB  {name}")
    figures = smoke(dist)
    _say(
        f"summary: build {build_s:.0f} s, bundle {size_mb:.1f} MB, "
        f"frozen start-up to the screenshot {figures['startup_s']:.2f} s"
    )
    if size_mb > args.max_mb:
        _fail(f"the bundle is {size_mb:.1f} MB, over {args.max_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
