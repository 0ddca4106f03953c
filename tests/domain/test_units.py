"""parse_quantity: numbers as finance people type them, in the engine's base units."""

from __future__ import annotations

import math

import pytest

from planner.domain.units import parse_quantity


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (3500, "number", 3500.0),
        (-2, "number", -2.0),
        (0.25, "number", 0.25),
        ("3500", "number", 3500.0),
        ("3,500", "number", 3500.0),
        ("1,234,567.5", "number", 1234567.5),
        ("  42  ", "number", 42.0),
        (".5", "number", 0.5),
        ("5.", "number", 5.0),
        ("+5", "number", 5.0),
        ("$-5", "usd", -5.0),
        ("-7", "number", -7.0),
        ("1e3", "number", 1000.0),
        ("2.5E-2", "number", 0.025),
        ("$3,500", "usd", 3500.0),
        ("3,500 USD", "usd", 3500.0),
        ("-$1,200", "usd", -1200.0),
        ("(1,200)", "number", -1200.0),
        ("(1,200)", "usd", -1200.0),
        ("($1,200)", "usd", -1200.0),
        ("17.5%", "fraction", 0.175),
        ("97 %", "fraction", 0.97),
        ("0.97", "fraction", 0.97),
        ("3.5 kW", "power_w", 3500.0),
        ("3.5kw", "power_w", 3500.0),
        ("3645 W", "power_w", 3645.0),
        ("1.2 MW", "power_w", 1_200_000.0),
        ("0.2 PH/s", "hashrate_th", 200.0),
        ("270 TH/s", "hashrate_th", 270.0),
        ("270 th", "hashrate_th", 270.0),
        ("500 GH/s", "hashrate_th", 0.5),
    ],
)
def test_accepted(value: object, kind: str, expected: float) -> None:
    result = parse_quantity(value, kind)  # type: ignore[arg-type]
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12)


def test_default_kind_is_a_plain_number() -> None:
    assert parse_quantity("3,500") == 3500.0
    with pytest.raises(ValueError, match="unknown unit '%'"):
        parse_quantity("17.5%")


@pytest.mark.parametrize(
    ("value", "kind", "named"),
    [
        ("abc", "number", "'abc'"),
        ("12abc", "number", "'12abc'"),
        ("3,50", "number", "'3,50'"),
        ("1,000,00", "number", "'1,000,00'"),
        (",100", "number", "',100'"),
        ("1.2.3", "number", "'1.2.3'"),
        ("e5", "number", "'e5'"),
        ("+e5", "number", "'+e5'"),
        ("--5", "number", "'--5'"),
        ("+-5", "number", "'+-5'"),
        (".", "number", "'.'"),
        ("-", "number", "'-'"),
        ("1e400", "number", "'1e400'"),
        ("5 furlongs", "power_w", "'5 furlongs'"),
        ("5 furlongs", "number", "'5 furlongs'"),
        ("3.5 kW", "hashrate_th", "'3.5 kW'"),
        ("$5%", "number", "'$5%'"),
        ("$5%", "usd", "'$5%'"),
        ("$5%", "fraction", "'$5%'"),
        ("$5", "power_w", "'$5'"),
        (True, "number", "true"),
        (False, "number", "false"),
        (float("nan"), "number", "nan"),
        (float("inf"), "number", "inf"),
        (None, "number", "null"),
        ([1], "number", "[1]"),
    ],
)
def test_rejected_with_the_text_named(value: object, kind: str, named: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity(value, kind)  # type: ignore[arg-type]
    assert named in str(caught.value)


def test_empty_text_is_rejected_as_empty() -> None:
    for blank in ("", "   "):
        with pytest.raises(ValueError, match="is empty; a number is needed"):
            parse_quantity(blank)


def test_unknown_unit_message_lists_the_known_units() -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity("5 furlongs", "power_w")
    assert str(caught.value) == (
        "cannot read '5 furlongs': unknown unit 'furlongs' (expected w, kw, mw)"
    )


def test_bad_thousands_grouping_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity("3,50")
    assert str(caught.value) == "cannot read '3,50' as a number"


def test_dollar_sign_where_no_money_is_expected() -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity("$5%", "fraction")
    assert str(caught.value) == "cannot read '$5%': a dollar amount is not expected here"


def test_numbers_pass_through_unchanged() -> None:
    assert parse_quantity(0) == 0.0
    assert parse_quantity(10**6, "usd") == 1e6
    # numbers are taken as already in the base unit: no % or k scaling applies
    assert parse_quantity(17.5, "fraction") == 17.5
    assert parse_quantity(3.5, "power_w") == 3.5
    assert math.copysign(1.0, parse_quantity(-0.0)) == -1.0


@pytest.mark.parametrize("text", ["e5", "+e5", "--5", "+-5"])
def test_malformed_signs_and_exponents_get_the_house_message(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity(text)
    assert str(caught.value) == f"cannot read {text!r} as a number"
