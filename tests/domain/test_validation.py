"""validate_project: every problem is reported with its field path, in the house style."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from planner.domain.errors import Problem, ProjectValidationError
from planner.domain.project import Project
from planner.domain.validation import validate_project

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sample_project.json"
_SAMPLE_DATA: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def sample() -> dict[str, Any]:
    """A fresh copy of the sample project's JSON, safe to break."""
    return copy.deepcopy(_SAMPLE_DATA)


@pytest.fixture
def small() -> dict[str, Any]:
    """A minimal valid project: one of everything."""
    return {
        "schema_version": 2,
        "name": "Small",
        "scenarios": [
            {
                "name": "Base",
                "start_month": "2027-01",
                "start_block_height": 980_000,
                "network_hashrate_ehs": 1000,
                "btc_price_usd": 70_000,
            }
        ],
        "active_scenario": "Base",
        "contracts": [{"name": "PPA", "type": "fixed", "price_usd_per_kwh": 0.05}],
        "sites": [{"name": "Site A", "contract": "PPA", "capacity_mw": 10}],
        "catalog": [{"name": "S21", "hashrate_th": 200, "power_w": 3500}],
        "fleet": [
            {
                "name": "Batch 1",
                "model": "S21",
                "site": "Site A",
                "count": 100,
                "unit_price_usd": 2800,
                "purchase_month": "2027-01",
            }
        ],
    }


def problems_of(data: Any) -> list[str]:
    """The problems validate_project reports, as `path: message` strings."""
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    return [str(p) for p in caught.value.problems]


# ------------------------------------------------------------------ valid data


def test_sample_project_is_valid(sample: dict[str, Any]) -> None:
    project = validate_project(sample)
    assert isinstance(project, Project)
    assert project.schema_version == 2
    assert [s.name for s in project.scenarios] == ["Base", "Bear", "Bull"]
    assert project.active_scenario == "Base"
    assert len(project.contracts) == 3
    assert len(project.sites) == 3
    assert len(project.catalog) == 27
    assert len(project.fleet) == 11
    assert sum(row.count for row in project.fleet) == 20_600
    assert project.fleet[1].online_month is None
    assert project.fleet[1].effective_online_month == date(2022, 11, 1)
    assert project.sites[2].infrastructure_capex_month == date(2026, 12, 1)


def test_small_project_fills_defaults(small: dict[str, Any]) -> None:
    project = validate_project(small)
    site = project.sites[0]
    assert (site.overhead, site.uptime, site.fixed_opex_usd_per_month) == (1.0, 1.0, 0.0)
    assert site.infrastructure_capex_month is None
    scenario = project.scenario()
    assert scenario.block_time_s == 600.0
    assert scenario.pool_fee == 0.0
    assert scenario.btc_price_path_usd == []
    assert project.finance.horizon_months == 60
    assert project.finance.discount_rate_per_year == pytest.approx(0.10)
    assert project.finance.depreciation_years == 3.0
    assert project.finance.auto_shutdown is True
    row = project.fleet[0]
    assert row.purchase_month == date(2027, 1, 1)
    assert row.online_month is None and row.retire_month is None
    assert project.catalog[0].cooling == "air"
    assert project.catalog[0].efficiency_j_per_th == pytest.approx(17.5)
    assert project.contracts[0].escalator_per_year == 0.0


def test_validation_does_not_change_its_input(sample: dict[str, Any]) -> None:
    before = copy.deepcopy(sample)
    sample["sites"][0]["uptime"] = "97%"
    before["sites"][0]["uptime"] = "97%"
    validate_project(sample)
    assert sample == before


def test_lenient_number_strings_are_converted(small: dict[str, Any]) -> None:
    small["sites"][0].update(
        {"uptime": "97%", "fixed_opex_usd_per_month": "$180,000", "capacity_mw": "45"}
    )
    small["fleet"][0].update(
        {"unit_price_usd": "$3,500", "degradation_per_year": "2.5%", "resale_usd_per_unit": "120"}
    )
    small["catalog"][0].update({"hashrate_th": "0.2 PH/s", "power_w": "3.5 kW"})
    small["contracts"][0].update(
        {"escalator_per_year": "2%", "adder_usd_per_kwh": "(0.004)", "price_usd_per_kwh": "$0.05"}
    )
    small["scenarios"][0].update({"btc_price_usd": "$67,000", "pool_fee": "2%"})
    small["finance"] = {"tax_rate": "21%", "discount_rate_per_year": "12%"}
    project = validate_project(small)
    site, row, model = project.sites[0], project.fleet[0], project.catalog[0]
    assert site.uptime == pytest.approx(0.97)
    assert site.fixed_opex_usd_per_month == 180_000.0
    assert site.capacity_mw == 45.0
    assert row.unit_price_usd == 3500.0
    assert row.degradation_per_year == pytest.approx(0.025)
    assert row.resale_usd_per_unit == 120.0
    assert model.hashrate_th == pytest.approx(200.0)
    assert model.power_w == pytest.approx(3500.0)
    contract = project.contracts[0]
    assert contract.escalator_per_year == pytest.approx(0.02)
    assert contract.adder_usd_per_kwh == pytest.approx(-0.004)
    assert contract.price_usd_per_kwh == pytest.approx(0.05)
    assert project.scenarios[0].btc_price_usd == 67_000.0
    assert project.scenarios[0].pool_fee == pytest.approx(0.02)
    assert project.finance.tax_rate == pytest.approx(0.21)
    assert project.finance.discount_rate_per_year == pytest.approx(0.12)


def test_names_and_references_are_stripped(small: dict[str, Any]) -> None:
    small["fleet"][0]["site"] = "  Site A "
    small["sites"][0]["name"] = "Site A  "
    project = validate_project(small)
    assert project.fleet[0].site == "Site A"
    assert project.sites[0].name == "Site A"


# ------------------------------------------------------- one problem, exact text

Mutation = Callable[[dict[str, Any]], None]


def _set(*path: Any, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(*path: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _append_site(name: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["sites"].append({**data["sites"][0], "name": name})

    return mutate


CASES: list[tuple[str, Mutation, str]] = [
    (
        "negative count",
        _set("fleet", 3, "count", value=-5),
        "fleet[3].count: must be >= 0, got -5",
    ),
    (
        "text in a number",
        _set("fleet", 0, "unit_price_usd", value="abc"),
        "fleet[0].unit_price_usd: cannot read 'abc' as a number",
    ),
    (
        "text in a whole number",
        _set("fleet", 0, "count", value="abc"),
        "fleet[0].count: cannot read 'abc' as a number",
    ),
    (
        "fractional count",
        _set("fleet", 0, "count", value=1.5),
        "fleet[0].count: must be a whole number, got 1.5",
    ),
    (
        "null in a number",
        _set("fleet", 0, "unit_price_usd", value=None),
        "fleet[0].unit_price_usd: must be a number, got null",
    ),
    (
        "empty string in a fraction",
        _set("sites", 0, "uptime", value=""),
        "sites[0].uptime: is empty; a number is needed",
    ),
    (
        "bad item in a price path",
        _set("contracts", 0, "index_path_usd_per_kwh", 1, value="abc"),
        "contracts[0].index_path_usd_per_kwh[1]: cannot read 'abc' as a number",
    ),
    (
        "unknown site",
        _set("fleet", 1, "site", value="Nowhere"),
        "fleet[1].site: unknown site 'Nowhere'",
    ),
    (
        "unknown rig model",
        _set("fleet", 1, "model", value="Antminer X"),
        "fleet[1].model: unknown rig model 'Antminer X'",
    ),
    (
        "unknown power contract",
        _set("sites", 0, "contract", value="Nope"),
        "sites[0].contract: unknown power contract 'Nope'",
    ),
    (
        "duplicate site name",
        _append_site("Pecos, TX"),
        "sites[3].name: duplicate name 'Pecos, TX' (also sites[0])",
    ),
    (
        "duplicate site name, other case",
        _append_site("PECOS, TX"),
        "sites[3].name: duplicate name 'PECOS, TX' (also sites[0])",
    ),
    (
        "duplicate scenario name",
        _set("scenarios", 2, "name", value="Bear"),
        "scenarios[2].name: duplicate name 'Bear' (also scenarios[1])",
    ),
    (
        "retire before online",
        _set("fleet", 0, "retire_month", value="2021-09"),
        "fleet[0].retire_month: must be after the online month 2021-10, got 2021-09",
    ),
    (
        "retire in the online month",
        _set("fleet", 0, "retire_month", value="2021-10"),
        "fleet[0].retire_month: must be after the online month 2021-10, got 2021-10",
    ),
    (
        "retire before purchase when online is not set",
        _set("fleet", 1, "retire_month", value="2022-10"),
        "fleet[1].retire_month: must be after the online month 2022-11, got 2022-10",
    ),
    (
        "online before purchase",
        _set("fleet", 0, "online_month", value="2021-08"),
        "fleet[0].online_month: must not be before purchase_month 2021-09, got 2021-08",
    ),
    (
        "unknown active scenario",
        _set("active_scenario", value="Nope"),
        "active_scenario: unknown scenario 'Nope' (the project has: Base, Bear, Bull)",
    ),
    (
        "unknown field in an entity",
        _set("sites", 0, "colour", value="red"),
        "sites[0].colour: is not a known field",
    ),
    (
        "unknown top-level field",
        _set("market", value={}),
        "market: is not a known field",
    ),
    (
        "missing required field",
        _drop("fleet", 0, "purchase_month"),
        "fleet[0].purchase_month: is required",
    ),
    (
        "missing required top-level field",
        _drop("active_scenario"),
        "active_scenario: is required",
    ),
    (
        "uptime above 1",
        _set("sites", 0, "uptime", value=1.5),
        "sites[0].uptime: must be <= 1, got 1.5",
    ),
    (
        "uptime 150%",
        _set("sites", 0, "uptime", value="150%"),
        "sites[0].uptime: must be <= 1, got '150%'",
    ),
    (
        "curtailment share of 1",
        _set("contracts", 0, "curtailment_share", value=1),
        "contracts[0].curtailment_share: must be < 1, got 1",
    ),
    (
        "overhead below 1",
        _set("sites", 0, "overhead", value=0.9),
        "sites[0].overhead: must be >= 1, got 0.9",
    ),
    (
        "zero hashrate",
        _set("catalog", 0, "hashrate_th", value=0),
        "catalog[0].hashrate_th: must be > 0, got 0",
    ),
    (
        "horizon too long",
        _set("finance", "horizon_months", value=601),
        "finance.horizon_months: must be <= 600, got 601",
    ),
    (
        "month 13",
        _set("fleet", 0, "purchase_month", value="2021-13"),
        "fleet[0].purchase_month: month must be 01-12, got '2021-13'",
    ),
    (
        "month in words",
        _set("fleet", 0, "purchase_month", value="Sep 2021"),
        "fleet[0].purchase_month: must be a month written YYYY-MM, got 'Sep 2021'",
    ),
    (
        "month as a number",
        _set("scenarios", 0, "start_month", value=202612),
        "scenarios[0].start_month: must be a month written YYYY-MM, got 202612",
    ),
    (
        "wrong contract type",
        _set("contracts", 0, "type", value="spot"),
        "contracts[0].type: must be one of 'fixed', 'hosting' or 'index', got 'spot'",
    ),
    (
        "wrong cooling",
        _set("catalog", 0, "cooling", value="oil"),
        "catalog[0].cooling: must be one of 'air', 'hydro' or 'immersion', got 'oil'",
    ),
    (
        "infrastructure capex without a month",
        _set("sites", 2, "infrastructure_capex_month", value=None),
        "sites[2].infrastructure_capex_month: is required when infrastructure_capex_usd is set",
    ),
    (
        "a list where an object is expected",
        _set("fleet", 0, value="x"),
        "fleet[0]: must be an object, got 'x'",
    ),
    (
        "an object where a list is expected",
        _set("fleet", value={}),
        "fleet: must be a list, got an object",
    ),
    (
        "no scenarios",
        _set("scenarios", value=[]),
        "scenarios: needs at least 1 item(s)",
    ),
    (
        "not true or false",
        _set("finance", "auto_shutdown", value="maybe"),
        "finance.auto_shutdown: must be true or false, got 'maybe'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=label) for label, mutate, expected in CASES],
)
def test_one_problem_with_its_exact_message(
    sample: dict[str, Any], mutate: Mutation, expected: str
) -> None:
    mutate(sample)
    assert problems_of(sample) == [expected]


def test_problem_objects_carry_path_and_message(sample: dict[str, Any]) -> None:
    sample["fleet"][3]["count"] = -5
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(sample)
    assert caught.value.problems == [Problem("fleet[3].count", "must be >= 0, got -5")]
    assert str(caught.value) == "fleet[3].count: must be >= 0, got -5"
    assert isinstance(caught.value, ValueError)


def test_data_that_is_not_an_object() -> None:
    assert problems_of([1, 2]) == ["a project file must hold a JSON object"]
    assert problems_of("text") == ["a project file must hold a JSON object"]


# -------------------------------------------------------------- many problems


def test_all_field_problems_are_reported(sample: dict[str, Any]) -> None:
    sample["fleet"][3]["count"] = -5
    sample["fleet"][0]["unit_price_usd"] = "abc"
    sample["sites"][0]["uptime"] = 1.5
    sample["contracts"][1]["type"] = "spot"
    sample["sites"][1]["colour"] = "red"
    del sample["fleet"][5]["purchase_month"]
    problems = problems_of(sample)
    assert sorted(problems) == sorted(
        [
            "fleet[3].count: must be >= 0, got -5",
            "fleet[0].unit_price_usd: cannot read 'abc' as a number",
            "sites[0].uptime: must be <= 1, got 1.5",
            "contracts[1].type: must be one of 'fixed', 'hosting' or 'index', got 'spot'",
            "sites[1].colour: is not a known field",
            "fleet[5].purchase_month: is required",
        ]
    )


def test_all_cross_entity_problems_are_reported(sample: dict[str, Any]) -> None:
    sample["active_scenario"] = "Nope"
    sample["sites"][0]["contract"] = "Nope"
    sample["fleet"][1]["site"] = "Nowhere"
    sample["fleet"][2]["model"] = "Antminer X"
    sample["fleet"][0]["online_month"] = "2021-08"
    sample["sites"][2]["infrastructure_capex_month"] = None
    sample["catalog"].append(dict(sample["catalog"][0]))
    assert problems_of(sample) == [
        "catalog[27].name: duplicate name 'Antminer S19j Pro' (also catalog[0])",
        "active_scenario: unknown scenario 'Nope' (the project has: Base, Bear, Bull)",
        "sites[0].contract: unknown power contract 'Nope'",
        "sites[2].infrastructure_capex_month: is required when infrastructure_capex_usd is set",
        "fleet[0].online_month: must not be before purchase_month 2021-09, got 2021-08",
        "fleet[1].site: unknown site 'Nowhere'",
        "fleet[2].model: unknown rig model 'Antminer X'",
    ]


def test_a_renamed_site_reports_the_rows_that_lost_it(sample: dict[str, Any]) -> None:
    sample["sites"][1]["name"] = "Pecos, TX"  # duplicate; "Hosted - Ohio" disappears
    assert problems_of(sample) == [
        "sites[1].name: duplicate name 'Pecos, TX' (also sites[0])",
        "fleet[0].site: unknown site 'Hosted - Ohio'",
        "fleet[7].site: unknown site 'Hosted - Ohio'",
    ]


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_message(sample: dict[str, Any], name: str) -> None:
    sample["fleet"][0]["name"] = name
    assert problems_of(sample) == ["fleet[0].name: must not be empty"]


def test_too_long_name_message(sample: dict[str, Any]) -> None:
    sample["sites"][0]["notes"] = "x" * 5000  # notes have no limit
    sample["fleet"][0]["name"] = "x" * 121
    sample["swaps"] = []  # they name fleet[0]
    assert problems_of(sample) == ["fleet[0].name: is too long (at most 120 characters)"]


def test_field_and_cross_entity_problems_are_reported_together(sample: dict[str, Any]) -> None:
    sample["fleet"][3]["count"] = -5
    sample["fleet"][1]["site"] = "X"
    sample["sites"][0]["uptime"] = "abc"
    assert problems_of(sample) == [
        "sites[0].uptime: cannot read 'abc' as a number",
        "fleet[3].count: must be >= 0, got -5",
        "fleet[1].site: unknown site 'X'",
    ]
