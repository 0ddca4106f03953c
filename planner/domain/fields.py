"""The field types every project entity is built from: bounded numbers that read what
people type ("$3,500", "17.5%"), months, names and notes, and the frozen entity base.

Shared by project.py and treasury.py; project.py re-exports what other modules import.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from planner.domain.months import format_month, parse_month
from planner.domain.units import QuantityKind, parse_quantity, parse_whole_number

# Bounds that keep every figure the engine derives finite (docs/project-format.md). They
# are far beyond any real plan: a trillion dollars, ten million rigs in a row, 100 GW.
MAX_USD = 1e12
MAX_BTC_PRICE_USD = 1e9
MAX_COUNT = 10_000_000
MAX_MW = 100_000.0
MAX_HASHRATE_TH = 1e6  # one rig of 1 EH/s
MIN_HASHRATE_TH = 1e-6  # 1 MH/s, a CPU of 2010
MAX_POWER_W = 1e7
MIN_POWER_W = 1.0
MIN_NETWORK_EHS = 1e-6  # 1 TH/s, the network of 2010
MAX_NETWORK_EHS = 1e9
MIN_BLOCK_TIME_S = 0.001
MAX_BLOCK_HEIGHT = 1_000_000_000
MAX_HORIZON_MONTHS = 600
MAX_TEXT = 32_767  # what one spreadsheet cell holds


def _at_least(minimum: float) -> AfterValidator:
    """A floor above a field's `> 0`: values this small only overflow what is divided by them."""

    def check(value: float) -> float:
        if value < minimum:
            raise ValueError(f"must be >= {minimum:,.12g}, got {value:,.12g}")
        return value

    return AfterValidator(check)


def _lenient(kind: QuantityKind) -> BeforeValidator:
    """Accept strings as typed by people ("3,500", "17.5%") as well as numbers; refuse
    true/false, NaN and infinity (pydantic would read true as 1)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str | int | float):  # bool is an int
            return parse_quantity(value, kind)
        return value

    return BeforeValidator(convert)


# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates: they
# move the terminal's cursor or reorder what a reader sees, and spreadsheets refuse them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_NOTES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _refuse(found: re.Match[str] | None) -> None:
    if found is not None:
        raise ValueError(
            f"must not contain control characters (U+{ord(found.group()):04X} "
            f"at character {found.start() + 1})"
        )


def _plain_text(value: str) -> str:
    _refuse(_CONTROL.search(value))
    return value


def _notes_text(value: str) -> str:
    """Notes may run over several lines and hold tabs; line ends are kept as \\n."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    _refuse(_CONTROL_IN_NOTES.search(value))
    return value


Month = Annotated[
    date,
    BeforeValidator(parse_month),
    PlainSerializer(format_month, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM"}
    ),
]
Usd = Annotated[float, _lenient("usd"), Field(le=MAX_USD)]
Whole = Annotated[int, BeforeValidator(parse_whole_number)]
Fraction = Annotated[float, _lenient("fraction"), Field(ge=0, le=1)]
Rate = Annotated[float, _lenient("fraction"), Field(ge=-0.99, le=3)]
SmallRate = Annotated[float, _lenient("fraction"), Field(ge=-0.99, le=1)]
Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_plain_text)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_plain_text)]
Notes = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_notes_text)]
Count = Annotated[Whole, Field(ge=0, le=MAX_COUNT)]
Megawatts = Annotated[float, _lenient("number"), Field(ge=0, le=MAX_MW)]


NetworkEhs = Annotated[
    float, _lenient("number"), Field(gt=0, le=MAX_NETWORK_EHS), _at_least(MIN_NETWORK_EHS)
]
BtcPrice = Annotated[float, _lenient("usd"), Field(gt=0, le=MAX_BTC_PRICE_USD)]


class Entity(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, validate_default=True, frozen=True
    )
