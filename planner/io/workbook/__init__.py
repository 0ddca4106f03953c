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
- Treasury (when the project has a treasury, debt or hedges; treasury.py): one row a
  month, the cash and BTC roll-forwards, each instrument's schedule and BTC loan's LTV,
  each hedge's settlement, the runway on top and the terms below; what the sale policy
  and the margin-call rules decide, and the tax on the treasury's items, are the
  engine's values in cells marked "from the model".
- Rows: per fleet row totals, NPV, IRR, payback and breakevens.
- Hourly power (when sites have a price profile, 4CP or demand response; hourly.py,
  hourly_values.py): the engine's uptime share and effective power price per row-month
  and each site's power sales, 4CP savings and demand response, as values "from the
  model" that the formulas of the rows and sites listed there read (the price-duration
  curves are not formula-driven).
- PowerPrices, CalcRows, CalcRunning, CalcTaxable, CalcFCF, CalcCumFCF, CalcIRRFlows:
  helper sheets of per-row and per-month calculations (months across), each cell a short
  formula; CalcMarginal: each row's marginal NPV, the tax refiled without it;
  CalcDiscounted: the fleet's and each site's discounted FCF, cash at each month's start
  and flows at month boundaries (months down). Capex is paid at the start of its month:
  NPVs discount it from there, IRRs solve the flows at month boundaries.

Only a `Formula` is written as a formula; every other str, project text above all, is
written as text (`_text`), whatever it starts with. Names are looked up exactly
(`_exact_match`: MATCH(TRUE,INDEX(EXACT(...),0),0), never MATCH(name,...,0), VLOOKUP or
a criterion, which read `*`, `?`, `~` as wildcards), once per row into a "#" column
(Sites: contract #; CalcRows: site # and model #; HPC: site #); SUMIFS and the like then
match on those numbers.

Written with openpyxl's write-only mode to a temporary file that then replaces the
target, so a failed export never leaves a half-written workbook behind. Rows of formulas
and numbers (the grids' half a million cells at 1,000 rows x 120 months) go into the
sheet's stream as the XML text openpyxl would write for them, a row at a time, with each
style made once; rows with text go through openpyxl's cells.

The package: data.py runs the model and every analysis once (ExportData); book.py holds
the workbook's state, cell helpers and styles; sheet.py the write-only sheet, its one
text writer (`text_cell`) and its rows of formulas (`Sheet.append_formulas`);
formulas.py the formula helpers (no openpyxl); columns.py each sheet's named columns,
from which the letters are derived; one module per group of sheets (inputs, results,
calc and grids, summary, decisions, hpc, treasury, hourly); writer.py writes them in
order.
"""

from __future__ import annotations

from planner.io.workbook.book import ExportError
from planner.io.workbook.columns import (
    BTC,
    COUNT,
    DECIMAL,
    FLEET_HEADER,
    KPI_HEADER,
    MONTH,
    MONTHLY_HEADER,
    PERCENT,
    ROWS_HEADER,
    SITE_MONTHLY_HEADER,
    USD,
    USD_CENTS,
)
from planner.io.workbook.formulas import Formula
from planner.io.workbook.writer import Progress, build_workbook, export_workbook

__all__ = [
    "BTC",
    "COUNT",
    "DECIMAL",
    "FLEET_HEADER",
    "KPI_HEADER",
    "MONTH",
    "MONTHLY_HEADER",
    "PERCENT",
    "ROWS_HEADER",
    "SITE_MONTHLY_HEADER",
    "USD",
    "USD_CENTS",
    "ExportError",
    "Formula",
    "Progress",
    "build_workbook",
    "export_workbook",
]
