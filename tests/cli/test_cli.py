"""The command line, run in-process through planner.cli.main (plus one real subprocess)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from planner import __version__
from planner.cli import main
from planner.io.project_file import load_project

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
SITE_NAMES = ["Pecos, TX", "Hosted - Ohio", "Williston, ND"]

KPI_KEYS = {
    "npv_usd",
    "irr_annual",
    "payback_months",
    "discounted_payback_months",
    "roi",
    "btc_mined",
    "revenue_usd",
    "capex_usd",
    "cost_per_btc_cash_usd",
    "cost_per_btc_all_in_usd",
}
ROW_KEYS = {
    "name",
    "site",
    "model",
    "count",
    *KPI_KEYS,
    "breakeven_btc_price_usd",
    "breakeven_hashprice_usd_per_ph_day",
    "breakeven_power_usd_per_kwh",
    "unprofitable_from_month",
}
MONTHLY_KEYS = {
    "month",
    "days",
    "blocks",
    "block_height_start",
    "subsidy_btc",
    "fees_btc",
    "network_hashrate_ehs",
    "btc_price_usd",
    "hashprice_usd_per_ph_day",
    "btc_mined",
    "revenue_usd",
    "curtailment_credit_usd",
    "power_cost_usd",
    "opex_usd",
    "ebitda_usd",
    "capex_usd",
    "depreciation_usd",
    "tax_usd",
    "free_cash_flow_usd",
    "cumulative_fcf_usd",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse exits on --help, --version and usage errors
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def report_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    code, out, err = run(capsys, "report", str(SAMPLE), "--json", *extra)
    assert (code, err) == (0, "")
    return json.loads(out)


@pytest.fixture(scope="module")
def base_report() -> dict[str, Any]:
    """The sample's JSON report under its active scenario (computed once; capsys is per test)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["report", str(SAMPLE), "--json"]) == 0
    return json.loads(buffer.getvalue())


def assert_user_error(code: int, out: str, err: str, *named: str) -> None:
    """Exit 2, nothing on stdout, one `planner: error:` line on stderr naming the place."""
    assert code == 2
    assert out == ""
    assert err.endswith("\n")
    assert len(err.splitlines()) == 1, err
    assert err.startswith("planner: error: "), err
    assert "Traceback" not in err
    for text in named:
        assert text in err, (text, err)


# ---------------------------------------------------------------- report --json


def test_report_json_fleet(base_report: dict[str, Any]) -> None:
    assert base_report["project"] == "Sample: mid-size miner, 3 sites"
    assert base_report["scenario"] == "Base"
    assert base_report["start_month"] == "2026-12"
    assert base_report["horizon_months"] == 60
    fleet = base_report["fleet"]
    assert KPI_KEYS | {"next_halving_height", "next_halving_date"} <= fleet.keys()
    assert fleet["next_halving_height"] == 1_050_000
    assert re.fullmatch(r"2028-04-\d{2}", fleet["next_halving_date"])
    assert fleet["rigs"] == 20_600
    assert isinstance(fleet["npv_usd"], float)
    assert fleet["capex_usd"] == pytest.approx(26_970_000.0)  # two orders + Williston capex
    assert fleet["btc_mined"] > 0
    assert fleet["cost_per_btc_all_in_usd"] > fleet["cost_per_btc_cash_usd"] > 0


def test_report_json_sites_and_rows(base_report: dict[str, Any]) -> None:
    sites = base_report["sites"]
    assert [s["name"] for s in sites] == SITE_NAMES
    for site in sites:
        assert site.keys() >= KPI_KEYS
    assert sum(s["btc_mined"] for s in sites) == pytest.approx(base_report["fleet"]["btc_mined"])
    rows = base_report["rows"]
    assert len(rows) == 11
    for row in rows:
        assert row.keys() >= ROW_KEYS, ROW_KEYS - row.keys()
        assert row["site"] in SITE_NAMES
    assert rows[0]["name"] == "S19j Pro 2021"
    assert rows[0]["model"] == "Antminer S19j Pro"
    assert rows[0]["count"] == 4000
    assert sum(r["count"] for r in rows) == 20_600
    assert sum(r["btc_mined"] for r in rows) == pytest.approx(base_report["fleet"]["btc_mined"])


def test_report_json_monthly(base_report: dict[str, Any]) -> None:
    monthly = base_report["monthly"]
    assert len(monthly) == 60
    for entry in monthly:
        assert entry.keys() >= MONTHLY_KEYS, MONTHLY_KEYS - entry.keys()
    assert monthly[0]["month"] == "2026-12"
    assert monthly[-1]["month"] == "2031-11"
    assert monthly[0]["days"] == 31
    total_fcf = sum(entry["free_cash_flow_usd"] for entry in monthly)
    assert total_fcf == pytest.approx(monthly[-1]["cumulative_fcf_usd"], rel=1e-9)
    assert total_fcf == pytest.approx(base_report["fleet"]["free_cash_flow_usd"], rel=1e-9)
    running = 0.0
    for entry in monthly:
        running += entry["free_cash_flow_usd"]
        assert entry["cumulative_fcf_usd"] == pytest.approx(running, rel=1e-9, abs=1e-3)
    assert sum(e["btc_mined"] for e in monthly) == pytest.approx(base_report["fleet"]["btc_mined"])
    # subsidy_btc is the month's total; the halving at block 1,050,000 (April 2028) takes
    # the per-block subsidy from 3.125 to 1.5625 BTC
    first, last = monthly[0], monthly[-1]
    # 31 days at the month's block time (the sample starts from 144.40 T at 1,033.7 EH/s).
    assert first["blocks"] == pytest.approx(31 * 86_400 / first["block_time_s"])
    assert first["blocks"] == pytest.approx(31 * 144, rel=1e-4)
    assert first["subsidy_btc"] / first["blocks"] == pytest.approx(3.125)
    assert last["subsidy_btc"] / last["blocks"] == pytest.approx(1.5625)


def test_report_months_override(capsys: pytest.CaptureFixture[str]) -> None:
    report = report_json(capsys, "--months", "24")
    assert report["horizon_months"] == 24
    assert len(report["monthly"]) == 24
    assert report["monthly"][-1]["month"] == "2028-11"


def test_report_scenario_override(
    capsys: pytest.CaptureFixture[str], base_report: dict[str, Any]
) -> None:
    bull = report_json(capsys, "--scenario", "Bull")
    assert bull["scenario"] == "Bull"
    assert bull["monthly"][0]["btc_price_usd"] == 90_000.0
    assert base_report["monthly"][0]["btc_price_usd"] == 67_000.0
    assert bull["fleet"]["npv_usd"] > base_report["fleet"]["npv_usd"]
    bear = report_json(capsys, "--scenario", "Bear")
    assert bear["fleet"]["npv_usd"] < base_report["fleet"]["npv_usd"]


# ------------------------------------------------------------------ text report


def test_report_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", str(SAMPLE))
    assert (code, err) == (0, "")
    assert out.startswith("Sample: mid-size miner, 3 sites\n")
    lines = out.splitlines()
    for heading in ("Fleet", "Sites", "Fleet rows"):
        assert heading in lines
    for name in SITE_NAMES:
        assert name in out
    assert "1,050,000" in out
    assert "Scenario Base: 2026-12, 60 months" in out


def test_no_arguments_opens_the_window_on_the_sample(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.ui.app

    opened: list[tuple[Any, ...]] = []
    monkeypatch.setattr(planner.ui.app, "run_gui", lambda *args: opened.append(args) or 0)
    assert run(capsys) == (0, "", "")
    project, path, screenshot = opened[-1]
    assert project == load_project(SAMPLE) and path is None and screenshot is None
    assert run(capsys, str(SAMPLE))[0] == 0
    assert opened[-1][1] == SAMPLE


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"planner {__version__}"


# ----------------------------------------------------------------------- schema


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert {
        "fleet",
        "sites",
        "contracts",
        "scenarios",
        "catalog",
        "finance",
        "schema_version",
    } <= schema["properties"].keys()
    assert schema["properties"]["schema_version"]["const"] == 2
    assert set(schema["required"]) == {"scenarios", "active_scenario"}
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$defs"]["FleetRow"]["additionalProperties"] is False


# ------------------------------------------------------------------------ bench


def test_bench_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bench", "--json", "--case", "50x12", "--repeats", "2")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == ["cases"]
    (case,) = data["cases"]
    assert {"rows", "months", "median_ms", "peak_mb"} <= case.keys()
    assert (case["rows"], case["months"]) == (50, 12)
    assert isinstance(case["median_ms"], float) and case["median_ms"] > 0
    assert isinstance(case["peak_mb"], float) and case["peak_mb"] >= 0


def test_bench_gui_case(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`--gui-case` times edits in the window (and only that): latency and the longest
    stall of the GUI thread. (Its settings scope: tests/ui/test_settings_scope.py.)"""
    from planner.ui.window_settings import use_scratch_settings

    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))  # restored afterwards
    try:
        code, out, err = run(capsys, "bench", "--json", "--gui-case", "20x12", "--repeats", "2")
    finally:
        use_scratch_settings(tmp_path / "settings")  # away from the bench's scratch scope
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == ["cases", "gui_edit"] and data["cases"] == []
    (case,) = data["gui_edit"]
    assert {"rows", "months", "median_ms", "max_ms", "stall_max_ms"} <= case.keys()
    assert (case["rows"], case["months"], case["edits"], case["burst_edits"]) == (20, 12, 2, 20)
    assert 0 < case["median_ms"] <= case["max_ms"]
    assert case["stall_max_ms"] > 0
    assert case["charts_median_ms"] > 0


# ----------------------------------------------------------------- user errors


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    code, out, err = run(capsys, "report", str(path))
    assert_user_error(code, out, err, str(path), "no such file")
    assert err == f"planner: error: {path}: no such file\n"


def test_missing_file_without_a_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    code, out, err = run(capsys, str(path))
    assert_user_error(code, out, err, str(path), "no such file")


def test_folder_instead_of_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "report", str(tmp_path))
    assert_user_error(code, out, err, str(tmp_path), "is a folder")


def test_bad_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 2,}', encoding="utf-8")
    code, out, err = run(capsys, "report", str(path))
    assert_user_error(code, out, err, str(path), "line 1, column 22", "invalid JSON")


def test_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe{}")
    code, out, err = run(capsys, "report", str(path))
    assert_user_error(code, out, err, str(path), "byte 0", "not UTF-8")


def test_invalid_values_list_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["fleet"][0]["count"] = -5
    data["sites"][0]["uptime"] = 1.5
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "report", str(path), "--json")
    # Intentionally several lines: a header, then one indented line per problem.
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [
        f"planner: error: {path}: 2 problems:",
        "  sites[0].uptime: must be <= 1, got 1.5",
        "  fleet[0].count: must be >= 0, got -5",
    ]


def test_one_invalid_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["fleet"][0]["count"] = -5
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "report", str(path))
    assert code == 2
    assert out == ""
    assert err == (f"planner: error: {path}: 1 problem:\n  fleet[0].count: must be >= 0, got -5\n")


def test_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", str(SAMPLE), "--scenario", "Nope")
    assert_user_error(code, out, err, "--scenario", "'Nope'", "Base, Bear, Bull")
    assert err == (
        "planner: error: --scenario: unknown scenario 'Nope' (the project has: Base, Bear, Bull)\n"
    )


def test_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", str(SAMPLE), "--bogus")
    assert_user_error(code, out, err, "--bogus")


def test_unknown_option_without_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--bogus")
    assert_user_error(code, out, err, "--bogus")


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ("10by5", "--case: expected ROWSxMONTHS such as 1000x120, got '10by5'"),
        ("10x5x2", "got '10x5x2'"),
        ("0x12", "--case: rows must be >= 1 and months 1-600, got '0x12'"),
        ("10x601", "got '10x601'"),
    ],
)
def test_bad_bench_case(capsys: pytest.CaptureFixture[str], case: str, named: str) -> None:
    code, out, err = run(capsys, "bench", "--case", case)
    assert_user_error(code, out, err, named)


def test_bad_bench_repeats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bench", "--case", "5x5", "--repeats", "0")
    assert_user_error(code, out, err, "--repeats: must be at least 1, got 0")


def test_bad_bench_gui_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bench", "--gui-case", "1000by120")
    assert_user_error(code, out, err, "--gui-case: expected ROWSxMONTHS such as 1000x120")
    code, out, err = run(capsys, "bench", "--gui-case", "20x12", "--no-gui")
    assert_user_error(code, out, err, "--gui-case: asks for the window, which --no-gui turns off")


SUBCOMMAND_USAGE_ERRORS = [
    pytest.param(["--months", "abc"], ["--months", "'abc'"], id="months-abc"),
    pytest.param(["--months", "0"], ["--months", "got 0"], id="months-0"),
    pytest.param(["--months", "601"], ["--months", "got 601"], id="months-601"),
    pytest.param(["--scenario"], ["--scenario", "expected one argument"], id="scenario-empty"),
]


@pytest.mark.parametrize(("extra", "named"), SUBCOMMAND_USAGE_ERRORS)
def test_bad_report_options(
    capsys: pytest.CaptureFixture[str], extra: list[str], named: list[str]
) -> None:
    code, out, err = run(capsys, "report", str(SAMPLE), *extra)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert "error: argument " in err
    assert "Traceback" not in err
    for text in named:
        assert text in err


@pytest.mark.parametrize(("extra", "named"), SUBCOMMAND_USAGE_ERRORS)
def test_bad_report_options_use_the_planner_prefix(
    capsys: pytest.CaptureFixture[str], extra: list[str], named: list[str]
) -> None:
    code, out, err = run(capsys, "report", str(SAMPLE), *extra)
    assert_user_error(code, out, err, *named)


def test_text_report_of_a_project_without_rigs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["fleet"] = []
    data["swaps"] = []  # they name fleet rows
    data["debt"] = [d for d in data.get("debt", []) if d["type"] != "equipment"]  # as do these
    path = tmp_path / "no_rigs.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "report", str(path), "--months", "3")
    assert (code, err) == (0, "")
    assert "Rigs" in out


# ------------------------------------------------------------- the real module


def test_python_dash_m_planner_report_json() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "planner", "report", "samples/sample_project.json", "--json"],
        cwd=ROOT,
        capture_output=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},  # not the locale's (cp1252 on Windows)
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    report = json.loads(done.stdout)
    assert report["fleet"]["next_halving_height"] == 1_050_000
    assert [s["name"] for s in report["sites"]] == SITE_NAMES
    assert len(report["rows"]) == 11
    assert len(report["monthly"]) == 60


def test_report_xlsx_writes_the_workbook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "plan.xlsx"
    code = main(["report", str(SAMPLE), "--xlsx", str(out), "--scenario", "Bear", "--json"])
    captured = capsys.readouterr()
    assert code == 0
    assert json.loads(captured.out)["scenario"] == "Bear"
    assert f"planner: wrote {out}" in captured.err
    book = load_workbook(out)
    assert book["Inputs"]["B5"].value == "Bear"
    assert book["Monthly"].max_row == 61


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plan.csv", "--xlsx: must name a .xlsx file, got"),
        ("missing/plan.xlsx", "--xlsx: folder"),
    ],
)
def test_report_xlsx_bad_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, message: str
) -> None:
    code = main(["report", str(SAMPLE), "--xlsx", str(tmp_path / name)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("planner: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_bench_excel(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--excel", "20x12", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["excel"][0]
    assert figures["rows"] == 20 and figures["months"] == 12
    assert figures["export_s"] > 0 and figures["import_s"] > 0 and figures["size_mb"] > 0


def test_bench_hpc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--hpc", "30x24", "--repeats", "2", "--json"]) == 0
    (figures,) = json.loads(capsys.readouterr().out)["hpc"]
    assert (figures["rows"], figures["months"], figures["sites"]) == (30, 24, 3)
    assert figures["median_ms"] >= figures["engine_median_ms"] > 0


def test_a_project_saved_as_mplan_opens(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The installers register .mplan (JSON inside) as the planner's project file."""
    path = tmp_path / "plan.mplan"
    path.write_bytes(SAMPLE.read_bytes())
    assert main(["report", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fleet"]["rigs"] == 20_600


def test_report_monte_carlo_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(SAMPLE), "--json", "--paths", "300", "--seed", "9"]) == 0
    mc = json.loads(capsys.readouterr().out)["monte_carlo"]
    assert (mc["paths"], mc["seed"]) == (300, 9)
    code, _out, err = run(capsys, "report", str(SAMPLE), "--paths", "0")
    assert code == 2
    assert "--paths: must be from 1 to 1,000,000, got 0" in err


def test_top_level_help_names_every_way_to_start(capsys) -> None:
    """`--help` shows the window's flags too, not only the commands."""
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for word in ("report", "schema", "import", "bench", "[PROJECT]", "--screenshot OUT.png"):
        assert word in out
