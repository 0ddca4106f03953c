"""Edge cases found in review: each once gave a wrong number, a hang or a NaN."""

from __future__ import annotations

import time

import numpy as np
import numpy_financial as npf
import pytest

from planner.domain import ProjectValidationError, validate_project
from planner.engine import compile_inputs, compute, metrics, run
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

ONE_S21 = {"model": "S21", "count": 1_000, "purchase_month": "2024-01"}


def test_infrastructure_bought_before_the_horizon_keeps_depreciating(project_factory) -> None:
    site = {"infrastructure_capex_usd": 3_600_000, "infrastructure_capex_month": "2026-11"}
    project = project_factory(
        fleet=[ONE_S21],
        site=site,
        scenario={"start_month": "2026-12"},
        finance={"horizon_months": 36, "tax_rate": 0.21, "infrastructure_depreciation_years": 3},
    )
    res = compute(compile_inputs(project), keep_rows=True)
    infra = res.sites.depreciation_usd[0] - res.rows.depreciation_usd.sum(axis=0)
    # $100,000 a month from 2026-11; 35 of its 36 months fall in the horizon.
    assert infra[:35] == pytest.approx(np.full(35, 100_000.0))
    assert infra[35] == pytest.approx(0.0)
    assert res.sites.capex_usd[0].sum() == 0.0  # paid before the horizon


def test_very_short_block_times_do_not_hang(project_factory) -> None:
    project = project_factory(
        fleet=[ONE_S21], scenario={"block_time_s": 0.001}, finance={"horizon_months": 600}
    )
    start = time.perf_counter()
    res = run(project)
    assert time.perf_counter() - start < 5.0
    assert res.inputs.timeline.subsidy_btc[-1] == 0.0  # every era spent


def test_a_row_far_in_the_future_leaves_the_fleet_finite(project_factory) -> None:
    project = project_factory(
        fleet=[
            ONE_S21,
            {"model": "S21", "count": 5, "purchase_month": "2400-01", "degradation_per_year": 0.5},
        ]
    )
    res = run(project)
    assert np.isfinite(res.fleet.free_cash_flow_usd).all()
    assert np.isfinite(res.fleet_kpis.npv_usd).all()


def test_deeply_negative_irr_is_found() -> None:
    flows = np.array([-500.0] * 59 + [700.0])
    annual = metrics.irr_annual(flows)
    assert annual == pytest.approx(-0.99845, abs=1e-5)
    assert annual == pytest.approx((1 + npf.irr(flows)) ** 12 - 1, rel=1e-9)


def test_no_irr_where_cash_never_went_negative() -> None:
    project = load_project(sample_project_path())
    res = run(project)
    ohio = res.inputs.site_names.index("Hosted - Ohio")
    assert res.site_kpis.payback_status[ohio] == metrics.NEVER_NEGATIVE
    assert np.isnan(res.site_irr_annual[ohio])
    flows = res.sites.free_cash_flow_usd[ohio]
    assert metrics.sign_changes(flows) >= 1  # a rate exists, but it is not a return


def test_terminal_value_of_rigs_owned_but_not_yet_online(project_factory) -> None:
    project = project_factory(
        fleet=[
            {
                "model": "S21",
                "count": 120,
                "unit_price_usd": 2_500,
                "purchase_month": "2028-04",
                "online_month": "2028-07",
                "terminal_value_usd_per_unit": 2_500,
            }
        ],
        finance={"horizon_months": 12},
    )
    res = compute(compile_inputs(project), keep_rows=True)
    assert res.rows.capex_usd[0].sum() == 300_000
    assert res.rows.resale_usd[0, -1] == 300_000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discount_rate_per_year", 12, "finance.discount_rate_per_year: must be <= 1, got 12"),
        (
            "discount_rate_per_year",
            -0.05,
            "finance.discount_rate_per_year: must be >= 0, got -0.05",
        ),
    ],
)
def test_percent_typed_as_a_whole_number_is_refused(field, value, message) -> None:
    data = load_project(sample_project_path()).model_dump(mode="json")
    data["finance"][field] = value
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    assert str(caught.value) == message
