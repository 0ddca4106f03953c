"""The board pack PDF: its pages, the figures on them, and `report --pdf`."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli import main
from planner.engine import run
from planner.engine.montecarlo import MonteCarloSettings
from planner.io import display
from planner.io.report import build_report
from planner.io.resources import sample_project_path
from planner.ui.board_pack import bridge_lines, write_board_pack

FEW_PATHS = MonteCarloSettings(paths=200, seed=7)
TITLES = (
    "Key figures",
    "Fleet NPV bridge",
    "Scenarios side by side",
    "Monthly cash flow",
    "Cumulative free cash flow",
    "AI/HPC conversion",
    "Monte Carlo",
)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
    reason="poppler-utils (pdftotext, pdfinfo) not installed",
)


def page_count(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page/")


def pages_text(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    return out.split("\f")[:-1]


@pytest.fixture
def sample_pack(tmp_path: Path, sample) -> Path:
    path = tmp_path / "pack.pdf"
    write_board_pack(sample, path, settings=FEW_PATHS)
    return path


def test_the_pdf_starts_and_ends_as_a_pdf(sample_pack: Path) -> None:
    data = sample_pack.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert page_count(sample_pack) == len(TITLES)


@needs_poppler
def test_the_sample_pack_has_a_page_per_topic_with_header_and_number(
    sample_pack: Path, sample
) -> None:
    info = subprocess.run(
        ["pdfinfo", str(sample_pack)], capture_output=True, text=True, encoding="utf-8", check=True
    ).stdout
    assert "Pages:           7" in info
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert width > height  # landscape
    texts = pages_text(sample_pack)
    assert len(texts) == len(TITLES)
    for number, (text, title) in enumerate(zip(texts, TITLES, strict=True), start=1):
        assert title in text
        assert sample.name in text
        assert "Scenario Base" in text
        assert f"Page {number} of {len(TITLES)}" in text


@needs_poppler
def test_the_kpi_page_shows_the_fleet_figures_as_the_window_writes_them(
    sample_pack: Path, sample
) -> None:
    report = build_report(sample, run(sample), uncertainty=False)
    fleet = report["fleet"]
    kpis = pages_text(sample_pack)[0]
    assert display.money(fleet["npv_usd"]) in kpis
    assert display.percent(fleet["irr_annual"]) in kpis
    assert display.usd_per_btc(fleet["cost_per_btc_cash_usd"]) in kpis
    assert display.usd_per_btc(fleet["cost_per_btc_all_in_usd"]) in kpis
    assert fleet["next_halving_date"] in kpis
    assert f"{fleet['btc_mined']:,.2f} BTC" in kpis


@needs_poppler
def test_the_bridge_page_adds_up_to_the_fleet_npv(sample_pack: Path, sample) -> None:
    report = build_report(sample, run(sample), uncertainty=False)
    npv = report["fleet"]["npv_usd"]
    lines, total = bridge_lines(report["bridge"])
    assert total == pytest.approx(npv, abs=1e-3)
    assert math.fsum(line.npv_usd for line in lines) == pytest.approx(npv, abs=1e-3)
    bridge = pages_text(sample_pack)[1]
    fleet_line = next(line for line in bridge.splitlines() if "Fleet NPV" in line and "sum" in line)
    assert display.money(npv) in fleet_line


def test_a_long_bridge_keeps_the_largest_lines_and_sums_the_rest() -> None:
    bridge = [
        {"label": f"row {i}", "npv_usd": float((-1) ** i * i * 1000), "kind": "row", "site": "A"}
        for i in range(1, 41)
    ]
    lines, total = bridge_lines(bridge, max_lines=10)
    assert len(lines) == 10
    assert [line.label for line in lines[:9]] == [f"row {i}" for i in range(32, 41)]
    assert lines[-1].kind == "other" and lines[-1].label == "Other 31 lines"
    assert math.fsum(line.npv_usd for line in lines) == pytest.approx(total)
    assert total == pytest.approx(sum(b["npv_usd"] for b in bridge))
    short, _ = bridge_lines(bridge[:5], max_lines=10)
    assert [line.label for line in short] == [f"row {i}" for i in range(1, 6)]


@needs_poppler
def test_a_project_without_ai_hpc_plans_has_no_ai_hpc_page(tmp_path: Path, sample) -> None:
    project = sample.model_copy(update={"conversions": []})
    path = tmp_path / "no-hpc.pdf"
    write_board_pack(project, path, "Bear", months=36, settings=FEW_PATHS)
    texts = pages_text(path)
    assert len(texts) == len(TITLES) - 1
    assert not any("AI/HPC" in text for text in texts)
    assert all("Scenario Bear" in text for text in texts)
    assert "Monte Carlo" in texts[-1] and "P50" in texts[-1] and "P95" in texts[-1]


def test_an_unknown_scenario_writes_nothing(tmp_path: Path, sample) -> None:
    path = tmp_path / "pack.pdf"
    with pytest.raises(KeyError):
        write_board_pack(sample, path, "Nope", settings=FEW_PATHS)
    assert not path.exists()


def test_report_pdf_writes_the_pack_and_still_prints_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "board.pdf"
    code = main(["report", str(sample_project_path()), "--pdf", str(path), "--paths", "100"])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"wrote {path}" in err
    assert out.startswith("Sample")  # the text report, as without --pdf
    assert page_count(path) == len(TITLES)


@pytest.mark.parametrize("case", ["read-only file", "missing folder", "not a pdf"])
def test_report_pdf_to_a_path_that_cannot_be_written_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    if case == "read-only file":
        path = tmp_path / "locked.pdf"
        path.write_bytes(b"old")
        path.chmod(0o444)
    elif case == "missing folder":
        path = tmp_path / "nowhere" / "board.pdf"
    else:
        path = tmp_path / "board.txt"
    try:
        code = main(["report", str(sample_project_path()), "--pdf", str(path), "--paths", "50"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("planner: error: --pdf:")
    named = path.parent if case == "missing folder" else path
    assert str(named) in err
    assert "Traceback" not in err
    if case == "read-only file":
        assert path.read_bytes() == b"old"


def test_the_command_writes_the_pack_in_a_process_without_a_window(tmp_path: Path) -> None:
    path = tmp_path / "board.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    command = [sys.executable, "-m", "planner", "report", str(sample_project_path())]
    done = subprocess.run(
        [*command, "--json", "--paths", "50", "--pdf", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")  # the JSON report, unchanged by --pdf
    assert page_count(path) == len(TITLES)
