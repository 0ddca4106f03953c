"""Reading a site's power prices from a CSV file into a PriceProfile.

Two layouts are read. The plain one: a timestamp and a price in USD/MWh a line (a header
line is optional; under one, the first column named as a time, such as "Interval Start",
and the first named as a price, such as "LMP" or "SPP", are read); timestamps are ISO
8601 or "YYYY-MM-DD HH:MM", with or without a UTC offset, and a timestamp without one is
local time in the profile's time zone (the hour that repeats when the clocks go back is
read first as summer time, then as winter time).
ERCOT's settlement-point price layout: "Delivery Date" (MM/DD/YYYY), "Delivery Hour" (1-24,
hour ending), "Delivery Interval" (1-4; without it the prices are hourly), "Repeated Hour
Flag" (Y on the second pass through the hour repeated when daylight saving ends),
"Settlement Point Name" and "Settlement Point Price"; a file holding several settlement
points needs one named.

Every problem is collected with its line and timestamp (a line that cannot be read, a price
that is not a number or out of range, a duplicate, a gap, a change of interval length), and
no profile is made while there is one. Whether prices are hourly or 15-minute comes from
the data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from planner.domain.price_profile import (
    DEFAULT_TIME_ZONE,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_PRICE_INTERVALS,
    PriceProfile,
    zone_name,
)
from planner.domain.project import Project
from planner.io.price_lines import MAX_PROBLEMS_SHOWN as MAX_PROBLEMS_SHOWN
from planner.io.price_lines import PriceFileError as PriceFileError
from planner.io.price_lines import PriceProblem as PriceProblem
from planner.io.price_lines import (
    Problems,
    Reading,
    ambiguous,
    header_key,
    local_to_utc,
    parse_price,
    read_lines,
)


def read_prices(
    path: Path | str,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    settlement_point: str | None = None,
    scale_to_contract: bool = False,
) -> PriceProfile:
    """The price profile a CSV file holds; PriceFileError names every problem."""
    path = Path(path)
    try:
        zone = ZoneInfo(zone_name(time_zone))
    except ValueError as error:
        raise PriceFileError(path, f"time zone: {error}") from None
    lines, delimiter = read_lines(path)
    if not lines:
        raise PriceFileError(path, "no prices: the file is empty")
    problems = Problems()
    header = [header_key(cell) for cell in lines[0][1]]
    if "delivery date" in header:
        readings, hourly, source = _ercot_readings(
            path, lines, header, zone, settlement_point, problems
        )
    else:
        if settlement_point is not None:
            raise PriceFileError(
                path,
                "settlement point: the file is a plain timestamp-and-price table, which has "
                "no settlement points (ERCOT's layout has a 'Delivery Date' column)",
            )
        readings = _plain_readings(lines, delimiter, zone, problems)
        hourly, source = None, path.name
    if not readings and not problems.total:
        raise PriceFileError(path, "no prices: the file has a header but no price lines")
    ordered, interval_minutes = _check_sequence(readings, hourly, problems)
    if len(ordered) > MAX_PRICE_INTERVALS:
        problems.add(
            0, f"{len(ordered):,} intervals: more than a profile holds ({MAX_PRICE_INTERVALS:,})"
        )
    if problems.total:
        count = f"{problems.total:,} problem(s)"
        raise PriceFileError(path, f"{count}; nothing imported", problems.sorted(), problems.total)
    try:
        return PriceProfile(
            source=source,
            time_zone=time_zone,
            start_utc=ordered[0].utc,
            interval_minutes=interval_minutes,
            usd_per_mwh=[r.usd_per_mwh for r in ordered],
            scale_to_contract=scale_to_contract,
        )
    except ValidationError as error:  # the checks above leave none; said if one slips by
        raise PriceFileError(path, f"not a valid profile: {error.errors()[0]['msg']}") from None


def with_price_profile(project: Project, site: str, profile: PriceProfile | None) -> Project:
    """The project with `profile` as the price profile of the site called `site`
    (None: without one); ValueError naming the sites when there is no such site."""
    sites = list(project.sites)
    for index, candidate in enumerate(sites):
        if candidate.name == site:
            sites[index] = candidate.model_copy(update={"price_profile": profile})
            return project.model_copy(update={"sites": sites})
    known = ", ".join(repr(s.name) for s in project.sites) or "none yet"
    raise ValueError(f"unknown site {site!r} (the project has: {known})")


def describe_profile(profile: PriceProfile) -> str:
    """One line on a profile: "8,784 hourly prices from 2024-01-01 00:00 to 2024-12-31
    23:00 (America/Chicago), mean 38.20 USD/MWh, -12.00 to 4,975.00"."""
    prices = profile.usd_per_mwh
    kind = "hourly" if profile.interval_minutes == 60 else "15-minute"
    zone = profile.zone
    first = profile.start_utc.astimezone(zone)
    last = (profile.end_utc - profile.interval).astimezone(zone)
    return (
        f"{len(prices):,} {kind} prices from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} "
        f"({profile.time_zone}), mean {sum(prices) / len(prices):,.2f} USD/MWh, "
        f"{min(prices):,.2f} to {max(prices):,.2f}"
    )


# ----------------------------------------------------------------- plain layout


def _timestamp(text: str) -> datetime | None:
    """ISO 8601 or "YYYY-MM-DD H:MM", aware when it states an offset, in the years a
    profile may start in; None if not."""
    if len(text) < 12:  # a date alone is no interval
        return None
    stamp: datetime | None = None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
            try:
                stamp = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    return stamp if stamp is not None and FIRST_YEAR <= stamp.year <= LAST_YEAR else None


def _plain_readings(
    lines: list[tuple[int, list[str]]], delimiter: str, zone: ZoneInfo, problems: Problems
) -> list[Reading]:
    """The prices of a timestamp-and-price table: its first two columns, or under a
    header the first column named as a time and the first named as a price."""
    first_cells = lines[0][1]
    time_at, price_at = 0, 1
    if _timestamp(first_cells[0]) is None and (
        len(first_cells) < 2 or isinstance(parse_price(first_cells[1], delimiter), str)
    ):
        time_at, price_at = _plain_columns([header_key(cell) for cell in first_cells])
        lines = lines[1:]  # a header
    readings: list[Reading] = []
    seen_local: Counter[datetime] = Counter()
    for line, cells in lines:
        if len(cells) <= max(time_at, price_at) or not cells[price_at]:
            problems.add(line, f"expected a timestamp and a price, got {delimiter.join(cells)!r}")
            continue
        written = cells[time_at]
        stamp = _timestamp(written)
        if stamp is None:
            problems.add(
                line,
                f"timestamp {written!r} is not a date and time (YYYY-MM-DD HH:MM, or ISO "
                f"8601 with an optional UTC offset; years {FIRST_YEAR} to {LAST_YEAR})",
            )
            continue
        price = parse_price(cells[price_at], delimiter)
        if isinstance(price, str):
            problems.add(line, f"{written}: {price}")
            continue
        if stamp.tzinfo is not None:
            utc: datetime | str = stamp.astimezone(UTC)
        else:
            seen_local[stamp] += 1
            # The repeated autumn hour: summer time first, winter time on the second pass.
            fold = 1 if seen_local[stamp] > 1 and ambiguous(stamp, zone) else 0
            utc = local_to_utc(stamp, zone, fold)
        if isinstance(utc, str):
            problems.add(line, f"{written}: {utc}")
            continue
        readings.append(Reading(line, utc, price, written))
    return readings


_TIME_WORDS = ("timestamp", "datetime", "time", "date", "start")
_PRICE_WORDS = ("price", "usd", "lmp", "spp", "$/mwh")


def _plain_columns(header: list[str]) -> tuple[int, int]:
    """(time column, price column) by the header's names ("Interval Start", "LMP"), else
    the first two columns."""
    time_at = next((i for i, h in enumerate(header) if any(w in h for w in _TIME_WORDS)), 0)
    price_at = next(
        (i for i, h in enumerate(header) if i != time_at and any(w in h for w in _PRICE_WORDS)),
        1 if time_at == 0 else 0,
    )
    return time_at, price_at


# ----------------------------------------------------------------- ERCOT layout

_ERCOT_COLUMNS = {
    "date": ("delivery date",),
    "hour": ("delivery hour", "hour ending"),
    "interval": ("delivery interval",),
    "repeated": ("repeated hour flag", "dstflag"),
    "point": ("settlement point name", "settlement point"),
    "price": ("settlement point price",),
}
_ERCOT_REQUIRED = ("date", "hour", "point", "price")


def _ercot_columns(path: Path, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, names in _ERCOT_COLUMNS.items():
        for name in names:
            if name in header:
                found[key] = header.index(name)
                break
    missing = [_ERCOT_COLUMNS[key][0].title() for key in _ERCOT_REQUIRED if key not in found]
    if missing:
        raise PriceFileError(
            path,
            f"an ERCOT price file (it has 'Delivery Date') without the column(s) "
            f"{', '.join(repr(m) for m in missing)}",
        )
    return found


def _choose_point(path: Path, points: list[str], wanted: str | None) -> str:
    """The settlement point to read: the only one, or the one named (any case)."""
    if wanted is None:
        if len(points) == 1:
            return points[0]
        raise PriceFileError(
            path,
            f"holds prices for {len(points):,} settlement points ({_listed(points)}); choose one",
            settlement_points=points,
        )
    for point in points:
        if point.casefold() == wanted.strip().casefold():
            return point
    raise PriceFileError(
        path,
        f"settlement point {wanted!r} is not in the file (it has: {_listed(points)})",
        settlement_points=points,
    )


def _listed(names: Sequence[str], most: int = 20) -> str:
    more = len(names) - most
    return ", ".join(names[:most]) + (f" and {more:,} more" if more > 0 else "")


def _ercot_readings(
    path: Path,
    lines: list[tuple[int, list[str]]],
    header: list[str],
    zone: ZoneInfo,
    settlement_point: str | None,
    problems: Problems,
) -> tuple[list[Reading], bool, str]:
    """The prices of one settlement point of an ERCOT file; whether they are hourly (no
    Delivery Interval column); the profile's source label."""
    columns = _ercot_columns(path, header)
    body = lines[1:]
    point_at = columns["point"]
    points = list(dict.fromkeys(c[point_at] for _, c in body if len(c) > point_at and c[point_at]))
    if not points:
        raise PriceFileError(path, "no prices: no line names a settlement point")
    point = _choose_point(path, points, settlement_point)
    readings: list[Reading] = []
    for line, cells in body:
        if len(cells) > point_at and cells[point_at] and cells[point_at] != point:
            continue
        reading = _ercot_reading(line, cells, columns, zone)
        if isinstance(reading, str):
            problems.add(line, reading)
        else:
            readings.append(reading)
    return readings, "interval" not in columns, f"{path.name} ({point})"


def _ercot_reading(
    line: int, cells: list[str], columns: dict[str, int], zone: ZoneInfo
) -> Reading | str:
    """One line of an ERCOT file, or what is wrong with it."""
    if len(cells) <= max(columns.values()):
        return f"expected {max(columns.values()) + 1} columns, got {len(cells)}"
    day_text, hour_text = cells[columns["date"]], cells[columns["hour"]]
    interval_text = cells[columns["interval"]] if "interval" in columns else "1"
    flag = cells[columns["repeated"]].upper() if "repeated" in columns else "N"
    day = _ercot_date(day_text)
    hour = _ercot_hour(hour_text)
    quarter = int(interval_text) if interval_text in ("1", "2", "3", "4") else None
    shown = f"{day_text} hour {hour_text}" + (
        f" interval {interval_text}" if "interval" in columns else ""
    )
    if day is None:
        return (
            f"delivery date {day_text!r} is not a date (MM/DD/YYYY, years {FIRST_YEAR} to "
            f"{LAST_YEAR})"
        )
    if hour is None:
        return f"{day_text}: delivery hour {hour_text!r} is not an hour ending from 1 to 24"
    if quarter is None:
        return f"{day_text} hour {hour_text}: delivery interval {interval_text!r} is not 1 to 4"
    if flag not in ("Y", "N"):
        return f"{shown}: repeated hour flag {flag!r} is not Y or N"
    price = parse_price(cells[columns["price"]], ",")
    if isinstance(price, str):
        return f"{shown}: {price}"
    # Hour ending h starts at h - 1; hour ending 24 at 23:00 of the same day.
    local = datetime(day.year, day.month, day.day) + timedelta(
        hours=hour - 1, minutes=15 * (quarter - 1)
    )
    if flag == "Y" and not ambiguous(local, zone):
        return f"{shown}: flagged as the repeated hour, but {local:%H:%M} comes once in {zone.key}"
    utc = local_to_utc(local, zone, 1 if flag == "Y" else 0)
    if isinstance(utc, str):
        return f"{shown}: {utc}"
    return Reading(line, utc, price, shown)


def _ercot_date(text: str) -> date | None:
    parts = text.split("/")
    try:
        if len(parts) == 3 and len(parts[2]) == 4:
            day = date(int(parts[2]), int(parts[0]), int(parts[1]))
        else:
            day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _ercot_hour(text: str) -> int | None:
    """An hour ending, 1-24 ("13", or "13:00" as the day-ahead files write it)."""
    text = text.removesuffix(":00")
    if not text.isascii() or not text.isdigit():
        return None
    hour = int(text)
    return hour if 1 <= hour <= 24 else None


# -------------------------------------------------------------- the sequence


def _check_sequence(
    readings: list[Reading], hourly: bool | None, problems: Problems
) -> tuple[list[Reading], int]:
    """The readings in time order with duplicates dropped, and the interval length in
    minutes; duplicates, gaps and changes of interval length are added to `problems`
    (a gap no wider than the lines refused inside it is theirs, not said again)."""
    refused = sorted(problems.lines)
    ordered = sorted(readings, key=lambda r: (r.utc, r.line))
    unique: list[Reading] = []
    for reading in ordered:
        if reading.utc.minute % 15 or reading.utc.second or reading.utc.microsecond:
            problems.add(reading.line, f"{reading.shown}: not on a quarter hour")
            continue
        if unique and unique[-1].utc == reading.utc:
            first = unique[-1]
            problems.add(
                reading.line, f"duplicate timestamp {reading.shown} (also line {first.line})"
            )
            continue
        unique.append(reading)
    interval = _interval_minutes(unique, hourly)
    if interval not in (15, 60):
        problems.add(
            0,
            f"the prices are {interval} minutes apart; only hourly or 15-minute prices are read",
        )
        return unique, 60
    for line, message, missing, after in _steps(unique, interval):
        inside = bisect_left(refused, line) - bisect_right(refused, after)
        if missing and 0 < missing <= inside:
            continue  # the refused lines between are the missing intervals
        problems.add(line, message)
    return unique, interval


def _interval_minutes(readings: list[Reading], hourly: bool | None) -> int:
    """The interval: hourly or 15-minute as the layout says; else the most common step
    when it is 15 or 60 minutes, else 60 when every step is whole hours (gaps everywhere),
    else the most common step (which is then refused)."""
    if hourly is not None:
        return 60 if hourly else 15
    steps = Counter(int((b.utc - a.utc).total_seconds() // 60) for a, b in pairwise(readings))
    if not steps:
        return 60 if readings and readings[0].utc.minute == 0 else 15
    most = max(steps.values())
    common = min(step for step, count in steps.items() if count == most)
    if common in (15, 60):
        return common
    return 60 if all(step % 60 == 0 for step in steps) else common


_HOUR = timedelta(hours=1)


def _steps(readings: list[Reading], interval: int) -> Iterator[tuple[int, str, int, int]]:
    """(line, message, intervals missing, line before) for each step between readings
    that is not one interval: a gap, or an interval of another length (a run of hourly
    steps in a 15-minute file is one problem, missing nothing)."""
    step = timedelta(minutes=interval)
    index = 1
    while index < len(readings):
        a, b = readings[index - 1], readings[index]
        gap = b.utc - a.utc
        if gap == step:
            index += 1
            continue
        run_end = index  # the last reading of a run of hourly steps
        if interval == 15 and gap == _HOUR:
            while (
                run_end + 1 < len(readings)
                and readings[run_end + 1].utc - readings[run_end].utc == _HOUR
            ):
                run_end += 1
        if run_end > index:
            last = readings[run_end]
            yield (
                b.line,
                f"mixed interval lengths: hourly from {a.shown} (line {a.line}) to "
                f"{last.shown} (line {last.line}) in a file of 15-minute prices",
                0,
                a.line,
            )
            index = run_end + 1
            continue
        minutes = int(gap.total_seconds() // 60)
        if minutes % interval == 0:
            missing = minutes // interval - 1
            yield (
                b.line,
                f"gap: {missing:,} missing interval(s) between {a.shown} (line {a.line}) "
                f"and {b.shown}",
                missing,
                a.line,
            )
        else:
            yield (
                b.line,
                f"mixed interval lengths: {b.shown} is {minutes} minutes after {a.shown} "
                f"(line {a.line}); the file's prices are {interval} minutes apart",
                0,
                a.line,
            )
        index += 1
