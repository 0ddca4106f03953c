"""Reading numbers the way finance people type them: "3,500", "$3,500", "17.5%", "3.5 kW".

Every parser returns a value in the engine's base unit (USD, fraction, W, TH/s) or raises
ValueError with a message that says what could not be read. Nothing is silently zero.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from planner.domain.errors import quote

QuantityKind = Literal["number", "usd", "fraction", "power_w", "hashrate_th"]

_UNIT_SCALES: dict[str, dict[str, float]] = {
    "number": {"": 1.0},
    "usd": {"": 1.0, "usd": 1.0},
    "fraction": {"": 1.0, "%": 0.01},
    "power_w": {"": 1.0, "w": 1.0, "kw": 1e3, "mw": 1e6},
    "hashrate_th": {
        "": 1.0,
        "th": 1.0,
        "th/s": 1.0,
        "ph": 1e3,
        "ph/s": 1e3,
        "gh": 1e-3,
        "gh/s": 1e-3,
    },
}

_NUMBER_RE = re.compile(r"^(?=\.?\d)(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?$")


def _read_plain_number(text: str, original: str) -> float:
    if not text or not _NUMBER_RE.match(text):
        raise ValueError(f"cannot read {quote(original)} as a number")
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(f"cannot read {quote(original)} as a number")
    return value


def parse_quantity(value: object, kind: QuantityKind = "number") -> float:
    """Parse a number typed by a user into the base unit of `kind`.

    Accepts ints and floats as they are, and strings with thousands separators, a leading
    "$", a trailing "%" (fractions), accounting negatives "(1,200)" and a unit suffix
    where one is natural (W/kW/MW, TH/s/PH/s).
    """
    if isinstance(value, bool):
        raise ValueError(f"must be a number, got {str(value).lower()}")
    if isinstance(value, int | float):
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int too large for a float
            finite = False
        if not finite:
            raise ValueError(f"must be a finite number, got {quote(value)}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"must be a number, got {quote(value)}")
    original = value
    text = value.strip().replace("\u00a0", " ").replace("_", "")
    if not text:
        raise ValueError("is empty; a number is needed")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
        if text.startswith(("-", "+", "(")):
            raise ValueError(f"cannot read {quote(original)} as a number")
    signed = text.startswith(("-", "+"))
    if signed:
        negative, text = negative != text.startswith("-"), text[1:].strip()
    if text.startswith("$"):
        if kind != "usd":
            raise ValueError(f"cannot read {quote(original)}: a dollar amount is not expected here")
        text = text[1:].strip()
        if not signed and text.startswith("-"):  # "$-5"
            negative, text = not negative, text[1:].strip()
    scales = _UNIT_SCALES[kind]
    match = re.match(r"^([0-9.,eE+\-]+)\s*([a-zA-Z%$/]*)$", text)
    if not match:
        raise ValueError(f"cannot read {quote(original)} as a number")
    number_text, unit_text = match.group(1), match.group(2).lower()
    if unit_text not in scales:
        known = ", ".join(u for u in scales if u) or "none"
        raise ValueError(
            f"cannot read {quote(original)}: unknown unit {quote(unit_text)} (expected {known})"
        )
    scale = scales[unit_text]
    number = _read_plain_number(number_text, original)
    # Divide for the sub-unit scales (0.01 for %): 35 / 100 is 0.35 exactly, 35 * 0.01 is not.
    number = number / round(1.0 / scale) if scale < 1 else number * scale
    return -number if negative else number


def parse_whole_number(value: object) -> int:
    """A count or an index: 4000, 4000.0, "4,000"; not True, 4000.5 or "4k"."""
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, got {str(value).lower()}")
    if isinstance(value, int):
        return value
    number = parse_quantity(value, "number")
    if not number.is_integer():
        raise ValueError(f"must be a whole number, got {quote(value)}")
    return int(number)
