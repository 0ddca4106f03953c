"""Degradation for imported rows whose sheet gives none (no column, or a blank cell).

A row takes, in order: the degradation its model states in the project's rig catalog
(the Rig catalog's Degradation column; the shipped catalog, resources/asic_catalog.csv,
states none: no public source gives it per model); else the figure its model already has
in the fleet, the newest fleet row of that model (the user's latest assumption for it);
a model the fleet does not run takes the project's default, the median over its fleet
rows; a project without fleet rows, the planner's default of 0 %/yr. Each default says
where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from planner.domain import schema
from planner.domain.cells import format_value
from planner.domain.project import FleetRow, Project

CATALOG_NOTE = "the shipped rig catalog states no degradation per model"


def format_degradation(per_year: float) -> str:
    """`2.5%/yr`, as the Fleet table shows the figure."""
    return f"{format_value(schema.column('fleet', 'degradation_per_year'), per_year)}/yr"


@dataclass(frozen=True)
class DefaultDegradation:
    """A degradation the sheet did not give, where it came from, and that in a word or
    two (for a table cell)."""

    per_year: float
    source: str
    short: str


class DegradationDefaults:
    """The default degradation of each rig model, from the project's fleet."""

    def __init__(self, project: Project):
        newest: dict[str, FleetRow] = {}
        rows_of: dict[str, int] = {}
        for row in project.fleet:
            key = row.model.casefold()
            rows_of[key] = rows_of.get(key, 0) + 1
            if key not in newest or row.purchase_month >= newest[key].purchase_month:
                newest[key] = row
        self.newest, self.rows_of = newest, rows_of
        self.stated = {
            m.name.casefold(): m.degradation_per_year
            for m in project.catalog
            if m.degradation_per_year is not None
        }
        figures = [row.degradation_per_year for row in project.fleet]
        if figures:
            self.fallback = DefaultDegradation(
                median(figures),
                f"the project's default, the median of its {len(figures):,} fleet rows",
                "project default",
            )
        else:
            self.fallback = DefaultDegradation(
                0.0,
                "the planner's default (the project has no fleet rows to go by)",
                "planner default",
            )

    def for_model(self, model: str) -> DefaultDegradation:
        """The catalog's figure for the model, else its newest fleet row's, else the
        project's default."""
        key = model.casefold()
        stated = self.stated.get(key)
        if stated is not None:
            return DefaultDegradation(stated, f"the rig catalog's figure for {model}", "catalog")
        row = self.newest.get(key)
        if row is None:
            return DefaultDegradation(
                self.fallback.per_year,
                f"{self.fallback.source}; the fleet has no {model}",
                self.fallback.short,
            )
        count = self.rows_of[key]
        which = (
            f"the fleet's {model} row {row.name!r}"
            if count == 1
            else f"the newest of the fleet's {count} {model} rows, {row.name!r}"
        )
        return DefaultDegradation(row.degradation_per_year, f"as {which}", f"as {row.name!r}")
