"""Calendar months, blocks, block heights and the subsidy split exactly at halving heights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np

from planner.domain.months import add_months, days_in_month

HALVING_INTERVAL_BLOCKS = 210_000
INITIAL_SUBSIDY_SAT = 5_000_000_000
SAT_PER_BTC = 100_000_000
SECONDS_PER_DAY = 86_400


LAST_ERA = 64  # from here on the subsidy is zero


def subsidy_btc_at_height(height: int) -> float:
    """Block subsidy in BTC of the block at `height` (50 BTC halved every 210,000 blocks)."""
    era = int(height) // HALVING_INTERVAL_BLOCKS
    if era >= LAST_ERA:
        return 0.0
    return (INITIAL_SUBSIDY_SAT >> era) / SAT_PER_BTC


def next_halving_height(height: float) -> int:
    """The first halving height strictly above `height`."""
    return (int(height) // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS


def estimate_height_date(
    reference: datetime, reference_height: float, target_height: float, block_time_s: float
) -> datetime:
    """When `target_height` is expected, at `block_time_s` seconds per block from a known point."""
    return reference + timedelta(seconds=(target_height - reference_height) * block_time_s)


def height_date(timeline: Timeline, height: float) -> datetime:
    """When `height` is expected: in the last month starting at or below it, at that
    month's block time (past the horizon, at its last month's)."""
    k = max(int(np.searchsorted(timeline.height_start, height, side="right")) - 1, 0)
    start = datetime.combine(timeline.month_starts[k], datetime.min.time())
    block_time_s = float(timeline.block_time_s[k])
    return estimate_height_date(start, float(timeline.height_start[k]), height, block_time_s)


@dataclass(frozen=True)
class Timeline:
    """Month-by-month calendar and block schedule of a scenario's horizon."""

    month_starts: tuple[date, ...]
    days: np.ndarray  # days in each month
    blocks: np.ndarray  # expected blocks mined in each month (fractional)
    block_time_s: np.ndarray  # each month's average seconds per block
    height_start: np.ndarray  # block height at the first second of each month
    subsidy_btc: np.ndarray  # subsidy issued in each month, split at halving heights

    @property
    def months(self) -> int:
        return len(self.month_starts)


def subsidy_issued(height_start: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Subsidy paid for the blocks [h, h + blocks) of each period.

    Each period's blocks are split at every halving height inside it, and each part is
    paid the subsidy of its own era, so a halving never rounds to a month boundary.
    """
    height_end = height_start + blocks
    total = np.zeros_like(height_start, dtype=float)
    if height_start.size == 0:
        return total
    first_era = min(int(np.floor(height_start.min() / HALVING_INTERVAL_BLOCKS)), LAST_ERA)
    last_era = min(int(np.floor(height_end.max() / HALVING_INTERVAL_BLOCKS)), LAST_ERA)
    for era in range(first_era, last_era + 1):
        era_start = era * HALVING_INTERVAL_BLOCKS
        era_end = era_start + HALVING_INTERVAL_BLOCKS
        overlap = np.clip(
            np.minimum(height_end, era_end) - np.maximum(height_start, era_start), 0.0, None
        )
        total += overlap * subsidy_btc_at_height(era_start)
    return total


@lru_cache(maxsize=64)
def month_days(start_month: date, months: int) -> tuple[tuple[date, ...], tuple[float, ...]]:
    """The first day and the number of days of each of `months` months from `start_month`."""
    month_starts = tuple(add_months(start_month, t) for t in range(months))
    return month_starts, tuple(float(days_in_month(m)) for m in month_starts)


@lru_cache(maxsize=64)
def build_timeline(
    start_month: date,
    months: int,
    start_height: float,
    block_time_s: float | tuple[float, ...],
) -> Timeline:
    """The calendar of `months` months from `start_month` and the blocks expected in each,
    at one block time or one per month.

    Cached: recomputations after an edit reuse it. Its arrays are read-only.
    """
    month_starts, day_counts = month_days(start_month, months)
    days = np.array(day_counts, dtype=float)
    block_times = np.broadcast_to(np.asarray(block_time_s, dtype=float), (months,))
    blocks = days * SECONDS_PER_DAY / block_times
    height_start = start_height + np.cumsum(np.concatenate(([0.0], blocks[:-1])))[:months]
    subsidy = subsidy_issued(height_start, blocks)
    block_times = block_times.copy()
    for array in (days, blocks, height_start, subsidy, block_times):
        array.setflags(write=False)
    return Timeline(
        month_starts=month_starts,
        days=days,
        blocks=blocks,
        block_time_s=block_times,
        height_start=height_start,
        subsidy_btc=subsidy,
    )
