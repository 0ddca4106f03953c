"""Monte Carlo: zero noise is the engine, a seed repeats, P50 is the deterministic path."""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest

from planner.benchmark import synthetic_project
from planner.domain.project import PowerContract, Site
from planner.engine import metrics, run
from planner.engine.history import derive_history_defaults
from planner.engine.montecarlo import (
    DEFAULT_NETWORK_ELASTICITY,
    DEFAULT_NETWORK_LAG_MONTHS,
    DEFAULT_PRICE_VOLATILITY,
    MonteCarloSettings,
    row_payback_chances,
    row_payback_probabilities,
    run_monte_carlo,
)
from planner.io.project_file import load_project
from planner.io.resources import resource_path, sample_project_path
from tests.engine.conftest import make_project


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


QUIET = {"price_volatility": 0.0, "network_noise": 0.0, "fee_noise": 0.0}


@pytest.mark.parametrize("shutdown", [True, False])
def test_zero_volatility_reproduces_the_engine(sample, shutdown: bool) -> None:
    project = sample.model_copy(
        update={"finance": sample.finance.model_copy(update={"auto_shutdown": shutdown})}
    )
    results = run(project)
    mc = run_monte_carlo(results, MonteCarloSettings(paths=3, **QUIET))
    engine_fcf = results.fleet.free_cash_flow_usd[0]
    for path in mc.fleet_fcf_usd:
        assert path == pytest.approx(engine_fcf, rel=1e-9, abs=1e-4)
    assert mc.npv_usd == pytest.approx([results.fleet_kpis.npv_usd[0]] * 3, rel=1e-9)
    paid = int(results.fleet_kpis.payback_status[0]) != metrics.NEVER
    assert mc.p_payback_within_horizon == (1.0 if paid else 0.0)


def test_a_seed_repeats_and_another_differs(sample) -> None:
    results = run(sample)
    a = run_monte_carlo(results, MonteCarloSettings(paths=200, seed=7))
    b = run_monte_carlo(results, MonteCarloSettings(paths=200, seed=7))
    c = run_monte_carlo(results, MonteCarloSettings(paths=200, seed=8))
    assert np.array_equal(a.fleet_fcf_usd, b.fleet_fcf_usd)
    assert a.p_payback_before_halving == b.p_payback_before_halving
    assert not np.array_equal(a.fleet_fcf_usd, c.fleet_fcf_usd)


def test_p50_follows_the_deterministic_path(sample) -> None:
    """Under the drift convention the scenario's path is every month's median: the median
    price, and (a monotone function of it) the median monthly cash flow before tax."""
    untaxed = sample.model_copy(
        update={"finance": sample.finance.model_copy(update={"tax_rate": 0.0})}
    )
    results = run(untaxed)
    settings = MonteCarloSettings(paths=20_000, seed=1, network_noise=0.0, fee_noise=0.0)
    mc = run_monte_carlo(results, settings)
    assert mc.btc_price_percentiles_usd[2] == pytest.approx(results.market.btc_price_usd, rel=0.03)
    median_flow = np.percentile(mc.fleet_fcf_usd, 50, axis=0)
    flow = results.fleet.free_cash_flow_usd[0]
    scale = np.abs(flow).max()
    assert np.abs(median_flow - flow).max() < 0.02 * scale
    assert (np.diff(mc.cumulative_percentiles_usd, axis=0) >= 0).all()  # P5 <= ... <= P95
    assert mc.npv_percentiles_usd[0] < results.fleet_kpis.npv_usd[0] < mc.npv_percentiles_usd[4]
    assert 0.0 <= mc.p_payback_before_halving <= mc.p_payback_within_horizon <= 1.0


def test_defaults_are_derived_from_the_monthly_history() -> None:
    with resource_path("btc_monthly_history.csv").open(encoding="utf-8") as stream:
        derived = derive_history_defaults(list(csv.DictReader(stream)))
    assert round(derived.price_volatility_per_year, 2) == DEFAULT_PRICE_VOLATILITY
    assert round(derived.network_elasticity, 2) == DEFAULT_NETWORK_ELASTICITY
    assert derived.network_lag_months == DEFAULT_NETWORK_LAG_MONTHS


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="paths must be at least 1"):
        MonteCarloSettings(paths=0)
    with pytest.raises(ValueError, match="price_volatility must be >= 0"):
        MonteCarloSettings(price_volatility=-0.1)


def test_speed_figure_for_1000_rows() -> None:
    results = run(synthetic_project(1_000, 120))
    started = time.perf_counter()
    mc = run_monte_carlo(results, MonteCarloSettings(paths=10_000))
    print(
        f"Monte Carlo 10,000 paths x 120 months, 1,000 rows: {time.perf_counter() - started:.2f} s"
    )
    assert mc.fleet_fcf_usd.shape == (10_000, 120)


def test_row_probabilities(sample) -> None:
    from planner.engine.montecarlo import row_payback_probabilities

    results = run(sample)
    quiet = MonteCarloSettings(paths=4, **QUIET)
    before, within, count = row_payback_probabilities(results, quiet)
    assert count == 4
    k = results.row_kpis
    paid = (k.payback_status == metrics.PAID_BACK) | (k.payback_status == metrics.NEVER_NEGATIVE)
    assert within.tolist() == paid.astype(float).tolist()  # no noise: the engine's answer
    noisy = MonteCarloSettings(paths=10_000, seed=5)
    before, within, count = row_payback_probabilities(results, noisy)
    assert count == 500
    assert ((before >= 0) & (before <= within) & (within <= 1)).all()
    again = row_payback_probabilities(results, noisy)
    assert np.array_equal(before, again[0])


def test_rows_bought_before_the_horizon_have_no_payback_chance(sample) -> None:
    """A batch bought before the start has no capex in the plan: its chance of paying back
    is NaN (no answer), not the 100 % of a cash flow that never went negative."""
    results = run(sample)
    start = results.inputs.start_month
    bought_before = [row.purchase_month < start for row in sample.fleet]
    assert bought_before == [True] * 9 + [False] * 2  # 2021-09 ... 2025-06; 2026-12, 2027-01
    quiet = MonteCarloSettings(paths=4, **QUIET)
    chances = row_payback_chances(results, quiet)
    assert chances.paths == 4
    assert chances.has_capex.tolist() == [not b for b in bought_before]
    assert np.isnan(chances.before_halving[:9]).all()
    assert np.isnan(chances.within_horizon[:9]).all()
    before, within, _count = row_payback_probabilities(results, quiet)
    assert within[:9].max() == 1.0  # what the raw figure said of them: "100 %"
    np.testing.assert_array_equal(chances.within_horizon[9:], within[9:])
    np.testing.assert_array_equal(chances.before_halving[9:], before[9:])
    k = results.row_kpis  # no noise: the engine's own payback for the rows with capex
    paid = (k.payback_status == metrics.PAID_BACK) | (k.payback_status == metrics.NEVER_NEGATIVE)
    assert chances.within_horizon[9:].tolist() == paid[9:].astype(float).tolist()


def _hosted_project(price_factor: float = 1.0, auto_shutdown: bool = True):
    """Two models on a host billing 60 % of the site's capacity and taking 15 % of the
    margin, and a site of its own; prices scaled by `price_factor`."""
    host = PowerContract(
        name="Host",
        type="fixed",
        price_usd_per_kwh=0.075,
        take_or_pay_share=0.6,
        profit_share=0.15,
    )
    return make_project(
        fleet=[
            {"model": "S19j Pro", "count": 900, "purchase_month": "2025-01"},
            {"model": "S21", "count": 400, "purchase_month": "2027-08", "site": "Hosted"},
            {"model": "S19j Pro", "count": 500, "purchase_month": "2024-06", "site": "Hosted"},
        ],
        scenario={"btc_price_usd": 100_000 * price_factor, "start_difficulty_t": 140.0},
        finance={"auto_shutdown": auto_shutdown, "tax_rate": 0.21, "horizon_months": 36},
        extra_sites=[Site(name="Hosted", contract="Host", capacity_mw=6, overhead=1.0)],
        extra_contracts=[host],
    )


@pytest.mark.parametrize("auto_shutdown", [True, False])
@pytest.mark.parametrize("factor", [0.35, 0.7, 1.6])
def test_a_path_at_a_scaled_price_is_the_engine_at_that_price(
    auto_shutdown: bool, factor: float
) -> None:
    """What a path earns and what the host bills on it (take-or-pay shortfall as rigs shut
    down, profit share on the margin) are the engine's under the same prices."""
    from planner.engine.montecarlo_fleet import fleet_ebitda

    results = run(_hosted_project(1.0, auto_shutdown))
    scaled = run(_hosted_project(factor, auto_shutdown))
    det = results.market
    x = factor * (det.btc_per_th_month * det.btc_price_usd)[None, :]
    items = scaled.site_items
    assert items.take_or_pay_usd[1].sum() > 0  # 2.9 MW of rigs against a 3.6 MW minimum
    if factor > 1:
        assert items.profit_share_usd[1].sum() > 0
    moved = items.take_or_pay_usd[1].sum() - results.site_items.take_or_pay_usd[1].sum()
    assert (moved > 1e3) == (auto_shutdown and factor < 1)  # rigs off still pay the minimum
    assert fleet_ebitda(results, x)[0] == pytest.approx(
        scaled.fleet.ebitda_usd[0], rel=1e-9, abs=1e-3
    )


def test_each_path_has_its_own_block_times_and_halving() -> None:
    """A path whose hashrate grows 60 %/yr faster than the scenario's mines blocks faster,
    and its halving comes earlier: as the engine has them with that hashrate path."""
    from planner.engine.montecarlo import _usd_per_th_month
    from planner.engine.swaps import halving_month_index

    project = _hosted_project()
    results = run(project)
    inputs = results.inputs
    t = np.arange(inputs.months)
    faster = inputs.network_hashrate_ehs * 1.6 ** (t / 12)
    network = np.vstack((inputs.network_hashrate_ehs, faster))
    price = np.vstack((inputs.btc_price_usd, inputs.btc_price_usd))
    fees = np.full(network.shape, inputs.fees_btc_per_block)
    x, halving = _usd_per_th_month(inputs, price, network, fees)
    det = results.market
    assert x[0] == pytest.approx(det.btc_per_th_month * det.btc_price_usd, rel=1e-12)
    assert halving[0] == pytest.approx(halving_month_index(results), rel=1e-12)
    scenario = project.scenarios[0].model_copy(
        update={"network_hashrate_path_ehs": faster.tolist()}
    )
    growing = run(project.model_copy(update={"scenarios": [scenario]}))
    grown = growing.market
    assert x[1] == pytest.approx(grown.btc_per_th_month * grown.btc_price_usd, rel=1e-12)
    assert halving[1] == pytest.approx(halving_month_index(growing), rel=1e-12)
    assert halving[1] < halving[0] - 0.1  # days earlier


def _on_a_profile(price_factor: float, auto_shutdown: bool):
    """An index site (adder $0.004) and a reselling fixed-price site ($0.05, fee $2/MWh)
    on one profile: June has 500 hours at $25/MWh, 150 at $60 and 70 at $900, the other
    months $25 throughout. An S21 earns $0.125 per kWh and an S19j Pro $0.0742 at the
    scenario's price (tests/engine/test_hourly_power.py): both run in the $25 and $60
    hours and not in the $900 ones, and still do at 0.9 and 1.1 times the price."""
    from tests.engine.test_hourly_power import june_ladder, profile_2024

    profile = profile_2024(june_ladder(500, 150, (25.0, 60.0, 900.0)))
    resale = PowerContract(
        name="Resale",
        type="fixed",
        price_usd_per_kwh=0.05,
        resale_allowed=True,
        resale_fee_usd_per_mwh=2.0,
    )
    return make_project(
        fleet=[
            {"model": "S21", "count": 300, "purchase_month": "2027-06"},
            {"model": "S19j Pro", "count": 200, "purchase_month": "2027-06"},
            {"model": "S21", "count": 100, "purchase_month": "2027-06", "site": "Resold"},
        ],
        scenario={"btc_price_usd": 100_000 * price_factor},
        contract={"type": "index", "price_usd_per_kwh": 0.04, "adder_usd_per_kwh": 0.004},
        site={"price_profile": profile, "uptime": 1.0},
        finance={"auto_shutdown": auto_shutdown, "tax_rate": 0.21, "horizon_months": 12},
        extra_sites=[Site(name="Resold", contract="Resale", capacity_mw=2, price_profile=profile)],
        extra_contracts=[resale],
    )


@pytest.mark.parametrize("auto_shutdown", [True, False])
@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_a_path_at_a_profile_site_runs_on_the_scenarios_hours(
    auto_shutdown: bool, factor: float
) -> None:
    """At sites with a price profile a path keeps each row-month's run share and net
    power cost from the scenario: only revenue moves, by (factor - 1) x the scenario's
    revenue (in June the rows run 650 of 720 hours, not all). Where the path's price
    does not move a row's strike past a price of the profile, as here, that is the
    engine's figure at the path's price."""
    from planner.engine.montecarlo_fleet import fleet_ebitda

    results = run(_on_a_profile(1.0, auto_shutdown))
    assert results.row_power.power_sales_usd[2] > 0  # the reselling site sells its $900 hours
    uptime = results.row_power.uptime_effective
    assert uptime[0] < 1.0 and uptime[1] < 1.0
    det = results.market
    x = factor * (det.btc_per_th_month * det.btc_price_usd)[None, :]
    by_hand = results.fleet.ebitda_usd[0] + (factor - 1.0) * results.fleet.revenue_usd[0]
    on_path = fleet_ebitda(results, x)[0]
    assert on_path == pytest.approx(by_hand, rel=1e-12, abs=1e-6)
    scaled = run(_on_a_profile(factor, auto_shutdown))
    assert on_path == pytest.approx(scaled.fleet.ebitda_usd[0], rel=1e-9, abs=1e-3)
