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
