"""Calendar months: parsing, arithmetic and lengths."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from planner.domain.months import (
    add_months,
    days_in_month,
    format_month,
    months_between,
    parse_month,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12", date(2026, 12, 1)),
        ("2026-12-15", date(2026, 12, 1)),
        ("2026-12-31", date(2026, 12, 1)),
        ("2028-02-29", date(2028, 2, 1)),
        ("2026-01", date(2026, 1, 1)),
        ("2026-2", date(2026, 2, 1)),
        ("  2026-12  ", date(2026, 12, 1)),
        (date(2026, 12, 15), date(2026, 12, 1)),
        (datetime(2026, 12, 31, 23, 59, 59), date(2026, 12, 1)),
    ],
)
def test_parse_month_gives_the_first_of_the_month(value: object, expected: date) -> None:
    result = parse_month(value)
    assert result == expected
    assert type(result) is date  # a datetime is reduced to a plain date


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13", "month must be 01-12, got '2026-13'"),
        ("2026-00", "month must be 01-12, got '2026-00'"),
        ("2026-02-30", "no such day in 2026-02: '2026-02-30'"),
        ("2027-02-29", "no such day in 2027-02: '2027-02-29'"),
        ("2026-12-00", "no such day in 2026-12: '2026-12-00'"),
        ("Dec 2026", "must be a month written YYYY-MM, got 'Dec 2026'"),
        ("2026/12", "must be a month written YYYY-MM, got '2026/12'"),
        ("26-12", "must be a month written YYYY-MM, got '26-12'"),
        ("", "must be a month written YYYY-MM, got ''"),
        (2026, "must be a month written YYYY-MM, got 2026"),
        (None, "must be a month written YYYY-MM, got null"),
    ],
)
def test_parse_month_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_month(value)
    assert str(caught.value) == message


def test_format_month_is_zero_padded() -> None:
    assert format_month(date(2026, 3, 1)) == "2026-03"
    assert format_month(date(987, 11, 1)) == "0987-11"
    assert format_month(parse_month("2026-7")) == "2026-07"


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 11, 1), 14, date(2028, 1, 1)),
        (date(2026, 12, 1), 60, date(2031, 12, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 1)),
        (date(2026, 3, 1), -15, date(2024, 12, 1)),
        (date(2026, 3, 1), -27, date(2023, 12, 1)),
        (date(2026, 3, 1), 0, date(2026, 3, 1)),
        (date(2026, 12, 15), 1, date(2027, 1, 1)),  # always the first of a month
    ],
)
def test_add_months(start: date, count: int, expected: date) -> None:
    assert add_months(start, count) == expected


def test_add_months_and_months_between_are_inverse() -> None:
    start = date(2026, 12, 1)
    for count in range(-40, 41, 7):
        assert months_between(start, add_months(start, count)) == count


def test_months_between() -> None:
    assert months_between(date(2026, 12, 1), date(2028, 4, 1)) == 16
    assert months_between(date(2028, 4, 1), date(2026, 12, 1)) == -16
    assert months_between(date(2026, 12, 1), date(2026, 12, 31)) == 0
    assert months_between(date(2026, 1, 1), date(2025, 12, 1)) == -1


@pytest.mark.parametrize(
    ("month", "days"),
    [
        (date(2028, 2, 1), 29),  # leap year
        (date(2027, 2, 1), 28),
        (date(2100, 2, 1), 28),  # century, not a leap year
        (date(2000, 2, 1), 29),  # divisible by 400
        (date(2026, 12, 1), 31),
        (date(2026, 4, 1), 30),
    ],
)
def test_days_in_month(month: date, days: int) -> None:
    assert days_in_month(month) == days
