"""Values no plan may hold are refused naming the field; the most extreme values that are
accepted still give finite results everywhere (issue 11)."""

from __future__ import annotations

import copy
import json
import math
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

from planner.domain.errors import Problem, ProjectValidationError, format_path, quote
from planner.domain.project import (
    ConversionPlan,
    FinanceSettings,
    FleetRow,
    PowerContract,
    ResaleTier,
    RigModel,
    Scenario,
    Site,
    SwapCandidate,
)
from planner.domain.units import parse_quantity, parse_whole_number
from planner.domain.validation import validate_project
from planner.engine import run
from planner.engine.model import Breakevens, Kpis

ROOT = Path(__file__).resolve().parents[2]
SAMPLE: dict[str, Any] = json.loads(
    (ROOT / "samples" / "sample_project.json").read_text(encoding="utf-8")
)

# Where one entity of each kind sits in the sample.
PLACES: dict[type[BaseModel], tuple[str, ...]] = {
    Scenario: ("scenarios", "0"),
    PowerContract: ("contracts", "0"),
    Site: ("sites", "0"),
    RigModel: ("catalog", "0"),
    FleetRow: ("fleet", "0"),
    ConversionPlan: ("conversions", "0"),
    FinanceSettings: ("finance",),
    ResaleTier: ("resale_curve", "0"),
}


def _problems(data: Any) -> list[str]:
    with pytest.raises(ProjectValidationError) as caught:
        validate_project(data)
    return [str(p) for p in caught.value.problems]


def _with(place: tuple[str, ...], field: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    if place[0] == "resale_curve" and "resale_curve" not in data:
        data["resale_curve"] = [{"max_j_per_th": 20, "usd_per_th": 5}]
    node: Any = data
    for step in place:
        node = node[int(step)] if step.isdigit() else node[step]
    node[field] = value
    return data


def _kinds(model: type[BaseModel]) -> dict[str, set[type]]:
    found: dict[str, set[type]] = {}
    for name, info in model.model_fields.items():
        kinds = {info.annotation}
        if typing.get_origin(info.annotation) in (typing.Union, type(int | None)):
            kinds = set(typing.get_args(info.annotation))
        found[name] = {k for k in kinds if isinstance(k, type)}
    return found


NUMERIC = [
    (model, name)
    for model in PLACES
    for name, kinds in _kinds(model).items()
    if kinds & {int, float}
]
TEXT = [(model, name) for model in PLACES for name, kinds in _kinds(model).items() if str in kinds]


def test_every_kind_of_field_is_covered() -> None:
    assert len(NUMERIC) > 40
    assert {name for _, name in TEXT} >= {"name", "notes", "contract", "site", "model", "maker"}


@pytest.mark.parametrize(("model", "field"), NUMERIC, ids=[f"{m.__name__}.{f}" for m, f in NUMERIC])
@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(model: type[BaseModel], field: str, value: bool) -> None:
    path = format_path([int(p) if p.isdigit() else p for p in PLACES[model]] + [field])
    word = "true" if value else "false"
    assert (
        f"{path}: must be a {'whole ' if 'whole' in _whole(model, field) else ''}number, got {word}"
        in _problems(_with(PLACES[model], field, value))
    )


def _whole(model: type[BaseModel], field: str) -> str:
    return "whole" if int in _kinds(model)[field] else ""


@pytest.mark.parametrize(("model", "field"), NUMERIC, ids=[f"{m.__name__}.{f}" for m, f in NUMERIC])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 1e308, -1e308, 10**400])
def test_no_numeric_field_takes_a_value_that_overflows(
    model: type[BaseModel], field: str, value: Any
) -> None:
    path = format_path([int(p) if p.isdigit() else p for p in PLACES[model]] + [field])
    problems = _problems(_with(PLACES[model], field, value))
    assert problems[0].startswith(f"{path}: ")
    assert all(len(p) < 200 for p in problems)


@pytest.mark.parametrize(("model", "field"), TEXT, ids=[f"{m.__name__}.{f}" for m, f in TEXT])
@pytest.mark.parametrize(
    "character", ["\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_control_characters_are_refused_in_every_text_field(
    model: type[BaseModel], field: str, character: str
) -> None:
    path = format_path([int(p) if p.isdigit() else p for p in PLACES[model]] + [field])
    data = _with(PLACES[model], field, f"A{character}B")
    assert (
        f"{path}: must not contain control characters (U+{ord(character):04X} at character 2)"
        in _problems(data)
    )


@pytest.mark.parametrize(("model", "field"), TEXT, ids=[f"{m.__name__}.{f}" for m, f in TEXT])
def test_only_notes_may_hold_tabs_and_line_breaks(model: type[BaseModel], field: str) -> None:
    data = _with(PLACES[model], field, "A\tB\nC")
    if field == "notes":
        validate_project(data)
    else:
        path = format_path([int(p) if p.isdigit() else p for p in PLACES[model]] + [field])
        assert any(p.startswith(f"{path}: must not contain control") for p in _problems(data))


def test_swaps_are_checked_like_the_rest() -> None:
    for field in ("unit_price_usd", "count", "downtime_months"):
        assert field in SwapCandidate.model_fields
    data = copy.deepcopy(SAMPLE)
    data["swaps"] = [
        {
            "row": "A\x1bB",
            "model": data["catalog"][0]["name"],
            "month": "2027-01",
            "unit_price_usd": True,
            "count": 10**400,
        }
    ]
    problems = _problems(data)
    assert "swaps[0].unit_price_usd: must be a number, got true" in problems
    assert any(
        p.startswith("swaps[0].count: must be <= 10,000,000, got a number of") for p in problems
    )
    assert any(p.startswith("swaps[0].row: must not contain control") for p in problems)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("horizon_months", 1e7),
        ("horizon_months", 10**30),
        ("horizon_months", "Infinity"),
        ("horizon_months", -5),
    ],
)
def test_a_horizon_out_of_bounds_is_refused_before_any_date_is_built(
    field: str, value: Any
) -> None:
    data = _with(("finance",), field, value)
    problems = _problems(data)
    assert len(problems) == 1 and problems[0].startswith("finance.horizon_months: ")


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1999-12", "2500-01"])
def test_months_out_of_range_are_refused(month: str) -> None:
    problems = _problems(_with(("scenarios", "0"), "start_month", month))
    assert problems == [
        f"scenarios[0].start_month: must be a month from 2000-01 to 2499-12, got {month!r}"
    ]


def test_units_refuse_what_would_overflow() -> None:
    with pytest.raises(ValueError, match="must be a finite number, got a number of about"):
        parse_quantity(10**400)
    with pytest.raises(ValueError, match="must be a whole number, got true"):
        parse_whole_number(True)


def test_echoed_values_are_cut() -> None:
    shown = quote("x" * 10_000_000)
    assert len(shown) <= 80 and shown.endswith("\u2026")
    assert quote("\x1b[31m") == "'\\x1b[31m'"
    assert len(str(Problem("a", "b" * 1_000_000))) < 500
    assert format_path(["sites", 0, "\x1b" + "k" * 1000]).startswith("sites[0]['\\x1bkkk")


def test_a_long_bad_value_from_validation_is_cut() -> None:
    problems = _problems(_with(("fleet", "0"), "site", "Nowhere " * 1_000_000))
    assert all(len(p) < 150 for p in problems)
    assert problems[1].startswith("fleet[0].site: unknown site 'Nowhere Nowhere")


# ------------------------------------------------------------ extremes that are accepted


def _extreme_rich() -> dict[str, Any]:
    """Every value at the bound that makes figures largest (or divisors smallest)."""
    return {
        "schema_version": 2,
        "name": "Extreme",
        "finance": {
            "horizon_months": 600,
            "discount_rate_per_year": 0.0,
            "tax_rate": 0.99,
            "depreciation_years": 1 / 12,
            "auto_shutdown": True,
        },
        "scenarios": [
            {
                "name": "S",
                "start_month": "2499-12",
                "start_block_height": 0,
                "block_time_s": 0.001,
                "network_hashrate_ehs": 1e-6,
                "network_hashrate_growth_per_year": -0.99,
                "btc_price_usd": 1e9,
                "btc_price_growth_per_year": 3,
                "fees_btc_per_block": 100,
            }
        ],
        "active_scenario": "S",
        "contracts": [
            {
                "name": "C",
                "type": "index",
                "price_usd_per_kwh": 10,
                "escalator_per_year": 1,
                "index_path_usd_per_kwh": [10, -10],
                "adder_usd_per_kwh": 10,
                "demand_charge_usd_per_kw_month": 1e12,
                "curtailment_share": 0.999999,
                "curtailment_credit_usd_per_mwh": 1e12,
            }
        ],
        "sites": [
            {
                "name": "X",
                "contract": "C",
                "capacity_mw": 100_000,
                "overhead": 3,
                "fixed_opex_usd_per_month": 1e12,
                "maintenance_usd_per_rig_month": 1e12,
                "infrastructure_capex_usd": 1e12,
                "infrastructure_capex_month": "2000-01",
            }
        ],
        "catalog": [
            {"name": "R", "hashrate_th": 1e6, "power_w": 1, "reference_price_usd": 1e12},
            {"name": "T", "hashrate_th": 1e-6, "power_w": 1e7},
        ],
        "fleet": [
            {
                "name": "F",
                "model": "R",
                "site": "X",
                "count": 10_000_000,
                "unit_price_usd": 1e12,
                "purchase_month": "2000-01",
                "resale_usd_per_unit": 1e12,
                "terminal_value_usd_per_unit": 1e12,
                "degradation_per_year": 0.5,
            },
            {
                "name": "G",
                "model": "T",
                "site": "X",
                "count": 10_000_000,
                "unit_price_usd": 1e12,
                "purchase_month": "2499-11",
                "retire_month": "2499-12",
            },
        ],
        "conversions": [
            {
                "site": "X",
                "start_month": "2499-12",
                "construction_months": 0,
                "ai_pue": 1,
                "it_mw": 100_000,
                "capex_usd_per_mw_it": 1e12,
                "rent_usd_per_kw_month": 1e12,
                "rent_escalator_per_year": 1,
                "lease_term_years": 50,
                "noi_margin": 1,
                "power_pass_through": False,
                "rig_resale_usd_per_th": 1e12,
                "mining_site_value_usd_per_mw": 1e12,
                "cap_rate": 0.001,
                "loan_to_cost": 0.95,
                "loan_rate_per_year": 1,
                "loan_term_years": 1 / 24,
            }
        ],
        "swaps": [
            {"row": "F", "model": "T", "month": "2499-12", "unit_price_usd": 1e12},
            {"row": "G", "model": "R", "month": "2499-12", "unit_price_usd": 0},
        ],
        "resale_curve": [
            {"max_j_per_th": 1e-300, "usd_per_th": 1e12},
            {"max_j_per_th": 1e9, "usd_per_th": 1e12},
        ],
    }


def _extreme_poor() -> dict[str, Any]:
    """The other end: the largest network, the smallest price, the longest blocks."""
    data = _extreme_rich()
    data["scenarios"][0].update(
        block_time_s=36_000,
        network_hashrate_ehs=1e9,
        network_hashrate_growth_per_year=3,
        btc_price_usd=1e-300,
        btc_price_growth_per_year=-0.99,
        fees_btc_per_block=0,
        pool_fee=0.999999,
        start_month="2000-01",
        start_block_height=1_000_000_000,
    )
    data["finance"].update(discount_rate_per_year=1, tax_rate=0)
    data["conversions"][0].update(
        start_month="2000-01",
        cap_rate=1,
        lease_term_years=1e-9,
        ai_pue=3,
        it_mw=1e-300,
        construction_months=120,
        ramp_months=120,
        loan_term_years=50,
        loan_rate_per_year=0,
    )
    data["swaps"] = [
        {
            "row": "F",
            "model": "T",
            "month": "2000-01",
            "unit_price_usd": 1e12,
            "downtime_months": 24,
        }
    ]
    return data


def _extreme_paths() -> dict[str, Any]:
    data = _extreme_rich()
    data["scenarios"][0].update(
        btc_price_path_usd=[1e9, 1e-300] * 300,
        network_hashrate_path_ehs=[1e-6, 1e9] * 300,
        block_time_s=1,
    )
    return data


def _extreme_short() -> dict[str, Any]:
    data = _extreme_rich()
    data["finance"]["horizon_months"] = 1
    data["fleet"][0]["count"] = 0
    return data


EXTREMES = {
    "rich": _extreme_rich,
    "poor": _extreme_poor,
    "paths": _extreme_paths,
    "short": _extreme_short,
}

# Answers where NaN is the documented "none" (no payback, nothing mined, never online).
NAN_MEANS_NONE = {
    *(f"Kpis.{name}" for name in ("payback_months", "payback_at_month")),
    *(f"Kpis.{name}" for name in ("discounted_payback_months", "discounted_payback_at_month")),
    *(f"Kpis.{name}" for name in ("roi", "cost_per_btc_cash_usd", "cost_per_btc_all_in_usd")),
    *(f"Kpis.{name}" for name in ("cost_per_btc_net_usd", "cost_per_btc_energy_usd")),
    "Kpis.revenue_usd_per_mwh",
    *(f"Breakevens.{f.name}" for f in fields(Breakevens)),
    "Results.site_irr_annual",
    "Results.row_irr_annual",
}


def _arrays(value: Any, where: str) -> list[tuple[str, np.ndarray]]:
    if isinstance(value, np.ndarray):
        return [(where, value)] if value.dtype.kind == "f" else []
    if is_dataclass(value) and not isinstance(value, type):
        owner = type(value).__name__
        found = []
        for f in fields(value):
            found += _arrays(getattr(value, f.name), f"{owner}.{f.name}")
        return found
    return []


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_but_valid_values_give_finite_results(name: str) -> None:
    project = validate_project(EXTREMES[name]())
    # Any overflow, division by zero or 0/0 in the engine fails here; underflow to 0 is fine.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        results = run(project)
        arrays = _arrays(results, "Results")
        arrays.append(("Results.row_irr_annual", results.row_irr_annual))
    assert len(arrays) > 40
    for where, array in arrays:
        assert not np.isinf(array).any(), where
        if where not in NAN_MEANS_NONE:
            assert np.isfinite(array).all(), where
    assert np.isfinite(results.fleet_kpis.npv_usd).all()
    assert results.fleet_irr_annual is None or math.isfinite(results.fleet_irr_annual)
    assert isinstance(results.fleet_kpis, Kpis)
