"""The bridge from the rows' NPVs to the fleet's, worked by hand."""

from __future__ import annotations

import pytest

from planner.engine import compile_inputs, compute
from planner.engine.bridge import bridge_of
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


def test_the_sample_bridge_sums_to_the_fleet_npv_to_the_dollar() -> None:
    results = compute(compile_inputs(load_project(sample_project_path())))
    lines = bridge_of(results)
    assert [line.kind for line in lines[: len(results.inputs.row_names)]] == ["row"] * 11
    assert sum(line.npv_usd for line in lines) == pytest.approx(
        float(results.fleet_kpis.npv_usd[0]), abs=0.01
    )
    # The gap the rows leave is the sites' own items: more than $20M on the sample.
    site_items = sum(line.npv_usd for line in lines if line.kind == "site")
    assert site_items < -20e6


def test_site_items_and_g_and_a_by_hand(project_factory) -> None:
    project = project_factory(
        fleet=[{"model": "S21", "count": 10, "purchase_month": "2027-06"}],
        contract={"demand_charge_usd_per_kw_month": 1.0},
        site={
            "capacity_mw": 2,
            "fixed_opex_usd_per_month": 10_000,
            "infrastructure_capex_usd": 500_000,
            "infrastructure_capex_month": "2027-08",
        },
        finance={"tax_rate": 0.21, "g_and_a_usd_per_month": 3_000, "horizon_months": 24},
    )
    results = compute(compile_inputs(project))
    lines = {line.label: line for line in bridge_of(results)}
    factors = [1.10 ** (-(t + 1) / 12) for t in range(24)]
    annuity = sum(factors)
    assert lines["Site: demand charges"].npv_usd == pytest.approx(-2_000 * annuity)
    assert lines["Site: fixed opex"].npv_usd == pytest.approx(-10_000 * annuity)
    # Capex at the start of its month (month 2): discounted over two months, not three.
    assert lines["Site: infrastructure capex"].npv_usd == pytest.approx(
        -500_000 * 1.10 ** (-2 / 12)
    )
    assert lines["Corporate G&A"].npv_usd == pytest.approx(-3_000 * annuity)
    assert lines["Row 0"].npv_usd == pytest.approx(float(results.row_kpis.npv_usd[0]))
    total = sum(line.npv_usd for line in lines.values())
    assert total == pytest.approx(float(results.fleet_kpis.npv_usd[0]), abs=1e-6)


def test_keep_mining_reconciles_with_the_sites_npv_and_convert_splits() -> None:
    from planner.engine.hpc import analyse_conversions

    project = load_project(sample_project_path())
    results = compute(compile_inputs(project))
    analysis = analyse_conversions(project, results)
    assert analysis.sites
    for site in analysis.sites:
        lines = site.keep_reconciliation(results)
        assert lines[0][1] == pytest.approx(float(results.site_kpis.npv_usd[site.site_index]))
        assert sum(value for _label, value in lines) == pytest.approx(site.keep_npv_usd, abs=0.01)
        assert lines[2][1] > 0  # the site's value as a mining site at the horizon
        parts = site.convert_operations_npv_usd + site.convert_value_at_horizon_npv_usd
        assert parts == pytest.approx(site.convert_npv_usd, abs=0.01)
        assert site.convert_value_at_horizon_npv_usd > 0
