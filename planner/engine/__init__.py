"""The planning model: numpy arrays in, results out. No Qt, no files."""

from __future__ import annotations

from planner.domain.project import Project
from planner.engine.inputs import EngineInputs, compile_inputs
from planner.engine.model import Kpis, Results, Series, compute


def run(
    project: Project, scenario: str | None = None, horizon_months: int | None = None
) -> Results:
    """Compile a validated project and compute it under one scenario."""
    return compute(compile_inputs(project, scenario, horizon_months))


__all__ = ["EngineInputs", "Kpis", "Results", "Series", "compile_inputs", "compute", "run"]
