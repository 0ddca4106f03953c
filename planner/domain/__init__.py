"""The project's entities and unit parsing: plain Python, no Qt, no files."""

from planner.domain.errors import Problem, ProjectValidationError
from planner.domain.project import (
    SCHEMA_VERSION,
    FinanceSettings,
    FleetRow,
    PowerContract,
    Project,
    RigModel,
    Scenario,
    Site,
)
from planner.domain.validation import validate_project

__all__ = [
    "SCHEMA_VERSION",
    "FinanceSettings",
    "FleetRow",
    "PowerContract",
    "Problem",
    "Project",
    "ProjectValidationError",
    "RigModel",
    "Scenario",
    "Site",
    "validate_project",
]
