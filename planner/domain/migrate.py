"""Bringing project data written by older versions up to the current schema.

Each step takes the parsed JSON of version N and returns version N + 1; `migrate` runs
the steps in order. The history of the format is in docs/project-format.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from planner.domain.errors import Problem, ProjectValidationError, quote
from planner.domain.project import SCHEMA_VERSION

Step = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had one unnamed market scenario under `market`; version 2 has named ones."""
    market = data.pop("market", None)
    if not isinstance(market, dict):
        raise ProjectValidationError(
            [Problem("market", "is required in a version 1 project and must be an object")]
        )
    scenario = {"name": "Base", **market}
    data["scenarios"] = [scenario]
    data["active_scenario"] = scenario["name"]
    data["schema_version"] = 2
    return data


STEPS: dict[int, Step] = {1: _v1_to_v2}


def migrate(data: Any) -> Any:
    """Return `data` at the current schema version (a migrated copy if it was older)."""
    if not isinstance(data, dict):
        raise ProjectValidationError([Problem("", "a project file must hold a JSON object")])
    version = data.get("schema_version")
    if version is None:
        raise ProjectValidationError([Problem("schema_version", "is required")])
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectValidationError(
            [Problem("schema_version", f"must be a whole number, got {quote(version)}")]
        )
    if version > SCHEMA_VERSION:
        raise ProjectValidationError(
            [
                Problem(
                    "schema_version",
                    f"is {version}, newer than this planner reads ({SCHEMA_VERSION}); "
                    "update the planner to open this file",
                )
            ]
        )
    if version < 1:
        raise ProjectValidationError(
            [Problem("schema_version", f"must be between 1 and {SCHEMA_VERSION}, got {version}")]
        )
    if version == SCHEMA_VERSION:
        return data
    data = copy.deepcopy(data)
    while version < SCHEMA_VERSION:
        data = STEPS[version](data)
        version = data["schema_version"]
    return data
