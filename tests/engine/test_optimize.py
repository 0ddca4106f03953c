"""Best buy: HiGHS's answer equals brute-force enumeration; a 20 x 5 case solves fast."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from planner.domain.project import FleetRow
from planner.engine import run
from planner.engine.optimize import (
    BuyCandidate,
    BuyProblem,
    best_buy,
    build_problem,
    evaluate_plan,
    solve,
    value_at_horizon_usd,
)
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


def _brute_force(problem: BuyProblem) -> float:
    m_count, s_count = problem.value_usd.shape
    limits = []
    for m in range(m_count):
        for s in range(s_count):
            bound = min(
                problem.budget_usd / problem.price_usd[m],
                problem.free_mw[s] / problem.load_mw[m, s],
            )
            limits.append(range(int(bound) + 1))
    best = -np.inf
    for counts in itertools.product(*limits):
        x = np.array(counts).reshape(m_count, s_count)
        if (x.sum(axis=1) * problem.price_usd).sum() > problem.budget_usd + 1e-9:
            continue
        if ((x * problem.load_mw).sum(axis=0) > problem.free_mw + 1e-12).any():
            continue
        best = max(best, float((x * problem.value_usd).sum()))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_small_case_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    problem = BuyProblem(
        models=("A", "B", "C"),
        sites=("X", "Y"),
        value_usd=rng.uniform(-200, 1_000, (3, 2)).round(2),
        price_usd=rng.uniform(1_000, 4_000, 3).round(0),
        load_mw=rng.uniform(0.003, 0.006, (3, 2)),
        budget_usd=10_000.0,
        free_mw=np.array([0.012, 0.02]),
        max_count=np.full(3, np.inf),
    )
    plan = solve(problem)
    assert plan.npv_usd == pytest.approx(_brute_force(problem), abs=1e-6)
    assert plan.capex_usd <= problem.budget_usd
    assert (plan.mw_used <= problem.free_mw + 1e-12).all()


def test_sample_best_buy_and_alternatives() -> None:
    sample = load_project(sample_project_path())
    candidates = [
        BuyCandidate("Antminer S21 XP", 2_500),
        BuyCandidate("Antminer S21 Pro", 2_000),
        BuyCandidate("Whatsminer M63S", 3_000, max_count=500),
    ]  # quotes at which some purchase pays on the sample's market
    problem = build_problem(sample, candidates, 5_000_000)
    answer = best_buy(problem)
    assert answer.best.capex_usd <= 5_000_000
    assert answer.best.npv_usd >= max((a.npv_usd for a in answer.alternatives), default=-np.inf)
    for plan in answer.alternatives:
        m = problem.models.index(plan.excluded[0])
        s = problem.sites.index(plan.excluded[1])
        assert plan.counts[m, s] == 0
    assert (answer.best.counts[2].sum()) <= 500
    outcome = evaluate_plan(sample, problem, answer.best)
    # The engine's NPV of the whole purchase is near the sum of the per-rig values (the
    # fleet's tax and its loss carry-forward make it not exactly additive).
    assert outcome.npv_usd == pytest.approx(answer.best.npv_usd, rel=0.15)
    assert outcome.incremental_usd[0] < 0  # the rigs are paid for in the first month


def test_twenty_models_by_five_sites_solves_within_a_second() -> None:
    rng = np.random.default_rng(20)
    problem = BuyProblem(
        models=tuple(f"M{i}" for i in range(20)),
        sites=tuple(f"S{j}" for j in range(5)),
        value_usd=rng.uniform(-500, 3_000, (20, 5)),
        price_usd=rng.uniform(1_500, 8_000, 20),
        load_mw=rng.uniform(0.003, 0.007, (20, 5)),
        budget_usd=25_000_000.0,
        free_mw=rng.uniform(5, 40, 5),
        max_count=np.where(rng.uniform(size=20) < 0.3, 800, np.inf),
    )
    started = time.perf_counter()
    plan = solve(problem)
    seconds = time.perf_counter() - started
    print(f"20 x 5 best buy solved in {seconds * 1000:.0f} ms")
    assert plan.capex_usd <= problem.budget_usd + 1e-6
    assert plan.npv_usd > 0


def test_a_rig_is_valued_by_what_it_adds_with_its_value_at_the_horizon() -> None:
    sample = load_project(sample_project_path())
    problem = build_problem(
        sample, [BuyCandidate("Antminer S21 XP", 6_500)], 1e9, sites=["Pecos, TX"]
    )
    rig = FleetRow(
        name="one more",
        model="Antminer S21 XP",
        site="Pecos, TX",
        count=1,
        unit_price_usd=6_500,
        purchase_month=sample.scenario().start_month,
        terminal_value_usd_per_unit=value_at_horizon_usd(sample, "Antminer S21 XP"),
    )
    with_rig = sample.model_copy(update={"fleet": [*sample.fleet, rig]})
    added = float(run(with_rig).fleet_kpis.npv_usd[0] - run(sample).fleet_kpis.npv_usd[0])
    assert problem.value_usd[0, 0] == pytest.approx(added, abs=0.01)
    # The curve's value: $12/TH (the tier up to 19 J/TH) of its nameplate hashrate.
    xp = next(m for m in sample.catalog if m.name == "Antminer S21 XP")
    tier = min(
        (t for t in sample.resale_curve if xp.efficiency_j_per_th <= t.max_j_per_th),
        key=lambda t: t.max_j_per_th,
    )
    assert value_at_horizon_usd(sample, xp.name) == pytest.approx(tier.usd_per_th * xp.hashrate_th)


def test_no_rig_goes_to_a_site_that_cannot_cool_it() -> None:
    """The sample's sites state their cooling (Pecos and Hosted air, Williston hydro): the
    best buy puts hydro rigs only at Williston and air rigs only at the air sites, however
    much the mix would add elsewhere; a site with no stated cooling takes both."""
    project = load_project(sample_project_path())
    assert {s.name: s.cooling for s in project.sites} == {
        "Pecos, TX": "air",
        "Hosted - Ohio": "air",
        "Williston, ND": "hydro",
    }
    candidates = [
        BuyCandidate("Antminer S21 XP Hyd", 7_000.0),
        BuyCandidate("Antminer S21 XP", 5_500.0),
    ]
    problem = build_problem(project, candidates, 40_000_000)
    assert problem.fits is not None
    assert problem.fits.tolist() == [[False, False, True], [True, True, False]]
    answer = best_buy(problem)
    cooling = {m.name: m.cooling for m in project.catalog}
    sites = {s.name: s for s in project.sites}
    for plan in (answer.best, *answer.alternatives):
        for model, site, count in plan.mix(problem):
            assert count > 0 and sites[site].takes(cooling[model]), (model, site)
    # A site that states no cooling takes both.
    open_sites = [s.model_copy(update={"cooling": None}) for s in project.sites]
    loose = build_problem(project.model_copy(update={"sites": open_sites}), candidates, 4e7)
    assert loose.fits is not None and loose.fits.all()


def test_a_row_at_a_site_that_cannot_cool_it_is_a_warning() -> None:
    from planner.engine.warnings import plan_warnings

    project = load_project(sample_project_path())
    assert plan_warnings(run(project), project) == []
    fleet = list(project.fleet)
    hyd = next(i for i, r in enumerate(fleet) if r.model == "Antminer S21 Hyd")
    fleet[hyd] = fleet[hyd].model_copy(update={"site": "Pecos, TX"})
    moved = project.model_copy(update={"fleet": fleet})
    warnings = [w for w in plan_warnings(run(moved), moved) if w.key == "site"]
    assert [(w.section, w.row) for w in warnings] == [("fleet", hyd)]
    assert warnings[0].message == (
        f"fleet row {fleet[hyd].name!r}: hydro-cooled Antminer S21 Hyd at 'Pecos, TX', "
        "an air-cooled site"
    )
