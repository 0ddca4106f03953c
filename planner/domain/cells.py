"""One cell's text: how a value shows ("$2,800", "97.0%"), the text that reads back to
it, and what a typed text stands for; CellErrors names each refused cell. No Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from planner.domain.months import format_month, parse_month_text
from planner.domain.schema import Column, ColumnKind
from planner.domain.units import QuantityKind, parse_quantity, parse_whole_number


@dataclass(frozen=True)
class CellError:
    """A refused cell: its row, its column key and why."""

    row: int
    key: str
    message: str


class CellErrors(ValueError):
    """Cells that cannot take the values given; none of the edit was applied."""

    def __init__(self, errors: Sequence[CellError]):
        self.errors = list(errors)
        super().__init__("; ".join(f"row {e.row + 1}, {e.key}: {e.message}" for e in self.errors))


def format_value(column: Column, value: Any) -> str:
    """How a cell shows its value: "$2,800", "97.0%", "3,645", "2026-12"."""
    if value is None:
        return ""
    kind = column.kind
    if kind in ("usd", "price"):
        number = float(value)
        sign = "-" if number < 0 else ""
        return f"{sign}${abs(number):,.{column.decimals}f}"
    if kind in ("fraction", "rate"):
        return f"{float(value) * 100:,.{column.decimals}f}%"
    if kind == "int":
        return f"{int(value):,}" if column.key != "release_year" else str(int(value))
    if kind in ("number", "power_w", "hashrate_th"):
        return f"{float(value):,.{column.decimals}f}"
    if kind == "month":
        return format_month(value) if isinstance(value, date) else str(value)
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "list":
        return "; ".join(f"{float(v):,.12g}" for v in value)  # 95,000; 98,500
    if kind == "refs":
        return "; ".join(value)
    return str(value)


def edit_text(column: Column, value: Any) -> str:
    """A cell's value as text that reads back to the same value (for editors, copy and
    fill): 12 significant digits, percent for fractions, no currency symbols."""
    if value is None:
        return ""
    kind = column.kind
    if kind in ("usd", "price", "number", "power_w", "hashrate_th"):
        return f"{float(value):.12g}"
    if kind in ("fraction", "rate"):
        return f"{float(value) * 100:.12g}%"
    if kind == "list":
        return "; ".join(f"{float(v):.12g}" for v in value)
    if kind == "int":
        return str(int(value))
    return format_value(column, value)


# How the numbers of a column kind are read (planner.domain.units).
QUANTITY_KINDS: dict[ColumnKind, QuantityKind] = {
    "usd": "usd",
    "price": "usd",
    "fraction": "fraction",
    "rate": "fraction",
    "number": "number",
    "power_w": "power_w",
    "hashrate_th": "hashrate_th",
}
# How typed dates with a day are read: month first (3/1/2027 is March) unless the user's
# locale writes the day first (the window sets it from the system's locale).
_DATE_ORDER = {"day_first": False}


def set_day_first(day_first: bool) -> None:
    """Read typed dates such as 3/1/2027 day first (the locale's order) or month first."""
    _DATE_ORDER["day_first"] = day_first


_TRUE = {"yes", "y", "true", "1", "on"}
_FALSE = {"no", "n", "false", "0", "off"}


def parse_cell(column: Column, text: str) -> Any:
    """The value a typed text stands for in a column; ValueError says why not.

    Fractions and rates read "97%", "0.97" and, as in a percent-formatted spreadsheet
    cell, a bare number above 1 as percent ("97" is 97 %).
    """
    kind = column.kind
    raw = text.strip()
    if kind == "text":
        return raw
    if kind in ("ref", "choice"):
        if kind == "choice":
            for choice in column.choices:
                if choice.casefold() == raw.casefold():
                    return choice
            raise ValueError(f"must be one of {', '.join(column.choices)}, got {raw!r}")
        return raw
    if kind == "int":
        return parse_whole_number(raw)
    if kind in ("fraction", "rate"):
        value = parse_quantity(raw, "fraction")
        if "%" not in raw and abs(value) > 1:
            value /= 100.0
        return value
    if kind in QUANTITY_KINDS:
        return parse_quantity(raw, QUANTITY_KINDS[kind])
    if kind == "month":
        return parse_month_text(raw, _DATE_ORDER["day_first"])
    if kind == "bool":
        if raw.casefold() in _TRUE:
            return True
        if raw.casefold() in _FALSE:
            return False
        raise ValueError(f"must be yes or no, got {raw!r}")
    if kind in ("list", "refs"):
        parts = [p for p in raw.replace("\n", ";").replace("\t", ";").split(";") if p.strip()]
        if kind == "refs":
            return [p.strip() for p in parts]
        return [parse_quantity(p, "usd") for p in parts]
    raise ValueError(f"{column.header} is computed and cannot be edited")


def _field_default(model: type[BaseModel], key: str) -> tuple[bool, Any]:
    info = model.model_fields[key]
    if info.is_required():
        return False, None
    return True, info.get_default(call_default_factory=True)


def value_for(model: type[BaseModel], column: Column, text: str) -> Any:
    """Parse a cell's text; empty text clears to the field's default (or refuses)."""
    if not text.strip():
        has_default, default = _field_default(model, column.key)
        if not has_default:
            raise ValueError("is required")
        return default
    return parse_cell(column, text)
