"""`import-prices CSV --into PROJECT --site NAME`: the profile lands on the site and the
project is saved with a backup; a file with problems lists them all by line, exits 2 and
leaves the project byte for byte as it was."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner.cli import main
from planner.io.project_file import load_project, project_to_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
SITE = "Pecos, TX"

# Three days of hourly prices from local midnight of 2024-11-02 in Chicago, the 3rd with
# 01:00 twice (CDT, then CST): 24 + 25 + 24 = 73 hours.
HOURS = [f"2024-11-02 {h:02d}:00" for h in range(24)]
HOURS += ["2024-11-03 00:00", "2024-11-03 01:00", "2024-11-03 01:00"]
HOURS += [f"2024-11-03 {h:02d}:00" for h in range(2, 24)]
HOURS += [f"2024-11-04 {h:02d}:00" for h in range(24)]
PLAIN = "timestamp,usd_per_mwh\n" + "".join(f"{t},{30 + k}\n" for k, t in enumerate(HOURS))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse's own errors
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A price file and a copy of the sample whose ERCOT site has no profile yet."""
    sample = load_project(SAMPLE)
    sites = [
        s.model_copy(update={"price_profile": None}) if s.name == SITE else s for s in sample.sites
    ]
    project = tmp_path / "plan.json"
    project.write_text(
        project_to_json(sample.model_copy(update={"sites": sites})), encoding="utf-8"
    )
    prices = tmp_path / "prices.csv"
    prices.write_text(PLAIN, encoding="utf-8")
    return prices, project


def test_the_prices_are_imported_into_the_site(capsys, files) -> None:
    prices, project = files
    before = project.read_bytes()
    code, out, err = run(
        capsys, "import-prices", str(prices), "--into", str(project), "--site", SITE,
        "--scale-to-contract",
    )  # fmt: skip
    assert (code, err) == (0, "")
    # Mean of 30..102 is 66; the last hour starts at 23:00 local on Nov 4.
    assert out.splitlines() == [
        f"{prices}: 73 hourly prices from 2024-11-02 00:00 to 2024-11-04 23:00 "
        "(America/Chicago), mean 66.00 USD/MWh, 30.00 to 102.00",
        f"imported into {project}, site 'Pecos, TX' (previous version kept as plan.json.bak)",
    ]
    assert (project.parent / "plan.json.bak").read_bytes() == before
    profile = load_project(project).sites[0].price_profile
    assert profile is not None and profile.scale_to_contract
    assert profile.start_utc == datetime(2024, 11, 2, 5, tzinfo=UTC)
    assert profile.usd_per_mwh == [float(30 + k) for k in range(73)]
    assert profile.source == "prices.csv"
    # Again, into the same site: said that it replaces the profile there.
    code, out, _ = run(
        capsys, "import-prices", str(prices), "--into", str(project), "--site", SITE, "--dry-run"
    )
    assert code == 0 and "  replaces the site's profile from prices.csv\n" in out


def test_a_file_with_problems_changes_nothing(capsys, files) -> None:
    prices, project = files
    lines = PLAIN.splitlines()
    lines[3] = "2024-11-02 02:00,n/a"  # line 4
    lines[10] = lines[9]  # line 11 repeats line 10 (08:00): 09:00 is missing
    prices.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = project.read_bytes()
    code, out, err = run(
        capsys, "import-prices", str(prices), "--into", str(project), "--site", SITE
    )
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"planner: error: {prices}: line 4: 2024-11-02 02:00: price 'n/a' is not a number",
        f"planner: error: {prices}: line 11: duplicate timestamp 2024-11-02 08:00 (also line 10)",
        f"planner: error: {prices}: line 12: gap: 1 missing interval(s) between 2024-11-02 08:00 "
        "(line 10) and 2024-11-02 10:00",
        f"planner: error: nothing imported: 3 problem(s) in {prices}",
    ]
    assert project.read_bytes() == before
    assert not (project.parent / "plan.json.bak").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--site", "Nowhere"], "--site: unknown site 'Nowhere' (the project has: 'Pecos, TX', "),
        (
            ["--site", SITE, "--time-zone", "Mars/Olympus"],
            "--time-zone: unknown time zone 'Mars/Olympus'",
        ),
        (["--site", SITE, "--settlement-point", "HB_NORTH"], "has no settlement points"),
    ],
)
def test_bad_flags_exit_2(capsys, files, extra: list[str], message: str) -> None:
    prices, project = files
    before = project.read_bytes()
    code, out, err = run(capsys, "import-prices", str(prices), "--into", str(project), *extra)
    assert code == 2 and out == ""
    assert err.startswith("planner: error: ") and message in err
    assert err.count("\n") == 1
    assert project.read_bytes() == before


def test_an_ercot_file_with_several_points_names_them(capsys, files) -> None:
    prices, project = files
    prices.write_text(
        "Delivery Date,Delivery Hour,Delivery Interval,Repeated Hour Flag,"
        "Settlement Point Name,Settlement Point Type,Settlement Point Price\n"
        + "".join(
            f"01/01/2024,{h},{q},N,{point},HU,{20 + h}\n"
            for h in (1, 2)
            for q in (1, 2, 3, 4)
            for point in ("HB_NORTH", "HB_WEST")
        ),
        encoding="utf-8",
    )
    args = ["import-prices", str(prices), "--into", str(project), "--site", SITE]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err == (
        f"planner: error: {prices}: holds prices for 2 settlement points (HB_NORTH, HB_WEST); "
        "choose one: name one with --settlement-point NAME\n"
    )
    code, _, err = run(capsys, *args, "--settlement-point", "LZ_SOUTH")
    assert code == 2
    assert err == (
        "planner: error: --settlement-point: settlement point 'LZ_SOUTH' is not in the file "
        "(it has: HB_NORTH, HB_WEST)\n"
    )
    code, out, _ = run(capsys, *args, "--settlement-point", "HB_WEST")
    assert code == 0
    assert out.startswith(f"{prices}: 8 15-minute prices from 2024-01-01 00:00 to 2024-01-01 01:45")
    profile = load_project(project).sites[0].price_profile
    assert profile is not None and profile.usd_per_mwh == [21.0] * 4 + [22.0] * 4


def test_the_project_is_not_the_price_file(capsys, files) -> None:
    _, project = files
    code, _, err = run(
        capsys, "import-prices", str(project), "--into", str(project), "--site", SITE
    )
    assert code == 2 and "is the price file" in err


def test_the_command_is_listed(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "import-prices" in out
    code, out, _ = run(capsys, "import-prices", "--help")
    assert code == 0 and "--settlement-point" in out and "--scale-to-contract" in out


def test_a_reimport_keeps_the_sites_time_zone(capsys, files) -> None:
    prices, project = files
    # Timestamps in UTC, into the site in Denver's time: again without --time-zone, the
    # profile keeps Denver's clock.
    prices.write_text("2024-01-01T07:00:00Z,10\n2024-01-01T08:00:00Z,11\n", encoding="utf-8")
    args = ["import-prices", str(prices), "--into", str(project), "--site", SITE]
    assert run(capsys, *args, "--time-zone", "America/Denver")[0] == 0
    code, out, _ = run(capsys, *args)
    assert code == 0
    # 07:00 UTC is midnight in Denver (UTC-7 in January).
    assert "2 hourly prices from 2024-01-01 00:00 to 2024-01-01 01:00 (America/Denver)" in out
    profile = load_project(project).sites[0].price_profile
    assert profile is not None and profile.time_zone == "America/Denver"
