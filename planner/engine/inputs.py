"""The project turned into arrays: the engine's only input.

`compile_inputs` reads a validated Project once; everything after it is numpy over rows,
sites, contracts and months.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from planner.domain.months import months_between
from planner.domain.project import FleetRow, PowerContract, Project, Scenario
from planner.engine.fiscal import FiscalCalendar
from planner.engine.hourly import HourlyPower
from planner.engine.hourly_inputs import SitePower, site_power
from planner.engine.network import (
    block_times_s,
    difficulty_t_of,
    hashrate_before_start,
)
from planner.engine.tax_depreciation import bonus_shares, month_code, rates_of
from planner.engine.timeline import SECONDS_PER_DAY, Timeline, build_timeline, month_days

NOT_RETIRED = 1_000_000  # month index used for rows with no retire month
NO_MONTH = -1_000_000  # month index of a site with no infrastructure capex


def grown_path(
    start: float, growth_per_year: float, path: Sequence[float], months: int
) -> np.ndarray:
    """A monthly path: the user's values where given, then growth from the last value.

    Without a path: start * (1 + growth) ** (t / 12).
    """
    t = np.arange(months, dtype=float)
    rate = np.log1p(growth_per_year) / 12.0
    if not path:
        return start * np.exp(rate * t)
    given = np.asarray(path[:months], dtype=float)
    if given.size == months:
        return given
    last = float(path[-1])
    extra = np.arange(len(path), months, dtype=float) - (len(path) - 1)
    return np.concatenate((given, last * np.exp(rate * extra)))


def continued_path(path: np.ndarray, months: int, repeat_year: bool) -> np.ndarray:
    """A monthly path over `months`: its values, then its last 12 repeated (the seasons;
    with `repeat_year` and a year of values) or its last value held."""
    if path.size >= months:
        return path[:months].copy()
    after = np.arange(months - path.size)
    if repeat_year and path.size >= 12:
        extra = path[path.size - 12 + after % 12]
    else:
        extra = np.full(after.size, path[-1])
    return np.concatenate((path, extra))


def contract_price_path(
    contract: PowerContract, months: int, start: date | None = None
) -> np.ndarray:
    """USD/kWh paid in each month from the scenario's `start` under a contract (before
    cooling overhead); an index path continues by `continued_path`. The escalator steps
    on the anniversaries of the contract's own start month (of `start` when it has none);
    before the contract starts, its rate."""
    elapsed = (
        months_between(contract.start_month, start)
        if contract.start_month is not None and start is not None
        else 0
    )
    years = np.maximum(np.floor((np.arange(months) + elapsed) / 12.0), 0.0)
    stepped = contract.price_usd_per_kwh * (1.0 + contract.escalator_per_year) ** years
    if contract.type != "index":
        return stepped
    if contract.index_path_usd_per_kwh:
        index = continued_path(
            np.asarray(contract.index_path_usd_per_kwh, dtype=float),
            months,
            repeat_year=contract.index_after_path == "repeat_year",
        )
    else:
        index = stepped
    return index + contract.adder_usd_per_kwh


@dataclass(frozen=True)
class EngineInputs:
    """Arrays the engine computes on. Row arrays have length R, site arrays S, months H."""

    scenario_name: str
    timeline: Timeline
    start_height: float
    block_time_s: float
    network_hashrate_ehs: np.ndarray
    difficulty_t: np.ndarray  # (H,) the difficulty in force: the hashrate it implies lags
    network_before_start_ehs: float  # the hashrate of the month before the start
    start_difficulty_t: float | None  # the difficulty quoted at the start, if given
    btc_price_usd: np.ndarray
    fees_btc_per_block: float
    pool_fee: float
    discount_rate_per_year: float
    tax_rate: float
    depreciation_months: float
    auto_shutdown: bool
    # tax as filed and the company's own costs
    fiscal: FiscalCalendar
    tax_payments_quarterly: bool
    loss_offset_limit: float
    loss_expiry_years: int
    rig_tax_rates: np.ndarray  # annual rates by year of service
    infra_tax_rates: np.ndarray
    tax_terminal_value: bool
    infra_depreciation_months: float
    g_and_a_usd_per_month: float
    # fleet rows
    row_names: tuple[str, ...]
    row_models: tuple[str, ...]
    row_sites: tuple[str, ...]
    count: np.ndarray
    hashrate_th: np.ndarray
    power_w: np.ndarray
    unit_price_usd: np.ndarray  # landed: price, tariff, sales tax, shipping, installation
    purchase_idx: np.ndarray
    online_idx: np.ndarray
    retire_idx: np.ndarray
    resale_usd_per_unit: np.ndarray
    terminal_value_usd_per_unit: np.ndarray
    degradation_per_year: np.ndarray
    deposit_share: np.ndarray  # of the capex, paid in the order month
    order_idx: np.ndarray
    site_idx: np.ndarray
    row_bonus_share: np.ndarray  # bonus depreciation share of each row's capex
    # sites
    site_names: tuple[str, ...]
    site_capacity_mw: np.ndarray
    site_overhead: np.ndarray  # 1.0 under an all-in hosting contract
    site_uptime: np.ndarray
    site_maintenance_usd_per_rig_month: np.ndarray
    site_fixed_opex_usd_per_month: np.ndarray
    site_demand_charge_usd_per_month: np.ndarray
    site_infra_capex_usd: np.ndarray
    site_infra_capex_idx: np.ndarray
    site_infra_bonus_share: np.ndarray
    site_contract_idx: np.ndarray
    # contracts
    contract_names: tuple[str, ...]
    contract_price_usd_per_kwh: np.ndarray  # (C, H)
    contract_curtailment_share: np.ndarray
    contract_credit_usd_per_mwh: np.ndarray
    contract_take_or_pay_share: np.ndarray
    contract_profit_share: np.ndarray
    # hourly power: the strike terms, 4CP and demand response (hourly_inputs.py)
    site_power: SitePower

    @property
    def hourly(self) -> HourlyPower | None:
        """The strike terms of the sites' price profiles; None: every site as without."""
        return self.site_power.hourly

    @property
    def months(self) -> int:
        return self.timeline.months

    @property
    def start_month(self) -> date:
        return self.timeline.month_starts[0]


def compile_inputs(
    project: Project, scenario: str | None = None, horizon_months: int | None = None
) -> EngineInputs:
    """Arrays for the engine from a validated project, a scenario name and an optional horizon."""
    sc = project.scenario(scenario)
    months = horizon_months if horizon_months is not None else project.finance.horizon_months
    if months < 1:
        raise ValueError(f"horizon must be at least 1 month, got {months}")
    finance = project.finance
    market = _market_fields(sc, months)
    sites = _site_fields(project, sc.start_month)
    contracts = _contract_fields(project.contracts, months, sc.start_month)
    timeline: Timeline = market["timeline"]
    power = site_power(
        project.sites,
        project.contracts,
        sites["site_contract_idx"],
        contracts["contract_price_usd_per_kwh"],
        timeline.month_starts,
        np.asarray(timeline.days, dtype=float),
    )
    return EngineInputs(
        **market,
        discount_rate_per_year=finance.discount_rate_per_year,
        tax_rate=finance.tax_rate,
        depreciation_months=finance.depreciation_years * 12.0,
        auto_shutdown=finance.auto_shutdown,
        fiscal=FiscalCalendar.of(sc.start_month, months, finance.fiscal_year_end_month),
        tax_payments_quarterly=finance.tax_payments == "quarterly",
        loss_offset_limit=finance.loss_offset_limit,
        loss_expiry_years=finance.loss_expiry_years,
        rig_tax_rates=rates_of(finance.rig_tax_depreciation, finance.depreciation_years),
        infra_tax_rates=rates_of(
            finance.infrastructure_tax_depreciation, finance.infrastructure_depreciation_years
        ),
        tax_terminal_value=finance.tax_terminal_value,
        infra_depreciation_months=finance.infrastructure_depreciation_years * 12.0,
        g_and_a_usd_per_month=finance.g_and_a_usd_per_month,
        **_fleet_fields(project, sc.start_month),
        **sites,
        **contracts,
        site_power=power,
    )


def _market_fields(sc: Scenario, months: int) -> dict[str, Any]:
    """The scenario's network (and its block times), price and pool, month by month."""
    hashrate_ehs = grown_path(
        sc.network_hashrate_ehs,
        sc.network_hashrate_growth_per_year,
        sc.network_hashrate_path_ehs,
        months,
    )
    _starts, days = month_days(sc.start_month, months)
    before_start_ehs = hashrate_before_start(
        hashrate_ehs, sc.network_hashrate_path_ehs, sc.network_hashrate_growth_per_year
    )
    block_times, implied_ehs = block_times_s(
        hashrate_ehs,
        before_start_ehs,
        sc.block_time_s,
        np.asarray(days) * SECONDS_PER_DAY,
        sc.start_difficulty_t,
    )
    timeline = build_timeline(
        sc.start_month, months, float(sc.start_block_height), tuple(block_times.tolist())
    )
    return {
        "scenario_name": sc.name,
        "timeline": timeline,
        "start_height": float(sc.start_block_height),
        "block_time_s": sc.block_time_s,
        "network_hashrate_ehs": hashrate_ehs,
        "difficulty_t": difficulty_t_of(implied_ehs, sc.block_time_s),
        "network_before_start_ehs": before_start_ehs,
        "start_difficulty_t": sc.start_difficulty_t,
        "btc_price_usd": grown_path(
            sc.btc_price_usd, sc.btc_price_growth_per_year, sc.btc_price_path_usd, months
        ),
        "fees_btc_per_block": sc.fees_btc_per_block,
        "pool_fee": sc.pool_fee,
    }


# Each fleet row's figures as `_row_figures` reads them, by row object. Rows are frozen
# and an edit makes new ones, so a row is read once however many runs see it (the cache
# keeps the rows of the latest run only; runs in several threads at once just miss more).
_FIGURES: list[dict[int, tuple[FleetRow, tuple[float, ...]]]] = [{}]
NO_RETIREMENT = -1.0  # in a row's figures: no retire month
FIGURES = 10  # figures a row has


def _figures_of(row: FleetRow) -> tuple[float, ...]:
    """count, landed unit cost, purchase, online and retire month (as year x 12 + month),
    resale, terminal value, degradation, deposit share, order month."""
    online = row.online_month or row.purchase_month
    retire = row.retire_month
    ordered = row.order_month or row.purchase_month
    return (
        row.count,
        row.landed_unit_cost_usd,
        row.purchase_month.year * 12 + row.purchase_month.month,
        online.year * 12 + online.month,
        NO_RETIREMENT if retire is None else retire.year * 12 + retire.month,
        row.resale_usd_per_unit,
        row.terminal_value_usd_per_unit,
        row.degradation_per_year,
        row.deposit_share,
        ordered.year * 12 + ordered.month,
    )


def _row_figures(fleet: Sequence[FleetRow]) -> np.ndarray:
    """The figures of each row (R x FIGURES), read from the rows not seen in the last run."""
    known = _FIGURES[0]
    fresh: dict[int, tuple[FleetRow, tuple[float, ...]]] = {}
    figures = []
    for row in fleet:
        hit = known.get(id(row))
        if hit is None or hit[0] is not row:
            hit = (row, _figures_of(row))
        fresh[id(row)] = hit
        figures.append(hit[1])
    _FIGURES[0] = fresh
    return np.array(figures, dtype=float).reshape(len(fleet), FIGURES)


def _fleet_fields(project: Project, start: date) -> dict[str, Any]:
    """Each fleet row's figures, its model's and its site's position, one array a field;
    months counted from the start month, the models' figures looked up by position."""
    fleet = project.fleet
    base = start.year * 12 + start.month
    model_pos = {m.name: i for i, m in enumerate(project.catalog)}
    site_pos = {s.name: i for i, s in enumerate(project.sites)}
    models = tuple([r.model for r in fleet])
    sites = tuple([r.site for r in fleet])
    model_idx = np.array([model_pos[name] for name in models], dtype=np.int64)
    hashrate_th = np.array([m.hashrate_th for m in project.catalog], dtype=float)
    power_w = np.array([m.power_w for m in project.catalog], dtype=float)
    figures = _row_figures(fleet)
    retire = figures[:, 4]
    return {
        "row_names": tuple([r.name for r in fleet]),
        "row_models": models,
        "row_sites": sites,
        "count": figures[:, 0].copy(),
        "hashrate_th": hashrate_th[model_idx],
        "power_w": power_w[model_idx],
        "unit_price_usd": figures[:, 1].copy(),
        "purchase_idx": figures[:, 2].astype(np.int64) - base,
        "online_idx": figures[:, 3].astype(np.int64) - base,
        "retire_idx": np.where(
            retire == NO_RETIREMENT, NOT_RETIRED, retire.astype(np.int64) - base
        ).astype(np.int64),
        "resale_usd_per_unit": figures[:, 5].copy(),
        "terminal_value_usd_per_unit": figures[:, 6].copy(),
        "degradation_per_year": figures[:, 7].copy(),
        "deposit_share": figures[:, 8].copy(),
        "order_idx": figures[:, 9].astype(np.int64) - base,
        "site_idx": np.array([site_pos[name] for name in sites], dtype=np.int64),
        "row_bonus_share": bonus_shares(figures[:, 3], project.finance.bonus_depreciation_share),
    }


def _site_fields(project: Project, start: date) -> dict[str, Any]:
    """Each site's capacity, overhead, uptime, costs, infrastructure capex and contract."""
    sites = project.sites
    contracts = project.contracts
    contract_pos = {c.name: i for i, c in enumerate(contracts)}
    site_contract = np.array([contract_pos[s.contract] for s in sites], dtype=np.int64)
    hosting = np.array([contracts[i].type == "hosting" for i in site_contract], dtype=bool)
    demand_usd_per_kw_month = np.array(
        [contracts[i].demand_charge_usd_per_kw_month for i in site_contract], dtype=float
    )
    capacity_mw = np.array([s.capacity_mw for s in sites], dtype=float)
    infra_idx = np.array(
        [
            months_between(start, s.infrastructure_capex_month)
            if s.infrastructure_capex_month is not None
            else NO_MONTH
            for s in sites
        ],
        dtype=np.int64,
    )

    def floats(values: Iterable[float]) -> np.ndarray:
        return np.array(list(values), dtype=float)

    return {
        "site_names": tuple(s.name for s in sites),
        "site_capacity_mw": capacity_mw,
        # An all-in hosting price includes the cooling: no overhead on top.
        "site_overhead": np.where(hosting, 1.0, floats(s.overhead for s in sites)),
        "site_uptime": floats(s.uptime for s in sites),
        "site_maintenance_usd_per_rig_month": floats(
            s.maintenance_usd_per_rig_month for s in sites
        ),
        "site_fixed_opex_usd_per_month": floats(s.fixed_opex_usd_per_month for s in sites),
        "site_demand_charge_usd_per_month": capacity_mw * 1000.0 * demand_usd_per_kw_month,
        "site_infra_capex_usd": floats(s.infrastructure_capex_usd for s in sites),
        "site_infra_capex_idx": infra_idx,
        # Buildings (39-year property) take no bonus depreciation.
        "site_infra_bonus_share": bonus_shares(
            np.array([month_code(s.infrastructure_capex_month or start) for s in sites]),
            project.finance.bonus_depreciation_share,
            eligible=project.finance.infrastructure_tax_depreciation != "macrs_39",
        ),
        "site_contract_idx": site_contract,
    }


def _contract_fields(
    contracts: Sequence[PowerContract], months: int, start: date
) -> dict[str, Any]:
    """Each contract's price path from the scenario's `start`, and curtailment terms."""
    prices = (
        np.vstack([contract_price_path(c, months, start) for c in contracts])
        if contracts
        else np.zeros((0, months))
    )
    return {
        "contract_names": tuple(c.name for c in contracts),
        "contract_price_usd_per_kwh": prices,
        "contract_curtailment_share": np.array(
            [c.curtailment_share for c in contracts], dtype=float
        ),
        "contract_credit_usd_per_mwh": np.array(
            [c.curtailment_credit_usd_per_mwh for c in contracts], dtype=float
        ),
        "contract_take_or_pay_share": np.array(
            [c.take_or_pay_share for c in contracts], dtype=float
        ),
        "contract_profit_share": np.array([c.profit_share for c in contracts], dtype=float),
    }
