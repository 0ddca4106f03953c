"""Hosting terms as hosts write them, worked by hand: a take-or-pay minimum billed whether
or not the rigs run, and the host's share of the rigs' revenue above their power cost."""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine import compile_inputs, compute
from planner.engine.bridge import bridge_of

HOSTED = {"name": "Host", "type": "hosting", "price_usd_per_kwh": 0.07}


def _run(project_factory, contract, fleet=None):
    project = project_factory(
        fleet=fleet or [{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        contract={**HOSTED, **contract},
        site={"capacity_mw": 2, "uptime": 1.0},
        finance={"tax_rate": 0.21},
    )
    return compute(compile_inputs(project), keep_rows=True)


def test_take_or_pay_bills_the_minimum_the_rigs_do_not_draw(project_factory) -> None:
    res = _run(project_factory, {"take_or_pay_share": 0.5})
    hours = res.inputs.timeline.days * 24
    # 50 % of 2 MW = 1,000 kW billed every hour; 10 S21 draw 35 kW (hosting: no overhead).
    drawn_kwh = res.rows.energy_kwh.sum(axis=0)
    assert drawn_kwh[0] == pytest.approx(35 * hours[0])
    shortfall_usd = (1_000 * hours - drawn_kwh) * 0.07
    assert res.site_items.take_or_pay_usd[0] == pytest.approx(shortfall_usd)
    assert res.sites.power_cost_usd[0] == pytest.approx(
        res.rows.power_cost_usd.sum(axis=0) + shortfall_usd
    )
    lines = {line.label: line.npv_usd for line in bridge_of(res)}
    assert lines["Site: take-or-pay shortfall"] < 0


def test_rigs_switched_off_still_pay_the_minimum(project_factory) -> None:
    # Rigs bought after the horizon draw nothing: the host bills the whole minimum.
    res = _run(
        project_factory,
        {"take_or_pay_share": 0.25},
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2030-01"}],
    )
    hours = res.inputs.timeline.days * 24
    assert res.rows.energy_kwh.sum() == 0
    assert res.sites.power_cost_usd[0] == pytest.approx(0.25 * 2_000 * hours * 0.07)


def test_the_hosts_profit_share(project_factory) -> None:
    res = _run(project_factory, {"profit_share": 0.2})
    margin = res.rows.revenue_usd.sum(axis=0) - res.rows.power_cost_usd.sum(axis=0)
    expected = 0.2 * np.maximum(margin, 0.0)
    assert expected.max() > 0
    assert res.site_items.profit_share_usd[0] == pytest.approx(expected)
    assert res.sites.opex_usd[0] == pytest.approx(res.rows.opex_usd.sum(axis=0) + expected)
    assert res.sites.ebitda_usd[0] == pytest.approx(res.rows.ebitda_usd.sum(axis=0) - expected)
