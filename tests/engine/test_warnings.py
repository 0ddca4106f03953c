"""Warnings name the cell they are about: sites over capacity, rows outside the horizon."""

from __future__ import annotations

from planner.engine import run
from planner.engine.warnings import plan_warnings


def test_each_warning_names_its_table_row_and_field(project_factory) -> None:
    project = project_factory(
        fleet=[
            {"model": "S21", "count": 100, "purchase_month": "2027-06"},
            {"model": "S21", "count": 10, "purchase_month": "2030-01"},  # after the horizon
            {"model": "S21", "count": 10, "purchase_month": "2024-01", "retire_month": "2027-06"},
            {"model": "S21", "count": 0, "purchase_month": "2031-01"},  # nothing to say
        ],
        site={"capacity_mw": 0.3},  # 100 S21 x 3,500 W x 1.05 = 0.3675 MW
    )
    warnings = plan_warnings(run(project))
    assert [(w.section, w.row, w.key) for w in warnings] == [
        ("sites", 0, "capacity_mw"),
        ("fleet", 1, "purchase_month"),
        ("fleet", 2, "retire_month"),
    ]
    assert warnings[0].message == (
        "site 'Site': rigs draw 0.37 MW with cooling overhead in 2027-06, above its capacity "
        "of 0.30 MW (24 months over)"
    )
    assert "bought after the horizon (which ends 2029-05)" in warnings[1].message
    assert "retired before the plan starts (2027-06)" in warnings[2].message
