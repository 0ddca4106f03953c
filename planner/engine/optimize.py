"""Best buy for the sites: how many rigs of which candidate models, within a capex budget
and each site's free MW, maximize the fleet's NPV. An integer program solved by HiGHS
(highspy, the solver behind scipy.optimize.milp).

Each rig's value is the NPV it adds to the fleet (its marginal NPV: the company's tax
refiled without it) as a fleet row bought in the purchase month at that site and still
owned at the horizon, worth there what the project's resale curve says (as swaps value
their new rigs), from one engine run with every (model, site) candidate added as a
one-rig row; the objective is linear in the counts. A site's free MW is its capacity
less the most its current rigs draw (with cooling overhead) in any month of the horizon.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import highspy
import numpy as np

from planner.domain.project import FleetRow, Project
from planner.engine import run
from planner.engine.model import Results
from planner.engine.swaps import resale_usd_per_th

KIND_INTEGER = highspy.HighsVarType.kInteger


@dataclass(frozen=True)
class BuyCandidate:
    model: str
    unit_price_usd: float
    max_count: int | None = None  # what the supplier can deliver (all sites together)


@dataclass(frozen=True)
class BuyProblem:
    """The integer program: values and loads per (model, site), budget and free MW."""

    models: tuple[str, ...]
    sites: tuple[str, ...]
    value_usd: np.ndarray  # (M, S) NPV each rig adds
    price_usd: np.ndarray  # (M,)
    load_mw: np.ndarray  # (M, S) MW one rig draws at the site (cooling included)
    budget_usd: float
    free_mw: np.ndarray  # (S,)
    max_count: np.ndarray  # (M,) inf when unlimited
    fits: np.ndarray | None = None  # (M, S) whether the model's cooling is the site's


@dataclass(frozen=True)
class BuyPlan:
    counts: np.ndarray  # (M, S)
    npv_usd: float  # the objective: NPV the purchase adds
    capex_usd: float
    mw_used: np.ndarray  # (S,)
    solve_seconds: float
    excluded: tuple[str, str] | None = None  # for an alternative: the pair left out

    def mix(self, problem: BuyProblem) -> list[tuple[str, str, int]]:
        return [
            (problem.models[m], problem.sites[s], int(self.counts[m, s]))
            for m, s in zip(*np.nonzero(self.counts), strict=True)
        ]


@dataclass(frozen=True)
class BuyAnswer:
    problem: BuyProblem
    best: BuyPlan
    alternatives: tuple[BuyPlan, ...] = field(default_factory=tuple)  # next best, best first


def free_mw(project: Project, results: Results | None = None) -> dict[str, float]:
    """Each site's capacity less its rigs' peak draw over the horizon (never below 0).

    `results`, when given, are the engine's results of `project` (saves a run)."""
    results = results if results is not None else run(project)
    peak = results.site_load_mw.max(axis=1) if results.site_load_mw.size else np.zeros(0)
    return {
        s.name: max(0.0, s.capacity_mw - float(peak[i]) if peak.size else s.capacity_mw)
        for i, s in enumerate(project.sites)
    }


def value_at_horizon_usd(project: Project, model: str) -> float:
    """What one rig of `model` still owned at the horizon is worth: the project's resale
    curve at its efficiency, times its hashrate."""
    rig = next(m for m in project.catalog if m.name == model)
    return resale_usd_per_th(project.resale_curve, rig.efficiency_j_per_th) * rig.hashrate_th


def build_problem(
    project: Project,
    candidates: Sequence[BuyCandidate],
    budget_usd: float,
    purchase_month: date | None = None,
    sites: Sequence[str] | None = None,
    free: dict[str, float] | None = None,
) -> BuyProblem:
    """Value every candidate model at every site with one engine run."""
    names = list(sites) if sites is not None else [s.name for s in project.sites]
    month = purchase_month or project.scenario().start_month
    rows = [
        FleetRow(
            name=f"candidate {c.model} @ {site}",
            model=c.model,
            site=site,
            count=1,
            unit_price_usd=c.unit_price_usd,
            purchase_month=month,
            terminal_value_usd_per_unit=value_at_horizon_usd(project, c.model),
        )
        for c in candidates
        for site in names
    ]
    trial = project.model_copy(update={"fleet": [*project.fleet, *rows]})
    results = run(trial)
    first = len(project.fleet)
    value = results.marginal_npv_usd[first:].reshape(len(candidates), len(names))
    free = free if free is not None else free_mw(project)
    return BuyProblem(
        models=tuple(c.model for c in candidates),
        sites=tuple(names),
        value_usd=value,
        price_usd=np.array([c.unit_price_usd for c in candidates], dtype=float),
        load_mw=_load_mw(project, candidates, names),
        budget_usd=float(budget_usd),
        free_mw=np.array([free[site] for site in names], dtype=float),
        max_count=np.array(
            [math.inf if c.max_count is None else c.max_count for c in candidates], dtype=float
        ),
        fits=_fits(project, candidates, names),
    )


def _fits(project: Project, candidates: Sequence[BuyCandidate], sites: Sequence[str]) -> np.ndarray:
    """(M, S) whether each candidate's cooling is what the site has (any, if unstated)."""
    cooling = {m.name: m.cooling for m in project.catalog}
    by_site = {s.name: s for s in project.sites}
    return np.array([[by_site[s].takes(cooling[c.model]) for s in sites] for c in candidates])


def _load_mw(project: Project, candidates: Sequence[BuyCandidate], sites: list[str]) -> np.ndarray:
    """MW one rig of each candidate draws at each site (models x sites): its power with the
    site's cooling overhead, none at a hosted site (an all-in hosting price includes it)."""
    by_site = {s.name: s for s in project.sites}
    contracts = {c.name: c for c in project.contracts}
    models = {m.name: m for m in project.catalog}
    return np.array(
        [
            [
                models[c.model].power_w
                / 1e6
                * (
                    1.0
                    if contracts[by_site[site].contract].type == "hosting"
                    else by_site[site].overhead
                )
                for site in sites
            ]
            for c in candidates
        ]
    )


def solve(problem: BuyProblem, forbid: tuple[int, int] | None = None) -> BuyPlan:
    """The integer program by HiGHS; `forbid` sets one (model, site) count to zero."""
    started = time.perf_counter()
    m_count, s_count = problem.value_usd.shape
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    # Upper bounds: what the budget, the site and the supplier allow on their own.
    upper = np.zeros((m_count, s_count))
    for m in range(m_count):
        for s in range(s_count):
            if problem.value_usd[m, s] <= 0 or (forbid is not None and forbid == (m, s)):
                continue  # a rig that loses value is never bought
            if problem.fits is not None and not problem.fits[m, s]:
                continue  # nor one the site cannot cool
            bound = problem.max_count[m]
            if problem.price_usd[m] > 0:
                bound = min(bound, problem.budget_usd / problem.price_usd[m])
            if problem.load_mw[m, s] > 0:
                bound = min(bound, problem.free_mw[s] / problem.load_mw[m, s])
            upper[m, s] = math.floor(bound + 1e-9) if math.isfinite(bound) else 1e9
    x = h.addVariables(m_count * s_count, lb=0, ub=upper.ravel().tolist(), type=KIND_INTEGER)

    def var(m: int, s: int):
        return x[m * s_count + s]

    h.addConstr(
        sum(problem.price_usd[m] * var(m, s) for m in range(m_count) for s in range(s_count))
        <= problem.budget_usd
    )
    for s in range(s_count):
        h.addConstr(
            sum(problem.load_mw[m, s] * var(m, s) for m in range(m_count)) <= problem.free_mw[s]
        )
    for m in range(m_count):
        if math.isfinite(problem.max_count[m]):
            h.addConstr(sum(var(m, s) for s in range(s_count)) <= problem.max_count[m])
    h.maximize(
        sum(problem.value_usd[m, s] * var(m, s) for m in range(m_count) for s in range(s_count))
    )
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"the purchase problem has no optimal solution: {h.getModelStatus()}")
    counts = np.rint(np.array(h.getSolution().col_value)).reshape(m_count, s_count).astype(int)
    return BuyPlan(
        counts=counts,
        npv_usd=float((counts * problem.value_usd).sum()),
        capex_usd=float((counts.sum(axis=1) * problem.price_usd).sum()),
        mw_used=(counts * problem.load_mw).sum(axis=0),
        solve_seconds=time.perf_counter() - started,
        excluded=None if forbid is None else (problem.models[forbid[0]], problem.sites[forbid[1]]),
    )


def best_buy(problem: BuyProblem, alternatives: int = 3) -> BuyAnswer:
    """The best mix, and the next best ones: each re-solved with one pair of the best mix
    left out, best first."""
    best = solve(problem)
    others = [
        solve(problem, forbid=(int(m), int(s)))
        for m, s in zip(*np.nonzero(best.counts), strict=True)
    ]
    others.sort(key=lambda plan: plan.npv_usd, reverse=True)
    return BuyAnswer(problem, best, tuple(others[:alternatives]))


@dataclass(frozen=True)
class PlanOutcome:
    """A purchase as the engine computes it: the fleet's cash flow after tax with the
    rigs bought, less without them."""

    incremental_usd: np.ndarray
    npv_usd: float
    payback_months: float  # NaN: does not pay back within the horizon
    payback_status: int


def evaluate_plan(
    project: Project, problem: BuyProblem, plan: BuyPlan, purchase_month: date | None = None
) -> PlanOutcome:
    """Run the engine with the plan's rigs added: NPV and payback of the purchase."""
    from planner.engine import metrics

    rows = mix_rows(project, problem, plan, purchase_month)
    base = run(project)
    after = run(project.model_copy(update={"fleet": [*project.fleet, *rows]}))
    flows = after.fleet.free_cash_flow_usd - base.fleet.free_cash_flow_usd
    at_start = base.fleet.capex_usd - after.fleet.capex_usd  # capex at its month's start
    payback = metrics.payback(flows, at_start)
    return PlanOutcome(
        incremental_usd=flows[0],
        npv_usd=float(metrics.npv(flows, base.inputs.discount_rate_per_year, at_start)[0]),
        payback_months=float(payback.months[0]),
        payback_status=int(payback.status[0]),
    )


def mix_rows(
    project: Project, problem: BuyProblem, plan: BuyPlan, purchase_month: date | None = None
) -> list[FleetRow]:
    """The plan as fleet rows: each (model, site) pair's rigs at the quoted price, bought
    in the month (the scenario's start by default), worth their value at the horizon by
    the resale curve; named "buy N MODEL @ SITE", made unique against the fleet's names."""
    month = purchase_month or project.scenario().start_month
    prices = dict(zip(problem.models, problem.price_usd, strict=True))
    taken = {row.name.casefold() for row in project.fleet}
    rows = []
    for model, site, count in plan.mix(problem):
        name = base = f"buy {count} {model} @ {site}"
        n = 2
        while name.casefold() in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name.casefold())
        rows.append(
            FleetRow(
                name=name,
                model=model,
                site=site,
                count=count,
                unit_price_usd=float(prices[model]),
                purchase_month=month,
                terminal_value_usd_per_unit=value_at_horizon_usd(project, model),
            )
        )
    return rows


@dataclass(frozen=True)
class SavedBestBuy:
    """The best buy for the inputs saved in the project, and the names it had to skip."""

    answer: BuyAnswer
    skipped: tuple[str, ...]


def saved_best_buy(project: Project) -> SavedBestBuy | None:
    """Solve the project's saved best-buy inputs (None without candidates); candidates
    and sites no longer in the project are skipped and named."""
    settings = project.best_buy
    if not settings.candidates:
        return None
    models = {m.name for m in project.catalog}
    site_names = [s.name for s in project.sites]
    skipped = [f"candidate model {c.model!r}" for c in settings.candidates if c.model not in models]
    skipped += [f"site {s!r}" for s in settings.sites if s not in site_names]
    candidates = [
        BuyCandidate(c.model, c.unit_price_usd, c.max_rigs)
        for c in settings.candidates
        if c.model in models
    ]
    sites = [s for s in settings.sites if s in site_names] if settings.sites else site_names
    if not candidates or not sites:
        return None
    problem = build_problem(
        project, candidates, settings.budget_usd, settings.purchase_month, sites=sites
    )
    return SavedBestBuy(best_buy(problem), tuple(skipped))
