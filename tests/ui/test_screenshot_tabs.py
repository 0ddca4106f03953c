"""`--screenshot OUT.png --tab NAME --size WxH`: any tab, nested ones too, at a size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from planner import cli
from planner.ui.main_window import MainWindow


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Screenshots in this process keep the conftest's scratch settings."""
    monkeypatch.setattr("planner.ui.app.use_scratch_profile", lambda: None)
    monkeypatch.chdir(tmp_path)


def _size(path: Path) -> tuple[int, int]:
    image = QImage(str(path))
    assert not image.isNull()
    return image.width(), image.height()


def _open_windows() -> list[MainWindow]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
    ]


def test_a_named_tab_renders_a_png_of_the_asked_size(tmp_path: Path) -> None:
    out = tmp_path / "catalog.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    env.pop("PLANNER_DATA_DIR", None)
    flags = ["--screenshot", str(out), "--tab", "rig CATALOG", "--size", "1280x720"]
    done = subprocess.run(
        [sys.executable, "-m", "planner", *flags],
        capture_output=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1280 x 720 PNG" in done.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _size(out) == (1280, 720)


@pytest.mark.parametrize(
    ("name", "size", "outer", "inner"),
    [
        ("Decisions/Sensitivity", "1600x1000", "Decisions", "Sensitivity"),
        (" decisions / MONTE carlo ", "800x600", "Decisions", "Monte Carlo"),
        ("ai/hpc", "1280x720", "AI/HPC", None),
        ("AI/HPC/Sensitivity to BTC price", "1280x720", "AI/HPC", None),
    ],
)
def test_a_tab_is_rendered_in_front_once_its_figures_are_shown(
    in_process, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name, size, outer, inner
) -> None:
    seen: dict[str, Any] = {}
    grab = MainWindow.grab

    def grab_and_look(window: MainWindow, *args: Any) -> Any:
        seen["tab"] = window.tabs.tabText(window.tabs.currentIndex())
        seen["sub"] = window.decisions.tabs.tabText(window.decisions.tabs.currentIndex())
        panel = window.hpc if window.tabs.currentWidget() is window.hpc else window.decisions
        seen["settled"] = panel.settled()
        seen["updating"] = panel.updating.isVisible()
        seen["shown"] = window.hpc.analysis is not None
        return grab(window, *args)

    monkeypatch.setattr(MainWindow, "grab", grab_and_look)
    out = tmp_path / "tab.png"
    assert cli.main(["--screenshot", str(out), "--tab", name, "--size", size]) == 0
    width, height = (int(n) for n in size.split("x"))
    assert _size(out) == (width, height)
    assert seen["tab"] == outer and seen["settled"] and not seen["updating"]
    if inner is not None:
        assert seen["sub"] == inner
    if outer == "AI/HPC":
        assert seen["shown"]  # the options of each site, analysed in the background
    assert _open_windows() == []


def test_an_unknown_tab_is_an_error_listing_the_tabs(
    in_process, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "nope.png"
    assert cli.main(["--screenshot", str(out), "--tab", "Decisions/Nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.startswith("planner: error: --tab: no tab named 'Decisions/Nope'; the tabs: ")
    assert err.endswith("\n") and err.count("\n") == 1
    names = err.split("the tabs: ", 1)[1].rstrip("\n").split(", ")
    assert names[:2] == ["Fleet", "Sites"]
    for listed in ("AI/HPC", "Decisions", "Decisions/Sensitivity", "Decisions/Monte Carlo"):
        assert listed in names
    assert not out.exists()
    assert _open_windows() == []


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        ("1280", "must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got '1280'"),
        ("1280x", "must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got '1280x'"),
        ("1280x720x2", "must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got '1280x720x2'"),
        ("1280 by 720", "must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got '1280 by 720'"),
        ("799x600", "must be from 800x600 to 7680x4320, got 799x600"),
        ("800x599", "must be from 800x600 to 7680x4320, got 800x599"),
        ("7681x4320", "must be from 800x600 to 7680x4320, got 7681x4320"),
        ("7680x4321", "must be from 800x600 to 7680x4320, got 7680x4321"),
    ],
)
def test_a_bad_size_exits_2_naming_the_flag(
    in_process, capsys: pytest.CaptureFixture[str], tmp_path: Path, size: str, problem: str
) -> None:
    out = tmp_path / "x.png"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--screenshot", str(out), "--size", size])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == f"planner: error: argument --size: {problem}\n"
    assert not out.exists()
    assert _open_windows() == []


@pytest.mark.parametrize("flags", [["--tab", "Fleet"], ["--size", "1280x720"]])
def test_tab_and_size_are_for_the_screenshot_only(
    in_process, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    assert cli.main(flags) == 2
    assert capsys.readouterr().err == f"planner: error: {flags[0]}: only with --screenshot\n"
    assert _open_windows() == []
