"""A site's price profile and 4CP intervals: validation naming the field, local calendars
across daylight saving, and files without them saved as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from planner.domain import schema
from planner.domain.errors import ProjectValidationError
from planner.domain.price_profile import FourCpInterval, MonthSpan, PriceProfile
from planner.domain.validation import validate_project
from planner.io.project_file import load_project, parse_project, project_to_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"


def profile(**changes: Any) -> PriceProfile:
    data: dict[str, Any] = {
        "source": "test",
        "time_zone": "America/Chicago",
        "start_utc": "2024-01-01T06:00:00Z",  # local midnight, CST (UTC-6)
        "interval_minutes": 60,
        "usd_per_mwh": [10.0, -5.0, 2_500.0],
    }
    data.update(changes)
    return PriceProfile.model_validate(data)


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    return [str(p) for p in caught.value.problems]


def test_the_start_is_kept_in_utc() -> None:
    assert profile().start_utc == datetime(2024, 1, 1, 6, tzinfo=UTC)
    # Without an offset: UTC. With one: converted (midnight at UTC-6 is 06:00 UTC).
    assert profile(start_utc="2024-01-01T06:00:00").start_utc == datetime(2024, 1, 1, 6, tzinfo=UTC)
    assert profile(start_utc="2024-01-01T00:00:00-06:00").start_utc == datetime(
        2024, 1, 1, 6, tzinfo=UTC
    )
    assert json.loads(profile().model_dump_json())["start_utc"] == "2024-01-01T06:00:00Z"
    # Three hours from 06:00 UTC end at 09:00 UTC.
    assert profile().end_utc == datetime(2024, 1, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"time_zone": "Texas/Houston"}, "time_zone", "unknown time zone 'Texas/Houston'"),
        ({"start_utc": "2024-01-01T06:07:00Z"}, "start_utc", "quarter hour"),
        ({"start_utc": "0001-01-01T00:00:00+05:00"}, "start_utc", "years 1900 to 2399"),
        ({"start_utc": "9999-12-31T23:00:00"}, "start_utc", "got 9999"),
        ({"interval_minutes": 30}, "interval_minutes", "15"),
        ({"usd_per_mwh": []}, "usd_per_mwh", "at least 1"),
        ({"usd_per_mwh": [1.0, 200_000.0]}, "usd_per_mwh.1", "100000"),
        ({"usd_per_mwh": [1.0, 2.0, -20_000.0]}, "usd_per_mwh.2", "-10000"),
        ({"usd_per_mwh": [True]}, "usd_per_mwh.0", "valid number"),
        ({"usd_per_mwh": ["12.5"]}, "usd_per_mwh.0", "valid number"),
    ],
)
def test_bad_profiles_are_refused(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        profile(**changes)
    (error,) = caught.value.errors()
    assert ".".join(str(p) for p in error["loc"]) == field
    assert words in str(caught.value)


def test_a_problem_in_a_file_names_the_interval() -> None:
    data = sample_data()
    prices = [30.0] * 20
    prices[17] = 250_000.0
    data["sites"][0]["price_profile"] = profile().model_dump(mode="json") | {"usd_per_mwh": prices}
    data["sites"][0]["fourcp_intervals"] = [{"month": 2, "day": 30, "hour": 16}]
    data["contracts"][0]["resale_fee_usd_per_mwh"] = -1
    assert problems(data) == [
        "contracts[0].resale_fee_usd_per_mwh: must be >= 0, got -1",
        "sites[0].price_profile.usd_per_mwh[17]: must be <= 100,000, got 250000.0",
        "sites[0].fourcp_intervals[0].day: month 2 has at most 29 days, got 30",
    ]


def test_a_non_finite_price_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        profile(usd_per_mwh=[1.0, float("nan")])
    assert caught.value.errors()[0]["type"] == "finite_number"
    data = sample_data()
    data["sites"][0]["price_profile"] = profile().model_dump(mode="json")
    data["sites"][0]["price_profile"]["usd_per_mwh"] = [1.0, float("inf")]
    assert problems(data) == [
        "sites[0].price_profile.usd_per_mwh[1]: must be a finite number, got inf"
    ]


def test_fourcp_intervals() -> None:
    assert FourCpInterval(month=2, day=29, hour=0).probability == 1.0
    assert FourCpInterval(month=8, day=31, hour=23, probability="25%").probability == 0.25
    for bad in ({"month": 13, "day": 1, "hour": 0}, {"month": 4, "day": 31, "hour": 16}):
        with pytest.raises(ValidationError):
            FourCpInterval.model_validate(bad)
    with pytest.raises(ValidationError):
        FourCpInterval(month=7, day=1, hour=24)


def test_the_summary_names_size_start_and_clock() -> None:
    assert profile().summary() == "3 h from 2024-01-01, America/Chicago"
    # 06:00 UTC on January 1 is still December 31 in Honolulu (UTC-10).
    honolulu = profile(time_zone="Pacific/Honolulu", interval_minutes=15, usd_per_mwh=[1.0] * 9600)
    assert honolulu.summary() == "9,600 x 15 min from 2023-12-31, Pacific/Honolulu"


def test_months_on_the_site_clock_across_daylight_saving() -> None:
    # From local 2024-03-09 00:00 CST (06:00 UTC): 24 hours on the 9th, 23 on the 10th
    # (spring forward), 24 on the 11th; and from 2024-10-31 00:00 CDT (05:00 UTC): 24 hours
    # on the 31st, then 24 on Nov 1-2 and 25 on Nov 3 (fall back).
    march = profile(start_utc="2024-03-09T06:00:00Z", usd_per_mwh=[1.0] * (24 + 23 + 24))
    starts = list(march.interval_starts_local())
    assert [s.hour for s in starts[24:28]] == [0, 1, 3, 4]  # no 02:00 on March 10
    assert starts[47].day == 11 and starts[47].hour == 0
    assert march.local_month_spans() == [MonthSpan(2024, 3, 0, 71)]
    autumn = profile(start_utc="2024-10-31T05:00:00Z", usd_per_mwh=[1.0] * (24 * 3 + 25))
    starts = list(autumn.interval_starts_local())
    # Nov 3: 00:00, 01:00 CDT, 01:00 CST (the repeated hour, fold 1), 02:00 ...
    nov3 = starts[72:]
    assert [(s.hour, s.fold) for s in nov3[:4]] == [(0, 0), (1, 0), (1, 1), (2, 0)]
    assert len(nov3) == 25 and nov3[-1].hour == 23
    assert autumn.local_month_spans() == [MonthSpan(2024, 10, 0, 24), MonthSpan(2024, 11, 24, 97)]
    assert autumn.local_months()[23:25] == [(2024, 10), (2024, 11)]


def test_a_leap_year_in_15_minute_intervals_has_its_months() -> None:
    # 2024 in Chicago: 366 days, one 23-hour and one 25-hour day, so 8,784 hours; the
    # months are January's 31 x 96 = 2,976 intervals, February's 29 x 96 = 2,784, and
    # March's 31 x 96 - 4 = 2,972 (the spring-forward hour).
    year = profile(interval_minutes=15, usd_per_mwh=[0.0] * (8_784 * 4))
    spans = year.local_month_spans()
    assert [(s.month, s.stop - s.start) for s in spans[:3]] == [(1, 2976), (2, 2784), (3, 2972)]
    assert spans[10] == MonthSpan(2024, 11, spans[10].start, spans[10].start + 30 * 96 + 4)
    assert spans[-1].month == 12 and spans[-1].stop == 8_784 * 4 and len(spans) == 12


def test_a_half_hour_zone_puts_each_interval_in_the_month_it_starts_in() -> None:
    # Asia/Kolkata is UTC+5:30: local midnight of Feb 1 is 18:30 UTC on Jan 31, so with
    # hourly intervals from 2024-01-31 18:30 UTC the first hour is February's.
    kolkata = profile(
        time_zone="Asia/Kolkata", start_utc="2024-01-31T17:30:00Z", usd_per_mwh=[1.0] * 3
    )
    assert kolkata.local_month_spans() == [MonthSpan(2024, 1, 0, 1), MonthSpan(2024, 2, 1, 3)]


HOURLY_KEYS = (
    "price_profile",
    "fourcp_charge_usd_per_kw_year",
    "fourcp_intervals",
    "demand_response_mw",
    "demand_response_usd_per_mw_month",
)


def test_a_file_without_the_new_keys_saves_byte_identical() -> None:
    # The sample (its ERCOT site has a profile, 4CP and demand response) saves as it is.
    text = SAMPLE.read_text(encoding="utf-8")
    assert parse_project(text).sites[0].price_profile is not None
    assert project_to_json(parse_project(text)) == text
    # Without those keys, as an earlier planner wrote it: saved without them again.
    data = json.loads(text)
    for site in data["sites"]:
        for key in HOURLY_KEYS:
            site.pop(key, None)
    earlier = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    project = parse_project(earlier)
    assert all(site.price_profile is None for site in project.sites)
    assert project_to_json(project) == earlier
    assert not any(key in earlier for key in HOURLY_KEYS)


def test_the_new_fields_round_trip() -> None:
    project = load_project(SAMPLE)
    site = project.sites[0].model_copy(
        update={
            "price_profile": profile(scale_to_contract=True),
            "fourcp_charge_usd_per_kw_year": 55.0,
            "fourcp_intervals": [FourCpInterval(month=8, day=20, hour=16, probability=0.4)],
            "demand_response_mw": 5.0,
            "demand_response_usd_per_mw_month": 3_000.0,
        }
    )
    contract = project.contracts[0].model_copy(
        update={"resale_allowed": True, "resale_fee_usd_per_mwh": 2.5}
    )
    changed = project.model_copy(
        update={
            "sites": [site, *project.sites[1:]],
            "contracts": [contract, *project.contracts[1:]],
        }
    )
    text = project_to_json(changed)
    written = json.loads(text)
    assert written["sites"][0]["price_profile"]["start_utc"] == "2024-01-01T06:00:00Z"
    assert written["contracts"][0]["resale_allowed"] is True
    assert "price_profile" not in written["sites"][1]
    assert parse_project(text) == changed


def test_the_tables_have_columns_for_the_scalar_fields() -> None:
    sites = {c.key: c for c in schema.COLUMNS["sites"]}
    contracts = {c.key: c for c in schema.COLUMNS["contracts"]}
    assert sites["fourcp_charge_usd_per_kw_year"].unit == "USD/kW-year"
    assert sites["demand_response_mw"].unit == "MW"
    assert sites["demand_response_usd_per_mw_month"].unit == "USD/MW-month"
    assert contracts["resale_allowed"].kind == "bool"
    assert contracts["resale_fee_usd_per_mwh"].unit == "USD/MWh"
