"""Scenarios side by side, the tornado and the two-way table are the engine's answers."""

from __future__ import annotations

import pytest

from planner.engine import run
from planner.engine.sensitivity import DRIVERS, compare_scenarios, moved, tornado, two_way
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def test_every_scenario_is_computed(sample) -> None:
    compared = compare_scenarios(sample)
    assert [name for name, _r in compared] == ["Base", "Bear", "Bull"]
    for name, results in compared:
        assert results.fleet_kpis.npv_usd[0] == run(sample, name).fleet_kpis.npv_usd[0]
    npv = {name: r.fleet_kpis.npv_usd[0] for name, r in compared}
    assert npv["Bear"] < npv["Base"] < npv["Bull"]


def _by_hand(sample, key: str, delta: float):
    """The same move written out field by field, independently of the driver code."""
    s = sample.scenario()
    if key == "btc_price":
        s = s.model_copy(update={"btc_price_usd": s.btc_price_usd * (1 + delta)})
    elif key == "btc_price_growth":
        s = s.model_copy(update={"btc_price_growth_per_year": s.btc_price_growth_per_year + delta})
    elif key == "network_growth":
        s = s.model_copy(
            update={"network_hashrate_growth_per_year": s.network_hashrate_growth_per_year + delta}
        )
    elif key == "fees":
        s = s.model_copy(update={"fees_btc_per_block": s.fees_btc_per_block * (1 + delta)})
    elif key == "pool_fee":
        s = s.model_copy(update={"pool_fee": s.pool_fee + delta})
    project = sample.model_copy(
        update={"scenarios": [s if x.name == s.name else x for x in sample.scenarios]}
    )
    if key == "power_price":
        project = project.model_copy(
            update={
                "contracts": [
                    c.model_copy(
                        update={
                            "price_usd_per_kwh": c.price_usd_per_kwh * (1 + delta),
                            "adder_usd_per_kwh": c.adder_usd_per_kwh * (1 + delta),
                            "index_path_usd_per_kwh": [
                                p * (1 + delta) for p in c.index_path_usd_per_kwh
                            ],
                        }
                    )
                    for c in project.contracts
                ]
            }
        )
    if key == "capex":
        project = project.model_copy(
            update={
                "fleet": [
                    r.model_copy(update={"unit_price_usd": r.unit_price_usd * (1 + delta)})
                    for r in project.fleet
                ],
                "sites": [
                    x.model_copy(
                        update={
                            "infrastructure_capex_usd": x.infrastructure_capex_usd * (1 + delta)
                        }
                    )
                    for x in project.sites
                ],
            }
        )
    if key == "uptime":
        project = project.model_copy(
            update={
                "sites": [
                    x.model_copy(update={"uptime": min(1.0, x.uptime + delta)})
                    for x in project.sites
                ]
            }
        )
    return project


def test_tornado_bars_are_the_engines_npvs_at_the_moved_inputs(sample) -> None:
    result = tornado(sample)
    assert result.base_npv_usd == run(sample).fleet_kpis.npv_usd[0]
    assert {b.key for b in result.bars} == {d.key for d in DRIVERS}
    swings = [b.swing_usd for b in result.bars]
    assert swings == sorted(swings, reverse=True)
    for bar in result.bars:
        low = run(_by_hand(sample, bar.key, -bar.step)).fleet_kpis
        high = run(_by_hand(sample, bar.key, bar.step)).fleet_kpis
        assert bar.npv_low_usd == pytest.approx(low.npv_usd[0], rel=1e-12), bar.key
        assert bar.npv_high_usd == pytest.approx(high.npv_usd[0], rel=1e-12), bar.key
    by_key = {b.key: b for b in result.bars}
    assert by_key["btc_price"].npv_high_usd > result.base_npv_usd > by_key["btc_price"].npv_low_usd
    assert by_key["power_price"].npv_high_usd < by_key["power_price"].npv_low_usd


def test_user_steps_move_by_that_much(sample) -> None:
    result = tornado(sample, {"btc_price": 0.5})
    bar = next(b for b in result.bars if b.key == "btc_price")
    assert bar.step == 0.5
    assert bar.npv_high_usd == run(moved(sample, "btc_price", 0.5)).fleet_kpis.npv_usd[0]


def test_two_way_table_cells_are_engine_runs(sample) -> None:
    table = two_way(sample, (0.8, 1.0, 1.25), (0.9, 1.0))
    assert table.npv_usd.shape == (3, 2)
    assert table.npv_usd[1, 1] == pytest.approx(run(sample).fleet_kpis.npv_usd[0], rel=1e-12)
    cell = run(_by_hand(_by_hand(sample, "btc_price", 0.25), "power_price", -0.1))
    assert table.npv_usd[2, 0] == pytest.approx(cell.fleet_kpis.npv_usd[0], rel=1e-12)
    assert (table.npv_usd[:, 0] >= table.npv_usd[:, 1]).all()  # cheaper power, higher NPV
    assert (table.npv_usd[1:, 0] > table.npv_usd[:-1, 0]).all()  # higher price, higher NPV
