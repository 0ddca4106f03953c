"""Automatic shutdown: old rigs switch off after the halving, and not before."""

from __future__ import annotations

import calendar

import numpy as np
import pytest

from planner.engine import compile_inputs, compute

# $0.05/kWh, no overhead: an S19j Pro (29.5 J/TH) costs $35.40 per PH/s per day and an
# S21 XP (13.5 J/TH) $16.20. At 700 EH/s and $80,000 the hashprice is about $51.8
# before the halving and $26.0 after: the S19j Pro covers its power only before it.
SCENARIO = {
    "start_month": "2027-10",
    "start_block_height": 1_050_000 - 6 * 4_400,  # halving in month 6 (2028-04)
    "network_hashrate_ehs": 700,
    "btc_price_usd": 80_000,
    "fees_btc_per_block": 0.02,
    "pool_fee": 0.0,
}


def build(project_factory, auto_shutdown: bool):
    project = project_factory(
        fleet=[
            {"model": "S19j Pro", "count": 1_000, "purchase_month": "2022-01"},
            {"model": "S21 XP", "count": 1_000, "purchase_month": "2024-06"},
        ],
        contract={"price_usd_per_kwh": 0.05},
        site={"overhead": 1.0, "uptime": 1.0},
        scenario=SCENARIO,
        finance={"auto_shutdown": auto_shutdown, "horizon_months": 18},
    )
    return compute(compile_inputs(project), keep_rows=True)


def halving_month_covers_power() -> bool:
    """Does the S19j Pro cover its power in the halving month itself? Worked by hand."""
    height = SCENARIO["start_block_height"]
    year, month = 2027, 10
    for _ in range(6):
        height += calendar.monthrange(year, month)[1] * 144
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    days = calendar.monthrange(year, month)[1]
    before = 1_050_000 - height
    issuance = before * 3.125 + (days * 144 - before) * 1.5625 + days * 144 * 0.02
    revenue = 104 * 1e-6 / 700 * issuance * 80_000
    power = 3_068 / 1000 * 24 * days * 0.05
    return revenue >= power


def test_old_rigs_stop_after_the_halving_and_not_before(project_factory) -> None:
    res = build(project_factory, auto_shutdown=True)
    halving = 6
    assert res.inputs.timeline.height_start[halving] <= 1_050_000
    assert res.inputs.timeline.height_start[halving + 1] > 1_050_000
    old, new = res.rows.btc_mined
    assert np.all(old[:halving] > 0), "the S19j Pro must run before the halving"
    assert np.all(old[halving + 1 :] == 0), "and be off after it"
    assert (old[halving] > 0) == halving_month_covers_power()
    assert np.all(new > 0), "the S21 XP keeps running"
    assert res.rows.power_cost_usd[0, halving + 1 :].sum() == 0
    first_losing = halving if not halving_month_covers_power() else halving + 1
    assert res.breakevens.unprofitable_from_month.tolist() == [first_losing, -1]
    assert res.breakevens.shutdown_months.tolist() == [18 - first_losing, 0]


def test_without_automatic_shutdown_old_rigs_run_at_a_loss(project_factory) -> None:
    res = build(project_factory, auto_shutdown=False)
    old_margin = res.rows.revenue_usd[0] - res.rows.power_cost_usd[0]
    assert np.all(res.rows.btc_mined[0] > 0)
    assert np.all(old_margin[7:] < 0)
    assert res.breakevens.shutdown_months.tolist() == [0, 0]
    with_shutdown = build(project_factory, auto_shutdown=True)
    off = with_shutdown.rows.btc_mined[0] == 0
    # No tax, no maintenance: switching off gains exactly the discounted losses avoided.
    avoided = -(old_margin[off] / 1.10 ** ((np.flatnonzero(off) + 1) / 12)).sum()
    assert avoided > 0
    gained = with_shutdown.fleet_kpis.npv_usd[0] - res.fleet_kpis.npv_usd[0]
    assert gained == pytest.approx(avoided, rel=1e-12)


def test_curtailment_credits_are_paid_only_while_a_row_runs(project_factory) -> None:
    """A 5 % curtailment credited at $60/MWh: the S19j Pro (3,068 W x 1,000, uptime 1,
    no overhead) gets 3,068 kW x 5 % x 24 h x days x $60 / 1,000 a month while it runs
    (before the halving) and nothing once the shutdown has it off; the S21 XP, always
    running, every month. With the shutdown off, both every month."""
    contract = {"price_usd_per_kwh": 0.05, "curtailment_share": 0.05}
    contract["curtailment_credit_usd_per_mwh"] = 60.0

    def run(auto_shutdown: bool):
        project = project_factory(
            fleet=[
                {"model": "S19j Pro", "count": 1_000, "purchase_month": "2022-01"},
                {"model": "S21 XP", "count": 1_000, "purchase_month": "2024-06"},
            ],
            contract=contract,
            site={"overhead": 1.0, "uptime": 1.0},
            scenario=SCENARIO,
            finance={"auto_shutdown": auto_shutdown, "horizon_months": 18},
        )
        return compute(compile_inputs(project), keep_rows=True)

    res = run(auto_shutdown=True)
    days = res.inputs.timeline.days
    old_credit = 3_068 * 0.05 * 24 * days * 60.0 / 1000.0
    old, new = res.rows.curtailment_credit_usd
    off = res.rows.btc_mined[0] == 0
    assert off[7:].all() and not off[:6].any()  # off after the halving, on before
    np.testing.assert_allclose(old[~off], old_credit[~off], rtol=1e-12)
    assert np.all(old[off] == 0.0)
    assert np.all(new > 0)
    # The site's and the fleet's credits are the rows', and EBITDA carries them.
    assert res.fleet.curtailment_credit_usd[0] == pytest.approx(old + new, rel=1e-12)
    always = run(auto_shutdown=False)
    np.testing.assert_allclose(always.rows.curtailment_credit_usd[0], old_credit, rtol=1e-12)
    assert always.fleet.curtailment_credit_usd[0].sum() > res.fleet.curtailment_credit_usd[0].sum()


def test_breakevens_after_the_halving_are_worked_for_the_first_month_after_it(
    project_factory,
) -> None:
    """No fees, a flat network and price, no degradation: in the first month after the
    halving a rig mines half the BTC per day, so its breakeven BTC price doubles, its
    breakeven power price halves and its breakeven hashprice stays (hashprice is per
    PH/s, whatever it is worth)."""
    scenario = {**SCENARIO, "fees_btc_per_block": 0.0}
    project = project_factory(
        fleet=[
            {"model": "S21 XP", "count": 100, "purchase_month": "2024-06"},
            {"model": "S21 XP", "count": 100, "purchase_month": "2027-12"},  # online month 2
            {
                "model": "S19j Pro",
                "count": 100,
                "purchase_month": "2022-01",
                "retire_month": "2028-02",  # retired before the halving
            },
        ],
        contract={"price_usd_per_kwh": 0.05},
        site={"overhead": 1.0, "uptime": 1.0},
        scenario=scenario,
        finance={"auto_shutdown": False, "horizon_months": 18},
    )
    res = compute(compile_inputs(project))
    b = res.breakevens
    heights = res.inputs.timeline.height_start
    after = b.after_halving_month
    assert heights[after - 1] < 1_050_000 <= heights[after]  # 2028-05, month 7
    assert after == 7
    np.testing.assert_allclose(b.btc_price_after_halving_usd[:2], 2 * b.btc_price_usd[:2])
    np.testing.assert_allclose(b.power_after_halving_usd_per_kwh[:2], b.power_usd_per_kwh[:2] / 2)
    np.testing.assert_allclose(
        b.hashprice_after_halving_usd_per_ph_day[:2], b.hashprice_usd_per_ph_day[:2]
    )
    assert np.isnan(b.btc_price_after_halving_usd[2])  # not online after the halving
    # Past the horizon: none.
    short = compute(compile_inputs(project, horizon_months=6)).breakevens
    assert short.after_halving_month == -1
    assert np.isnan(short.btc_price_after_halving_usd).all()


def test_cost_per_btc_net_of_credits_and_energy_only(project_factory) -> None:
    """Public miners' cost per BTC: energy only = power / BTC; net = (power + opex -
    curtailment credits) / BTC; for rows, sites and the fleet alike."""
    project = project_factory(
        fleet=[
            {"model": "S19j Pro", "count": 1_000, "purchase_month": "2022-01"},
            {"model": "S21 XP", "count": 1_000, "purchase_month": "2024-06"},
        ],
        contract={
            "price_usd_per_kwh": 0.05,
            "curtailment_share": 0.05,
            "curtailment_credit_usd_per_mwh": 60.0,
        },
        site={"overhead": 1.0, "uptime": 1.0, "maintenance_usd_per_rig_month": 3.0},
        scenario=SCENARIO,
        finance={"auto_shutdown": True, "horizon_months": 18},
    )
    res = compute(compile_inputs(project), keep_rows=True)
    for kpis, series in ((res.row_kpis, res.rows), (res.fleet_kpis, res.fleet)):
        btc = series.btc_mined.sum(axis=1)
        power = series.power_cost_usd.sum(axis=1)
        opex = series.opex_usd.sum(axis=1)
        credit = series.curtailment_credit_usd.sum(axis=1)
        np.testing.assert_allclose(kpis.cost_per_btc_energy_usd, power / btc, rtol=1e-12)
        np.testing.assert_allclose(
            kpis.cost_per_btc_net_usd, (power + opex - credit) / btc, rtol=1e-12
        )
        assert np.all(kpis.cost_per_btc_net_usd < kpis.cost_per_btc_cash_usd)
