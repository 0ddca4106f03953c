"""A monthly path (BTC price, network hashrate, a contract's index) month by month: which
calendar month each value is for, what the engine uses after the path ends, and how one
month's typed or pasted text reads. The path editor shows it; no Qt here.

Month index 0 of a scenario's paths is the scenario's start month; of a contract's index
path, the active scenario's start (the month the engine's timeline starts). After its end
a scenario's path grows from its last value at the scenario's growth rate
(engine.inputs.grown_path); an index path repeats its last 12 months, or holds its last
value (engine.inputs.continued_path).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, get_args

import numpy as np
from pydantic import TypeAdapter, ValidationError

from planner.domain import cells, schema
from planner.domain.months import add_months, format_month, parse_month_text
from planner.domain.project import PowerContract, Project, Scenario
from planner.domain.schema import Column
from planner.domain.validation import describe_error
from planner.engine.inputs import continued_path, contract_price_path, grown_path

# The scenario field each path starts from and grows by, when it has no value of its own.
_SCENARIO_PATHS = {
    "btc_price_path_usd": ("btc_price_usd", "btc_price_growth_per_year"),
    "network_hashrate_path_ehs": ("network_hashrate_ehs", "network_hashrate_growth_per_year"),
}
# Decimals a month's value shows with (the grid's editor gets every digit).
_DECIMALS = {"btc_price_path_usd": 0, "network_hashrate_path_ehs": 1, "index_path_usd_per_kwh": 4}
_PLAIN_NUMBER = re.compile(r"^\s*\(?\s*[-+]?\s*\$?\s*[-+]?[\d.,]+\s*\)?\s*$")


def path_unit(column: Column) -> str:
    """The unit of one month's value: "USD" of "Price path (USD by month)"."""
    return column.unit.removesuffix(" by month").strip()


def percent(rate: float) -> str:
    return f"{rate * 100:,.1f} %"


@dataclass(frozen=True)
class PathFrame:
    """One path cell in calendar terms: its section, row entity, column, month 0 and the
    horizon, and how the engine continues it."""

    section: str
    column: Column
    entity: Scenario | PowerContract
    start: date
    horizon_months: int
    scenario_name: str

    @property
    def unit(self) -> str:
        return path_unit(self.column)

    @property
    def is_scenario(self) -> bool:
        return isinstance(self.entity, Scenario)

    def month(self, index: int) -> date:
        return add_months(self.start, index)

    def month_label(self, index: int) -> str:
        return format_month(self.month(index))

    def shown(self, value: float) -> str:
        """A month's value as the grid shows it: "$67,000", "1,020.5", "0.0320"."""
        decimals = _DECIMALS.get(self.column.key, 2)
        if self.unit == "USD":
            sign = "-" if value < 0 else ""
            return f"{sign}${abs(value):,.{decimals}f}"
        return f"{value:,.{decimals}f}"

    def default_fill_rate(self) -> float:
        """The rate "Fill to horizon" offers: the scenario's growth; a contract's escalator
        when it has no index path yet, else 0 (an index path repeats, it does not grow)."""
        if isinstance(self.entity, Scenario):
            return float(getattr(self.entity, _SCENARIO_PATHS[self.column.key][1]))
        return self.entity.escalator_per_year if not self.entity.index_path_usd_per_kwh else 0.0

    def engine_values(self, values: Sequence[float]) -> np.ndarray:
        """What the engine uses in each month of the horizon with `values` as the path (an
        index path without the contract's adder)."""
        months = self.horizon_months
        if isinstance(self.entity, Scenario):
            start_key, growth_key = _SCENARIO_PATHS[self.column.key]
            return grown_path(
                float(getattr(self.entity, start_key)),
                float(getattr(self.entity, growth_key)),
                list(values),
                months,
            )
        if values:
            repeat = self.entity.index_after_path == "repeat_year"
            return continued_path(np.asarray(values, dtype=float), months, repeat)
        flat = self.entity.model_copy(update={"type": "fixed"})
        return contract_price_path(flat, months, self.start)

    def basis(self, index: int, count: int) -> str:
        """Where month `index`'s value comes from, the path having `count` values."""
        if index >= self.horizon_months:
            return "past the horizon: not used"
        if index < count:
            return ""
        if isinstance(self.entity, Scenario):
            start_key, growth_key = _SCENARIO_PATHS[self.column.key]
            rate = percent(float(getattr(self.entity, growth_key)))
            if count == 0:
                return f"engine: {schema.column('scenarios', start_key).header} + {rate}/yr"
            return f"engine: {self.month_label(count - 1)} + {rate}/yr"
        if count == 0:
            return "engine: the contract's rate"
        if self.entity.index_after_path == "repeat_year" and count >= 12:
            return f"engine: repeats {self.month_label(count - 12 + (index - count) % 12)}"
        return f"engine: holds {self.month_label(count - 1)}"

    def after_the_path(self) -> str:
        """What the engine does after the path's last month, in a sentence or two."""
        if isinstance(self.entity, Scenario):
            start_key, growth_key = _SCENARIO_PATHS[self.column.key]
            growth = schema.column("scenarios", growth_key)
            start = schema.column("scenarios", start_key)
            rate = percent(float(getattr(self.entity, growth_key)))
            return (
                f"After the path the engine grows its last value by {growth.header}, "
                f"{rate}; with no path, from {start.header}."
            )
        if self.entity.index_after_path == "repeat_year":
            text = "After the path the engine repeats its last 12 months (a shorter path: "
            text += "its last value held); with no path, the contract's rate."
        else:
            text = "After the path the engine holds its last value; with no path, the "
            text += "contract's rate."
        if self.entity.adder_usd_per_kwh:
            text += f" The adder, {self.entity.adder_usd_per_kwh:g} USD/kWh, comes on top."
        return text

    def unused(self) -> str:
        """Why the engine ignores this path ("" when it uses it)."""
        if isinstance(self.entity, PowerContract) and self.entity.type != "index":
            return (
                f"{self.entity.name} is a {self.entity.type} contract: the engine uses its "
                "index path only when its Type is index."
            )
        return ""


def path_frame(project: Project, section: str, row: int, key: str) -> PathFrame:
    """The frame of the path in column `key` of row `row` of a section (scenarios or
    contracts); ValueError when that cell holds no monthly path."""
    column = schema.column(section, key)
    if column.kind != "list":
        raise ValueError(f"{column.header} is not a monthly path")
    entity = getattr(project, section)[row]
    active = project.scenario()
    if isinstance(entity, Scenario):
        start, name = entity.start_month, entity.name
    elif isinstance(entity, PowerContract):
        start, name = active.start_month, active.name
    else:
        raise ValueError(f"{column.header} is not a monthly path")
    return PathFrame(section, column, entity, start, project.finance.horizon_months, name)


@cache
def _item_adapter(section: str, key: str) -> TypeAdapter[Any]:
    annotation = schema.ENTITIES[section].model_fields[key].annotation
    return TypeAdapter(get_args(annotation)[0])


def read_month_value(frame: PathFrame, text: str) -> float:
    """One month's value from typed or pasted text, read as the table's cell reads each
    value of the path ("$62,000", "62000"), within the field's bounds; ValueError says why."""
    if not text.strip():
        raise ValueError("is empty; a number is needed")
    values = cells.parse_cell(frame.column, text)
    if len(values) != 1:
        raise ValueError(f"takes one number, got {len(values)} in {text.strip()!r}")
    try:
        return float(_item_adapter(frame.section, frame.column.key).validate_python(values[0]))
    except ValidationError as error:
        raise ValueError(describe_error(error.errors()[0])) from None


def grown(last: float, rate_per_year: float, count: int) -> list[float]:
    """`count` months after a month worth `last`, growing `rate_per_year` compounded
    monthly as the engine grows a path: last x (1 + rate) ** (k / 12), k = 1..count."""
    monthly = math.log1p(rate_per_year) / 12.0
    return [last * math.exp(monthly * k) for k in range(1, count + 1)]


def _looks_like_month(text: str) -> bool:
    if _PLAIN_NUMBER.match(text):  # a number, even one Excel could read as a date
        return False
    try:
        parse_month_text(text)
    except ValueError:
        return False
    return True


def texts_from_tsv(text: str) -> list[str]:
    """The month values in clipboard text from Excel (its excel-tab TSV): a column, a row,
    or a block of rows read row by row (a year a row); a row of a month and a value (the
    grid's own copy) gives its value. Trailing empty lines and cells are dropped."""
    rows = list(csv.reader(io.StringIO(text), dialect="excel-tab"))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    texts: list[str] = []
    for row in rows:
        row_cells = list(row)
        while row_cells and not row_cells[-1].strip():
            row_cells.pop()
        if len(row_cells) == 2 and _looks_like_month(row_cells[0]):
            row_cells = row_cells[1:]
        texts.extend(row_cells)
    return texts


def to_tsv(rows: Sequence[Sequence[str]]) -> str:
    """Cells as Excel reads them from the clipboard (excel-tab TSV)."""
    out = io.StringIO()
    csv.writer(out, dialect="excel-tab").writerows(rows)
    return out.getvalue()
