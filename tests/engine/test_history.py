"""Monte Carlo defaults from the monthly history, and the shipped reference data's
consistency: a synthetic history with a known volatility, elasticity, lag and noise gives
them back; the shipped history gives finite, plausible values; every network point's
hashrate agrees with its difficulty and every hashprice with its price and hashrate."""

from __future__ import annotations

import csv
import math
from datetime import date

import numpy as np
import pytest

from planner.engine.history import (
    derive_history_defaults,
    hashrate_ehs_from_difficulty_t,
    monthly_series,
)
from planner.io.resources import resource_path

BLOCKS_PER_DAY = 144
HALVING_2024 = date(2024, 4, 20)


def _read(name: str) -> list[dict[str, str]]:
    with resource_path(name).open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def _difficulty_t(hashrate_ehs: float) -> float:
    return hashrate_ehs / hashrate_ehs_from_difficulty_t(1.0)


def _synthetic_rows(
    months: int, volatility: float, elasticity: float, lag: int, noise: float, seed: int
) -> list[dict[str, str]]:
    """Log price a random walk; monthly log hashrate change = trend + elasticity x the
    price change `lag` months earlier + its own noise."""
    rng = np.random.default_rng(seed)
    dln_price = volatility / math.sqrt(12) * rng.standard_normal(months + lag)
    own = noise / math.sqrt(12) * rng.standard_normal(months)
    dln_hashrate = 0.03 + elasticity * dln_price[:months] + own
    price = 400.0 * np.exp(np.cumsum(dln_price[lag:]))
    hashrate = 1.0 * np.exp(np.cumsum(dln_hashrate))
    rows = []
    for i in range(months):
        year, month = divmod(i, 12)
        rows.append(
            {
                "month": f"{2000 + year:04d}-{month + 1:02d}",
                "btc_price_usd": f"{price[i]:.6f}",
                "difficulty_t": f"{_difficulty_t(hashrate[i]):.9g}",
                "source": "synthetic",
            }
        )
    return rows


def test_hashrate_from_difficulty() -> None:
    # 141.67 T x 2^32 / 600 s = 1,014.1 EH/s (the 2026-01-22 adjustment)
    assert hashrate_ehs_from_difficulty_t(141.67) == pytest.approx(1014.1, abs=0.05)


@pytest.mark.parametrize(
    ("volatility", "elasticity", "lag", "noise", "seed"),
    [(0.70, 0.45, 4, 0.20, 11), (0.50, 0.90, 0, 0.30, 12), (0.90, 0.30, 9, 0.15, 13)],
)
def test_a_synthetic_history_gives_its_parameters_back(
    volatility: float, elasticity: float, lag: int, noise: float, seed: int
) -> None:
    rows = _synthetic_rows(1200, volatility, elasticity, lag, noise, seed)
    derived = derive_history_defaults(rows)
    assert derived.network_lag_months == lag
    assert derived.price_volatility_per_year == pytest.approx(volatility, rel=0.06)
    assert derived.network_elasticity == pytest.approx(elasticity, abs=0.05)
    assert derived.network_noise_per_year == pytest.approx(noise, rel=0.06)
    assert derived.r_squared == max(derived.r_squared_by_lag)


def test_a_missing_month_is_not_bridged() -> None:
    rows = _synthetic_rows(300, 0.7, 0.45, 4, 0.2, 21)
    whole = derive_history_defaults(rows)
    gap = [dict(r) for r in rows]
    gap[150]["btc_price_usd"] = ""  # two price changes go, none is made across the gap
    del gap[200]  # a month missing altogether: its two changes go
    holed = derive_history_defaults(gap)
    assert whole.price_changes == 299
    assert holed.price_changes == 299 - 2 - 2
    months, price, _ = monthly_series(gap)
    assert len(months) == 300 and math.isnan(price[150]) and math.isnan(price[200])
    assert holed.network_lag_months == whole.network_lag_months


def test_the_shipped_history_gives_plausible_defaults() -> None:
    rows = _read("btc_monthly_history.csv")
    derived = derive_history_defaults(rows)
    print(
        f"\nfrom {derived.first_month} to {derived.last_month}: "
        f"price volatility {derived.price_volatility_per_year:.4f}/yr "
        f"({derived.price_changes} monthly changes); "
        f"network elasticity {derived.network_elasticity:.4f} at a lag of "
        f"{derived.network_lag_months} months (R^2 {derived.r_squared:.3f}, "
        f"{derived.network_changes} months); "
        f"network noise {derived.network_noise_per_year:.4f}/yr"
    )
    assert 0.3 < derived.price_volatility_per_year < 1.5
    assert -1.0 < derived.network_elasticity < 2.0
    assert 0 <= derived.network_lag_months <= 12
    assert 0.0 < derived.network_noise_per_year < 1.0
    assert derived.price_changes >= 120 and derived.network_changes >= 60


def test_the_shipped_history_is_monthly_and_sourced() -> None:
    rows = _read("btc_monthly_history.csv")
    months, price, hashrate = monthly_series(rows)
    assert len(months) == len(rows) and months[0] == "2016-01"  # no month skipped
    assert np.isfinite(price).all()
    assert all(r["source"].strip() for r in rows)
    for row in rows:  # a missing difficulty says so
        assert bool(row["difficulty_t"]) != ("difficulty: missing" in row["source"])
    assert np.isfinite(hashrate).sum() >= 84


def _subsidy_btc(day: date) -> float:
    return 3.125 if day >= HALVING_2024 else 6.25


def test_network_points_agree_with_themselves() -> None:
    points = _read("network_points.csv")
    checked_hashrate = checked_hashprice = 0
    for p in points:
        day = date.fromisoformat(p["date"])
        if p["difficulty_t"] and p["hashrate_ehs"]:
            implied = hashrate_ehs_from_difficulty_t(float(p["difficulty_t"]))
            assert float(p["hashrate_ehs"]) == pytest.approx(implied, rel=0.01), p["date"]
            checked_hashrate += 1
        if p["hashprice_usd_per_ph_day"]:
            assert p["btc_price_usd"] and p["hashrate_ehs"], f"{p['date']}: cannot be checked"
            fees = float(p["fees_share_of_reward"] or 0.0)
            usd_per_day = (
                _subsidy_btc(day) * (1 + fees) * BLOCKS_PER_DAY * float(p["btc_price_usd"])
            )
            hashprice = usd_per_day / (float(p["hashrate_ehs"]) * 1000.0)  # per PH/s
            assert float(p["hashprice_usd_per_ph_day"]) == pytest.approx(hashprice, rel=0.02), p[
                "date"
            ]
            checked_hashprice += 1
    assert checked_hashrate >= 4 and checked_hashprice >= 3
