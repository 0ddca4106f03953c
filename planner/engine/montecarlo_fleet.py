"""The fleet's rows on Monte Carlo paths: which rows run at a path's USD per TH-month,
their EBITDA, and what hosts on take-or-pay or profit-share terms bill (montecarlo.py's
module doc states the rule).

Where a site's price profile sets its rows' strike (engine/hourly.py), a row-month keeps
the scenario's run share and net power cost on every path (`scenario_strikes`): its TH/s,
energy and power are those of the intervals it runs in on the scenario's path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.engine.inputs import EngineInputs
from planner.engine.market import market_of
from planner.engine.model import HOURS_PER_DAY, Results
from planner.engine.rows import RowVectors, full_running, row_vectors


@dataclass(frozen=True)
class RowTable:
    """Per month, the rows sorted by breakeven: cumulative TH and power cost (x availability)
    and curtailment credit (paid while a row runs)."""

    thresholds: list[np.ndarray]
    cum_th: list[np.ndarray]
    cum_power: list[np.ndarray]
    cum_credit: list[np.ndarray]
    cum_energy: list[np.ndarray]  # kWh (x availability)
    always_th: np.ndarray  # rows that run whatever the price (no shutdown)
    always_power: np.ndarray
    always_energy: np.ndarray

    def running(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """TH/s, power cost (USD) and energy (kWh) of the rows running at USD per
        TH-month x (paths x months), all at their availability."""
        if not self.thresholds:
            shape = x.shape
            return (
                np.broadcast_to(self.always_th, shape),
                np.broadcast_to(self.always_power, shape),
                np.broadcast_to(self.always_energy, shape),
            )
        th, power, energy = (np.empty_like(x) for _ in range(3))
        for m in range(x.shape[1]):
            idx = np.searchsorted(self.thresholds[m], x[:, m], side="right")
            th[:, m] = self.cum_th[m][idx]
            power[:, m] = self.cum_power[m][idx]
            energy[:, m] = self.cum_energy[m][idx]
        return th, power, energy


def row_arrays(inputs: EngineInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row and month while online: TH/s at full availability (degraded), the power
    cost at full availability (USD) and the curtailment credit paid if it runs (USD); and
    each row's availability. Load, availability and credit are the engine's (row_vectors);
    with hourly terms, TH/s and power are on the scenario's run share (`scenario_strikes`)."""
    months = inputs.months
    t = np.arange(months)
    hours = HOURS_PER_DAY * inputs.timeline.days
    rv = row_vectors(inputs, np.arange(inputs.count.size))
    online = (t[None, :] >= inputs.online_idx[:, None]) & (t[None, :] < inputs.retire_idx[:, None])
    online &= inputs.count[:, None] > 0
    decay = (1.0 - inputs.degradation_per_year)[:, None] ** (
        (t[None, :] - inputs.online_idx[:, None]) / 12.0
    )
    th = np.where(online, inputs.count[:, None] * inputs.hashrate_th[:, None] * decay, 0.0)
    power = np.where(online, rv.load_kw[:, None] * rv.energy_cost_usd_per_kw[rv.contract], 0.0)
    credit = np.where(online, rv.credit_usd_per_hour[:, None] * hours[None, :], 0.0)
    strikes = scenario_strikes(inputs, rv)
    if strikes is not None:
        share, power_usd = strikes
        th *= share
        power = np.where(online, power_usd, 0.0)
    return th, power, credit, rv.availability_factor


def scenario_strikes(inputs: EngineInputs, rv: RowVectors) -> tuple[np.ndarray, np.ndarray] | None:
    """Where sites have hourly terms: per row of `rv` (all rows) and month, the share of
    the month it runs on the scenario's path, and its power cost at full availability
    with that share (USD): in a month with a price-duration curve, what the intervals it
    runs in cost less the power it sells; in others the month's price on the share the
    4CP hours leave. None without hourly terms."""
    hourly = inputs.hourly
    if hourly is None:
        return None
    market = market_of(inputs)
    hours = HOURS_PER_DAY * inputs.timeline.days
    table = rv.degradation_table * market.btc_per_th_month[None, :]
    _online, _btc, revenue_full_usd, power_full_usd = full_running(
        rv, slice(None), table, market.btc_price_usd
    )
    full_kwh = rv.load_kw[:, None] * hours[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        revenue_usd_per_kwh = revenue_full_usd / full_kwh
    terms = hourly.strike_terms(
        rv.site, revenue_usd_per_kwh, inputs.contract_price_usd_per_kwh[rv.contract]
    )
    net_usd = np.where(
        terms.strike, full_kwh * (terms.cost - terms.sales), power_full_usd * terms.run_share
    )
    return terms.run_share, net_usd


def row_table(inputs: EngineInputs, members: np.ndarray | None = None) -> RowTable:
    """The table of the fleet's rows, or of `members` (row indices)."""
    months = inputs.months
    th, power, credit, availability = row_arrays(inputs)
    energy = row_energy_kwh(inputs)
    if members is not None:
        th, power, credit, availability, energy = (
            a[members] for a in (th, power, credit, availability, energy)
        )
    th_a = th * availability[:, None]
    power_a = power * availability[:, None]
    energy_a = energy * availability[:, None]
    thresholds: list[np.ndarray] = []
    cum: dict[str, list[np.ndarray]] = {"th": [], "power": [], "credit": [], "energy": []}
    if inputs.auto_shutdown:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(th > 0, power / th, np.where(power <= 0, -np.inf, np.inf))
        for m in range(months):
            order = np.argsort(k[:, m], kind="stable")
            thresholds.append(k[order, m])
            for key, values in (("th", th_a), ("power", power_a), ("credit", credit)):
                cum[key].append(np.concatenate(([0.0], np.cumsum(values[order, m]))))
            cum["energy"].append(np.concatenate(([0.0], np.cumsum(energy_a[order, m]))))
        none = np.zeros(months)
        return RowTable(
            thresholds, cum["th"], cum["power"], cum["credit"], cum["energy"], none, none, none
        )
    # Without the shutdown every online row runs: its credit does not move with the path.
    return RowTable([], [], [], [], [], th_a.sum(axis=0), power_a.sum(axis=0), energy_a.sum(axis=0))


def row_energy_kwh(inputs: EngineInputs) -> np.ndarray:
    """Per row and month while online: the energy drawn at full availability (kWh), on
    the scenario's run share where sites have hourly terms."""
    t = np.arange(inputs.months)
    hours = HOURS_PER_DAY * inputs.timeline.days
    rv = row_vectors(inputs, np.arange(inputs.count.size))
    online = (t[None, :] >= inputs.online_idx[:, None]) & (t[None, :] < inputs.retire_idx[:, None])
    energy = np.where(online, rv.load_kw[:, None] * hours[None, :], 0.0)
    strikes = scenario_strikes(inputs, rv)
    if strikes is not None:
        energy *= strikes[0]
    return energy


@dataclass(frozen=True)
class Hosting:
    """A site on hosting terms: its rows' table, the take-or-pay minimum and price, and the
    host's profit share (engine/capex.py site_items), to bill them on each path."""

    table: RowTable
    minimum_kwh: np.ndarray  # (H,)
    price_usd_per_kwh: np.ndarray  # (H,)
    profit_share: float

    def billed_usd(self, x: np.ndarray) -> np.ndarray:
        """(paths x months) the take-or-pay shortfall and the host's profit share at x."""
        th, power, energy = self.table.running(x)
        shortfall = np.maximum(self.minimum_kwh[None, :] - energy, 0.0)
        margin = np.maximum(x * th - power, 0.0)
        return shortfall * self.price_usd_per_kwh[None, :] + self.profit_share * margin


def hosting_sites(inputs: EngineInputs) -> list[Hosting]:
    """The sites whose contracts bill a minimum or take a share of the margin."""
    hours = HOURS_PER_DAY * inputs.timeline.days
    found = []
    for s, contract in enumerate(inputs.site_contract_idx):
        minimum = float(inputs.contract_take_or_pay_share[contract])
        share = float(inputs.contract_profit_share[contract])
        if minimum <= 0 and share <= 0:
            continue
        found.append(
            Hosting(
                table=row_table(inputs, np.flatnonzero(inputs.site_idx == s)),
                minimum_kwh=minimum * float(inputs.site_capacity_mw[s]) * 1000.0 * hours,
                price_usd_per_kwh=inputs.contract_price_usd_per_kwh[contract],
                profit_share=share,
            )
        )
    return found


def variable_ebitda(table: RowTable, x: np.ndarray, auto_shutdown: bool) -> np.ndarray:
    """Rows' revenue - power cost (+ credits of the rows running, under the shutdown) at
    USD per TH-month x (paths x months)."""
    if not auto_shutdown:
        return x * table.always_th[None, :] - table.always_power[None, :]
    out = np.empty_like(x)
    for m in range(x.shape[1]):
        idx = np.searchsorted(table.thresholds[m], x[:, m], side="right")
        out[:, m] = (
            x[:, m] * table.cum_th[m][idx] - table.cum_power[m][idx] + table.cum_credit[m][idx]
        )
    return out


def fleet_ebitda(results: Results, x: np.ndarray, table: RowTable | None = None) -> np.ndarray:
    """The fleet's EBITDA on each path: the engine's, moved by what its rows earn and what
    hosts on take-or-pay or profit-share terms bill at the path's x instead of the
    engine's."""
    inputs = results.inputs
    table = table if table is not None else row_table(inputs)
    det = results.market
    x_det = (det.btc_per_th_month * det.btc_price_usd)[None, :]
    moved = variable_ebitda(table, x, inputs.auto_shutdown) - variable_ebitda(
        table, x_det, inputs.auto_shutdown
    )
    for site in hosting_sites(inputs):
        moved -= site.billed_usd(x) - site.billed_usd(x_det)
    return results.fleet.ebitda_usd[0][None, :] + moved


def fleet_btc_mined(
    results: Results, table: RowTable, btc_per_th_month: np.ndarray, price_usd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The fleet's BTC mined and its revenue (USD) on each path (P, H): the engine's, moved
    by what the rows running at the path's USD per TH-month mine instead of the engine's
    rows at its own (exactly the engine's where the paths are its path)."""
    det = results.market
    x = btc_per_th_month * price_usd
    x_det = (det.btc_per_th_month * det.btc_price_usd)[None, :]
    th = table.running(x)[0]
    th_det = table.running(x_det)[0]
    fleet = results.fleet
    mined = fleet.btc_mined[0][None, :] + (
        btc_per_th_month * th - det.btc_per_th_month[None, :] * th_det
    )
    revenue = fleet.revenue_usd[0][None, :] + (x * th - x_det * th_det)
    return mined, revenue
