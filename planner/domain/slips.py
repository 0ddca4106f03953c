"""Plausible slips: a typed value the cell accepts but that is probably not what was meant.

"0.5" in Degradation (%/yr) reads as 50 %/yr (a bare number up to 1 is a fraction, as in a
percent-formatted spreadsheet cell), though rigs lose about 0.5 %/yr; "6.5" as a rig's unit
price is $6.50 where $6,500 was meant; "3.4" W is a rig drawing 3.4 kW. For such a value the
window asks which was meant before it writes the cell. A value is a slip when it lies outside
the range its column holds in practice and one other reading (percent instead of fraction,
thousands, kilo) lies inside it. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain.cells import parse_cell
from planner.domain.schema import Column


@dataclass(frozen=True)
class Typical:
    """The range a column's values lie in for real fleets, and the other reading of a
    typed number to offer when a value falls outside it."""

    low: float
    high: float
    reading: str  # "percent": the number was a percent; "thousands": it was in thousands


# Ranges seen in practice (not the limits the project file enforces: those refuse).
TYPICAL: dict[tuple[str, str], Typical] = {
    ("fleet", "degradation_per_year"): Typical(0.0, 0.15, "percent"),
    ("fleet", "sales_tax"): Typical(0.0, 0.15, "percent"),
    ("fleet", "import_tariff"): Typical(0.0, 1.0, "percent"),
    ("fleet", "deposit_share"): Typical(0.0, 1.0, "percent"),
    ("fleet", "unit_price_usd"): Typical(50.0, 50_000.0, "thousands"),
    ("fleet", "resale_usd_per_unit"): Typical(10.0, 50_000.0, "thousands"),
    ("fleet", "terminal_value_usd_per_unit"): Typical(10.0, 50_000.0, "thousands"),
    ("catalog", "power_w"): Typical(300.0, 30_000.0, "thousands"),
    ("catalog", "reference_price_usd"): Typical(50.0, 50_000.0, "thousands"),
    ("sites", "uptime"): Typical(0.5, 1.0, "percent"),
    ("contracts", "escalator_per_year"): Typical(-0.1, 0.2, "percent"),
    ("contracts", "curtailment_share"): Typical(0.0, 0.6, "percent"),
    ("scenarios", "pool_fee"): Typical(0.0, 0.05, "percent"),
    ("scenarios", "btc_price_growth_per_year"): Typical(-0.9, 2.0, "percent"),
    ("conversions", "rent_escalator_per_year"): Typical(-0.1, 0.2, "percent"),
    ("conversions", "cap_rate"): Typical(0.02, 0.2, "percent"),
    ("conversions", "loan_rate_per_year"): Typical(0.0, 0.3, "percent"),
}
FINANCE_TYPICAL: dict[str, Typical] = {
    "discount_rate_per_year": Typical(0.0, 0.5, "percent"),
    "tax_rate": Typical(0.0, 0.5, "percent"),
}


@dataclass(frozen=True)
class Slip:
    """A question for the user: the value as typed or the other reading."""

    question: str
    as_typed: str  # a text the cell reads as the value typed
    as_typed_label: str
    meant: str  # a text the cell reads as the other reading
    meant_label: str


def _other_reading(text: str, value: float, typical: Typical) -> tuple[float, str] | None:
    """The other reading of a typed number and a text that says it unambiguously."""
    bare = text.strip()
    if typical.reading == "percent":
        if "%" in bare or not 0 < abs(value) <= 1:
            return None  # "%" says it; above 1 a bare number is already read as percent
        return value / 100.0, f"{bare}%"
    if typical.reading == "thousands":
        if any(ch.isalpha() for ch in bare.replace("$", "")):
            return None  # "6.5k" says it
        return value * 1000.0, f"{value * 1000.0:.12g}"
    return None


def _label(column: Column, value: float) -> str:
    """A value as the question says it: "50 %", "$6.50", "3,400 W"; every digit kept."""
    if column.kind in ("fraction", "rate"):
        return f"{value * 100:,.6g} %"
    if column.kind in ("usd", "price"):
        cents = f"{abs(value):,.2f}".removesuffix(".00")
        return f"{'-' if value < 0 else ''}${cents}"
    unit = f" {column.unit}" if column.unit else ""
    return f"{value:,.6g}{unit}"


def slip(column: Column, typical: Typical | None, text: str) -> Slip | None:
    """A question when `text` in `column` is probably a slip, else None. A text the
    column refuses is not a slip (the refusal says why)."""
    if typical is None or not column.numeric or not text.strip():
        return None
    try:
        value = parse_cell(column, text)
    except ValueError:
        return None
    if not isinstance(value, int | float) or typical.low <= value <= typical.high:
        return None
    other = _other_reading(text, float(value), typical)
    if other is None:
        return None
    meant_value, meant_text = other
    if not typical.low <= meant_value <= typical.high:
        return None
    typed_label = _label(column, float(value))
    meant_label = _label(column, meant_value)
    return Slip(
        question=(
            f"{text.strip()} in {column.header}: {typed_label}, or did you mean {meant_label}?"
        ),
        as_typed=text,
        as_typed_label=typed_label,
        meant=meant_text,
        meant_label=meant_label,
    )


def cell_slip(section: str, column: Column, text: str) -> Slip | None:
    """The slip question for a table cell, if any."""
    return slip(column, TYPICAL.get((section, column.key)), text)


def finance_slip(column: Column, text: str) -> Slip | None:
    """The slip question for a finance setting, if any."""
    return slip(column, FINANCE_TYPICAL.get(column.key), text)
