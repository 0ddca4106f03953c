"""`import --create-site NAME=CAPACITY_MW`: sites the sheet names and the project lacks are
created with the rows at them; without the flag those rows are refused naming it; a bad
flag value exits 2 and leaves the project byte for byte as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli import main
from planner.io.project_file import load_project

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"

SHEET = (
    "Acme Mining - ASIC inventory\n"
    "As of 2026-11-15\n"
    "\n"
    "Miner,Qty,Location,Unit cost ($),Purchase date\n"
    '"Antminer S21",100,Dallas,2800,2026-12\n'
    "\n"
    '"Antminer S21",50,"Pecos, TX",2800,2026-12\n'
    '"Antminer S21 XP",20,dallas,6939,2026-12\n'
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own errors
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "plan.json"
    project.write_bytes(SAMPLE.read_bytes())
    sheet = tmp_path / "fleet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    return sheet, project


def test_rows_at_an_unknown_site_are_refused_naming_the_flag(capsys, files) -> None:
    sheet, project = files
    before = project.read_bytes()
    code, out, err = run(capsys, "import", str(sheet), "--into", str(project))
    assert code == 2
    assert err.splitlines() == [
        f"planner: error: {sheet}: rows 5, 8, Location ('Dallas'): unknown site (the project "
        "has: Pecos, TX, Hosted - Ohio, Williston, ND); create it with --create-site "
        '"Dallas=CAPACITY_MW" (its rigs draw 0.42 MW)',
        "planner: error: nothing imported: 1 problem(s)",
    ]
    assert "  'Unit cost ($)' -> Unit price (USD)\n" in out
    assert "  'Location' -> Site\n" in out and "skipped row 6: blank row" in out
    assert project.read_bytes() == before
    assert sorted(p.name for p in project.parent.iterdir()) == ["fleet.csv", "plan.json"]


def test_create_site_adds_the_site_and_its_rows(capsys, files) -> None:
    sheet, project = files
    code, out, err = run(
        capsys,
        "import",
        str(sheet),
        "--into",
        str(project),
        "--create-site",
        "DALLAS=12",
        "--new-site-contract",
        "Ohio all-in hosting",
    )
    assert code == 0, err
    assert "  new site 'Dallas' (rows 5, 8): 12 MW, contract 'Ohio all-in hosting'\n" in out
    after = load_project(project)
    dallas = after.sites[-1]
    assert (dallas.name, dallas.capacity_mw, dallas.contract) == (
        "Dallas",
        12.0,
        "Ohio all-in hosting",
    )
    added = after.fleet[-3:]
    assert [(r.name, r.site, r.count) for r in added] == [
        ("Antminer S21 (5)", "Dallas", 100),
        ("Antminer S21 (7)", "Pecos, TX", 50),
        ("Antminer S21 XP (8)", "Dallas", 20),
    ]
    # no degradation column: each row takes its model's figure in the fleet
    assert [r.degradation_per_year for r in added] == [0.025, 0.025, 0.02]
    assert "row 8 (Antminer S21 XP): degradation 2.0%/yr, as the fleet's" in out


def test_the_default_contract_is_the_projects_first(capsys, files) -> None:
    sheet, project = files
    code, _out, _err = run(
        capsys, "import", str(sheet), "--into", str(project), "--create-site", "Dallas=12 MW"
    )
    assert code == 0
    assert load_project(project).sites[-1].contract == "ERCOT index + adder"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--create-site", "Dallas"],
            "argument --create-site: expected NAME=CAPACITY_MW such as "
            "\"Abilene, TX=12\", got 'Dallas'",
        ),
        (
            ["--create-site", "Dallas=twelve"],
            "argument --create-site: 'Dallas': capacity 'twelve' is not a number of MW",
        ),
        (
            ["--create-site", "Dallas=0"],
            "argument --create-site: 'Dallas': capacity must be more than 0 MW, got 0",
        ),
        (
            ["--create-site", "Dallas=-5"],
            "argument --create-site: 'Dallas': capacity must be more than 0 MW, got -5",
        ),
        (
            ["--create-site", "Dalas=12"],
            "--create-site: the sheet has no rows at a site called 'Dalas' "
            "(the sites it names that the project lacks: 'Dallas')",
        ),
        (
            ["--create-site", "Pecos, TX=12"],
            "--create-site: 'Pecos, TX' is already a site of the project",
        ),
        (
            ["--create-site", "Dallas=12", "--create-site", "dallas=3"],
            "--create-site: 'dallas' is given twice",
        ),
        (
            ["--create-site", "Dallas=12", "--new-site-contract", "Nope"],
            "--new-site-contract: unknown power contract 'Nope' (the project has: "
            "ERCOT index + adder, Ohio all-in hosting, North Dakota wind PPA)",
        ),
        (
            ["--new-site-contract", "Ohio all-in hosting"],
            "--new-site-contract: no --create-site to give the contract to",
        ),
    ],
)
def test_bad_flag_values_exit_2_and_write_nothing(capsys, files, flags, message) -> None:
    sheet, project = files
    before = project.read_bytes()
    code, _out, err = run(capsys, "import", str(sheet), "--into", str(project), *flags)
    assert code == 2
    assert err.splitlines()[-1] == f"planner: error: {message}"
    assert project.read_bytes() == before
    assert sorted(p.name for p in project.parent.iterdir()) == ["fleet.csv", "plan.json"]


def test_a_bad_capacity_from_the_shell(files) -> None:
    """As a user runs it: the message on stderr, exit 2, the project untouched."""
    sheet, project = files
    before = project.read_bytes()
    flags = ["--into", str(project), "--create-site", "Dallas=12 GW"]
    done = subprocess.run(
        [sys.executable, "-m", "planner", "import", str(sheet), *flags],
        capture_output=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "planner: error: argument --create-site: 'Dallas': capacity '12 GW' is not a number of MW\n"
    )
    assert project.read_bytes() == before


def test_a_dry_run_shows_the_site_it_would_create_and_writes_nothing(capsys, files) -> None:
    sheet, project = files
    before = project.read_bytes()
    code, out, _err = run(
        capsys,
        "import",
        str(sheet),
        "--into",
        str(project),
        "--create-site",
        "Dallas=12",
        "--dry-run",
    )
    assert code == 0
    assert "new site 'Dallas' (rows 5, 8): 12 MW" in out and "dry run" in out
    assert project.read_bytes() == before


def test_the_preview_speaks_the_sheets_headers_and_row_numbers(capsys, tmp_path: Path) -> None:
    project = tmp_path / "plan.json"
    project.write_bytes(SAMPLE.read_bytes())
    inventory = ROOT / "samples" / "fleet-inventory.xlsx"
    code, out, _err = run(capsys, "import", str(inventory), "--into", str(project), "--dry-run")
    assert code == 0
    lines = out.splitlines()
    assert "  'Unit cost ($)' -> Unit price (USD)" in lines
    assert "  'Power (kW)' -> Power (W)" in lines
    assert not any("unit_price_usd" in line or "purchase_month" in line for line in lines)
    assert "  new catalog entry 'Bitmain Antminer S21e XP Hyd 3U' (row 15): 860 TH/s, 11,180 W" in (
        lines
    )
    assert "  skipped row 9: blank row" in lines
    assert (
        "  9 row(s) already in the fleet (same model, site, rigs and purchase month; adding "
        "imports them again): row 5 is 'S19j Pro 2021', row 6 is 'M50S 2022', row 7 is "
        "'S19 XP Hyd 2023', row 8 is 'S19 XP 2023', row 10 is 'S21 2024', ..."
    ) in lines
    assert (
        "  note: row 15 (Bitmain Antminer S21e XP Hyd 3U): degradation 2.5%/yr, the project's "
        "default, the median of its 11 fleet rows; the fleet has no Bitmain Antminer S21e XP Hyd 3U"
    ) in lines
