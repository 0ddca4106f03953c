"""Calendar months as the planner uses them: the first day of a month, written YYYY-MM."""

from __future__ import annotations

import calendar
import re
from datetime import date

from planner.domain.errors import quote

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


# Months a plan may name: a horizon of up to 600 months from any of them stays a date.
FIRST_YEAR = 2000
LAST_YEAR = 2499


def _in_range(year: int, value: object) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"must be a month from {FIRST_YEAR}-01 to {LAST_YEAR}-12, got {quote(value)}"
        )


def parse_month(value: object) -> date:
    """Read a month from "2026-12", "2026-12-01" or a date; return the first day of that month."""
    if isinstance(value, date):  # a datetime is a date too
        _in_range(value.year, format_month(value))
        return date(value.year, value.month, 1)
    if not isinstance(value, str):
        raise ValueError(f"must be a month written YYYY-MM, got {quote(value)}")
    match = _MONTH_RE.match(value)
    if not match:
        raise ValueError(f"must be a month written YYYY-MM, got {quote(value)}")
    year, month = int(match.group(1)), int(match.group(2))
    _in_range(year, value)
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 01-12, got {quote(value)}")
    if match.group(3) is not None:
        day = int(match.group(3))
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError(f"no such day in {year}-{month:02d}: {quote(value)}")
    return date(year, month, 1)


def format_month(value: date) -> str:
    """The YYYY-MM label of a month."""
    return f"{value.year:04d}-{value.month:02d}"


def months_between(start: date, later: date) -> int:
    """Whole months from `start` to `later` (negative when `later` is earlier)."""
    return (later.year - start.year) * 12 + (later.month - start.month)


def add_months(start: date, count: int) -> date:
    """The first day of the month `count` months after `start`."""
    index = start.year * 12 + (start.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


# Excel's day 0 (its serial numbers count days from it; serial 60 is its 1900-02-29).
EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers of the months a plan may name (2000-01-01 to 2499-12-31).
EXCEL_SERIALS = (
    (date(FIRST_YEAR, 1, 1) - EXCEL_EPOCH).days,
    (date(LAST_YEAR, 12, 31) - EXCEL_EPOCH).days,
)
_MONTH_NAMES = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
_NUMBERS_RE = re.compile(r"^(\d{1,4})[/.\-](\d{1,4})(?:[/.\-](\d{1,4}))?$")
_NAMED_RE = re.compile(r"^([A-Za-z]+)\.?[\s\-/']*(\d{2}|\d{4})$|^(\d{4})[\s\-/]*([A-Za-z]+)$")
_SHAPES = "2027-03, Mar 2027, Mar-27, 03/2027, 3/1/2027 or an Excel date number"


def _full_year(text: str) -> int:
    """A year as written: four digits, or two as Excel reads them (00-29: 2000s)."""
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 30 else 1900 + year
    return year


def _month_of(year: int, month: int, day: int | None, value: str) -> date:
    _in_range(year, value)
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, got {quote(value)}")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"no such day in {year}-{month:02d}: {quote(value)}")
    return date(year, month, 1)


def parse_month_text(value: str, day_first: bool = False) -> date:
    """A month as people and Excel write it, typed or pasted: YYYY-MM(-DD), YYYY/MM,
    "Mar 2027", "Mar-27", "March 2027", "03/2027", a date with its day ("3/1/2027": month
    first, or day first when `day_first`, as the locale writes dates), or an Excel serial
    date number. Returns the month's first day; ValueError says what is accepted."""
    raw = value.strip()
    if _MONTH_RE.match(raw):
        return parse_month(raw)
    if raw.isdigit():
        serial = int(raw)
        if EXCEL_SERIALS[0] <= serial <= EXCEL_SERIALS[1]:
            that_day = date.fromordinal(EXCEL_EPOCH.toordinal() + serial)
            return date(that_day.year, that_day.month, 1)
        raise ValueError(f"must be a month such as {_SHAPES}, got {quote(value)}")
    named = _NAMED_RE.match(raw)
    if named:
        name, year_text = (
            (named.group(1), named.group(2))
            if named.group(1)
            else (
                named.group(4),
                named.group(3),
            )
        )
        named_month = _MONTH_NAMES.get(name.casefold())
        if named_month is None:
            raise ValueError(f"no month is called {name!r}: {quote(value)}")
        return _month_of(_full_year(year_text), named_month, None, value)
    numbers = _NUMBERS_RE.match(raw)
    if not numbers:
        raise ValueError(f"must be a month such as {_SHAPES}, got {quote(value)}")
    first, second, third = numbers.groups()
    if third is None:  # two parts: YYYY/MM or MM/YYYY (MM/YY)
        if len(first) == 4:
            return _month_of(int(first), int(second), None, value)
        return _month_of(_full_year(second), int(first), None, value)
    if len(first) == 4:  # YYYY/MM/DD
        return _month_of(int(first), int(second), int(third), value)
    day_text, month_text = (first, second) if day_first else (second, first)
    if int(month_text) > 12:
        order = "day first" if day_first else "month first"
        raise ValueError(
            f"{quote(value)} has no month {int(month_text)}: dates are read {order} here; "
            "write the month as 2027-03 or Mar 2027"
        )
    return _month_of(_full_year(third), int(month_text), int(day_text), value)
