"""Excel export: a workbook of live formulas that finance can audit.

Every figure on the Summary, Monthly, Monthly by site and Rows sheets is an Excel formula
that traces back to the input cells (Inputs, Fleet, Sites, Contracts, Models and the
monthly paths), so that changing an assumption in Excel moves the answers. The formulas
follow the engine's conventions (docs/model-notes.md) step by step; a test recalculates
the workbook in LibreOffice and compares every figure with the engine.

Layout:
- Inputs: scenario and finance assumptions, each a named cell; the optional monthly paths.
- Fleet, Sites, Contracts, Models: the project's tables as typed inputs (blue), with
  derived columns (black) where formulas need them.
- Monthly: one row per month, fleet totals; the halving month is highlighted.
- Monthly by site: one row per site and month.
- Rows: per fleet row totals, NPV, IRR, payback and breakevens.
- PowerPrices, CalcRows, CalcRunning, CalcTaxable, CalcFCF, CalcCumFCF: helper sheets
  of per-row and per-month calculations (months across), each cell a short formula;
  CalcDiscounted: the fleet's and each site's discounted FCF (months down).

Only a `Formula` is written as a formula; every other str, project text above all, is
written as text (`_text`), whatever it starts with. Names are looked up exactly
(`_exact_match`: MATCH(TRUE,INDEX(EXACT(...),0),0), never MATCH(name,...,0), VLOOKUP or
a criterion, which read `*`, `?`, `~` as wildcards), once per row into a "#" column
(Sites: contract #; CalcRows: site # and model #; HPC: site #); SUMIFS and the like then
match on those numbers.

Written with openpyxl's write-only mode to a temporary file that then replaces the
target, so a failed export never leaves a half-written workbook behind.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.domain.project import Project
from planner.engine import run
from planner.engine.hpc import analyse_conversions
from planner.engine.montecarlo import (
    MonteCarloSettings,
    row_payback_probabilities,
    run_monte_carlo,
)
from planner.engine.sensitivity import DRIVER_BY_KEY, compare_scenarios, tornado, two_way
from planner.engine.swaps import analyse_swaps
from planner.engine.timeline import HALVING_INTERVAL_BLOCKS
from planner.io.project_file import write_atomically
from planner.io.report import next_halving
from planner.io.workbook_hpc import PLAN_WIDTH, sheet_size, write_hpc_sheet

Progress = Callable[[float], None]

MONTHLY_HEADER = (
    "Month",
    "Days",
    "Blocks",
    "Block height",
    "Subsidy (BTC)",
    "Fees (BTC)",
    "Network hashrate (EH/s)",
    "BTC price (USD)",
    "Hashprice (USD/PH/day)",
    "BTC mined",
    "Revenue (USD)",
    "Curtailment credit (USD)",
    "Power cost (USD)",
    "Opex (USD)",
    "EBITDA (USD)",
    "Capex (USD)",
    "Depreciation (USD)",
    "Tax (USD)",
    "Free cash flow (USD)",
    "Cumulative FCF (USD)",
)

SITE_MONTHLY_HEADER = (
    "Site",
    "Site #",
    "Month",
    "Month #",
    "BTC mined",
    "Revenue (USD)",
    "Curtailment credit (USD)",
    "Power cost (USD)",
    "Opex (USD)",
    "EBITDA (USD)",
    "Capex (USD)",
    "Depreciation (USD)",
    "Tax (USD)",
    "Resale (USD)",
    "Free cash flow (USD)",
    "Cumulative FCF (USD)",
)

DISCOUNTED_FIRST_ROW = 3  # CalcDiscounted: title, header, then one row a month

KPI_HEADER = (
    "NPV (USD)",
    "IRR (annual)",
    "Payback (months)",
    "Payback status",
    "ROI",
    "BTC mined",
    "Revenue (USD)",
    "Capex (USD)",
    "Free cash flow (USD)",
    "Cash cost per BTC (USD)",
    "All-in cost per BTC (USD)",
    "Discounted payback (months)",
    "Discounted payback status",
)

ROWS_HEADER = (
    "Fleet row",
    "Model",
    "Site",
    "Count",
    "Capex in horizon (USD)",
    "BTC mined",
    "Revenue (USD)",
    "Power cost (USD)",
    "Opex (USD)",
    "Depreciation (USD)",
    "Cash cost per BTC (USD)",
    "All-in cost per BTC (USD)",
    "Free cash flow (USD)",
    "NPV (USD)",
    "IRR (annual)",
    "Payback (months)",
    "Payback status",
    "First online month #",
    "Breakeven BTC price (USD)",
    "Breakeven hashprice (USD/PH/day)",
    "Breakeven power price (USD/kWh)",
    "Shutdown months",
    "calc: first negative month #",
    "calc: first month back #",
    "calc: payback at month",
    "calc: monthly IRR",
)

# Number formats.
USD = "#,##0;[Red]-#,##0"
USD_CENTS = "#,##0.00;[Red]-#,##0.00"
BTC = "#,##0.0000"
BTC_FINE = "0.000000000"
PERCENT = "0.00%"
KWH = "0.0000"
COUNT = "#,##0"
DECIMAL = "#,##0.00"
MONTH = "mmm yyyy"
BLOCKS = "#,##0.00"


# The input tables: (header, field, number format).
Column = tuple[str, str, str | None]
FLEET_COLUMNS: tuple[Column, ...] = (
    ("Name", "name", None),
    ("Model", "model", None),
    ("Site", "site", None),
    ("Count", "count", COUNT),
    ("Unit price (USD)", "unit_price_usd", USD_CENTS),
    ("Purchase month", "purchase_month", MONTH),
    ("Online month", "online_month", MONTH),
    ("Retire month", "retire_month", MONTH),
    ("Resale value (USD/unit)", "resale_usd_per_unit", USD_CENTS),
    ("Terminal value (USD/unit)", "terminal_value_usd_per_unit", USD_CENTS),
    ("Degradation (per year)", "degradation_per_year", PERCENT),
    ("Notes", "notes", None),
)
FLEET_HEADER = tuple(header for header, _field, _fmt in FLEET_COLUMNS)
SITE_COLUMNS: tuple[Column, ...] = (
    ("Name", "name", None),
    ("Contract", "contract", None),
    ("Capacity (MW)", "capacity_mw", DECIMAL),
    ("Cooling overhead", "overhead", "0.000"),
    ("Uptime", "uptime", PERCENT),
    ("Fixed opex (USD/month)", "fixed_opex_usd_per_month", USD),
    ("Maintenance (USD/rig-month)", "maintenance_usd_per_rig_month", USD_CENTS),
    ("Infrastructure capex (USD)", "infrastructure_capex_usd", USD),
    ("Infrastructure capex month", "infrastructure_capex_month", MONTH),
    ("Notes", "notes", None),
)
CONTRACT_COLUMNS: tuple[Column, ...] = (
    ("Name", "name", None),
    ("Type", "type", None),
    ("Price (USD/kWh)", "price_usd_per_kwh", KWH),
    ("Escalator (per year)", "escalator_per_year", PERCENT),
    ("Adder (USD/kWh)", "adder_usd_per_kwh", KWH),
    ("Demand charge (USD/kW-month)", "demand_charge_usd_per_kw_month", USD_CENTS),
    ("Curtailment share", "curtailment_share", PERCENT),
    ("Curtailment credit (USD/MWh)", "curtailment_credit_usd_per_mwh", USD_CENTS),
    ("Notes", "notes", None),
)
MODEL_COLUMNS: tuple[Column, ...] = (
    ("Name", "name", None),
    ("Maker", "maker", None),
    ("Hashrate (TH/s)", "hashrate_th", DECIMAL),
    ("Power (W)", "power_w", COUNT),
    ("Cooling", "cooling", None),
    ("Source", "source", None),
)

# Excel's limit on the text of one cell.
MAX_CELL_TEXT = 32_767

INPUT_FONT = Font(name="Calibri", size=11, color="1F4E9E")
BOLD = Font(name="Calibri", size=11, bold=True)
TITLE_FONT = Font(name="Calibri", bold=True, size=14)
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
CALC_FILL = PatternFill("solid", fgColor="F2F2F2")
HALVING_FILL = PatternFill("solid", fgColor="FFE699")
WRAP = Alignment(wrap_text=True, vertical="top")

# First month column on the sheets that run months across (A: label, B: detail).
FIRST_MONTH_COLUMN = 3
GRID_FIRST_ROW = 13  # first fleet row on the Calc* grid sheets
TABLE_FIRST_ROW = 4  # first data row on Fleet, Sites, Contracts, Models, CalcRows, Rows
NO_RETIRE = 1_000_000
NO_MONTH = -1_000_000


def _finite(value: float) -> float | str:
    """A number, or an empty cell for none (NaN)."""
    number = float(value)
    return number if math.isfinite(number) else ""


class ExportError(Exception):
    """The project cannot be written as a workbook; the message says why."""


@dataclass(frozen=True)
class _Shape:
    months: int
    rows: int
    sites: int
    contracts: int
    models: int

    def month_col(self, t: int) -> str:
        return get_column_letter(FIRST_MONTH_COLUMN + t)

    @property
    def last_month_col(self) -> str:
        return self.month_col(self.months - 1)

    def table_last(self, count: int) -> int:
        return TABLE_FIRST_ROW + max(count, 1) - 1

    @property
    def grid_last(self) -> int:
        return GRID_FIRST_ROW + self.rows - 1


class Formula(str):
    """An Excel formula ("=..."), built here from cell references, names and constants.

    Only a Formula is ever written as a formula: any other str, project text above all,
    goes through `_text` and stays text whatever it starts with (`_cell`, `_Sheet`).
    """

    __slots__ = ()


# Text that Excel or LibreOffice would read as a formula when the cell is edited or the
# sheet is saved as CSV: written with a quote prefix, as a user typing '=1 would get.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _text(ws: WriteOnlyWorksheet, value: str, **style: Any) -> WriteOnlyCell:
    """A cell that holds `value` as text, never as a formula, whatever it starts with.

    Control characters that a workbook cannot hold (all below U+0020 but tab, line feed
    and carriage return) are dropped rather than failing the export."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = value if len(value) <= MAX_CELL_TEXT else value[: MAX_CELL_TEXT - 1] + "…"
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    for key, item in style.items():
        setattr(cell, key, item)
    return cell


def _cell(
    ws: WriteOnlyWorksheet, value: Any, fmt: str | None = None, **style: Any
) -> WriteOnlyCell:
    """A cell: a Formula as a formula, any other str as text (`_text`), else the value."""
    if isinstance(value, str) and not isinstance(value, Formula):
        if fmt:
            style["number_format"] = fmt
        return _text(ws, value, **style)
    cell = WriteOnlyCell(ws, value=value)
    if fmt:
        cell.number_format = fmt
    for key, item in style.items():
        setattr(cell, key, item)
    return cell


class _Sheet(WriteOnlyWorksheet):
    """A write-only sheet on which a plain str appended as a value is text, never a
    formula (openpyxl would read any str starting with "=" as one): only a Formula is."""

    def append(self, row: Iterable[Any]) -> None:
        super().append(
            [
                _text(self, value)
                if isinstance(value, str) and not isinstance(value, Formula)
                else value
                for value in row
            ]
        )


def _input(ws: WriteOnlyWorksheet, value: Any, fmt: str | None = None) -> WriteOnlyCell:
    """An input cell (blue); project text in it is text (`_cell`)."""
    return _cell(ws, value, fmt, font=INPUT_FONT)


def _inputs(ws: WriteOnlyWorksheet, item: Any, columns: Sequence[Column]) -> list[WriteOnlyCell]:
    """The input cells of one table row: each field of `item` in its number format."""
    return [_input(ws, getattr(item, field), fmt) for _header, field, fmt in columns]


def _header(ws: WriteOnlyWorksheet, labels: Sequence[str]) -> list[WriteOnlyCell]:
    return [
        _cell(ws, label, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP) for label in labels
    ]


def _title(ws: WriteOnlyWorksheet, text: str) -> list[WriteOnlyCell]:
    return [_text(ws, text, font=TITLE_FONT)]


def _widths(ws: WriteOnlyWorksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _exact_match(key: str, names: str) -> str:
    """The position of the text in `key` among `names`, compared character for character.

    MATCH(key, names, 0), VLOOKUP and the *IF(S) criteria read `*`, `?` and `~` in the key
    as wildcards (and criteria read a leading `<`, `>` or `=` as a comparison), so a site
    named "P*cos" would find "Pecos". EXACT compares the text as it is; INDEX(..., 0)
    makes Excel and LibreOffice evaluate it over the whole range without array entry.
    Project names are text the user chose: every lookup by one goes through here, once
    per row into a "#" column, and sums by site or model use that number as criterion.
    """
    return f"MATCH(TRUE,INDEX(EXACT({names},{key}),0),0)"


def _month_index(cell: str) -> str:
    """Months from the scenario start to the month in `cell` (a date)."""
    return f"(YEAR({cell})-YEAR(StartMonth))*12+MONTH({cell})-MONTH(StartMonth)"


def _straight_line(per_month: str, start: str, end: str, t: str) -> str:
    """Depreciation of month t: `per_month` for each whole month in [start, end), the
    fraction of the month before `end` when the life ends mid-month."""
    return f"{per_month}*({t}>={start})*(({end}>={t}+1)+({end}>{t})*({end}<{t}+1)*({end}-{t}))"


def _subsidy(height: str) -> str:
    era = f"INT({height}/{HALVING_INTERVAL_BLOCKS})"
    return f"IF({era}>=64,0,INT(5000000000/2^{era})/100000000)"


def _grown(t: int, start: str, growth: str, path: str, length: str) -> str:
    return (
        f"IF({length}=0,{start}*(1+{growth})^({t}/12),IF({t}<{length},INDEX({path},{t + 1}),"
        f"INDEX({path},{length})*(1+{growth})^(({t}-{length}+1)/12)))"
    )


def _payback_cells(
    key_range: str,
    cum_range: str,
    fcf_range: str,
    cells: tuple[str, str, str],
    dates: bool = False,
) -> tuple[Formula, Formula, Formula, Formula, Formula]:
    """Formulas of the interpolated payback (docs/model-notes.md), as the engine does it:
    the first month with negative cumulative FCF, the first later month where it is back
    at zero or above, the point inside that month, the months from the first, the status.

    `key_range` holds the month numbers (or, with `dates`, the months as dates) of the
    flows; `cells` are the helper cells that hold the first three results.
    """
    neg, back, at = cells

    def to_t(expr: str) -> str:
        return f"({_month_index(expr)})" if dates else expr

    def key(t_cell: str) -> str:
        return f"EDATE(StartMonth,{t_cell})" if dates else t_cell

    minifs_neg = f'_xlfn.MINIFS({key_range},{cum_range},"<0")'
    later = f'{key_range},">"&{key(neg)}'
    first_neg = Formula(f'=IF(COUNTIF({cum_range},"<0")=0,-1,{to_t(minifs_neg)})')
    minifs_back = f'_xlfn.MINIFS({key_range},{cum_range},">=0",{later})'
    first_back = Formula(
        f'=IF({neg}<0,-1,IF(COUNTIFS({cum_range},">=0",{later})=0,-1,{to_t(minifs_back)}))'
    )
    payback_at = Formula(
        f'=IF({back}<0,"",{back}+IF(INDEX({fcf_range},{back}+1)>0,'
        f"-INDEX({cum_range},{back})/INDEX({fcf_range},{back}+1),0))"
    )
    months = Formula(f'=IF({neg}<0,0,IF({back}<0,"",{at}-{neg}))')
    status = Formula(f'=IF({neg}<0,"immediate",IF({back}<0,"never","paid back"))')
    return first_neg, first_back, payback_at, months, status


def _monthly_irr(flows: str, annual_guess: float) -> Formula:
    """Excel's IRR of monthly flows. Excel solves by Newton's method from a guess (10 %
    by default, which fails for deeply negative monthly returns); the guess here is the
    planner's own rate at export, so Excel converges to the root the planner reports."""
    guess = (1.0 + annual_guess) ** (1.0 / 12.0) - 1.0 if math.isfinite(annual_guess) else 0.01
    return Formula(f'=IFERROR(IRR({flows},{guess:.17g}),"")')


def _annual_irr(monthly: str, status_cell: str) -> Formula:
    """The annual IRR from the monthly one; none where nothing was put at risk, and none
    outside the rates the planner searches (above -100 %, at most 1,000 % a month)."""
    return Formula(
        f'=IF(OR({status_cell}="immediate",{monthly}=""),"",'
        f'IF(OR({monthly}<=-1,{monthly}>10),"",(1+{monthly})^12-1))'
    )


def _npv(flows: str) -> Formula:
    return Formula(f"=NPV((1+DiscountRate)^(1/12)-1,{flows})")


class _Writer:
    def __init__(self, project: Project, scenario: str | None, horizon: int | None) -> None:
        self.project = project
        self.scenario = project.scenario(scenario)
        self.months = horizon if horizon is not None else project.finance.horizon_months
        if not 1 <= self.months <= 600:
            raise ExportError(f"horizon must be 1 to 600 months, got {self.months}")
        self.results = run(project, self.scenario.name, self.months)
        self.analysis = analyse_conversions(project, self.results)
        timeline = self.results.inputs.timeline
        ends = timeline.height_start + timeline.blocks
        eras = (ends // HALVING_INTERVAL_BLOCKS) - (
            timeline.height_start // HALVING_INTERVAL_BLOCKS
        )
        if (eras > 1).any():
            raise ExportError(
                f"scenario {self.scenario.name!r}: with a block time of "
                f"{self.scenario.block_time_s:g} s a month spans more than one halving; "
                "the workbook's subsidy formula splits a month at one halving at most"
            )
        self.shape = _Shape(
            months=self.months,
            rows=len(project.fleet),
            sites=len(project.sites),
            contracts=len(project.contracts),
            models=len(project.catalog),
        )
        self.wb = Workbook(write_only=True)
        self.wb.calculation.fullCalcOnLoad = True

    # ---------------------------------------------------------------- helpers

    def discard(self) -> None:
        """Close the half-written sheets' temporary files after a failure."""
        for ws in self.wb.worksheets:
            with contextlib.suppress(Exception):
                ws.close()

    def name(self, name: str, sheet: str, ref: str) -> None:
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{sheet}!{ref}")

    def sheet(
        self, title: str, rows: int, columns: int, *, calc: bool = False
    ) -> WriteOnlyWorksheet:
        """A new sheet that will hold `rows` x `columns` cells.

        The size goes into the sheet's <dimension> element: without it, readers such as
        openpyxl's read-only mode scan every sheet of the book to size it when the book is
        opened (seconds for the big helper sheets).
        """
        ws = _Sheet(self.wb, title)
        self.wb._add_sheet(ws)
        used = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
        ws.calculate_dimension = lambda: used
        if calc:
            ws.sheet_properties.tabColor = "A6A6A6"
        return ws

    def month_rows(self, ws: WriteOnlyWorksheet, title: str, note: str) -> None:
        """Rows 1-3 of a months-across sheet: title, month dates, month numbers."""
        shape = self.shape
        ws.append([*_title(ws, title), _text(ws, note)])
        ws.append(
            [_cell(ws, "Month", font=BOLD), None]
            + [
                _cell(ws, Formula(f"=Monthly!A{t + 2}"), MONTH, font=BOLD)
                for t in range(shape.months)
            ]
        )
        ws.append([_cell(ws, "Month #", font=BOLD), None, *range(shape.months)])

    # ---------------------------------------------------------------- sheets

    def write(self, progress: Progress | None) -> Workbook:
        step = progress or (lambda _fraction: None)
        self.summary = self.sheet("Summary", 7 + self.shape.sites, 21)
        self.inputs()
        self.fleet()
        self.sites()
        self.contracts()
        self.models()
        step(0.05)
        self.monthly()
        self.monthly_by_site()
        self.rows_sheet()
        self.hpc_sheet()
        self.decision_sheets()
        self.power_prices()
        self.calc_rows()
        step(0.1)
        self.grids(step)
        self.calc_discounted()
        self.write_summary()
        step(1.0)
        return self.wb

    def inputs(self) -> None:
        ws = self.sheet("Inputs", 26 + self.months, 4)
        _widths(ws, (44, 18, 16, 26))
        ws.freeze_panes = "A4"
        sc, fin = self.scenario, self.project.finance
        ws.append(_title(ws, "Inputs: scenario and finance assumptions"))
        ws.append(
            [
                _text(
                    ws,
                    "Blue cells are inputs: change them and the workbook recalculates. "
                    "The number of months is fixed at export.",
                )
            ]
        )
        ws.append(_header(ws, ("Assumption", "Value", "Unit", "Name")))
        items: list[tuple[str, Any, str, str, str | None]] = [
            ("Project", self.project.name, "", "ProjectName", None),
            ("Scenario", sc.name, "", "ScenarioName", None),
            ("Start month", sc.start_month, "month", "StartMonth", MONTH),
            ("Start block height", sc.start_block_height, "blocks", "StartHeight", COUNT),
            ("Block time", sc.block_time_s, "seconds", "BlockTime_s", DECIMAL),
            (
                "Network hashrate at start",
                sc.network_hashrate_ehs,
                "EH/s",
                "NetworkHashrate_EHs",
                DECIMAL,
            ),
            (
                "Network hashrate growth",
                sc.network_hashrate_growth_per_year,
                "per year",
                "NetworkGrowth",
                PERCENT,
            ),
            ("BTC price at start", sc.btc_price_usd, "USD", "BtcPrice_USD", USD_CENTS),
            (
                "BTC price growth",
                sc.btc_price_growth_per_year,
                "per year",
                "BtcPriceGrowth",
                PERCENT,
            ),
            ("Fees per block", sc.fees_btc_per_block, "BTC", "Fees_BTC_per_block", BTC_FINE),
            ("Pool fee", sc.pool_fee, "of BTC mined", "PoolFee", PERCENT),
            ("Horizon", self.months, "months (fixed)", "HorizonMonths", COUNT),
            ("Discount rate", fin.discount_rate_per_year, "per year", "DiscountRate", PERCENT),
            ("Tax rate", fin.tax_rate, "of taxable income", "TaxRate", PERCENT),
            ("Depreciation life", fin.depreciation_years, "years", "DepreciationYears", DECIMAL),
        ]
        row = 4
        for label, value, unit, name, fmt in items:
            ws.append([_text(ws, label), _input(ws, value, fmt), _text(ws, unit), _text(ws, name)])
            self.name(name, "Inputs", f"$B${row}")
            row += 1
        derived = [
            (
                "Depreciation life in months",
                Formula("=DepreciationYears*12"),
                "months",
                "DepreciationMonths",
                DECIMAL,
            ),
        ]
        ws.append(
            [
                _text(ws, "Automatic shutdown when a row's revenue is below its power cost"),
                _input(ws, bool(fin.auto_shutdown)),
                _text(ws, "TRUE/FALSE"),
                _text(ws, "AutoShutdown"),
            ]
        )
        self.name("AutoShutdown", "Inputs", f"$B${row}")
        row += 1
        derived += [
            (
                "Next halving height",
                Formula(
                    f"=(INT(StartHeight/{HALVING_INTERVAL_BLOCKS})+1)*{HALVING_INTERVAL_BLOCKS}"
                ),
                "blocks",
                "NextHalvingHeight",
                COUNT,
            ),
            (
                "Next halving date (estimated)",
                Formula("=StartMonth+(NextHalvingHeight-StartHeight)*BlockTime_s/86400"),
                "date",
                "NextHalvingDate",
                "yyyy-mm-dd",
            ),
        ]
        for label, formula, unit, name, fmt in derived:
            ws.append([_text(ws, label), _cell(ws, formula, fmt), _text(ws, unit), _text(ws, name)])
            self.name(name, "Inputs", f"$B${row}")
            row += 1
        ws.append([])
        row += 1
        price_len = len(sc.btc_price_path_usd)
        network_len = len(sc.network_hashrate_path_ehs)
        ws.append(
            [
                _text(
                    ws,
                    "Monthly paths: where a value is given it replaces the growth rate; "
                    "after the last one, growth continues from it.",
                    font=BOLD,
                ),
            ]
        )
        row += 1
        first = row + 2
        last = first + self.months - 1
        ws.append(
            [
                _text(ws, "Path lengths (months given)"),
                _cell(ws, Formula(f"=COUNT(B{first}:B{last})"), COUNT),
                _cell(ws, Formula(f"=COUNT(C{first}:C{last})"), COUNT),
            ]
        )
        self.name("BtcPricePathLen", "Inputs", f"$B${row}")
        self.name("NetworkPathLen", "Inputs", f"$C${row}")
        row += 1
        ws.append(_header(ws, ("Month", "BTC price path (USD)", "Network hashrate path (EH/s)")))
        for t in range(self.months):
            price = sc.btc_price_path_usd[t] if t < price_len else None
            network = sc.network_hashrate_path_ehs[t] if t < network_len else None
            ws.append(
                [
                    _cell(ws, Formula(f"=EDATE(StartMonth,{t})"), MONTH),
                    _input(ws, price, USD_CENTS),
                    _input(ws, network, DECIMAL),
                ]
            )
        self.name("BtcPricePath", "Inputs", f"$B${first}:$B${last}")
        self.name("NetworkPath", "Inputs", f"$C${first}:$C${last}")

    def fleet(self) -> None:
        ws = self.sheet("Fleet", 3 + self.shape.rows, len(FLEET_HEADER))
        _widths(ws, (28, 22, 18, 10, 14, 13, 13, 13, 14, 14, 12, 30))
        ws.freeze_panes = "B4"
        ws.append(_title(ws, "Fleet: rigs by model and batch"))
        ws.append([_text(ws, "Blue cells are inputs. Months are the first day of the month.")])
        ws.append(_header(ws, FLEET_HEADER))
        for r in self.project.fleet:
            ws.append(_inputs(ws, r, FLEET_COLUMNS))

    def sites(self) -> None:
        ws = self.sheet("Sites", 3 + self.shape.sites, 19)
        shape = self.shape
        _widths(ws, (22, 20, 12, 10, 10, 14, 14, 16, 14, 24, 10, 10, 10, 11, 12, 14, 12, 14, 12))
        ws.freeze_panes = "B4"
        ws.append(_title(ws, "Sites"))
        ws.append([_text(ws, "Blue cells are inputs; grey columns are derived.")])
        ws.append(
            _header(
                ws,
                (
                    *(header for header, _field, _fmt in SITE_COLUMNS),
                    "calc: contract #",
                    "calc: contract type",
                    "calc: effective overhead",
                    "calc: curtailment share",
                    "calc: curtailment credit (USD/MWh)",
                    "calc: demand charge (USD/month)",
                    "calc: infrastructure capex month #",
                    "calc: infrastructure depreciation (USD/month)",
                    "calc: infrastructure depreciation ends (month #)",
                ),
            )
        )
        clast = shape.table_last(shape.contracts)
        contracts = f"Contracts!$A${TABLE_FIRST_ROW}:$A${clast}"
        for i, s in enumerate(self.project.sites):
            row = TABLE_FIRST_ROW + i

            def lookup(column: str, row: int = row) -> str:
                return f"INDEX(Contracts!${column}${TABLE_FIRST_ROW}:${column}${clast},K{row})"

            ws.append(
                [
                    *_inputs(ws, s, SITE_COLUMNS),
                    _cell(ws, Formula(f"={_exact_match(f'B{row}', contracts)}"), fill=CALC_FILL),
                    _cell(ws, Formula(f"={lookup('B')}"), fill=CALC_FILL),
                    _cell(ws, Formula(f'=IF(L{row}="hosting",1,D{row})'), "0.000", fill=CALC_FILL),
                    _cell(ws, Formula(f"={lookup('G')}"), PERCENT, fill=CALC_FILL),
                    _cell(ws, Formula(f"={lookup('H')}"), USD_CENTS, fill=CALC_FILL),
                    _cell(ws, Formula(f"=C{row}*1000*{lookup('F')}"), USD, fill=CALC_FILL),
                    _cell(
                        ws,
                        Formula(f'=IF(I{row}="",{NO_MONTH},{_month_index(f"I{row}")})'),
                        fill=CALC_FILL,
                    ),
                    _cell(
                        ws,
                        Formula(f'=IF(AND(H{row}>0,I{row}<>""),H{row}/DepreciationMonths,0)'),
                        USD,
                        fill=CALC_FILL,
                    ),
                    _cell(ws, Formula(f"=Q{row}+DepreciationMonths"), DECIMAL, fill=CALC_FILL),
                ]
            )

    def contracts(self) -> None:
        ws = self.sheet("Contracts", 3 + self.shape.contracts, 9)
        _widths(ws, (24, 10, 12, 12, 12, 14, 12, 14, 30))
        ws.freeze_panes = "B4"
        ws.append(_title(ws, "Power contracts"))
        ws.append(
            [
                _text(
                    ws,
                    "fixed and hosting: the price steps up by the escalator on each anniversary "
                    "of the start. index: the monthly path on PowerPrices plus the adder. "
                    "hosting is all-in: the site's cooling overhead counts as 1.",
                )
            ]
        )
        ws.append(_header(ws, [header for header, _field, _fmt in CONTRACT_COLUMNS]))
        for c in self.project.contracts:
            ws.append(_inputs(ws, c, CONTRACT_COLUMNS))

    def models(self) -> None:
        ws = self.sheet("Models", 3 + self.shape.models, 7)
        _widths(ws, (26, 14, 12, 12, 10, 40, 12))
        ws.freeze_panes = "B4"
        ws.append(_title(ws, "Rig models"))
        ws.append([_text(ws, "The project's catalog.")])
        ws.append(
            _header(ws, [*(header for header, _field, _fmt in MODEL_COLUMNS), "Efficiency (J/TH)"])
        )
        for i, m in enumerate(self.project.catalog):
            row = TABLE_FIRST_ROW + i
            ws.append(
                [*_inputs(ws, m, MODEL_COLUMNS), _cell(ws, Formula(f"=D{row}/C{row}"), DECIMAL)]
            )

    # ---------------------------------------------------------------- results

    def monthly(self) -> None:
        ws = self.sheet("Monthly", 1 + self.months, len(MONTHLY_HEADER))
        shape = self.shape
        _widths(ws, (11, 6, 10, 13, 12, 10, 12, 12, 12, 12, 15, 14, 15, 14, 15, 15, 14, 14, 15, 16))
        ws.freeze_panes = "B2"
        ws.append(_header(ws, MONTHLY_HEADER))
        site_last = 2 + shape.sites * shape.months
        interval = HALVING_INTERVAL_BLOCKS
        formats = (BTC, USD, USD, USD, USD, USD, USD, USD, USD, USD)
        source = "EFGHIJKLMO"
        for t in range(shape.months):
            i = t + 2
            end = f"(D{i}+C{i})"
            halving = f"INT({end}/{interval})*{interval}"
            subsidy = Formula(
                f"=IF(INT({end}/{interval})=INT(D{i}/{interval}),C{i}*{_subsidy(f'D{i}')},"
                f"({halving}-D{i})*{_subsidy(f'D{i}')}+({end}-{halving})*{_subsidy(end)})"
            )
            cells = [
                _cell(ws, Formula(f"=EDATE(StartMonth,{t})"), MONTH),
                _cell(ws, Formula(f"=DAY(EOMONTH(A{i},0))")),
                _cell(ws, Formula(f"=B{i}*86400/BlockTime_s"), BLOCKS),
                _cell(
                    ws,
                    Formula("=StartHeight") if t == 0 else Formula(f"=D{i - 1}+C{i - 1}"),
                    BLOCKS,
                ),
                _cell(ws, subsidy, BTC),
                _cell(ws, Formula(f"=C{i}*Fees_BTC_per_block"), BTC),
                _cell(
                    ws,
                    Formula(
                        "="
                        + _grown(
                            t,
                            "NetworkHashrate_EHs",
                            "NetworkGrowth",
                            "NetworkPath",
                            "NetworkPathLen",
                        )
                    ),
                    DECIMAL,
                ),
                _cell(
                    ws,
                    Formula(
                        "="
                        + _grown(
                            t, "BtcPrice_USD", "BtcPriceGrowth", "BtcPricePath", "BtcPricePathLen"
                        )
                    ),
                    USD_CENTS,
                ),
                _cell(ws, Formula(f"=(E{i}+F{i})/B{i}*H{i}/(G{i}*1000)"), USD_CENTS),
            ]
            for letter, fmt in zip(source, formats, strict=True):
                if shape.sites:
                    formula = Formula(
                        f"=SUMIF('Monthly by site'!$D$3:$D${site_last},{t},"
                        f"'Monthly by site'!{letter}$3:{letter}${site_last})"
                    )
                else:
                    formula = Formula("=0")
                cells.append(_cell(ws, formula, fmt))
            cells.append(
                _cell(ws, Formula(f"=S{i}") if t == 0 else Formula(f"=T{i - 1}+S{i}"), USD)
            )
            ws.append(cells)
        last = shape.months + 1
        ws.conditional_formatting.add(
            f"A2:T{last}",
            FormulaRule(
                formula=[f"INT(($D2+$C2)/{interval})>INT($D2/{interval})"], fill=HALVING_FILL
            ),
        )

    def monthly_by_site(self) -> None:
        ws = self.sheet(
            "Monthly by site", 2 + self.shape.sites * self.months, len(SITE_MONTHLY_HEADER)
        )
        shape = self.shape
        _widths(ws, (20, 7, 11, 8, 12, 15, 14, 15, 14, 15, 15, 14, 14, 14, 15, 16))
        ws.freeze_panes = "E3"
        ws.append(
            [
                *_title(ws, "Monthly by site"),
                _text(ws, "Tax is the fleet's tax shared by the rows' positive taxable income."),
            ]
        )
        ws.append(_header(ws, SITE_MONTHLY_HEADER))
        rows_last = shape.table_last(shape.rows)
        grid_last = shape.grid_last
        m0 = get_column_letter(FIRST_MONTH_COLUMN)
        mL = shape.last_month_col

        def rng(column: str) -> str:
            return f"CalcRows!${column}${TABLE_FIRST_ROW}:${column}${rows_last}"

        def grid(sheet: str) -> str:
            return f"INDEX({sheet}!${m0}${GRID_FIRST_ROW}:${mL}${grid_last},0,$D{{i}}+1)"

        def across(sheet: str, row: int) -> str:
            return f"INDEX({sheet}!${m0}${row}:${mL}${row},$D{{i}}+1)"

        running = grid("CalcRunning")
        taxable = grid("CalcTaxable")
        price_row0 = self.site_price_row(0)
        for s in range(shape.sites):
            srow = TABLE_FIRST_ROW + s
            for t in range(shape.months):
                i = 3 + s * shape.months + t
                mask = f"({rng('C')}=$B{i})"
                site_depreciation = _straight_line(
                    f"Sites!$R${srow}", f"Sites!$Q${srow}", f"Sites!$S${srow}", f"$D{i}"
                )
                on = f"({rng('M')}<=$D{i})*({rng('N')}>$D{i})"
                hours = across("CalcRunning", 5).format(i=i)
                if shape.rows:
                    btc = Formula(
                        f"=SUMPRODUCT({mask}*{running.format(i=i)}*{rng('H')}*{rng('J')}"
                        f"*(1-{rng('K')})^(($D{i}-{rng('M')})/12))"
                        f"*{across('CalcRunning', 6).format(i=i)}"
                    )
                    credit = Formula(f"={hours}*SUMPRODUCT({mask}*{on}*{rng('S')})")
                    power = Formula(
                        f"={hours}*{across('PowerPrices', price_row0 + s).format(i=i)}"
                        f"*SUMPRODUCT({mask}*{running.format(i=i)}*{rng('H')}*{rng('I')})"
                        f"+Sites!$P${srow}"
                    )
                    opex = Formula(f"=SUMPRODUCT({mask}*{on}*{rng('T')})+Sites!$F${srow}")
                    capex = Formula(
                        f"=SUMPRODUCT({mask}*({rng('O')}=$D{i})*{rng('P')})"
                        f"+IF(Sites!$Q${srow}=$D{i},Sites!$H${srow},0)"
                    )
                    depreciation = Formula(
                        f"=SUMPRODUCT({mask}*"
                        f"{_straight_line(rng('Q'), rng('M'), rng('R'), f'$D{i}')})+"
                        f"{site_depreciation}"
                    )
                    tax = Formula(
                        f"={across('CalcTaxable', 11).format(i=i)}*SUMIFS({taxable.format(i=i)},"
                        f'{rng("C")},$B{i},{taxable.format(i=i)},">0")'
                    )
                    resale = Formula(f"=SUMPRODUCT({mask}*({rng('U')}=$D{i})*{rng('V')})")
                else:
                    btc = credit = resale = tax = Formula("=0")
                    power = Formula(f"=Sites!$P${srow}")
                    opex = Formula(f"=Sites!$F${srow}")
                    capex = Formula(f"=IF(Sites!$Q${srow}=$D{i},Sites!$H${srow},0)")
                    depreciation = Formula("=" + site_depreciation)
                ws.append(
                    [
                        _cell(ws, Formula(f"=Sites!$A${srow}")),
                        s + 1,
                        _cell(ws, Formula(f"=EDATE(StartMonth,D{i})"), MONTH),
                        t,
                        _cell(ws, btc, BTC),
                        _cell(
                            ws,
                            Formula(f"=E{i}*INDEX(Monthly!$H$2:$H${shape.months + 1},$D{i}+1)"),
                            USD,
                        ),
                        _cell(ws, credit, USD),
                        _cell(ws, power, USD),
                        _cell(ws, opex, USD),
                        _cell(ws, Formula(f"=F{i}+G{i}-H{i}-I{i}"), USD),
                        _cell(ws, capex, USD),
                        _cell(ws, depreciation, USD),
                        _cell(ws, tax, USD),
                        _cell(ws, resale, USD),
                        _cell(ws, Formula(f"=J{i}-M{i}-K{i}+N{i}"), USD),
                        _cell(ws, Formula(f"=O{i}") if t == 0 else Formula(f"=P{i - 1}+O{i}"), USD),
                    ]
                )

    def rows_sheet(self) -> None:
        ws = self.sheet("Rows", 3 + self.shape.rows, len(ROWS_HEADER))
        shape = self.shape
        _widths(
            ws,
            (
                28,
                20,
                18,
                9,
                15,
                12,
                15,
                15,
                13,
                14,
                13,
                13,
                15,
                15,
                10,
                10,
                11,
                10,
                13,
                13,
                13,
                10,
                10,
                10,
                10,
            ),
        )
        ws.freeze_panes = "B4"
        ws.append(
            [
                *_title(ws, "Fleet rows: totals, NPV, IRR, payback and breakevens"),
                _text(ws, "Breakevens are in the row's first online month, at full availability."),
            ]
        )
        ws.append([])
        ws.append(_header(ws, ROWS_HEADER))
        m0 = get_column_letter(FIRST_MONTH_COLUMN)
        mL = shape.last_month_col
        t_row = f"CalcRunning!${m0}$3:${mL}$3"
        hours_row = f"CalcRunning!${m0}$5:${mL}$5"
        days_row = f"CalcRunning!${m0}$4:${mL}$4"
        btc_th_row = f"CalcRunning!${m0}$6:${mL}$6"
        price_row = f"CalcRunning!${m0}$7:${mL}$7"
        row_irr = self.results.row_irr_annual
        p0 = self.site_price_row(0)
        site_prices = f"PowerPrices!${m0}${p0}:${mL}${p0 + max(shape.sites, 1) - 1}"
        for r in range(shape.rows):
            w = TABLE_FIRST_ROW + r
            f = TABLE_FIRST_ROW + r
            k = GRID_FIRST_ROW + r

            def c(column: str, f: int = f) -> str:
                return f"CalcRows!${column}${f}"

            run = f"CalcRunning!{m0}{k}:{mL}{k}"
            fcf = f"CalcFCF!{m0}{k}:{mL}{k}"
            cum = f"CalcCumFCF!{m0}{k}:{mL}{k}"
            decay = f"(1-{c('K')})^(({t_row}-{c('M')})/12)"
            online = f"({t_row}>={c('M')})*({t_row}<{c('N')})"
            first = f"MAX({c('M')},0)"
            at_first = f"R{w}"
            hash_first = f"{c('J')}*(1-{c('K')})^((R{w}-{c('M')})/12)"
            power_per_day = (
                f"{c('I')}*(INDEX({site_prices},{c('C')},R{w}+1)*INDEX({hours_row},R{w}+1))"
                f"/INDEX({days_row},R{w}+1)"
            )
            btc_per_day = f"{hash_first}*INDEX({btc_th_row},R{w}+1)/INDEX({days_row},R{w}+1)"
            neg, back, at, months, status = _payback_cells(
                t_row, cum, fcf, (f"W{w}", f"X{w}", f"Y{w}")
            )
            ws.append(
                [
                    _cell(ws, Formula(f"=Fleet!A{f}")),
                    _cell(ws, Formula(f"=Fleet!B{f}")),
                    _cell(ws, Formula(f"=Fleet!C{f}")),
                    _cell(ws, Formula(f"=Fleet!D{f}"), COUNT),
                    _cell(ws, Formula(f"=IF({c('O')}>=0,{c('P')},0)"), USD),
                    _cell(
                        ws,
                        Formula(f"={c('J')}*SUMPRODUCT({run},{btc_th_row},{decay})*{c('H')}"),
                        BTC,
                    ),
                    _cell(
                        ws,
                        Formula(
                            f"={c('J')}*{c('H')}*SUMPRODUCT({run},{btc_th_row},{price_row},{decay})"
                        ),
                        USD,
                    ),
                    _cell(
                        ws,
                        Formula(
                            f"={c('I')}*{c('H')}*SUMPRODUCT({run},{hours_row},INDEX({site_prices},{c('C')},0))"
                        ),
                        USD,
                    ),
                    _cell(ws, Formula(f"={c('T')}*SUMPRODUCT({online})"), USD),
                    _cell(
                        ws,
                        Formula(f"=SUMPRODUCT({_straight_line(c('Q'), c('M'), c('R'), t_row)})"),
                        USD,
                    ),
                    _cell(ws, Formula(f'=IF(F{w}>0,(H{w}+I{w})/F{w},"")'), USD_CENTS),
                    _cell(ws, Formula(f'=IF(F{w}>0,(H{w}+I{w}+J{w})/F{w},"")'), USD_CENTS),
                    _cell(ws, Formula(f"=SUM({fcf})"), USD),
                    _cell(ws, _npv(fcf), USD),
                    _cell(ws, _annual_irr(f"Z{w}", f"Q{w}"), PERCENT),
                    _cell(ws, months, DECIMAL),
                    _cell(ws, status),
                    _cell(ws, Formula(f'=IF({first}<MIN({c("N")},HorizonMonths),{first},"")')),
                    _cell(
                        ws,
                        Formula(
                            f'=IF({at_first}="","",IF({btc_per_day}>0,{power_per_day}/({btc_per_day}),""))'
                        ),
                        USD_CENTS,
                    ),
                    _cell(
                        ws,
                        Formula(
                            f'=IF({at_first}="","",IF({hash_first}>0,{power_per_day}/({hash_first}/1000*(1-PoolFee)),""))'
                        ),
                        USD_CENTS,
                    ),
                    _cell(
                        ws,
                        Formula(
                            f'=IF({at_first}="","",IF({c("I")}>0,{btc_per_day}*INDEX({price_row},R{w}+1)/({c("I")}*24),""))'
                        ),
                        KWH,
                    ),
                    _cell(ws, Formula(f"=SUMPRODUCT({online})-SUM({run})")),
                    _cell(ws, neg, fill=CALC_FILL),
                    _cell(ws, back, fill=CALC_FILL),
                    _cell(ws, at, DECIMAL, fill=CALC_FILL),
                    _cell(ws, _monthly_irr(fcf, float(row_irr[r])), "0.0000%", fill=CALC_FILL),
                ]
            )

    def decision_sheets(self) -> None:
        """Scenarios, sensitivity, swaps and Monte Carlo as the planner computed them at
        export (values: each figure needs the model rerun with other inputs)."""
        project, months = self.project, self.months
        note = "Values computed by the planner at export; each needs the model rerun."
        compared = compare_scenarios(project, months)
        ws = self.sheet("Scenarios", 4 + len(compared) + 2 + months, max(12, 1 + len(compared)))
        ws.freeze_panes = "B5"
        _widths(ws, (22, 14, 10, 12, 12, 12, 14, 14, 14, 14, 14, 14))
        ws.append(_title(ws, "Scenarios side by side"))
        ws.append([_text(ws, note)])
        ws.append([])
        ws.append(
            _header(
                ws,
                (
                    "Scenario",
                    "NPV (USD)",
                    "IRR",
                    "Payback (months)",
                    "Payback status",
                    "BTC mined",
                    "Revenue (USD)",
                    "Capex (USD)",
                    "FCF (USD)",
                    "Cash cost per BTC (USD)",
                    "All-in cost per BTC (USD)",
                    "Next halving",
                ),
            )
        )
        status = {0: "paid back", 1: "never", 2: "immediate"}
        for name, results in compared:
            k = results.fleet_kpis
            irr = results.fleet_irr_annual
            ws.append(
                [
                    _text(ws, name),
                    _cell(ws, float(k.npv_usd[0]), USD),
                    _cell(ws, "" if irr is None else irr, PERCENT),
                    _cell(ws, _finite(k.payback_months[0]), DECIMAL),
                    _text(ws, status[int(k.payback_status[0])]),
                    _cell(ws, float(k.btc_mined[0]), BTC),
                    _cell(ws, float(k.revenue_usd[0]), USD),
                    _cell(ws, float(k.capex_usd[0]), USD),
                    _cell(ws, float(k.free_cash_flow_usd[0]), USD),
                    _cell(ws, _finite(k.cost_per_btc_cash_usd[0]), USD_CENTS),
                    _cell(ws, _finite(k.cost_per_btc_all_in_usd[0]), USD_CENTS),
                    _cell(ws, next_halving(results)[1], "yyyy-mm-dd"),
                ]
            )
        ws.append([])
        ws.append(_header(ws, ["Cumulative FCF (USD)", *(name for name, _r in compared)]))
        cumulative = [np.cumsum(r.fleet.free_cash_flow_usd[0]) for _n, r in compared]
        starts = self.results.inputs.timeline.month_starts
        for t in range(months):
            ws.append(
                [_cell(ws, starts[t], MONTH)] + [_cell(ws, float(c[t]), USD) for c in cumulative]
            )

        bars = tornado(project)
        table = two_way(project)
        rows = 4 + len(bars.bars) + 2 * (3 + table.btc_price_factors.size)
        cols = max(7, 1 + table.power_price_factors.size)
        ws = self.sheet("Sensitivity", rows, cols)
        _widths(ws, (26, 10, 16, 16, 16, 16, 14))
        ws.append(_title(ws, "Sensitivity of the fleet's NPV and payback"))
        ws.append([_text(ws, f"{note} Base NPV {bars.base_npv_usd:,.0f} USD.")])
        ws.append([])
        ws.append(
            _header(
                ws,
                (
                    "Driver",
                    "Step",
                    "NPV at -step (USD)",
                    "NPV at +step (USD)",
                    "Payback at -step (months)",
                    "Payback at +step (months)",
                    "Swing (USD)",
                ),
            )
        )
        for bar in bars.bars:
            ws.append(
                [
                    _text(ws, bar.label),
                    _text(ws, DRIVER_BY_KEY[bar.key].describe(bar.step)),
                    _cell(ws, bar.npv_low_usd, USD),
                    _cell(ws, bar.npv_high_usd, USD),
                    _cell(ws, _finite(bar.payback_low_months), DECIMAL),
                    _cell(ws, _finite(bar.payback_high_months), DECIMAL),
                    _cell(ws, bar.swing_usd, USD),
                ]
            )
        ws.append([])
        ws.append([_text(ws, "Fleet NPV (USD): BTC price path x (rows), power prices x (columns)")])
        ws.append(_header(ws, ["BTC price x", *(f"{p:.0%}" for p in table.power_price_factors)]))
        for i, factor in enumerate(table.btc_price_factors):
            ws.append(
                [_cell(ws, float(factor), "0%")]
                + [_cell(ws, float(v), USD) for v in table.npv_usd[i]]
            )
        ws.append([])
        ws.append([_text(ws, "Fleet payback (months; empty: not within the horizon)")])
        ws.append(_header(ws, ["BTC price x", *(f"{p:.0%}" for p in table.power_price_factors)]))
        for i, factor in enumerate(table.btc_price_factors):
            ws.append(
                [_cell(ws, float(factor), "0%")]
                + [_cell(ws, _finite(v), DECIMAL) for v in table.payback_months[i]]
            )

        skipped: list[str] = []
        swaps = analyse_swaps(project, skipped)
        ws = self.sheet("Swaps", 4 + len(swaps) + (1 if skipped else 0), 11)
        _widths(ws, (22, 22, 11, 10, 14, 14, 14, 10, 12, 12, 30))
        ws.append(_title(ws, "Candidate swaps against doing nothing (fleet cash flow after tax)"))
        ws.append([_text(ws, note)])
        ws.append([])
        ws.append(
            _header(
                ws,
                (
                    "Replace batch",
                    "With model",
                    "At month",
                    "New rigs",
                    "Sale (USD)",
                    "Capex (USD)",
                    "NPV (USD)",
                    "IRR",
                    "Payback (months)",
                    "Before the halving",
                    "Notes",
                ),
            )
        )
        for r in swaps:
            ws.append(
                [
                    _text(ws, r.swap.row),
                    _text(ws, r.swap.model),
                    _cell(ws, r.swap.month, MONTH),
                    _cell(ws, r.new_count, COUNT),
                    _cell(ws, r.sale_usd, USD),
                    _cell(ws, r.capex_usd, USD),
                    _cell(ws, r.npv_usd, USD),
                    _cell(ws, _finite(r.irr_annual), PERCENT),
                    _cell(ws, _finite(r.payback_months), DECIMAL),
                    _text(ws, "yes" if r.pays_back_before_halving else "no"),
                    _text(ws, r.swap.notes),
                ]
            )
        if skipped:
            ws.append([_text(ws, "Left out: " + "; ".join(skipped))])

        mc = run_monte_carlo(self.results, MonteCarloSettings())
        before, within, row_paths = row_payback_probabilities(self.results, mc.settings)
        names = self.results.inputs.row_names
        ws = self.sheet("Monte Carlo", 12 + 2 + months + 2 + len(names), 6)
        ws.freeze_panes = "B15"
        _widths(ws, (34, 16, 16, 16, 16, 16))
        ws.append(_title(ws, "Monte Carlo of the fleet's cash flow"))
        ws.append([_text(ws, note + " Seeded: the same settings give the same figures.")])
        st = mc.settings
        for label, value, fmt in (
            ("Paths", st.paths, COUNT),
            ("Seed", st.seed, None),
            ("BTC price volatility (per year)", st.price_volatility, PERCENT),
            ("Network elasticity to price", st.network_elasticity, DECIMAL),
            ("Network lag (months)", st.network_lag_months, None),
            ("Network noise (per year)", st.network_noise, PERCENT),
            ("Fee noise (per month)", st.fee_noise, PERCENT),
            ("P(payback before the halving)", mc.p_payback_before_halving, PERCENT),
            ("P(payback within the horizon)", mc.p_payback_within_horizon, PERCENT),
        ):
            ws.append([_text(ws, label), _cell(ws, value, fmt)])
        ws.append(
            [_text(ws, "NPV percentiles (USD)")]
            + [_cell(ws, float(v), USD) for v in mc.npv_percentiles_usd]
        )
        ws.append([])
        ws.append(_header(ws, ["Cumulative FCF (USD)", "P5", "P25", "P50", "P75", "P95"]))
        for t in range(months):
            ws.append(
                [_cell(ws, starts[t], MONTH)]
                + [_cell(ws, float(v), USD) for v in mc.cumulative_percentiles_usd[:, t]]
            )
        ws.append([])
        ws.append(
            _header(
                ws,
                (
                    f"Fleet row ({row_paths:,} paths)",
                    "P(payback before the halving)",
                    "P(payback in the horizon)",
                ),
            )
        )
        for i, name in enumerate(names):
            ws.append(
                [
                    _text(ws, name),
                    _cell(ws, float(before[i]), PERCENT),
                    _cell(ws, float(within[i]), PERCENT),
                ]
            )

    def hpc_sheet(self) -> None:
        shape = self.shape
        ws = self.sheet("HPC", *sheet_size(self.analysis, self.months))
        ws.freeze_panes = "B5"
        _widths(ws, [22, 12, 12] + [14] * (PLAN_WIDTH - 3))
        m0, mL = get_column_letter(FIRST_MONTH_COLUMN), shape.last_month_col
        p0 = self.site_price_row(0)
        site_last = 2 + shape.sites * shape.months
        grid = {
            "mbs_ebitda": f"'Monthly by site'!$J$3:$J${site_last}",
            "mbs_capex": f"'Monthly by site'!$K$3:$K${site_last}",
            "mbs_resale": f"'Monthly by site'!$N$3:$N${site_last}",
            "hours": f"CalcRunning!${m0}$5:${mL}$5",
            "site_prices": f"PowerPrices!${m0}${p0}:${mL}${p0 + max(shape.sites, 1) - 1}",
        }
        write_hpc_sheet(
            ws,
            self.analysis,
            months=self.months,
            rows=shape.rows,
            sites_last=shape.table_last(shape.sites),
            grid=grid,
            cell=_cell,
            text=_text,
            input_cell=_input,
            header=_header,
            title=_title,
            formula=Formula,
            formats={
                "usd": USD,
                "usd_cents": USD_CENTS,
                "percent": PERCENT,
                "month": MONTH,
                "decimal": DECIMAL,
            },
            npv=_npv,
            monthly_irr=_monthly_irr,
            payback_cells=_payback_cells,
            month_index=_month_index,
            exact_match=_exact_match,
        )

    def site_price_row(self, s: int) -> int:
        """Row of site `s`'s power price on the PowerPrices sheet."""
        c = max(self.shape.contracts, 1)
        return 6 + c + 2 + c + 2 + s

    def power_prices(self) -> None:
        ws = self.sheet(
            "PowerPrices",
            self.site_price_row(self.shape.sites) - 1,
            FIRST_MONTH_COLUMN + self.months - 1,
            calc=True,
        )
        shape = self.shape
        _widths(ws, (24, 10))
        ws.freeze_panes = "C4"
        self.month_rows(
            ws, "Power prices (USD/kWh)", "Blue: index paths (inputs). Black: the price paid."
        )
        ws.append([])
        ws.append([_text(ws, "Index path (USD/kWh, input)", font=BOLD)])
        path0 = 6
        c_count = max(shape.contracts, 1)
        for i, contract in enumerate(self.project.contracts):
            path = contract.index_path_usd_per_kwh if contract.type == "index" else []
            ws.append(
                [
                    _cell(ws, Formula(f"=Contracts!A{TABLE_FIRST_ROW + i}")),
                    _cell(ws, Formula(f"=Contracts!B{TABLE_FIRST_ROW + i}")),
                ]
                + [_input(ws, path[t] if t < len(path) else None, KWH) for t in range(shape.months)]
            )
        if not shape.contracts:
            ws.append([])
        ws.append([])
        ws.append([_text(ws, "Price paid before cooling overhead (USD/kWh)", font=BOLD)])
        price0 = path0 + c_count + 2
        m0 = get_column_letter(FIRST_MONTH_COLUMN)
        mL = shape.last_month_col
        for i in range(shape.contracts):
            crow = TABLE_FIRST_ROW + i
            prow = path0 + i
            length = f"COUNT(${m0}{prow}:${mL}{prow})"
            cells: list[Any] = [
                _cell(ws, Formula(f"=Contracts!A{crow}")),
                _cell(ws, Formula(f"=Contracts!B{crow}")),
            ]
            for t in range(shape.months):
                col = shape.month_col(t)
                stepped = f"Contracts!$C${crow}*(1+Contracts!$D${crow})^INT({col}$3/12)"
                formula = Formula(
                    f'=IF(Contracts!$B${crow}="index",IF({length}=0,{stepped},'
                    f"IF({col}$3<{length},{col}{prow},INDEX(${m0}{prow}:${mL}{prow},{length})))"
                    f"+Contracts!$E${crow},{stepped})"
                )
                cells.append(_cell(ws, formula, KWH))
            ws.append(cells)
        if not shape.contracts:
            ws.append([])
        ws.append([])
        ws.append(
            [_text(ws, "Site power price (USD/kWh): the price of the site's contract", font=BOLD)]
        )
        for s in range(shape.sites):
            srow = TABLE_FIRST_ROW + s
            ws.append(
                [_cell(ws, Formula(f"=Sites!A{srow}")), _cell(ws, Formula(f"=Sites!B{srow}"))]
                + [
                    _cell(
                        ws,
                        Formula(
                            f"=INDEX({col}${price0}:{col}${price0 + c_count - 1},Sites!$K${srow})"
                        ),
                        KWH,
                    )
                    for col in (shape.month_col(t) for t in range(shape.months))
                ]
            )
        assert self.site_price_row(0) == price0 + c_count + 2

    def calc_rows(self) -> None:
        ws = self.sheet("CalcRows", 3 + self.shape.rows, 23, calc=True)
        shape = self.shape
        ws.freeze_panes = "B4"
        headers = (
            "Fleet row",
            "Site",
            "Site #",
            "Hashrate (TH/s per rig)",
            "Power (W per rig)",
            "Count",
            "Cooling overhead",
            "Availability (uptime x (1 - curtailment))",
            "Load with overhead (kW)",
            "Hashrate when online (TH/s)",
            "Degradation (per year)",
            "Purchase month #",
            "Online month #",
            "Retire month #",
            "Capex month # (-1: outside the horizon)",
            "Capex (USD)",
            "Depreciation (USD/month)",
            "Depreciation ends (month #)",
            "Curtailment credit (USD/hour)",
            "Maintenance (USD/month)",
            "Resale month # (-1: none)",
            "Resale or terminal value (USD)",
            "Model #",
        )
        _widths(ws, [26, 18] + [13] * (len(headers) - 2))
        ws.append(
            [
                *_title(ws, "Fleet rows: derived inputs"),
                _text(ws, f"Month # counts from the start month (0). Retire {NO_RETIRE:,}: never."),
            ]
        )
        ws.append([])
        ws.append(_header(ws, headers))
        slast = shape.table_last(shape.sites)
        mlast = shape.table_last(shape.models)

        def site(column: str, f: int) -> str:
            return f"INDEX(Sites!${column}${TABLE_FIRST_ROW}:${column}${slast},C{f})"

        def model(column: str, f: int) -> str:
            return f"INDEX(Models!${column}${TABLE_FIRST_ROW}:${column}${mlast},W{f})"

        site_names = f"Sites!$A${TABLE_FIRST_ROW}:$A${slast}"
        model_names = f"Models!$A${TABLE_FIRST_ROW}:$A${mlast}"

        for r in range(shape.rows):
            f = TABLE_FIRST_ROW + r
            ws.append(
                [
                    _cell(ws, Formula(f"=Fleet!A{f}")),
                    _cell(ws, Formula(f"=Fleet!C{f}")),
                    _cell(ws, Formula(f"={_exact_match(f'Fleet!C{f}', site_names)}")),
                    _cell(ws, Formula(f"={model('C', f)}"), DECIMAL),
                    _cell(ws, Formula(f"={model('D', f)}"), COUNT),
                    _cell(ws, Formula(f"=Fleet!D{f}"), COUNT),
                    _cell(ws, Formula(f"={site('M', f)}"), "0.000"),
                    _cell(ws, Formula(f"={site('E', f)}*(1-{site('N', f)})"), "0.0000%"),
                    _cell(ws, Formula(f"=F{f}*E{f}/1000*G{f}"), DECIMAL),
                    _cell(ws, Formula(f"=F{f}*D{f}"), DECIMAL),
                    _cell(ws, Formula(f"=Fleet!K{f}"), PERCENT),
                    _cell(ws, Formula(f"={_month_index(f'Fleet!F{f}')}")),
                    _cell(ws, Formula(f'=IF(Fleet!G{f}="",L{f},{_month_index(f"Fleet!G{f}")})')),
                    _cell(
                        ws, Formula(f'=IF(Fleet!H{f}="",{NO_RETIRE},{_month_index(f"Fleet!H{f}")})')
                    ),
                    _cell(ws, Formula(f"=IF(AND(L{f}>=0,L{f}<HorizonMonths),L{f},-1)")),
                    _cell(ws, Formula(f"=F{f}*Fleet!E{f}"), USD),
                    _cell(ws, Formula(f"=P{f}/DepreciationMonths"), USD_CENTS),
                    _cell(ws, Formula(f"=MIN(M{f}+DepreciationMonths,N{f})"), DECIMAL),
                    _cell(
                        ws,
                        Formula(f"=I{f}*{site('E', f)}*{site('N', f)}*{site('O', f)}/1000"),
                        USD_CENTS,
                    ),
                    _cell(ws, Formula(f"=F{f}*{site('G', f)}"), USD_CENTS),
                    _cell(
                        ws,
                        Formula(
                            f"=IF(AND(N{f}>=0,N{f}<HorizonMonths,N{f}>M{f}),N{f},"
                            f"IF(AND(N{f}>=HorizonMonths,L{f}<=HorizonMonths-1),HorizonMonths-1,-1))"
                        ),
                    ),
                    _cell(
                        ws, Formula(f"=IF(N{f}<HorizonMonths,F{f}*Fleet!I{f},F{f}*Fleet!J{f})"), USD
                    ),
                    _cell(ws, Formula(f"={_exact_match(f'Fleet!B{f}', model_names)}")),
                ]
            )

    def grids(self, step: Progress) -> None:
        """The per-row-per-month sheets: running flag, taxable income, FCF, cumulative FCF."""
        shape = self.shape
        cols = [shape.month_col(t) for t in range(shape.months)]
        size = (GRID_FIRST_ROW + shape.rows - 1, FIRST_MONTH_COLUMN + shape.months - 1)
        running = self.sheet("CalcRunning", *size, calc=True)
        taxable = self.sheet("CalcTaxable", *size, calc=True)
        fcf = self.sheet("CalcFCF", *size, calc=True)
        cum = self.sheet("CalcCumFCF", *size, calc=True)
        for ws in (running, taxable, fcf, cum):
            ws.freeze_panes = f"C{GRID_FIRST_ROW}"
            _widths(ws, (26, 18))
        self.month_rows(
            running,
            "Running: 1 when the row is online and (with automatic shutdown) its revenue "
            "covers its power cost",
            "Rows 4-7: the month's market figures.",
        )
        market = (
            ("Days", lambda t, col: Formula(f"=Monthly!B{t + 2}"), None),
            ("Hours", lambda t, col: Formula(f"={col}4*24"), None),
            (
                "BTC per TH/s in the month, after pool fee",
                lambda t, col: Formula(
                    f"=(Monthly!E{t + 2}+Monthly!F{t + 2})/(Monthly!G{t + 2}*1000000)*(1-PoolFee)"
                ),
                "0.000000E+00",
            ),
            ("BTC price (USD)", lambda t, col: Formula(f"=Monthly!H{t + 2}"), USD_CENTS),
        )
        for label, build, fmt in market:
            running.append(
                [_text(running, label, font=BOLD), None]
                + [_cell(running, build(t, col), fmt) for t, col in enumerate(cols)]
            )
        self.month_rows(
            taxable,
            "Taxable income of each row (EBITDA - depreciation) and the fleet's tax",
            "Losses carry forward without limit; the tax is shared by the rows' positive income.",
        )
        slast = shape.table_last(shape.sites)
        last = shape.grid_last

        def site_range(column: str) -> str:
            return f"Sites!${column}${TABLE_FIRST_ROW}:${column}${slast}"

        def tax_formula(line: int, t: int, col: str) -> Formula:
            """Row `line` (4-11) of the tax block in month column `col`."""
            if line == 4:
                return (
                    Formula(f"=SUM({col}{GRID_FIRST_ROW}:{col}{last})")
                    if shape.rows
                    else Formula("=0")
                )
            if line == 5:
                if not shape.sites:
                    return Formula("=0")
                depreciation = _straight_line(
                    site_range("R"), site_range("Q"), site_range("S"), f"{col}$3"
                )
                return Formula(
                    f"=SUM({site_range('P')})+SUM({site_range('F')})+SUMPRODUCT({depreciation})"
                )
            if line == 6:
                return Formula(f"={col}4-{col}5")
            if line == 7:
                return Formula("=0") if t == 0 else Formula(f"={cols[t - 1]}9")
            if line == 8:
                return Formula(f"=IF({col}6-{col}7>0,TaxRate*({col}6-{col}7),0)")
            if line == 9:
                return Formula(f"=IF({col}6-{col}7>0,0,{col}7-{col}6)")
            if line == 10:
                return (
                    Formula(f'=SUMIF({col}{GRID_FIRST_ROW}:{col}{last},">0")')
                    if shape.rows
                    else Formula("=0")
                )
            return Formula(f"=IF({col}10>0,{col}8/{col}10,0)")

        tax_labels = (
            "Rows' taxable income (USD)",
            "Site costs: demand charges, fixed opex, infrastructure depreciation (USD)",
            "Fleet taxable income (USD)",
            "Loss brought forward (USD)",
            "Tax (USD)",
            "Loss carried forward (USD)",
            "Rows' positive taxable income (USD)",
            "Tax per USD of positive taxable income",
        )
        for line, label in enumerate(tax_labels, start=4):
            fmt = "0.000000000" if line == 11 else USD
            taxable.append(
                [_text(taxable, label, font=BOLD), None]
                + [_cell(taxable, tax_formula(line, t, col), fmt) for t, col in enumerate(cols)]
            )
        self.month_rows(
            fcf,
            "Free cash flow of each row: EBITDA - capex + resale - its share of the tax",
            "Row NPV, IRR and payback on the Rows sheet come from here.",
        )
        self.month_rows(cum, "Cumulative free cash flow of each row", "")
        # Pad each sheet to the grid's header row (taxable has its eight tax rows).
        for ws, used in ((running, 7), (fcf, 3), (cum, 3)):
            for _ in range(GRID_FIRST_ROW - 2 - used):
                ws.append([])
        for ws, label in (
            (running, "Running (1/0)"),
            (taxable, "Taxable income (USD)"),
            (fcf, "FCF (USD)"),
            (cum, "Cumulative FCF (USD)"),
        ):
            ws.append(
                [
                    _text(ws, "Fleet row", font=BOLD),
                    _text(ws, "Site", font=BOLD),
                    _text(ws, label, font=BOLD),
                ]
            )

        p0 = self.site_price_row(0)
        p1 = p0 + max(shape.sites, 1) - 1
        for r in range(shape.rows):
            f = TABLE_FIRST_ROW + r
            k = GRID_FIRST_ROW + r
            M, N, R_ = f"CalcRows!$M{f}", f"CalcRows!$N{f}", f"CalcRows!$R{f}"
            J, K, I_, H_ = (
                f"CalcRows!$J{f}",
                f"CalcRows!$K{f}",
                f"CalcRows!$I{f}",
                f"CalcRows!$H{f}",
            )
            site_no = f"CalcRows!$C{f}"
            labels = [Formula(f"=Fleet!A{f}"), Formula(f"=Fleet!C{f}")]
            run_cells: list[Any] = list(labels)
            tax_cells: list[Any] = list(labels)
            fcf_cells: list[Any] = list(labels)
            cum_cells: list[Any] = list(labels)
            for t, col in enumerate(cols):
                tt = f"{col}$3"
                revenue = f"{J}*(1-{K})^(({tt}-{M})/12)*CalcRunning!{col}$6*CalcRunning!{col}$7"
                power = (
                    f"{I_}*CalcRunning!{col}$5*INDEX(PowerPrices!{col}${p0}:{col}${p1},{site_no})"
                )
                online = f"({tt}>={M})*({tt}<{N})"
                depreciation = _straight_line(f"CalcRows!$Q{f}", M, R_, tt)
                run_cells.append(
                    Formula(
                        f"=IF(AND({tt}>={M},{tt}<{N}),IF(AutoShutdown,IF({revenue}>={power},1,0),1),0)"
                    )
                )
                tax_cells.append(
                    Formula(
                        f"=CalcRunning!{col}{k}*{H_}*({revenue}-{power})"
                        f"+{online}*(CalcRows!$S{f}*CalcRunning!{col}$5-CalcRows!$T{f})-{depreciation}"
                    )
                )
                fcf_cells.append(
                    Formula(
                        f"=CalcTaxable!{col}{k}+{depreciation}-({tt}=CalcRows!$O{f})*CalcRows!$P{f}"
                        f"+({tt}=CalcRows!$U{f})*CalcRows!$V{f}-MAX(CalcTaxable!{col}{k},0)*CalcTaxable!{col}$11"
                    )
                )
                cum_cells.append(
                    Formula(f"=CalcFCF!{col}{k}")
                    if t == 0
                    else Formula(f"={cols[t - 1]}{k}+CalcFCF!{col}{k}")
                )
            running.append(run_cells)
            taxable.append(tax_cells)
            fcf.append(fcf_cells)
            cum.append(cum_cells)
            if r % 200 == 0:
                step(0.1 + 0.85 * r / shape.rows)

    def write_summary(self) -> None:
        ws = self.summary
        shape = self.shape
        _widths(ws, (26, 16, 11, 11, 11, 9, 13, 16, 16, 16, 14, 14, 14, 12, 10, 10, 10, 10, 10))
        ws.freeze_panes = "B7"
        ws.append(_title(ws, "Plan summary"))
        ws.append(
            [
                _text(ws, "Project"),
                _cell(ws, Formula("=ProjectName")),
                None,
                _text(ws, "Scenario"),
                _cell(ws, Formula("=ScenarioName")),
            ]
        )
        ws.append(
            [
                _text(ws, "Horizon"),
                _cell(ws, Formula("=StartMonth"), MONTH),
                _cell(ws, Formula(f"=EDATE(StartMonth,{shape.months - 1})"), MONTH),
                _text(ws, "Months"),
                _cell(ws, Formula("=HorizonMonths")),
            ]
        )
        ws.append(
            [
                _text(ws, "Next halving"),
                _cell(ws, Formula("=NextHalvingHeight"), COUNT),
                _cell(ws, Formula("=NextHalvingDate"), "yyyy-mm-dd"),
                _text(ws, "Discount rate"),
                _cell(ws, Formula("=DiscountRate"), PERCENT),
            ]
        )
        ws.append([])
        ws.append(
            _header(
                ws,
                (
                    "",
                    *KPI_HEADER,
                    "calc: first negative month #",
                    "calc: first month back #",
                    "calc: payback at month",
                    "calc: monthly IRR",
                    "calc: discounted, first negative #",
                    "calc: discounted, first back #",
                    "calc: discounted payback at month",
                ),
            )
        )
        last = shape.months + 1
        monthly = {
            "fcf": f"Monthly!$S$2:$S${last}",
            "cum": f"Monthly!$T$2:$T${last}",
            "dates": f"Monthly!$A$2:$A${last}",
        }
        first, end = DISCOUNTED_FIRST_ROW, DISCOUNTED_FIRST_ROW + shape.months - 1

        def discounted(column: int) -> dict[str, str]:
            """CalcDiscounted's month numbers and the discounted FCF in `column` and
            its running total in the next."""
            fcf, cum = get_column_letter(column), get_column_letter(column + 1)
            return {
                "t": f"CalcDiscounted!$A${first}:$A${end}",
                "fcf": f"CalcDiscounted!${fcf}${first}:${fcf}${end}",
                "cum": f"CalcDiscounted!${cum}${first}:${cum}${end}",
            }

        fleet_irr = self.results.fleet_irr_annual
        rows: list[tuple[str, dict[str, str], dict[str, str], bool, str, float]] = [
            (
                "Fleet",
                monthly,
                self.fleet_sums(),
                True,
                monthly["dates"],
                math.nan if fleet_irr is None else fleet_irr,
            )
        ]
        for s in range(shape.sites):
            a = 3 + s * shape.months
            b = a + shape.months - 1
            ranges = {
                "fcf": f"'Monthly by site'!$O${a}:$O${b}",
                "cum": f"'Monthly by site'!$P${a}:$P${b}",
                "t": f"'Monthly by site'!$D${a}:$D${b}",
            }
            sums = {
                "btc": f"SUM('Monthly by site'!$E${a}:$E${b})",
                "revenue": f"SUM('Monthly by site'!$F${a}:$F${b})",
                "power": f"SUM('Monthly by site'!$H${a}:$H${b})",
                "opex": f"SUM('Monthly by site'!$I${a}:$I${b})",
                "capex": f"SUM('Monthly by site'!$K${a}:$K${b})",
                "depreciation": f"SUM('Monthly by site'!$L${a}:$L${b})",
            }
            rows.append(
                (
                    Formula(f"=Sites!A{TABLE_FIRST_ROW + s}"),
                    ranges,
                    sums,
                    False,
                    ranges["t"],
                    float(self.results.site_irr_annual[s]),
                )
            )
        for n, (label, ranges, sums, dates, key, irr) in enumerate(rows):
            row = 7 + n
            neg, back, at, months, status = _payback_cells(
                key, ranges["cum"], ranges["fcf"], (f"O{row}", f"P{row}", f"Q{row}"), dates
            )
            d = discounted(4 + 2 * n)  # the fleet's pair first, then each site's
            d_neg, d_back, d_at, d_months, d_status = _payback_cells(
                d["t"], d["cum"], d["fcf"], (f"S{row}", f"T{row}", f"U{row}")
            )
            ws.append(
                [
                    _cell(ws, label, font=BOLD),
                    _cell(ws, _npv(ranges["fcf"]), USD),
                    _cell(ws, _annual_irr(f"R{row}", f"E{row}"), PERCENT),
                    _cell(ws, months, DECIMAL),
                    _cell(ws, status),
                    _cell(ws, Formula(f'=IF(I{row}>0,J{row}/I{row},"")'), PERCENT),
                    _cell(ws, Formula(f"={sums['btc']}"), BTC),
                    _cell(ws, Formula(f"={sums['revenue']}"), USD),
                    _cell(ws, Formula(f"={sums['capex']}"), USD),
                    _cell(ws, Formula(f"=SUM({ranges['fcf']})"), USD),
                    _cell(
                        ws,
                        Formula(f'=IF(G{row}>0,({sums["power"]}+{sums["opex"]})/G{row},"")'),
                        USD_CENTS,
                    ),
                    _cell(
                        ws,
                        Formula(
                            f'=IF(G{row}>0,({sums["power"]}+{sums["opex"]}+{sums["depreciation"]})/G{row},"")'
                        ),
                        USD_CENTS,
                    ),
                    _cell(ws, d_months, DECIMAL),
                    _cell(ws, d_status),
                    _cell(ws, neg, fill=CALC_FILL),
                    _cell(ws, back, fill=CALC_FILL),
                    _cell(ws, at, DECIMAL, fill=CALC_FILL),
                    _cell(ws, _monthly_irr(ranges["fcf"], irr), "0.0000%", fill=CALC_FILL),
                    _cell(ws, d_neg, fill=CALC_FILL),
                    _cell(ws, d_back, fill=CALC_FILL),
                    _cell(ws, d_at, DECIMAL, fill=CALC_FILL),
                ]
            )
        anchor = 7 + len(rows) + 2
        monthly_ws = self.wb["Monthly"]
        categories = Reference(monthly_ws, min_col=1, min_row=2, max_row=last)
        charts = (
            (
                BarChart(),
                "Monthly free cash flow (USD)",
                MONTHLY_HEADER.index("Free cash flow (USD)"),
            ),
            (
                LineChart(),
                "Cumulative free cash flow (USD)",
                MONTHLY_HEADER.index("Cumulative FCF (USD)"),
            ),
        )
        for n, (chart, title, column) in enumerate(charts):
            chart.title = title
            chart.y_axis.title = "USD"
            chart.y_axis.numFmt = "#,##0"
            chart.add_data(
                Reference(monthly_ws, min_col=column + 1, min_row=1, max_row=last),
                titles_from_data=True,
            )
            chart.set_categories(categories)
            chart.x_axis.number_format = "mmm yyyy"
            chart.x_axis.tickLblPos = "low"  # month labels below the plot, not across it
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            chart.legend = None
            chart.height, chart.width = 8, 24
            ws.add_chart(chart, f"A{anchor + 17 * n}")

    def calc_discounted(self) -> None:
        """Each month's FCF discounted to the start, and its running total, for the fleet
        and each site: the Summary's discounted payback reads them. Months run down."""
        shape = self.shape
        first = DISCOUNTED_FIRST_ROW
        ws = self.sheet("CalcDiscounted", first + shape.months - 1, 5 + 2 * shape.sites, calc=True)
        ws.freeze_panes = f"C{first}"
        _widths(ws, (10, 11, 12, *(16,) * (2 + 2 * shape.sites)))
        ws.append(
            _title(
                ws,
                "Discounted free cash flow: a month's flow x 1/(1+DiscountRate)^((month #+1)/12), "
                "as in NPV",
            )
        )
        labels: list[WriteOnlyCell] = _header(
            ws,
            (
                "Month #",
                "Month",
                "Discount factor",
                "Fleet: discounted FCF (USD)",
                "Fleet: cumulative (USD)",
            ),
        )
        for s in range(shape.sites):
            site = f"Sites!$A${TABLE_FIRST_ROW + s}"
            for what in ("discounted FCF (USD)", "cumulative (USD)"):
                labels.append(
                    _cell(
                        ws,
                        Formula(f'={site}&": {what}"'),
                        font=HEADER_FONT,
                        fill=HEADER_FILL,
                        alignment=WRAP,
                    )
                )
        ws.append(labels)
        for t in range(shape.months):
            r = first + t
            cells = [
                t,
                _cell(ws, Formula(f"=Monthly!A{t + 2}"), MONTH),
                _cell(ws, Formula(f"=1/(1+DiscountRate)^((A{r}+1)/12)"), "0.000000"),
            ]
            sources = [f"Monthly!S{t + 2}"] + [
                f"'Monthly by site'!O{3 + s * shape.months + t}" for s in range(shape.sites)
            ]
            for n, source in enumerate(sources):
                fcf = get_column_letter(4 + 2 * n)
                cum = get_column_letter(5 + 2 * n)
                cells.append(_cell(ws, Formula(f"={source}*$C{r}"), USD))
                running = Formula(f"={fcf}{r}") if t == 0 else Formula(f"={cum}{r - 1}+{fcf}{r}")
                cells.append(_cell(ws, running, USD))
            ws.append(cells)

    def fleet_sums(self) -> dict[str, str]:
        last = self.shape.months + 1
        return {
            "btc": f"SUM(Monthly!$J$2:$J${last})",
            "revenue": f"SUM(Monthly!$K$2:$K${last})",
            "power": f"SUM(Monthly!$M$2:$M${last})",
            "opex": f"SUM(Monthly!$N$2:$N${last})",
            "capex": f"SUM(Monthly!$P$2:$P${last})",
            "depreciation": f"SUM(Monthly!$Q$2:$Q${last})",
        }


def build_workbook(
    project: Project,
    scenario: str | None = None,
    horizon_months: int | None = None,
    progress: Progress | None = None,
) -> bytes:
    """The workbook of `project` under a scenario, as the bytes of an .xlsx file.

    `progress(fraction)` is called as the work advances, last with 1.0 once the bytes are
    ready; it may raise to stop the export (the GUI's Cancel does).
    """
    step = progress or (lambda _fraction: None)
    writer = _Writer(project, scenario, horizon_months)
    try:
        workbook = writer.write(lambda fraction: step(0.9 * fraction))
    except BaseException:
        writer.discard()
        raise
    buffer = io.BytesIO()
    workbook.save(buffer)
    step(1.0)
    return buffer.getvalue()


def export_workbook(
    project: Project,
    path: Path,
    scenario: str | None = None,
    horizon_months: int | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the workbook to `path` through a temporary file: all of it or nothing.

    A `progress` that raises (Cancel) stops the export before anything is written.
    """
    data = build_workbook(project, scenario, horizon_months, progress)
    try:
        write_atomically(Path(path), data, keep_backup=False)
    except OSError as error:
        raise ExportError(f"{path}: cannot write the workbook: {error.strerror or error}") from None
