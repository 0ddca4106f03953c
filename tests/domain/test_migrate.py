"""Schema versions: v1 (one unnamed `market`) migrates to v2 (named `scenarios`)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from planner.domain.errors import ProjectValidationError
from planner.domain.migrate import migrate
from planner.domain.project import SCHEMA_VERSION, Project
from planner.domain.validation import validate_project
from planner.io.project_file import parse_project, project_to_json

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sample_project.json"
_SAMPLE_DATA: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))

MARKET_V1: dict[str, Any] = {
    "start_month": "2026-12",
    "start_block_height": 978_541,
    "block_time_s": 590.0,
    "network_hashrate_ehs": 950.0,
    "network_hashrate_growth_per_year": 0.12,
    "network_hashrate_path_ehs": [950.0, 980.0, 1010.0],
    "btc_price_usd": 64_000.0,
    "btc_price_growth_per_year": 0.3,
    "btc_price_path_usd": [64_000.0, 65_000.0],
    "fees_btc_per_block": 0.025,
    "pool_fee": 0.015,
    "notes": "the one market of a v1 file",
}


@pytest.fixture
def v2() -> dict[str, Any]:
    return copy.deepcopy(_SAMPLE_DATA)


@pytest.fixture
def v1() -> dict[str, Any]:
    """The sample as a version 1 file: one unnamed `market`, no scenarios."""
    data = copy.deepcopy(_SAMPLE_DATA)
    del data["scenarios"], data["active_scenario"]
    data["market"] = copy.deepcopy(MARKET_V1)
    data["schema_version"] = 1
    return data


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    return [str(p) for p in caught.value.problems]


def test_current_version_is_2() -> None:
    assert SCHEMA_VERSION == 2


def test_v1_market_becomes_the_active_base_scenario(v1: dict[str, Any]) -> None:
    project = validate_project(v1)
    assert project.schema_version == 2
    assert [s.name for s in project.scenarios] == ["Base"]
    assert project.active_scenario == "Base"
    scenario = project.scenario()
    assert scenario.name == "Base"
    dumped = scenario.model_dump(mode="json")
    for field, value in MARKET_V1.items():
        assert dumped[field] == value, field
    # everything outside the market is carried over untouched
    assert len(project.fleet) == 11
    assert project.fleet[0].name == "S19j Pro 2021"
    assert project.finance.tax_rate == pytest.approx(0.21)


def test_migrate_returns_a_v2_copy_and_leaves_the_input_alone(v1: dict[str, Any]) -> None:
    before = copy.deepcopy(v1)
    migrated = migrate(v1)
    assert v1 == before
    assert migrated is not v1
    assert "market" not in migrated
    assert migrated["schema_version"] == 2
    assert migrated["active_scenario"] == "Base"
    assert migrated["scenarios"] == [{"name": "Base", **MARKET_V1}]
    # nested objects are copied too: changing the result leaves the input as it was
    migrated["fleet"][0]["count"] = 1
    migrated["scenarios"][0]["network_hashrate_path_ehs"].append(1.0)
    assert v1 == before


def test_validating_v1_does_not_mutate_the_input(v1: dict[str, Any]) -> None:
    before = copy.deepcopy(v1)
    validate_project(v1)
    assert v1 == before


def test_migrate_returns_v2_data_as_it_is(v2: dict[str, Any]) -> None:
    assert migrate(v2) is v2


def test_v1_market_with_a_name_keeps_it(v1: dict[str, Any]) -> None:
    v1["market"]["name"] = "House view"
    project = validate_project(v1)
    assert project.active_scenario == "House view"
    assert [s.name for s in project.scenarios] == ["House view"]


def test_v1_market_strings_are_read_leniently(v1: dict[str, Any]) -> None:
    v1["market"]["btc_price_usd"] = "$64,000"
    v1["market"]["pool_fee"] = "1.5%"
    scenario = validate_project(v1).scenario()
    assert scenario.btc_price_usd == 64_000.0
    assert scenario.pool_fee == pytest.approx(0.015)


def test_newer_version_is_refused(v2: dict[str, Any]) -> None:
    v2["schema_version"] = 3
    assert problems_of(v2) == [
        "schema_version: is 3, newer than this planner reads (2); "
        "update the planner to open this file"
    ]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "schema_version: is required"),
        ("2", "schema_version: must be a whole number, got '2'"),
        (2.0, "schema_version: must be a whole number, got 2.0"),
        (True, "schema_version: must be a whole number, got true"),
        (0, "schema_version: must be between 1 and 2, got 0"),
        (-1, "schema_version: must be between 1 and 2, got -1"),
    ],
)
def test_bad_schema_versions(v2: dict[str, Any], version: Any, message: str) -> None:
    v2["schema_version"] = version
    assert problems_of(v2) == [message]


def test_missing_schema_version(v2: dict[str, Any]) -> None:
    del v2["schema_version"]
    assert problems_of(v2) == ["schema_version: is required"]


@pytest.mark.parametrize("market", ["missing", None, "Base", [1, 2]])
def test_v1_without_a_market_object(v1: dict[str, Any], market: Any) -> None:
    if market == "missing":
        del v1["market"]
    else:
        v1["market"] = market
    assert problems_of(v1) == ["market: is required in a version 1 project and must be an object"]


def test_v1_market_field_errors_are_reported(v1: dict[str, Any]) -> None:
    v1["market"]["btc_price_usd"] = -1
    problems = problems_of(v1)
    assert len(problems) == 1
    # The path names the migrated scenario (see the report: it is not `market.btc_price_usd`).
    assert problems[0].endswith("btc_price_usd: must be > 0, got -1")


def test_v2_round_trips_through_project_to_json(v2: dict[str, Any]) -> None:
    project = validate_project(v2)
    text = project_to_json(project)
    again = parse_project(text)
    assert isinstance(again, Project)
    assert again == project
    assert json.loads(text) == json.loads(project_to_json(again))
    # the sample is already in canonical form: dumping it gives back the same data
    assert json.loads(text) == _SAMPLE_DATA


def test_v1_saved_as_v2_round_trips(v1: dict[str, Any]) -> None:
    project = validate_project(v1)
    data = json.loads(project_to_json(project))
    assert data["schema_version"] == 2
    assert "market" not in data
    assert data["active_scenario"] == "Base"
    assert parse_project(project_to_json(project)) == project


def test_v1_market_field_errors_name_the_market_path(v1: dict[str, Any]) -> None:
    v1["market"]["btc_price_usd"] = -1
    assert problems_of(v1) == ["market.btc_price_usd: must be > 0, got -1"]
