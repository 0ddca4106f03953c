"""A site's 4CP intervals as a typed table (planner/domain/fourcp_table.py): cells read as
people write them, refused cells named by row and column, the summer-afternoon fill."""

from __future__ import annotations

import pytest

from planner.domain import fourcp_table as ft
from planner.domain.editing import set_fourcp_intervals
from planner.domain.fourcp_table import Problem, Refused
from planner.domain.price_profile import FourCpInterval
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.mark.parametrize("text", ["6", "06", "Jun", "june", "JUNE", "Jun."])
def test_months_by_number_or_name(text: str) -> None:
    assert ft.read_month(text) == 6


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("month", "13", "must be 1 to 12, got 13"),
        ("month", "Juin", "cannot read 'Juin' as a month (1 to 12, or a name such as Jun)"),
        ("day", "0", "must be 1 to 31, got 0"),
        ("day", "2.5", "must be a whole number, got '2.5'"),
        ("hour", "16:30", "must start on the hour (such as 16:00), got 16:30"),
        ("hour", "24", "must be 0 to 23 (the hour starting), got 24"),
        ("hour", "4pm", "cannot read '4pm' as an hour (0 to 23, or 16:00)"),
        ("probability", "-1%", "must be 0 % to 100 %, got -1 %"),
        ("day", " ", "is required"),
    ],
)
def test_refused_cells_say_why(key: str, text: str, reason: str) -> None:
    assert ft.read_cell(key, text) == Refused(text, reason)


def test_probabilities_read_as_the_percent_cells_do() -> None:
    # "%" is percent; a bare number above 1 is percent; a bare number up to 1 a fraction.
    assert ft.read_probability("0.8333%") == pytest.approx(0.008333)
    assert ft.read_probability("50") == 0.5
    assert ft.read_probability("0.5") == 0.5
    assert ft.read_cell("probability", "") == 1.0  # the domain's default
    assert ft.cell_text("probability", 1 / 120) == "0.8333%"
    assert ft.cell_text("probability", 1 / 120, editing=True) == "0.833333333333%"


def test_problems_name_the_row_and_the_column() -> None:
    rows = [
        {"month": 2, "day": 29, "hour": 16, "probability": 1.0},  # a leap day: listed
        {"month": 2, "day": 30, "hour": 16, "probability": 1.0},
        {"month": 2, "day": 29, "hour": 16, "probability": 0.5},
        {"month": Refused("x", "cannot read 'x'"), "day": 1, "hour": 1, "probability": 1.0},
    ]
    assert ft.problems(rows) == [
        Problem(1, "day", "30 is not a day of February"),
        Problem(2, "hour", "February 29, 16:00 is listed in row 1 already"),
        Problem(3, "month", "cannot read 'x'"),
    ]
    with pytest.raises(ft.FourCpTableError) as caught:
        ft.intervals_of(rows)
    assert str(caught.value).startswith("row 2, day: 30 is not a day of February; row 3, hour")
    assert ft.intervals_of(rows[:1]) == [FourCpInterval(month=2, day=29, hour=16)]


def test_the_row_added_is_the_hour_after_the_last() -> None:
    assert ft.next_row([]) == {"month": 6, "day": 1, "hour": 16, "probability": 1.0}
    last = {"month": 6, "day": 30, "hour": 23, "probability": 0.25}
    assert ft.next_row([last]) == {"month": 7, "day": 1, "hour": 0, "probability": 0.25}
    year_end = {"month": 12, "day": 31, "hour": 23, "probability": 1.0}
    assert ft.next_row([year_end])["month"] == 1
    assert ft.next_row([ft.blank_row()]) == ft.next_row([])


def test_summer_afternoons_share_each_month() -> None:
    intervals = ft.summer_afternoons()
    assert len(intervals) == (30 + 31 + 31 + 30) * 4  # June to September, 15:00 to 18:00
    totals = ft.month_totals(intervals)
    assert list(totals) == [6, 7, 8, 9]
    assert totals[6] == (120, pytest.approx(1.0, abs=1e-12))
    assert totals[8] == (124, pytest.approx(1.0, abs=1e-12))
    assert intervals[0] == FourCpInterval(month=6, day=1, hour=15, probability=1 / 120)
    assert {x.probability for x in ft.summer_afternoons(7, 7, 17, 17, 0.1)} == {0.1}
    with pytest.raises(ValueError, match="months: the first must be 1 to 12 and not after"):
        ft.summer_afternoons(9, 6)


def test_a_header_line_is_recognised() -> None:
    assert ft.is_header(["Month", "Day", "Hour starting", "Probability (%)"])
    assert ft.is_header(["day", "hour", ""])
    assert not ft.is_header(["Jun", "15", "16", "1%"])


def test_set_fourcp_intervals_replaces_the_sites() -> None:
    sample = load_project(sample_project_path())
    listed = [FourCpInterval(month=7, day=1, hour=17, probability=0.5)]
    after = set_fourcp_intervals(sample, 1, listed)
    assert after.sites[1].fourcp_intervals == listed
    assert after.sites[0] is sample.sites[0] and sample.sites[1].fourcp_intervals == []
    with pytest.raises(IndexError, match="the project has no site in row 4 \\(it has 3\\)"):
        set_fourcp_intervals(sample, 3, listed)
