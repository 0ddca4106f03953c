"""A new, empty project: the shipped catalog, the sample's base scenario, default finance."""

from __future__ import annotations

from planner.domain.project import FinanceSettings, PowerContract, Project
from planner.io.catalog import read_catalog
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path


def new_project() -> Project:
    sample = load_project(sample_project_path())
    return Project(
        name="New plan",
        finance=FinanceSettings(),
        scenarios=[sample.scenario()],
        active_scenario=sample.active_scenario,
        contracts=[PowerContract(name="Power contract", type="fixed", price_usd_per_kwh=0.05)],
        sites=[],
        catalog=read_catalog(),
        fleet=[],
    )
