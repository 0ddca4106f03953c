"""The bridge from the rows' NPVs to the fleet's, worked by hand."""

from __future__ import annotations

import pytest

from planner.domain.price_profile import FourCpInterval
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
    # The gap the rows leave is the sites' own items: more than $20M of costs on the
    # sample, less the ERCOT site's 4CP savings and demand-response pay (income).
    site_lines = {line.label: line.npv_usd for line in lines if line.kind == "site"}
    income = ("Pecos, TX: 4CP savings", "Pecos, TX: demand-response pay")
    assert all(site_lines[label] > 0 for label in income)
    assert sum(v for k, v in site_lines.items() if k not in income) < -20e6


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


def test_power_sales_4cp_savings_and_demand_response_in_the_bridge(project_factory) -> None:
    """A fixed contract at $0.05 that resells at the hour's price less $2/MWh, a profile
    whose June has 120 hours at $300/MWh (the S21s earn $0.125 a kWh, so they sell those),
    a $50/kW-year 4CP charge with July 20 at 17:00 listed, and 0.3 MW of demand response
    at $5,000 a MW-month, over 24 months from June 2027 (10 % a year).

    100 S21 draw 100 x 3.5 kW x 1.05 = 367.5 kW. Demand response: 0.3 MW x $5,000 =
    $1,500 every month. 4CP: 2027's expected demand 1 x 367.5 / 4 = 91.875 kW, avoided at
    $50: $4,593.75 billed over 2028, $382.8125 a month (months 7 to 18); 2028's July the
    same, billed in January to May 2029 (months 19 to 23). The power sold is in the rows'
    NPVs (their EBITDA); the site lines carry the two incomes at their value before tax,
    and the lines still add up to the fleet's NPV."""
    from tests.engine.test_hourly_power import june_ladder, profile_2024

    project = project_factory(
        fleet=[{"model": "S21", "count": 100, "purchase_month": "2027-06"}],
        contract={
            "type": "fixed",
            "price_usd_per_kwh": 0.05,
            "resale_allowed": True,
            "resale_fee_usd_per_mwh": 2.0,
        },
        site={
            "uptime": 1.0,
            "price_profile": profile_2024(june_ladder(600, 0, (20.0, 20.0, 300.0))),
            "fourcp_charge_usd_per_kw_year": 50.0,
            "fourcp_intervals": [FourCpInterval(month=7, day=20, hour=17)],
            "demand_response_mw": 0.3,
            "demand_response_usd_per_mw_month": 5_000.0,
        },
        finance={"tax_rate": 0.21, "horizon_months": 24},
    )
    results = compute(compile_inputs(project))
    assert results.row_power.power_sales_usd[0] > 0
    lines = {line.label: line for line in bridge_of(results)}
    factors = [1.10 ** (-(t + 1) / 12) for t in range(24)]
    assert lines["Site: demand-response pay"].npv_usd == pytest.approx(1_500 * sum(factors))
    assert lines["Site: 4CP savings"].npv_usd == pytest.approx(382.8125 * sum(factors[7:]))
    assert lines["Site: 4CP savings"].kind == "site"
    assert lines["Row 0"].npv_usd == pytest.approx(float(results.row_kpis.npv_usd[0]))
    total = sum(line.npv_usd for line in lines.values())
    assert total == pytest.approx(float(results.fleet_kpis.npv_usd[0]), abs=1e-6)
    # Without the two site items the rows alone would miss their value.
    rows_and_costs = total - lines["Site: demand-response pay"].npv_usd
    rows_and_costs -= lines["Site: 4CP savings"].npv_usd
    assert float(results.fleet_kpis.npv_usd[0]) - rows_and_costs > 10_000
