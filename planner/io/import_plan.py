"""What a fleet import would do, before it is done: the rows, their sheet row numbers, the
catalog entries and sites it would add, and every problem, by the sheet's row and header.

planner.io.fleet_import builds a plan from a table; the window's preview and the command
line show it; `ImportPlan.apply` makes the project it describes, validated whole, or
changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.domain import schema
from planner.domain.errors import MAX_MESSAGE, Problem, ProjectValidationError, quote, shorten
from planner.domain.project import FleetRow, Project, RigModel, Site
from planner.domain.treasury import DebtInstrument
from planner.domain.validation import validate_project
from planner.io.import_defaults import DefaultDegradation
from planner.io.table_reader import FleetImportError


def row_ranges(numbers: Iterable[int], max_spans: int = 8) -> str:
    """`row 7` or `rows 5-8, 10`: sheet row numbers as a reader would write them (past
    `max_spans` runs, the rest counted)."""
    ordered = sorted(set(numbers))
    if not ordered:
        return "no rows"
    spans: list[str] = []
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        spans.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    shown = ", ".join(spans[:max_spans])
    if len(spans) > max_spans:
        shown += f", ... ({len(ordered):,} rows)"
    return ("row " if len(ordered) == 1 else "rows ") + shown


def planner_header(fieldname: str) -> str:
    """The planner's own header of an imported field ("Unit price (USD)"), as its tables
    show it: a rig model's hashrate and power are the catalog's columns."""
    section = "catalog" if fieldname in ("hashrate_th", "power_w") else "fleet"
    try:
        return schema.column(section, fieldname).header
    except KeyError:
        return fieldname.replace("_", " ")


_FLEET_PATH = re.compile(r"^fleet\[(\d+)\](?:\.(\w+))?")


@dataclass(frozen=True)
class ImportProblem:
    """A row that cannot be imported: sheet row number (1-based, as the spreadsheet shows
    it), the column's header, value, reason; `more_rows`: other rows with the same problem."""

    row: int
    column: str
    value: str
    reason: str
    more_rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        """`row 4, Qty ('lots'): reason`; a long value, column or reason is cut."""
        where = row_ranges((self.row, *self.more_rows))
        where += f", {shorten(self.column)}" if self.column else ""
        shown = f" ({quote(self.value)})" if self.value else ""
        return f"{where}{shown}: {shorten(self.reason, MAX_MESSAGE)}"


class ImportApplyError(FleetImportError):
    """Applying a plan would make a project that does not validate; `problems` says why."""

    def __init__(self, message: str, problems: Sequence[Any]):
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class ImportPlan:
    """What an import would do: rows to add, catalog entries and sites to create, and
    problems. Rows at a site the project lacks are planned; `unknown_sites` lists them,
    and they are imported only when `apply` is given that site to create."""

    source: str
    sheet: str
    header_row: int
    mapping: dict[str, str]  # field -> the sheet's header of its column
    rows: list[FleetRow] = field(default_factory=list)
    new_models: list[RigModel] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    skipped: list[ImportProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)  # the sheet row of each of `rows`
    unknown_sites: dict[str, list[int]] = field(default_factory=dict)  # name -> row indexes
    known_sites: list[str] = field(default_factory=list)  # the project's, when planned
    degradation_defaults: dict[int, DefaultDegradation] = field(default_factory=dict)  # by row
    new_model_rows: dict[str, int] = field(default_factory=dict)  # model -> first sheet row
    unused_columns: list[str] = field(default_factory=list)  # the sheet's headers not read

    @property
    def ok(self) -> bool:
        """Whether the plan imports as it is: no problem and no site to create first."""
        return not self.problems and not self.unknown_sites

    def row_number(self, index: int) -> int:
        """The sheet row of `rows[index]` (its position when the plan was made by hand)."""
        return self.row_numbers[index] if index < len(self.row_numbers) else index + 1

    def header(self, fieldname: str) -> str:
        """The column's header as the sheet wrote it, else the planner's own."""
        return self.mapping.get(fieldname) or planner_header(fieldname)

    def site_rows(self, site: str) -> list[int]:
        """The sheet rows of the rows at an unknown site."""
        return [self.row_number(i) for i in self.unknown_sites.get(site, [])]

    def site_problems(self, created: Collection[str] = ()) -> list[ImportProblem]:
        """One problem per unknown site not in `created` (names, any case), naming its
        rows: what must be resolved before the plan can be applied."""
        made = {name.casefold() for name in created}
        known = ", ".join(self.known_sites) or "none yet"
        found = []
        for site in self.unknown_sites:
            if site.casefold() in made:
                continue
            first, *more = self.site_rows(site)
            reason = f"unknown site (the project has: {known})"
            found.append(ImportProblem(first, self.header("site"), site, reason, tuple(more)))
        return found

    def _dropped_swaps(self, project: Project) -> list[int]:
        """Indexes of the swaps that name a fleet row a replace would remove."""
        kept = {row.name for row in self.rows}
        return [i for i, swap in enumerate(project.swaps) if swap.row not in kept]

    def _financed_after_replace(self, project: Project) -> list[DebtInstrument]:
        """The debt once the fleet is replaced: equipment financing keeps the rows the
        import brings back by name; one left with none of its rows goes."""
        kept = {row.name for row in self.rows}
        debt = []
        for instrument in project.debt:
            if instrument.type == "equipment" and instrument.fleet_rows:
                rows = [name for name in instrument.fleet_rows if name in kept]
                if not rows:
                    continue
                instrument = instrument.model_copy(update={"fleet_rows": rows})
            debt.append(instrument)
        return debt

    def replace_drops(self, project: Project) -> list[str]:
        """What replacing the fleet would drop with the old rows, one line each: every
        swap candidate naming a replaced row, every replaced row an equipment financing
        names (and the financing itself when none of its rows is left)."""
        lines = [
            f"the swap of fleet row {swap.row!r} to {swap.model!r} in {swap.month:%Y-%m}"
            for swap in (project.swaps[i] for i in self._dropped_swaps(project))
        ]
        kept = {row.name for row in self.rows}
        for instrument in project.debt:
            if instrument.type != "equipment":
                continue
            gone = [name for name in instrument.fleet_rows if name not in kept]
            if gone and len(gone) == len(instrument.fleet_rows):
                lines.append(f"the equipment financing {instrument.name!r} (all its rows)")
            elif gone:
                names = ", ".join(repr(name) for name in gone)
                lines.append(
                    f"fleet row(s) {names} from the equipment financing {instrument.name!r}"
                )
        return lines

    def already_in(self, project: Project) -> dict[int, str]:
        """The imported rows that are already in the fleet: the same model, site, count
        and purchase month as a fleet row (adding them would count those rigs twice), by
        their index here, with the fleet row's name."""
        fleet = {(r.model, r.site, r.count, r.purchase_month): r.name for r in project.fleet}
        found = {}
        for i, row in enumerate(self.rows):
            name = fleet.get((row.model, row.site, row.count, row.purchase_month))
            if name is not None:
                found[i] = name
        return found

    def _with_sites(self, new_sites: Sequence[Site]) -> list[FleetRow]:
        """The rows, those at a created site spelt as the site is; ImportApplyError when
        an unknown site is left uncreated (its rows would be lost or refused)."""
        missing = self.site_problems([s.name for s in new_sites])
        if missing:
            raise ImportApplyError(
                f"{self.source or self.sheet}: nothing imported: "
                + "; ".join(str(p) for p in missing),
                missing,
            )
        spelt = {s.name.casefold(): s.name for s in new_sites}
        return [
            row.model_copy(update={"site": spelt[row.site.casefold()]})
            if row.site.casefold() in spelt
            else row
            for row in self.rows
        ]

    def _in_sheet_terms(self, problem: Problem, at: dict[int, int]) -> str:
        """A project problem about an imported row, said by its sheet row and header
        (`row 7, Site: ...`); any other as the project file would say it."""
        found = _FLEET_PATH.match(problem.path)
        if found is None or int(found.group(1)) not in at:
            return str(problem)
        where = f"row {self.row_number(at[int(found.group(1))])}"
        if found.group(2):
            where += f", {self.header(found.group(2))}"
        return f"{where}: {problem.message}"

    def apply(
        self,
        project: Project,
        replace: bool = False,
        skip_already_in: bool = False,
        new_sites: Sequence[Site] = (),
    ) -> Project:
        """The project with the imported rows (appended, or replacing the fleet together
        with what `replace_drops` lists; when adding with `skip_already_in`, without the
        rows `already_in` finds) and the sites in `new_sites` (each unknown site must be
        among them), validated as a project file is: one new project, never half of one.

        Raises ImportApplyError, naming every problem, when the result would not validate.
        """
        rows = self._with_sites(new_sites)
        update: dict[str, Any] = {
            "catalog": [*project.catalog, *self.new_models],
            "sites": [*project.sites, *new_sites],
        }
        if replace:
            dropped = set(self._dropped_swaps(project))
            update["fleet"] = rows
            update["swaps"] = [s for i, s in enumerate(project.swaps) if i not in dropped]
            update["debt"] = self._financed_after_replace(project)
        else:
            skipped = self.already_in(project) if skip_already_in else {}
            kept = [i for i in range(len(rows)) if i not in skipped]
            update["fleet"] = [*project.fleet, *(rows[i] for i in kept)]
        first = 0 if replace else len(project.fleet)
        imported = range(len(rows)) if replace else kept
        at = {first + n: i for n, i in enumerate(imported)}  # fleet index -> row index here
        candidate = project.model_copy(update=update)
        try:
            return validate_project(candidate.model_dump(mode="json"))
        except ProjectValidationError as error:
            shown = "; ".join(self._in_sheet_terms(p, at) for p in error.problems[:5])
            more = len(error.problems) - 5
            raise ImportApplyError(
                f"{self.source or self.sheet}: the imported project would not be valid: {shown}"
                + (f" (and {more} more)" if more > 0 else ""),
                error.problems,
            ) from None
