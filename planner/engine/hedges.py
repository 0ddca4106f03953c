"""Hedges settled on a price path (MODEL.md "Treasury, debt and hedges").

Every function takes monthly paths with a leading paths axis (P, H): the scenario is
P = 1, Monte Carlo one row a path. A settlement is what the company receives (negative:
what it pays); a premium is what it pays (negative: received).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from planner.domain.months import months_between
from planner.domain.treasury import Hedge


@dataclass(frozen=True)
class HedgeTerms:
    """One hedge with its months as indexes of the horizon (month 0: the start)."""

    name: str
    type: str
    first_idx: int  # forward: its first month; options and futures: the trade month
    months: int
    expiry_idx: int  # options and futures; -1 for a forward
    hashrate_ph: float
    fixed_usd_per_ph_day: float
    btc_amount: float
    strike_usd: float
    call_strike_usd: float
    premium_usd: float


def hedge_terms(hedge: Hedge, start: date) -> HedgeTerms:
    """The hedge's terms with months counted from the horizon's `start`."""
    first = months_between(start, hedge.first_month) if hedge.first_month else 0
    expiry = months_between(start, hedge.expiry_month) if hedge.expiry_month else -1
    return HedgeTerms(
        name=hedge.name,
        type=hedge.type,
        first_idx=first,
        months=hedge.months,
        expiry_idx=expiry,
        hashrate_ph=hedge.hashrate_ph,
        fixed_usd_per_ph_day=hedge.fixed_usd_per_ph_day,
        btc_amount=hedge.btc_amount,
        strike_usd=hedge.strike_usd or 0.0,
        call_strike_usd=hedge.call_strike_usd or 0.0,
        premium_usd=hedge.premium_usd,
    )


def hashprice_forward_usd(
    terms: HedgeTerms, hashprice_usd_per_ph_day: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """(P, H) each month of the run: (fixed - hashprice) x PH/s x days; 0 outside it."""
    months = hashprice_usd_per_ph_day.shape[-1]
    t = np.arange(months)
    active = (t >= terms.first_idx) & (t < terms.first_idx + terms.months)
    value = (terms.fixed_usd_per_ph_day - hashprice_usd_per_ph_day) * terms.hashrate_ph * days
    return np.where(active, value, 0.0)


def option_payoff_usd(terms: HedgeTerms, price_usd: np.ndarray) -> np.ndarray:
    """(P,) the payoff at expiry on the expiry month's price (P,): put max(0, K - S);
    collar the put less max(0, S - call strike); short future K - S; times the BTC."""
    put = np.maximum(terms.strike_usd - price_usd, 0.0)
    if terms.type == "put":
        per_btc = put
    elif terms.type == "collar":
        per_btc = put - np.maximum(price_usd - terms.call_strike_usd, 0.0)
    elif terms.type == "short_future":
        per_btc = terms.strike_usd - price_usd
    else:
        raise ValueError(f"not an option or future: {terms.type}")
    return per_btc * terms.btc_amount


@dataclass(frozen=True)
class HedgeFlows:
    """Each hedge's settlements and premiums, (N, P, H)."""

    settlement_usd: np.ndarray
    premium_usd: np.ndarray


def hedge_flows(
    hedges: tuple[HedgeTerms, ...],
    price_usd: np.ndarray,
    hashprice_usd_per_ph_day: np.ndarray,
    days: np.ndarray,
) -> HedgeFlows:
    """Settlements and premiums of every hedge on paths (P, H); a premium or an expiry
    outside the horizon is not in it (before the start: already paid or settled)."""
    paths, months = price_usd.shape
    settlement = np.zeros((len(hedges), paths, months))
    premium = np.zeros((len(hedges), paths, months))
    for i, terms in enumerate(hedges):
        if 0 <= terms.first_idx < months:
            premium[i, :, terms.first_idx] = terms.premium_usd
        if terms.type == "hashprice_forward":
            settlement[i] = hashprice_forward_usd(terms, hashprice_usd_per_ph_day, days)
        elif 0 <= terms.expiry_idx < months:
            expiry = terms.expiry_idx
            settlement[i, :, expiry] = option_payoff_usd(terms, price_usd[:, expiry])
    return HedgeFlows(settlement_usd=settlement, premium_usd=premium)
