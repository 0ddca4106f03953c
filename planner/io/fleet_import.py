"""Importing a fleet from the spreadsheets miners already keep (xlsx or CSV).

Finds the header row under any title rows, maps columns by their headers (Model / Miner /
ASIC, Qty / Units / Count, TH/s, W / kW, Price / Unit cost, Site / Location, ...),
converts units, matches rig models to the catalog by name (case and spacing
insensitive) or adds a catalog entry from the sheet's hashrate and power, and lists
every row-level problem. Nothing changes until the plan is applied.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.domain.months import parse_month
from planner.domain.project import FleetRow, Project, RigModel
from planner.domain.units import QuantityKind, parse_quantity, parse_whole_number
from planner.domain.validation import describe_error

HEADER_SCAN_ROWS = 40
Progress = Callable[[float], None]


class FleetImportError(Exception):
    """A file that cannot be read as a table; the message names the file and the problem."""


# Field -> header words that name it (after lower-casing and dropping units and punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "batch",
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
        "rig model",
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
        "rigs",
        "machines",
        "miners",
        "#",
    ),
    "hashrate_th": (
        "th/s",
        "ths",
        "th",
        "hashrate",
        "hash rate",
        "hash",
        "ph/s",
        "phs",
        "nominal hashrate",
        "hashrate per unit",
    ),
    "power_w": (
        "w",
        "watts",
        "power",
        "kw",
        "power draw",
        "consumption",
        "power per unit",
        "wattage",
    ),
    "unit_price_usd": (
        "price",
        "unit price",
        "unit cost",
        "cost per unit",
        "price per unit",
        "cost",
        "purchase price",
        "usd/unit",
        "$/unit",
    ),
    "site": ("site", "location", "facility", "data center", "datacenter", "host", "hosting site"),
    "purchase_month": (
        "purchase date",
        "purchased",
        "purchase month",
        "po date",
        "bought",
        "order date",
        "date",
    ),
    "online_month": (
        "online",
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
        "retired",
        "retirement",
        "retire date",
        "decommission",
        "decommissioned",
    ),
    "resale_usd_per_unit": ("resale", "resale value", "salvage", "salvage value"),
    "terminal_value_usd_per_unit": ("terminal value", "terminal", "residual value", "end value"),
    "degradation_per_year": ("degradation", "degradation/yr", "annual degradation"),
    "notes": ("notes", "note", "comment", "comments", "remarks"),
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


@dataclass(frozen=True)
class ImportProblem:
    """A row that cannot be imported: sheet row number (1-based), column, value, reason."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        shown = f" ({self.value!r})" if self.value else ""
        return f"{where}{shown}: {self.reason}"


@dataclass
class ImportPlan:
    """What an import would do: rows to add, catalog entries to create, and problems."""

    source: str
    sheet: str
    header_row: int
    mapping: dict[str, str]
    rows: list[FleetRow] = field(default_factory=list)
    new_models: list[RigModel] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: list[ImportProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def apply(self, project: Project, replace: bool = False) -> Project:
        """The project with the imported rows (appended, or replacing the fleet)."""
        fleet = self.rows if replace else [*project.fleet, *self.rows]
        return project.model_copy(
            update={"fleet": fleet, "catalog": [*project.catalog, *self.new_models]}
        )


# ---------------------------------------------------------------------- reading files


@dataclass
class Table:
    sheet: str
    sheets: list[str]
    rows: list[list[Any]]
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)


def read_table(path: Path, sheet: str | None = None, progress: Progress | None = None) -> Table:
    """The cells of one sheet of a workbook (cached values of formulas), or of a CSV file."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            head = stream.read(8)
    except FileNotFoundError:
        raise FleetImportError(f"{path}: no such file") from None
    except OSError as error:
        raise FleetImportError(f"{path}: cannot read: {error.strerror or error}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FleetImportError(
            f"{path}: an encrypted workbook or an old .xls file; save it as an unprotected .xlsx"
        )
    if head.startswith(b"PK"):
        return _read_xlsx(path, sheet, progress)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise FleetImportError(f"{path}: not a workbook (an .xlsx file is a zip archive)")
    return _read_csv(path)


def _read_xlsx(path: Path, sheet: str | None, progress: Progress | None) -> Table:
    import openpyxl  # heavy: imported only when a workbook is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise FleetImportError(
            f"{path}: the workbook is damaged (not a complete zip archive)"
        ) from None
    except KeyError as error:
        raise FleetImportError(f"{path}: not a workbook: missing part {error}") from None
    except Exception as error:  # openpyxl raises many kinds on hostile or broken files
        raise FleetImportError(
            f"{path}: cannot read the workbook: {type(error).__name__}: {error}"
        ) from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            # A planner workbook (or any book with a sheet called Fleet): that sheet.
            fleet = [n for n in names if n.strip().casefold() == "fleet"]
            chosen = fleet[0] if fleet else names[0]
        elif sheet in names:
            chosen = sheet
        else:
            raise FleetImportError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
        ws = book[chosen]
        total = ws.max_row or 0
        rows: list[list[Any]] = []
        for i, values in enumerate(ws.iter_rows(values_only=True)):
            rows.append(list(values))
            if progress and total and i % 5000 == 0:
                progress(min(i / total, 1.0) * 0.8)
    except FleetImportError:
        raise
    except Exception as error:
        raise FleetImportError(
            f"{path}: cannot read the workbook: {type(error).__name__}: {error}"
        ) from None
    finally:
        book.close()
    # Formulas without a cached value read as empty: find them to say so.
    uncached: set[tuple[int, int]] = set()
    width = max((len(r) for r in rows), default=0)
    has_holes = any(
        any(v is not None for v in row) and (len(row) < width or None in row) for row in rows
    )
    if has_holes:  # a second pass over the sheet, only when an empty cell may be a formula
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            for r, values in enumerate(formulas[chosen].iter_rows(values_only=True)):
                for c, value in enumerate(values):
                    if (
                        isinstance(value, str)
                        and value.startswith("=")
                        and r < len(rows)
                        and c < len(rows[r])
                        and rows[r][c] is None
                    ):
                        uncached.add((r, c))
        finally:
            formulas.close()
    if progress:
        progress(0.9)
    return Table(chosen, names, rows, uncached)


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise FleetImportError(f"{path}: not a text table (binary data)")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return Table(path.name, [path.name], rows)


# ---------------------------------------------------------------------- planning


def find_header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, tuple[int, float]]]:
    """The header row (0-based) and its mapping: the row in the first rows that names the
    most known columns, and at least a model and a quantity."""
    best: tuple[int, dict[str, tuple[int, float]]] = (-1, {})
    best_score = 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = map_header(row)
        if "model" in mapping and "count" in mapping and len(mapping) > best_score:
            best, best_score = (index, mapping), len(mapping)
    return best


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


def plan_import(
    table: Table,
    project: Project,
    *,
    source: str = "",
    default_site: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read the table's rows into fleet rows, with every problem named by row and column."""
    header_index, mapping = find_header(table.rows)
    if header_index < 0:
        raise FleetImportError(
            f"{source or table.sheet}: no header row found in the first {HEADER_SCAN_ROWS} rows "
            "(need at least a model column such as Model/Miner/ASIC and a quantity column "
            "such as Qty/Units/Count)"
        )
    header = table.rows[header_index]
    plan = ImportPlan(
        source=source,
        sheet=table.sheet,
        header_row=header_index + 1,
        mapping={f: str(header[c]) for f, (c, _s) in mapping.items()},
    )
    catalog = _catalog_index(project.catalog)
    sites = {s.name.casefold(): s.name for s in project.sites}
    site_fallback = default_site or (project.sites[0].name if project.sites else None)
    if "site" not in mapping:
        plan.notes.append(f"no site column: every row goes to site {site_fallback!r}")
    start_month = project.scenario().start_month
    taken = {r.name.casefold() for r in project.fleet}
    created: dict[str, RigModel] = {}
    body = table.rows[header_index + 1 :]
    for offset, row in enumerate(body):
        number = header_index + offset + 2  # 1-based sheet row
        if progress and offset % 5000 == 0 and body:
            progress(0.9 + 0.1 * offset / len(body))

        def cell(fieldname: str, row: Sequence[Any] = row) -> Any:
            if fieldname not in mapping:
                return None
            column, _scale = mapping[fieldname]
            return row[column] if column < len(row) else None

        def column_name(fieldname: str) -> str:
            return plan.mapping.get(fieldname, fieldname)

        def problem(fieldname: str, reason: str, number: int = number) -> None:
            plan.problems.append(
                ImportProblem(number, column_name(fieldname), _text(cell(fieldname)), reason)
            )

        values = [v for v in row if _text(v)]
        if not values:
            plan.skipped.append(ImportProblem(number, "", "", "blank row"))
            continue
        model_text = _text(cell("model"))
        first_text = " ".join(_text(v) for v in row[:3]).casefold()
        if not model_text and ("total" in first_text or _text(cell("count"))):
            plan.skipped.append(ImportProblem(number, "", first_text.strip(), "subtotal row"))
            continue
        if "total" in model_text.casefold():
            plan.skipped.append(
                ImportProblem(number, column_name("model"), model_text, "subtotal row")
            )
            continue
        formula_columns = [
            c for (r, c) in table.uncached_formulas if r == header_index + 1 + offset
        ]
        for fieldname, (column, _s) in mapping.items():
            if column in formula_columns:
                problem(
                    fieldname,
                    "a formula without a saved value: open the file in Excel, "
                    "save it, and import again",
                )
        errors_before = len(plan.problems)

        def number_of(fieldname: str, kind: QuantityKind) -> float | None:
            value = cell(fieldname)
            if value is None or _text(value) == "":
                return None
            try:
                if isinstance(value, int | float) and not isinstance(value, bool):
                    number = float(value)
                else:
                    number = parse_quantity(_text(value), kind)
            except ValueError as error:
                problem(fieldname, str(error))
                return None
            return number * mapping[fieldname][1]

        count_value = cell("count")
        try:
            count = parse_whole_number(
                count_value if isinstance(count_value, int | float) else _text(count_value)
            )
        except ValueError as error:
            problem("count", str(error))
            count = None
        hashrate = number_of("hashrate_th", "hashrate_th")
        power = number_of("power_w", "power_w")
        price = number_of("unit_price_usd", "usd")
        resale = number_of("resale_usd_per_unit", "usd")
        terminal = number_of("terminal_value_usd_per_unit", "usd")
        degradation = number_of("degradation_per_year", "fraction")
        if degradation is not None and degradation > 1:
            degradation /= 100.0

        model = catalog.get(normalise_model(model_text)) or created.get(normalise_model(model_text))
        if model is None:
            if hashrate and power:
                try:
                    model = RigModel(
                        name=model_text,
                        hashrate_th=hashrate,
                        power_w=power,
                        source=f"imported from {source or table.sheet}",
                    )
                except ValidationError as error:
                    problem("model", describe_error(error.errors()[0]))
                else:
                    created[normalise_model(model_text)] = model
            else:
                problem(
                    "model",
                    "not in the catalog, and the sheet gives no hashrate and power to add it",
                )
        site_text = _text(cell("site"))
        site = sites.get(site_text.casefold()) if site_text else site_fallback
        if site is None:
            known = ", ".join(s.name for s in project.sites) or "none yet"
            problem("site", f"unknown site (the project has: {known})")
        months: dict[str, date | None] = {}
        for fieldname in ("purchase_month", "online_month", "retire_month"):
            value = cell(fieldname)
            if value is None or _text(value) == "":
                months[fieldname] = None
                continue
            try:
                months[fieldname] = _month(value)
            except ValueError:
                problem(fieldname, "not a date or a month (YYYY-MM)")
                months[fieldname] = None
        if len(plan.problems) > errors_before or model is None or site is None or count is None:
            continue
        purchase = months["purchase_month"] or months["online_month"] or start_month
        if months["purchase_month"] is None:
            plan.notes.append(f"row {number}: no purchase date, {purchase:%Y-%m} assumed")
        name = _free_name(_text(cell("name")) or f"{model.name} ({number})", taken)
        try:
            fleet_row = FleetRow(
                name=name,
                model=model.name,
                site=site,
                count=count,
                unit_price_usd=price or 0.0,
                purchase_month=purchase,
                online_month=months["online_month"],
                retire_month=months["retire_month"],
                resale_usd_per_unit=resale or 0.0,
                terminal_value_usd_per_unit=terminal or 0.0,
                degradation_per_year=degradation or 0.0,
                notes=_text(cell("notes")),
            )
        except ValidationError as error:
            for detail in error.errors():
                fieldname = str(detail["loc"][0]) if detail["loc"] else ""
                problem(fieldname, describe_error(detail))
            continue
        if fleet_row.retire_month and fleet_row.retire_month <= fleet_row.effective_online_month:
            problem("retire_month", "must be after the online month")
            continue
        taken.add(name.casefold())
        plan.rows.append(fleet_row)
    plan.new_models = list(created.values())
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
