"""Hedges settled on paths written by hand: a put and a collar that pay, a collar's call
that costs, a short future, and a hashprice forward that costs in a rally."""

from __future__ import annotations

import pytest

from tests.engine.treasury_cases import assert_identities, empty_project, on_path

PUT = {
    "name": "Put",
    "type": "put",
    "btc_amount": 10,
    "strike_usd": 90_000,
    "premium_usd": 30_000,
    "first_month": "2027-01",
    "expiry_month": "2027-03",
}
COLLAR = {
    **PUT,
    "name": "Collar",
    "type": "collar",
    "call_strike_usd": 120_000,
    "premium_usd": 0,
}


def test_a_put_pays_at_expiry_and_its_premium_is_paid_up_front() -> None:
    result = on_path(empty_project(4, hedges=[PUT]), price_usd=[100_000, 80_000, 70_000, 60_000])
    hedge = result.hedges[0]
    # max(0, 90,000 - 70,000) x 10 BTC in March, on March's price only.
    assert hedge.settlement_usd[0].tolist() == [0, 0, 200_000, 0]
    assert hedge.premium_usd[0].tolist() == [30_000, 0, 0, 0]
    assert result.cash_end_usd[0].tolist() == [-30_000, -30_000, 170_000, 170_000]
    assert_identities(result)


@pytest.mark.parametrize(
    ("price", "settlement"),
    [(70_000.0, 200_000.0), (100_000.0, 0.0), (130_000.0, -100_000.0)],
)
def test_a_collar_pays_below_its_put_and_costs_above_its_call(
    price: float, settlement: float
) -> None:
    result = on_path(empty_project(3, hedges=[COLLAR]), price_usd=price)
    assert result.hedges[0].settlement_usd[0, 2] == settlement
    assert result.hedge_settlement_usd[0, 2] == settlement


def test_a_short_future_settles_both_ways() -> None:
    future = {**PUT, "name": "Future", "type": "short_future", "premium_usd": 0}
    low = on_path(empty_project(3, hedges=[future]), price_usd=80_000)
    high = on_path(empty_project(3, hedges=[future]), price_usd=95_000)
    assert low.hedges[0].settlement_usd[0, 2] == 100_000
    assert high.hedges[0].settlement_usd[0, 2] == -50_000


def test_a_hashprice_forward_costs_in_a_rally() -> None:
    forward = {
        "name": "Forward",
        "type": "hashprice_forward",
        "hashrate_ph": 100,
        "first_month": "2027-02",
        "months": 2,
        "fixed_usd_per_ph_day": 40,
    }
    result = on_path(
        empty_project(4, hedges=[forward]), hashprice_usd_per_ph_day=[35.0, 40.0, 60.0, 60.0]
    )
    # February at the fixed 40: nothing; March at 60: (40 - 60) x 100 PH/s x 31 days.
    assert result.hedges[0].settlement_usd[0].tolist() == [0, 0, -62_000, 0]
    slump = on_path(empty_project(4, hedges=[forward]), hashprice_usd_per_ph_day=30.0)
    assert slump.hedges[0].settlement_usd[0].tolist() == [0, 28_000, 31_000, 0]
    assert_identities(result)


def test_a_plan_without_a_hedge() -> None:
    from planner.engine import compile_inputs
    from planner.engine.treasury import treasury_plan

    project = empty_project(4, hedges=[PUT, COLLAR])
    plan = treasury_plan(project, compile_inputs(project))
    assert [h.name for h in plan.without_hedge("Put").hedges] == ["Collar"]


def test_hedges_are_taxed_in_their_fiscal_year() -> None:
    project = empty_project(14, hedges=[PUT], finance={"tax_rate": 0.2})
    result = on_path(project, price_usd=70_000)
    # 2027: 200,000 settled - 30,000 premium = 170,000 taxed at 20 %, paid in December.
    assert result.extra_tax_usd[0, 11] == pytest.approx(34_000)
    assert result.cash_components["tax_usd"][0, 11] == pytest.approx(-34_000)
    assert result.extra_tax_usd[0].sum() == pytest.approx(34_000)
