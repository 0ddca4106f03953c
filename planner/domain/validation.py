"""Validation of project data: every problem is named by its field path.

Messages read like `fleet[3].count: must be >= 0, got -5` so that a user can find the
cell or the line in the file. Field checks come from the pydantic models; checks that
span entities (references, dates in order, duplicate names) are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError

from planner.domain.errors import Problem, ProjectValidationError, format_path, quote, shorten
from planner.domain.migrate import migrate
from planner.domain.months import parse_month
from planner.domain.project import MAX_HORIZON_MONTHS, Project
from planner.domain.units import parse_quantity, parse_whole_number


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return quote(value, repr_=isinstance(value, str))


def _show_bound(bound: Any) -> str:
    """A field's bound as a person reads it: 1,000,000,000,000 rather than 1000000000000.0."""
    if isinstance(bound, int | float) and float(bound).is_integer() and abs(bound) >= 10_000:
        return f"{bound:,.0f}"
    if isinstance(bound, float):
        return f"{bound:,.12g}"
    return f"{bound:,}" if isinstance(bound, int) else str(bound)


def _listed(names: Iterable[str], most: int = 12) -> str:
    ordered = sorted(names)
    shown = [n if n.isprintable() and len(n) <= 40 else quote(shorten(n, 40)) for n in ordered]
    more = len(ordered) - most
    return ", ".join(shown[:most]) + (f" and {more} more" if more > 0 else "")


_TYPE_NAMES = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "model_type": "an object",
    "dict_type": "an object",
    "model_attributes_type": "an object",
}


def describe_error(error: Mapping[str, Any]) -> str:
    """A pydantic error in the planner's words: `must be >= 0, got -5`."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in _TYPE_NAMES:
        return f"must be {_TYPE_NAMES[kind]}, got {_show(value)}"
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {_show_bound(ctx.get(key))}, got {_show(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {_show(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_show(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        if isinstance(value, str):
            return "must not be empty"
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_long":
        return f"is too long (at most {ctx.get('max_length')})"
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return message
    return str(error.get("msg", kind))


def problems_from_pydantic(error: ValidationError, prefix: Sequence[Any] = ()) -> list[Problem]:
    return [_problem([*prefix, *e["loc"]], describe_error(e)) for e in error.errors()]


def _problem(path: list[Any], message: str) -> Problem:
    """A check across an entity's fields (a model validator) names its field first:
    `debt[0]` + "liquidation_ltv: must be ..." is `debt[0].liquidation_ltv: must be ...`."""
    field, _, rest = message.partition(": ")
    if rest and field.isidentifier() and path and isinstance(path[-1], int):
        return Problem(format_path([*path, field]), rest)
    return Problem(format_path(path), message)


def _duplicates(
    names: Sequence[str | None], field: str, key_field: str = "name"
) -> Iterable[Problem]:
    first_seen: dict[str, int] = {}
    what = "name" if key_field == "name" else f"plan for {key_field}"
    for index, name in enumerate(names):
        if not name:
            continue
        key = name.strip().casefold()
        if key in first_seen:
            yield Problem(
                f"{field}[{index}].{key_field}",
                f"duplicate {what} {quote(name.strip())} (also {field}[{first_seen[key]}])",
            )
        else:
            first_seen[key] = index


def _items(data: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    value = data.get(field)
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, Mapping) else {} for item in value]


def _text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else None


def _month(item: Mapping[str, Any], key: str) -> date | None:
    try:
        return parse_month(item[key]) if item.get(key) is not None else None
    except ValueError:
        return None


def reference_names(data: Mapping[str, Any]) -> dict[str, set[str]]:
    """The names each list defines, for reference checks."""
    return {
        field: {n for n in (_text(item, "name") for item in _items(data, field)) if n}
        for field in ("scenarios", "contracts", "sites", "catalog")
    }


def item_problems(
    section: str, item: Mapping[str, Any], names: Mapping[str, set[str]]
) -> list[tuple[str, str]]:
    """(field, message) for one site or fleet row: unknown references, months out of order."""
    found: list[tuple[str, str]] = []
    if section == "sites":
        contract = _text(item, "contract")
        if contract and contract not in names["contracts"]:
            found.append(("contract", f"unknown power contract {quote(contract)}"))
        try:
            infra = parse_quantity(item.get("infrastructure_capex_usd") or 0, "usd")
        except ValueError:
            infra = 0.0
        if infra > 0 and item.get("infrastructure_capex_month") is None:
            found.append(
                ("infrastructure_capex_month", "is required when infrastructure_capex_usd is set")
            )
    elif section == "fleet":
        model = _text(item, "model")
        if model and model not in names["catalog"]:
            found.append(("model", f"unknown rig model {quote(model)}"))
        site_name = _text(item, "site")
        if site_name and site_name not in names["sites"]:
            found.append(("site", f"unknown site {quote(site_name)}"))
        purchase = _month(item, "purchase_month")
        online = _month(item, "online_month")
        retire = _month(item, "retire_month")
        if purchase and online and online < purchase:
            found.append(
                (
                    "online_month",
                    f"must not be before purchase_month {purchase:%Y-%m}, got {online:%Y-%m}",
                )
            )
        first = online or purchase
        if first and retire and retire <= first:
            found.append(
                (
                    "retire_month",
                    f"must be after the online month {first:%Y-%m}, got {retire:%Y-%m}",
                )
            )
    return found


def cross_check(data: Mapping[str, Any] | Project) -> list[Problem]:
    """Problems between entities: unknown references, duplicates, months out of order.

    Works on raw project data too, skipping values that are themselves invalid, so that
    these problems are reported together with field problems.
    """
    if isinstance(data, Project):
        data = data.model_dump(mode="json")
    problems: list[Problem] = []
    for field in ("scenarios", "contracts", "sites", "catalog"):
        listed = [_text(item, "name") for item in _items(data, field)]
        problems.extend(_duplicates(listed, field))
    names = reference_names(data)
    active = data.get("active_scenario")
    if isinstance(active, str) and names["scenarios"] and active.strip() not in names["scenarios"]:
        problems.append(
            Problem(
                "active_scenario",
                f"unknown scenario {quote(active.strip())} "
                f"(the project has: {_listed(names['scenarios'])})",
            )
        )
    for section in ("sites", "fleet"):
        for index, item in enumerate(_items(data, section)):
            problems.extend(
                Problem(f"{section}[{index}].{field}", message)
                for field, message in item_problems(section, item, names)
            )
    plans = _items(data, "conversions")
    problems.extend(_duplicates([_text(i, "site") for i in plans], "conversions", "site"))
    horizon = _horizon(data)
    for index, item in enumerate(plans):
        problems.extend(
            Problem(f"conversions[{index}].{field}", message)
            for field, message in conversion_problems(item, names, horizon)
        )
    fleet = [_text(i, "name") for i in _items(data, "fleet")]
    fleet_names = {n for n in fleet if n}
    # With a broken fleet (or row) its names are unknown: check the swaps once it is fixed.
    fleet_readable = isinstance(data.get("fleet", []), list) and all(fleet)
    for index, item in enumerate(_items(data, "swaps")):
        row = _text(item, "row")
        if row and fleet_readable and row not in fleet_names:
            problems.append(Problem(f"swaps[{index}].row", f"unknown fleet row {quote(row)}"))
        model = _text(item, "model")
        if model and model not in names["catalog"]:
            problems.append(Problem(f"swaps[{index}].model", f"unknown rig model {quote(model)}"))
    problems.extend(_treasury_problems(data, fleet_names if fleet_readable else None))
    return problems


def _treasury_problems(data: Mapping[str, Any], fleet_names: set[str] | None) -> list[Problem]:
    """Duplicate debt and hedge names; fleet rows an equipment financing names that the
    fleet lacks (`fleet_names` None: the fleet cannot be read, checked once it is fixed)."""
    problems: list[Problem] = []
    for field in ("debt", "hedges"):
        problems.extend(_duplicates([_text(item, "name") for item in _items(data, field)], field))
    for index, item in enumerate(_items(data, "debt")):
        rows = item.get("fleet_rows")
        if fleet_names is None or not isinstance(rows, list):
            continue
        for row in rows:
            if isinstance(row, str) and row.strip() and row.strip() not in fleet_names:
                problems.append(
                    Problem(f"debt[{index}].fleet_rows", f"unknown fleet row {quote(row.strip())}")
                )
    return problems


def horizon_of(project: Project) -> tuple[date, date] | None:
    """First and last month of the project's horizon under its active scenario."""
    start = project.scenario().start_month
    end_index = start.year * 12 + start.month - 1 + project.finance.horizon_months - 1
    return start, date(end_index // 12, end_index % 12 + 1, 1)


def _horizon(data: Mapping[str, Any]) -> tuple[date, date] | None:
    """First and last month of the active scenario's horizon, when both can be read."""
    active = _text(data, "active_scenario")
    scenarios = _items(data, "scenarios") if active else []
    scenario = next((s for s in scenarios if _text(s, "name") == active), None)
    finance = data.get("finance") if isinstance(data.get("finance"), Mapping) else {}
    start = _month(scenario, "start_month") if scenario is not None else None
    try:
        months = parse_whole_number(finance.get("horizon_months", 60))  # type: ignore[union-attr]
    except ValueError:
        return None
    # Bounds before dates: a horizon of 1e7 months has no last month to name.
    if start is None or not 1 <= months <= MAX_HORIZON_MONTHS:
        return None
    end_index = start.year * 12 + start.month - 1 + months - 1
    return start, date(end_index // 12, end_index % 12 + 1, 1)


def conversion_problems(
    item: Mapping[str, Any], names: Mapping[str, set[str]], horizon: tuple[date, date] | None
) -> list[tuple[str, str]]:
    """(field, message) for one AI/HPC conversion plan: its site, its start month."""
    found: list[tuple[str, str]] = []
    site_name = _text(item, "site")
    if site_name and site_name not in names["sites"]:
        found.append(("site", f"unknown site {quote(site_name)}"))
    start = _month(item, "start_month")
    if start is not None and horizon is not None:
        first, last = horizon
        if start > last:
            found.append(
                (
                    "start_month",
                    f"must be inside the horizon ({first:%Y-%m} to {last:%Y-%m}), "
                    f"got {start:%Y-%m}",
                )
            )
    return found


def _as_written(problem: Problem, version: Any) -> Problem | None:
    """Name a problem at its place in the file as the user wrote it (before migration)."""
    if version == 1:
        if problem.path == "active_scenario":
            return None
        if problem.path.startswith("scenarios[0]"):
            return Problem("market" + problem.path.removeprefix("scenarios[0]"), problem.message)
    return problem


def validate_project(data: Any) -> Project:
    """Migrate, check and build a Project from parsed JSON; raise with every problem found."""
    version = data.get("schema_version") if isinstance(data, Mapping) else None
    data = migrate(data)
    problems: list[Problem] = []
    project: Project | None = None
    try:
        project = Project.model_validate(data)
    except ValidationError as error:
        problems.extend(problems_from_pydantic(error))
    problems.extend(cross_check(data))
    shown = []
    for problem in problems:
        written = _as_written(problem, version)
        if written is not None and written not in shown:
            shown.append(written)
    if shown or project is None:
        raise ProjectValidationError(shown)
    return project
