"""The best buy's typed inputs read without Qt: values as typed, refusals naming where."""

from __future__ import annotations

from datetime import date

import pytest

from planner.domain.project import RigModel
from planner.engine.best_buy_inputs import (
    BuyInputs,
    CandidateRow,
    candidate_rows,
    parse_buy_inputs,
    parse_candidate,
    parse_purchase_month,
)
from planner.engine.optimize import BuyCandidate

HORIZON = (date(2026, 12, 1), date(2031, 11, 1))
XP = "Antminer S21 XP"
PRICE = "Candidate models, Antminer S21 XP, Unit price (USD): "
MOST = "Candidate models, Antminer S21 XP, Max rigs: "


def _row(price: str = "6,939", most: str = "", ticked: bool = True) -> CandidateRow:
    return CandidateRow(XP, 13.5, ticked, price, most)


def test_typed_values_are_read_in_their_units() -> None:
    rows = [
        _row("$5,200", "120"),
        CandidateRow("Antminer S21 Pro", 15.0, False, "not read: unticked", "x"),
        CandidateRow("Antminer S21", 17.5, True, "2800.00", ""),
    ]
    inputs = parse_buy_inputs(rows, ["Williston, ND"], 4_000_000.0, " 2027-06 ", HORIZON)
    assert inputs == BuyInputs(
        (BuyCandidate(XP, 5_200.0, 120), BuyCandidate("Antminer S21", 2_800.0, None)),
        ("Williston, ND",),
        4_000_000.0,
        date(2027, 6, 1),
    )


def test_a_blank_month_is_the_start_of_the_horizon_and_a_blank_limit_none() -> None:
    inputs = parse_buy_inputs([_row("6939", "  ")], ["Pecos, TX"], 0.0, "")
    assert inputs.purchase_month is None
    assert inputs.candidates[0].max_count is None
    assert inputs.candidates[0].unit_price_usd == 6_939.0
    assert inputs.budget_usd == 0.0


@pytest.mark.parametrize(
    ("price", "most", "message"),
    [
        ("abc", "", PRICE + "cannot read 'abc' as"),
        ("", "", PRICE + "is empty"),
        ("0", "", PRICE + "must be above zero, got '0'"),
        ("-5", "", PRICE + "must be above zero"),
        ("6,939", "1.5", MOST + "must be a whole number"),
        ("6,939", "-3", MOST + "cannot be negative, got '-3'"),
        ("6,939", "ten", MOST + "cannot read 'ten'"),
    ],
)
def test_a_bad_cell_names_the_table_the_row_and_the_column(price, most, message) -> None:
    with pytest.raises(ValueError) as caught:
        parse_candidate(_row(price, most))
    assert str(caught.value).startswith(message)


def test_the_first_bad_ticked_row_is_named() -> None:
    rows = [_row("6,939"), CandidateRow("Antminer S21 Pro", 15.0, True, "6,500", "lots")]
    with pytest.raises(ValueError, match=r"^Candidate models, Antminer S21 Pro, Max rigs: "):
        parse_buy_inputs(rows, ["Pecos, TX"], 1e6, "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("June", "Purchase month: must be a month written YYYY-MM, got 'June'"),
        ("2027-13", "Purchase month: "),
        ("2040-01", "Purchase month: 2040-01 is outside the horizon (2026-12 to 2031-11)"),
        ("2026-11", "Purchase month: 2026-11 is outside the horizon (2026-12 to 2031-11)"),
    ],
)
def test_a_bad_month_is_named(text, message) -> None:
    with pytest.raises(ValueError) as caught:
        parse_purchase_month(text, HORIZON)
    assert str(caught.value).startswith(message)


def test_the_horizon_ends_are_inside() -> None:
    assert parse_purchase_month("2026-12", HORIZON) == date(2026, 12, 1)
    assert parse_purchase_month("2031-11-01", HORIZON) == date(2031, 11, 1)
    assert parse_purchase_month("2040-01") == date(2040, 1, 1)  # no horizon: any month


def _refusal(*args) -> str:
    with pytest.raises(ValueError) as caught:
        parse_buy_inputs(*args)
    return str(caught.value)


def test_nothing_ticked_is_refused_model_first_then_site_then_budget() -> None:
    assert (
        _refusal([_row(ticked=False)], [], 1e6, "") == "Candidate models: tick at least one model"
    )
    assert _refusal([_row()], [], 1e6, "") == "Sites: tick at least one site"
    site = ["Pecos, TX"]
    assert _refusal([_row()], site, -1.0, "") == "Capex budget: must be zero or more, got -1.0"
    assert (
        _refusal([_row()], site, float("nan"), "") == "Capex budget: must be zero or more, got nan"
    )


def test_candidate_rows_keep_what_was_typed_and_start_new_models_at_the_reference() -> None:
    catalog = [
        RigModel(name="S19j Pro", hashrate_th=104, power_w=3068, reference_price_usd=1234.4),
        RigModel(name="S21 XP", hashrate_th=270, power_w=3645, reference_price_usd=6939),
        RigModel(name="Unpriced", hashrate_th=200, power_w=3500),
    ]
    rows = candidate_rows(catalog)
    assert [r.model for r in rows] == ["S21 XP", "Unpriced", "S19j Pro"]  # by J/TH
    assert rows[0] == CandidateRow("S21 XP", 13.5, False, "6,939", "")
    assert rows[1].price_text == "" and rows[2].price_text == "1,234"
    typed = {"S21 XP": CandidateRow("S21 XP", 13.5, True, "5,000", "10")}
    again = candidate_rows(catalog, typed)
    assert again[0] == CandidateRow("S21 XP", 13.5, True, "5,000", "10")
    assert again[1:] == rows[1:]
