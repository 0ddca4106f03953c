"""Hourly power: each fleet row runs on its own strike price.

A site's price profile is cut into price-duration curves, one per calendar month (the
intervals whose local start falls in that month, pooled over the profile's years), each
sorted once with running sums. A row-month's strike is its revenue per kWh; the intervals
it runs in are those cheaper than the strike, found by one binary search for every
row-month of a chunk at once (`DurationCurves.below`). docs/model-notes.md "Hourly power"
states the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_CURVE = -1  # a site-month with no curve: it runs as without a profile


@dataclass(frozen=True)
class DurationCurves:
    """Blocks of sorted prices (USD/kWh) with running sums, searchable all at once.

    Every block's prices sit in one sorted array of keys `block x width + price - low`
    (`low` below every price, `width` a power of two above their range), so one
    `np.searchsorted` finds the strikes of cells of many blocks. Sums run per block with a
    leading 0: the sum of block b's k lowest prices is `cum[start[b] + b + k]`.
    """

    prices_usd_per_kwh: np.ndarray
    cum_usd_per_kwh: np.ndarray
    start: np.ndarray  # (B,) first position of each block in `prices_usd_per_kwh`
    count: np.ndarray  # (B,) prices in each block
    keys: np.ndarray
    low_usd_per_kwh: float
    width_usd_per_kwh: float

    @staticmethod
    def of(blocks: list[np.ndarray]) -> DurationCurves:
        """Curves of the price blocks `blocks` (each USD/kWh, any order, not empty)."""
        if any(block.size == 0 for block in blocks):
            raise ValueError("a price-duration curve needs at least one price")
        ordered = [np.sort(np.asarray(block, dtype=float)) for block in blocks]
        count = np.array([block.size for block in ordered], dtype=np.int64)
        start = np.cumsum(count) - count
        prices = np.concatenate(ordered) if ordered else np.zeros(0)
        cum = (
            np.concatenate([np.concatenate(([0.0], np.cumsum(block))) for block in ordered])
            if ordered
            else np.zeros(0)
        )
        low = float(prices.min()) - 1.0 if prices.size else -1.0
        high = float(prices.max()) + 1.0 if prices.size else 1.0
        width = float(2.0 ** np.ceil(np.log2(high - low + 1.0)))
        block_of_price = np.repeat(np.arange(count.size, dtype=float), count)
        return DurationCurves(
            prices_usd_per_kwh=prices,
            cum_usd_per_kwh=cum,
            start=start,
            count=count,
            keys=block_of_price * width + (prices - low),
            low_usd_per_kwh=low,
            width_usd_per_kwh=width,
        )

    @property
    def high_usd_per_kwh(self) -> float:
        return self.low_usd_per_kwh + self.width_usd_per_kwh - 1.0

    def below(
        self, block: np.ndarray, strike_usd_per_kwh: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each cell, how many prices of its block are strictly below its strike, and
        their sum (USD/kWh). Strikes outside every price are clipped to just beyond them,
        which leaves the counts exact; a price within about 1e-12 USD/kWh of a strike may
        fall either side (it changes nothing: such an interval earns what it costs)."""
        strike = np.clip(strike_usd_per_kwh, self.low_usd_per_kwh, self.high_usd_per_kwh)
        strike -= self.low_usd_per_kwh
        strike += block * self.width_usd_per_kwh
        below = np.searchsorted(self.keys, strike, side="left") - self.start[block]
        total = self.cum_usd_per_kwh[self.start[block] + block + below]
        return below, total

    def totals(self) -> np.ndarray:
        """(B,) the sum of each block's prices."""
        return self.cum_usd_per_kwh[self.start + np.arange(self.count.size) + self.count]


@dataclass(frozen=True)
class HourlyPower:
    """The strike-price terms of every site-month (S x H), for the pass over rows.

    A site-month with a curve (`block` >= 0) runs each row in the intervals whose price
    (`scale` x the curve's) plus the adder is below the row's revenue per kWh (index
    contracts), or whose price less the resale fee is (fixed contracts that resell);
    others run as without a profile, with a share of the month off for 4CP
    (`fourcp_off_share`). `fourcp_block` holds the 4CP intervals' prices of a site-month
    with a curve: the rigs are off in them whatever they pay.
    """

    curves: DurationCurves
    block: np.ndarray  # (S, H) curve of each site-month, NO_CURVE for none
    scale: np.ndarray  # (S, H) multiplier of the curve's prices (1 unless scaled)
    adder_usd_per_kwh: np.ndarray  # (S,) paid on top of the hour's price (index)
    resale_fee_usd_per_kwh: np.ndarray  # (S,) kept by the buyer of resold power
    resale: np.ndarray  # (S,) bool: a fixed-price contract whose unused power is sold
    fourcp: DurationCurves | None
    fourcp_block: np.ndarray  # (S, H) the 4CP intervals' curve, NO_CURVE for none
    fourcp_off_share: np.ndarray  # (S, H) share of the month off for 4CP (no curve)
    uncovered: tuple[tuple[int, int], ...]  # (site, month) whose month the profile lacks

    def strike_terms(self, site: np.ndarray, revenue_usd_per_kwh: np.ndarray) -> StrikeTerms:
        """The terms of the rows of sites `site` (R,) in every month, given each row-month's
        revenue per kWh at full running (R x H)."""
        block = self.block[site]
        strike = block != NO_CURVE
        rows, months = block.shape
        run_share = 1.0 - self.fourcp_off_share[site]
        cost = np.zeros((rows, months))
        sales = np.zeros((rows, months))
        all_cost = np.zeros((rows, months))
        if strike.any():
            cell_site = np.broadcast_to(site[:, None], block.shape)[strike]
            terms = self._cells(
                cell_site,
                block[strike],
                self.scale[site][strike],
                self.fourcp_block[site][strike],
                revenue_usd_per_kwh[strike],
            )
            run_share[strike], cost[strike], sales[strike], all_cost[strike] = terms
        return StrikeTerms(strike, run_share, cost, sales, all_cost)

    def _cells(
        self,
        site: np.ndarray,
        block: np.ndarray,
        scale: np.ndarray,
        fourcp_block: np.ndarray,
        revenue_usd_per_kwh: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Run share, cost and sales per kWh of full running, and the cost per kWh of
        running every interval, of cells with a curve (flat arrays)."""
        adder = self.adder_usd_per_kwh[site]
        fee = self.resale_fee_usd_per_kwh[site]
        resale = self.resale[site]
        # An index row runs where scale x price + adder < r; a reselling row where
        # scale x price - fee < r (it earns more than the power would sell for).
        strike = (np.nan_to_num(revenue_usd_per_kwh) - adder + fee) / scale
        below, below_sum = self.curves.below(block, strike)
        if self.fourcp is not None:
            listed = fourcp_block != NO_CURVE
            off, off_sum = self.fourcp.below(np.where(listed, fourcp_block, 0), strike)
            below = below - np.where(listed, off, 0)
            below_sum = below_sum - np.where(listed, off_sum, 0.0)
        count = self.curves.count[block]
        total = self.curves.totals()[block]
        run_share = below / count
        # Per kWh of a month at full running: the index row pays the intervals it runs;
        # the reselling row pays its fixed price (in `all_cost`) and sells the rest.
        mean_usd_per_kwh = scale * total / count
        paid_usd_per_kwh = scale * below_sum / count + adder * run_share
        sold_usd_per_kwh = scale * (total - below_sum) / count - fee * (1.0 - run_share)
        cost = np.where(resale, np.nan, paid_usd_per_kwh)
        sales = np.where(resale, sold_usd_per_kwh, 0.0)
        all_cost = np.where(resale, np.nan, mean_usd_per_kwh + adder)
        return run_share, cost, sales, all_cost


@dataclass(frozen=True)
class StrikeTerms:
    """Row x month terms of the strike. Where `strike` holds: `run_share` of the month's
    intervals the row runs in, the power it pays (`cost`) and sells (`sales`) per kWh of
    a month at full running, and `all_cost` what running every interval would pay per kWh
    (NaN: the contract's own price, for a fixed contract that resells). Elsewhere
    `run_share` is the share left by 4CP and the rest is unused."""

    strike: np.ndarray
    run_share: np.ndarray
    cost: np.ndarray
    sales: np.ndarray
    all_cost: np.ndarray


@dataclass(frozen=True)
class RowPower:
    """Each fleet row's power over the horizon (R,): energy drawn, the energy it would
    draw running every hour it is online, what it pays and sells, and the strike's gain
    over running every interval of the months with a curve (power cost avoided in the
    intervals it is off, less the revenue forgone; power sold counts)."""

    energy_kwh: np.ndarray
    online_kwh: np.ndarray
    power_cost_usd: np.ndarray
    power_sales_usd: np.ndarray
    curtailment_savings_usd: np.ndarray

    @property
    def uptime_effective(self) -> np.ndarray:
        """Energy-weighted share of its online hours the row ran (site uptime,
        curtailment, strike and 4CP together); NaN for a row never online."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.online_kwh > 0, self.energy_kwh / self.online_kwh, np.nan)

    @property
    def effective_power_price_usd_per_kwh(self) -> np.ndarray:
        """Power cost less power sales, per kWh drawn; NaN for a row that drew none."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.energy_kwh > 0,
                (self.power_cost_usd - self.power_sales_usd) / self.energy_kwh,
                np.nan,
            )


def online_hours(online_idx: np.ndarray, retire_idx: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """(R,) each row's hours online in the horizon: from its online month up to, not
    including, its retire month."""
    months = hours.size
    cum_hours = np.concatenate(([0.0], np.cumsum(hours)))
    first = np.clip(online_idx, 0, months)
    last = np.clip(retire_idx, 0, months)
    return np.where(last > first, cum_hours[last] - cum_hours[first], 0.0)
