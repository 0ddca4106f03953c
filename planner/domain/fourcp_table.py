"""A site's 4CP intervals as a table a person types or pastes: month, day, hour starting
and probability cells read from text, every refused cell named ("row 3, day: 31 is not a
day of June"), and the summer-afternoon fill. No Qt here: the 4CP dialog shows it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from planner.domain.errors import quote
from planner.domain.price_profile import FourCpInterval, days_in_month
from planner.domain.units import parse_quantity, parse_whole_number

KEYS = ("month", "day", "hour", "probability")
HEADERS = {
    "month": "Month",
    "day": "Day",
    "hour": "Hour starting",
    "probability": "Probability (%)",
}
# What a header line copied with the table may say in its cells.
_HEADER_WORDS = {word.casefold() for word in (*KEYS, *HEADERS.values(), "Hour", "Probability")}
_HOUR = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class Refused:
    """A cell's text that could not be read, kept as typed, and why."""

    text: str
    reason: str


Cell = int | float | Refused
Row = Mapping[str, Cell]


@dataclass(frozen=True)
class Problem:
    """A refused cell of the table: its row (from 0), its column key and why."""

    row: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row + 1}, {self.key}: {self.message}"


class FourCpTableError(ValueError):
    """The table cannot be the site's intervals; `problems` names every refused cell."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def is_header(texts: Sequence[str]) -> bool:
    """Whether a pasted line is the table's header ("Month, Day, Hour starting, ...")."""
    words = [text.strip().casefold() for text in texts if text.strip()]
    return bool(words) and all(word in _HEADER_WORDS for word in words)


def month_name(month: int) -> str:
    return calendar.month_name[month]


def read_month(text: str) -> int:
    """1-12 from "6", "06", "Jun" or "June" (any case)."""
    raw = text.strip().rstrip(".")
    if raw.isdigit():
        month = int(raw)
        if 1 <= month <= 12:
            return month
        raise ValueError(f"must be 1 to 12, got {month}")
    for month in range(1, 13):
        if raw.casefold() in (calendar.month_abbr[month].casefold(), month_name(month).casefold()):
            return month
    raise ValueError(f"cannot read {quote(raw)} as a month (1 to 12, or a name such as Jun)")


def read_day(text: str) -> int:
    day = parse_whole_number(text.strip())
    if not 1 <= day <= 31:
        raise ValueError(f"must be 1 to 31, got {day}")
    return day


def read_hour(text: str) -> int:
    """The hour starting, 0-23, from "16" or "16:00"."""
    raw = text.strip()
    found = _HOUR.match(raw)
    if found is None:
        raise ValueError(f"cannot read {quote(raw)} as an hour (0 to 23, or 16:00)")
    hour, minutes = int(found.group(1)), found.group(2)
    if minutes is not None and int(minutes):
        raise ValueError(f"must start on the hour (such as {hour}:00), got {raw}")
    if hour > 23:
        raise ValueError(f"must be 0 to 23 (the hour starting), got {hour}")
    return hour


def read_probability(text: str) -> float:
    """A fraction from "0.833%", "50" (a bare number above 1 is percent) or "0.5", as the
    project's percent cells read it."""
    raw = text.strip()
    value = parse_quantity(raw, "fraction")
    if "%" not in raw and abs(value) > 1:
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be 0 % to 100 %, got {value * 100:,.12g} %")
    return value


def read_cell(key: str, text: str) -> Cell:
    """The value a cell's text stands for, or Refused with why. An empty probability is
    the domain's default, 100 %; the other cells are required."""
    if not text.strip():
        return 1.0 if key == "probability" else Refused(text, "is required")
    reader = {
        "month": read_month,
        "day": read_day,
        "hour": read_hour,
        "probability": read_probability,
    }[key]
    try:
        return reader(text)
    except ValueError as error:
        return Refused(text, str(error))


def cell_text(key: str, value: Cell, editing: bool = False) -> str:
    """How a cell shows: "Jun", "15", "16:00", "0.8333%"; for an editor the probability
    to 12 significant digits. A refused cell shows its text as typed."""
    if isinstance(value, Refused):
        return value.text
    if key == "month":
        return calendar.month_abbr[int(value)]
    if key == "hour":
        return f"{int(value)}:00"
    if key == "probability":
        return f"{float(value) * 100:.12g}%" if editing else f"{float(value) * 100:.4g}%"
    return str(int(value))


def row_of(interval: FourCpInterval) -> dict[str, Cell]:
    return {
        "month": interval.month,
        "day": interval.day,
        "hour": interval.hour,
        "probability": interval.probability,
    }


def problems(rows: Sequence[Row]) -> list[Problem]:
    """Every refused cell, a day its month does not have, and an hour listed twice."""
    found: list[Problem] = []
    first_row: dict[tuple[int, int, int], int] = {}
    for r, row in enumerate(rows):
        for key in KEYS:
            cell = row[key]
            if isinstance(cell, Refused):
                found.append(Problem(r, key, cell.reason))
        if any(isinstance(row[key], Refused) for key in KEYS[:3]):
            continue
        month, day, hour = (int(_value(row[key])) for key in KEYS[:3])
        if day > days_in_month(month):
            found.append(Problem(r, "day", f"{day} is not a day of {month_name(month)}"))
            continue
        earlier = first_row.setdefault((month, day, hour), r)
        if earlier != r:
            when = f"{month_name(month)} {day}, {hour}:00"
            found.append(Problem(r, "hour", f"{when} is listed in row {earlier + 1} already"))
    return found


def intervals_of(rows: Sequence[Row]) -> list[FourCpInterval]:
    """The rows as the site's intervals, in the table's order; FourCpTableError naming
    every refused cell when any is."""
    found = problems(rows)
    if found:
        raise FourCpTableError(found)
    return [
        FourCpInterval(
            month=int(_value(row["month"])),
            day=int(_value(row["day"])),
            hour=int(_value(row["hour"])),
            probability=float(_value(row["probability"])),
        )
        for row in rows
    ]


def _value(cell: Cell) -> int | float:
    if isinstance(cell, Refused):
        raise FourCpTableError([])  # problems() names every refused cell before this
    return cell


def blank_row() -> dict[str, Cell]:
    """A row with nothing typed: month, day and hour required, the probability 100 %."""
    return {
        "month": Refused("", "is required"),
        "day": Refused("", "is required"),
        "hour": Refused("", "is required"),
        "probability": 1.0,
    }


def next_row(rows: Sequence[Row]) -> dict[str, Cell]:
    """A row to add: the hour after the last row's (same probability), or June 1 at 16:00
    with 100 % in an empty table or after a row with a refused cell."""
    last = rows[-1] if rows else None
    if last is None or any(isinstance(last[key], Refused) for key in KEYS[:3]):
        return {"month": 6, "day": 1, "hour": 16, "probability": 1.0}
    month, day = int(_value(last["month"])), int(_value(last["day"]))
    day = min(day, days_in_month(month))
    # A leap year, so that February 29 has an hour after it.
    after = datetime(2024, month, day, int(_value(last["hour"]))) + timedelta(hours=1)
    probability = last["probability"]
    return {
        "month": after.month if after.year == 2024 else 1,
        "day": after.day,
        "hour": after.hour,
        "probability": 1.0 if isinstance(probability, Refused) else probability,
    }


def summer_afternoons(
    first_month: int = 6,
    last_month: int = 9,
    first_hour: int = 15,
    last_hour: int = 18,
    probability: float | None = None,
) -> list[FourCpInterval]:
    """Every day of the months `first_month` to `last_month`, each hour starting from
    `first_hour` to `last_hour`. Each interval's probability is `probability`, or when
    None 1 / (the month's days x hours a day): the month's intervals share its one peak
    evenly, their probabilities summing to 1 (June 15:00-18:00: 120 of 1/120)."""
    if not 1 <= first_month <= last_month <= 12:
        raise ValueError(
            f"months: the first must be 1 to 12 and not after the last, got "
            f"{first_month} to {last_month}"
        )
    if not 0 <= first_hour <= last_hour <= 23:
        raise ValueError(
            f"hours: the first must be 0 to 23 and not after the last, got "
            f"{first_hour}:00 to {last_hour}:00"
        )
    if probability is not None and not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability: must be 0 % to 100 %, got {probability * 100:,.12g} %")
    hours = range(first_hour, last_hour + 1)
    out: list[FourCpInterval] = []
    for month in range(first_month, last_month + 1):
        days = days_in_month(month)
        each = 1.0 / (days * len(hours)) if probability is None else probability
        out.extend(
            FourCpInterval(month=month, day=day, hour=hour, probability=each)
            for day in range(1, days + 1)
            for hour in hours
        )
    return out


def month_totals(intervals: Sequence[FourCpInterval]) -> dict[int, tuple[int, float]]:
    """Month -> (intervals listed, sum of their probabilities), months in order."""
    totals: dict[int, tuple[int, float]] = {}
    for interval in sorted(intervals, key=lambda x: x.month):
        count, total = totals.get(interval.month, (0, 0.0))
        totals[interval.month] = (count + 1, total + interval.probability)
    return totals
