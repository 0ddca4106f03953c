"""How wrong can we be: scenarios side by side, a tornado of drivers, a two-way table.

Every figure is an engine run on a changed copy of the project, so each bar or cell is
exactly the engine's answer at the moved inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from planner.domain.project import Project
from planner.engine import Results, run


def compare_scenarios(
    project: Project, horizon_months: int | None = None
) -> list[tuple[str, Results]]:
    """Every scenario of the project computed, in the project's order."""
    return [(s.name, run(project, s.name, horizon_months)) for s in project.scenarios]


# ------------------------------------------------------------------ moving one driver


def _scenario(project: Project, **update: object) -> Project:
    scenario = project.scenario()
    moved = scenario.model_copy(update=update)
    return project.model_copy(
        update={"scenarios": [moved if s.name == scenario.name else s for s in project.scenarios]}
    )


def _btc_price(project: Project, delta: float) -> Project:
    s = project.scenario()
    return _scenario(
        project,
        btc_price_usd=s.btc_price_usd * (1 + delta),
        btc_price_path_usd=[p * (1 + delta) for p in s.btc_price_path_usd],
    )


def _btc_growth(project: Project, delta: float) -> Project:
    s = project.scenario()
    return _scenario(
        project, btc_price_growth_per_year=max(-0.99, s.btc_price_growth_per_year + delta)
    )


def _network_growth(project: Project, delta: float) -> Project:
    s = project.scenario()
    return _scenario(
        project,
        network_hashrate_growth_per_year=max(-0.99, s.network_hashrate_growth_per_year + delta),
    )


def _fees(project: Project, delta: float) -> Project:
    s = project.scenario()
    return _scenario(project, fees_btc_per_block=max(0.0, s.fees_btc_per_block * (1 + delta)))


def _pool_fee(project: Project, delta: float) -> Project:
    s = project.scenario()
    return _scenario(project, pool_fee=min(0.99, max(0.0, s.pool_fee + delta)))


def _power_price(project: Project, delta: float) -> Project:
    factor = 1 + delta
    contracts = [
        c.model_copy(
            update={
                "price_usd_per_kwh": c.price_usd_per_kwh * factor,
                "adder_usd_per_kwh": c.adder_usd_per_kwh * factor,
                "index_path_usd_per_kwh": [p * factor for p in c.index_path_usd_per_kwh],
            }
        )
        for c in project.contracts
    ]
    return project.model_copy(update={"contracts": contracts})


def _capex(project: Project, delta: float) -> Project:
    factor = 1 + delta
    fleet = [
        r.model_copy(update={"unit_price_usd": r.unit_price_usd * factor}) for r in project.fleet
    ]
    sites = [
        s.model_copy(update={"infrastructure_capex_usd": s.infrastructure_capex_usd * factor})
        for s in project.sites
    ]
    return project.model_copy(update={"fleet": fleet, "sites": sites})


def _uptime(project: Project, delta: float) -> Project:
    sites = [
        s.model_copy(update={"uptime": min(1.0, max(0.0, s.uptime + delta))}) for s in project.sites
    ]
    return project.model_copy(update={"sites": sites})


@dataclass(frozen=True)
class Driver:
    key: str
    label: str
    relative: bool  # the step is a share of the value (else it is added to it)
    default_step: float
    move: Callable[[Project, float], Project]

    def describe(self, step: float) -> str:
        return f"±{step:.0%}" if self.relative else f"±{step * 100:.1f} pp"


DRIVERS: tuple[Driver, ...] = (
    Driver("btc_price", "BTC price level", True, 0.20, _btc_price),
    Driver("btc_price_growth", "BTC price growth", False, 0.10, _btc_growth),
    Driver("network_growth", "Network hashrate growth", False, 0.10, _network_growth),
    Driver("fees", "Fees per block", True, 0.50, _fees),
    Driver("power_price", "Power price", True, 0.20, _power_price),
    Driver("capex", "Capex", True, 0.20, _capex),
    Driver("uptime", "Uptime", False, 0.03, _uptime),
    Driver("pool_fee", "Pool fee", False, 0.01, _pool_fee),
)
DRIVER_BY_KEY = {d.key: d for d in DRIVERS}


def moved(project: Project, key: str, delta: float) -> Project:
    """The project with one driver moved by `delta` (a share or an absolute step)."""
    return DRIVER_BY_KEY[key].move(project, delta)


@dataclass(frozen=True)
class TornadoBar:
    key: str
    label: str
    step: float
    npv_low_usd: float  # at -step
    npv_high_usd: float  # at +step
    payback_low_months: float  # NaN: does not pay back
    payback_high_months: float

    @property
    def swing_usd(self) -> float:
        return abs(self.npv_high_usd - self.npv_low_usd)


@dataclass(frozen=True)
class Tornado:
    base_npv_usd: float
    base_payback_months: float
    bars: tuple[TornadoBar, ...]  # largest swing first


def _fleet_answers(results: Results) -> tuple[float, float]:
    k = results.fleet_kpis
    return float(k.npv_usd[0]), float(k.payback_months[0])


def tornado(project: Project, steps: dict[str, float] | None = None) -> Tornado:
    """Fleet NPV and payback with each driver moved down and up by its step."""
    steps = {d.key: d.default_step for d in DRIVERS} | (steps or {})
    base_npv, base_payback = _fleet_answers(run(project))
    bars = []
    for driver in DRIVERS:
        step = steps[driver.key]
        low_npv, low_payback = _fleet_answers(run(driver.move(project, -step)))
        high_npv, high_payback = _fleet_answers(run(driver.move(project, step)))
        bars.append(
            TornadoBar(driver.key, driver.label, step, low_npv, high_npv, low_payback, high_payback)
        )
    bars.sort(key=lambda b: b.swing_usd, reverse=True)
    return Tornado(base_npv, base_payback, tuple(bars))


@dataclass(frozen=True)
class TwoWay:
    """Fleet NPV and payback over BTC price level x power price, as finance builds it."""

    btc_price_factors: np.ndarray  # rows
    power_price_factors: np.ndarray  # columns
    npv_usd: np.ndarray
    payback_months: np.ndarray  # NaN: does not pay back


def two_way(
    project: Project,
    btc_price_factors: Sequence[float] = (0.6, 0.8, 1.0, 1.2, 1.4),
    power_price_factors: Sequence[float] = (0.8, 0.9, 1.0, 1.1, 1.2),
) -> TwoWay:
    prices = np.asarray(btc_price_factors, dtype=float)
    powers = np.asarray(power_price_factors, dtype=float)
    npv = np.empty((prices.size, powers.size))
    payback = np.empty_like(npv)
    for i, price in enumerate(prices):
        by_price = _btc_price(project, price - 1.0)
        for j, power in enumerate(powers):
            npv[i, j], payback[i, j] = _fleet_answers(run(_power_price(by_price, power - 1.0)))
    return TwoWay(prices, powers, npv, payback)


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
