"""What a CFO should know about a plan that does not stop the model: each warning names the
table, the row and the field it is about, so that a window can take the user there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.domain.months import format_month
from planner.engine.model import Results

CAPACITY_TOLERANCE_MW = 1e-9


@dataclass(frozen=True)
class PlanWarning:
    """One warning: its text, and the cell it is about (`section` as in the project file:
    "sites", "fleet"; `row` its index there; `key` the field)."""

    message: str
    section: str
    row: int
    key: str


def plan_warnings(results: Results) -> list[PlanWarning]:
    """Sites drawing more than their capacity; fleet rows outside the horizon."""
    return _over_capacity(results) + _outside_the_horizon(results)


def _month(results: Results, index: int) -> str:
    return format_month(results.inputs.timeline.month_starts[index])


def _over_capacity(results: Results) -> list[PlanWarning]:
    out = []
    inputs = results.inputs
    for s, name in enumerate(inputs.site_names):
        load_mw = results.site_load_mw[s]
        capacity_mw = float(inputs.site_capacity_mw[s])
        if load_mw.size and load_mw.max() > capacity_mw + CAPACITY_TOLERANCE_MW:
            worst = int(load_mw.argmax())
            over = int(np.count_nonzero(load_mw > capacity_mw + CAPACITY_TOLERANCE_MW))
            out.append(
                PlanWarning(
                    f"site {name!r}: rigs draw {load_mw[worst]:,.2f} MW with cooling overhead "
                    f"in {_month(results, worst)}, above its capacity of {capacity_mw:,.2f} MW"
                    f" ({over} month{'s' if over != 1 else ''} over)",
                    "sites",
                    s,
                    "capacity_mw",
                )
            )
    return out


def _outside_the_horizon(results: Results) -> list[PlanWarning]:
    """Rows that add nothing: bought after the horizon, or retired before it starts."""
    inputs = results.inputs
    months = inputs.months
    last = _month(results, months - 1)
    out = []
    counted = inputs.count > 0
    outside = counted & ((inputs.purchase_idx >= months) | (inputs.retire_idx <= 0))
    for r in np.flatnonzero(outside):  # few rows: the loop is over those only
        name = inputs.row_names[r]
        if inputs.purchase_idx[r] >= months:
            out.append(
                PlanWarning(
                    f"fleet row {name!r}: bought after the horizon (which ends {last}); it adds "
                    "nothing to the plan",
                    "fleet",
                    int(r),
                    "purchase_month",
                )
            )
        elif inputs.retire_idx[r] <= 0:
            out.append(
                PlanWarning(
                    f"fleet row {name!r}: retired before the plan starts "
                    f"({_month(results, 0)}); it adds nothing to the plan",
                    "fleet",
                    int(r),
                    "retire_month",
                )
            )
    return out
