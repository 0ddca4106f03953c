"""A row's marginal NPV equals the fleet's NPV with it less the fleet's NPV without it."""

from __future__ import annotations

import numpy as np
import pytest

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
