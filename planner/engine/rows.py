"""Fleet rows month by month: production, revenue, power, opex and depreciation.

Rows are processed in cache-sized chunks, sorted by site so that a site's sums are sums
of contiguous segments. For a row in month t (MODEL.md "A fleet row in month t"): it runs
when online (and, under the automatic shutdown, when its revenue at full availability
covers its power cost); availability = running x uptime x (1 - curtailed share);
BTC mined, revenue, power cost and energy scale with availability; curtailment credits
are paid while the row runs (load actually reduced: none when the shutdown has it off);
maintenance while it is online. Each row's tax depreciation and its taxable income
(EBITDA - tax depreciation) summed by fiscal year are kept for the fleet's tax.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from planner.engine.depreciation import row_depreciation_usd
from planner.engine.hourly import HourlyPower
from planner.engine.inputs import EngineInputs
from planner.engine.market import HOURS_PER_DAY, Market
from planner.engine.metrics import StartFlows
from planner.engine.series import SERIES_FIELDS, Kpis, kpis_from_totals
from planner.engine.tax_depreciation import TaxSchedule

CHUNK_CELLS = 32_768  # row x month cells per chunk: a chunk's arrays stay in cache
KPI_BLOCK_ROWS = 512  # rows x months of a block of FCF stay in cache


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
    bonus_share: np.ndarray  # bonus depreciation share of the row's capex (tax)
    load_kw: np.ndarray  # rig power with the site's cooling overhead
    availability_factor: np.ndarray  # uptime x (1 - curtailed share)
    credit_usd_per_hour: np.ndarray  # curtailment credit per hour running
    maintenance_usd: np.ndarray  # per month online
    capex_per_row: np.ndarray
    life_end_idx: np.ndarray  # end of depreciation (whole-month lives) or retirement
    depreciation_usd_per_month: np.ndarray
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
    capex_usd = count * inputs.unit_price_usd[order]
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
        bonus_share=inputs.row_bonus_share[order],
        load_kw=load_kw,
        availability_factor=uptime * (1.0 - curtailed),
        credit_usd_per_hour=(
            load_kw * uptime * curtailed * inputs.contract_credit_usd_per_mwh[contract] / 1000.0
        ),
        maintenance_usd=count * inputs.site_maintenance_usd_per_rig_month[site],
        capex_per_row=capex_usd,
        life_end_idx=np.minimum(online_idx + int(inputs.depreciation_months), retire_idx),
        depreciation_usd_per_month=capex_usd / inputs.depreciation_months,
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


@dataclass(frozen=True)
class ChunkCells:
    """Row x month figures of one chunk of rows."""

    online: np.ndarray  # bool
    covers: np.ndarray  # bool: revenue at full availability >= power cost
    running: np.ndarray  # bool: online and not switched off by the automatic shutdown
    availability: np.ndarray  # share of the month the row runs
    btc_mined: np.ndarray
    revenue_usd: np.ndarray
    power_cost_usd: np.ndarray
    ebitda_usd: np.ndarray
    depreciation_usd: np.ndarray
    # With price profiles (hourly.py): power sold, and the strike's gain over running
    # every interval; None without.
    power_sales_usd: np.ndarray | None = None
    strike_savings_usd: np.ndarray | None = None


def chunk_cells(
    inputs: EngineInputs,
    rv: RowVectors,
    c: slice,
    btc_per_th_table: np.ndarray,
    btc_price_usd: np.ndarray,
    hours: np.ndarray,
) -> ChunkCells:
    """The month-by-month figures of the rows `c` of `rv`."""
    online, btc_full, revenue_full_usd, power_full_usd = full_running(
        rv, c, btc_per_th_table, btc_price_usd
    )
    if inputs.hourly is not None:
        return _strike_cells(
            inputs,
            inputs.hourly,
            rv,
            c,
            (online, btc_full, revenue_full_usd, power_full_usd),
            hours,
        )
    covers = revenue_full_usd >= power_full_usd
    running = online & covers if inputs.auto_shutdown else online
    availability = running * rv.availability_factor[c, None]
    btc_mined = btc_full * availability
    power_cost_usd = power_full_usd * availability
    margin_usd = revenue_full_usd - power_full_usd
    margin_usd *= availability
    revenue_usd = margin_usd + power_cost_usd
    # Curtailment credits are paid for load the row would have drawn: only while it runs
    # (none in a month the automatic shutdown has it off); maintenance while online.
    credit_usd = rv.credit_usd_per_hour[c, None] * hours[None, :]
    credit_usd *= running
    ebitda_usd = margin_usd
    ebitda_usd += credit_usd
    ebitda_usd -= rv.maintenance_usd[c, None] * online
    depreciation_usd = _depreciation_usd(inputs, rv, c)
    return ChunkCells(
        online=online,
        covers=covers,
        running=running,
        availability=availability,
        btc_mined=btc_mined,
        revenue_usd=revenue_usd,
        power_cost_usd=power_cost_usd,
        ebitda_usd=ebitda_usd,
        depreciation_usd=depreciation_usd,
    )


def _depreciation_usd(inputs: EngineInputs, rv: RowVectors, c: slice) -> np.ndarray:
    return row_depreciation_usd(
        rv.capex_per_row[c],
        rv.depreciation_usd_per_month[c],
        rv.online_idx[c],
        rv.life_end_idx[c],
        rv.retire_idx[c],
        inputs.depreciation_months,
        inputs.months,
    )


def _strike_cells(
    inputs: EngineInputs,
    hourly: HourlyPower,
    rv: RowVectors,
    c: slice,
    full: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    hours: np.ndarray,
) -> ChunkCells:
    """`chunk_cells` where sites have price profiles: in a site-month with a curve each
    row runs in the intervals its revenue per kWh pays for (no interval: it is off, the
    automatic shutdown's limit case), pays their prices (or its fixed price, selling what
    it leaves), and in others as without a profile, less the share off for 4CP."""
    online, btc_full, revenue_full_usd, power_full_usd = full
    full_kwh = rv.load_kw[c, None] * hours[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        revenue_usd_per_kwh = revenue_full_usd / full_kwh
    terms = hourly.strike_terms(
        rv.site[c], revenue_usd_per_kwh, inputs.contract_price_usd_per_kwh[rv.contract[c]]
    )
    strike = terms.strike
    covers = np.where(strike, terms.run_share > 0, revenue_full_usd >= power_full_usd)
    running = online & (covers if inputs.auto_shutdown else (covers | ~strike))
    factor = rv.availability_factor[c, None]
    availability = running * factor
    availability *= terms.run_share
    # A month at full running while online, in kWh: what the strike's prices apply to.
    full_kwh *= online
    full_kwh *= factor
    power_cost_usd = np.where(strike, full_kwh * terms.cost, power_full_usd * availability)
    power_sales_usd = full_kwh * np.where(strike, terms.sales, 0.0)  # none off the curve
    btc_mined = btc_full * availability
    revenue_usd = revenue_full_usd * availability
    margin_usd = revenue_usd - power_cost_usd
    margin_usd += power_sales_usd
    # Against running every interval: full kWh x (revenue - the mean price paid) per kWh.
    everywhere_usd = np.nan_to_num(revenue_usd_per_kwh) - terms.all_cost
    everywhere_usd *= full_kwh
    savings_usd = np.where(strike, margin_usd - everywhere_usd, 0.0)
    credit_usd = rv.credit_usd_per_hour[c, None] * hours[None, :] * running
    ebitda_usd = margin_usd + credit_usd - rv.maintenance_usd[c, None] * online
    return ChunkCells(
        online=online,
        covers=covers,
        running=running,
        availability=availability,
        btc_mined=btc_mined,
        revenue_usd=revenue_usd,
        power_cost_usd=power_cost_usd,
        ebitda_usd=ebitda_usd,
        depreciation_usd=_depreciation_usd(inputs, rv, c),
        power_sales_usd=power_sales_usd,
        strike_savings_usd=savings_usd,
    )


@dataclass(frozen=True)
class RowPass:
    """What the pass over rows leaves: cell arrays the tax needs, site sums, row totals.

    The arrays are filled in place by `mine_rows`, then by `add_capex_and_resale` and
    `rows_after_tax`; rows are in the order of the RowVectors (sorted by site).
    """

    fcf_usd: np.ndarray  # (R, H) EBITDA, then - capex + resale, then - the row's tax
    taxable_by_year_usd: np.ndarray  # (R, Y) EBITDA - tax depreciation (+ disposal gains)
    site_sums: dict[str, np.ndarray]  # (S, H) per Series field, of the rows only
    site_load_kw: np.ndarray  # (S, H) load with overhead of the rows online
    total_btc_mined: np.ndarray  # (R,) over the horizon
    total_revenue_usd: np.ndarray
    total_cash_cost_usd: np.ndarray  # power + maintenance
    total_power_cost_usd: np.ndarray
    total_credit_usd: np.ndarray
    total_depreciation_usd: np.ndarray
    total_energy_kwh: np.ndarray
    total_power_sales_usd: np.ndarray  # (R,) 0 without price profiles
    total_strike_savings_usd: np.ndarray  # (R,) the strike's gain over running throughout
    unprofitable_from_month: np.ndarray  # (R,) first online month not covering power; -1
    shutdown_months: np.ndarray  # (R,) online months switched off by the shutdown
    kept: dict[str, np.ndarray] | None  # (R, H) row series, when asked for

    @staticmethod
    def empty(rows: int, sites: int, months: int, years: int, keep_rows: bool) -> RowPass:
        return RowPass(
            fcf_usd=np.empty((rows, months)),
            taxable_by_year_usd=np.empty((rows, years)),
            site_sums={name: np.zeros((sites, months)) for name in SERIES_FIELDS},
            site_load_kw=np.zeros((sites, months)),
            total_btc_mined=np.empty(rows),
            total_revenue_usd=np.empty(rows),
            total_cash_cost_usd=np.empty(rows),
            total_power_cost_usd=np.empty(rows),
            total_credit_usd=np.empty(rows),
            total_depreciation_usd=np.empty(rows),
            total_energy_kwh=np.empty(rows),
            total_power_sales_usd=np.zeros(rows),
            total_strike_savings_usd=np.zeros(rows),
            unprofitable_from_month=np.empty(rows, dtype=np.int64),
            shutdown_months=np.empty(rows, dtype=np.int64),
            kept=(
                {name: np.zeros((rows, months)) for name in SERIES_FIELDS} if keep_rows else None
            ),
        )


@dataclass(frozen=True)
class SiteSums:
    """Per-site sums (S x H) that a pass over rows adds to."""

    series: dict[str, np.ndarray]  # per Series field, of the rows only
    load_kw: np.ndarray

    def zeros_like(self) -> SiteSums:
        return SiteSums(
            series={name: np.zeros_like(values) for name, values in self.series.items()},
            load_kw=np.zeros_like(self.load_kw),
        )

    def add(self, other: SiteSums) -> None:
        for name, values in other.series.items():
            self.series[name] += values
        np.add(self.load_kw, other.load_kw, out=self.load_kw)


def mine_rows(inputs: EngineInputs, rv: RowVectors, market: Market, keep_rows: bool) -> RowPass:
    """Every row's production, revenue, power, opex and depreciation, chunk by chunk.

    A big fleet is worked in two halves at once (numpy releases the GIL in its loops); each
    half sums its own sites, and the second half's sums are added to the first's."""
    months = inputs.months
    rows = rv.order.size
    hours = HOURS_PER_DAY * inputs.timeline.days
    calendar = inputs.fiscal
    out = RowPass.empty(rows, len(inputs.site_names), months, calendar.years, keep_rows)
    tax = RowTaxDepreciation.of(inputs, rv)
    out.site_sums["tax_depreciation_usd"] += tax.site_monthly_usd(len(inputs.site_names), months)
    btc_per_th_table = rv.degradation_table * market.btc_per_th_month[None, :]
    chunk = max(8, CHUNK_CELLS // max(months, 1))
    parts = split_work(rows * months, list(range(0, rows, chunk)))
    first = SiteSums(out.site_sums, out.site_load_kw)
    sums_of_part = [first] + [first.zeros_like() for _ in parts[1:]]

    def mine(part: int) -> None:
        sums = sums_of_part[part]
        for a in parts[part]:
            c = slice(a, min(a + chunk, rows))
            cells = chunk_cells(inputs, rv, c, btc_per_th_table, market.btc_price_usd, hours)
            out.fcf_usd[c] = cells.ebitda_usd
            out.taxable_by_year_usd[c] = calendar.by_year(cells.ebitda_usd)
            out.taxable_by_year_usd[c] -= tax.by_year_usd[c]
            _add_to_sites(sums, rv, c, cells, hours)
            _add_row_totals(out, rv, c, cells, hours)
            if out.kept is not None:
                _keep_rows(out.kept, rv, c, cells, hours)
                out.kept["tax_depreciation_usd"][c] = (
                    tax.per_month_usd[c][:, calendar.month_year] * cells.online
                )

    run_parts(mine, len(parts))
    for sums in sums_of_part[1:]:
        first.add(sums)
    return out


@dataclass(frozen=True)
class RowTaxDepreciation:
    """The rows' tax depreciation by fiscal year of the horizon (R, Y): a row's rate holds
    over its months in service of a year (first to last), so its months are worked out
    only where they are needed."""

    per_month_usd: np.ndarray
    first_month: np.ndarray
    last_month: np.ndarray  # < first_month: none in service that year
    site: np.ndarray  # (R,)

    @staticmethod
    def of(inputs: EngineInputs, rv: RowVectors) -> RowTaxDepreciation:
        schedule = TaxSchedule(inputs.rig_tax_rates, inputs.fiscal)
        first, last = schedule.service_by_year(rv.online_idx, rv.retire_idx)
        return RowTaxDepreciation(
            per_month_usd=schedule.per_month_by_year(
                rv.capex_per_row, rv.online_idx, rv.bonus_share
            ),
            first_month=first,
            last_month=last,
            site=rv.site,
        )

    @cached_property
    def by_year_usd(self) -> np.ndarray:
        return self.per_month_usd * np.maximum(self.last_month - self.first_month + 1, 0)

    def site_monthly_usd(self, sites: int, months: int) -> np.ndarray:
        """(S, H) the sum over each site's rows by month: steps up at a row's first month
        in service of a year and down after its last, summed running."""
        width = months + 1
        in_service = self.last_month >= self.first_month
        rate_usd = self.per_month_usd[in_service]
        base = np.broadcast_to((self.site * width)[:, None], in_service.shape)[in_service]
        size = sites * width
        steps = np.bincount(base + self.first_month[in_service], rate_usd, minlength=size)
        steps -= np.bincount(base + self.last_month[in_service] + 1, rate_usd, minlength=size)
        return np.cumsum(steps.reshape(sites, width), axis=1)[:, :-1]


# A fleet of at least this many row x month cells is worked in two threads at once.
PARALLEL_FROM_CELLS = 400_000
_POOL: list[ThreadPoolExecutor] = []


def split_work(cells: int, starts: list[int]) -> list[list[int]]:
    """Block starts as one part, or two halves when the work is big enough to share."""
    if cells < PARALLEL_FROM_CELLS or len(starts) < 2:
        return [starts]
    middle = (len(starts) + 1) // 2
    return [starts[:middle], starts[middle:]]


def run_parts(work: Callable[[int], None], parts: int) -> None:
    """`work(i)` for each part i: the first in this thread, the others in the engine's
    pool (never used by its own workers, so a wait on it cannot deadlock)."""
    if parts == 1:
        work(0)
        return
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=2, thread_name_prefix="engine"))
    others = [_POOL[0].submit(work, i) for i in range(1, parts)]
    work(0)
    for other in others:
        other.result()


def _add_to_sites(
    sums: SiteSums,
    rv: RowVectors,
    c: slice,
    cells: ChunkCells,
    hours: np.ndarray,
) -> None:
    series = sums.series
    chunk_sites = rv.site[c]
    n = chunk_sites.size
    starts = np.flatnonzero(np.r_[True, chunk_sites[1:] != chunk_sites[:-1]])
    seg = chunk_sites[starts]
    for name, values in (
        ("btc_mined", cells.btc_mined),
        ("revenue_usd", cells.revenue_usd),
        ("power_cost_usd", cells.power_cost_usd),
        ("ebitda_usd", cells.ebitda_usd),
        ("depreciation_usd", cells.depreciation_usd),
    ):
        series[name][seg] += np.add.reduceat(values, starts, axis=0)
    # Row amount x mask, summed per site: small matmuls instead of cell arrays.
    member = np.zeros((seg.size, n))
    member[np.searchsorted(starts, np.arange(n), side="right") - 1, np.arange(n)] = 1.0
    # Row amounts times a mask, summed into sites by products: maintenance and load follow
    # `online`, the credit per hour `running`, energy the availability.
    k = seg.size
    by_load = member * rv.load_kw[c]
    online_f64 = cells.online.astype(float)
    # Without the shutdown `running` is `online` itself: one conversion serves both.
    running_f64 = online_f64 if cells.running is cells.online else cells.running.astype(float)
    by_online = np.concatenate((member * rv.maintenance_usd[c], by_load)) @ online_f64
    series["opex_usd"][seg] += by_online[:k]
    sums.load_kw[seg] += by_online[k:]
    series["curtailment_credit_usd"][seg] += (
        (member * rv.credit_usd_per_hour[c]) @ running_f64
    ) * hours[None, :]
    series["energy_kwh"][seg] += (by_load @ cells.availability) * hours[None, :]
    if cells.power_sales_usd is not None:
        series["power_sales_usd"][seg] += np.add.reduceat(cells.power_sales_usd, starts, axis=0)


def _add_row_totals(
    out: RowPass, rv: RowVectors, c: slice, cells: ChunkCells, hours: np.ndarray
) -> None:
    online_months = np.count_nonzero(cells.online, axis=1)
    out.total_btc_mined[c] = cells.btc_mined.sum(axis=1)
    power_cost_usd = cells.power_cost_usd.sum(axis=1)
    out.total_revenue_usd[c] = cells.revenue_usd.sum(axis=1)
    out.total_cash_cost_usd[c] = power_cost_usd + rv.maintenance_usd[c] * online_months
    out.total_power_cost_usd[c] = power_cost_usd
    out.total_credit_usd[c] = rv.credit_usd_per_hour[c] * (cells.running @ hours)
    out.total_depreciation_usd[c] = cells.depreciation_usd.sum(axis=1)
    out.total_energy_kwh[c] = rv.load_kw[c] * (cells.availability @ hours)
    losing = cells.online & ~cells.covers
    out.unprofitable_from_month[c] = np.where(losing.any(axis=1), losing.argmax(axis=1), -1)
    out.shutdown_months[c] = online_months - np.count_nonzero(cells.running, axis=1)
    if cells.power_sales_usd is not None and cells.strike_savings_usd is not None:
        out.total_power_sales_usd[c] = cells.power_sales_usd.sum(axis=1)
        out.total_strike_savings_usd[c] = cells.strike_savings_usd.sum(axis=1)


def _keep_rows(
    kept: dict[str, np.ndarray], rv: RowVectors, c: slice, cells: ChunkCells, hours: np.ndarray
) -> None:
    kept["btc_mined"][c] = cells.btc_mined
    kept["revenue_usd"][c] = cells.revenue_usd
    kept["power_cost_usd"][c] = cells.power_cost_usd
    kept["ebitda_usd"][c] = cells.ebitda_usd
    kept["depreciation_usd"][c] = cells.depreciation_usd
    kept["curtailment_credit_usd"][c] = rv.credit_usd_per_hour[c, None] * hours * cells.running
    kept["opex_usd"][c] = rv.maintenance_usd[c, None] * cells.online
    kept["energy_kwh"][c] = rv.load_kw[c, None] * hours[None, :] * cells.availability
    if cells.power_sales_usd is not None:
        kept["power_sales_usd"][c] = cells.power_sales_usd


def row_tax_usd(
    taxable_by_year_usd: np.ndarray, month_year: np.ndarray, tax_share: np.ndarray
) -> np.ndarray:
    """(R, H) each row's share of the fleet's tax paid in each month: its positive taxable
    income of the fiscal year the payment is for x the tax paid per USD of it."""
    tax_usd = np.zeros((taxable_by_year_usd.shape[0], month_year.size))
    paid = np.flatnonzero(tax_share)  # the payment months only: a few a year
    tax_usd[:, paid] = np.maximum(taxable_by_year_usd[:, month_year[paid]], 0.0)
    tax_usd[:, paid] *= tax_share[paid]
    return tax_usd


def _minus_row_tax(
    fcf_usd: np.ndarray,
    taxable_by_year_usd: np.ndarray,
    month_year: np.ndarray,
    tax_share: np.ndarray,
) -> None:
    """Take each row's share of the tax (`row_tax_usd`) from its cash flow, in place."""
    paid = np.flatnonzero(tax_share)
    fcf_usd[:, paid] -= np.maximum(taxable_by_year_usd[:, month_year[paid]], 0.0) * tax_share[paid]


def rows_after_tax(
    mined: RowPass,
    capex_usd_by_row: np.ndarray,
    capex_at_start: StartFlows,
    tax_share: np.ndarray,
    month_year: np.ndarray,
    discount_rate_per_year: float,
    inverse: np.ndarray,
) -> Kpis:
    """Each row's FCF after its share of the fleet's tax (kept when rows are kept), and its
    NPV, payback and totals (capex at the start of its month), in blocks of rows;
    returned in the project's row order."""
    months = month_year.size
    rows = mined.fcf_usd.shape[0]
    starts = list(range(0, rows, KPI_BLOCK_ROWS))
    kpis_of_block: list[Kpis | None] = [None] * len(starts)
    halves = split_work(mined.fcf_usd.size, starts)

    def finish(part: int) -> None:
        for a in halves[part]:
            c = slice(a, min(a + KPI_BLOCK_ROWS, rows))
            if mined.kept is not None:
                tax_usd = row_tax_usd(mined.taxable_by_year_usd[c], month_year, tax_share)
                mined.kept["tax_usd"][c] = tax_usd
                fcf_usd = mined.fcf_usd[c]
                fcf_usd -= tax_usd
                mined.kept["free_cash_flow_usd"][c] = fcf_usd
            else:
                fcf_usd = mined.fcf_usd[c]
                _minus_row_tax(fcf_usd, mined.taxable_by_year_usd[c], month_year, tax_share)
            kpis_of_block[a // KPI_BLOCK_ROWS] = kpis_from_totals(
                fcf_usd,
                discount_rate_per_year,
                btc=mined.total_btc_mined[c],
                revenue_usd=mined.total_revenue_usd[c],
                capex_usd=capex_usd_by_row[c],
                cash_cost_usd=mined.total_cash_cost_usd[c],
                depreciation_usd=mined.total_depreciation_usd[c],
                energy_kwh=mined.total_energy_kwh[c],
                power_cost_usd=mined.total_power_cost_usd[c],
                credit_usd=mined.total_credit_usd[c],
                at_start=capex_at_start.block(c.start, c.stop),
            )

    run_parts(finish, len(halves))
    parts = [kpis for kpis in kpis_of_block if kpis is not None]
    if parts:
        return Kpis.concatenate(parts).take(inverse)
    nothing = np.zeros(0)
    return kpis_from_totals(
        np.zeros((0, months)),
        discount_rate_per_year,
        btc=nothing,
        revenue_usd=nothing,
        capex_usd=nothing,
        cash_cost_usd=nothing,
        depreciation_usd=nothing,
        energy_kwh=nothing,
        power_cost_usd=nothing,
        credit_usd=nothing,
    )
