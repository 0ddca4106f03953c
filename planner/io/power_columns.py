"""The hourly-power result columns of the Fleet and Sites tables: each column's values
for every row (project order) from one computation, and the totals row's figure over a
selection of rows (a sum, or energy-weighted for uptime and the effective price).

A figure a row's terms do not produce is NaN (shown "n/a"): curtailment savings and power
sales where no price profile sets the strike, 4CP savings where the site has no 4CP
charge to avoid, demand-response pay where it enrols none. Uptime and the effective price
are given for every row that runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from planner.engine.hourly_view import site_strikes
from planner.engine.model import Results

UPTIME = "result:uptime_effective"
PRICE = "result:effective_power_price"
SAVINGS = "result:curtailment_savings_usd"
SALES = "result:power_sales_usd"
FOURCP = "result:fourcp_savings_usd"
DEMAND_RESPONSE = "result:demand_response_usd"
FLEET_KEYS = (UPTIME, PRICE, SAVINGS, SALES)
SITE_KEYS = (UPTIME, PRICE, SAVINGS, FOURCP, SALES, DEMAND_RESPONSE)
WEIGHTED = frozenset({UPTIME, PRICE})  # their totals are ratios of sums, not sums


@dataclass(frozen=True)
class PowerColumns:
    """The columns' values (by key) and the sums their weighted totals are ratios of:
    energy drawn, energy at full running while online, power cost less sales."""

    values: Mapping[str, np.ndarray]
    energy_kwh: np.ndarray
    online_kwh: np.ndarray
    net_power_cost_usd: np.ndarray

    def total(self, key: str, rows: np.ndarray) -> float | None:
        """The totals row's figure of column `key` over `rows`: energy-weighted uptime or
        price, else the sum of the finite values (None: nothing to add or weigh)."""
        if key == UPTIME:
            return _ratio(self.energy_kwh[rows].sum(), self.online_kwh[rows].sum())
        if key == PRICE:
            return _ratio(self.net_power_cost_usd[rows].sum(), self.energy_kwh[rows].sum())
        chosen = self.values[key][rows]
        finite = chosen[np.isfinite(chosen)]
        return float(finite.sum()) if finite.size else None


def _ratio(top: float, bottom: float) -> float | None:
    return float(top / bottom) if bottom > 0 else None


def fleet_power_columns(results: Results) -> PowerColumns:
    """Each fleet row's uptime, effective power price, curtailment savings and power sales."""
    power = results.row_power
    strikes = site_strikes(results)[results.inputs.site_idx]
    return PowerColumns(
        values={
            UPTIME: power.uptime_effective,
            PRICE: power.effective_power_price_usd_per_kwh,
            SAVINGS: np.where(strikes, power.curtailment_savings_usd, np.nan),
            SALES: np.where(strikes, power.power_sales_usd, np.nan),
        },
        energy_kwh=power.energy_kwh,
        online_kwh=power.online_kwh,
        net_power_cost_usd=power.power_cost_usd - power.power_sales_usd,
    )


def site_power_columns(results: Results) -> PowerColumns:
    """Each site's uptime, effective power price (its rigs'), curtailment savings, 4CP
    savings, power sales and demand-response pay over the horizon (the site's monthly
    series summed)."""
    rigs = results.site_power
    sites = results.sites
    power = results.inputs.site_power
    strikes = site_strikes(results)
    has_fourcp = power.fourcp_charge_usd_per_kw_year > 0
    enrols = (power.demand_response_mw > 0) & (power.demand_response_usd_per_mw_month > 0)
    return PowerColumns(
        values={
            UPTIME: rigs.uptime_effective,
            PRICE: rigs.effective_power_price_usd_per_kwh,
            SAVINGS: np.where(strikes, rigs.curtailment_savings_usd, np.nan),
            SALES: np.where(strikes, sites.power_sales_usd.sum(axis=1), np.nan),
            FOURCP: np.where(has_fourcp, sites.fourcp_savings_usd.sum(axis=1), np.nan),
            DEMAND_RESPONSE: np.where(enrols, sites.demand_response_usd.sum(axis=1), np.nan),
        },
        energy_kwh=rigs.energy_kwh,
        online_kwh=rigs.online_kwh,
        net_power_cost_usd=rigs.power_cost_usd - rigs.power_sales_usd,
    )
