"""Landed cost and deposits, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from planner.engine import compile_inputs, compute

ROW = {
    "model": "S21",
    "count": 10,
    "unit_price_usd": 3_000,
    "purchase_month": "2027-06",
    "import_tariff": 0.216,
    "sales_tax": 0.08,
    "shipping_usd_per_unit": 50,
    "installation_usd_per_unit": 30,
}


def _results(project_factory, row):
    project = project_factory(
        fleet=[row], scenario={"start_month": "2027-01"}, finance={"tax_rate": 0.21}
    )
    return compute(compile_inputs(project), keep_rows=True)


def test_landed_cost_is_the_basis(project_factory) -> None:
    res = _results(project_factory, ROW)
    # 3,000 x (1 + 21.6 % + 8 %) + 50 + 30 = 3,968 a rig: 39,680 for ten.
    assert res.rows.capex_usd[0, 5] == pytest.approx(39_680.0)
    assert res.rows.depreciation_usd[0, 5] == pytest.approx(39_680.0 / 36)
    # Placed in service after 2025-01-20: the whole basis in 2027's seven months.
    assert res.rows.tax_depreciation_usd[0, :12].sum() == pytest.approx(39_680.0)


def test_a_deposit_in_the_order_month(project_factory) -> None:
    res = _results(project_factory, {**ROW, "deposit_share": 0.3, "order_month": "2027-03"})
    capex = res.rows.capex_usd[0]
    assert capex[2] == pytest.approx(0.3 * 39_680.0)
    assert capex[5] == pytest.approx(0.7 * 39_680.0)
    assert np.count_nonzero(capex) == 2
    assert res.row_kpis.capex_usd[0] == pytest.approx(39_680.0)
    # Paid three months earlier, the deposit costs more in present value.
    plain = _results(project_factory, ROW)
    assert res.row_kpis.npv_usd[0] < plain.row_kpis.npv_usd[0]


def test_a_deposit_paid_before_the_horizon_is_not_in_it(project_factory) -> None:
    res = _results(project_factory, {**ROW, "deposit_share": 0.5, "order_month": "2026-11"})
    assert res.rows.capex_usd[0].sum() == pytest.approx(0.5 * 39_680.0)
