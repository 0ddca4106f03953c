"""Payback, NPV and IRR of monthly cash flows.

Flows come at the end of their month, except the part given as `at_start` (capex, paid
at the start of its month): `at_start` has the shape of `flows` and is included in them
(FCF counts capex), so the functions only move that part to the month's start.

All functions take a 2-D array of flows (series x months) so that rows, sites and the
fleet share one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import numpy as np
import pyxirr

from planner.engine.roots import brentq


class PaybackStatus(IntEnum):
    """How a series' cumulative cash flow ends: the codes of `Payback.status` arrays."""

    PAID_BACK = 0  # it went negative and came back to zero within the horizon
    NEVER = 1  # it went negative and did not return to zero within the horizon
    NEVER_NEGATIVE = 2  # it never went negative: payback is immediate

    @property
    def key(self) -> str:
        """The status as the JSON report and the workbook name it."""
        return _STATUS_KEYS[self]


_STATUS_KEYS = {
    PaybackStatus.PAID_BACK: "paid_back",
    PaybackStatus.NEVER: "never",
    PaybackStatus.NEVER_NEGATIVE: "immediate",
}
PAID_BACK = PaybackStatus.PAID_BACK
NEVER = PaybackStatus.NEVER
NEVER_NEGATIVE = PaybackStatus.NEVER_NEGATIVE


@dataclass(frozen=True)
class Payments:
    """Payments by entity and month, few per entity (the rows' capex): three arrays
    sorted by entity."""

    entity: np.ndarray
    month: np.ndarray
    usd: np.ndarray

    @staticmethod
    def of(entity: np.ndarray, month: np.ndarray, usd: np.ndarray) -> Payments:
        order = np.argsort(entity, kind="stable")
        return Payments(entity[order], month[order], usd[order])

    def renumbered(self, new_number: np.ndarray) -> Payments:
        """The same payments with entity e renumbered `new_number[e]`."""
        return Payments.of(new_number[self.entity], self.month, self.usd)

    def dense(self, first: int, stop: int, months: int) -> np.ndarray:
        """(stop - first) x months: the payments of entities first to stop - 1."""
        out = np.zeros((stop - first, months))
        a, b = np.searchsorted(self.entity, (first, stop))
        np.add.at(out, (self.entity[a:b] - first, self.month[a:b]), self.usd[a:b])
        return out


def discount_factors(rate_per_year: float, months: int) -> np.ndarray:
    """1 / (1 + rate) ** ((t + 1) / 12): each month's flow is discounted from its end."""
    t = np.arange(1, months + 1, dtype=float)
    return (1.0 + rate_per_year) ** (-t / 12.0)


def start_premium(rate_per_year: float) -> float:
    """g = (1 + rate) ** (1 / 12) - 1: a payment at the start of a month is worth (1 + g)
    times the same payment at its end."""
    return float((1.0 + rate_per_year) ** (1.0 / 12.0) - 1.0)


def npv(flows: np.ndarray, rate_per_year: float, at_start: np.ndarray | None = None) -> np.ndarray:
    """Net present value of each series at the start of the horizon; the `at_start` part
    of the flows is discounted from the start of its month."""
    factors = discount_factors(rate_per_year, flows.shape[1])
    values = flows @ factors
    if at_start is not None:
        values = values + start_premium(rate_per_year) * (at_start @ factors)
    return values


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


PAYBACK_BLOCK_ROWS = 512  # rows x months of one block of cumulative sums stay in cache


def payback(flows: np.ndarray, at_start: np.ndarray | None = None) -> Payback:
    """Interpolated payback of each series: the `at_start` part of each month's flow comes
    at its start, the rest accrues evenly through the month.

    Cumulative cash goes negative in a month when it is below zero at the month's start
    (after that month's capex) or at its end; it is back when it is at zero or above at a
    month's end, found inside the month from the level at its start. Worked in blocks of
    rows, each row's cumulative sum along its months (sequential sums, so the same figures
    whatever the block size)."""
    series, months = flows.shape
    at_month = np.empty(series)
    months_from_investment = np.empty(series)
    status = np.empty(series, dtype=np.int8)
    t = np.arange(months)
    for a in range(0, series, PAYBACK_BLOCK_ROWS):
        c = slice(a, min(a + PAYBACK_BLOCK_ROWS, series))
        block = flows[c]
        cumulative = np.cumsum(block, axis=1)
        start_level = cumulative - block  # the cumulative at each month's start
        accruing = block  # the part of each month's flow that accrues through it
        if at_start is not None:
            start_level += at_start[c]
            accruing = block - at_start[c]
        negative = (cumulative < 0) | (start_level < 0)
        went_negative = negative.any(axis=1)
        first_negative = negative.argmax(axis=1)
        recovered = (cumulative >= 0) & (t[None, :] >= first_negative[:, None])
        has_recovered = recovered.any(axis=1) & went_negative
        first_back = recovered.argmax(axis=1)
        rows = np.arange(block.shape[0])
        before = start_level[rows, first_back]
        during = accruing[rows, first_back]
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(during > 0, -before / during, 0.0)
        back_at = np.where(has_recovered, first_back + fraction, np.nan)
        back_at = np.where(went_negative, back_at, 0.0)
        at_month[c] = back_at
        months_from_investment[c] = np.where(went_negative, back_at - first_negative, 0.0)
        status[c] = np.where(
            ~went_negative, NEVER_NEGATIVE, np.where(has_recovered, PAID_BACK, NEVER)
        )
    return Payback(months=months_from_investment, at_month=at_month, status=status)


def discounted_flows(flows: np.ndarray, rate_per_year: float) -> np.ndarray:
    return flows * discount_factors(rate_per_year, flows.shape[1])[None, :]


def discounted_payback(
    flows: np.ndarray, rate_per_year: float, at_start: np.ndarray | None = None
) -> Payback:
    """Payback of the discounted flows: the `at_start` part discounted from its month's
    start, the rest from its end."""
    factors = discount_factors(rate_per_year, flows.shape[1])[None, :]
    if at_start is None:
        return payback(flows * factors)
    start_factors = factors * (1.0 + start_premium(rate_per_year))
    discounted_start = at_start * start_factors
    return payback((flows - at_start) * factors + discounted_start, discounted_start)


def boundary_flows(flows: np.ndarray, at_start: np.ndarray | None = None) -> np.ndarray:
    """The flows of one series at the H + 1 month boundaries: the `at_start` part of month
    t at boundary t (its start), the rest at boundary t + 1 (its end)."""
    values = np.zeros(flows.size + 1)
    values[1:] = flows
    if at_start is not None:
        values[:-1] += at_start
        values[1:] -= at_start
    return values


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


def irr_annual(flows: np.ndarray, at_start: np.ndarray | None = None) -> float | None:
    """Annualized IRR, (1 + m) ** 12 - 1 of the monthly rate m that zeroes NPV, with the
    `at_start` part of the flows at the start of its month (`boundary_flows`).

    None when the flows never change sign or no rate can be found. With one sign change
    the rate is unique and pyxirr finds it. With several there may be several rates and
    the one nearest zero is reported (numpy-financial's convention), found with Brent's
    method (planner/engine/roots.py) inside a bracket located on a grid of rates.
    """
    values = np.asarray(flows, dtype=float)
    if at_start is not None and np.any(at_start):
        values = boundary_flows(values, np.asarray(at_start, dtype=float))
    monthly = _monthly_irr(values)
    if monthly is None or monthly <= -1.0:
        return None
    return float((1.0 + monthly) ** 12 - 1.0)


def irr_annual_many(
    flows: np.ndarray,
    only: np.ndarray | None = None,
    at_start: np.ndarray | Payments | None = None,
) -> np.ndarray:
    """`irr_annual` of each series (of those where `only` is true); NaN where there is none.
    `at_start` as a Payments holds the series' capex (paid at its month's start)."""
    out = np.full(flows.shape[0], np.nan)
    for i, series in enumerate(flows):
        if only is not None and not only[i]:
            continue
        if isinstance(at_start, Payments):
            start = -at_start.dense(i, i + 1, series.size)[0]
        else:
            start = None if at_start is None else at_start[i]
        value = irr_annual(series, start)
        if value is not None:
            out[i] = value
    return out
