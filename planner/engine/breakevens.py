"""Each row's breakevens in its first online month of the horizon (MODEL.md "Answers").

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


@dataclass(frozen=True)
class Breakevens:
    """Per row, in the row's first online month of the horizon (NaN if never online)."""

    first_online_month: np.ndarray  # month index, -1 when not online in the horizon
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    power_usd_per_kwh: np.ndarray
    unprofitable_from_month: np.ndarray  # first online month with revenue < power cost; -1 never
    shutdown_months: np.ndarray  # online months switched off by the automatic shutdown


def breakevens_of(
    inputs: EngineInputs, rv: RowVectors, market: Market, mined: RowPass, inverse: np.ndarray
) -> Breakevens:
    """The breakevens of the rows of `rv`, put back in the project's order by `inverse`."""
    months = inputs.months
    first_start = np.maximum(rv.online_idx, 0)
    is_online = first_start < np.minimum(rv.retire_idx, months)
    f = np.where(is_online, first_start, 0)
    days = inputs.timeline.days[f]
    hash_first_th = rv.row_scale * rv.degradation_table[rv.which, f]
    power_usd_per_day = rv.load_kw * rv.energy_cost_usd_per_kw[rv.contract, f] / days
    btc_per_day = hash_first_th * market.btc_per_th_month[f] / days
    kwh_per_day = rv.load_kw * HOURS_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        breakeven_price_usd = np.where(
            is_online & (btc_per_day > 0), power_usd_per_day / btc_per_day, np.nan
        )
        breakeven_hashprice = np.where(
            is_online & (hash_first_th > 0),
            power_usd_per_day / (hash_first_th / 1000.0 * (1.0 - inputs.pool_fee)),
            np.nan,
        )
        breakeven_usd_per_kwh = np.where(
            is_online & (kwh_per_day > 0),
            btc_per_day * market.btc_price_usd[f] / kwh_per_day,
            np.nan,
        )
    return Breakevens(
        first_online_month=np.where(is_online, first_start, -1)[inverse],
        btc_price_usd=breakeven_price_usd[inverse],
        hashprice_usd_per_ph_day=breakeven_hashprice[inverse],
        power_usd_per_kwh=breakeven_usd_per_kwh[inverse],
        unprofitable_from_month=mined.unprofitable_from_month[inverse],
        shutdown_months=mined.shutdown_months[inverse],
    )
