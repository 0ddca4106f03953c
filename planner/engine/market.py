"""The scenario's market month by month: issuance, network hashrate, BTC price, hashprice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs

HOURS_PER_DAY = 24.0
TH_PER_EH = 1e6


@dataclass(frozen=True)
class Market:
    """Fleet-independent monthly figures of the scenario."""

    fees_btc: np.ndarray
    issuance_btc: np.ndarray
    network_hashrate_ehs: np.ndarray
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    btc_per_th_month: np.ndarray  # at full availability, after pool fee


def market_of(inputs: EngineInputs) -> Market:
    """Issuance B_t = subsidy + blocks x fees; hashprice = (B_t / d_t) x P_t / (N_t x 1000)
    USD per PH/s per day; BTC per TH/s-month = B_t / N_t[TH/s] x (1 - pool fee)."""
    tl = inputs.timeline
    fees_btc = tl.blocks * inputs.fees_btc_per_block
    issuance_btc = tl.subsidy_btc + fees_btc
    network_ehs = inputs.network_hashrate_ehs
    price_usd = inputs.btc_price_usd
    return Market(
        fees_btc=fees_btc,
        issuance_btc=issuance_btc,
        network_hashrate_ehs=network_ehs,
        btc_price_usd=price_usd,
        hashprice_usd_per_ph_day=(issuance_btc / tl.days) * price_usd / (network_ehs * 1000.0),
        btc_per_th_month=issuance_btc / (network_ehs * TH_PER_EH) * (1.0 - inputs.pool_fee),
    )
