"""Sites a fleet sheet names that the project lacks, created in the import itself.

A site is created as the Sites table's Insert makes one (planner.domain.editing.template):
the capacity the user gives, the power contract the user picks (by default the project's
first, as Insert takes), and the domain's defaults for the rest (planner.domain.project
Site): overhead 1.00 (the contract's price is all it costs), uptime 100 %, no fixed opex,
maintenance or infrastructure capex, cooling not stated (rigs of any cooling, so no
cooling warning for what the sheet put there). Those are the figures a user reviews in
Sites afterwards; the preview says so.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from planner.domain.project import MAX_MW, Project, Site
from planner.domain.units import parse_quantity
from planner.domain.validation import describe_error
from planner.io.import_plan import ImportPlan

DEFAULTS_TEXT = (
    "overhead 1.00, uptime 100 %, no running costs or infrastructure capex, cooling not "
    "stated: the planner's defaults for a new site, to review in Sites"
)
_MW = re.compile(r"\s*mw\s*$", re.IGNORECASE)


def parse_capacity_mw(text: str) -> float:
    """A capacity typed by the user: `12`, `12.5`, `12 MW`, `1,200`; more than 0 MW and at
    most the schema's bound. ValueError with the reason otherwise."""
    cleaned = _MW.sub("", text.strip())
    if not cleaned:
        raise ValueError("a capacity in MW is needed, such as 12")
    try:
        capacity_mw = parse_quantity(cleaned, "number")
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number of MW") from None
    if capacity_mw <= 0:
        raise ValueError(f"must be more than 0 MW, got {capacity_mw:g}")
    if capacity_mw > MAX_MW:
        raise ValueError(f"must be at most {MAX_MW:,.0f} MW, got {capacity_mw:,.0f}")
    return capacity_mw


def parse_site_flag(text: str) -> tuple[str, float]:
    """`NAME=CAPACITY_MW` (the last `=` splits, so a name may hold one) -> (name, MW)."""
    name, equals, capacity = text.rpartition("=")
    if not equals:
        raise ValueError(f'expected NAME=CAPACITY_MW such as "Abilene, TX=12", got {text!r}')
    if not name.strip():
        raise ValueError(f"a site name is needed before '=', got {text!r}")
    try:
        return name.strip(), parse_capacity_mw(capacity)
    except ValueError as error:
        raise ValueError(f"{name.strip()!r}: capacity {error}") from None


def default_contract(project: Project) -> str | None:
    """The contract a new site takes unless the user picks another: the project's first
    (as the Sites table's Insert does); None when the project has none."""
    return project.contracts[0].name if project.contracts else None


def new_site(name: str, capacity_mw: float, contract: str) -> Site:
    """The site to create; ValueError naming the field when it would not validate."""
    try:
        return Site(name=name, contract=contract, capacity_mw=capacity_mw)
    except ValidationError as error:
        detail = error.errors()[0]
        where = str(detail["loc"][0]) if detail["loc"] else "site"
        raise ValueError(f"{where}: {describe_error(detail)}") from None


def rigs_draw_mw(plan: ImportPlan, project: Project, site: str) -> float:
    """What the imported rigs at an unknown site draw at the wall, in MW (rigs x nameplate
    power, before overhead): a guide for the capacity to give it."""
    power_w = {m.name: m.power_w for m in [*project.catalog, *plan.new_models]}
    return (
        sum(
            plan.rows[i].count * power_w.get(plan.rows[i].model, 0.0)
            for i in plan.unknown_sites.get(site, [])
        )
        / 1e6
    )


def match_site(plan: ImportPlan, name: str) -> str | None:
    """The unknown site of the plan called `name` (any case), as the sheet spells it."""
    wanted = name.strip().casefold()
    return next((site for site in plan.unknown_sites if site.casefold() == wanted), None)
