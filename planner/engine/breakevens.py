"""Each row's breakevens in its first online month of the horizon (MODEL.md "Answers"),
and in the first month after the next halving (the first whose every block pays the
halved subsidy), when the row is online then.

Shutdown BTC price = power cost per day / BTC mined per day at full availability;
breakeven hashprice = power cost per day / PH/s after pool fee; breakeven electricity
price = revenue per day / kWh per day (rig power with cooling overhead, all day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY, Market
from planner.engine.rows import RowPass, RowVectors
from planner.engine.timeline import next_halving_height


@dataclass(frozen=True)
class Breakevens:
    """Per row, in the row's first online month of the horizon (NaN if never online)."""

    first_online_month: np.ndarray  # month index, -1 when not online in the horizon
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    power_usd_per_kwh: np.ndarray
    unprofitable_from_month: np.ndarray  # first online month with revenue < power cost; -1 never
    shutdown_months: np.ndarray  # online months switched off by the automatic shutdown
    after_halving_month: int  # the first month after the next halving; -1 past the horizon
    btc_price_after_halving_usd: np.ndarray  # the same three in that month (NaN if offline)
    hashprice_after_halving_usd_per_ph_day: np.ndarray
    power_after_halving_usd_per_kwh: np.ndarray


def first_month_after_halving(inputs: EngineInputs) -> int:
    """The first month of the horizon that starts at or past the next halving's height
    (every block of it pays the halved subsidy); -1 when there is none."""
    height = next_halving_height(inputs.start_height)
    after = np.flatnonzero(inputs.timeline.height_start >= height)
    return int(after[0]) if after.size else -1


def breakevens_in(
    inputs: EngineInputs, rv: RowVectors, market: Market, month: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakeven BTC price, hashprice and power price of each row of `rv` in its `month`
    (where `valid`; NaN elsewhere), at full availability."""
    f = np.where(valid, month, 0)
    days = inputs.timeline.days[f]
    hash_th = rv.row_scale * rv.degradation_table[rv.which, f]
    power_usd_per_day = rv.load_kw * rv.energy_cost_usd_per_kw[rv.contract, f] / days
    btc_per_day = hash_th * market.btc_per_th_month[f] / days
    kwh_per_day = rv.load_kw * HOURS_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        btc_price_usd = np.where(valid & (btc_per_day > 0), power_usd_per_day / btc_per_day, np.nan)
        hashprice = np.where(
            valid & (hash_th > 0),
            power_usd_per_day / (hash_th / 1000.0 * (1.0 - inputs.pool_fee)),
            np.nan,
        )
        usd_per_kwh = np.where(
            valid & (kwh_per_day > 0),
            btc_per_day * market.btc_price_usd[f] / kwh_per_day,
            np.nan,
        )
    return btc_price_usd, hashprice, usd_per_kwh


def breakevens_of(
    inputs: EngineInputs, rv: RowVectors, market: Market, mined: RowPass, inverse: np.ndarray
) -> Breakevens:
    """The breakevens of the rows of `rv`, put back in the project's order by `inverse`."""
    months = inputs.months
    first_start = np.maximum(rv.online_idx, 0)
    is_online = first_start < np.minimum(rv.retire_idx, months)
    first = breakevens_in(inputs, rv, market, first_start, is_online)
    after = first_month_after_halving(inputs)
    online_after = (after >= 0) & (rv.online_idx <= after) & (after < rv.retire_idx)
    later = breakevens_in(inputs, rv, market, np.full(rv.order.size, max(after, 0)), online_after)
    return Breakevens(
        first_online_month=np.where(is_online, first_start, -1)[inverse],
        btc_price_usd=first[0][inverse],
        hashprice_usd_per_ph_day=first[1][inverse],
        power_usd_per_kwh=first[2][inverse],
        unprofitable_from_month=mined.unprofitable_from_month[inverse],
        shutdown_months=mined.shutdown_months[inverse],
        after_halving_month=after,
        btc_price_after_halving_usd=later[0][inverse],
        hashprice_after_halving_usd_per_ph_day=later[1][inverse],
        power_after_halving_usd_per_kwh=later[2][inverse],
    )
