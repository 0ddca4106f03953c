"""Debt worked by hand: a year of a term loan to the cent, interest-only and bullet,
equipment financing, a BTC-backed loan through a margin call and a liquidation, a
convertible either way, a hashrate prepayment."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain.project import Project
from planner.domain.treasury import DebtInstrument
from planner.engine import run
from planner.engine.treasury import run_treasury
from tests.engine.conftest import make_project
from tests.engine.treasury_cases import assert_identities, empty_project, on_path

TERM_LOAN = {
    "name": "Bank",
    "type": "term_loan",
    "principal_usd": 1_200_000,
    "rate_per_year": 0.12,
    "term_months": 12,
}


def test_a_year_of_a_level_term_loan_by_hand() -> None:
    # 1 % a month; payment = 1,200,000 x 0.01 / (1 - 1.01^-12) = 106,618.55.
    result = on_path(empty_project(12, debt=[TERM_LOAN]))
    loan = result.instruments[0]
    interest = loan.interest_usd[0]
    principal = loan.principal_usd[0]
    assert np.round(interest[:3], 2).tolist() == [12_000.00, 11_053.81, 10_098.17]
    assert np.round(principal[:3], 2).tolist() == [94_618.55, 95_564.73, 96_520.38]
    assert np.round(interest + principal, 2).tolist() == [106_618.55] * 12
    assert round(loan.balance_end_usd[0, 0], 2) == 1_105_381.45
    assert round(float(interest.sum()), 2) == 79_422.56  # 12 x 106,618.546 - 1,200,000
    assert loan.balance_end_usd[0, -1] == pytest.approx(0.0, abs=1e-6)
    cash = result.cash_components
    assert cash["debt_draws_usd"][0, 0] == 1_200_000
    assert round(float(result.cash_end_usd[0, -1]), 2) == -79_422.56
    assert_identities(result)


def test_interest_only_then_a_bullet_with_a_fee() -> None:
    loan = {
        **TERM_LOAN,
        "repayment": "bullet",
        "interest_only_months": 6,
        "upfront_fee_share": 0.02,
        "draw_month": "2027-03",
    }
    result = on_path(empty_project(15, debt=[loan]))
    flows = result.instruments[0]
    assert flows.draw_usd[0, 2] == 1_200_000 and flows.fee_usd[0, 2] == 24_000
    assert flows.interest_usd[0].tolist() == [0, 0] + [12_000.0] * 12 + [0]
    assert flows.principal_usd[0, 13] == 1_200_000  # the 12th month from the draw
    assert flows.principal_usd[0].sum() == 1_200_000
    assert result.debt_end_usd[0].tolist() == [0, 0] + [1_200_000.0] * 11 + [0, 0]
    assert_identities(result)


def test_a_rate_path_relevels_the_payment() -> None:
    loan = {**TERM_LOAN, "rate_per_year": 0.0, "rate_path_per_year": [0.12, 0.12, 0.0]}
    flows = on_path(empty_project(12, debt=[loan])).instruments[0]
    # Months 3 on at 0 %: the balance after two payments over the ten months left.
    balance = 1_009_816.72
    assert round(flows.principal_usd[0, 2], 2) == round(balance / 10, 2)
    assert flows.interest_usd[0, 2:].sum() == 0


def test_equipment_financing_lends_its_advance_on_the_rows_cost() -> None:
    project = make_project(
        fleet=[
            {"model": "S21", "count": 100, "purchase_month": "2027-08", "unit_price_usd": 3_000},
            {"model": "S21", "count": 50, "purchase_month": "2027-06", "unit_price_usd": 2_000},
        ]
    )
    equipment = DebtInstrument(
        name="Rigs",
        type="equipment",
        fleet_rows=["Row 0"],
        advance_rate=0.7,
        rate_per_year=0.0,
        term_months=24,
    )
    project = project.model_copy(update={"debt": [equipment]})
    result = run_treasury(run(project), project)
    flows = result.instruments[0]
    assert flows.draw_usd[0, 2] == pytest.approx(210_000)  # 70 % of 100 x 3,000, 2027-08
    assert flows.principal_usd[0, 2] == pytest.approx(210_000 / 24)
    assert_identities(result)


BTC_LOAN = {
    "name": "BTC line",
    "type": "btc_loan",
    "principal_usd": 500_000,
    "btc_pledged": 10,
    "margin_call_ltv": 0.7,
    "liquidation_ltv": 0.85,
    "repayment": "bullet",
    "term_months": 12,
}


def test_a_btc_loan_meets_a_margin_call_then_a_liquidation() -> None:
    # 10 BTC at 100,000 against 500,000: LTV 50 % at the draw; 15 BTC held.
    project = empty_project(
        4,
        treasury={"opening_btc_held": 15, "opening_btc_cost_basis_usd": 300_000},
        debt=[BTC_LOAN],
    )
    result = on_path(project, price_usd=[100_000, 70_000, 40_000, 40_000])
    loan = result.instruments[0]
    # 70,000: LTV 500,000 / 700,000 = 71.4 % >= 70 %: top up to 50 %, 500,000 / 35,000
    # = 14.2857 BTC pledged, 4.2857 more out of the 5 free.
    assert loan.btc_topped_up[0, 1] == pytest.approx(500_000 / 35_000 - 10)
    assert loan.ltv[0, 1] == pytest.approx(0.5)
    # 40,000: LTV 500,000 / (14.2857 x 40,000) = 87.5 % >= 85 %: the lender sells x so
    # that (500,000 - 40,000 x) / ((14.2857 - x) 40,000) = 50 %: x = 10.7143 BTC.
    collateral = 500_000 / 35_000
    sold = (500_000 - 0.5 * collateral * 40_000) / (40_000 * 0.5)
    assert sold == pytest.approx(10.714286, abs=1e-6)
    assert loan.btc_liquidated[0, 2] == pytest.approx(sold)
    assert loan.balance_end_usd[0, 2] == pytest.approx(500_000 - sold * 40_000)
    assert loan.ltv[0, 2] == pytest.approx(0.5)
    assert result.btc_held_end[0, 2] == pytest.approx(15 - sold)
    assert [(c.month, c.instrument) for c in result.margin_calls()] == [
        (1, "BTC line"),
        (2, "BTC line"),
    ]
    # No cash moves in a liquidation; the gain against 20,000 a BTC is taxable.
    assert result.cash_end_usd[0].tolist() == [500_000.0] * 4
    assert result.realised_gain_usd[0, 2] == pytest.approx(sold * (40_000 - 20_000))
    assert_identities(result)


def test_a_margin_call_without_enough_free_btc_is_a_liquidation() -> None:
    project = empty_project(
        2, treasury={"opening_btc_held": 11, "opening_btc_cost_basis_usd": 0}, debt=[BTC_LOAN]
    )
    result = on_path(project, price_usd=[100_000, 70_000])
    loan = result.instruments[0]
    assert loan.btc_topped_up[0, 1] == pytest.approx(1.0)  # all that is free
    # 11 BTC at 70,000 against 500,000: 64.9 % < 70 %: no sale needed after the top-up.
    assert loan.btc_liquidated[0, 1] == 0
    deeper = on_path(project, price_usd=[100_000, 62_000])
    # 500,000 / (11 x 62,000) = 73.3 % still >= 70 % after the top-up: sold back to 50 %.
    assert deeper.instruments[0].btc_liquidated[0, 1] > 0
    assert deeper.instruments[0].ltv[0, 1] == pytest.approx(0.5)


@pytest.mark.parametrize(("price", "converted"), [(150_000.0, True), (90_000.0, False)])
def test_a_convertible_converts_above_its_price(price: float, converted: bool) -> None:
    note = {
        "name": "Note",
        "type": "convertible",
        "principal_usd": 1_000_000,
        "rate_per_year": 0.03,
        "term_months": 6,
        "conversion_btc_price_usd": 120_000,
    }
    result = on_path(empty_project(8, debt=[note]), price_usd=[100_000] * 5 + [price] * 3)
    flows = result.instruments[0]
    assert flows.interest_usd[0, :6].tolist() == pytest.approx([2_500.0] * 6)
    assert flows.principal_usd[0, 5] == (0 if converted else 1_000_000)
    assert flows.non_cash_usd[0, 5] == (1_000_000 if converted else 0)
    assert flows.balance_end_usd[0, 5] == 0
    assert_identities(result)


def test_a_prepayment_is_cash_now_and_hashrate_delivered_at_hashprice() -> None:
    deal = {
        "name": "Prepay",
        "type": "prepayment",
        "principal_usd": 600_000,
        "delivered_ph": 100,
        "term_months": 3,
    }
    result = on_path(empty_project(4, debt=[deal]), hashprice_usd_per_ph_day=50.0)
    cash = result.cash_components
    assert cash["debt_draws_usd"][0, 0] == 600_000
    # January, February, March 2027: 100 PH/s x 50 USD x 31, 28, 31 days.
    assert cash["prepayment_delivery_usd"][0].tolist() == [-155_000, -140_000, -155_000, 0]
    assert result.debt_end_usd[0].tolist() == [400_000, 200_000, 0, 0]
    assert_identities(result)


def _rigs_loan(fleet: list[dict], **loan: object) -> Project:
    """A year from 2027-06, book life 12 months, no tax; an equipment loan on Row 0 and
    Row 1 at a 0 % rate (principal / months left each month)."""
    project = make_project(fleet=fleet, finance={"horizon_months": 12, "depreciation_years": 1})
    fields = {
        "name": "Rigs",
        "type": "equipment",
        "fleet_rows": ["Row 0", "Row 1"],
        "advance_rate": 0.5,
        "rate_per_year": 0.0,
        "term_months": 10,
        **loan,
    }
    return project.model_copy(update={"debt": [DebtInstrument(**fields)]})


# Row 0: 100 x 3,000 = 300,000, retires 2027-10 (month 4); Row 1: 100 x 1,000 = 100,000.
EARLY_FLEET = [
    {
        "model": "S21",
        "count": 100,
        "purchase_month": "2027-06",
        "unit_price_usd": 3_000,
        "retire_month": "2027-10",
    },
    {"model": "S21", "count": 100, "purchase_month": "2027-06", "unit_price_usd": 1_000},
]


def test_a_financed_row_retiring_early_repays_its_share_of_the_balance() -> None:
    project = _rigs_loan(EARLY_FLEET)
    result = run_treasury(run(project), project)
    loan = result.instruments[0]
    # 50 % of 400,000 = 200,000 over 10 months at 0 %: 20,000 a month; 120,000 left
    # after month 3. Month 4: 120,000 / 6 = 20,000 scheduled, 100,000 left, of which
    # Row 0's share 300,000 / 400,000 = 75,000 falls due as its rigs retire. Then
    # 25,000 over the 5 months left: 5,000 a month.
    assert loan.draw_usd[0, 0] == pytest.approx(200_000)
    assert np.round(loan.principal_usd[0], 6).tolist() == (
        [20_000.0] * 4 + [95_000.0] + [5_000.0] * 5 + [0.0, 0.0]
    )
    assert np.round(loan.principal_on_retirement_usd[0], 6).tolist() == (
        [0.0] * 4 + [75_000.0] + [0.0] * 7
    )
    assert np.round(loan.balance_end_usd[0, 3:6], 6).tolist() == [120_000, 25_000, 20_000]
    # Paid from cash as principal: the month's principal component is the loan's.
    assert result.cash_components["principal_usd"][0, 4] == pytest.approx(-95_000)
    assert_identities(result)


def test_the_rigs_book_value_is_the_collateral_month_by_month() -> None:
    project = _rigs_loan(EARLY_FLEET)
    loan = run_treasury(run(project), project).instruments[0]
    # Book value at a month's end: cost x (1 - (t + 1) / 12) from the online month 0.
    # Row 0: 275,000, 250,000, 225,000, 200,000, then retired (0). Row 1: 100,000 x
    # (11 - t) / 12: 91,666.67, 83,333.33, 75,000, 66,666.67, 58,333.33, 50,000, ...
    value = loan.collateral_value_end_usd[0]
    expected = [366_666.67, 333_333.33, 300_000.0, 266_666.67, 58_333.33, 50_000.0]
    expected += [41_666.67, 33_333.33, 25_000.0, 16_666.67, 8_333.33, 0.0]
    assert np.round(value, 2).tolist() == expected
    # Balance / value: 180,000 / 366,666.67, 160,000 / 333,333.33, 140,000 / 300,000,
    # 120,000 / 266,666.67, 25,000 / 58,333.33, 20,000 / 50,000, 15,000 / 41,666.67,
    # 10,000 / 33,333.33, 5,000 / 25,000; repaid in month 9: none.
    ratio = loan.loan_to_collateral_value[0]
    assert np.round(ratio[:9], 6).tolist() == [
        0.490909,
        0.48,
        0.466667,
        0.45,
        0.428571,
        0.4,
        0.36,
        0.3,
        0.2,
    ]
    assert np.isnan(ratio[9:]).all()
    assert loan.underwater_months(0).size == 0


def test_a_row_retired_before_the_draw_is_due_at_the_draw() -> None:
    fleet = [{**EARLY_FLEET[0], "retire_month": "2027-07"}, EARLY_FLEET[1]]
    project = _rigs_loan(fleet, draw_month="2027-08")
    loan = run_treasury(run(project), project).instruments[0]
    # Drawn in month 2: 200,000; 20,000 scheduled, then 75 % of the 180,000 left.
    assert loan.principal_usd[0, 2] == pytest.approx(20_000 + 135_000)
    assert loan.balance_end_usd[0, 2] == pytest.approx(45_000)
    assert loan.collateral_value_end_usd[0, 2] == pytest.approx(75_000)  # Row 1 only
