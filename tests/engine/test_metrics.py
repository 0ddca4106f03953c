"""Payback, NPV and IRR against numpy-financial on the same cash flows."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from planner.engine import metrics


def monthly(rate_per_year: float) -> float:
    return (1 + rate_per_year) ** (1 / 12) - 1


FLOWS = [
    np.array([-100_000.0, 12_000, 15_000, 18_000, 20_000, 22_000, 25_000, 10_000]),
    np.r_[-3_000_000.0, -500_000.0, np.full(58, 95_000.0)],
    np.r_[0.0, 0.0, -250_000.0, np.linspace(4_000, 9_000, 45)],
]


@pytest.mark.parametrize("flows", FLOWS)
@pytest.mark.parametrize("rate", [0.0, 0.08, 0.12, 0.25])
def test_npv_matches_numpy_financial(flows: np.ndarray, rate: float) -> None:
    # Flows at month end: numpy-financial discounts its first value at t = 0, so it is
    # given a leading zero.
    expected = npf.npv(monthly(rate), np.r_[0.0, flows])
    assert metrics.npv(flows[None, :], rate)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("flows", FLOWS)
def test_irr_matches_numpy_financial(flows: np.ndarray) -> None:
    expected_monthly = npf.irr(flows)
    got = metrics.irr_annual(flows)
    assert got == pytest.approx((1 + expected_monthly) ** 12 - 1, rel=1e-9)
    # And the NPV at that rate is zero.
    assert metrics.npv(flows[None, :], got)[0] == pytest.approx(0.0, abs=1e-6 * abs(flows).sum())


def test_irr_nearest_zero_when_flows_change_sign_twice() -> None:
    # -100, +230, -132: roots at 10 % and 20 % a month; numpy-financial picks 10 %.
    flows = np.array([-100.0, 230.0, -132.0])
    assert npf.irr(flows) == pytest.approx(0.10)
    assert metrics.irr_annual(flows) == pytest.approx(1.10**12 - 1, rel=1e-9)


@pytest.mark.parametrize(
    "flows",
    [np.full(12, 1_000.0), np.full(12, -1_000.0), np.zeros(12), np.r_[0.0, -5.0, 0.0]],
)
def test_no_irr_without_a_sign_change(flows: np.ndarray) -> None:
    assert metrics.irr_annual(flows) is None
    assert np.isnan(metrics.irr_annual_many(flows[None, :])[0])


def test_payback_interpolated_within_the_month() -> None:
    flows = np.array([[-100.0, 30.0, 30.0, 30.0, 30.0, 30.0]])
    result = metrics.payback(flows)
    # Cumulative -100, -70, -40, -10, +20: back to zero one third into month 4.
    assert result.status[0] == metrics.PAID_BACK
    assert result.months[0] == pytest.approx(4 + 10 / 30)
    assert result.at_month[0] == pytest.approx(4 + 10 / 30)


def test_payback_counts_from_the_investment_month() -> None:
    flows = np.array([[0.0, 0.0, -90.0, 30.0, 30.0, 45.0, 10.0]])
    result = metrics.payback(flows)
    # Investment in month 2; cumulative -90, -60, -30, +15: 30 / 45 into month 5.
    assert result.at_month[0] == pytest.approx(5 + 30 / 45)
    assert result.months[0] == pytest.approx(3 + 30 / 45)


def test_payback_never_and_immediate() -> None:
    flows = np.array([[-100.0, 10.0, 10.0, 10.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    result = metrics.payback(flows)
    assert result.status.tolist() == [
        metrics.NEVER,
        metrics.NEVER_NEGATIVE,
        metrics.NEVER_NEGATIVE,
    ]
    assert np.isnan(result.months[0]) and np.isnan(result.at_month[0])
    assert result.months[1] == 0.0 and result.months[2] == 0.0


def test_payback_of_many_series_equals_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    flows = rng.normal(5.0, 20.0, size=(300, 48))
    flows[:, 0] -= rng.uniform(0, 400, size=300)
    together = metrics.payback(flows)
    for i in range(0, 300, 37):
        alone = metrics.payback(flows[i : i + 1])
        np.testing.assert_array_equal(alone.status, together.status[i : i + 1])
        np.testing.assert_allclose(alone.months, together.months[i : i + 1], rtol=1e-12)


def test_discounted_payback_is_later() -> None:
    flows = np.r_[-1_000.0, np.full(40, 40.0)][None, :]
    simple = metrics.payback(flows)
    discounted = metrics.payback(metrics.discounted_flows(flows, 0.12))
    # -1,000 then +40 a month: cumulative is back to zero at the end of month 25.
    assert simple.months[0] == pytest.approx(26.0)
    assert discounted.months[0] > simple.months[0]
    cumulative = np.cumsum(metrics.discounted_flows(flows, 0.12)[0])
    j = int(np.argmax(cumulative >= 0))
    expected = j + (-cumulative[j - 1]) / (cumulative[j] - cumulative[j - 1])
    assert discounted.months[0] == pytest.approx(expected, rel=1e-12)


# Capex at the start of its month (MODEL.md): flows include it, `at_start` says which part.
CAPEX_FLOWS = np.r_[0.0, -100_000.0 + 9_000, np.full(22, 9_000.0)]  # $100k paid in month 1
CAPEX_AT_START = np.r_[0.0, -100_000.0, np.zeros(22)]


@pytest.mark.parametrize("rate", [0.0, 0.10, 0.30])
def test_npv_discounts_capex_from_its_months_start(rate: float) -> None:
    # numpy-financial on the flows at month boundaries: capex at boundary 1 (month 1's
    # start), the rest of month t's flow at boundary t + 1.
    boundaries = np.zeros(CAPEX_FLOWS.size + 1)
    boundaries[1:] += CAPEX_FLOWS - CAPEX_AT_START
    boundaries[:-1] += CAPEX_AT_START
    expected = npf.npv(monthly(rate), boundaries)
    got = metrics.npv(CAPEX_FLOWS[None, :], rate, CAPEX_AT_START[None, :])[0]
    assert got == pytest.approx(expected, rel=1e-12)
    # Against month ends: the capex weighs (1 + rate)^(1/12) more.
    at_end = metrics.npv(CAPEX_FLOWS[None, :], rate)[0]
    assert at_end - got == pytest.approx(
        100_000 * ((1 + rate) ** (-1 / 12) - (1 + rate) ** (-2 / 12)), rel=1e-9, abs=1e-9
    )


def test_irr_with_capex_at_the_start_by_hand() -> None:
    # $100 paid at the start of a month, $110 back at its end: 10 % a month exactly.
    flows, at_start = np.array([10.0]), np.array([-100.0])
    assert metrics.irr_annual(flows, at_start) == pytest.approx(1.1**12 - 1, rel=1e-10)
    # At the month's end both would net to +$10: no sign change, no IRR.
    assert metrics.irr_annual(flows) is None
    many = metrics.irr_annual_many(
        CAPEX_FLOWS[None, :],
        at_start=metrics.StartFlows.of(np.array([0]), np.array([1]), np.array([-100_000.0])),
    )
    assert many[0] == pytest.approx(metrics.irr_annual(CAPEX_FLOWS, CAPEX_AT_START), rel=1e-12)
    expected = npf.irr(metrics.boundary_flows(CAPEX_FLOWS, CAPEX_AT_START))
    assert many[0] == pytest.approx((1 + expected) ** 12 - 1, rel=1e-9)


def test_payback_from_the_level_after_the_months_capex() -> None:
    got = metrics.payback(CAPEX_FLOWS[None, :], CAPEX_AT_START[None, :])
    # $100k at month 1's start, $9k a month through: back at 1 + 100/9 months.
    assert got.status[0] == metrics.PAID_BACK
    assert got.at_month[0] == pytest.approx(1 + 100 / 9, rel=1e-12)
    assert got.months[0] == pytest.approx(100 / 9, rel=1e-12)
    # Month ends alone: -$91k at month 1's end, then $9k a month: the same point here.
    assert metrics.payback(CAPEX_FLOWS[None, :]).at_month[0] == pytest.approx(1 + 100 / 9)


def test_payback_inside_the_month_the_capex_is_paid() -> None:
    # $50 at the start, $80 through the month: back at 50/80 of it; at month ends the
    # cumulative never goes negative.
    flows, at_start = np.array([[0.0, 30.0, 80.0]]), np.array([[0.0, -50.0, 0.0]])
    got = metrics.payback(flows, at_start)
    assert got.status[0] == metrics.PAID_BACK
    assert got.at_month[0] == pytest.approx(1 + 50 / 80)
    assert got.months[0] == pytest.approx(50 / 80)
    assert metrics.payback(flows).status[0] == metrics.NEVER_NEGATIVE


def test_discounted_payback_with_capex_at_the_start() -> None:
    rate = 0.12
    got = metrics.discounted_payback(CAPEX_FLOWS[None, :], rate, CAPEX_AT_START[None, :])
    factors = (1 + rate) ** (-np.arange(1, CAPEX_FLOWS.size + 1) / 12)
    capex_pv = 100_000 * (1 + rate) ** (-1 / 12)
    inflows_pv = np.cumsum(np.r_[0.0, np.full(23, 9_000.0)] * factors)
    back = int(np.argmax(inflows_pv >= capex_pv))
    fraction = (capex_pv - inflows_pv[back - 1]) / (9_000 * factors[back])
    assert got.at_month[0] == pytest.approx(back + fraction, rel=1e-12)
    assert (
        got.at_month[0] > metrics.payback(CAPEX_FLOWS[None, :], CAPEX_AT_START[None, :]).at_month[0]
    )


def test_start_flows_by_entity_and_month() -> None:
    # A deposit and the rest in one month add up; entities come back sorted.
    flows = metrics.StartFlows.of(
        np.array([3, 0, 3, 3]), np.array([2, 0, 1, 2]), np.array([-5.0, -1.0, -7.0, -2.0])
    )
    assert flows.dense(4, 3).tolist() == [[-1, 0, 0], [0, 0, 0], [0, 0, 0], [0, -7, -7]]
    assert flows.block(3, 4).dense(1, 3).tolist() == [[0, -7, -7]]
    assert flows.renumbered(np.array([1, 9, 9, 0])).dense(2, 3).tolist() == [
        [0, -7, -7],
        [-1, 0, 0],
    ]
    assert flows.by_entity(np.array([1.0, 0.5, 0.25]), 4).tolist() == [-1, 0, 0, -5.25]
    dense = flows.dense(4, 3)
    assert metrics.StartFlows.of_dense(dense).dense(4, 3).tolist() == dense.tolist()


def test_sparse_and_dense_start_flows_give_the_same_answers() -> None:
    rng = np.random.default_rng(5)
    flows = rng.normal(2_000.0, 3_000.0, (700, 36))
    at_start = np.where(rng.random((700, 36)) < 0.05, -rng.uniform(1e3, 5e4, (700, 36)), 0.0)
    flows += at_start
    sparse = metrics.StartFlows.of_dense(at_start)
    for a, b in (
        (metrics.payback(flows, at_start), metrics.payback(flows, sparse)),
        (
            metrics.discounted_payback(flows, 0.1, at_start),
            metrics.discounted_payback(flows, 0.1, sparse),
        ),
    ):
        assert np.array_equal(a.status, b.status)
        np.testing.assert_array_equal(a.at_month, b.at_month)
    np.testing.assert_allclose(
        metrics.npv(flows, 0.1, at_start), metrics.npv(flows, 0.1, sparse), rtol=1e-12
    )
    some = slice(0, 40)
    np.testing.assert_allclose(
        metrics.irr_annual_many(flows[some], at_start=at_start[some]),
        metrics.irr_annual_many(flows[some], at_start=sparse.block(0, 40)),
        rtol=1e-12,
    )
