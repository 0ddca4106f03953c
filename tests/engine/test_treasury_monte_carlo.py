"""The treasury on Monte Carlo paths: zero volatility is the scenario's treasury to the
cent, a put lifts the 5th percentile of cash and costs at the median, margin calls come
with a BTC loan on a falling price only, the percentiles are ordered."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from planner.benchmark import with_treasury
from planner.domain.project import Project
from planner.domain.treasury import Hedge
from planner.engine import run
from planner.engine.montecarlo import MonteCarloResult, MonteCarloSettings, run_monte_carlo
from planner.engine.treasury import has_treasury, run_treasury, treasury_plan
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

QUIET = {"price_volatility": 0.0, "network_noise": 0.0, "fee_noise": 0.0}


@pytest.fixture(scope="module")
def sample() -> Project:
    project = load_project(sample_project_path())
    assert has_treasury(project)
    return project


def _run(project: Project, **settings: float) -> MonteCarloResult:
    results = run(project)
    plan = treasury_plan(project, results.inputs)
    return run_monte_carlo(results, MonteCarloSettings(**settings), treasury=plan)  # type: ignore[arg-type]


def _falling(project: Project, fall: float, over_months: int) -> Project:
    """`project` with the scenario's price falling by `fall` in a straight line over its
    first `over_months`, then flat."""
    months = project.finance.horizon_months
    start = project.scenario().btc_price_usd
    path = [start * (1.0 - fall * min(t / over_months, 1.0)) for t in range(months)]
    scenarios = [s.model_copy(update={"btc_price_path_usd": path}) for s in project.scenarios]
    return project.model_copy(update={"scenarios": scenarios})


def _with_tax(project: Project, rate: float) -> Project:
    finance = project.finance.model_copy(update={"tax_rate": rate})
    return project.model_copy(update={"finance": finance})


@pytest.mark.parametrize("case", ["sample", "falling with a collar", "falling 60 %"])
def test_zero_volatility_is_the_scenarios_treasury_to_the_cent(sample: Project, case: str) -> None:
    project = {
        "sample": sample,
        "falling with a collar": _with_tax(with_treasury(sample, falling=True), 0.21),
        "falling 60 %": _falling(sample, 0.6, 12),
    }[case]
    results = run(project)
    mc = run_monte_carlo(
        results,
        MonteCarloSettings(paths=3, **QUIET),
        treasury=treasury_plan(project, results.inputs),
    )
    one = run_treasury(results, project)
    treasury = mc.treasury
    assert treasury is not None and treasury.paths == 3
    for path in range(3):
        np.testing.assert_allclose(treasury.cash_end_usd[path], one.cash_end_usd[0], atol=0.01)
        np.testing.assert_allclose(treasury.btc_held_end[path], one.btc_held_end[0], atol=1e-8)
    short = float(np.isfinite(one.runway_with_sales_months[0]))
    assert treasury.p_cash_shortfall_within_horizon == short
    assert treasury.p_margin_call == float(bool(one.margin_calls()))
    assert treasury.cash_end_percentiles_usd == pytest.approx([one.cash_end_usd[0, -1]] * 5)
    assert treasury.btc_held_end_percentiles == pytest.approx([one.btc_held_end[0, -1]] * 5)


def test_without_a_plan_there_is_no_treasury_run(sample: Project) -> None:
    assert run_monte_carlo(run(sample), MonteCarloSettings(paths=10)).treasury is None


def test_a_put_lifts_the_5th_percentile_of_cash_and_costs_at_the_median(
    sample: Project,
) -> None:
    # Thirteen months, every mined BTC sold, no held BTC sold and no BTC loan (whose
    # liquidation would spare its repayment on the falling paths): ending cash follows
    # the price. The price falls 6 % over the year; a put on 200 BTC, 40 % under
    # the start price, a year out, pays on the paths that fall further (the low cash
    # ones) and costs its premium on the rest.
    start = sample.scenario().start_month
    put = Hedge(
        name="Put",
        type="put",
        btc_amount=200,
        strike_usd=0.6 * sample.scenario().btc_price_usd,
        premium_usd=5e5,
        first_month=start,
        expiry_month=date(start.year + 1, start.month, 1),
    )
    assert sample.treasury is not None
    policy = sample.treasury.model_copy(
        update={"sell_share_of_mined": 1.0, "cover_shortfalls": False, "sell_above_price_usd": None}
    )
    project = _falling(sample, 0.06, 12).model_copy(
        update={
            "finance": sample.finance.model_copy(update={"horizon_months": 13}),
            "hedges": [put],
            "treasury": policy,
            "debt": [d for d in sample.debt if d.type != "btc_loan"],
        }
    )
    mc = _run(project, paths=2_000)
    assert mc.treasury is not None
    (hedge,) = mc.treasury.hedges
    assert hedge.name == "Put" and hedge.type == "put"
    assert hedge.p5_lift_usd > 1e6
    assert hedge.p50_cost_usd > 0
    assert hedge.p5_cash_end_with_usd == pytest.approx(mc.treasury.cash_end_percentiles_usd[0])
    assert hedge.p50_cash_end_with_usd == pytest.approx(mc.treasury.cash_end_percentiles_usd[2])


def test_no_margin_call_without_a_btc_loan(sample: Project) -> None:
    debt = [d for d in sample.debt if d.type != "btc_loan"]
    mc = _run(sample.model_copy(update={"debt": debt}), paths=1_000)
    assert mc.treasury is not None
    assert mc.treasury.p_margin_call == 0.0
    assert not mc.treasury.margin_call.any()


def test_every_path_of_a_60_percent_fall_meets_a_margin_call(sample: Project) -> None:
    assert any(d.type == "btc_loan" for d in sample.debt)
    mc = _run(_falling(sample, 0.6, 12), paths=500, price_volatility=0.05)
    assert mc.treasury is not None
    assert mc.treasury.p_margin_call == 1.0


def test_the_percentiles_are_ordered_and_the_chances_are_chances(sample: Project) -> None:
    mc = _run(sample, paths=2_000)
    treasury = mc.treasury
    assert treasury is not None
    assert np.all(np.diff(treasury.cash_end_percentiles_usd) >= 0)
    assert np.all(np.diff(treasury.btc_held_end_percentiles) >= 0)
    assert treasury.cash_percentiles_usd.shape == (5, sample.finance.horizon_months)
    assert np.all(np.diff(treasury.cash_percentiles_usd, axis=0) >= 0)
    np.testing.assert_allclose(
        treasury.cash_percentiles_usd[:, -1], treasury.cash_end_percentiles_usd
    )
    before = treasury.p_cash_shortfall_before_halving
    assert 0.0 <= before <= treasury.p_cash_shortfall_within_horizon <= 1.0
    assert 0.0 <= treasury.p_margin_call <= 1.0
    assert np.all(treasury.btc_held_end >= -1e-9)


def test_each_hedge_with_and_without_is_the_treasury_without_it(sample: Project) -> None:
    # The runs without a hedge reuse the plan's flows and start from its tax: the same
    # answers as the whole treasury of the plan without the hedge, on the same paths.
    from planner.engine.montecarlo_treasury import treasury_on_paths
    from planner.engine.treasury import TreasuryMarket, treasury_paths

    project = _with_tax(with_treasury(sample), 0.21)
    results = run(project)
    plan = treasury_plan(project, results.inputs)
    one = TreasuryMarket.of(results)
    paths = 60
    rng = np.random.default_rng(5)
    moves = np.exp(np.cumsum(0.1 * rng.standard_normal((paths, results.inputs.months)), axis=1))
    market = TreasuryMarket(
        **{name: np.repeat(value, paths, axis=0) for name, value in vars(one).items()}
    )
    market = TreasuryMarket(**{**vars(market), "btc_price_usd": market.btc_price_usd * moves})
    on_paths = treasury_on_paths(plan, market, results.inputs, np.full(paths, np.inf))
    whole = treasury_paths(plan, market, results.inputs)
    np.testing.assert_allclose(on_paths.cash_end_usd, whole.cash_end_usd, atol=0.05)
    assert [h.name for h in on_paths.hedges] == ["Forward", "Collar"]
    for hedge in on_paths.hedges:
        without = treasury_paths(plan.without_hedge(hedge.name), market, results.inputs)
        end = without.cash_end_usd[:, -1]
        assert hedge.p5_cash_end_without_usd == pytest.approx(np.percentile(end, 5), abs=0.05)
        assert hedge.p50_cash_end_without_usd == pytest.approx(np.percentile(end, 50), abs=0.05)
    assert on_paths.unsettled_paths == 0
