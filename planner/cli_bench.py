"""`planner bench`: full recomputations of synthetic fleets timed, and the extra cases
asked for (the window's edits, the Excel export, AI/HPC plans, Monte Carlo, the
treasury, hourly power), printed a line per case or as JSON (planner/benchmark.py
times them).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from planner.cli import UserError, _out

if TYPE_CHECKING:
    from planner.benchmark import CaseResult
    from planner.ui.bench import GuiEditResult


def add_bench(bench: argparse.ArgumentParser) -> None:
    """The arguments of `planner bench`."""
    bench.add_argument("--json", action="store_true", help="machine-readable JSON")
    bench.add_argument(
        "--repeats",
        type=int,
        help="timed runs per case (default 15; edits in the window: 15, or 5 for big fleets)",
    )
    bench.add_argument(
        "--gui",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time edits in the window, offscreen, with Decisions > Sensitivity on "
        "screen: latency and the longest stall in a burst of 20 edits (default: on without "
        "--case or the other options)",
    )
    bench.add_argument(
        "--gui-case",
        action="append",
        metavar="ROWSxMONTHS",
        help="a window case such as 1000x120 (repeatable; default 1000x120 and 10000x120)",
    )
    bench.add_argument(
        "--excel",
        action="append",
        metavar="ROWSxMONTHS",
        help="time the Excel export (and the import of its fleet) of a synthetic fleet, "
        "such as 1000x120 (repeatable)",
    )
    bench.add_argument(
        "--hpc",
        action="append",
        metavar="ROWSxMONTHS",
        help="time a full recompute with an AI/HPC conversion plan on every site, such as "
        "1000x120 (repeatable)",
    )
    bench.add_argument(
        "--mc",
        action="append",
        metavar="ROWSxMONTHS",
        help="time Monte Carlo (10,000 paths) and the per-row probabilities, e.g. 1000x120",
    )
    bench.add_argument(
        "--treasury",
        action="append",
        metavar="ROWSxMONTHS",
        help="time a recompute with and without a treasury (3 debt instruments, 2 hedges) "
        "run after it, e.g. 1000x120 (repeatable)",
    )
    bench.add_argument(
        "--hourly",
        action="append",
        metavar="ROWSxMONTHS",
        help="time a recompute with an hourly price profile on every site (every row on its "
        "own strike price) beside the same fleet without, e.g. 1000x120 (repeatable)",
    )
    bench.add_argument(
        "--case",
        action="append",
        metavar="ROWSxMONTHS",
        help="a case such as 1000x120 (repeatable; default 1000x120 and 10000x240)",
    )


def _case(text: str, option: str = "--case") -> tuple[int, int]:
    try:
        rows, months = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"{option}: expected ROWSxMONTHS such as 1000x120, got {text!r}") from None
    if rows < 1 or not 1 <= months <= 600:
        raise UserError(f"{option}: rows must be >= 1 and months 1-600, got {text!r}")
    return rows, months


def run_bench(args: argparse.Namespace) -> int:
    """`planner bench`: the cases asked for, timed, as lines or JSON."""
    from planner.benchmark import (
        DEFAULT_CASES,
        describe_hourly,
        excel_case,
        hourly_case,
        hpc_case,
        mc_case,
        run_benchmarks,
        treasury_case,
    )

    cases = tuple(_case(c) for c in args.case) if args.case else DEFAULT_CASES
    excel_cases = tuple(_case(c, "--excel") for c in args.excel or ())
    hpc_cases = tuple(_case(c, "--hpc") for c in args.hpc or ())
    mc_cases = tuple(_case(c, "--mc") for c in args.mc or ())
    treasury_cases = tuple(_case(c, "--treasury") for c in args.treasury or ())
    hourly_cases = tuple(_case(c, "--hourly") for c in args.hourly or ())
    gui_cases = tuple(_case(c, "--gui-case") for c in args.gui_case or ())
    if gui_cases and args.gui is False:
        raise UserError("--gui-case: asks for the window, which --no-gui turns off")
    extra = excel_cases or hpc_cases or mc_cases or gui_cases or treasury_cases or hourly_cases
    extra_only = bool(extra) and not args.case
    if args.repeats is not None and args.repeats < 1:
        raise UserError(f"--repeats: must be at least 1, got {args.repeats}")
    repeats = args.repeats or 15
    results = [] if extra_only else run_benchmarks(cases, repeats)
    excel = [excel_case(rows, months) for rows, months in excel_cases]
    hpc = [hpc_case(rows, months, repeats) for rows, months in hpc_cases]
    mc = [mc_case(rows, months) for rows, months in mc_cases]
    treasury = [treasury_case(rows, months, repeats) for rows, months in treasury_cases]
    hourly = [hourly_case(rows, months, repeats) for rows, months in hourly_cases]
    gui = []
    if gui_cases or args.gui or (args.gui is None and not args.case and not extra_only):
        from planner.ui.bench import DEFAULT_GUI_CASES, gui_edit_cases

        gui = gui_edit_cases(gui_cases or DEFAULT_GUI_CASES, args.repeats)
    if args.json:
        _out(_bench_json(results, gui, excel, hpc, mc, treasury, hourly))
    else:
        _print_bench(results, gui, excel, hpc, mc)
        _print_treasury_bench(treasury)
        for case in hourly:
            _out(describe_hourly(case))
    return 0


Timings = list[dict[str, float | int]]


def _bench_json(
    results: list[CaseResult],
    gui: list[GuiEditResult],
    excel: Timings,
    hpc: Timings,
    mc: Timings,
    treasury: Timings | None = None,
    hourly: Timings | None = None,
) -> str:
    """The timings as JSON: the cases, then each kind of extra case that ran."""
    out: dict[str, object] = {"cases": [r.as_dict() for r in results]}
    if gui:
        out["gui_edit"] = [g.as_dict() for g in gui]
    if excel:
        out["excel"] = excel
    if hpc:
        out["hpc"] = hpc
    if mc:
        out["monte_carlo"] = mc
    if treasury:
        out["treasury"] = treasury
    if hourly:
        out["hourly"] = hourly
    return json.dumps(out, indent=2) + "\n"


def _print_treasury_bench(treasury: Timings) -> None:
    for t in treasury:
        _out(
            f"treasury after a recompute, {t['rows']:,} rows x {t['months']} months: "
            f"{t['treasury_median_ms']:.2f} ms on {t['compute_median_ms']:.2f} ms "
            f"({t['treasury_share']:.0%})\n"
        )


def _print_bench(
    results: list[CaseResult],
    gui: list[GuiEditResult],
    excel: Timings,
    hpc: Timings,
    mc: Timings,
) -> None:
    """The timings, a line per case."""
    from planner.benchmark import describe_mc

    for r in results:
        _out(
            f"{r.rows:>7,} rows x {r.months:>3} months: median {r.median_ms:8.2f} ms, "
            f"peak {r.peak_mb:7.1f} MB, row IRRs {r.row_irr_ms:8.1f} ms\n"
        )
    if gui:
        from planner.ui.bench import describe

        for g in gui:
            _out(describe(g))
    for h in hpc:
        _out(
            f"recompute with conversion plans on {h['sites']} sites, {h['rows']:,} rows x "
            f"{h['months']} months: median {h['median_ms']:.1f} ms "
            f"(engine {h['engine_median_ms']:.1f} ms)\n"
        )
    for c in mc:
        _out(describe_mc(c))
    for e in excel:
        _out(
            f"Excel export, {e['rows']:,} rows x {e['months']} months: "
            f"{e['export_s']:.2f} s, {e['size_mb']:.1f} MB; "
            f"import of its fleet: {e['import_s']:.2f} s\n"
        )
