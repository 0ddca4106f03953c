"""The network as it moves: block times from the hashrate path (MODEL.md "Network, price,
hashprice").

Difficulty retargets every 2,016 blocks to the hashrate of the epoch before, so while
hashrate grows blocks come faster than the target: block time = target x difficulty-
implied hashrate / actual hashrate. At monthly resolution the difficulty in force lags
the hashrate by one epoch (2,016 target block times, about two weeks), read off the
month-to-month growth: implied_t = H_t x (H_{t-1} / H_t) ** (epoch / month). A scenario
may give the difficulty in force at its start (what pools quote); otherwise the month
before the start continues the path's first step (or the growth rate). At 0 % growth
nothing changes: every block takes the target time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RETARGET_BLOCKS = 2_016
HASHES_PER_DIFFICULTY = 2.0**32
EH = 1e18
TERA = 1e12


def hashrate_before_start(
    hashrate_ehs: np.ndarray, path_ehs: Sequence[float], growth_per_year: float
) -> float:
    """The network hashrate of the month before the start: the path's first step taken
    back (a path of two months or more), else the growth rate's."""
    if len(path_ehs) >= 2 and hashrate_ehs.size >= 2:
        return float(hashrate_ehs[0] ** 2 / hashrate_ehs[1])
    return float(hashrate_ehs[0] / (1.0 + growth_per_year) ** (1.0 / 12.0))


def implied_hashrate_ehs(difficulty_t: float, target_s: float) -> float:
    """The hashrate a difficulty implies at the target block time."""
    return difficulty_t * TERA * HASHES_PER_DIFFICULTY / target_s / EH


def difficulty_t_of(implied_ehs: np.ndarray, target_s: float) -> np.ndarray:
    """The difficulty (in T) that implies `implied_ehs` at the target block time."""
    return implied_ehs * EH * target_s / HASHES_PER_DIFFICULTY / TERA


def block_times_s(
    hashrate_ehs: np.ndarray,
    before_start_ehs: float,
    target_s: float,
    month_seconds: np.ndarray,
    start_difficulty_t: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(..., H) each month's block time and the difficulty-implied hashrate behind it, for
    one hashrate path (H,) or many (paths x H), all from the same month before the start."""
    before = np.full((*hashrate_ehs.shape[:-1], 1), before_start_ehs)
    previous = np.concatenate((before, hashrate_ehs[..., :-1]), axis=-1)
    epoch_months = RETARGET_BLOCKS * target_s / month_seconds
    implied = hashrate_ehs * (previous / hashrate_ehs) ** epoch_months
    if start_difficulty_t is not None and implied.shape[-1]:
        implied[..., 0] = implied_hashrate_ehs(start_difficulty_t, target_s)
    return target_s * implied / hashrate_ehs, implied
