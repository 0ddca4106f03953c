"""Importing a fleet from the spreadsheets miners already keep (xlsx or CSV).

Reading the file is planner.io.table_reader's job (bounded, streaming, any encoding and
delimiter). Here the table is planned: the header row is found under any title rows,
columns are mapped by their headers (Model / Miner / ASIC, Qty / Units / Count, TH/s,
W / kW, Price / Unit cost, Site / Location, ...), numbers written as text are read with
the decimal separator their column shows (planner.io.number_format: `0,300` in a
`;`-separated file is 0.3; a column that could be read either way is a problem, not a
guess), units are converted, rig models are matched to the catalog by name (case and
spacing insensitive) or added from the sheet's hashrate and power, and every row-level
problem is listed by the sheet's row number and the column's header. Rows at a site the
project lacks are planned and wait for the site to be created (planner.io.import_sites);
a blank or missing degradation takes its model's figure in the fleet, else the project's
default (planner.io.import_defaults). Nothing changes until the plan is applied
(planner.io.import_plan), and an applied plan is a validated project.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.domain.cells import QUANTITY_KINDS
from planner.domain.months import parse_month
from planner.domain.project import FleetRow, Project, RigModel
from planner.domain.units import QuantityKind, parse_quantity, parse_whole_number
from planner.domain.validation import describe_error
from planner.io import number_format
from planner.io.fleet_columns import (
    FIELD_COLUMNS,
    HEADER_SCAN_ROWS,
    SYNONYMS,
    find_header,
    map_header,
)
from planner.io.import_defaults import CATALOG_NOTE, DegradationDefaults, format_degradation
from planner.io.import_plan import ImportApplyError, ImportPlan, ImportProblem, row_ranges
from planner.io.table_reader import FleetImportError, Progress, Table, read_table

__all__ = [
    "HEADER_SCAN_ROWS",
    "SYNONYMS",
    "FleetImportError",
    "ImportApplyError",
    "ImportPlan",
    "ImportProblem",
    "Table",
    "find_header",
    "import_fleet",
    "map_header",
    "plan_import",
    "read_table",
]


def normalise_model(name: str) -> str:
    return re.sub(r"[\s\-_]+", "", name.casefold())


def _catalog_index(catalog: Iterable[RigModel]) -> dict[str, RigModel]:
    index: dict[str, RigModel] = {}
    for model in catalog:
        index.setdefault(normalise_model(model.name), model)
        if model.maker:
            for prefix in ("antminer ", "whatsminer ", "avalon ", "sealminer "):
                if model.name.casefold().startswith(prefix):
                    index.setdefault(normalise_model(model.name[len(prefix) :]), model)
    return index


# ---------------------------------------------------------------------- header


def _new_plan(table: Table, source: str) -> tuple[ImportPlan, int, dict[str, tuple[int, float]]]:
    """The plan's frame (header row, mapping, reader's notes), or FleetImportError."""
    header_index, mapping = find_header(table.rows)
    if header_index < 0:
        raise FleetImportError(
            f"{source or table.sheet}: no header row found in the first {HEADER_SCAN_ROWS} rows "
            "(need at least a model column such as Model/Miner/ASIC and a quantity column "
            "such as Qty/Units/Count)"
        )
    header = table.rows[header_index]
    read = {c for c, _s in mapping.values()}
    plan = ImportPlan(
        source=source,
        sheet=table.sheet,
        header_row=table.row_number(header_index),
        mapping={f: _text(header[c]) for f, (c, _s) in mapping.items()},
        notes=list(table.notes),
        unused_columns=[_text(h) for c, h in enumerate(header) if _text(h) and c not in read],
    )
    return plan, header_index, mapping


# ---------------------------------------------------------------------- cells


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _month(value: Any) -> date:
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    text = _text(value)
    try:
        return parse_month(text)
    except ValueError:
        pass
    for pattern in ("%m/%Y", "%b %Y", "%B %Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m"):
        try:
            parsed = datetime.strptime(text, pattern)
            return date(parsed.year, parsed.month, 1)
        except ValueError:
            continue
    return parse_month(text)


def _free_name(base: str, taken: set[str]) -> str:
    """`base`, or `base (2)`, `base (3)`...: the first not in `taken` (case-folded names)."""
    if base.casefold() not in taken:
        return base
    n = 2
    while f"{base} ({n})".casefold() in taken:
        n += 1
    return f"{base} ({n})"


_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_character(text: str) -> str:
    """The first control character in `text` (C0/C1, DEL, or a bidi override), or ""."""
    for char in text:
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            return char
    return ""


# The number columns and how their cells are read, by the field's kind in the schema (the
# count's decimal separator is decided with the others; it is read as a whole number).
NUMBER_FIELDS: dict[str, QuantityKind] = {
    field: "number" if column.kind == "int" else QUANTITY_KINDS[column.kind]
    for field, column in FIELD_COLUMNS.items()
    if column.numeric
}
NAME_FIELDS = ("name", "model", "site")
MONTH_FIELDS = tuple(field for field, column in FIELD_COLUMNS.items() if column.kind == "month")


def _column_formats(
    table: Table, header_index: int, mapping: dict[str, tuple[int, float]], plan: ImportPlan
) -> dict[str, str | None]:
    """Decimal separator of each number column (None where undecided: a plan problem)."""
    body = table.rows[header_index + 1 :]
    columns = {
        name: [
            row[column]
            for row in body
            if column < len(row) and isinstance(row[column], str) and row[column]
        ]
        for name, (column, _scale) in mapping.items()
        if name in NUMBER_FIELDS
    }
    decided = number_format.decide_columns(columns, table.decimal_hint)
    for name, found in decided.items():
        if found.problem:
            plan.problems.append(
                ImportProblem(plan.header_row, plan.mapping[name], found.example, found.problem)
            )
    if note := number_format.describe({plan.mapping[n]: f for n, f in decided.items()}):
        plan.notes.append(note)
    return {name: found.decimal for name, found in decided.items()}


# ---------------------------------------------------------------------- rows


@dataclass
class _Row:
    """One body row being read: its cells and where its problems go."""

    cells: Sequence[Any]
    number: int
    planner: _RowPlanner
    problems: int = 0
    unread: bool = False  # a number left unread: its column is a problem of the plan

    def cell(self, fieldname: str) -> Any:
        mapping = self.planner.mapping
        if fieldname not in mapping:
            return None
        column, _scale = mapping[fieldname]
        return self.cells[column] if column < len(self.cells) else None

    def problem(self, fieldname: str, reason: str) -> None:
        plan = self.planner.plan
        plan.problems.append(
            ImportProblem(self.number, plan.header(fieldname), _text(self.cell(fieldname)), reason)
        )
        self.problems += 1

    def number_of(self, fieldname: str) -> float | None:
        """The field's number in the base unit, None when empty (or a problem)."""
        value = self.cell(fieldname)
        if value is None or _text(value) == "":
            return None
        decimal = self.planner.decimals.get(fieldname, ".")
        if decimal is None:
            self.unread = True  # the column's convention is unknown: a problem of the plan
            return None
        try:
            if isinstance(value, int | float) and not isinstance(value, bool):
                number = float(value)
            else:
                number = parse_quantity(
                    number_format.normalise(_text(value), decimal), NUMBER_FIELDS[fieldname]
                )
        except ValueError as error:
            self.problem(fieldname, str(error))
            return None
        return number * self.planner.mapping[fieldname][1]

    def count(self) -> int | None:
        value = self.cell("count")
        if not isinstance(value, int | float):
            decimal = self.planner.decimals.get("count", ".")
            if decimal is None:
                self.unread = True
                return None
            value = number_format.normalise(_text(value), decimal)
        try:
            return parse_whole_number(value)
        except ValueError as error:
            self.problem("count", str(error))
            return None

    def month(self, fieldname: str) -> date | None:
        value = self.cell(fieldname)
        if value is None or _text(value) == "":
            return None
        try:
            return _month(value)
        except ValueError:
            self.problem(fieldname, "not a date or a month (YYYY-MM)")
            return None

    def check_names(self) -> None:
        for fieldname in NAME_FIELDS:
            char = control_character(_text(self.cell(fieldname)))
            if char:
                self.problem(
                    fieldname, f"contains a control character (U+{ord(char):04X}); use plain text"
                )


class _RowPlanner:
    """Turns body rows into fleet rows, catalog entries, skips and problems of one plan."""

    def __init__(
        self,
        plan: ImportPlan,
        mapping: dict[str, tuple[int, float]],
        project: Project,
        decimals: dict[str, str | None],
        default_site: str | None,
    ):
        self.plan, self.mapping, self.decimals = plan, mapping, decimals
        self.source = plan.source or plan.sheet
        self.catalog = _catalog_index(project.catalog)
        self.created: dict[str, RigModel] = {}
        self.project_sites = [s.name for s in project.sites]
        plan.known_sites = list(self.project_sites)
        self.sites = {s.casefold(): s for s in self.project_sites}
        self.unknown: dict[str, str] = {}  # casefold -> the sheet's first spelling
        self.site_fallback = default_site or (self.project_sites[0] if project.sites else None)
        self.start_month = project.scenario().start_month
        self.taken = {r.name.casefold() for r in project.fleet}
        self.degradation = DegradationDefaults(project)
        if "site" not in mapping:
            plan.notes.append(f"no site column: every row goes to site {self.site_fallback!r}")

    def skip(self, row: _Row) -> bool:
        """Whether the row is blank or a subtotal (then listed as skipped)."""
        if not any(_text(v) for v in row.cells):
            self.plan.skipped.append(ImportProblem(row.number, "", "", "blank row"))
            return True
        model_text = _text(row.cell("model"))
        first_text = " ".join(_text(v) for v in row.cells[:3]).casefold()
        if not model_text and ("total" in first_text or _text(row.cell("count"))):
            self.plan.skipped.append(
                ImportProblem(row.number, "", first_text.strip(), "subtotal row")
            )
            return True
        if "total" in model_text.casefold():
            column = self.plan.header("model")
            self.plan.skipped.append(ImportProblem(row.number, column, model_text, "subtotal row"))
            return True
        return False

    def model(self, row: _Row, hashrate: float | None, power: float | None) -> RigModel | None:
        """The catalog's model for the row, or a new entry from its hashrate and power."""
        text = _text(row.cell("model"))
        key = normalise_model(text)
        model = self.catalog.get(key) or self.created.get(key)
        if model is not None or control_character(text):
            return model  # a name with a control character is a problem already
        if not (hashrate and power):
            row.problem(
                "model", "not in the catalog, and the sheet gives no hashrate and power to add it"
            )
            return None
        try:
            model = RigModel(
                name=text,
                hashrate_th=hashrate,
                power_w=power,
                source=f"imported from {self.source}",
            )
        except ValidationError as error:
            row.problem("model", describe_error(error.errors()[0]))
            return None
        self.created[key] = model
        self.plan.new_model_rows[model.name] = row.number
        return model

    def site(self, row: _Row) -> str | None:
        """The project's site of the row; a site the project lacks as the sheet first
        spells it (its rows wait for the site to be created); None: no site at all."""
        text = _text(row.cell("site"))
        if not text:
            if self.site_fallback is None:
                row.problem("site", "no site, and the project has no site to put the row at")
            return self.site_fallback
        key = text.casefold()
        return self.sites.get(key) or self.unknown.setdefault(key, text)

    def plan_row(self, cells: Sequence[Any], number: int, uncached: Iterable[int]) -> None:
        row = _Row(cells, number, self)
        if self.skip(row):
            return
        for fieldname, (column, _s) in self.mapping.items():
            if column in uncached:
                row.problem(
                    fieldname,
                    "a formula without a saved value: open the file in Excel, "
                    "save it, and import again",
                )
        row.check_names()
        count = row.count()
        values = {f: row.number_of(f) for f in NUMBER_FIELDS if f != "count"}
        if row.unread:
            return  # what follows from a number not read would only repeat the column's problem
        degradation = values["degradation_per_year"]
        if degradation is not None and degradation > 1:
            values["degradation_per_year"] = degradation / 100.0
        model = self.model(row, values["hashrate_th"], values["power_w"])
        site = self.site(row)
        months = {f: row.month(f) for f in MONTH_FIELDS}
        if row.problems or model is None or site is None or count is None:
            return
        self.add_row(row, model, site, count, values, months)

    def add_row(
        self,
        row: _Row,
        model: RigModel,
        site: str,
        count: int,
        values: dict[str, float | None],
        months: dict[str, date | None],
    ) -> None:
        purchase = months["purchase_month"] or months["online_month"] or self.start_month
        if months["purchase_month"] is None:
            self.plan.notes.append(f"row {row.number}: no purchase date, {purchase:%Y-%m} assumed")
        name = _free_name(_text(row.cell("name")) or f"{model.name} ({row.number})", self.taken)
        default = None
        if values["degradation_per_year"] is None:
            default = self.degradation.for_model(model.name)
            values["degradation_per_year"] = default.per_year
        try:
            fleet_row = FleetRow(
                name=name,
                model=model.name,
                site=site,
                count=count,
                purchase_month=purchase,
                online_month=months["online_month"],
                retire_month=months["retire_month"],
                notes=_text(row.cell("notes")),
                **{k: v or 0.0 for k, v in values.items() if k not in ("hashrate_th", "power_w")},
            )
        except ValidationError as error:
            for detail in error.errors():
                row.problem(str(detail["loc"][0]) if detail["loc"] else "", describe_error(detail))
            return
        if fleet_row.retire_month and fleet_row.retire_month <= fleet_row.effective_online_month:
            row.problem("retire_month", "must be after the online month")
            return
        self.taken.add(name.casefold())
        index = len(self.plan.rows)
        self.plan.rows.append(fleet_row)
        self.plan.row_numbers.append(row.number)
        if default is not None:
            self.plan.degradation_defaults[index] = default
        if site.casefold() not in self.sites:
            self.plan.unknown_sites.setdefault(site, []).append(index)


def _note_degradation(plan: ImportPlan) -> None:
    """Say which rows took a default degradation, what it is and where it came from."""
    if not plan.degradation_defaults:
        return
    header = plan.header("degradation_per_year")
    if "degradation_per_year" in plan.mapping:
        lead = f"blank {header!r} cells"
    else:
        lead = "no degradation column"
    plan.notes.append(
        f"{lead}: each row takes its model's degradation in the rig catalog where stated "
        f"({CATALOG_NOTE}), else the figure its model has in the fleet, else the "
        "project's default"
    )
    groups: dict[tuple[str, float, str], list[int]] = {}
    for index, default in plan.degradation_defaults.items():
        row = plan.rows[index]
        key = (row.model, row.degradation_per_year, default.source)
        groups.setdefault(key, []).append(plan.row_number(index))
    for (model, per_year, source), numbers in groups.items():
        shown = format_degradation(per_year)
        plan.notes.append(f"{row_ranges(numbers)} ({model}): degradation {shown}, {source}")


def _blank_gap(plan: ImportPlan, previous: int, number: int) -> None:
    """List the empty rows between two rows read (the reader drops them) as skipped."""
    gap = number - previous - 1
    if gap == 1:
        plan.skipped.append(ImportProblem(previous + 1, "", "", "blank row"))
    elif gap > 1:
        plan.skipped.append(
            ImportProblem(previous + 1, "", "", f"{gap:,} blank rows (to row {number - 1})")
        )


def plan_import(
    table: Table,
    project: Project,
    *,
    source: str = "",
    default_site: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read the table's rows into fleet rows, with every problem named by row and column."""
    plan, header_index, mapping = _new_plan(table, source)
    decimals = _column_formats(table, header_index, mapping, plan)
    planner = _RowPlanner(plan, mapping, project, decimals, default_site)
    uncached: dict[int, set[int]] = {}
    for r, c in table.uncached_formulas:
        uncached.setdefault(r, set()).add(c)
    previous = plan.header_row
    total = len(table.rows) - header_index - 1
    for index in range(header_index + 1, len(table.rows)):
        offset = index - header_index - 1
        if progress and offset % 5000 == 0:
            progress(0.9 + 0.1 * offset / total)
        number = table.row_number(index)
        _blank_gap(plan, previous, number)
        previous = number
        planner.plan_row(table.rows[index], number, uncached.get(index, ()))
    plan.new_models = list(planner.created.values())
    _note_degradation(plan)
    if progress:
        progress(1.0)
    return plan


def import_fleet(
    path: Path,
    project: Project,
    *,
    sheet: str | None = None,
    default_site: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read a workbook or CSV and plan the import of its fleet table into `project`."""
    table = read_table(path, sheet, progress)
    return plan_import(
        table, project, source=Path(path).name, default_site=default_site, progress=progress
    )
