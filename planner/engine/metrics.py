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
class StartFlows:
    """The part of series' flows that comes at the start of its month (capex, as negative
    USD), few per series: entity, month index and USD, sorted by entity then month, one
    entry per (entity, month)."""

    entity: np.ndarray
    month: np.ndarray
    usd: np.ndarray

    @staticmethod
    def of(entity: np.ndarray, month: np.ndarray, usd: np.ndarray) -> StartFlows:
        """From entries in any order; those of one entity and month are added up."""
        order = np.lexsort((month, entity))
        entity, month, usd = entity[order], month[order], usd[order]
        if entity.size == 0:
            return StartFlows(entity.astype(np.int64), month.astype(np.int64), usd.astype(float))
        new = np.r_[True, (entity[1:] != entity[:-1]) | (month[1:] != month[:-1])]
        starts = np.flatnonzero(new)
        return StartFlows(entity[starts], month[starts], np.add.reduceat(usd, starts))

    @staticmethod
    def of_dense(at_start: np.ndarray) -> StartFlows:
        """From a K x H array (zero where nothing comes at a month's start)."""
        entity, month = np.nonzero(at_start)
        return StartFlows(entity, month, np.asarray(at_start[entity, month], dtype=float))

    def renumbered(self, new_number: np.ndarray) -> StartFlows:
        """The same flows with entity e renumbered `new_number[e]`."""
        return StartFlows.of(new_number[self.entity], self.month, self.usd)

    def block(self, first: int, stop: int) -> StartFlows:
        """The flows of entities first to stop - 1, numbered from 0."""
        a, b = np.searchsorted(self.entity, (first, stop))
        return StartFlows(self.entity[a:b] - first, self.month[a:b], self.usd[a:b])

    def dense(self, count: int, months: int) -> np.ndarray:
        """count x months."""
        out = np.zeros((count, months))
        out[self.entity, self.month] = self.usd
        return out

    def scaled(self, by_month: np.ndarray) -> StartFlows:
        """Each flow times `by_month` of its month (discount factors)."""
        return StartFlows(self.entity, self.month, self.usd * by_month[self.month])

    def by_entity(self, by_month: np.ndarray, count: int) -> np.ndarray:
        """(count,) the sum of each entity's flows times `by_month` of their months."""
        return np.bincount(self.entity, self.usd * by_month[self.month], minlength=count)


# The part of flows at their months' starts: K x H, sparse, or nothing.
AtStart = np.ndarray | StartFlows | None


def _sparse(at_start: AtStart) -> StartFlows | None:
    if at_start is None or isinstance(at_start, StartFlows):
        return at_start
    return StartFlows.of_dense(at_start)


def discount_factors(rate_per_year: float, months: int) -> np.ndarray:
    """1 / (1 + rate) ** ((t + 1) / 12): each month's flow is discounted from its end."""
    t = np.arange(1, months + 1, dtype=float)
    return (1.0 + rate_per_year) ** (-t / 12.0)


def start_premium(rate_per_year: float) -> float:
    """g = (1 + rate) ** (1 / 12) - 1: a payment at the start of a month is worth (1 + g)
    times the same payment at its end."""
    return float((1.0 + rate_per_year) ** (1.0 / 12.0) - 1.0)


def npv(flows: np.ndarray, rate_per_year: float, at_start: AtStart = None) -> np.ndarray:
    """Net present value of each series at the start of the horizon; the `at_start` part
    of the flows is discounted from the start of its month."""
    factors = discount_factors(rate_per_year, flows.shape[1])
    values = flows @ factors
    sparse = _sparse(at_start)
    if sparse is not None:
        values = values + start_premium(rate_per_year) * sparse.by_entity(factors, flows.shape[0])
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


def payback(flows: np.ndarray, at_start: AtStart = None) -> Payback:
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
    sparse = _sparse(at_start)
    t = np.arange(months)
    for a in range(0, series, PAYBACK_BLOCK_ROWS):
        c = slice(a, min(a + PAYBACK_BLOCK_ROWS, series))
        block = flows[c]
        start = sparse.block(c.start, c.stop) if sparse is not None else None
        cumulative = np.cumsum(block, axis=1)
        negative = cumulative < 0
        if start is not None and start.usd.size:
            # Below zero at a month's start after its capex (elsewhere the start is the
            # month before's end, already counted).
            level = cumulative[start.entity, start.month] - block[start.entity, start.month]
            below = level + start.usd < 0
            negative[start.entity[below], start.month[below]] = True
        went_negative = negative.any(axis=1)
        first_negative = negative.argmax(axis=1)
        recovered = cumulative >= 0
        recovered &= t[None, :] >= first_negative[:, None]
        has_recovered = recovered.any(axis=1) & went_negative
        first_back = recovered.argmax(axis=1)
        rows = np.arange(block.shape[0])
        during = block[rows, first_back]  # the month's flow, less its part at the start
        before = cumulative[rows, first_back] - during  # the level at its start
        if start is not None and start.usd.size:
            then = start.month == first_back[start.entity]
            at_back = np.bincount(start.entity[then], start.usd[then], minlength=rows.size)
            before = before + at_back
            during = during - at_back
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
    flows: np.ndarray, rate_per_year: float, at_start: AtStart = None
) -> Payback:
    """Payback of the discounted flows: the `at_start` part discounted from its month's
    start, the rest from its end."""
    factors = discount_factors(rate_per_year, flows.shape[1])
    discounted = flows * factors[None, :]
    sparse = _sparse(at_start)
    if sparse is None:
        return payback(discounted)
    premium = start_premium(rate_per_year)
    np.add.at(discounted, (sparse.entity, sparse.month), premium * sparse.scaled(factors).usd)
    return payback(discounted, sparse.scaled(factors * (1.0 + premium)))


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


IRR_BLOCK_ROWS = 1024  # rows whose flows at month boundaries are laid out at once


def irr_annual_many(
    flows: np.ndarray, only: np.ndarray | None = None, at_start: AtStart = None
) -> np.ndarray:
    """`irr_annual` of each series (of those where `only` is true); NaN where there is none.
    With `at_start`, each series' flows at the month boundaries (`boundary_flows`), laid
    out a block of rows at a time."""
    count, months = flows.shape
    out = np.full(count, np.nan)
    sparse = _sparse(at_start)
    for a in range(0, count, IRR_BLOCK_ROWS):
        c = slice(a, min(a + IRR_BLOCK_ROWS, count))
        block = flows[c]
        if sparse is not None:
            start = sparse.block(c.start, c.stop)
            values = np.zeros((block.shape[0], months + 1))
            values[:, 1:] = block
            values[start.entity, start.month] += start.usd  # one entry per (row, month)
            values[start.entity, start.month + 1] -= start.usd
            block = values
        for j, series in enumerate(block):
            if only is not None and not only[a + j]:
                continue
            monthly = _monthly_irr(series)
            if monthly is not None and monthly > -1.0:
                out[a + j] = (1.0 + monthly) ** 12 - 1.0
    return out
