"""Speed and memory of full recomputations on synthetic fleets (`python -m planner bench`).

A recomputation is what an edit triggers: compile the project into arrays and run the
engine (every monthly series, KPIs, breakevens, site and fleet IRR). Row IRRs are
computed on demand and timed as their own figure.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from planner.domain.price_profile import PriceProfile
from planner.domain.project import FleetRow, Project
from planner.engine import compile_inputs, compute
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

DEFAULT_CASES = ((1_000, 120), (10_000, 240))


_NO_HOURLY_TERMS: dict[str, object] = {
    "price_profile": None,
    "fourcp_charge_usd_per_kw_year": 0.0,
    "fourcp_intervals": [],
    "demand_response_mw": 0.0,
    "demand_response_usd_per_mw_month": 0.0,
}


def synthetic_project(rows: int, months: int, seed: int = 7) -> Project:
    """The sample project's sites (without their hourly terms, price profiles, 4CP hours
    and demand response: `with_price_profiles` adds profiles), contracts and catalog with
    `rows` random fleet batches."""
    base = load_project(sample_project_path())
    base = base.model_copy(
        update={"sites": [s.model_copy(update=_NO_HOURLY_TERMS) for s in base.sites]}
    )
    rng = np.random.default_rng(seed)
    models = [m.name for m in base.catalog]
    sites = [s.name for s in base.sites]
    start = base.scenario().start_month
    fleet = []
    for i in range(rows):
        offset = int(rng.integers(-48, months))
        year, month = divmod(start.year * 12 + start.month - 1 + offset, 12)
        purchase = f"{year:04d}-{month + 1:02d}"
        fleet.append(
            FleetRow(
                name=f"Batch {i + 1}",
                model=models[int(rng.integers(len(models)))],
                site=sites[int(rng.integers(len(sites)))],
                count=int(rng.integers(50, 2_000)),
                unit_price_usd=float(rng.integers(1_000, 9_000)),
                purchase_month=purchase,
                resale_usd_per_unit=float(rng.integers(0, 300)),
                degradation_per_year=float(rng.choice([0.0, 0.02, 0.025, 0.03, 0.05])),
            )
        )
    finance = base.finance.model_copy(update={"horizon_months": months})
    # The sample's swap candidates, moved onto synthetic batches so that they still name
    # rows of the fleet (the project must stay one that opens).
    swaps = [
        swap.model_copy(update={"row": fleet[i % rows].name}) for i, swap in enumerate(base.swaps)
    ]
    return base.model_copy(update={"fleet": fleet, "finance": finance, "swaps": swaps})


@dataclass(frozen=True)
class CaseResult:
    rows: int
    months: int
    median_ms: float
    min_ms: float
    peak_mb: float
    row_irr_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "rows": self.rows,
            "months": self.months,
            "median_ms": round(self.median_ms, 2),
            "min_ms": round(self.min_ms, 2),
            "peak_mb": round(self.peak_mb, 1),
            "row_irr_ms": round(self.row_irr_ms, 1),
        }


def run_case(rows: int, months: int, repeats: int = 15) -> CaseResult:
    project = synthetic_project(rows, months)
    compute(compile_inputs(project))  # warm-up
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        results = compute(compile_inputs(project))
        times.append((time.perf_counter() - start) * 1000.0)
    start = time.perf_counter()
    _ = results.row_irr_annual
    irr_ms = (time.perf_counter() - start) * 1000.0
    del results
    gc.collect()
    tracemalloc.start()
    compute(compile_inputs(project))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return CaseResult(
        rows=rows,
        months=months,
        median_ms=statistics.median(times),
        min_ms=min(times),
        peak_mb=peak / 2**20,
        row_irr_ms=irr_ms,
    )


def run_benchmarks(
    cases: tuple[tuple[int, int], ...] = DEFAULT_CASES, repeats: int = 15
) -> list[CaseResult]:
    return [run_case(rows, months, repeats) for rows, months in cases]


def excel_case(rows: int, months: int) -> dict[str, float | int]:
    """Seconds to export a synthetic fleet to Excel, and to import the fleet back from it."""
    import tempfile
    from pathlib import Path

    from planner.io.fleet_import import import_fleet
    from planner.io.workbook import export_workbook

    project = synthetic_project(rows, months)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        start = time.perf_counter()
        export_workbook(project, path)
        export_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 2**20
        start = time.perf_counter()
        plan = import_fleet(path, project.model_copy(update={"fleet": []}))
        import_s = time.perf_counter() - start
    if len(plan.rows) != rows or plan.problems:
        raise RuntimeError(f"the exported fleet did not import back: {plan.problems[:3]}")
    return {
        "rows": rows,
        "months": months,
        "export_s": round(export_s, 3),
        "size_mb": round(size_mb, 1),
        "import_s": round(import_s, 3),
    }


def with_conversion_plans(project: Project) -> Project:
    """`project` with an AI/HPC conversion plan on every site (half of each converted)."""
    from datetime import date

    from planner.domain.project import ConversionPlan

    start = project.scenario().start_month
    plans = [
        ConversionPlan(
            site=site.name,
            share=0.5,
            start_month=date(start.year + 1, start.month, 1),
            loan_to_cost=0.6 if i % 2 == 0 else 0.0,
            power_pass_through=i % 2 == 0,
        )
        for i, site in enumerate(project.sites)
    ]
    return project.model_copy(update={"conversions": plans})


def hpc_case(rows: int, months: int, repeats: int = 7) -> dict[str, float | int]:
    """Milliseconds of a full recompute with conversion plans on every site: the engine,
    then each site's options with the breakeven rent and BTC price multiple solved."""
    from planner.engine.hpc import analyse_conversions

    project = with_conversion_plans(synthetic_project(rows, months))
    times = []
    engine_times = []
    for _ in range(repeats + 1):
        gc.collect()
        start = time.perf_counter()
        results = compute(compile_inputs(project))
        middle = time.perf_counter()
        analysis = analyse_conversions(project, results)
        for site in analysis.sites:
            _ = site.breakeven_rent_usd_per_kw_month, site.irr_annual, site.crossover_month
        end = time.perf_counter()
        times.append((end - start) * 1000.0)
        engine_times.append((middle - start) * 1000.0)
    return {
        "rows": rows,
        "months": months,
        "sites": len(project.sites),
        "median_ms": round(statistics.median(times[1:]), 1),
        "engine_median_ms": round(statistics.median(engine_times[1:]), 1),
    }


MC_TREASURY_TARGET_S = 2.0  # issue 16: 10,000 paths with the treasury and hedges


def mc_case(rows: int, months: int, paths: int = 10_000) -> dict[str, float | int]:
    """Seconds of a Monte Carlo run of the fleet, of the per-row probabilities, and of a
    run with the treasury of `with_treasury` (3 instruments, 2 hedges: each hedge's
    with-and-without figures are a run of the treasury of their own): the second such
    run, and the first (where the process's memory grows to the run's arrays)."""
    from planner.engine.montecarlo import (
        MonteCarloSettings,
        row_payback_probabilities,
        run_monte_carlo,
    )
    from planner.engine.treasury import treasury_plan

    project = synthetic_project(rows, months)
    results = compute(compile_inputs(project))
    settings = MonteCarloSettings(paths=paths)
    run_monte_carlo(results, MonteCarloSettings(paths=100))  # warm-up
    start = time.perf_counter()
    run_monte_carlo(results, settings)
    fleet_s = time.perf_counter() - start
    start = time.perf_counter()
    _before, _within, row_paths = row_payback_probabilities(results, settings)
    rows_s = time.perf_counter() - start
    treasury = with_treasury(project)
    results = compute(compile_inputs(treasury))
    plan = treasury_plan(treasury, results.inputs)
    gc.collect()
    start = time.perf_counter()
    run_monte_carlo(results, settings, treasury=plan)  # the process's first: memory grows
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    run_monte_carlo(results, settings, treasury=plan)
    treasury_s = time.perf_counter() - start
    return {
        "rows": rows,
        "months": months,
        "paths": paths,
        "fleet_s": round(fleet_s, 3),
        "row_paths": row_paths,
        "rows_s": round(rows_s, 3),
        "treasury_s": round(treasury_s, 3),
        "treasury_first_s": round(first_s, 3),
        "treasury_hedges": len(plan.hedges),
        "treasury_target_s": MC_TREASURY_TARGET_S,
    }


def describe_mc(case: dict[str, float | int]) -> str:
    """A line of `mc_case`'s timings, the treasury's beside its target."""
    return (
        f"Monte Carlo {case['paths']:,} paths x {case['months']} months, "
        f"{case['rows']:,} rows: {case['fleet_s']:.2f} s; per-row probabilities "
        f"({case['row_paths']:,} paths) {case['rows_s']:.2f} s; with the treasury and "
        f"{case['treasury_hedges']} hedges {case['treasury_s']:.2f} s "
        f"(target {case['treasury_target_s']:.0f} s; "
        f"the first run {case['treasury_first_s']:.2f} s)\n"
    )


def with_treasury(project: Project, falling: bool = False) -> Project:
    """`project` with a treasury much like the one issue 16 asks of the sample: cash,
    1,200 BTC held, equipment financing on the newest batch, a BTC-backed loan, a term
    loan, a hashprice forward and a collar; `falling`: the price falls 3 % a month."""
    from planner.domain.treasury import DebtInstrument, Hedge, TreasurySettings

    start = project.scenario().start_month
    newest = max(project.fleet, key=lambda r: r.purchase_month).name
    scenarios = project.scenarios
    if falling:
        months = project.finance.horizon_months
        path = [project.scenario().btc_price_usd * 0.97**t for t in range(months)]
        scenarios = [s.model_copy(update={"btc_price_path_usd": path}) for s in scenarios]
    treasury = TreasurySettings(
        opening_cash_usd=20e6,
        opening_btc_held=1_200,
        opening_btc_cost_basis_usd=60e6,
        min_cash_usd=5e6,
        sell_share_of_mined=0.5,
        sell_above_price_usd=120_000,
        sell_above_share=0.1,
    )
    debt = [
        DebtInstrument(
            name="Equipment",
            type="equipment",
            fleet_rows=[newest],
            advance_rate=0.6,
            rate_per_year=0.12,
            term_months=30,
        ),
        DebtInstrument(
            name="BTC line",
            type="btc_loan",
            principal_usd=30e6,
            btc_pledged=700,
            rate_per_year=0.09,
            term_months=24,
            repayment="bullet",
        ),
        DebtInstrument(
            name="Term",
            type="term_loan",
            principal_usd=10e6,
            rate_per_year=0.10,
            term_months=48,
            interest_only_months=6,
        ),
    ]
    hedges = [
        Hedge(
            name="Forward",
            type="hashprice_forward",
            hashrate_ph=500,
            first_month=start,
            months=12,
            fixed_usd_per_ph_day=45,
        ),
        Hedge(
            name="Collar",
            type="collar",
            btc_amount=200,
            strike_usd=60_000,
            call_strike_usd=110_000,
            first_month=start,
            expiry_month=start.replace(year=start.year + 1),
        ),
    ]
    return project.model_copy(
        update={"scenarios": scenarios, "treasury": treasury, "debt": debt, "hedges": hedges}
    )


def treasury_case(rows: int, months: int, repeats: int = 15) -> dict[str, float | int]:
    """Milliseconds of a recompute with and without the treasury of `with_treasury` (3
    instruments, 2 hedges) run after it; the share it adds."""
    from planner.engine.treasury import run_treasury

    project = with_treasury(synthetic_project(rows, months))
    plain, treasury = [], []
    for _ in range(repeats + 1):
        gc.collect()
        start = time.perf_counter()
        results = compute(compile_inputs(project))
        middle = time.perf_counter()
        run_treasury(results, project)
        end = time.perf_counter()
        plain.append((middle - start) * 1000.0)
        treasury.append((end - middle) * 1000.0)
    compute_ms = statistics.median(plain[1:])
    treasury_ms = statistics.median(treasury[1:])
    return {
        "rows": rows,
        "months": months,
        "compute_median_ms": round(compute_ms, 2),
        "treasury_median_ms": round(treasury_ms, 2),
        "treasury_share": round(treasury_ms / compute_ms, 3),
    }


HOURLY_TARGET_MS = 30.0  # a recompute at 1,000 x 120 with a profile on every site
HOURLY_TARGET_CASE = (1_000, 120)


def synthetic_price_profile(seed: int = 11) -> PriceProfile:
    """A year of hourly prices (USD/MWh, America/Chicago, 2024): about $35 with a daily
    shape, and summer afternoon spikes of several hundred dollars; scaled to the contract."""
    from datetime import UTC, datetime

    rng = np.random.default_rng(seed)
    hours = np.arange(366 * 24)
    local_hour = (hours - 6) % 24
    day = hours // 24
    summer = (day >= 152) & (day < 274)
    usd_per_mwh = 35.0 + 10.0 * np.sin((local_hour - 9) / 24 * 2 * np.pi)
    usd_per_mwh += rng.normal(0, 6, hours.size)
    spikes = summer & (local_hour >= 15) & (local_hour <= 19) & (rng.random(hours.size) < 0.15)
    usd_per_mwh[spikes] += rng.uniform(150, 1500, int(spikes.sum()))
    return PriceProfile(
        source="synthetic (benchmark)",
        time_zone="America/Chicago",
        start_utc=datetime(2024, 1, 1, 6, tzinfo=UTC),
        interval_minutes=60,
        usd_per_mwh=[round(float(v), 2) for v in usd_per_mwh],
        scale_to_contract=True,
    )


def with_price_profiles(project: Project) -> Project:
    """`project` with a price profile on every site, every row on a strike: index
    contracts as they are, the others fixed-price contracts that resell unused power."""
    profile = synthetic_price_profile()
    contracts = [
        c
        if c.type == "index"
        else c.model_copy(
            update={"type": "fixed", "resale_allowed": True, "resale_fee_usd_per_mwh": 2.0}
        )
        for c in project.contracts
    ]
    sites = [s.model_copy(update={"price_profile": profile}) for s in project.sites]
    return project.model_copy(update={"contracts": contracts, "sites": sites})


def hourly_case(rows: int, months: int, repeats: int = 15) -> dict[str, float | int]:
    """Milliseconds of a recompute (compile and engine) with a price profile on every site
    (`with_price_profiles`), beside the same fleet without profiles."""
    plain = synthetic_project(rows, months)
    hourly = with_price_profiles(plain)
    timings: dict[str, list[float]] = {"plain": [], "hourly": []}
    for _ in range(repeats + 1):
        for name, project in (("plain", plain), ("hourly", hourly)):
            gc.collect()
            start = time.perf_counter()
            compute(compile_inputs(project))
            timings[name].append((time.perf_counter() - start) * 1000.0)
    return {
        "rows": rows,
        "months": months,
        "median_ms": round(statistics.median(timings["hourly"][1:]), 2),
        "plain_median_ms": round(statistics.median(timings["plain"][1:]), 2),
        **({"target_ms": HOURLY_TARGET_MS} if (rows, months) == HOURLY_TARGET_CASE else {}),
    }


def describe_hourly(case: dict[str, float | int]) -> str:
    """A line of `hourly_case`'s timings, beside its target (1,000 x 120 has one)."""
    target = f"target {case['target_ms']:.0f} ms; " if "target_ms" in case else ""
    return (
        f"{case['rows']:,} x {case['months']} with a profile on every site: median "
        f"{case['median_ms']:.2f} ms ({target}without profiles "
        f"{case['plain_median_ms']:.2f} ms)\n"
    )
