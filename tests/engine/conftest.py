"""Builders for small projects worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from planner.domain.project import (
    FinanceSettings,
    FleetRow,
    PowerContract,
    Project,
    RigModel,
    Scenario,
    Site,
)

S21 = RigModel(name="S21", hashrate_th=200, power_w=3500, cooling="air")
S19J = RigModel(name="S19j Pro", hashrate_th=104, power_w=3068, cooling="air")
S21XP = RigModel(name="S21 XP", hashrate_th=270, power_w=3645, cooling="air")


def make_project(
    *,
    fleet: list[dict[str, Any]],
    scenario: dict[str, Any] | None = None,
    contract: dict[str, Any] | None = None,
    site: dict[str, Any] | None = None,
    finance: dict[str, Any] | None = None,
    extra_sites: list[Site] = (),
    extra_contracts: list[PowerContract] = (),
) -> Project:
    """One site, one contract, one scenario; override any field by keyword."""
    scenario_fields = {
        "name": "Test",
        "start_month": "2027-06",
        "start_block_height": 1_010_000,
        "block_time_s": 600,
        "network_hashrate_ehs": 800,
        "btc_price_usd": 100_000,
        "fees_btc_per_block": 0.02,
        "pool_fee": 0.025,
        **(scenario or {}),
    }
    contract_fields = {
        "name": "Power",
        "type": "fixed",
        "price_usd_per_kwh": 0.06,
        **(contract or {}),
    }
    site_fields = {
        "name": "Site",
        "contract": contract_fields["name"],
        "capacity_mw": 50,
        "overhead": 1.05,
        "uptime": 0.97,
        **(site or {}),
    }
    finance_fields = {
        "horizon_months": 24,
        "discount_rate_per_year": 0.10,
        "tax_rate": 0.0,
        "depreciation_years": 3,
        "auto_shutdown": False,
        **(finance or {}),
    }
    rows = [
        FleetRow(**{"name": f"Row {i}", "site": site_fields["name"], **row})
        for i, row in enumerate(fleet)
    ]
    return Project(
        name="Test",
        finance=FinanceSettings(**finance_fields),
        scenarios=[Scenario(**scenario_fields)],
        active_scenario=scenario_fields["name"],
        contracts=[PowerContract(**contract_fields), *extra_contracts],
        sites=[Site(**site_fields), *extra_sites],
        catalog=[S21, S19J, S21XP],
        fleet=rows,
    )


@pytest.fixture
def project_factory() -> Callable[..., Project]:
    return make_project
