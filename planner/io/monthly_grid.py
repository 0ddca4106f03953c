"""The monthly grid: line items by month for the fleet, one site or one fleet row, with a
subtotal column for each fiscal year and a total; as the window's Monthly tab shows it and
as CSV or tab-separated text for Excel."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from planner.domain.months import format_month
from planner.engine.model import Results, compute
from planner.engine.series import Series
from planner.engine.timeline import next_halving_height
from planner.engine.treasury_result import TreasuryResult
from planner.io.formula_text import quoted
from planner.io.project_file import write_atomically


@dataclass(frozen=True)
class Line:
    """One line item: its label (with its unit), its monthly values, how they are shown
    ("usd", "btc", "blocks", "usd_per_ph_day") and how a year adds them up: "sum" (flows),
    "mean" (prices), "first" (balances at a month's start) or "last" (at a month's end)."""

    label: str
    values: np.ndarray
    kind: str
    over_a_year: str = "sum"


@dataclass(frozen=True)
class Column:
    """A month, a fiscal year's subtotal or the total: its header and its months."""

    header: str
    months: np.ndarray  # month indices
    kind: str  # "month", "year" or "total"
    halving: bool = False


@dataclass(frozen=True)
class Entity:
    """What the grid is for: ("fleet", 0), ("site", s) or ("row", r), and its name."""

    kind: str
    index: int
    name: str

    @property
    def title(self) -> str:
        return {"fleet": "Fleet", "site": f"Site: {self.name}", "row": f"Row: {self.name}"}[
            self.kind
        ]


@dataclass(frozen=True)
class MonthlyGrid:
    entity: Entity
    lines: list[Line]
    columns: list[Column]

    def value(self, line: int, column: int) -> float:
        """The line's value in a month, or over a year or the horizon."""
        item, months = self.lines[line], self.columns[column].months
        values = item.values[months]
        if not values.size:
            return float("nan")
        if item.over_a_year == "mean":
            return float(values.mean())
        if item.over_a_year == "last":
            return float(values[-1])
        if item.over_a_year == "first":
            return float(values[0])
        return float(values.sum())

    def table(self) -> list[list[str | float]]:
        """The grid with its headers: the title and the columns' headers, then a row per
        line item (its label, then its values)."""
        rows: list[list[str | float]] = [
            [self.entity.title, *(column.header for column in self.columns)]
        ]
        for i, line in enumerate(self.lines):
            rows.append([line.label, *(self.value(i, j) for j in range(len(self.columns)))])
        return rows


def entities(results: Results) -> list[Entity]:
    """The fleet, each site, each fleet row: what the grid can show."""
    inputs = results.inputs
    return [
        Entity("fleet", 0, "Fleet"),
        *(Entity("site", s, name) for s, name in enumerate(inputs.site_names)),
        *(Entity("row", r, name) for r, name in enumerate(inputs.row_names)),
    ]


def row_series(results: Results) -> Series:
    """Every fleet row's monthly series (the engine rerun keeping them when it did not)."""
    if results.rows is not None:
        return results.rows
    kept = compute(results.inputs, keep_rows=True).rows
    assert kept is not None
    return kept


def monthly_grid(
    results: Results,
    entity: Entity,
    rows: Series | None = None,
    treasury: TreasuryResult | None = None,
) -> MonthlyGrid:
    """The grid of `entity`; `rows` are the rows' series (`row_series`) for a row. The
    fleet's grid gains the lines of `treasury` (the scenario's path) when there is one."""
    if entity.kind == "fleet":
        series, k = results.fleet, 0
    elif entity.kind == "site":
        series, k = results.sites, entity.index
    else:
        series, k = rows if rows is not None else row_series(results), entity.index
    lines = _lines(results, series, k, entity.kind)
    if entity.kind == "fleet" and treasury is not None:
        lines += treasury_lines(treasury)
    return MonthlyGrid(entity, lines, _columns(results))


def treasury_lines(treasury: TreasuryResult, path: int = 0) -> list[Line]:
    """The company's cash, BTC and debt by month: flows add up over a year, balances
    take the year's first (at a month's start) or last (at its end) month, the price its
    mean."""
    p = path
    return [
        Line("Cash at month start (USD)", treasury.cash_start_usd[p], "usd", "first"),
        Line("Cash at month end (USD)", treasury.cash_end_usd[p], "usd", "last"),
        Line("BTC sold (BTC)", treasury.btc_sold[p], "btc"),
        Line("BTC liquidated by lenders (BTC)", treasury.btc_liquidated[p], "btc"),
        Line("BTC held at month end (BTC)", treasury.btc_held_end[p], "btc", "last"),
        Line("BTC price (USD/BTC)", treasury.btc_price_usd[p], "usd", "mean"),
        Line("Debt at month end (USD)", treasury.debt_end_usd[p], "usd", "last"),
        Line("Interest paid (USD)", treasury.interest_usd[p], "usd"),
        Line("Principal repaid (USD)", treasury.principal_usd[p], "usd"),
        Line("Hedge settlements (USD)", treasury.hedge_settlement_usd[p], "usd"),
    ]


def _lines(results: Results, series: Series, k: int, kind: str) -> list[Line]:
    tl, market = results.inputs.timeline, results.market

    def usd(label: str, values: np.ndarray) -> Line:
        return Line(f"{label} (USD)", values, "usd")

    fcf = series.free_cash_flow_usd[k]
    lines = [
        Line("Blocks (network)", tl.blocks, "blocks"),
        Line("Subsidy (network, BTC)", tl.subsidy_btc, "btc"),
        Line("Hashprice (USD/PH/day)", market.hashprice_usd_per_ph_day, "usd_per_ph_day", "mean"),
        Line("BTC mined (BTC)", series.btc_mined[k], "btc"),
        usd("Revenue", series.revenue_usd[k]),
        usd("Curtailment credits", series.curtailment_credit_usd[k]),
        usd("Power cost", series.power_cost_usd[k]),
        *_hourly_power_lines(series, k),
        usd("Opex", series.opex_usd[k]),
    ]
    if kind == "fleet":
        lines.append(usd("Corporate G&A", series.g_and_a_usd[k]))
    lines += [
        usd("EBITDA", series.ebitda_usd[k]),
        usd("Capex", series.capex_usd[k]),
        usd("Depreciation", series.depreciation_usd[k]),
        usd("Tax", series.tax_usd[k]),
        usd("Resale and terminal value", series.resale_usd[k]),
        usd("Free cash flow", fcf),
        Line("Cumulative free cash flow (USD)", np.cumsum(fcf), "usd", "last"),
    ]
    return lines


def _hourly_power_lines(series: Series, k: int) -> list[Line]:
    """What power earns besides mining (hourly prices, 4CP, demand response): only the
    lines with a month that is not zero, so a plan without them reads as before."""
    return [
        Line(label, values, "usd")
        for label, values in (
            ("Power sales (USD)", series.power_sales_usd[k]),
            ("4CP savings (USD)", series.fourcp_savings_usd[k]),
            ("Demand response pay (USD)", series.demand_response_usd[k]),
        )
        if np.any(values != 0)
    ]


def _columns(results: Results) -> list[Column]:
    """Each fiscal year's months then its subtotal, then the total."""
    inputs = results.inputs
    fiscal, tl = inputs.fiscal, inputs.timeline
    halving = _halving_month(results)
    columns: list[Column] = []
    start = tl.month_starts[0] if tl.month_starts else None
    # Fiscal years that end in December are calendar years; others are FY + the year
    # they end in.
    ends_in_december = start is None or (start.month - 1 + 11 - fiscal.offset) % 12 == 11
    prefix = "" if ends_in_december else "FY"
    for y, label in enumerate(fiscal.labels):
        months = np.flatnonzero(fiscal.month_year == y)
        columns += [
            Column(format_month(tl.month_starts[t]), np.array([t]), "month", t == halving)
            for t in months
        ]
        columns.append(Column(f"{prefix}{label} total", months, "year"))
    columns.append(Column("Total", np.arange(inputs.months), "total"))
    return columns


def _halving_month(results: Results) -> int:
    """The month in which the next halving falls (-1: after the horizon)."""
    tl = results.inputs.timeline
    height = next_halving_height(results.inputs.start_height)
    inside = np.flatnonzero((tl.height_start <= height) & (height < tl.height_start + tl.blocks))
    return int(inside[0]) if inside.size else -1


def _text(value: str | float) -> str | float:
    """Text that Excel would read as a formula keeps a leading quote (never a formula)."""
    if isinstance(value, str) and quoted(value):
        return "'" + value
    return value


def to_tsv(rows: list[list[str | float]]) -> str:
    """Tab-separated text for the clipboard: numbers unformatted, as Excel reads them."""
    return "\n".join(
        "\t".join(_number_text(v) if not isinstance(v, str) else str(_text(v)) for v in row)
        for row in rows
    )


def _number_text(value: float) -> str:
    return "" if not np.isfinite(value) else repr(round(float(value), 10))


def write_csv(grid: MonthlyGrid, path: Path) -> None:
    """The grid as a CSV file (UTF-8 with a byte-order mark, as Excel opens it), written
    whole or not at all."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in grid.table():
        writer.writerow([_number_text(v) if not isinstance(v, str) else _text(v) for v in row])
    write_atomically(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"), keep_backup=False)
