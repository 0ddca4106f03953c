"""The BTC held and its cost basis, per path: FIFO lots or the average cost.

FIFO keeps one lot for the opening holding and one for each month's mined BTC kept (at
that month's price, the revenue it was booked at); a sale takes the oldest lots first.
The lots are kept as running totals (BTC and cost added up to each lot) with the BTC
sold so far: the cost of a sale is C(sold + btc) - C(sold), where C(s) is the cost of
the first s BTC ever kept, found on the paths that sell only.
Average: a sale takes its share of the total cost. Arrays have a leading paths axis.
"""

from __future__ import annotations

import numpy as np

LOOK_AHEAD_LOTS = 2  # lots tried one by one before the bisection


class CostBasis:
    """BTC held (P,) and the cost of what a sale takes."""

    def __init__(
        self, fifo: bool, paths: int, months: int, opening_btc: float, opening_cost_usd: float
    ) -> None:
        self.fifo = fifo
        # (lots, paths): a lot is added for every path at once
        self._kept_btc = np.zeros((months + 1, paths))  # BTC kept up to each lot
        self._kept_cost_usd = np.zeros((months + 1, paths))  # their cost
        self._lot_price_usd = np.zeros((months + 1, paths))  # cost per BTC of each lot
        self._kept_btc[0] = opening_btc
        self._kept_cost_usd[0] = opening_cost_usd
        self._lot_price_usd[0] = opening_cost_usd / opening_btc if opening_btc else 0.0
        self._sold = np.zeros(paths)  # BTC taken out so far (FIFO)
        self._sold_cost = np.zeros(paths)  # C(sold): their cost
        self._head = np.zeros(paths, dtype=np.intp)  # the lot the next sale starts in
        self._head_end = self._kept_btc[0].copy()  # BTC kept up to and with the head lot
        self._head_price = self._lot_price_usd[0].copy()  # the head lot's cost per BTC
        self._held = np.full(paths, opening_btc)
        self._cost = np.full(paths, opening_cost_usd)
        self._used = 1  # lots in use

    @property
    def held_btc(self) -> np.ndarray:
        return self._held.copy()

    @property
    def held_now(self) -> np.ndarray:
        """The BTC held, not a copy: read it before the next add or sale."""
        return self._held

    @property
    def cost_now(self) -> np.ndarray:
        """The cost basis of the BTC held, not a copy."""
        return self._cost

    @property
    def cost_usd(self) -> np.ndarray:
        """The cost basis of the BTC held."""
        return self._cost.copy()

    def add(self, btc: np.ndarray, price_usd: np.ndarray) -> None:
        """Keep `btc` at a cost of `price_usd` each (a new lot)."""
        k = self._used
        self._kept_btc[k] = self._kept_btc[k - 1] + btc
        self._kept_cost_usd[k] = self._kept_cost_usd[k - 1] + btc * price_usd
        self._lot_price_usd[k] = price_usd
        self._used += 1
        self._held = self._held + btc
        self._cost = self._cost + btc * price_usd

    def sell(self, btc: np.ndarray) -> np.ndarray:
        """Take `btc` (at most what is held) out; returns its cost basis (P,)."""
        btc = np.minimum(btc, self._held)
        if self.fifo:
            cost = np.zeros_like(btc)
            rows = np.flatnonzero(btc > 0.0)
            if rows.size:
                cost[rows] = self._fifo_cost(rows, btc[rows])
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                cost = np.where(self._held > 0, self._cost * btc / self._held, 0.0)
        self._held = np.maximum(self._held - btc, 0.0)
        self._cost = np.where(self._held > 0, np.maximum(self._cost - cost, 0.0), 0.0)
        return cost

    def _fifo_cost(self, rows: np.ndarray, btc: np.ndarray) -> np.ndarray:
        """The cost of selling `btc` on the paths `rows`: at the price of the lot the
        sale starts in where it stays inside it, else C(sold + btc) - C(sold)."""
        after = self._sold[rows] + btc
        cost = btc * self._head_price[rows]
        across = np.flatnonzero(after > self._head_end[rows])
        if across.size:
            on = rows[across]
            lot = self._lot_of(on, after[across], self._head[on])
            cost[across] = self._cost_at(on, after[across], lot) - self._sold_cost[on]
            self._head[on] = lot
            self._head_end[on] = self._kept_btc[lot, on]
            self._head_price[on] = self._lot_price_usd[lot, on]
        self._sold[rows] = after
        self._sold_cost[rows] += cost
        return cost

    def _lot_of(self, rows: np.ndarray, btc: np.ndarray, head: np.ndarray) -> np.ndarray:
        """On the paths `rows`: the lot the `btc`-th BTC kept is in, after `head` (the
        first whose running total reaches `btc`; the last lot at most), by bisection."""
        kept = self._kept_btc.reshape(-1)  # lot k of path p at k x paths + p
        paths = self._kept_btc.shape[1]
        hi = np.full(rows.size, self._used - 1)
        lo = np.minimum(head + 1, hi)
        # Most sales end in the next lot or the one after: look there first.
        open_ = np.flatnonzero(lo < hi)
        for _ in range(LOOK_AHEAD_LOTS):
            if not open_.size:
                return lo
            beyond = kept.take(lo[open_] * paths + rows[open_]) < btc[open_]
            open_ = open_[beyond]
            lo[open_] += 1
            open_ = open_[lo[open_] < hi[open_]]
        while open_.size:
            low, high = lo[open_], hi[open_]
            mid = (low + high) // 2
            right = kept.take(mid * paths + rows[open_]) < btc[open_]
            lo[open_] = np.where(right, mid + 1, low)
            hi[open_] = np.where(right, high, mid)
            open_ = open_[lo[open_] < hi[open_]]
        return lo

    def _cost_at(self, rows: np.ndarray, btc: np.ndarray, lot: np.ndarray) -> np.ndarray:
        """C(btc) on the paths `rows`, the `btc`-th BTC being in lot `lot`: the cost of
        the first `btc` BTC kept (oldest lots first)."""
        paths = self._kept_btc.shape[1]
        at = lot * paths + rows
        before = np.maximum(at - paths, 0)  # the lot before's (none before lot 0)
        first = lot == 0
        before_btc = np.where(first, 0.0, self._kept_btc.reshape(-1).take(before))
        before_cost = np.where(first, 0.0, self._kept_cost_usd.reshape(-1).take(before))
        return before_cost + (btc - before_btc) * self._lot_price_usd.reshape(-1).take(at)
