"""One column of an editable table: its field, header (with its unit in parentheses),
kind and decimals. The tables' layouts are in planner.domain.schema (and schema_treasury).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal[
    "text",
    "ref",
    "choice",
    "int",
    "usd",
    "price",
    "fraction",
    "rate",
    "number",
    "power_w",
    "hashrate_th",
    "month",
    "bool",
    "list",
    "refs",  # names of another section's rows, separated by ';'
    "result",
]


@dataclass(frozen=True)
class Column:
    """One column of an editable table: an entity field (or a computed result)."""

    key: str
    header: str
    kind: ColumnKind
    decimals: int = 0
    tip: str = ""
    choices: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.kind != "result"

    @property
    def numeric(self) -> bool:
        return self.kind not in ("text", "ref", "choice", "month", "bool", "list", "refs")

    @property
    def label(self) -> str:
        """The header without its unit: "Unit price" of "Unit price (USD)"."""
        return _split_header(self.header)[0]

    @property
    def unit(self) -> str:
        """The unit the header gives in parentheses ("USD", "%/yr"), or "" for none."""
        return _split_header(self.header)[1]


def _split_header(header: str) -> tuple[str, str]:
    if header.endswith(")") and " (" in header:
        head, _, unit = header[:-1].rpartition(" (")
        return head, unit
    return header, ""
