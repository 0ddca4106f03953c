"""Validation of project data: every problem is named by its field path.

Messages read like `fleet[3].count: must be >= 0, got -5` so that a user can find the
cell or the line in the file. Field checks come from the pydantic models; checks that
span entities (references, dates in order, duplicate names) are here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from planner.domain.errors import Problem, ProjectValidationError, format_path
from planner.domain.migrate import migrate
from planner.domain.project import Project


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)


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


def _message(error: dict[str, Any]) -> str:
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
        return f"must be {sign} {ctx.get(key)}, got {_show(value)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_show(value)}"
    if kind == "too_short":
        if isinstance(value, str):
            return "must not be empty"
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"is too long (at most {ctx.get('max_length')})"
    if kind in ("value_error", "assertion_error"):
        message = str(error.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return message
    return str(error.get("msg", kind))


def problems_from_pydantic(error: ValidationError, prefix: Sequence[Any] = ()) -> list[Problem]:
    return [Problem(format_path([*prefix, *e["loc"]]), _message(dict(e))) for e in error.errors()]


def _duplicates(names: Sequence[str], field: str) -> Iterable[Problem]:
    first_seen: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name.casefold()
        if key in first_seen:
            yield Problem(
                f"{field}[{index}].name",
                f"duplicate name {name!r} (also {field}[{first_seen[key]}])",
            )
        else:
            first_seen[key] = index


def cross_check(project: Project) -> list[Problem]:
    """Problems between entities: unknown references, duplicates, months out of order."""
    problems: list[Problem] = []
    for field, items in (
        ("scenarios", project.scenarios),
        ("contracts", project.contracts),
        ("sites", project.sites),
        ("catalog", project.catalog),
    ):
        problems.extend(_duplicates([item.name for item in items], field))

    scenario_names = {s.name for s in project.scenarios}
    if project.active_scenario not in scenario_names:
        problems.append(
            Problem(
                "active_scenario",
                f"unknown scenario {project.active_scenario!r} "
                f"(the project has: {', '.join(sorted(scenario_names))})",
            )
        )
    contract_names = {c.name for c in project.contracts}
    for index, site in enumerate(project.sites):
        if site.contract not in contract_names:
            problems.append(
                Problem(f"sites[{index}].contract", f"unknown power contract {site.contract!r}")
            )
        if site.infrastructure_capex_usd > 0 and site.infrastructure_capex_month is None:
            problems.append(
                Problem(
                    f"sites[{index}].infrastructure_capex_month",
                    "is required when infrastructure_capex_usd is set",
                )
            )
    site_names = {s.name for s in project.sites}
    model_names = {m.name for m in project.catalog}
    for index, row in enumerate(project.fleet):
        where = f"fleet[{index}]"
        if row.model not in model_names:
            problems.append(Problem(f"{where}.model", f"unknown rig model {row.model!r}"))
        if row.site not in site_names:
            problems.append(Problem(f"{where}.site", f"unknown site {row.site!r}"))
        online = row.effective_online_month
        if row.online_month is not None and row.online_month < row.purchase_month:
            problems.append(
                Problem(
                    f"{where}.online_month",
                    f"must not be before purchase_month {row.purchase_month:%Y-%m}, "
                    f"got {row.online_month:%Y-%m}",
                )
            )
        if row.retire_month is not None and row.retire_month <= online:
            problems.append(
                Problem(
                    f"{where}.retire_month",
                    f"must be after the online month {online:%Y-%m}, got {row.retire_month:%Y-%m}",
                )
            )
    return problems


def validate_project(data: Any) -> Project:
    """Migrate, check and build a Project from parsed JSON; raise with every problem found."""
    data = migrate(data)
    try:
        project = Project.model_validate(data)
    except ValidationError as error:
        raise ProjectValidationError(problems_from_pydantic(error)) from None
    problems = cross_check(project)
    if problems:
        raise ProjectValidationError(problems)
    return project
