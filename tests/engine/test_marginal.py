"""A row's marginal NPV equals the fleet's NPV with it less the fleet's NPV without it."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain.price_profile import FourCpInterval
from planner.domain.project import Project
from planner.engine import compile_inputs, compute
from planner.engine.marginal import marginal_npv_usd
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


def _without(project: Project, name: str) -> float:
    fleet = [row for row in project.fleet if row.name != name]
    smaller = project.model_copy(update={"fleet": fleet})
    return float(compute(compile_inputs(smaller)).fleet_kpis.npv_usd[0])


def _check_against_removal(project: Project) -> np.ndarray:
    results = compute(compile_inputs(project))
    marginal = marginal_npv_usd(results)
    fleet_npv = float(results.fleet_kpis.npv_usd[0])
    for r, row in enumerate(project.fleet):
        assert marginal[r] == pytest.approx(fleet_npv - _without(project, row.name), abs=0.01)
    return marginal


def test_marginal_npv_is_the_fleet_with_less_without_on_the_sample() -> None:
    project = load_project(sample_project_path())
    marginal = _check_against_removal(project)
    results = compute(compile_inputs(project))
    # A row's own NPV carries an allocated share of the tax; what it adds differs.
    own = results.row_kpis.npv_usd
    assert np.abs(marginal - own).max() > 10_000


def test_marginal_npv_with_expiring_losses_and_quarterly_tax(project_factory) -> None:
    project = project_factory(
        fleet=[
            {"model": "S21", "count": 200, "purchase_month": "2027-06", "unit_price_usd": 900},
            {"model": "S19j Pro", "count": 300, "purchase_month": "2024-01", "unit_price_usd": 50},
            {"model": "S21", "count": 50, "purchase_month": "2028-09", "unit_price_usd": 4_000},
        ],
        site={"fixed_opex_usd_per_month": 20_000},
        finance={
            "horizon_months": 48,
            "tax_rate": 0.25,
            "fiscal_year_end_month": 3,
            "tax_payments": "quarterly",
            "loss_expiry_years": 1,
            "loss_offset_limit": 0.6,
            "g_and_a_usd_per_month": 5_000,
        },
    )
    _check_against_removal(project)


def test_marginal_npv_at_a_site_with_a_profile_4cp_and_demand_response(project_factory) -> None:
    """At an index site with a price profile, 4CP hours and 0.45 MW of demand response,
    removing a row takes its load out of the site's 4CP demand and, where the rigs left
    draw less than the enrolled MW, out of the demand-response pay: 100 S21 draw 367.5 kW
    and 50 S19j Pro 161.07 kW (with the 1.05 overhead), 528.57 kW together, so the pay is
    on 450 kW with both, on 367.5 kW without the S19j Pro (82.5 kW less) and on 161.07 kW
    without the first S21 batch (288.93 kW less). Each row's marginal NPV equals the
    fleet's NPV with it less that of a whole run without it."""
    from tests.engine.test_hourly_power import june_ladder, profile_2024

    project = project_factory(
        fleet=[
            {"model": "S21", "count": 100, "purchase_month": "2027-06"},
            {"model": "S19j Pro", "count": 50, "purchase_month": "2027-06"},
            {"model": "S21", "count": 40, "purchase_month": "2028-09", "unit_price_usd": 3_000},
        ],
        contract={"type": "index", "price_usd_per_kwh": 0.045, "adder_usd_per_kwh": 0.004},
        site={
            "price_profile": profile_2024(june_ladder(500, 150, (25.0, 60.0, 900.0)), scale=True),
            "fourcp_charge_usd_per_kw_year": 55.0,
            "fourcp_intervals": [
                FourCpInterval(month=7, day=20, hour=17, probability=0.6),
                FourCpInterval(month=8, day=12, hour=16, probability=0.4),
            ],
            "demand_response_mw": 0.45,
            "demand_response_usd_per_mw_month": 4_000.0,
            "fixed_opex_usd_per_month": 5_000,
        },
        finance={"horizon_months": 36, "tax_rate": 0.21, "auto_shutdown": True},
    )
    results = compute(compile_inputs(project))
    items = results.site_items
    assert items.fourcp_savings_usd.any() and items.demand_response_usd.any()
    assert results.row_power.curtailment_savings_usd.any()  # the rows run on strikes
    marginal = _check_against_removal(project)
    # The items moved with the row: without them the marginal NPVs would be off.
    from planner.engine.marginal import row_load_items_usd

    moved_usd = row_load_items_usd(results, np.arange(3))
    assert moved_usd[1, 0] == pytest.approx(0.0825 * 4_000.0)  # month 0, S19j Pro
    assert moved_usd[0, 0] == pytest.approx(0.28893 * 4_000.0)
    assert np.all(np.abs(marginal) > 0)
