"""Which column of a fleet table holds what: header words, units, and the header row.

A header names a field by one of its synonyms once lower-cased and stripped of its unit
("Power (kW)" is "power" in kW); the header row is the row among the first rows that
names the most fields, with at least a model and a quantity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from planner.domain import schema

HEADER_SCAN_ROWS = 40

# The fields a fleet table can give, each with the schema's column that describes it: the
# fleet row's own, and a rig model's hashrate and power (to add models the catalog lacks).
FIELD_COLUMNS: dict[str, schema.Column] = {
    key: schema.column("catalog" if key in ("hashrate_th", "power_w") else "fleet", key)
    for key in (
        "name",
        "model",
        "count",
        "hashrate_th",
        "power_w",
        "unit_price_usd",
        "site",
        "purchase_month",
        "online_month",
        "retire_month",
        "resale_usd_per_unit",
        "terminal_value_usd_per_unit",
        "degradation_per_year",
        "notes",
    )
}
# Other header words that name a field in customers' sheets (lower-cased, without units
# and punctuation); the schema's own header always names its field too.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "batch name",
        "name",
        "lot",
        "po",
        "po #",
        "po number",
        "po no",
        "order",
        "purchase order",
        "tranche",
    ),
    "model": (
        "model",
        "miner",
        "miner model",
        "asic",
        "asic model",
        "rig",
        "machine",
        "hardware",
        "product",
    ),
    "count": (
        "qty",
        "quantity",
        "units",
        "unit count",
        "count",
        "number",
        "no of units",
        "machines",
        "miners",
        "#",
    ),
    "hashrate_th": (
        "th/s",
        "ths",
        "th",
        "hash rate",
        "hash",
        "ph/s",
        "phs",
        "nominal hashrate",
        "hashrate per unit",
    ),
    "power_w": ("w", "watts", "kw", "power draw", "consumption", "power per unit", "wattage"),
    "unit_price_usd": (
        "price",
        "unit cost",
        "cost per unit",
        "price per unit",
        "cost",
        "purchase price",
        "usd/unit",
        "$/unit",
    ),
    "site": ("location", "facility", "data center", "datacenter", "host", "hosting site"),
    "purchase_month": (
        "purchase date",
        "purchase month",
        "po date",
        "bought",
        "order date",
        "date",
    ),
    "online_month": (
        "online month",
        "online date",
        "energized",
        "energization",
        "deployed",
        "deployment date",
        "install date",
        "in service",
    ),
    "retire_month": (
        "retire",
        "retire month",
        "retirement",
        "retire date",
        "decommission",
        "decommissioned",
    ),
    "resale_usd_per_unit": ("resale value", "salvage", "salvage value"),
    "terminal_value_usd_per_unit": ("terminal", "residual value", "end value"),
    "degradation_per_year": ("degradation/yr", "annual degradation"),
    "notes": ("note", "comment", "comments", "remarks"),
}


_UNIT_SCALE = {
    "hashrate_th": {
        "ph/s": 1000.0,
        "phs": 1000.0,
        "ph": 1000.0,
        "gh/s": 0.001,
        "th/s": 1.0,
        "th": 1.0,
    },
    "power_w": {"kw": 1000.0, "mw": 1_000_000.0, "w": 1.0, "watts": 1.0},
}


def _words(header: Any) -> tuple[str, str]:
    """(header without units, unit) from e.g. "Power (kW)" -> ("power", "kw")."""
    text = str(header or "").strip().casefold().replace("\n", " ")
    unit = ""
    match = re.search(r"[\(\[]([^\)\]]*)[\)\]]", text)
    if match:
        unit = match.group(1).strip()
        text = (text[: match.start()] + text[match.end() :]).strip()
    text = re.sub(r"[_:]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text, unit


# Field -> header words that name it: the schema's header first, then the aliases.
SYNONYMS: dict[str, tuple[str, ...]] = {
    field: (_words(col.header)[0], *ALIASES[field]) for field, col in FIELD_COLUMNS.items()
}


def map_header(cells: Sequence[Any]) -> dict[str, tuple[int, float]]:
    """Field -> (column index, unit scale) for the cells of a header row."""
    mapping: dict[str, tuple[int, float]] = {}
    for column, cell in enumerate(cells):
        words, unit = _words(cell)
        if not words:
            continue
        for fieldname, synonyms in SYNONYMS.items():
            if fieldname in mapping:
                continue
            if words in synonyms or (unit and f"{words}" in synonyms):
                scale = 1.0
                unit_key = unit or (words if words in _UNIT_SCALE.get(fieldname, {}) else "")
                scales = _UNIT_SCALE.get(fieldname)
                if scales and unit_key in scales:
                    scale = scales[unit_key]
                mapping[fieldname] = (column, scale)
                break
    return mapping


def find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, tuple[int, float]]]:
    """The header row (index into `rows`) and its mapping: the row in the first rows that
    names the most known columns, and at least a model and a quantity."""
    best: tuple[int, dict[str, tuple[int, float]]] = (-1, {})
    best_score = 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = map_header(row)
        if "model" in mapping and "count" in mapping and len(mapping) > best_score:
            best, best_score = (index, mapping), len(mapping)
    return best
