"""The Treasury sheet's equipment collateral (planner/engine/debt_equipment.py step by
step): a table of each equipment loan's fleet rows below the terms, their months and
landed cost read from CalcRows, and each equipment loan's monthly columns: the share of
its balance due as rows retire, that principal, its rigs' book value in service and the
loan to that value. No openpyxl here: formulas are text, cells are written by
treasury.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain.treasury import DebtInstrument
from planner.io.workbook.columns import (
    CALC_ROWS,
    COUNT,
    TABLE_FIRST_ROW,
    USD,
    column_letter,
)
from planner.io.workbook.formulas import Formula

# The financed rows table: (key, header, number format).
FINANCED_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("instrument", "Instrument", None),
    ("number", "Instrument #", COUNT),  # the debt table's position: what sums match on
    ("row", "Fleet row", None),
    ("purchase", "Purchase month #", COUNT),
    ("online", "Online month #", COUNT),
    ("retire", "Retire month #", COUNT),
    ("cost", "Cost, landed (USD)", USD),
    ("due", "Balance due in month #", COUNT),
)
_FROM_CALC_ROWS = {
    "purchase": "purchase_t",
    "online": "online_t",
    "retire": "retire_t",
    "cost": "capex_usd",
}


def _letter(key: str) -> str:
    return column_letter(1 + [k for k, _h, _f in FINANCED_TERMS].index(key))


def financed_rows(debt: list[DebtInstrument], fleet_names: list[str]) -> list[tuple[int, int]]:
    """(instrument position, fleet row position) of each equipment loan's rows, in the
    table's order; rows not in the fleet are left out, as the engine does."""
    return [
        (j, fleet_names.index(name))
        for j, item in enumerate(debt)
        if item.type == "equipment"
        for name in item.fleet_rows
        if name in fleet_names
    ]


def financed_row_values(
    instrument_name: str, instrument: int, row_name: str, fleet_row: int, draw_cell: str
) -> dict[str, object]:
    """One line of the table: names, the instrument's number (its position in the debt
    table, from 1), the row's months and cost from CalcRows, and the month its share of
    the balance falls due: its retire month, the draw at the earliest."""
    calc = TABLE_FIRST_ROW + fleet_row
    values: dict[str, object] = {
        "instrument": instrument_name,
        "number": instrument,
        "row": row_name,
    }
    for key, calc_key in _FROM_CALC_ROWS.items():
        values[key] = Formula(f"=CalcRows!{CALC_ROWS[calc_key]}{calc}")
    return values | {"due": Formula(f"=MAX(CalcRows!{CALC_ROWS['retire_t']}{calc},{draw_cell})")}


@dataclass(frozen=True)
class FinancedTable:
    """Where the financed rows table is: its first and last sheet rows."""

    first: int
    last: int

    def span(self, key: str) -> str:
        letter = _letter(key)
        return f"${letter}${self.first}:${letter}${self.last}"

    def retired_share(self, instrument: int, i: int) -> Formula:
        """The cost of loan number `instrument`'s rows falling due in the month on sheet
        row i / the cost of its rows not due before it (0 when none are left). Matched by
        number: a name in a criterion would be a pattern (* and ?) and case-blind."""
        inst, cost, due = self.span("number"), self.span("cost"), self.span("due")
        now = f"SUMIFS({cost},{inst},{instrument},{due},$B{i})"
        left = f'SUMIFS({cost},{inst},{instrument},{due},">="&$B{i})'
        return Formula(f"=IF({left}>0,{now}/{left},0)")

    def value(self, instrument: int, i: int) -> Formula:
        """The book value at the month's end of the loan's rigs in service (purchased, not
        retired): cost x MIN(1, MAX(0, y)), y = (online + life - t - 1) / life, written
        y x (0 <= y <= 1) + (y > 1) inside SUMPRODUCT."""
        y = f"(({self.span('online')}+DepreciationMonths-$B{i}-1)/DepreciationMonths)"
        held = f"({self.span('purchase')}<=$B{i})*({self.span('retire')}>$B{i})"
        mine = f"({self.span('number')}={instrument})"
        book = f"({y}*({y}>=0)*({y}<=1)+({y}>1))"
        return Formula(f"=SUMPRODUCT({mine}*{held}*{self.span('cost')}*{book})")
