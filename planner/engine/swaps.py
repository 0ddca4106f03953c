"""Swap analysis: replace a fleet row with another model at a month, against doing nothing.

The swap is computed as a changed project (the old row retires at the swap month and is
sold at the resale curve's value; a new row of the candidate model is bought then and
comes online after the downtime), so every figure is the engine's. The answer is the
incremental fleet cash flow after tax: swap minus doing nothing, month by month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.domain.project import FleetRow, Project, ResaleTier, SwapCandidate
from planner.engine import Results, metrics, run
from planner.engine.timeline import next_halving_height


def resale_usd_per_th(curve: list[ResaleTier], j_per_th: float) -> float:
    """The curve's value for a rig of this efficiency (the first tier that covers it)."""
    for tier in sorted(curve, key=lambda t: t.max_j_per_th):
        if j_per_th <= tier.max_j_per_th:
            return tier.usd_per_th
    return 0.0


def swapped_project(project: Project, swap: SwapCandidate) -> Project:
    """The project with the swap made: the old row retired and sold, the new row bought."""
    rows = {r.name: r for r in project.fleet}
    models = {m.name: m for m in project.catalog}
    if swap.row not in rows:
        raise ValueError(f"swap: unknown fleet row {swap.row!r}")
    if swap.model not in models:
        raise ValueError(f"swap: unknown rig model {swap.model!r}")
    old = rows[swap.row]
    old_model = models[old.model]
    new_model = models[swap.model]
    if old.retire_month is not None and old.retire_month <= swap.month:
        raise ValueError(f"swap: row {old.name!r} retires before {swap.month:%Y-%m}")
    if swap.month <= old.effective_online_month:
        raise ValueError(f"swap: row {old.name!r} is not online before {swap.month:%Y-%m}")
    sale = resale_usd_per_th(project.resale_curve, old_model.efficiency_j_per_th)
    count = (
        swap.count
        if swap.count is not None
        else math.floor(old.count * old_model.power_w / new_model.power_w)
    )
    retired = old.model_copy(
        update={"retire_month": swap.month, "resale_usd_per_unit": sale * old_model.hashrate_th}
    )
    year, month = divmod(swap.month.month - 1 + swap.downtime_months, 12)
    online = swap.month.replace(year=swap.month.year + year, month=month + 1)
    taken = {r.name for r in project.fleet}
    name = f"{new_model.name} for {old.name}"
    while name in taken:
        name += "'"
    new = FleetRow(
        name=name,
        model=new_model.name,
        site=old.site,
        count=count,
        unit_price_usd=swap.unit_price_usd,
        purchase_month=swap.month,
        online_month=online if swap.downtime_months else None,
        retire_month=old.retire_month,
        resale_usd_per_unit=0.0,
        # Still owned at the horizon's end: worth what the resale curve says.
        terminal_value_usd_per_unit=resale_usd_per_th(
            project.resale_curve, new_model.efficiency_j_per_th
        )
        * new_model.hashrate_th,
        degradation_per_year=old.degradation_per_year,
    )
    fleet = [retired if r.name == old.name else r for r in project.fleet] + [new]
    return project.model_copy(update={"fleet": fleet})


@dataclass(frozen=True)
class SwapResult:
    swap: SwapCandidate
    new_count: int
    sale_usd: float  # what the old rigs fetch in the swap month
    capex_usd: float  # what the new rigs cost
    incremental_usd: np.ndarray  # swap - nothing, fleet FCF after tax, by month
    npv_usd: float
    irr_annual: float  # NaN: none
    payback_months: float  # NaN: does not pay back
    payback_status: int
    payback_at_month: float
    pays_back_before_halving: bool
    halving_month: float  # fractional month of the next halving


def halving_month_index(results: Results) -> float:
    """The next halving as a fractional month of the horizon (past the end: inf)."""
    tl = results.inputs.timeline
    height = next_halving_height(results.inputs.start_height)
    ends = tl.height_start + tl.blocks
    inside = np.flatnonzero((tl.height_start <= height) & (height < ends))
    if inside.size == 0:
        return math.inf
    t = int(inside[0])
    return t + float((height - tl.height_start[t]) / tl.blocks[t])


def analyse_swap(project: Project, swap: SwapCandidate, base: Results | None = None) -> SwapResult:
    """The swap against doing nothing, under the active scenario."""
    base = base if base is not None else run(project)
    changed = swapped_project(project, swap)
    after = run(changed)
    incremental = after.fleet.free_cash_flow_usd[0] - base.fleet.free_cash_flow_usd[0]
    flows = incremental[None, :]
    at_start = base.fleet.capex_usd - after.fleet.capex_usd  # capex at its month's start
    payback = metrics.payback(flows, at_start)
    irr = metrics.irr_annual(incremental, at_start[0])
    inputs = base.inputs
    halving_month = halving_month_index(base)
    new_row = changed.fleet[-1]
    old = next(r for r in project.fleet if r.name == swap.row)
    sale = next(r for r in changed.fleet if r.name == old.name).resale_usd_per_unit * old.count
    at = float(payback.at_month[0])
    return SwapResult(
        swap=swap,
        new_count=new_row.count,
        sale_usd=sale,
        capex_usd=new_row.count * new_row.unit_price_usd,
        incremental_usd=incremental,
        npv_usd=float(metrics.npv(flows, inputs.discount_rate_per_year, at_start)[0]),
        irr_annual=math.nan if irr is None else irr,
        payback_months=float(payback.months[0]),
        payback_status=int(payback.status[0]),
        payback_at_month=at,
        pays_back_before_halving=bool(
            int(payback.status[0]) == metrics.PAID_BACK and at <= halving_month
        ),
        halving_month=halving_month,
    )


def analyse_swaps(project: Project, skipped: list[str] | None = None) -> list[SwapResult]:
    """Every candidate swap of the project, best NPV first. A swap that cannot be made
    (its row gone, retired before the month, ...) is left out and named in `skipped`."""
    if not project.swaps:
        return []
    base = run(project)
    results = []
    for swap in project.swaps:
        try:
            results.append(analyse_swap(project, swap, base))
        except ValueError as error:
            if skipped is not None:
                skipped.append(str(error))
    return sorted(results, key=lambda r: r.npv_usd, reverse=True)
