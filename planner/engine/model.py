"""The planning model of MODEL.md, vectorized over fleet rows x months.

`compute(inputs)` returns monthly series per row, per site and for the fleet, and the
answers (payback, NPV, IRR, cost per BTC, breakevens). Conventions the model spec leaves
open, chosen here and documented in docs/model-notes.md:

- Tax is computed on the fleet's monthly taxable income with losses carried forward
  without limit; each month's tax is allocated to rows in proportion to their positive
  taxable income, so row, site and fleet cash flows add up.
- Demand charges are part of a site's power cost; site fixed opex is part of its opex.
- Depreciation runs straight line from the online month and stops at retirement; a
  site's infrastructure capex is depreciated over the same life from its capex month.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from planner.engine import metrics
from planner.engine.inputs import EngineInputs
from planner.engine.timeline import next_halving_height

HOURS_PER_DAY = 24.0
TH_PER_EH = 1e6

SERIES_FIELDS = (
    "btc_mined",
    "revenue_usd",
    "curtailment_credit_usd",
    "power_cost_usd",
    "opex_usd",
    "ebitda_usd",
    "capex_usd",
    "depreciation_usd",
    "tax_usd",
    "resale_usd",
    "free_cash_flow_usd",
    "energy_kwh",
)


@dataclass(frozen=True)
class Series:
    """Monthly series of K entities (rows, sites, or the fleet as K = 1); each is K x H."""

    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    curtailment_credit_usd: np.ndarray
    power_cost_usd: np.ndarray
    opex_usd: np.ndarray
    ebitda_usd: np.ndarray
    capex_usd: np.ndarray
    depreciation_usd: np.ndarray
    tax_usd: np.ndarray
    resale_usd: np.ndarray
    free_cash_flow_usd: np.ndarray
    energy_kwh: np.ndarray

    def total(self) -> Series:
        """The sum over entities, as a Series with K = 1."""
        return Series(
            **{name: getattr(self, name).sum(axis=0, keepdims=True) for name in SERIES_FIELDS}
        )


@dataclass(frozen=True)
class Kpis:
    """Answers per entity (arrays of length K). NaN means "none" (see each field)."""

    npv_usd: np.ndarray
    payback_months: np.ndarray  # NaN: does not pay back within the horizon
    payback_at_month: np.ndarray
    payback_status: np.ndarray  # metrics.PAID_BACK / NEVER / NOTHING_TO_RECOVER
    discounted_payback_months: np.ndarray
    discounted_payback_at_month: np.ndarray
    discounted_payback_status: np.ndarray
    roi: np.ndarray  # NaN when there is no capex in the horizon
    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    capex_usd: np.ndarray
    free_cash_flow_usd: np.ndarray
    energy_mwh: np.ndarray
    cost_per_btc_cash_usd: np.ndarray  # NaN when nothing is mined
    cost_per_btc_all_in_usd: np.ndarray
    revenue_usd_per_mwh: np.ndarray


def kpis_of(series: Series, discount_rate_per_year: float) -> Kpis:
    """NPV, payback, ROI, BTC mined and cost per BTC of each entity of `series`."""
    fcf = series.free_cash_flow_usd
    simple = metrics.payback(fcf)
    discounted = metrics.payback(metrics.discounted_flows(fcf, discount_rate_per_year))
    btc = series.btc_mined.sum(axis=1)
    capex = series.capex_usd.sum(axis=1)
    cash_cost = series.power_cost_usd.sum(axis=1) + series.opex_usd.sum(axis=1)
    depreciation = series.depreciation_usd.sum(axis=1)
    energy_mwh = series.energy_kwh.sum(axis=1) / 1000.0
    revenue = series.revenue_usd.sum(axis=1)
    total_fcf = fcf.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mined = btc > 0
        cost_cash = np.where(mined, cash_cost / btc, np.nan)
        cost_all_in = np.where(mined, (cash_cost + depreciation) / btc, np.nan)
        roi = np.where(capex > 0, total_fcf / capex, np.nan)
        revenue_per_mwh = np.where(energy_mwh > 0, revenue / energy_mwh, np.nan)
    return Kpis(
        npv_usd=metrics.npv(fcf, discount_rate_per_year),
        payback_months=simple.months,
        payback_at_month=simple.at_month,
        payback_status=simple.status,
        discounted_payback_months=discounted.months,
        discounted_payback_at_month=discounted.at_month,
        discounted_payback_status=discounted.status,
        roi=roi,
        btc_mined=btc,
        revenue_usd=revenue,
        capex_usd=capex,
        free_cash_flow_usd=total_fcf,
        energy_mwh=energy_mwh,
        cost_per_btc_cash_usd=cost_cash,
        cost_per_btc_all_in_usd=cost_all_in,
        revenue_usd_per_mwh=revenue_per_mwh,
    )


@dataclass(frozen=True)
class Breakevens:
    """Per row, in the row's first online month of the horizon (NaN if never online)."""

    first_online_month: np.ndarray  # month index, -1 when not online in the horizon
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    power_usd_per_kwh: np.ndarray
    unprofitable_from_month: np.ndarray  # first online month with revenue < power cost; -1 never
    shutdown_months: np.ndarray  # months switched off by the automatic shutdown


@dataclass(frozen=True)
class Market:
    """Fleet-independent monthly figures of the scenario."""

    fees_btc: np.ndarray
    issuance_btc: np.ndarray
    network_hashrate_ehs: np.ndarray
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    btc_per_th_month: np.ndarray  # at full availability, after pool fee


@dataclass(frozen=True)
class Results:
    inputs: EngineInputs
    market: Market
    rows: Series
    sites: Series
    fleet: Series
    row_kpis: Kpis
    site_kpis: Kpis
    fleet_kpis: Kpis
    breakevens: Breakevens
    site_irr_annual: np.ndarray
    fleet_irr_annual: float | None
    tax_loss_carried_usd: np.ndarray  # fleet loss carried forward at each month end
    site_load_mw: np.ndarray  # (S, H) rig load with cooling overhead of the rows online

    @cached_property
    def row_irr_annual(self) -> np.ndarray:
        """IRR of each row (NaN for none); computed on first use, as it is one solve per row."""
        return metrics.irr_annual_many(self.rows.free_cash_flow_usd)

    @property
    def next_halving_height(self) -> int:
        return next_halving_height(self.inputs.start_height)


def market_of(inputs: EngineInputs) -> Market:
    tl = inputs.timeline
    fees = tl.blocks * inputs.fees_btc_per_block
    issuance = tl.subsidy_btc + fees
    network = inputs.network_hashrate_ehs
    price = inputs.btc_price_usd
    return Market(
        fees_btc=fees,
        issuance_btc=issuance,
        network_hashrate_ehs=network,
        btc_price_usd=price,
        hashprice_usd_per_ph_day=(issuance / tl.days) * price / (network * 1000.0),
        btc_per_th_month=issuance / (network * TH_PER_EH) * (1.0 - inputs.pool_fee),
    )


def _straight_line(
    base_usd: np.ndarray, start_idx: np.ndarray, end_idx: np.ndarray, life_months: float, months: int
) -> np.ndarray:
    """Monthly straight-line depreciation of `base_usd` over `life_months` from `start_idx`,
    stopping at `end_idx`; fractional lives end with a partial month."""
    t = np.arange(months, dtype=float)
    stop = np.minimum(start_idx + life_months, end_idx).astype(float)
    share = np.minimum(stop[:, None], t[None, :] + 1.0)
    share -= np.maximum(start_idx.astype(float)[:, None], t[None, :])
    np.clip(share, 0.0, 1.0, out=share)
    share *= (base_usd / life_months)[:, None]
    return share


def _tax_with_loss_carry_forward(taxable_usd: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Monthly tax on fleet taxable income with losses carried forward without limit."""
    tax = np.zeros_like(taxable_usd)
    carried = np.zeros_like(taxable_usd)
    loss = 0.0
    for t, income in enumerate(taxable_usd.tolist()):
        taxed = income - loss
        if taxed > 0:
            tax[t] = rate * taxed
            loss = 0.0
        else:
            loss = -taxed
        carried[t] = loss
    return tax, carried


def compute(inputs: EngineInputs) -> Results:
    """Run the model on compiled inputs."""
    months = inputs.months
    tl = inputs.timeline
    market = market_of(inputs)
    t = np.arange(months)
    rows = inputs.count.size

    site = inputs.site_idx
    contract = inputs.site_contract_idx[site]
    overhead = inputs.site_overhead[site]
    uptime = inputs.site_uptime[site]
    curtailed = inputs.contract_curtailment_share[contract]
    credit_usd_per_mwh = inputs.contract_credit_usd_per_mwh[contract]

    online_idx = inputs.online_idx
    retire_idx = inputs.retire_idx
    online = (t[None, :] >= online_idx[:, None]) & (t[None, :] < retire_idx[:, None])

    # Hashrate with degradation: (1 - d) ** ((t - online) / 12), from a small table per rate.
    rates, which = np.unique(inputs.degradation_per_year, return_inverse=True)
    keep = 1.0 - rates
    table = keep[:, None] ** (t[None, :] / 12.0)
    row_scale = inputs.count * inputs.hashrate_th * (1.0 - inputs.degradation_per_year) ** (
        -online_idx / 12.0
    )
    hash_th = table[which] if rates.size > 1 else np.broadcast_to(table, (rows, months)).copy()
    hash_th *= row_scale[:, None]

    btc_full = hash_th * market.btc_per_th_month[None, :]
    revenue_full = btc_full * market.btc_price_usd[None, :]
    load_kw = inputs.count * inputs.power_w / 1000.0 * overhead
    hours = HOURS_PER_DAY * tl.days
    kwh_full = load_kw[:, None] * hours[None, :]
    energy_cost_per_kw = inputs.contract_price_usd_per_kwh * hours[None, :]
    power_full = load_kw[:, None] * energy_cost_per_kw[contract]

    covers_power = revenue_full >= power_full
    running = online & covers_power if inputs.auto_shutdown else online
    availability = running * (uptime * (1.0 - curtailed))[:, None]

    btc = btc_full * availability
    revenue = revenue_full * availability
    energy = kwh_full * availability
    power = power_full * availability
    credit = (load_kw * uptime * curtailed * credit_usd_per_mwh / 1000.0)[:, None] * (
        hours[None, :] * online
    )
    opex = (inputs.count * inputs.site_maintenance_usd_per_rig_month[site])[:, None] * online
    ebitda = revenue + credit - power - opex
    depreciation = _straight_line(
        inputs.count * inputs.unit_price_usd,
        online_idx,
        retire_idx,
        inputs.depreciation_months,
        months,
    )

    row_index = np.arange(rows)
    capex = np.zeros((rows, months))
    bought = (inputs.purchase_idx >= 0) & (inputs.purchase_idx < months)
    capex[row_index[bought], inputs.purchase_idx[bought]] = (
        inputs.count * inputs.unit_price_usd
    )[bought]
    resale = np.zeros((rows, months))
    sold = (retire_idx >= 0) & (retire_idx < months) & (retire_idx > online_idx)
    resale[row_index[sold], retire_idx[sold]] = (inputs.count * inputs.resale_usd_per_unit)[sold]
    at_horizon = (retire_idx >= months) & (online_idx <= months - 1)
    resale[row_index[at_horizon], months - 1] += (
        inputs.count * inputs.terminal_value_usd_per_unit
    )[at_horizon]

    # Site-level items.
    sites = len(inputs.site_names)
    no_end = np.full(sites, np.iinfo(np.int64).max // 2)
    site_depreciation = _straight_line(
        inputs.site_infra_capex_usd,
        inputs.site_infra_capex_idx,
        no_end,
        inputs.depreciation_months,
        months,
    )
    has_infra = (inputs.site_infra_capex_usd > 0) & (inputs.site_infra_capex_idx >= 0)
    site_depreciation[~has_infra] = 0.0
    site_capex = np.zeros((sites, months))
    in_horizon = has_infra & (inputs.site_infra_capex_idx < months)
    site_capex[np.flatnonzero(in_horizon), inputs.site_infra_capex_idx[in_horizon]] = (
        inputs.site_infra_capex_usd[in_horizon]
    )
    site_fixed = np.broadcast_to(inputs.site_fixed_opex_usd_per_month[:, None], (sites, months))
    site_demand = np.broadcast_to(
        inputs.site_demand_charge_usd_per_month[:, None], (sites, months)
    )

    # Tax on the fleet, allocated to rows by their positive taxable income.
    row_taxable = ebitda - depreciation
    fleet_taxable = (
        row_taxable.sum(axis=0)
        - site_fixed.sum(axis=0)
        - site_demand.sum(axis=0)
        - site_depreciation.sum(axis=0)
    )
    fleet_tax, loss_carried = _tax_with_loss_carry_forward(fleet_taxable, inputs.tax_rate)
    positive = np.maximum(row_taxable, 0.0)
    positive_total = positive.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(positive_total > 0, fleet_tax / positive_total, 0.0)
    row_tax = positive
    row_tax *= share[None, :]

    fcf = ebitda - row_tax - capex + resale
    row_series = Series(
        btc_mined=btc,
        revenue_usd=revenue,
        curtailment_credit_usd=credit,
        power_cost_usd=power,
        opex_usd=opex,
        ebitda_usd=ebitda,
        capex_usd=capex,
        depreciation_usd=depreciation,
        tax_usd=row_tax,
        resale_usd=resale,
        free_cash_flow_usd=fcf,
        energy_kwh=energy,
    )

    membership = np.zeros((sites, rows))
    membership[site, row_index] = 1.0
    by_site = {name: membership @ getattr(row_series, name) for name in SERIES_FIELDS}
    by_site["power_cost_usd"] += site_demand
    by_site["opex_usd"] += site_fixed
    by_site["capex_usd"] += site_capex
    by_site["depreciation_usd"] += site_depreciation
    by_site["ebitda_usd"] -= site_demand + site_fixed
    by_site["free_cash_flow_usd"] -= site_demand + site_fixed + site_capex
    site_series = Series(**by_site)
    fleet_series = site_series.total()

    rate = inputs.discount_rate_per_year
    breakevens = _breakevens(
        inputs, market, hash_th, load_kw, energy_cost_per_kw[contract], online, covers_power, running
    )
    return Results(
        inputs=inputs,
        market=market,
        rows=row_series,
        sites=site_series,
        fleet=fleet_series,
        row_kpis=kpis_of(row_series, rate),
        site_kpis=kpis_of(site_series, rate),
        fleet_kpis=kpis_of(fleet_series, rate),
        breakevens=breakevens,
        site_irr_annual=metrics.irr_annual_many(site_series.free_cash_flow_usd),
        fleet_irr_annual=metrics.irr_annual(fleet_series.free_cash_flow_usd[0]),
        tax_loss_carried_usd=loss_carried,
        site_load_mw=membership @ (load_kw[:, None] * online) / 1000.0,
    )


def _breakevens(
    inputs: EngineInputs,
    market: Market,
    hash_th: np.ndarray,
    load_kw: np.ndarray,
    energy_cost_per_kw: np.ndarray,
    online: np.ndarray,
    covers_power: np.ndarray,
    running: np.ndarray,
) -> Breakevens:
    months = inputs.months
    rows = inputs.count.size
    is_online = online.any(axis=1)
    first = np.where(is_online, online.argmax(axis=1), -1)
    f = np.maximum(first, 0)
    idx = np.arange(rows)
    days = inputs.timeline.days[f]
    power_per_day = load_kw * energy_cost_per_kw[idx, f] / days
    hash_f = hash_th[idx, f]
    btc_per_day = hash_f * market.btc_per_th_month[f] / days
    kwh_per_day = load_kw * HOURS_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(is_online & (btc_per_day > 0), power_per_day / btc_per_day, np.nan)
        hashprice = np.where(
            is_online & (hash_f > 0),
            power_per_day / (hash_f / 1000.0 * (1.0 - inputs.pool_fee)),
            np.nan,
        )
        power_price = np.where(
            is_online & (kwh_per_day > 0),
            btc_per_day * market.btc_price_usd[f] / kwh_per_day,
            np.nan,
        )
    losing = online & ~covers_power
    unprofitable = np.where(losing.any(axis=1), losing.argmax(axis=1), -1)
    shutdown_months = (online & ~running).sum(axis=1) if months else np.zeros(rows, dtype=int)
    return Breakevens(
        first_online_month=first,
        btc_price_usd=price,
        hashprice_usd_per_ph_day=hashprice,
        power_usd_per_kwh=power_price,
        unprofitable_from_month=unprofitable,
        shutdown_months=shutdown_months,
    )
