"""Plausible slips: a value the cell takes but that was probably meant otherwise."""

from __future__ import annotations

import pytest

from planner.domain import schema
from planner.domain.slips import TYPICAL, cell_slip, finance_slip


def _slip(section: str, key: str, text: str):
    return cell_slip(section, schema.column(section, key), text)


def test_every_typical_range_names_a_column() -> None:
    for section, key in TYPICAL:
        assert schema.column(section, key).numeric


def test_a_fraction_typed_as_a_bare_percent_is_asked_about() -> None:
    slip = _slip("fleet", "degradation_per_year", "0.5")
    assert slip is not None
    assert slip.question == "0.5 in Degradation (%/yr): 50 %, or did you mean 0.5 %?"
    assert (slip.as_typed, slip.meant) == ("0.5", "0.5%")
    pool = _slip("scenarios", "pool_fee", "1")
    assert pool is not None and pool.question == "1 in Pool fee (%): 100 %, or did you mean 1 %?"


@pytest.mark.parametrize(
    ("section", "key", "text"),
    [
        ("fleet", "degradation_per_year", "5"),  # above 1: read as 5 %, no doubt
        ("fleet", "degradation_per_year", "0.5%"),  # the % sign says it
        ("fleet", "degradation_per_year", "0.05"),  # 5 %/yr is a degradation rigs have
        ("sites", "uptime", "0.97"),  # 97 % uptime: as meant
        ("fleet", "unit_price_usd", "6500"),
        ("fleet", "unit_price_usd", "6.5k"),  # the suffix says it
        ("fleet", "count", "5"),  # no typical range: never asked
        ("fleet", "degradation_per_year", "abc"),  # refused, not a slip
        ("fleet", "unit_price_usd", "0.01"),  # neither reading is a rig's price
    ],
)
def test_values_that_are_not_slips(section: str, key: str, text: str) -> None:
    assert _slip(section, key, text) is None


def test_thousands_slips_on_prices_and_power() -> None:
    price = _slip("fleet", "unit_price_usd", "6.5")
    assert price is not None and price.question == (
        "6.5 in Unit price (USD): $6.50, or did you mean $6,500?"
    )
    assert price.meant == "6500"
    power = _slip("catalog", "power_w", "3.4")
    assert power is not None and (power.as_typed_label, power.meant_label) == ("3.4 W", "3,400 W")


def test_finance_settings_are_asked_too() -> None:
    rate = schema.FINANCE_COLUMNS[[c.key for c in schema.FINANCE_COLUMNS].index("tax_rate")]
    slip = finance_slip(rate, "0.21")
    assert slip is None  # 21 % is a tax rate
    slip = finance_slip(rate, "0.9")
    assert slip is not None and slip.meant_label == "0.9 %"
