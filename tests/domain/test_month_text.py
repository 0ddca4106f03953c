"""Months typed or pasted as Excel writes them."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QLocale

from planner.domain.months import parse_month_text
from planner.ui.main_window import locale_writes_day_first


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03", date(2027, 3, 1)),
        ("2027-03-31", date(2027, 3, 1)),
        ("2027/03", date(2027, 3, 1)),
        ("3/1/2027", date(2027, 3, 1)),  # month first
        ("3/31/27", date(2027, 3, 1)),
        ("03/2027", date(2027, 3, 1)),
        ("3-2027", date(2027, 3, 1)),
        ("Mar-27", date(2027, 3, 1)),
        ("Mar 2027", date(2027, 3, 1)),
        ("march 2027", date(2027, 3, 1)),
        ("Sept 2027", date(2027, 9, 1)),
        ("2027 Mar", date(2027, 3, 1)),
        ("46447", date(2027, 3, 1)),  # Excel's serial number of 2027-03-01
        ("46477", date(2027, 3, 1)),  # ... and of 2027-03-31
        (" Dec-29 ", date(2029, 12, 1)),
    ],
)
def test_excel_shapes(text: str, expected: date) -> None:
    assert parse_month_text(text) == expected


def test_day_first_where_the_locale_writes_it_so() -> None:
    assert parse_month_text("1/3/2027", day_first=True) == date(2027, 3, 1)
    assert parse_month_text("31/3/2027", day_first=True) == date(2027, 3, 1)
    assert parse_month_text("1/3/2027") == date(2027, 1, 1)
    assert locale_writes_day_first(QLocale("en_GB")) and locale_writes_day_first(QLocale("de_DE"))
    assert not locale_writes_day_first(QLocale("en_US"))
    assert not locale_writes_day_first(QLocale("ja_JP"))  # yyyy/MM/dd: the year comes first
    assert not locale_writes_day_first(QLocale.c())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("13/1/2027", "'13/1/2027' has no month 13: dates are read month first here"),
        ("2/30/2027", "no such day in 2027-02: '2/30/2027'"),
        ("Foo 2027", "no month is called 'Foo'"),
        ("27-Mar", "must be a month such as 2027-03, Mar 2027"),  # d-mmm has no year
        ("2027", "must be a month such as"),  # a year alone is no month (nor a serial)
        ("1999-12", "must be a month from 2000-01 to 2499-12"),
        ("Jan-99", "must be a month from 2000-01 to 2499-12"),  # Excel reads 99 as 1999
    ],
)
def test_what_is_refused_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_month_text(text)
