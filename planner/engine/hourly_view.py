"""Hourly power as the window shows it, read from a computation's results: which sites
run on a strike, and a site-month's price-duration curve with each rig model's strike
and uptime. Nothing here changes a result; docs/model-notes.md "Hourly power" states the
model.

The curve is the price a row faces in each interval (the hour's price, scaled to the
contract where the profile says so, plus the index contract's adder, or less the resale
fee of a fixed contract that resells); a row runs where it is below its strike, its
revenue per kWh at full running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.hourly import NO_CURVE, HourlyPower
from planner.engine.model import Results
from planner.engine.rows import row_vectors

USD_PER_MWH_PER_USD_PER_KWH = 1000.0


def site_strikes(results: Results) -> np.ndarray:
    """(S,) bool: whether a site's price profile sets its rows' strike in some month (an
    index contract, or a fixed one that resells, with a profile covering the month)."""
    hourly = results.inputs.hourly
    sites = len(results.inputs.site_names)
    if hourly is None:
        return np.zeros(sites, dtype=bool)
    return np.asarray((hourly.block != NO_CURVE).any(axis=1), dtype=bool)


@dataclass(frozen=True)
class ModelStrike:
    """One rig model's strike at a site in a month: its revenue per kWh at full running
    (USD/MWh, load-weighted over its rows online), its efficiency, its uptime that month
    (load-weighted; site uptime, curtailment, strike and 4CP together) and its rows."""

    model: str
    j_per_th: float
    strike_usd_per_mwh: float
    uptime: float
    rows: int


@dataclass(frozen=True)
class PriceDuration:
    """A site-month's prices as its rows face them, sorted high to low (USD/MWh), each
    model's strike, and the contract's price of the month (USD/MWh, adder included)."""

    site: int
    month: int
    usd_per_mwh: np.ndarray  # descending
    contract_usd_per_mwh: float
    strikes: tuple[ModelStrike, ...]

    @property
    def share_of_hours(self) -> np.ndarray:
        """Where each price starts on the share of the month's hours, 0 to < 1: the i-th
        dearest of n at i / n."""
        n = self.usd_per_mwh.size
        return np.arange(n, dtype=float) / n

    @property
    def mean_usd_per_mwh(self) -> float:
        return float(self.usd_per_mwh.mean())


def price_duration(
    results: Results,
    site: int,
    month: int,
    strikes_usd_per_kwh: np.ndarray | None = None,
) -> PriceDuration | None:
    """Site `site`'s price-duration curve in horizon month `month` with each rig model's
    strike; None where no price profile sets the strike there (no profile, a contract that
    does not run on the hour's price, or a calendar month the profile lacks).
    `strikes_usd_per_kwh`: `results.row_month_strike_usd_per_kwh()`, when the caller
    keeps it for several site-months."""
    inputs = results.inputs
    if not 0 <= month < inputs.months:
        raise IndexError(f"month {month} is outside the horizon of {inputs.months} months")
    if not 0 <= site < len(inputs.site_names):
        raise IndexError(f"site {site} is not one of the {len(inputs.site_names)} sites")
    hourly = inputs.hourly
    ascending = hourly.price_duration_usd_per_kwh(site, month) if hourly is not None else None
    if hourly is None or ascending is None:
        return None
    if strikes_usd_per_kwh is None:
        strikes_usd_per_kwh = results.row_month_strike_usd_per_kwh()
    contract = int(inputs.site_contract_idx[site])
    return PriceDuration(
        site=site,
        month=month,
        usd_per_mwh=ascending[::-1] * USD_PER_MWH_PER_USD_PER_KWH,
        contract_usd_per_mwh=float(inputs.contract_price_usd_per_kwh[contract, month])
        * USD_PER_MWH_PER_USD_PER_KWH,
        strikes=_model_strikes(results, hourly, site, month, strikes_usd_per_kwh),
    )


def row_uptimes(
    results: Results, hourly: HourlyPower, rows: np.ndarray, strikes_usd_per_kwh: np.ndarray
) -> np.ndarray:
    """(r, H) the share of each month's hours the fleet rows `rows` (all at sites with
    a profile) run while online: site uptime x (1 - curtailed share) x the share of the
    intervals below their strike, 4CP hours out (HourlyPower.strike_terms)."""
    inputs = results.inputs
    rv = row_vectors(inputs, rows)
    terms = hourly.strike_terms(
        rv.site,
        strikes_usd_per_kwh[rows],
        inputs.contract_price_usd_per_kwh[rv.contract],
    )
    return rv.availability_factor[:, None] * terms.run_share


def _model_strikes(
    results: Results,
    hourly: HourlyPower,
    site: int,
    month: int,
    strikes_usd_per_kwh: np.ndarray,
) -> tuple[ModelStrike, ...]:
    """Each rig model's strike and uptime at `site` in `month` (its rows online then,
    weighted by their load), cheapest strike first."""
    inputs = results.inputs
    rows = np.flatnonzero(inputs.site_idx == site)
    online = (inputs.online_idx[rows] <= month) & (month < inputs.retire_idx[rows])
    rows = rows[online & (inputs.count[rows] > 0) & (inputs.power_w[rows] > 0)]
    if not rows.size:
        return ()
    uptime = row_uptimes(results, hourly, rows, strikes_usd_per_kwh)[:, month]
    strike = np.nan_to_num(strikes_usd_per_kwh[rows, month])
    load = inputs.count[rows] * inputs.power_w[rows]
    by_model: dict[str, list[int]] = {}
    for i, r in enumerate(rows.tolist()):
        by_model.setdefault(inputs.row_models[r], []).append(i)
    out = []
    for model, members in by_model.items():
        weight = load[members] / load[members].sum()
        first = int(rows[members[0]])
        hashrate_th = float(inputs.hashrate_th[first])
        out.append(
            ModelStrike(
                model=model,
                j_per_th=float(inputs.power_w[first]) / hashrate_th if hashrate_th > 0 else np.nan,
                strike_usd_per_mwh=float(weight @ strike[members]) * USD_PER_MWH_PER_USD_PER_KWH,
                uptime=float(weight @ uptime[members]),
                rows=len(members),
            )
        )
    return tuple(sorted(out, key=lambda m: m.strike_usd_per_mwh))
