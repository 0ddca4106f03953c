"""Contracts, sites, retire and resale, depreciation, tax, and the engine's invariants."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from planner.domain.project import PowerContract, Site
from planner.engine import compile_inputs, compute, metrics, model, rows
from planner.engine.inputs import contract_price_path, grown_path
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

ONE_S21 = {"model": "S21", "count": 10, "purchase_month": "2026-01"}


def rows_of(project, **kw):
    return compute(compile_inputs(project, **kw), keep_rows=True)


def test_fixed_contract_escalates_on_each_anniversary() -> None:
    contract = PowerContract(
        name="c", type="fixed", price_usd_per_kwh=0.05, escalator_per_year=0.03
    )
    path = contract_price_path(contract, 30)
    assert np.all(path[:12] == 0.05)
    assert path[12:24] == pytest.approx([0.0515] * 12)
    assert path[24:] == pytest.approx([0.05 * 1.03**2] * 6)


def test_escalator_steps_on_the_contracts_own_anniversaries() -> None:
    """A contract signed in 2025-10 at 5.0 c/kWh with 10 %/yr, in a plan from 2026-12:
    its first anniversary (2026-10) is before the plan, so the plan starts at 5.5 c; it
    steps again in 2027-10 (month 10) and 2028-10 (month 22)."""
    start = date(2026, 12, 1)
    signed = PowerContract(
        name="c",
        price_usd_per_kwh=0.05,
        escalator_per_year=0.10,
        start_month=date(2025, 10, 1),
    )
    path = contract_price_path(signed, 24, start)
    assert path[:10] == pytest.approx([0.055] * 10)
    assert path[10:22] == pytest.approx([0.0605] * 12)
    assert path[22:] == pytest.approx([0.06655] * 2)
    # A contract that starts inside the plan: its rate until its first anniversary.
    later = signed.model_copy(update={"start_month": date(2027, 3, 1)})
    path = contract_price_path(later, 16, start)
    assert path[:15] == pytest.approx([0.05] * 15)  # 2026-12 to 2028-02
    assert path[15] == pytest.approx(0.055)  # 2028-03
    # Without a start month, the scenario's start: as before.
    plain = signed.model_copy(update={"start_month": None})
    assert contract_price_path(plain, 13, start)[[0, 11, 12]] == pytest.approx([0.05, 0.05, 0.055])


def test_index_contract_follows_the_path_then_holds_the_last_value() -> None:
    contract = PowerContract(
        name="c", type="index", index_path_usd_per_kwh=[0.03, 0.05, 0.04], adder_usd_per_kwh=0.005
    )
    assert contract_price_path(contract, 5) == pytest.approx([0.035, 0.055, 0.045, 0.045, 0.045])
    # A year of values: its seasons repeat after it (unless the contract holds the last).
    year = [0.03 + 0.001 * m for m in range(12)]
    seasonal = PowerContract(name="s", type="index", index_path_usd_per_kwh=year)
    assert contract_price_path(seasonal, 27) == pytest.approx(year + year + year[:3])
    held = seasonal.model_copy(update={"index_after_path": "hold"})
    assert contract_price_path(held, 14) == pytest.approx(year + [year[-1]] * 2)
    # 14 months: the last 12 (months 2-13) repeat.
    longer = seasonal.model_copy(update={"index_path_usd_per_kwh": [0.1, 0.2, *year]})
    assert contract_price_path(longer, 16) == pytest.approx([0.1, 0.2, *year, year[0], year[1]])
    flat = PowerContract(name="f", type="index", price_usd_per_kwh=0.04, adder_usd_per_kwh=0.01)
    assert contract_price_path(flat, 3) == pytest.approx([0.05, 0.05, 0.05])


def test_market_paths_grow_or_follow_the_user() -> None:
    assert grown_path(100.0, 0.21, [], 25)[[0, 12, 24]] == pytest.approx([100, 121, 146.41])
    path = grown_path(100.0, 0.21, [50.0, 60.0], 14)
    assert path[:2].tolist() == [50.0, 60.0]
    assert path[13] == pytest.approx(60.0 * 1.21)


def test_hosting_contract_ignores_the_site_overhead(project_factory) -> None:
    fixed = rows_of(project_factory(fleet=[ONE_S21], scenario={"start_month": "2026-01"}))
    hosted = rows_of(
        project_factory(
            fleet=[ONE_S21],
            scenario={"start_month": "2026-01"},
            contract={"type": "hosting", "price_usd_per_kwh": 0.06},
        )
    )
    # Same rate; the site's 1.05 overhead applies to the fixed contract only.
    ratio = fixed.fleet.energy_kwh[0] / hosted.fleet.energy_kwh[0]
    assert ratio == pytest.approx(np.full(24, 1.05), rel=1e-12)
    # 10 x 3.5 kW x 744 h x 97 % uptime in January.
    assert hosted.fleet.energy_kwh[0, 0] == pytest.approx(35 * 744 * 0.97, rel=1e-12)
    assert hosted.fleet.power_cost_usd[0, 0] == pytest.approx(35 * 744 * 0.97 * 0.06, rel=1e-12)


def test_curtailment_and_its_credit(project_factory) -> None:
    base = {"fleet": [ONE_S21], "scenario": {"start_month": "2026-01"}}
    plain = rows_of(project_factory(**base))
    curtailed = rows_of(
        project_factory(
            **base,
            contract={"curtailment_share": 0.10, "curtailment_credit_usd_per_mwh": 50.0},
        )
    )
    assert curtailed.fleet.btc_mined[0] == pytest.approx(plain.fleet.btc_mined[0] * 0.9, rel=1e-12)
    assert curtailed.fleet.power_cost_usd[0] == pytest.approx(
        plain.fleet.power_cost_usd[0] * 0.9, rel=1e-12
    )
    # Credit for the curtailed energy: 36.75 kW x 744 h x 0.97 x 10 % = 2,652.2 kWh at $50/MWh.
    assert curtailed.fleet.curtailment_credit_usd[0, 0] == pytest.approx(
        36.75 * 744 * 0.97 * 0.10 * 50 / 1000, rel=1e-12
    )
    ebitda = curtailed.fleet
    assert ebitda.ebitda_usd[0] == pytest.approx(
        ebitda.revenue_usd[0]
        + ebitda.curtailment_credit_usd[0]
        - ebitda.power_cost_usd[0]
        - ebitda.opex_usd[0],
        rel=1e-12,
    )


def test_demand_charge_fixed_opex_and_infrastructure_are_site_costs(project_factory) -> None:
    project = project_factory(
        fleet=[ONE_S21],
        scenario={"start_month": "2026-01"},
        contract={"demand_charge_usd_per_kw_month": 2.0},
        site={
            "capacity_mw": 5,
            "fixed_opex_usd_per_month": 10_000,
            "infrastructure_capex_usd": 360_000,
            "infrastructure_capex_month": "2026-03",
        },
        finance={"infrastructure_depreciation_years": 3},
    )
    res = rows_of(project)
    rows, site = res.rows, res.sites
    assert site.power_cost_usd[0] - rows.power_cost_usd.sum(axis=0) == pytest.approx(
        np.full(24, 10_000.0)  # 5 MW x 1,000 kW x $2
    )
    assert site.opex_usd[0] - rows.opex_usd.sum(axis=0) == pytest.approx(np.full(24, 10_000.0))
    assert site.capex_usd[0, 2] == 360_000 and site.capex_usd[0].sum() == 360_000
    infra_dep = site.depreciation_usd[0] - rows.depreciation_usd.sum(axis=0)
    assert infra_dep[:2].tolist() == [0.0, 0.0]
    assert infra_dep[2:] == pytest.approx(np.full(22, 10_000.0))  # 360,000 / 36 months
    assert site.free_cash_flow_usd[0] == pytest.approx(
        rows.free_cash_flow_usd.sum(axis=0) - 20_000 - site.capex_usd[0], rel=1e-12
    )


def test_retire_resale_and_terminal_value(project_factory) -> None:
    project = project_factory(
        fleet=[
            {
                **ONE_S21,
                "retire_month": "2026-07",
                "resale_usd_per_unit": 300,
                "terminal_value_usd_per_unit": 999,
            },
            {**ONE_S21, "terminal_value_usd_per_unit": 450},
            {
                **ONE_S21,
                "purchase_month": "2026-03",
                "online_month": "2026-05",
                "unit_price_usd": 1000,
            },
        ],
        scenario={"start_month": "2026-01"},
    )
    res = rows_of(project)
    retired, kept, late = 0, 1, 2
    assert np.all(res.rows.btc_mined[retired, :6] > 0) and np.all(
        res.rows.btc_mined[retired, 6:] == 0
    )
    assert res.rows.resale_usd[retired].tolist() == [0.0] * 6 + [3_000.0] + [0.0] * 17
    assert res.rows.resale_usd[kept, -1] == 4_500 and res.rows.resale_usd[kept].sum() == 4_500
    # Bought in March, online in May: capex in March, nothing mined before May.
    assert res.rows.capex_usd[late, 2] == 10_000 and res.rows.capex_usd[late].sum() == 10_000
    assert np.all(res.rows.btc_mined[late, :4] == 0) and res.rows.btc_mined[late, 4] > 0
    assert res.fleet.resale_usd[0].sum() == 3_000 + 4_500  # the late row has no terminal value


def test_depreciation_from_online_month_stops_at_retirement(project_factory) -> None:
    project = project_factory(
        fleet=[
            {**ONE_S21, "unit_price_usd": 3_060, "purchase_month": "2026-02"},
            {
                **ONE_S21,
                "unit_price_usd": 3_060,
                "purchase_month": "2026-02",
                "retire_month": "2026-08",
            },
            {**ONE_S21, "unit_price_usd": 3_600, "purchase_month": "2024-01"},
        ],
        scenario={"start_month": "2026-01"},
        finance={"depreciation_years": 2.55, "horizon_months": 40},  # 30.6 months
    )
    res = rows_of(project)
    dep = res.rows.depreciation_usd
    monthly = 30_600 / 30.6
    assert dep[0, 0] == 0 and dep[0, 1:31] == pytest.approx([monthly] * 30)
    assert dep[0, 31] == pytest.approx(0.6 * monthly)  # the partial last month
    assert dep[0].sum() == pytest.approx(30_600)  # never below zero book value
    assert dep[1].sum() == pytest.approx(6 * monthly)  # stops when sold
    # Online since 2024-01: 24 of 30.6 months already gone at the start.
    assert dep[2].sum() == pytest.approx(36_000 * 6.6 / 30.6)


def test_tax_carries_losses_forward_and_is_allocated_to_rows(project_factory) -> None:
    project = project_factory(
        fleet=[
            {**ONE_S21, "count": 100, "unit_price_usd": 2_000},
            {"model": "S19j Pro", "count": 100, "purchase_month": "2026-01", "unit_price_usd": 100},
        ],
        scenario={"start_month": "2026-01", "start_block_height": 900_000},
        site={"fixed_opex_usd_per_month": 5_000},
        finance={
            "tax_rate": 0.25,
            "depreciation_years": 0.5,
            "rig_tax_depreciation": "straight_line",
            "bonus_depreciation_share": 0,
            "loss_offset_limit": 1.0,
        },
    )
    res = rows_of(project)
    fleet = res.fleet
    # Straight line over half a year with the half-year convention: all of it in 2026.
    taxable = fleet.ebitda_usd[0] - fleet.tax_depreciation_usd[0]
    assert fleet.tax_depreciation_usd[0, :12].sum() == pytest.approx(210_000)
    loss, expected = 0.0, np.zeros(24)
    for year in range(2):  # calendar fiscal years, tax paid in December
        income = taxable[12 * year : 12 * year + 12].sum()
        used = min(loss, max(income, 0.0))
        expected[12 * year + 11] = 0.25 * max(income - used, 0.0)
        loss += max(-income, 0.0) - used
    assert taxable[:12].sum() < 0 < taxable[12:].sum(), "the case must have a loss, then profit"
    assert fleet.tax_usd[0] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert res.rows.tax_usd.sum(axis=0) == pytest.approx(fleet.tax_usd[0], rel=1e-12, abs=1e-9)
    assert np.all(res.rows.tax_usd >= 0)
    assert res.tax_loss_carried_usd[-1] == pytest.approx(loss)


def test_degradation_compounds_from_the_online_month(project_factory) -> None:
    project = project_factory(
        fleet=[{**ONE_S21, "degradation_per_year": 0.05, "purchase_month": "2025-01"}],
        scenario={"start_month": "2026-01", "pool_fee": 0},
        site={"uptime": 1.0},
    )
    res = rows_of(project)
    btc = res.rows.btc_mined[0]
    per_th = res.market.btc_per_th_month
    assert btc[0] == pytest.approx(2_000 * 0.95 * per_th[0], rel=1e-12)  # a year old
    assert btc[12] == pytest.approx(2_000 * 0.95**2 * per_th[12], rel=1e-12)


def test_rows_sites_and_fleet_add_up() -> None:
    project = load_project(sample_project_path())
    res = compute(compile_inputs(project), keep_rows=True)
    for name in model.SERIES_FIELDS:
        sites = getattr(res.sites, name)
        assert getattr(res.fleet, name)[0] == pytest.approx(sites.sum(axis=0), rel=1e-12, abs=1e-6)
    for name in (
        "btc_mined",
        "revenue_usd",
        "curtailment_credit_usd",
        "tax_usd",
        "resale_usd",
        "energy_kwh",
    ):
        assert getattr(res.rows, name).sum(axis=0) == pytest.approx(
            getattr(res.fleet, name)[0], rel=1e-12, abs=1e-6
        ), name
    # Capex is discounted from its month's start: (1.12)^(1/12) times its end-of-month value.
    end_factors = 1.12 ** (-(np.arange(60) + 1) / 12)
    fcf_pv = float(res.rows.free_cash_flow_usd.sum(axis=0) @ end_factors)
    capex_pv = float(res.rows.capex_usd.sum(axis=0) @ end_factors)
    assert capex_pv > 1e6
    assert res.row_kpis.npv_usd.sum() == pytest.approx(fcf_pv - (1.12 ** (1 / 12) - 1) * capex_pv)


def test_chunking_and_kept_rows_do_not_change_answers(monkeypatch) -> None:
    from planner.benchmark import synthetic_project

    inputs = compile_inputs(synthetic_project(500, 36, seed=11))
    reference = compute(inputs, keep_rows=True)
    monkeypatch.setattr(rows, "CHUNK_CELLS", 36 * 7)
    monkeypatch.setattr(rows, "KPI_BLOCK_ROWS", 64)
    monkeypatch.setattr(metrics, "PAYBACK_BLOCK_ROWS", 48)
    chunked = compute(inputs)
    for name in model.Kpis.__dataclass_fields__:
        np.testing.assert_allclose(
            getattr(chunked.row_kpis, name),
            getattr(reference.row_kpis, name),
            rtol=1e-10,
            err_msg=name,
        )
    np.testing.assert_allclose(
        chunked.sites.free_cash_flow_usd, reference.sites.free_cash_flow_usd, rtol=1e-12
    )
    np.testing.assert_allclose(
        chunked.row_free_cash_flow(), reference.rows.free_cash_flow_usd, rtol=1e-12, atol=1e-6
    )
    np.testing.assert_array_equal(
        chunked.breakevens.unprofitable_from_month, reference.breakevens.unprofitable_from_month
    )


def test_two_threads_give_the_answers_of_one(monkeypatch) -> None:
    """A big fleet is worked in two halves at once; the answers are those of one pass."""
    from planner.benchmark import synthetic_project

    inputs = compile_inputs(synthetic_project(700, 48, seed=5))
    monkeypatch.setattr(rows, "CHUNK_CELLS", 48 * 16)  # many chunks, sites split across halves
    monkeypatch.setattr(rows, "KPI_BLOCK_ROWS", 100)
    monkeypatch.setattr(rows, "PARALLEL_FROM_CELLS", 10**12)
    one = compute(inputs, keep_rows=True)
    monkeypatch.setattr(rows, "PARALLEL_FROM_CELLS", 0)
    assert len(rows.split_work(700 * 48, list(range(0, 700, 16)))) == 2
    two = compute(inputs, keep_rows=True)
    for name in model.Kpis.__dataclass_fields__:
        np.testing.assert_allclose(
            getattr(two.row_kpis, name), getattr(one.row_kpis, name), rtol=1e-12, err_msg=name
        )
    for name in model.SERIES_FIELDS:
        np.testing.assert_allclose(
            getattr(two.sites, name), getattr(one.sites, name), rtol=1e-12, atol=1e-9
        )
        np.testing.assert_allclose(
            getattr(two.rows, name), getattr(one.rows, name), rtol=1e-12, atol=1e-9
        )
    np.testing.assert_allclose(two.site_load_mw, one.site_load_mw, rtol=1e-12)
    assert two.fleet_kpis.npv_usd[0] == pytest.approx(one.fleet_kpis.npv_usd[0], rel=1e-12)


def test_site_order_in_the_fleet_does_not_matter(project_factory) -> None:
    extra = PowerContract(name="Cheap", price_usd_per_kwh=0.03)
    other = Site(name="Other", contract="Cheap", capacity_mw=10, uptime=0.95)
    fleet = [
        {**ONE_S21, "site": "Other"},
        {**ONE_S21, "count": 7},
        {**ONE_S21, "site": "Other", "count": 3},
    ]
    project = project_factory(fleet=[], extra_sites=[other], extra_contracts=[extra])
    project = project.model_copy(
        update={
            "fleet": [
                row.model_copy(update={"name": f"r{i}"})
                for i, row in enumerate(
                    project_factory(fleet=fleet, extra_sites=[other], extra_contracts=[extra]).fleet
                )
            ]
        }
    )
    res = rows_of(project)
    assert res.inputs.row_sites == ("Other", "Site", "Other")
    assert res.rows.btc_mined[1] == pytest.approx(
        res.rows.btc_mined[0] * 0.7 * 0.97 / 0.95, rel=1e-12
    )
    assert res.sites.btc_mined[1] == pytest.approx(
        res.rows.btc_mined[0] + res.rows.btc_mined[2], rel=1e-12
    )


def test_sample_project_is_a_mid_size_miner() -> None:
    project = load_project(sample_project_path())
    assert {s.name for s in project.scenarios} == {"Base", "Bear", "Bull"}
    assert len(project.sites) == 3
    assert {c.type for c in project.contracts} == {"fixed", "hosting", "index"}
    assert 8 <= len(project.fleet) <= 12
    assert 18_000 <= sum(r.count for r in project.fleet) <= 22_000
    models = {r.model for r in project.fleet}
    assert "Antminer S19j Pro" in models and "Antminer S21 XP Hyd" in models
    npvs = {
        name: compute(compile_inputs(project, name)).fleet_kpis.npv_usd[0]
        for name in ("Bear", "Base", "Bull")
    }
    assert npvs["Bear"] < npvs["Base"] < npvs["Bull"]


def test_compiled_rows_are_read_again_only_when_changed() -> None:
    """Compile keeps each row's figures by row object: an edited row (a new object) is
    read again, the others are not, and the arrays equal a compile from nothing."""
    from planner.benchmark import synthetic_project
    from planner.domain import editing
    from planner.engine import inputs as inputs_module

    project = synthetic_project(300, 24, seed=3)
    compile_inputs(project)
    edited = editing.set_cells(project, "fleet", [(7, "count", "1234"), (9, "retire_month", "")])
    read: list[str] = []
    original = inputs_module._figures_of

    def counting(row):
        read.append(row.name)
        return original(row)

    inputs_module._figures_of = counting
    try:
        again = compile_inputs(edited)
    finally:
        inputs_module._figures_of = original
    assert read == [edited.fleet[7].name] + (
        [edited.fleet[9].name] if edited.fleet[9] is not project.fleet[9] else []
    )
    assert again.count[7] == 1234
    inputs_module._FIGURES[0] = {}
    fresh = compile_inputs(edited)
    for field in (
        "count",
        "unit_price_usd",
        "purchase_idx",
        "online_idx",
        "retire_idx",
        "resale_usd_per_unit",
        "terminal_value_usd_per_unit",
        "degradation_per_year",
        "hashrate_th",
        "power_w",
        "site_idx",
    ):
        np.testing.assert_array_equal(getattr(again, field), getattr(fresh, field), err_msg=field)
