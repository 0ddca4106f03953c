"""Monte Carlo defaults from a long monthly history of BTC price and difficulty.

The rows are those of resources/btc_monthly_history.csv as csv.DictReader gives them:
``month`` (YYYY-MM), ``btc_price_usd`` (the month's closing price) and ``difficulty_t``
(the difficulty on the month's last day, in trillions). A blank value is a missing month:
it is never filled in, so every change below is taken between two consecutive calendar
months that both have the value.

Method, matching the model that ``montecarlo.simulate_markets`` draws from (log price a
random walk; log network = elasticity x log price L months earlier + its own random walk):

* Price volatility per year: the sample standard deviation of the monthly log price
  changes ln(P_t / P_t-1), times sqrt(12).
* Network hashrate from difficulty: H = difficulty x 2^32 / 600 s (the hashes a block
  takes over the 600 s target), in EH/s. Its monthly log change is that of the difficulty.
  The difficulty on a month's last day reflects the hashrate of the ~2 weeks before it.
* Elasticity and lag: for each lag L in 0..max_lag_months, the least-squares fit
  dlnH_t = a + b x dlnP_t-L + e_t. All lags are fitted on the same months (those whose
  hashrate change and every lagged price change exist), so their fits compare; the lag
  with the highest R^2 is chosen and its slope b is the elasticity. The intercept a takes
  the network's growth trend, which the planner's scenario path already carries.
* Network noise per year: the standard deviation of the chosen fit's residuals e_t
  (n - 2 degrees of freedom), times sqrt(12): the hashrate's own monthly log changes that
  the price does not explain, annualized as a random walk.

Numpy only: the rows come in as an argument, nothing is read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HASHES_PER_DIFFICULTY = 2.0**32  # expected hashes per block at difficulty 1
SECONDS_PER_BLOCK = 600.0  # the protocol's target block interval
HASHES_PER_EXAHASH = 1e18
DIFFICULTY_PER_T = 1e12
MONTHS_PER_YEAR = 12
MAX_LAG_MONTHS = 12


def hashrate_ehs_from_difficulty_t(difficulty_t: float) -> float:
    """The network hashrate (EH/s) that finds a block every 600 s at this difficulty (T)."""
    return difficulty_t * DIFFICULTY_PER_T * HASHES_PER_DIFFICULTY / SECONDS_PER_BLOCK / 1e18


@dataclass(frozen=True)
class HistoryDefaults:
    price_volatility_per_year: float  # of log price
    network_elasticity: float  # d ln(hashrate) / d ln(price L months earlier)
    network_lag_months: int
    network_noise_per_year: float  # of log hashrate, the part the price does not explain
    r_squared: float  # of the chosen lag's fit
    r_squared_by_lag: tuple[float, ...]  # index = lag in months
    price_changes: int  # monthly price changes behind the volatility
    network_changes: int  # months behind the fit
    first_month: str
    last_month: str


def _month_index(month: str) -> int:
    year, mon = month.strip().split("-")
    return int(year) * MONTHS_PER_YEAR + int(mon) - 1


def _value(row: dict[str, str], key: str) -> float:
    text = (row.get(key) or "").strip()
    if not text:
        return math.nan
    value = float(text)
    return value if value > 0 else math.nan


def monthly_series(rows: list[dict[str, str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Months from the first to the last row (gaps included), with the price (USD) and
    difficulty-implied hashrate (EH/s) of each; NaN where a month or a value is missing."""
    if not rows:
        raise ValueError("no history rows")
    indexed = {_month_index(r["month"]): r for r in rows}
    if len(indexed) != len(rows):
        raise ValueError("a month appears twice in the history")
    first, last = min(indexed), max(indexed)
    count = last - first + 1
    price_usd = np.full(count, np.nan)
    hashrate_ehs = np.full(count, np.nan)
    for index, row in indexed.items():
        price_usd[index - first] = _value(row, "btc_price_usd")
        difficulty_t = _value(row, "difficulty_t")
        hashrate_ehs[index - first] = hashrate_ehs_from_difficulty_t(difficulty_t)
    months = [
        f"{i // MONTHS_PER_YEAR:04d}-{i % MONTHS_PER_YEAR + 1:02d}" for i in range(first, last + 1)
    ]
    return months, price_usd, hashrate_ehs


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Least squares y = a + b x: slope, R^2 and residuals."""
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coef
    total = float(np.sum((y - y.mean()) ** 2))
    r_squared = 1.0 - float(np.sum(residuals**2)) / total if total > 0 else math.nan
    return float(coef[1]), r_squared, residuals


def derive_history_defaults(
    rows: list[dict[str, str]], max_lag_months: int = MAX_LAG_MONTHS
) -> HistoryDefaults:
    """Price volatility, the network's elasticity to the price and its lag, and the
    network's own noise, from the monthly history rows (see the module docstring)."""
    if max_lag_months < 0:
        raise ValueError(f"max_lag_months must be at least 0, got {max_lag_months}")
    months, price_usd, hashrate_ehs = monthly_series(rows)
    dln_price = np.diff(np.log(price_usd))  # [t - 1] is month t's change
    dln_hashrate = np.diff(np.log(hashrate_ehs))
    price_ok = np.isfinite(dln_price)
    if price_ok.sum() < 2:
        raise ValueError("fewer than two monthly price changes")
    volatility = float(np.std(dln_price[price_ok], ddof=1)) * math.sqrt(MONTHS_PER_YEAR)

    changes = dln_price.size
    common = np.zeros(changes, dtype=bool)
    common[max_lag_months:] = np.isfinite(dln_hashrate[max_lag_months:])
    for lag in range(max_lag_months + 1):
        common[max_lag_months:] &= np.isfinite(dln_price[max_lag_months - lag : changes - lag])
    at = np.flatnonzero(common)
    if at.size < 3:
        raise ValueError("fewer than three months with a hashrate change and lagged prices")
    y = dln_hashrate[at]
    fits = [_fit(dln_price[at - lag], y) for lag in range(max_lag_months + 1)]
    r_squared_by_lag = tuple(fit[1] for fit in fits)
    best = int(np.nanargmax(np.array(r_squared_by_lag)))
    slope, r_squared, residuals = fits[best]
    noise = float(np.sqrt(np.sum(residuals**2) / (at.size - 2))) * math.sqrt(MONTHS_PER_YEAR)
    return HistoryDefaults(
        price_volatility_per_year=volatility,
        network_elasticity=slope,
        network_lag_months=best,
        network_noise_per_year=noise,
        r_squared=r_squared,
        r_squared_by_lag=r_squared_by_lag,
        price_changes=int(price_ok.sum()),
        network_changes=int(at.size),
        first_month=months[0],
        last_month=months[-1],
    )
