"""Payback, NPV and IRR of monthly cash flows (flows at month end).

All functions take a 2-D array of flows (series x months) so that rows, sites and the
fleet share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyxirr

from planner.engine.roots import brentq

PAID_BACK = 0
NEVER = 1  # cumulative cash flow goes negative and does not return to zero in the horizon
NEVER_NEGATIVE = 2  # cumulative cash flow never goes negative: payback is immediate


def discount_factors(rate_per_year: float, months: int) -> np.ndarray:
    """1 / (1 + rate) ** ((t + 1) / 12): each month's flow is discounted from its end."""
    t = np.arange(1, months + 1, dtype=float)
    return (1.0 + rate_per_year) ** (-t / 12.0)


def npv(flows: np.ndarray, rate_per_year: float) -> np.ndarray:
    """Net present value of each series at the start of the horizon."""
    return flows @ discount_factors(rate_per_year, flows.shape[1])


@dataclass(frozen=True)
class Payback:
    """Payback of each series.

    `months` counts from the start of the month in which cumulative cash flow first went
    negative (the investment month) to the interpolated point where it is back at zero;
    `at_month` is that point in months from the start of the horizon. Both are NaN when
    the series never pays back (`status` NEVER) and 0 when there was nothing to recover.
    """

    months: np.ndarray
    at_month: np.ndarray
    status: np.ndarray


def cumulative_by_month(flows: np.ndarray) -> np.ndarray:
    """Cumulative sums of each series along months, laid out months x series.

    For many series a loop of whole-row additions over months is several times faster
    than numpy's cumsum along the last axis; the sums are the same sequential sums.
    """
    series, months = flows.shape
    if series < 64:
        return np.cumsum(flows, axis=1).T
    out = np.ascontiguousarray(flows.T)
    for t in range(1, months):
        np.add(out[t - 1], out[t], out=out[t])
    return out


def payback(flows: np.ndarray) -> Payback:
    """Interpolated payback of each series: flows accrue evenly through each month."""
    series, months = flows.shape
    cumulative = cumulative_by_month(flows)  # months x series
    negative = cumulative < 0
    went_negative = negative.any(axis=0)
    first_negative = negative.argmax(axis=0)
    t = np.arange(months)
    recovered = ~negative
    recovered &= t[:, None] > first_negative[None, :]
    has_recovered = recovered.any(axis=0) & went_negative
    first_back = recovered.argmax(axis=0)

    columns = np.arange(series)
    before = cumulative[np.maximum(first_back - 1, 0), columns]
    during = flows[columns, first_back]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(during > 0, -before / during, 0.0)
    at_month = np.where(has_recovered, first_back + fraction, np.nan)
    at_month = np.where(went_negative, at_month, 0.0)
    months_from_investment = np.where(went_negative, at_month - first_negative, 0.0)
    status = np.where(
        ~went_negative, NEVER_NEGATIVE, np.where(has_recovered, PAID_BACK, NEVER)
    ).astype(np.int8)
    return Payback(months=months_from_investment, at_month=at_month, status=status)


def discounted_flows(flows: np.ndarray, rate_per_year: float) -> np.ndarray:
    return flows * discount_factors(rate_per_year, flows.shape[1])[None, :]


def sign_changes(flows: np.ndarray) -> int:
    """How many times the non-zero flows change sign."""
    signs = np.sign(flows[flows != 0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


# Monthly rates searched for a root: -99.9999 % to +1,000 % a month, densest near zero.
_GRID = np.unique(
    np.concatenate(
        (
            -1.0 + np.geomspace(1e-6, 0.7, 80),
            np.linspace(-0.30, -0.05, 26),
            np.linspace(-0.05, 0.10, 301),
            np.linspace(0.10, 1.0, 91),
            np.geomspace(1.0, 10.0, 40),
        )
    )
)


def _scaled_npv(values: np.ndarray, rate: float) -> float:
    """NPV at a monthly rate, scaled by a positive factor so that it never overflows:
    Σ f_t (1+m)^-t for m >= 0 and Σ f_t (1+m)^(T-1-t) for m < 0. Same sign, same roots."""
    t = np.arange(values.size, dtype=float)
    exponent = -t if rate >= 0 else (values.size - 1) - t
    return float(values @ (1.0 + rate) ** exponent)


@lru_cache(maxsize=16)
def _grid_factors(months: int) -> np.ndarray:
    t = np.arange(months, dtype=float)
    exponent = np.where(_GRID[:, None] >= 0, -t[None, :], (months - 1) - t[None, :])
    table = (1.0 + _GRID[:, None]) ** exponent
    table.setflags(write=False)
    return table


def _bracketed_root(values: np.ndarray) -> float | None:
    """The rate nearest zero where NPV changes sign on the grid, solved by brentq."""
    signs = np.sign(_grid_factors(values.size) @ values)
    flips = np.flatnonzero(signs[1:] * signs[:-1] <= 0)
    if flips.size == 0:
        return None
    nearest = flips[np.argmin(np.minimum(np.abs(_GRID[flips]), np.abs(_GRID[flips + 1])))]
    low, high = float(_GRID[nearest]), float(_GRID[nearest + 1])
    if _scaled_npv(values, low) == 0.0:
        return low
    if _scaled_npv(values, high) == 0.0:
        return high
    return float(brentq(lambda m: _scaled_npv(values, m), low, high, xtol=1e-15, rtol=1e-13))


def _monthly_irr(values: np.ndarray) -> float | None:
    changes = sign_changes(values)
    if changes == 0:
        return None
    if changes == 1:
        # One sign change: a unique rate above -100 %; pyxirr finds it quickly.
        try:
            found = pyxirr.irr(values, silent=True)
        except (pyxirr.InvalidPaymentsError, ValueError):
            found = None
        if found is not None and np.isfinite(found) and found > -1.0:
            return float(found)
    # pyxirr gave up, or several sign changes may give several rates: report the one
    # nearest zero, bracketed on a grid and solved by Brent's method.
    return _bracketed_root(values)


def irr_annual(flows: np.ndarray) -> float | None:
    """Annualized IRR, (1 + m) ** 12 - 1 of the monthly rate m that zeroes NPV.

    None when the flows never change sign or no rate can be found. With one sign change
    the rate is unique and pyxirr finds it. With several there may be several rates and
    the one nearest zero is reported (numpy-financial's convention), found with Brent's
    method (planner/engine/roots.py) inside a bracket located on a grid of rates.
    """
    monthly = _monthly_irr(np.asarray(flows, dtype=float))
    if monthly is None or monthly <= -1.0:
        return None
    return float((1.0 + monthly) ** 12 - 1.0)


def irr_annual_many(flows: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
    """`irr_annual` of each series (of those where `only` is true); NaN where there is none."""
    out = np.full(flows.shape[0], np.nan)
    for i, series in enumerate(flows):
        if only is not None and not only[i]:
            continue
        value = irr_annual(series)
        if value is not None:
            out[i] = value
    return out
