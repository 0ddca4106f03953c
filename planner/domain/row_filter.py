"""What a table's filter keeps: rows whose cell contains a text, or, in one column, a
comparison as Excel's number and date filters make them (">5000", "<=2025-06", "<>Pecos").
No Qt here: the window's tables ask `RowFilter.keeps` for each row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from planner.domain.cells import parse_cell
from planner.domain.schema import Column
from planner.domain.units import parse_quantity

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "<>": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
}


class FilterError(ValueError):
    """A filter that cannot be read; the message says why."""


@dataclass(frozen=True)
class RowFilter:
    """Keep rows whose shown text contains `needle` (any case), or whose value in
    `column` compares to `operand` by `operator`."""

    needle: str = ""
    column: Column | None = None
    operator: str = ""
    operand: Any = None

    @classmethod
    def parse(cls, text: str, column: Column | None = None) -> RowFilter:
        """A filter from what the user typed: text, or an operator and a value read as
        `column` reads its cells ("$5,000", "Mar 2025", "97%")."""
        raw = text.strip()
        operator = next((op for op in OPERATORS if raw.startswith(op)), "")
        if not operator:
            return cls(needle=raw.casefold(), column=column)
        if column is None:
            raise FilterError(f"choose a column to compare with {operator}")
        value_text = raw[len(operator) :].strip()
        if not value_text:
            raise FilterError(f"a value after {operator}")
        if not column.numeric and column.kind != "month":
            return cls(column=column, operator=operator, operand=value_text.casefold())
        try:
            operand = (
                parse_quantity(value_text, "usd")  # a computed figure: a plain number
                if column.kind == "result"
                else parse_cell(column, value_text)
            )
        except ValueError as error:
            raise FilterError(f"{column.header}: {error}") from None
        return cls(column=column, operator=operator, operand=operand)

    @property
    def active(self) -> bool:
        return bool(self.needle or self.operator)

    def keeps(self, texts: Sequence[str], value: Any = None) -> bool:
        """Whether a row stays: `texts` are its shown cells (only the filter's column's
        when it has one), `value` that column's value (numbers and months compare)."""
        if not self.active:
            return True
        if not self.operator:
            return any(self.needle in text.casefold() for text in texts)
        compare = OPERATORS[self.operator]
        if isinstance(self.operand, str):
            return compare(" ".join(texts).casefold(), self.operand)
        if value is None or isinstance(value, str):
            return self.operator == "<>"
        try:
            return bool(compare(value, self.operand))
        except TypeError:
            return False
