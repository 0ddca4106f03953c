"""A site's power-price history: contiguous hourly or 15-minute prices from a UTC start,
with the time zone of the site's clock; and the intervals a site expects its 4CP peaks in.

Times are kept in UTC (`start_utc` is timezone-aware, in UTC; a value written without an
offset is read as UTC). Local calendars (months, hours, daylight saving) come from the
IANA time zone through zoneinfo, so a 23- or 25-hour day is just 23 or 25 intervals.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, PlainSerializer, Strict, model_validator

from planner.domain.fields import Entity, Fraction, Text, Whole

MIN_PRICE_USD_PER_MWH = -10_000.0
MAX_PRICE_USD_PER_MWH = 100_000.0
# Ten years of 15-minute prices: far beyond a year's history, bounded so a file stays sane.
MAX_PRICE_INTERVALS = 10 * 366 * 96
DEFAULT_TIME_ZONE = "America/Chicago"  # ERCOT's clock
# The years a profile may start in: every local calendar of ten years after it exists.
FIRST_YEAR, LAST_YEAR = 1900, 2399

PriceUsdPerMwh = Annotated[
    float,
    Strict(),  # numbers only: no "12.5" or true in a list of thousands
    Field(ge=MIN_PRICE_USD_PER_MWH, le=MAX_PRICE_USD_PER_MWH, allow_inf_nan=False),
]


def zone_name(value: str) -> str:
    """An IANA time-zone name that zoneinfo knows (the bundled tzdata on Windows)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {value!r} (an IANA name such as 'America/Chicago')"
        ) from None
    return value


def _in_utc(value: datetime) -> datetime:
    """Aware in UTC: a naive value is taken as UTC, another offset is converted."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:  # before converting: year 1 would overflow
        raise ValueError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}, got {value.year}")
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value.second or value.microsecond or value.minute % 15:
        raise ValueError(
            f"must start on a quarter hour (:00, :15, :30 or :45), got {value:%Y-%m-%d %H:%M:%S}"
        )
    return value


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(zone_name)]
UtcStart = Annotated[
    datetime,
    AfterValidator(_in_utc),
    PlainSerializer(_utc_text, return_type=str, when_used="json"),
]


class MonthSpan(NamedTuple):
    """The intervals of one local calendar month: usd_per_mwh[start:stop]."""

    year: int
    month: int
    start: int
    stop: int


class PriceProfile(Entity):
    """Power prices of a site, USD/MWh, in contiguous intervals from `start_utc`.

    Prices may be negative (a market paying to take power). The profile repeats by
    calendar year across the plan's horizon; with `scale_to_contract` each month's prices
    are scaled so that their mean is the contract's price of that month (before the adder).
    """

    source: Text
    time_zone: TimeZoneName
    start_utc: UtcStart
    interval_minutes: Literal[15, 60]
    usd_per_mwh: list[PriceUsdPerMwh] = Field(min_length=1, max_length=MAX_PRICE_INTERVALS)
    scale_to_contract: Annotated[bool, Strict()] = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    @property
    def interval_hours(self) -> float:
        """The length of one interval in hours (1 or 0.25): MWh per MW drawn through it."""
        return self.interval_minutes / 60

    @property
    def end_utc(self) -> datetime:
        """The end of the last interval (UTC)."""
        return self.start_utc + self.interval * len(self.usd_per_mwh)

    def summary(self) -> str:
        """A cell's worth: "8,784 h from 2024-01-01, America/Chicago" (hourly) or
        "35,136 x 15 min from ..." (15-minute); the date is the site's."""
        count = len(self.usd_per_mwh)
        size = f"{count:,} h" if self.interval_minutes == 60 else f"{count:,} x 15 min"
        first = self.start_utc.astimezone(self.zone)
        return f"{size} from {first:%Y-%m-%d}, {self.time_zone}"

    def interval_starts_local(self) -> Iterator[datetime]:
        """Each interval's start on the site's clock (aware; the fall-back hour shows twice,
        with fold 0 then 1; the spring-forward hour never)."""
        zone = self.zone
        step = self.interval
        for index in range(len(self.usd_per_mwh)):
            yield (self.start_utc + step * index).astimezone(zone)

    def local_month_spans(self) -> list[MonthSpan]:
        """The local calendar months the profile covers, in order, each with the range of
        its intervals (an interval belongs to the month its start falls in, local time)."""
        zone = self.zone
        count = len(self.usd_per_mwh)
        step_s = self.interval_minutes * 60
        first = self.start_utc.astimezone(zone)
        year, month = first.year, first.month
        spans: list[MonthSpan] = []
        start = 0
        while start < count:
            year_after, month_after = (year + 1, 1) if month == 12 else (year, month + 1)
            boundary_utc = datetime(year_after, month_after, 1, tzinfo=zone).astimezone(UTC)
            seconds = (boundary_utc - self.start_utc).total_seconds()
            stop = min(count, max(start, math.ceil(seconds / step_s)))
            if stop > start:
                spans.append(MonthSpan(year, month, start, stop))
            start = stop
            year, month = year_after, month_after
        return spans

    def local_months(self) -> list[tuple[int, int]]:
        """(year, month) on the site's clock for each interval."""
        return [
            (span.year, span.month)
            for span in self.local_month_spans()
            for _ in range(span.start, span.stop)
        ]


def days_in_month(month: int) -> int:
    """The most days `month` has in any year (29 for February)."""
    return calendar.monthrange(2024, month)[1]


class FourCpInterval(Entity):
    """A local hour in which the site expects one of ERCOT's four coincident peaks (4CP):
    `month`/`day`, the hour starting at `hour` on the site's clock, with the chance that
    it is that month's peak."""

    month: Annotated[Whole, Field(ge=1, le=12)]
    day: Annotated[Whole, Field(ge=1, le=31)]
    hour: Annotated[Whole, Field(ge=0, le=23)]
    probability: Fraction = 1.0

    @model_validator(mode="after")
    def _day_of_the_month(self) -> FourCpInterval:
        most = days_in_month(self.month)
        if self.day > most:
            raise ValueError(f"day: month {self.month} has at most {most} days, got {self.day}")
        return self
