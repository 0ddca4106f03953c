"""Reading price files: the plain and ERCOT layouts give one profile for the same prices,
across both daylight-saving days; every problem is named by its line and timestamp."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner.io.import_prices import (
    MAX_PROBLEMS_SHOWN,
    PriceFileError,
    describe_profile,
    read_prices,
    with_price_profile,
)
from planner.io.project_file import load_project, parse_project, project_to_json
from planner.io.synthetic_prices import synthetic_ercot_profile

ROOT = Path(__file__).resolve().parents[2]
ERCOT_HEADER = (
    "Delivery Date,Delivery Hour,Delivery Interval,Repeated Hour Flag,"
    "Settlement Point Name,Settlement Point Type,Settlement Point Price"
)

# Local hours written by hand, not by zoneinfo: March 9-11 2024 in Chicago has 24 + 23 +
# 24 = 71 hours (no 02:00 on the 10th); November 2-4 has 24 + 25 + 24 = 73 (01:00 twice on
# the 3rd, first CDT then CST). Each entry: (month, day, local hour starting, repeated).
MARCH = [
    (3, day, hour, False) for day in (9, 10, 11) for hour in range(24) if (day, hour) != (10, 2)
]
NOVEMBER = [(11, 2, hour, False) for hour in range(24)]
NOVEMBER += [(11, 3, 0, False), (11, 3, 1, False), (11, 3, 1, True)]
NOVEMBER += [(11, 3, hour, False) for hour in range(2, 24)]
NOVEMBER += [(11, 4, hour, False) for hour in range(24)]


def price_of(k: int) -> float:
    return 20.0 + k + 0.25  # distinct, so that any reordering shows


def plain_file(path: Path, hours: list[tuple[int, int, int, bool]]) -> Path:
    lines = ["timestamp,usd_per_mwh"]
    for k, (month, day, hour, _repeated) in enumerate(hours):
        lines.append(f"2024-{month:02d}-{day:02d} {hour:02d}:00,{price_of(k)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ercot_file(
    path: Path, hours: list[tuple[int, int, int, bool]], points: tuple[str, ...] = ("HB_NORTH",)
) -> Path:
    """ERCOT's layout at 15 minutes: each hour's four intervals at the hour's price, for
    each settlement point (the second point's prices 1,000 higher)."""
    lines = [ERCOT_HEADER]
    for k, (month, day, hour, repeated) in enumerate(hours):
        for interval in (1, 2, 3, 4):
            for offset, point in enumerate(points):
                price = price_of(k) + 1_000 * offset
                flag = "Y" if repeated else "N"
                lines.append(
                    f"{month:02d}/{day:02d}/2024,{hour + 1},{interval},{flag},{point},HU,{price}"
                )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_plain_file_across_spring_forward(tmp_path: Path) -> None:
    profile = read_prices(plain_file(tmp_path / "march.csv", MARCH))
    # Local midnight of March 9 is CST (UTC-6): 06:00 UTC.
    assert profile.start_utc == datetime(2024, 3, 9, 6, tzinfo=UTC)
    assert profile.interval_minutes == 60
    assert profile.usd_per_mwh == [price_of(k) for k in range(71)]
    assert profile.time_zone == "America/Chicago"
    assert profile.source == "march.csv"
    # The 27th price (k = 26) is 03:00 CDT on the 10th: 08:00 UTC.
    starts = list(profile.interval_starts_local())
    assert (starts[26].day, starts[26].hour) == (10, 3)


def test_a_plain_file_across_fall_back(tmp_path: Path) -> None:
    profile = read_prices(plain_file(tmp_path / "november.csv", NOVEMBER))
    # Local midnight of November 2 is CDT (UTC-5): 05:00 UTC; 73 hours to Nov 5 06:00 UTC.
    assert profile.start_utc == datetime(2024, 11, 2, 5, tzinfo=UTC)
    assert profile.end_utc == datetime(2024, 11, 5, 6, tzinfo=UTC)
    assert profile.usd_per_mwh == [price_of(k) for k in range(73)]


@pytest.mark.parametrize("hours", [MARCH, NOVEMBER], ids=["march", "november"])
def test_both_layouts_give_the_same_profile(tmp_path: Path, hours: list) -> None:
    plain = read_prices(plain_file(tmp_path / "plain.csv", hours))
    ercot_hourly = tmp_path / "dam.csv"  # the day-ahead layout: no Delivery Interval
    lines = ["Delivery Date,Hour Ending,Repeated Hour Flag,Settlement Point,Settlement Point Price"]
    for k, (month, day, hour, repeated) in enumerate(hours):
        flag = "Y" if repeated else "N"
        lines.append(f"{month:02d}/{day:02d}/2024,{hour + 1:02d}:00,{flag},HB_NORTH,{price_of(k)}")
    ercot_hourly.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ercot = read_prices(ercot_hourly)
    assert ercot.source == "dam.csv (HB_NORTH)"
    assert ercot.model_copy(update={"source": plain.source}) == plain
    # At 15 minutes, each hour's price four times, from the same start.
    quarter = read_prices(ercot_file(tmp_path / "rtm.csv", hours))
    assert quarter.interval_minutes == 15
    assert quarter.start_utc == plain.start_utc
    assert quarter.usd_per_mwh == [p for p in plain.usd_per_mwh for _ in range(4)]


def test_timestamps_with_offsets_need_no_time_zone(tmp_path: Path) -> None:
    # The same March hours written in UTC: 71 hours from 2024-03-09 06:00Z.
    path = tmp_path / "utc.csv"
    lines = [
        f"2024-03-{9 + (6 + k) // 24:02d}T{(6 + k) % 24:02d}:00:00Z;{price_of(k)}"
        for k in range(71)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = read_prices(path)  # no header, ';' between the cells
    assert profile == read_prices(plain_file(tmp_path / "local.csv", MARCH)).model_copy(
        update={"source": "utc.csv"}
    )
    other_zone = read_prices(path, time_zone="Europe/Berlin")  # only months and hours move
    assert other_zone.start_utc == profile.start_utc and other_zone.time_zone == "Europe/Berlin"


def test_several_settlement_points_need_one_named(tmp_path: Path) -> None:
    path = ercot_file(tmp_path / "hubs.csv", MARCH, points=("HB_NORTH", "HB_WEST"))
    with pytest.raises(PriceFileError) as caught:
        read_prices(path)
    assert caught.value.settlement_points == ("HB_NORTH", "HB_WEST")
    assert "2 settlement points (HB_NORTH, HB_WEST)" in str(caught.value)
    west = read_prices(path, settlement_point="hb_west")
    assert west.source == "hubs.csv (HB_WEST)"
    assert west.usd_per_mwh[:5] == [1_020.25] * 4 + [1_021.25]
    with pytest.raises(PriceFileError, match="'LZ_HOUSTON' is not in the file"):
        read_prices(path, settlement_point="LZ_HOUSTON")


def problems_of(path: Path, **options: str) -> list[str]:
    with pytest.raises(PriceFileError) as caught:
        read_prices(path, **options)  # type: ignore[arg-type]
    return caught.value.lines()


def test_a_gap_a_duplicate_and_a_bad_number_are_named_by_line(tmp_path: Path) -> None:
    path = plain_file(tmp_path / "bad.csv", MARCH)
    lines = path.read_text(encoding="utf-8").splitlines()
    # Line 1 is the header, line k + 2 the hour k: line 6 is 2024-03-09 04:00.
    lines[5] = "2024-03-09 04:00,abc"  # line 6
    lines[20] = lines[19]  # line 21 repeats line 20 (18:00), so 19:00 is missing too
    del lines[40]  # line 41 (k = 39: 2024-03-10 16:00, after the skipped 02:00) gone
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_of(path) == [
        # The bad line's hour is missing too, but that is said by the line itself.
        "line 6: 2024-03-09 04:00: price 'abc' is not a number",
        "line 21: duplicate timestamp 2024-03-09 18:00 (also line 20)",
        "line 22: gap: 1 missing interval(s) between 2024-03-09 18:00 (line 20) and "
        "2024-03-09 20:00",
        "line 41: gap: 1 missing interval(s) between 2024-03-10 15:00 (line 40) and "
        "2024-03-10 17:00",
    ]


def test_problems_of_each_kind(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "timestamp,price\n"
        "2024-03-10 01:00,10\n"
        "2024-03-10 02:00,11\n"  # line 3: skipped by the clocks
        "2024-03-10 03:00,250000\n"  # line 4: out of range
        "yesterday,12\n"  # line 5
        "2024-03-10 04:00\n"  # line 6: no price
        "2024-03-10 04:00,nan\n",  # line 7
        encoding="utf-8",
    )
    assert problems_of(path) == [
        "line 3: 2024-03-10 02:00: 2024-03-10 02:00 does not exist in America/Chicago "
        "(the clocks move forward)",
        "line 4: 2024-03-10 03:00: price 250,000.00 is out of range (-10,000 to 100,000 USD/MWh)",
        "line 5: timestamp 'yesterday' is not a date and time (YYYY-MM-DD HH:MM, or ISO 8601 "
        "with an optional UTC offset; years 1900 to 2399)",
        "line 6: expected a timestamp and a price, got '2024-03-10 04:00'",
        "line 7: 2024-03-10 04:00: price 'nan' is not a number",
    ]


def test_mixed_interval_lengths(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    # Lines 1-8: 00:00 to 01:45 every 15 minutes; lines 9-11: 02:00, 03:00, 04:00.
    quarter = [f"2024-01-01 {h:02d}:{m:02d},1" for h in (0, 1) for m in (0, 15, 30, 45)]
    hourly = [f"2024-01-01 {h:02d}:00,1" for h in (2, 3, 4)]
    path.write_text("\n".join(quarter + hourly) + "\n", encoding="utf-8")
    assert problems_of(path) == [
        "line 10: mixed interval lengths: hourly from 2024-01-01 02:00 (line 9) to "
        "2024-01-01 04:00 (line 11) in a file of 15-minute prices"
    ]
    hours = "".join(f"2024-01-01 0{h}:00,1\n" for h in (0, 1, 2))
    path.write_text(hours + "2024-01-01 02:30,3\n", encoding="utf-8")
    assert problems_of(path) == [
        "line 4: mixed interval lengths: 2024-01-01 02:30 is 30 minutes after 2024-01-01 "
        "02:00 (line 3); the file's prices are 60 minutes apart"
    ]


def test_ercot_problems(tmp_path: Path) -> None:
    path = ercot_file(tmp_path / "rtm.csv", NOVEMBER[:3])  # Nov 2, 00:00-03:00: lines 2-13
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = "11/02/2024,1,5,N,HB_NORTH,HU,20.25"  # line 3: interval 5
    lines[6] = "11/02/2024,2,1,Y,HB_NORTH,HU,21.25"  # line 7: not the repeated hour
    lines[10] = "13/02/2024,3,1,N,HB_NORTH,HU,22.25"  # line 11
    lines.append("11/02/2024,25,1,N,HB_NORTH,HU,1")  # line 14
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(path)
    assert found == [
        "line 3: 11/02/2024 hour 1: delivery interval '5' is not 1 to 4",
        "line 7: 11/02/2024 hour 2 interval 1: flagged as the repeated hour, but 01:00 comes "
        "once in America/Chicago",
        "line 11: delivery date '13/02/2024' is not a date (MM/DD/YYYY, years 1900 to 2399)",
        "line 14: 11/02/2024: delivery hour '25' is not an hour ending from 1 to 24",
    ]
    # The three refused lines are the only intervals missing: no gap is said for them.
    assert len(found) == 4
    # Without line 4 as well, two intervals are missing where one line was refused.
    del lines[3]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems_of(path)[1] == (
        "line 4: gap: 2 missing interval(s) between 11/02/2024 hour 1 interval 1 (line 2) "
        "and 11/02/2024 hour 1 interval 4"
    )


def test_problems_are_capped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("".join(f"2024-01-01 00:00,x{i}\n" for i in range(120)), encoding="utf-8")
    found = problems_of(path)
    assert len(found) == MAX_PROBLEMS_SHOWN + 1
    assert found[-1] == f"and {120 - MAX_PROBLEMS_SHOWN} more problem(s)"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "no prices: the file is empty"),
        (b"timestamp,price\n", "no prices: the file has a header but no price lines"),
        (b"PK\x03\x04", "a workbook, not a CSV file"),
        (b"Delivery Date,Price\n01/01/2024,3\n", "'Delivery Hour', 'Settlement Point Name'"),
    ],
)
def test_files_that_are_not_price_files(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(PriceFileError, match=words):
        read_prices(path)
    with pytest.raises(PriceFileError, match="no such file"):
        read_prices(tmp_path / "missing.csv")
    with pytest.raises(PriceFileError, match="unknown time zone 'Mars/Olympus'"):
        read_prices(path, time_zone="Mars/Olympus")


def test_the_profile_round_trips_with_the_project(tmp_path: Path) -> None:
    project = load_project(ROOT / "samples" / "sample_project.json")
    profile = read_prices(ercot_file(tmp_path / "rtm.csv", NOVEMBER), scale_to_contract=True)
    # The first site without a profile (the sample's ERCOT site has its synthetic one).
    s = next(i for i, x in enumerate(project.sites) if x.price_profile is None)
    site = project.sites[s].name
    changed = with_price_profile(project, site, profile)
    assert changed.sites[s].price_profile == profile
    assert [x for i, x in enumerate(changed.sites) if i != s] == [
        x for i, x in enumerate(project.sites) if i != s
    ]
    again = parse_project(project_to_json(changed))
    assert again == changed
    assert with_price_profile(again, site, None) == project
    with pytest.raises(ValueError, match="unknown site 'Nowhere'"):
        with_price_profile(project, "Nowhere", profile)


def test_the_synthetic_profile() -> None:
    profile = synthetic_ercot_profile(2024)
    again = synthetic_ercot_profile(2024)
    assert profile == again  # seeded
    assert "Synthetic" in profile.source and "not market data" in profile.source
    # 2024 in Chicago: 366 days, from 06:00 UTC on January 1.
    prices = profile.usd_per_mwh
    assert len(prices) == 8_784
    assert profile.start_utc == datetime(2024, 1, 1, 6, tzinfo=UTC)
    assert any(p < 0 for p in prices)
    assert sum(1 for p in prices if p >= 2_000) >= 5  # scarcity hours at thousands
    starts = list(profile.interval_starts_local())
    nights = [p for p, s in zip(prices, starts, strict=True) if s.hour in (1, 2, 3, 4)]
    afternoons = [
        p for p, s in zip(prices, starts, strict=True) if s.hour in (14, 15) and s.month in (4, 5)
    ]
    assert sum(nights) / len(nights) < 0.7 * sum(afternoons) / len(afternoons)
    spikes = [s for p, s in zip(prices, starts, strict=True) if p >= 1_000]
    assert spikes and all(6 <= s.month <= 9 and 16 <= s.hour <= 19 for s in spikes)
    assert synthetic_ercot_profile(2025) != profile
    assert describe_profile(profile).startswith(
        "8,784 hourly prices from 2024-01-01 00:00 to 2024-12-31 23:00 (America/Chicago)"
    )


def test_the_interval_shows_through_gaps(tmp_path: Path) -> None:
    # Every step two hours (each second hour missing): hourly with gaps, not 120 minutes.
    path = tmp_path / "gaps.csv"
    path.write_text("".join(f"2024-01-01 {h:02d}:00,1\n" for h in (0, 2, 4)), encoding="utf-8")
    assert problems_of(path) == [
        "line 2: gap: 1 missing interval(s) between 2024-01-01 00:00 (line 1) and 2024-01-01 02:00",
        "line 3: gap: 1 missing interval(s) between 2024-01-01 02:00 (line 2) and 2024-01-01 04:00",
    ]
    # Half-hourly prices are refused as such.
    path.write_text("".join(f"2024-01-01 00:{m:02d},1\n" for m in (0, 30)), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "2024-01-01 01:00,1\n", encoding="utf-8")
    assert problems_of(path) == [
        "the prices are 30 minutes apart; only hourly or 15-minute prices are read"
    ]


def test_hostile_values_are_problems_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "9999-12-31 23:00,1\n"  # its UTC time would be past year 9999
        "0001-01-01T00:00:00+05:00,1\n"  # before year 1 in UTC
        "2024-01-01 00:00,1e400\n",  # infinite
        encoding="utf-8",
    )
    found = problems_of(path)
    assert [p.split(":")[0] for p in found] == ["line 1", "line 2", "line 3"]
    assert "years 1900 to 2399" in found[0] and "'1e400' is not a number" in found[2]
    ercot = tmp_path / "ercot.csv"
    ercot.write_text(
        "Delivery Date,Delivery Hour,Settlement Point Name,Settlement Point Price\n"
        "12/31/9999,24,HB,1\n"
        "01/01/2024,\u00b2,HB,1\n",  # a superscript two is a digit to str.isdigit
        encoding="utf-8",
    )
    found = problems_of(ercot)
    assert found == [
        "line 2: delivery date '12/31/9999' is not a date (MM/DD/YYYY, years 1900 to 2399)",
        "line 3: 01/01/2024: delivery hour '\u00b2' is not an hour ending from 1 to 24",
    ]


def test_a_header_names_the_time_and_price_columns(tmp_path: Path) -> None:
    # A market-data export: the start of each interval with its offset, its end, the
    # location and the price, in that order (CST is UTC-6: midnight is 06:00 UTC).
    path = tmp_path / "export.csv"
    path.write_text(
        "Interval End,Interval Start,Location,SPP\n"
        "2024-01-01T01:00:00-06:00,2024-01-01T00:00:00-06:00,HB_NORTH,21.5\n"
        "2024-01-01T02:00:00-06:00,2024-01-01T01:00:00-06:00,HB_NORTH,19.0\n",
        encoding="utf-8",
    )
    profile = read_prices(path)
    assert profile.start_utc == datetime(2024, 1, 1, 6, tzinfo=UTC)
    assert profile.usd_per_mwh == [21.5, 19.0]
