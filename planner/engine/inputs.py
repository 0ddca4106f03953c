"""The project turned into arrays: the engine's only input.

`compile_inputs` reads a validated Project once; everything after it is numpy over rows,
sites, contracts and months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from planner.domain.months import months_between
from planner.domain.project import PowerContract, Project
from planner.engine.timeline import Timeline, build_timeline

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


def contract_price_path(contract: PowerContract, months: int) -> np.ndarray:
    """USD/kWh paid in each month under a contract (before cooling overhead)."""
    years = np.floor(np.arange(months) / 12.0)
    stepped = contract.price_usd_per_kwh * (1.0 + contract.escalator_per_year) ** years
    if contract.type != "index":
        return stepped
    if contract.index_path_usd_per_kwh:
        path = np.asarray(contract.index_path_usd_per_kwh[:months], dtype=float)
        index = np.concatenate((path, np.full(months - path.size, path[-1])))
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
    btc_price_usd: np.ndarray
    fees_btc_per_block: float
    pool_fee: float
    discount_rate_per_year: float
    tax_rate: float
    depreciation_months: float
    auto_shutdown: bool
    # fleet rows
    row_names: tuple[str, ...]
    row_models: tuple[str, ...]
    row_sites: tuple[str, ...]
    count: np.ndarray
    hashrate_th: np.ndarray
    power_w: np.ndarray
    unit_price_usd: np.ndarray
    purchase_idx: np.ndarray
    online_idx: np.ndarray
    retire_idx: np.ndarray
    resale_usd_per_unit: np.ndarray
    terminal_value_usd_per_unit: np.ndarray
    degradation_per_year: np.ndarray
    site_idx: np.ndarray
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
    site_contract_idx: np.ndarray
    # contracts
    contract_names: tuple[str, ...]
    contract_price_usd_per_kwh: np.ndarray  # (C, H)
    contract_curtailment_share: np.ndarray
    contract_credit_usd_per_mwh: np.ndarray

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
    start = sc.start_month
    timeline = build_timeline(start, months, sc.start_block_height, sc.block_time_s)

    contracts = project.contracts
    contract_pos = {c.name: i for i, c in enumerate(contracts)}
    prices = (
        np.vstack([contract_price_path(c, months) for c in contracts])
        if contracts
        else np.zeros((0, months))
    )

    sites = project.sites
    site_pos = {s.name: i for i, s in enumerate(sites)}
    site_contract = np.array([contract_pos[s.contract] for s in sites], dtype=np.int64)
    hosting = np.array([contracts[i].type == "hosting" for i in site_contract], dtype=bool)
    demand_rate = np.array(
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

    models = {m.name: m for m in project.catalog}
    base = start.year * 12 + start.month
    columns = (
        list(
            zip(
                *(
                    (
                        r.name,
                        r.model,
                        r.site,
                        r.count,
                        r.unit_price_usd,
                        r.purchase_month.year * 12 + r.purchase_month.month - base,
                        (r.online_month or r.purchase_month).year * 12
                        + (r.online_month or r.purchase_month).month
                        - base,
                        r.retire_month.year * 12 + r.retire_month.month - base
                        if r.retire_month is not None
                        else NOT_RETIRED,
                        r.resale_usd_per_unit,
                        r.terminal_value_usd_per_unit,
                        r.degradation_per_year,
                        site_pos[r.site],
                        models[r.model].hashrate_th,
                        models[r.model].power_w,
                    )
                    for r in project.fleet
                ),
                strict=True,
            )
        )
        or [()] * 14
    )
    (
        names,
        model_names,
        site_names,
        counts,
        unit_prices,
        purchase,
        online,
        retire,
        resale,
        terminal,
        degradation,
        row_site,
        hashrate,
        power,
    ) = columns
    return EngineInputs(
        scenario_name=sc.name,
        timeline=timeline,
        start_height=float(sc.start_block_height),
        block_time_s=sc.block_time_s,
        network_hashrate_ehs=grown_path(
            sc.network_hashrate_ehs,
            sc.network_hashrate_growth_per_year,
            sc.network_hashrate_path_ehs,
            months,
        ),
        btc_price_usd=grown_path(
            sc.btc_price_usd, sc.btc_price_growth_per_year, sc.btc_price_path_usd, months
        ),
        fees_btc_per_block=sc.fees_btc_per_block,
        pool_fee=sc.pool_fee,
        discount_rate_per_year=project.finance.discount_rate_per_year,
        tax_rate=project.finance.tax_rate,
        depreciation_months=project.finance.depreciation_years * 12.0,
        auto_shutdown=project.finance.auto_shutdown,
        row_names=tuple(names),
        row_models=tuple(model_names),
        row_sites=tuple(site_names),
        count=np.array(counts, dtype=float),
        hashrate_th=np.array(hashrate, dtype=float),
        power_w=np.array(power, dtype=float),
        unit_price_usd=np.array(unit_prices, dtype=float),
        purchase_idx=np.array(purchase, dtype=np.int64),
        online_idx=np.array(online, dtype=np.int64),
        retire_idx=np.array(retire, dtype=np.int64),
        resale_usd_per_unit=np.array(resale, dtype=float),
        terminal_value_usd_per_unit=np.array(terminal, dtype=float),
        degradation_per_year=np.array(degradation, dtype=float),
        site_idx=np.array(row_site, dtype=np.int64),
        site_names=tuple(s.name for s in sites),
        site_capacity_mw=capacity_mw,
        site_overhead=np.where(hosting, 1.0, np.array([s.overhead for s in sites], dtype=float)),
        site_uptime=np.array([s.uptime for s in sites], dtype=float),
        site_maintenance_usd_per_rig_month=np.array(
            [s.maintenance_usd_per_rig_month for s in sites], dtype=float
        ),
        site_fixed_opex_usd_per_month=np.array(
            [s.fixed_opex_usd_per_month for s in sites], dtype=float
        ),
        site_demand_charge_usd_per_month=capacity_mw * 1000.0 * demand_rate,
        site_infra_capex_usd=np.array([s.infrastructure_capex_usd for s in sites], dtype=float),
        site_infra_capex_idx=infra_idx,
        site_contract_idx=site_contract,
        contract_names=tuple(c.name for c in contracts),
        contract_price_usd_per_kwh=prices,
        contract_curtailment_share=np.array([c.curtailment_share for c in contracts], dtype=float),
        contract_credit_usd_per_mwh=np.array(
            [c.curtailment_credit_usd_per_mwh for c in contracts], dtype=float
        ),
    )
