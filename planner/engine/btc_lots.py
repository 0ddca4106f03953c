"""The BTC held and its cost basis, per path: FIFO lots or the average cost.

FIFO keeps one lot for the opening holding and one for each month's mined BTC kept (at
that month's price, the revenue it was booked at); a sale takes the oldest lots first.
Average: a sale takes its share of the total cost. Arrays have a leading paths axis.
"""

from __future__ import annotations

import numpy as np


class CostBasis:
    """BTC held (P,) and the cost of what a sale takes."""

    def __init__(
        self, fifo: bool, paths: int, months: int, opening_btc: float, opening_cost_usd: float
    ) -> None:
        self.fifo = fifo
        self._lots_btc = np.zeros((paths, months + 1))
        self._lots_cost_per_btc = np.zeros((paths, months + 1))
        self._lots_btc[:, 0] = opening_btc
        self._lots_cost_per_btc[:, 0] = opening_cost_usd / opening_btc if opening_btc else 0.0
        self._held = np.full(paths, opening_btc)
        self._cost = np.full(paths, opening_cost_usd)
        self._used = 1  # lots in use

    @property
    def held_btc(self) -> np.ndarray:
        return self._held.copy()

    @property
    def cost_usd(self) -> np.ndarray:
        """The cost basis of the BTC held."""
        return self._cost.copy()

    def add(self, btc: np.ndarray, price_usd: np.ndarray) -> None:
        """Keep `btc` at a cost of `price_usd` each (a new lot)."""
        self._lots_btc[:, self._used] = btc
        self._lots_cost_per_btc[:, self._used] = price_usd
        self._used += 1
        self._held = self._held + btc
        self._cost = self._cost + btc * price_usd

    def sell(self, btc: np.ndarray) -> np.ndarray:
        """Take `btc` (at most what is held) out; returns its cost basis (P,)."""
        btc = np.minimum(btc, self._held)
        if self.fifo:
            lots = self._lots_btc[:, : self._used]
            before = np.cumsum(lots, axis=1) - lots
            take = np.clip(btc[:, None] - before, 0.0, lots)
            cost = (take * self._lots_cost_per_btc[:, : self._used]).sum(axis=1)
            lots -= take
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                cost = np.where(self._held > 0, self._cost * btc / self._held, 0.0)
        self._held = np.maximum(self._held - btc, 0.0)
        self._cost = np.where(self._held > 0, np.maximum(self._cost - cost, 0.0), 0.0)
        return cost
