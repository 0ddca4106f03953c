"""A synthetic, clearly labelled ERCOT-like year of hourly power prices, for the sample and
the tests: no market data ships with the planner.

The shape, not the figures, follows the market: a seasonal level (summer dear, spring and
autumn cheap), a daily shape (cheap nights, a dear late afternoon), a few negative night
hours of spring and autumn wind, and scarcity afternoons in summer with hours at several
thousand USD/MWh. Deterministic: the same year and time zone give the same prices.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.domain.price_profile import DEFAULT_TIME_ZONE, PriceProfile, zone_name

# USD/MWh: a month's typical level before the daily shape.
MONTH_LEVEL_USD_PER_MWH = (32, 34, 27, 26, 30, 38, 46, 55, 40, 30, 28, 33)
# Multipliers of the level by local hour starting (0-23): nights at about 60 %, the late
# afternoon peak at about 150 %.
HOUR_SHAPE = (
    0.62, 0.58, 0.56, 0.56, 0.60, 0.70, 0.85, 0.95, 0.98, 1.00, 1.02, 1.05,
    1.10, 1.18, 1.28, 1.40, 1.50, 1.52, 1.45, 1.30, 1.15, 1.00, 0.85, 0.72,
)  # fmt: skip
SCARCITY_DAY_SHARE = 0.08  # summer days (June-September) with a scarcity afternoon
SCARCITY_HOURS = (16, 17, 18, 19)
SCARCITY_PEAK_USD_PER_MWH = (1_500.0, 5_000.0)  # the day's dearest hour, drawn in this range
NEGATIVE_NIGHT_SHARE = 0.05  # spring and autumn night hours (1-5 h) priced below zero
NEGATIVE_USD_PER_MWH = (-30.0, -1.0)
WIND_MONTHS = (3, 4, 5, 10, 11)


def synthetic_ercot_profile(year: int, time_zone: str = DEFAULT_TIME_ZONE) -> PriceProfile:
    """A calendar year (local time) of hourly ERCOT-like prices, labelled as synthetic."""
    zone = ZoneInfo(zone_name(time_zone))
    start_utc = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end_utc = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    hours = int((end_utc - start_utc) / timedelta(hours=1))
    rng = random.Random(f"synthetic-ercot-{year}-{time_zone}")
    scarcity_peak: dict[tuple[int, int], float] = {}
    prices: list[float] = []
    for index in range(hours):
        local = (start_utc + timedelta(hours=index)).astimezone(zone)
        day = (local.month, local.day)
        if local.hour == 0 and 6 <= local.month <= 9 and rng.random() < SCARCITY_DAY_SHARE:
            scarcity_peak[day] = rng.uniform(*SCARCITY_PEAK_USD_PER_MWH)
        level = MONTH_LEVEL_USD_PER_MWH[local.month - 1] * HOUR_SHAPE[local.hour]
        price = level * rng.lognormvariate(0.0, 0.18)
        if day in scarcity_peak and local.hour in SCARCITY_HOURS:
            # The peak at 18:00, the hours beside it at a third to two thirds of it.
            price = scarcity_peak[day] * (1 - abs(local.hour - 18) / 3) * rng.uniform(0.9, 1.0)
        elif (
            local.month in WIND_MONTHS
            and 1 <= local.hour <= 5
            and rng.random() < NEGATIVE_NIGHT_SHARE
        ):
            price = rng.uniform(*NEGATIVE_USD_PER_MWH)
        prices.append(round(price, 2))
    return PriceProfile(
        source=f"Synthetic ERCOT-like profile for {year} (not market data)",
        time_zone=time_zone,
        start_utc=start_utc,
        interval_minutes=60,
        usd_per_mwh=prices,
    )
