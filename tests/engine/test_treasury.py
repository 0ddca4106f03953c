"""The treasury's policy and tax worked by hand, and its identities on the sample."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from planner.benchmark import with_treasury
from planner.domain.project import Project
from planner.engine import run
from planner.engine.treasury import has_treasury, run_treasury
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path
from tests.engine.treasury_cases import assert_identities, empty_project, on_path


@pytest.fixture(scope="module")
def sample() -> Project:
    """The sample without its treasury (the tests add their own)."""
    project = load_project(sample_project_path())
    return project.model_copy(update={"treasury": None, "debt": [], "hedges": []})


def test_without_a_treasury_cash_is_the_fleets_cumulative_free_cash_flow(
    sample: Project,
) -> None:
    assert not has_treasury(sample)
    results = run(sample)
    result = run_treasury(results, sample)
    fcf = results.fleet.free_cash_flow_usd[0]
    np.testing.assert_allclose(result.cash_end_usd[0], np.cumsum(fcf), rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(result.btc_sold, results.fleet.btc_mined)
    for zero in (result.btc_held_end, result.debt_end_usd, result.extra_tax_usd):
        assert not zero.any()
    assert result.instruments == () and result.hedges == () and result.margin_calls() == []
    assert_identities(result)


def test_a_treasury_leaves_compute_unchanged(sample: Project) -> None:
    before = run(sample)
    after = run(with_treasury(sample))
    for name in (f.name for f in fields(before.fleet)):
        np.testing.assert_array_equal(getattr(before.fleet, name), getattr(after.fleet, name))
    np.testing.assert_array_equal(before.row_free_cash_flow(), after.row_free_cash_flow())
    assert before.fleet_kpis.npv_usd == after.fleet_kpis.npv_usd


@pytest.mark.parametrize("falling", [False, True])
def test_the_identities_on_the_sample_with_a_treasury(sample: Project, falling: bool) -> None:
    project = with_treasury(sample, falling)
    result = run_treasury(run(project), project)
    assert_identities(result)
    assert result.btc_held_start[0, 0] == 1_200
    assert result.cash_start_usd[0, 0] == 20e6
    names = [i.name for i in result.instruments]
    assert names == ["Equipment", "BTC line", "Term"]
    np.testing.assert_allclose(
        result.debt_end_usd, sum(i.balance_end_usd for i in result.instruments)
    )
    if falling:
        assert any(c.instrument == "BTC line" for c in result.margin_calls())
    assert np.all(result.btc_pledged_end <= result.btc_held_end + 1e-9)


def test_the_scalar_and_array_passes_agree(sample: Project) -> None:
    from planner.engine.treasury import TreasuryMarket, fixed_flows, treasury_plan
    from planner.engine.treasury_roll import roll
    from planner.engine.treasury_roll_one import roll_one

    project = with_treasury(sample, falling=True)
    results = run(project)
    plan = treasury_plan(project, results.inputs)
    market = TreasuryMarket.of(results)
    fixed = fixed_flows(plan, market, results.inputs.timeline.days.astype(float))
    cash = sum(fixed.components.values(), np.zeros_like(market.btc_price_usd))
    for sell_held in (True, False):
        args = (plan.policy, plan.btc_loans, market.btc_price_usd, market.btc_mined, cash)
        one, many = roll_one(*args, sell_held), roll(*args, sell_held)
        for name in one.__dataclass_fields__:
            np.testing.assert_allclose(
                getattr(one, name), getattr(many, name), atol=1e-6, equal_nan=True, err_msg=name
            )


SALE = {
    "opening_btc_held": 1,
    "opening_btc_cost_basis_usd": 30_000,
    "sell_share_of_mined": 0,
    "sell_above_price_usd": 90_000,
    "sell_above_share": 0.5,
}


@pytest.mark.parametrize(("method", "gain"), [("fifo", 60_000.0), ("average", 45_000.0)])
def test_fifo_and_average_cost_on_a_worked_sale(method: str, gain: float) -> None:
    # 1 BTC held at 30,000; January mines 1 BTC, kept at 60,000; February at 90,000 the
    # rule sells half of the 2 held. FIFO sells the 30,000 BTC: gain 60,000; average:
    # (30,000 + 60,000) / 2 = 45,000 a BTC: gain 45,000.
    project = empty_project(2, treasury={**SALE, "cost_basis_method": method})
    result = on_path(project, price_usd=[60_000, 90_000], btc_mined=[1, 0])
    assert result.btc_sold[0].tolist() == [0, 1]
    assert result.realised_gain_usd[0, 1] == pytest.approx(gain)
    assert result.cash_components["held_btc_sales_usd"][0, 1] == 90_000
    assert result.btc_cost_basis_end_usd[0, 1] == pytest.approx(90_000 - (90_000 - gain))
    assert_identities(result)


def test_held_btc_at_fair_value_is_pnl_not_cash() -> None:
    project = empty_project(3, treasury={"opening_btc_held": 2, "sell_share_of_mined": 0})
    result = on_path(project, price_usd=[50_000, 60_000, 45_000])
    assert result.btc_fair_value_change_usd[0].tolist() == [0, 20_000, -30_000]
    assert result.btc_fair_value_end_usd[0].tolist() == [100_000, 120_000, 90_000]
    assert not result.cash_end_usd.any()


def test_a_sales_gain_is_taxed_in_its_fiscal_year() -> None:
    # Fiscal years end in June: the February 2027 sale is in the year to June 2027, its
    # tax (20 % of 60,000) paid in June; none in the next year.
    project = empty_project(
        14,
        treasury={**SALE, "sell_above_share": 0.5},
        finance={"tax_rate": 0.2, "fiscal_year_end_month": 6},
    )
    prices = [60_000, 90_000] + [80_000] * 12
    result = on_path(project, price_usd=prices, btc_mined=[1] + [0] * 13)
    assert result.extra_tax_usd[0, 5] == pytest.approx(12_000)
    assert np.flatnonzero(result.extra_tax_usd[0]).tolist() == [5]
    assert result.tax.tax_usd[0].tolist() == pytest.approx([12_000, 0])
    assert_identities(result)


def test_a_sale_to_pay_the_tax_is_taxed_with_it() -> None:
    # December's fleet tax of 20,000 is paid by selling held BTC bought at nothing at
    # 100,000: the sale's own gain is taxed in the same year, so x BTC with
    # 100,000 x (1 - 20 %) = 20,000: x = 0.25 BTC and 5,000 more tax.
    project = empty_project(
        12,
        treasury={"opening_btc_held": 1, "opening_btc_cost_basis_usd": 0},
        finance={"tax_rate": 0.2},
    )
    tax = [0.0] * 11 + [20_000.0]
    result = on_path(project, tax_usd=tax)
    assert result.btc_sold[0, 11] == pytest.approx(0.25, abs=1e-7)
    assert result.extra_tax_usd[0, 11] == pytest.approx(5_000, abs=0.01)
    assert result.cash_end_usd[0, 11] == pytest.approx(0, abs=0.01)
    assert_identities(result)


def test_the_interest_limitation_by_hand() -> None:
    # 1,000,000 at 6 %: 60,000 interest a year. 2027: EBITDA 120,000 allows 36,000,
    # 24,000 carried; 2028: EBITDA 360,000 allows 108,000: 60,000 + the 24,000.
    loan = {
        "name": "Bank",
        "principal_usd": 1_000_000,
        "rate_per_year": 0.06,
        "repayment": "bullet",
        "term_months": 36,
    }
    project = empty_project(
        24, treasury={"interest_limit": True}, debt=[loan], finance={"tax_rate": 0.2}
    )
    ebitda = [10_000.0] * 12 + [30_000.0] * 12
    result = on_path(project, ebitda_usd=ebitda, taxable_income_usd=ebitda)
    assert result.tax.interest_deducted_usd[0].tolist() == pytest.approx([36_000, 84_000])
    assert result.tax.interest_carried_usd[0].tolist() == pytest.approx([24_000, 0])
    # 2027: 20 % x (120,000 - 36,000) = 16,800 instead of 24,000 on the fleet alone.
    assert result.tax.tax_usd[0].tolist() == pytest.approx([16_800, 55_200])
    assert result.extra_tax_usd[0, 11] == pytest.approx(16_800 - 24_000)
    unlimited = empty_project(24, debt=[loan], finance={"tax_rate": 0.2})
    free = on_path(unlimited, ebitda_usd=ebitda, taxable_income_usd=ebitda)
    assert free.tax.interest_deducted_usd[0].tolist() == pytest.approx([60_000, 60_000])


def test_the_runway_with_and_without_sales() -> None:
    # 30,000 burnt a month from 100,000 with a 20,000 buffer: below it at month 3
    # without sales; selling the 1 BTC held (50,000) carries it to month 4.
    project = empty_project(
        8, treasury={"opening_cash_usd": 100_000, "opening_btc_held": 1, "min_cash_usd": 20_000}
    )
    result = on_path(project, price_usd=50_000, operating_cash_usd=-30_000)
    assert result.runway_months.tolist() == [2]  # 100 - 3 x 30 = 10 < 20 in the third month
    assert result.runway_with_sales_months.tolist() == [4]
    assert result.min_cash_usd[0] < 0
    never = on_path(project, price_usd=50_000, operating_cash_usd=0)
    assert np.isnan(never.runway_months).all() and np.isnan(never.runway_with_sales_months).all()


def test_a_draw_after_the_horizon_is_allowed_and_said() -> None:
    loan = {"name": "Late", "principal_usd": 1_000, "draw_month": "2030-01"}
    result = on_path(empty_project(6, debt=[loan]))
    assert not result.debt_end_usd.any()
    assert result.notes == (
        "debt 'Late' is drawn in 2030-01, after the horizon ends (2027-06): it has no effect",
    )


def test_many_paths_at_once_equal_the_scenario(sample: Project) -> None:
    from planner.engine.treasury import TreasuryMarket, treasury_paths, treasury_plan

    project = with_treasury(sample, falling=True)
    project = project.model_copy(
        update={"finance": project.finance.model_copy(update={"tax_rate": 0.21})}
    )
    results = run(project)
    one = run_treasury(results, project)
    market = TreasuryMarket.of(results)
    three = TreasuryMarket(
        **{name: np.repeat(getattr(market, name), 3, axis=0) for name in vars(market)}
    )
    many = treasury_paths(treasury_plan(project, results.inputs), three, results.inputs)
    assert many.paths == 3
    for name in ("cash_end_usd", "btc_held_end", "debt_end_usd", "extra_tax_usd"):
        np.testing.assert_allclose(getattr(many, name)[2], getattr(one, name)[0], atol=0.01)
    assert many.margin_calls(2) == one.margin_calls(0)
