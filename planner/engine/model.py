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
from planner.engine.inputs import NO_MONTH, EngineInputs
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
    payback_status: np.ndarray  # metrics.PAID_BACK / NEVER / NEVER_NEGATIVE
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

    def take(self, order: np.ndarray) -> Kpis:
        """The same answers with entities reordered by `order`."""
        return Kpis(**{name: getattr(self, name)[order] for name in self.__dataclass_fields__})

    @staticmethod
    def concatenate(parts: list[Kpis]) -> Kpis:
        return Kpis(
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in Kpis.__dataclass_fields__
            }
        )


def kpis_from_totals(
    fcf: np.ndarray,
    discount_rate_per_year: float,
    *,
    btc: np.ndarray,
    revenue_usd: np.ndarray,
    capex_usd: np.ndarray,
    cash_cost_usd: np.ndarray,
    depreciation_usd: np.ndarray,
    energy_kwh: np.ndarray,
) -> Kpis:
    """Answers from each entity's monthly FCF (K x H) and its horizon totals (length K)."""
    simple = metrics.payback(fcf)
    discounted = metrics.payback(metrics.discounted_flows(fcf, discount_rate_per_year))
    total_fcf = fcf.sum(axis=1)
    energy_mwh = energy_kwh / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mined = btc > 0
        cost_cash = np.where(mined, cash_cost_usd / btc, np.nan)
        cost_all_in = np.where(mined, (cash_cost_usd + depreciation_usd) / btc, np.nan)
        roi = np.where(capex_usd > 0, total_fcf / capex_usd, np.nan)
        revenue_per_mwh = np.where(energy_mwh > 0, revenue_usd / energy_mwh, np.nan)
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
        revenue_usd=revenue_usd,
        capex_usd=capex_usd,
        free_cash_flow_usd=total_fcf,
        energy_mwh=energy_mwh,
        cost_per_btc_cash_usd=cost_cash,
        cost_per_btc_all_in_usd=cost_all_in,
        revenue_usd_per_mwh=revenue_per_mwh,
    )


def kpis_of(series: Series, discount_rate_per_year: float) -> Kpis:
    """NPV, payback, ROI, BTC mined and cost per BTC of each entity of `series`."""
    return kpis_from_totals(
        series.free_cash_flow_usd,
        discount_rate_per_year,
        btc=series.btc_mined.sum(axis=1),
        revenue_usd=series.revenue_usd.sum(axis=1),
        capex_usd=series.capex_usd.sum(axis=1),
        cash_cost_usd=series.power_cost_usd.sum(axis=1) + series.opex_usd.sum(axis=1),
        depreciation_usd=series.depreciation_usd.sum(axis=1),
        energy_kwh=series.energy_kwh.sum(axis=1),
    )


@dataclass(frozen=True)
class Breakevens:
    """Per row, in the row's first online month of the horizon (NaN if never online)."""

    first_online_month: np.ndarray  # month index, -1 when not online in the horizon
    btc_price_usd: np.ndarray
    hashprice_usd_per_ph_day: np.ndarray
    power_usd_per_kwh: np.ndarray
    unprofitable_from_month: np.ndarray  # first online month with revenue < power cost; -1 never
    shutdown_months: np.ndarray  # online months switched off by the automatic shutdown


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
    """Everything one computation answers. Row arrays follow the project's fleet order.

    `rows` (row x month series) is kept only when `compute(..., keep_rows=True)`;
    `row_free_cash_flow()` is always available.
    """

    inputs: EngineInputs
    market: Market
    rows: Series | None
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
    _row_pretax_fcf: np.ndarray  # (R, H), rows in the engine's site order
    _row_taxable_positive: np.ndarray  # (R, H), same order
    _row_position: np.ndarray  # engine position of each project row
    _tax_share: np.ndarray  # (H,) tax per USD of positive row taxable income

    def row_free_cash_flow(self) -> np.ndarray:
        """Monthly FCF of each fleet row (R x H), after its share of the fleet's tax."""
        if self.rows is not None:
            return self.rows.free_cash_flow_usd
        pretax = self._row_pretax_fcf[self._row_position]
        return pretax - self._row_taxable_positive[self._row_position] * self._tax_share

    @cached_property
    def row_irr_annual(self) -> np.ndarray:
        """IRR of each row (NaN for none); computed on first use, one solve per row."""
        return metrics.irr_annual_many(
            self.row_free_cash_flow(), invested(self.row_kpis.payback_status)
        )

    @property
    def next_halving_height(self) -> int:
        return next_halving_height(self.inputs.start_height)


def invested(payback_status: np.ndarray) -> np.ndarray:
    """Where cumulative cash flow went negative: an IRR means something only there. A
    stream that is positive first and negative later has a rate that zeroes its NPV,
    but it is the cost of borrowing, not a return, and the planner reports none."""
    return payback_status != metrics.NEVER_NEGATIVE


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


def straight_line(
    base_usd: np.ndarray,
    start_idx: np.ndarray,
    stop_idx: np.ndarray,
    life_months: float,
    t: np.ndarray,
) -> np.ndarray:
    """Straight-line depreciation of `base_usd` over `life_months` from `start_idx`, for the
    months `t`; it stops at `stop_idx` and fractional lives end with a partial month."""
    end = np.minimum(start_idx + life_months, stop_idx)
    share = np.minimum(end[:, None], t[None, :] + 1.0)
    share -= np.maximum(start_idx[:, None], t[None, :])
    np.maximum(share, 0.0, out=share)
    share *= (base_usd / life_months)[:, None]
    return share


def tax_with_loss_carry_forward(
    taxable_usd: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly tax on fleet taxable income with losses carried forward without limit;
    also the loss carried at each month end."""
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


@dataclass(frozen=True)
class RowVectors:
    """Month-independent figures of a selection of fleet rows, in the order `order`."""

    order: np.ndarray  # position in the inputs of each selected row
    site: np.ndarray
    count: np.ndarray
    online_idx: np.ndarray
    retire_idx: np.ndarray
    purchase_idx: np.ndarray
    contract: np.ndarray
    load_kw: np.ndarray  # rig power with the site's cooling overhead
    availability_factor: np.ndarray  # uptime x (1 - curtailed share)
    credit_usd_per_hour: np.ndarray  # curtailment credit per hour online
    maintenance_usd: np.ndarray  # per month online
    capex_per_row: np.ndarray
    which: np.ndarray  # each row's line in `degradation_table`
    degradation_table: np.ndarray  # (rates, H): (1 - rate) ** (t / 12)
    row_scale: np.ndarray  # TH/s at t = 0 of the degradation curve; 0 if never online
    energy_cost_usd_per_kw: np.ndarray  # (C, H): a kW drawn all month, at each contract


def row_vectors(inputs: EngineInputs, order: np.ndarray) -> RowVectors:
    """The month-independent figures of the rows `order` (indices into the inputs)."""
    months = inputs.months
    t = np.arange(months, dtype=float)
    hours = HOURS_PER_DAY * inputs.timeline.days
    site = inputs.site_idx[order]
    count = inputs.count[order]
    online_idx = inputs.online_idx[order]
    retire_idx = inputs.retire_idx[order]
    contract = inputs.site_contract_idx[site]
    uptime = inputs.site_uptime[site]
    curtailed = inputs.contract_curtailment_share[contract]
    load_kw = count * inputs.power_w[order] / 1000.0 * inputs.site_overhead[site]
    # Hashrate with degradation: (1 - d) ** ((t - online) / 12), from a table per rate.
    degradation = inputs.degradation_per_year[order]
    rates, which = np.unique(degradation, return_inverse=True)
    # Rows never online in the horizon get no hashrate (and no huge factor to overflow).
    ever_online = (np.maximum(online_idx, 0) < np.minimum(retire_idx, months)) & (count > 0)
    row_scale = np.zeros(order.size)
    row_scale[ever_online] = (
        count
        * inputs.hashrate_th[order]
        * (1.0 - degradation) ** (-online_idx.astype(float) / 12.0)
    )[ever_online]
    return RowVectors(
        order=order,
        site=site,
        count=count,
        online_idx=online_idx,
        retire_idx=retire_idx,
        purchase_idx=inputs.purchase_idx[order],
        contract=contract,
        load_kw=load_kw,
        availability_factor=uptime * (1.0 - curtailed),
        credit_usd_per_hour=(
            load_kw * uptime * curtailed * inputs.contract_credit_usd_per_mwh[contract] / 1000.0
        ),
        maintenance_usd=count * inputs.site_maintenance_usd_per_rig_month[site],
        capex_per_row=count * inputs.unit_price_usd[order],
        which=which.reshape(-1),
        degradation_table=(1.0 - rates)[:, None] ** (t[None, :] / 12.0),
        row_scale=row_scale,
        energy_cost_usd_per_kw=inputs.contract_price_usd_per_kwh * hours[None, :],
    )


def full_running(
    rv: RowVectors, c: slice, btc_per_th_table: np.ndarray, btc_price_usd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For the rows `c` of `rv`, month by month: online (bool), and BTC mined, revenue USD
    and power cost USD if the row ran all month (before availability and shutdown).
    `btc_per_th_table` is the degradation table times the BTC per TH of each month."""
    t_int = np.arange(btc_price_usd.size)
    online = (t_int[None, :] >= rv.online_idx[c, None]) & (t_int[None, :] < rv.retire_idx[c, None])
    btc_full = btc_per_th_table[rv.which[c]]
    btc_full *= rv.row_scale[c, None]
    revenue_full_usd = btc_full * btc_price_usd[None, :]
    power_full_usd = rv.energy_cost_usd_per_kw[rv.contract[c]]
    power_full_usd *= rv.load_kw[c, None]
    return online, btc_full, revenue_full_usd, power_full_usd


CHUNK_CELLS = 32_768  # row x month cells per chunk: a chunk's arrays stay in cache
KPI_BLOCK_ROWS = 4_096


def compute(inputs: EngineInputs, keep_rows: bool = False) -> Results:
    """Run the model on compiled inputs.

    Rows are processed in cache-sized chunks sorted by site (so site totals are sums of
    contiguous segments); the fleet's tax needs every row's taxable income first, so
    row FCF, NPV and payback are finished in a second pass.
    """
    months = inputs.months
    tl = inputs.timeline
    market = market_of(inputs)
    t_int = np.arange(months)
    t = t_int.astype(float)
    rows = inputs.count.size
    sites = len(inputs.site_names)
    hours = HOURS_PER_DAY * tl.days

    rv = row_vectors(inputs, np.argsort(inputs.site_idx, kind="stable"))
    order = rv.order
    site = rv.site
    count = rv.count
    online_idx = rv.online_idx
    retire_idx = rv.retire_idx
    purchase_idx = rv.purchase_idx
    contract = rv.contract
    load_kw = rv.load_kw
    availability_factor = rv.availability_factor
    credit_usd_per_hour = rv.credit_usd_per_hour
    maintenance_usd = rv.maintenance_usd
    capex_per_row = rv.capex_per_row
    online_f = online_idx.astype(float)
    retire_f = retire_idx.astype(float)
    # With a whole number of months of life, depreciation is a flat amount inside a window.
    whole_life = float(inputs.depreciation_months).is_integer()
    life_end = np.minimum(online_idx + int(inputs.depreciation_months), retire_idx)
    monthly_depreciation = capex_per_row / inputs.depreciation_months
    which = rv.which
    table = rv.degradation_table
    row_scale = rv.row_scale
    energy_cost_per_kw = rv.energy_cost_usd_per_kw
    btc_per_th = market.btc_per_th_month
    price = market.btc_price_usd

    pretax = np.empty((rows, months))
    positive = np.empty((rows, months))
    acc = {name: np.zeros((sites, months)) for name in SERIES_FIELDS}
    site_positive = np.zeros((sites, months))
    load_mw = np.zeros((sites, months))
    row_btc = np.empty(rows)
    row_revenue = np.empty(rows)
    row_cash_cost = np.empty(rows)
    row_depreciation = np.empty(rows)
    row_energy = np.empty(rows)
    unprofitable = np.empty(rows, dtype=np.int64)
    shutdown_months = np.empty(rows, dtype=np.int64)
    kept = {name: np.zeros((rows, months)) for name in SERIES_FIELDS} if keep_rows else None

    btc_per_th_table = table * btc_per_th[None, :]  # BTC per TH per month by degradation rate
    chunk = max(8, CHUNK_CELLS // max(months, 1))
    for a in range(0, rows, chunk):
        b = min(a + chunk, rows)
        c = slice(a, b)
        n = b - a
        online, btc_full, revenue_full, power_full = full_running(rv, c, btc_per_th_table, price)
        covers = revenue_full >= power_full
        running = online & covers if inputs.auto_shutdown else online
        availability = running * availability_factor[c, None]
        btc = btc_full * availability
        power = power_full * availability
        margin = revenue_full - power_full
        margin *= availability
        revenue = margin + power
        # Credits and maintenance depend on the row and the month only through `online`.
        fixed = credit_usd_per_hour[c, None] * hours[None, :]
        fixed -= maintenance_usd[c, None]
        fixed *= online
        ebitda = margin
        ebitda += fixed
        if whole_life:
            in_life = (t_int[None, :] >= online_idx[c, None]) & (t_int[None, :] < life_end[c, None])
            depreciation = monthly_depreciation[c, None] * in_life
        else:
            depreciation = straight_line(
                capex_per_row[c], online_f[c], retire_f[c], inputs.depreciation_months, t
            )
        pretax[c] = ebitda
        taxable = np.subtract(ebitda, depreciation, out=positive[c])
        np.maximum(taxable, 0.0, out=taxable)

        chunk_sites = site[c]
        starts = np.flatnonzero(np.r_[True, chunk_sites[1:] != chunk_sites[:-1]])
        seg = chunk_sites[starts]
        for name, values in (
            ("btc_mined", btc),
            ("revenue_usd", revenue),
            ("power_cost_usd", power),
            ("ebitda_usd", ebitda),
            ("depreciation_usd", depreciation),
        ):
            acc[name][seg] += np.add.reduceat(values, starts, axis=0)
        site_positive[seg] += np.add.reduceat(positive[c], starts, axis=0)
        # Row amount x mask, summed per site: small matmuls instead of cell arrays.
        member = np.zeros((seg.size, n))
        member[np.searchsorted(starts, np.arange(n), side="right") - 1, np.arange(n)] = 1.0
        online_f64 = online.astype(float)
        acc["curtailment_credit_usd"][seg] += (
            (member * credit_usd_per_hour[c]) @ online_f64
        ) * hours[None, :]
        acc["opex_usd"][seg] += (member * maintenance_usd[c]) @ online_f64
        acc["energy_kwh"][seg] += ((member * load_kw[c]) @ availability) * hours[None, :]
        load_mw[seg] += (member * load_kw[c]) @ online_f64

        online_months = online.sum(axis=1)
        row_btc[c] = btc.sum(axis=1)
        power_sum = power.sum(axis=1)
        row_revenue[c] = revenue.sum(axis=1)
        row_cash_cost[c] = power_sum + maintenance_usd[c] * online_months
        row_depreciation[c] = depreciation.sum(axis=1)
        row_energy[c] = load_kw[c] * (availability @ hours)
        losing = online & ~covers
        unprofitable[c] = np.where(losing.any(axis=1), losing.argmax(axis=1), -1)
        shutdown_months[c] = online_months - running.sum(axis=1)
        if kept is not None:
            kept["btc_mined"][c] = btc
            kept["revenue_usd"][c] = revenue
            kept["power_cost_usd"][c] = power
            kept["ebitda_usd"][c] = ebitda
            kept["depreciation_usd"][c] = depreciation
            kept["curtailment_credit_usd"][c] = credit_usd_per_hour[c, None] * hours * online
            kept["opex_usd"][c] = maintenance_usd[c, None] * online
            kept["energy_kwh"][c] = load_kw[c, None] * hours[None, :] * availability

    # Capex in the purchase month; resale in the retire month or as terminal value.
    row_index = np.arange(rows)
    bought = (purchase_idx >= 0) & (purchase_idx < months)
    capex_rows = np.where(bought, capex_per_row, 0.0)
    pretax[row_index[bought], purchase_idx[bought]] -= capex_per_row[bought]
    np.add.at(acc["capex_usd"], (site[bought], purchase_idx[bought]), capex_per_row[bought])
    sold = (retire_idx >= 0) & (retire_idx < months) & (retire_idx > online_idx)
    resale_amount = count * inputs.resale_usd_per_unit[order]
    at_horizon = (retire_idx >= months) & (purchase_idx <= months - 1)  # owned at the end
    terminal_amount = count * inputs.terminal_value_usd_per_unit[order]
    resale_rows, resale_months, resale_values = (
        np.concatenate((row_index[sold], row_index[at_horizon])),
        np.concatenate((retire_idx[sold], np.full(int(at_horizon.sum()), months - 1))),
        np.concatenate((resale_amount[sold], terminal_amount[at_horizon])),
    )
    np.add.at(pretax, (resale_rows, resale_months), resale_values)
    np.add.at(acc["resale_usd"], (site[resale_rows], resale_months), resale_values)
    if kept is not None:
        kept["capex_usd"][row_index[bought], purchase_idx[bought]] = capex_per_row[bought]
        np.add.at(kept["resale_usd"], (resale_rows, resale_months), resale_values)

    # Site-level items: demand charges (power), fixed opex, infrastructure capex.
    site_demand = inputs.site_demand_charge_usd_per_month[:, None] * np.ones(months)[None, :]
    site_fixed = inputs.site_fixed_opex_usd_per_month[:, None] * np.ones(months)[None, :]
    has_infra = (inputs.site_infra_capex_usd > 0) & (inputs.site_infra_capex_idx != NO_MONTH)
    infra_base = np.where(has_infra, inputs.site_infra_capex_usd, 0.0)
    infra_idx = inputs.site_infra_capex_idx.astype(float)
    site_depreciation = straight_line(
        infra_base, infra_idx, np.full(sites, np.inf), inputs.depreciation_months, t
    )
    site_capex = np.zeros((sites, months))
    in_horizon = (
        has_infra & (inputs.site_infra_capex_idx >= 0) & (inputs.site_infra_capex_idx < months)
    )
    site_capex[np.flatnonzero(in_horizon), inputs.site_infra_capex_idx[in_horizon]] = (
        inputs.site_infra_capex_usd[in_horizon]
    )

    # Fleet tax, allocated to rows in proportion to their positive taxable income.
    fleet_taxable = (
        acc["ebitda_usd"].sum(axis=0)
        - acc["depreciation_usd"].sum(axis=0)
        - site_demand.sum(axis=0)
        - site_fixed.sum(axis=0)
        - site_depreciation.sum(axis=0)
    )
    fleet_tax, loss_carried = tax_with_loss_carry_forward(fleet_taxable, inputs.tax_rate)
    positive_total = site_positive.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(positive_total > 0, fleet_tax / positive_total, 0.0)
    acc["tax_usd"] = site_positive * share[None, :]

    acc["power_cost_usd"] += site_demand
    acc["opex_usd"] += site_fixed
    acc["capex_usd"] += site_capex
    acc["depreciation_usd"] += site_depreciation
    acc["ebitda_usd"] -= site_demand + site_fixed
    acc["free_cash_flow_usd"] = (
        acc["ebitda_usd"] - acc["tax_usd"] - acc["capex_usd"] + acc["resale_usd"]
    )
    site_series = Series(**acc)
    fleet_series = site_series.total()

    # Second pass over rows: FCF after tax, NPV and payback.
    rate = inputs.discount_rate_per_year
    parts_kpis = []
    for a in range(0, rows, KPI_BLOCK_ROWS):
        c = slice(a, min(a + KPI_BLOCK_ROWS, rows))
        row_tax = positive[c] * share[None, :]
        fcf = pretax[c] - row_tax
        if kept is not None:
            kept["tax_usd"][c] = row_tax
            kept["free_cash_flow_usd"][c] = fcf
        parts_kpis.append(
            kpis_from_totals(
                fcf,
                rate,
                btc=row_btc[c],
                revenue_usd=row_revenue[c],
                capex_usd=capex_rows[c],
                cash_cost_usd=row_cash_cost[c],
                depreciation_usd=row_depreciation[c],
                energy_kwh=row_energy[c],
            )
        )
    inverse = np.empty_like(order)
    inverse[order] = np.arange(rows)
    row_kpis = (
        Kpis.concatenate(parts_kpis).take(inverse)
        if parts_kpis
        else kpis_from_totals(
            np.zeros((0, months)),
            rate,
            btc=np.zeros(0),
            revenue_usd=np.zeros(0),
            capex_usd=np.zeros(0),
            cash_cost_usd=np.zeros(0),
            depreciation_usd=np.zeros(0),
            energy_kwh=np.zeros(0),
        )
    )

    # Breakevens in each row's first online month of the horizon.
    first_start = np.maximum(online_idx, 0)
    is_online = first_start < np.minimum(retire_idx, months)
    f = np.where(is_online, first_start, 0)
    days = tl.days[f]
    hash_first = row_scale * table[which, f]
    power_per_day = load_kw * energy_cost_per_kw[contract, f] / days
    btc_per_day = hash_first * btc_per_th[f] / days
    kwh_per_day = load_kw * HOURS_PER_DAY
    with np.errstate(divide="ignore", invalid="ignore"):
        breakeven_price = np.where(
            is_online & (btc_per_day > 0), power_per_day / btc_per_day, np.nan
        )
        breakeven_hashprice = np.where(
            is_online & (hash_first > 0),
            power_per_day / (hash_first / 1000.0 * (1.0 - inputs.pool_fee)),
            np.nan,
        )
        breakeven_power = np.where(
            is_online & (kwh_per_day > 0), btc_per_day * price[f] / kwh_per_day, np.nan
        )
    breakevens = Breakevens(
        first_online_month=np.where(is_online, first_start, -1)[inverse],
        btc_price_usd=breakeven_price[inverse],
        hashprice_usd_per_ph_day=breakeven_hashprice[inverse],
        power_usd_per_kwh=breakeven_power[inverse],
        unprofitable_from_month=unprofitable[inverse],
        shutdown_months=shutdown_months[inverse],
    )
    row_series = (
        Series(**{name: values[inverse] for name, values in kept.items()})
        if kept is not None
        else None
    )
    site_kpis = kpis_of(site_series, rate)
    fleet_kpis = kpis_of(fleet_series, rate)
    fleet_irr = metrics.irr_annual_many(
        fleet_series.free_cash_flow_usd, invested(fleet_kpis.payback_status)
    )[0]
    return Results(
        inputs=inputs,
        market=market,
        rows=row_series,
        sites=site_series,
        fleet=fleet_series,
        row_kpis=row_kpis,
        site_kpis=site_kpis,
        fleet_kpis=fleet_kpis,
        breakevens=breakevens,
        site_irr_annual=metrics.irr_annual_many(
            site_series.free_cash_flow_usd, invested(site_kpis.payback_status)
        ),
        fleet_irr_annual=None if np.isnan(fleet_irr) else float(fleet_irr),
        tax_loss_carried_usd=loss_carried,
        site_load_mw=load_mw / 1000.0,
        _row_pretax_fcf=pretax,
        _row_taxable_positive=positive,
        _row_position=inverse,
        _tax_share=share,
    )
