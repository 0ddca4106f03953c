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
from functools import cached_property

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
    unscaled: tuple[tuple[int, int], ...]  # (site, month) not scalable to the contract

    @cached_property
    def _tables(self) -> _SiteMonthTables:
        return _SiteMonthTables.of(self)

    def strike_terms(
        self,
        site: np.ndarray,
        revenue_usd_per_kwh: np.ndarray,
        contract_usd_per_kwh: np.ndarray,
    ) -> StrikeTerms:
        """The terms of rows at sites `site` (R,) in every month, from each row-month's
        revenue per kWh at full running and its contract's price (R x H)."""
        tables = self._tables
        curves = self.curves
        strike = tables.strike[site]
        if not curves.count.size:  # 4CP shares only: no strike anywhere
            unused = np.zeros(strike.shape)
            return StrikeTerms(strike, 1.0 - self.fourcp_off_share[site], unused, unused, unused)
        adder = self.adder_usd_per_kwh[site, None]
        fee = self.resale_fee_usd_per_kwh[site, None]
        scale = self.scale[site]
        # An index row runs where scale x price + adder < r; a reselling row where
        # scale x price - fee < r (it earns more than the power would sell for).
        strike_usd_per_kwh = np.nan_to_num(revenue_usd_per_kwh)
        strike_usd_per_kwh -= adder - fee
        strike_usd_per_kwh /= scale
        key = np.clip(strike_usd_per_kwh, curves.low_usd_per_kwh, curves.high_usd_per_kwh)
        key += tables.key_base[site]
        position = np.searchsorted(curves.keys, key, side="left")
        below = position - tables.first[site]
        below_sum = curves.cum_usd_per_kwh[position + tables.block[site]]
        if self.fourcp is not None:
            listed = tables.listed[site]
            key = np.clip(
                strike_usd_per_kwh, self.fourcp.low_usd_per_kwh, self.fourcp.high_usd_per_kwh
            )
            key += tables.fourcp_key_base[site]
            position = np.searchsorted(self.fourcp.keys, key, side="left")
            below -= (position - tables.fourcp_first[site]) * listed
            below_sum -= self.fourcp.cum_usd_per_kwh[position + tables.fourcp_block[site]] * listed
        count = tables.count[site]
        run_share = below / count
        # Per kWh of a month at full running: the index row pays the intervals it runs;
        # the reselling row pays its fixed price and sells the rest at price less fee.
        paid_usd_per_kwh = below_sum * scale
        paid_usd_per_kwh /= count
        mean_usd_per_kwh = tables.mean_usd_per_kwh[site]
        if self.resale.any():
            resale = self.resale[site, None]
            sold = (mean_usd_per_kwh - paid_usd_per_kwh) - fee * (1.0 - run_share)
            sales = np.where(resale & strike, sold, 0.0)  # none in a month without a curve
            cost = np.where(resale, contract_usd_per_kwh, paid_usd_per_kwh + adder * run_share)
            all_cost = np.where(resale, contract_usd_per_kwh, mean_usd_per_kwh + adder)
        else:
            sales = np.zeros_like(run_share)
            cost = paid_usd_per_kwh
            cost += adder * run_share
            all_cost = mean_usd_per_kwh + adder
        if not tables.strike_everywhere:
            run_share = np.where(strike, run_share, 1.0 - self.fourcp_off_share[site])
        return StrikeTerms(strike, run_share, cost, sales, all_cost)

    def price_duration_usd_per_kwh(self, site: int, month: int) -> np.ndarray | None:
        """The prices a row at `site` faces in horizon month `month`, ascending (USD/kWh,
        scaled, with the adder; less the resale fee where unused power is sold): a row
        runs in the intervals below its revenue per kWh. None: no curve that month."""
        block = int(self.block[site, month])
        if block == NO_CURVE:
            return None
        curves = self.curves
        start = int(curves.start[block])
        prices = curves.prices_usd_per_kwh[start : start + int(curves.count[block])]
        shift = self.adder_usd_per_kwh[site] - self.resale_fee_usd_per_kwh[site]
        return prices * self.scale[site, month] + shift


@dataclass(frozen=True)
class _SiteMonthTables:
    """Per site-month (S x H) lookups of the strike search: each row gathers its site's."""

    strike: np.ndarray  # bool: the site-month has a curve
    strike_everywhere: bool
    block: np.ndarray  # the curve (0 where none: searched, then set aside)
    key_base: np.ndarray  # block x width - low: added to a strike to search all blocks
    first: np.ndarray  # position of the curve's first price
    count: np.ndarray  # float: intervals in the curve
    mean_usd_per_kwh: np.ndarray  # scaled mean price
    listed: np.ndarray  # 0 or 1: the site-month has 4CP intervals in its curve
    fourcp_block: np.ndarray
    fourcp_key_base: np.ndarray
    fourcp_first: np.ndarray

    @staticmethod
    def of(power: HourlyPower) -> _SiteMonthTables:
        curves = power.curves
        strike = power.block != NO_CURVE
        block = np.where(strike, power.block, 0)
        count = curves.count[block].astype(float) if curves.count.size else np.ones(block.shape)
        first = curves.start[block] if curves.count.size else np.zeros(block.shape, np.int64)
        totals = curves.totals()[block] if curves.count.size else np.zeros(block.shape)
        listed = power.fourcp_block != NO_CURVE
        fourcp_block = np.where(listed, power.fourcp_block, 0)
        fourcp = power.fourcp
        return _SiteMonthTables(
            strike=strike,
            strike_everywhere=bool(strike.all()),
            block=block,
            key_base=block * curves.width_usd_per_kwh - curves.low_usd_per_kwh,
            first=first,
            count=count,
            mean_usd_per_kwh=power.scale * totals / count,
            listed=listed.astype(np.int64),
            fourcp_block=fourcp_block,
            fourcp_key_base=(
                fourcp_block * fourcp.width_usd_per_kwh - fourcp.low_usd_per_kwh
                if fourcp is not None
                else np.zeros(block.shape)
            ),
            fourcp_first=fourcp.start[fourcp_block] if fourcp is not None else first,
        )


@dataclass(frozen=True)
class StrikeTerms:
    """Row x month terms of the strike. Where `strike` holds: `run_share` of the month's
    intervals the row runs in, the power it pays (`cost`) and sells (`sales`) per kWh of
    a month at full running, and `all_cost` what running every interval would pay per kWh.
    Elsewhere `run_share` is the share left by 4CP and the rest is unused."""

    strike: np.ndarray
    run_share: np.ndarray
    cost: np.ndarray
    sales: np.ndarray
    all_cost: np.ndarray


@dataclass(frozen=True)
class PowerTotals:
    """Each entity's power over the horizon (rows or sites, K,): energy drawn, the energy
    it would draw running every hour its rigs are online, what it pays and sells, and the
    strike's gain over running every interval of the months with a curve (power cost
    avoided in the intervals off, less the revenue forgone; power sold counts)."""

    energy_kwh: np.ndarray
    online_kwh: np.ndarray
    power_cost_usd: np.ndarray
    power_sales_usd: np.ndarray
    curtailment_savings_usd: np.ndarray

    def by(self, group: np.ndarray, groups: int) -> PowerTotals:
        """The totals summed by `group` (K,) into `groups` entities (rows into sites)."""
        return PowerTotals(
            **{
                name: np.bincount(group, getattr(self, name), minlength=groups)
                for name in self.__dataclass_fields__
            }
        )

    @property
    def uptime_effective(self) -> np.ndarray:
        """Energy-weighted share of its online hours the entity's rigs ran (site uptime,
        curtailment, strike and 4CP together); NaN where none was online."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.online_kwh > 0, self.energy_kwh / self.online_kwh, np.nan)

    @property
    def effective_power_price_usd_per_kwh(self) -> np.ndarray:
        """Power cost less power sales, per kWh drawn; NaN where none was drawn."""
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
