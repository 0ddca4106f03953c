"""Spreadsheet edits on a project: set, clear, fill, paste, insert, duplicate, delete, sort.

Every operation returns a new Project (the old one is untouched, so an undo step is just
the project before) or raises CellErrors naming each refused cell; nothing is applied
when any cell is refused. No Qt here: the desktop tables call these functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.domain.cells import CellError, CellErrors, edit_text, value_for
from planner.domain.price_profile import FourCpInterval
from planner.domain.project import (
    ConversionPlan,
    FinanceSettings,
    FleetRow,
    PowerContract,
    Project,
    ResaleTier,
    RigModel,
    Site,
    SwapCandidate,
)
from planner.domain.schema import (
    ENTITIES,
    FINANCE_COLUMNS,
    KEY_FIELD,
    REFERRED_BY,
    TREASURY_COLUMNS,
    column,
)
from planner.domain.treasury import DebtInstrument, Hedge, TreasurySettings
from planner.domain.validation import (
    conversion_problems,
    describe_error,
    horizon_of,
    item_problems,
    reference_names,
)

# ------------------------------------------------------------------ templates and names


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base (2)`, `base (3)`... whichever is free (case-insensitive)."""
    used = {name.casefold() for name in taken}
    if base.casefold() not in used:
        return base
    stem = base
    if stem.endswith(")") and " (" in stem:
        head, _, tail = stem.rpartition(" (")
        if tail[:-1].isdigit():
            stem = head
    n = 2
    while f"{stem} ({n})".casefold() in used:
        n += 1
    return f"{stem} ({n})"


def template(project: Project, section: str, taken: Iterable[str]) -> BaseModel:
    """A new row that is valid on its own, for insert and for pasting past the last row."""
    taken = list(taken)
    if section == "fleet":
        if not project.catalog or not project.sites:
            raise ValueError("add a rig model and a site before fleet rows")
        return FleetRow(
            name=unique_name(f"Batch {len(taken) + 1}", taken),
            model=project.catalog[0].name,
            site=project.sites[0].name,
            count=0,
            purchase_month=project.scenario().start_month,
        )
    if section == "sites":
        if not project.contracts:
            raise ValueError("add a power contract before sites")
        return Site(
            name=unique_name(f"Site {len(taken) + 1}", taken),
            contract=project.contracts[0].name,
            capacity_mw=0,
        )
    if section == "contracts":
        return PowerContract(name=unique_name(f"Contract {len(taken) + 1}", taken))
    if section == "catalog":
        return RigModel(
            name=unique_name(f"Model {len(taken) + 1}", taken), hashrate_th=100, power_w=3000
        )
    if section == "scenarios":
        return project.scenario().model_copy(
            update={"name": unique_name(f"Scenario {len(taken) + 1}", taken)}
        )
    if section == "swaps":
        if not project.fleet or not project.catalog:
            raise ValueError("add fleet rows and rig models before swap candidates")
        start = project.scenario().start_month
        best = max(project.catalog, key=lambda m: -m.efficiency_j_per_th)
        return SwapCandidate(
            row=project.fleet[0].name,
            model=best.name,
            month=date(start.year, start.month, 1),
            unit_price_usd=best.reference_price_usd or 0.0,
        )
    if section == "resale_curve":
        # Above the least efficient tier: rigs there resell at nothing already.
        top = max((t.max_j_per_th for t in project.resale_curve), default=0.0)
        return ResaleTier(max_j_per_th=top + 10.0, usd_per_th=0.0)
    if section == "conversions":
        planned = {name.casefold() for name in taken}
        free = [s.name for s in project.sites if s.name.casefold() not in planned]
        if not free:
            raise ValueError("every site has a conversion plan already (one plan per site)")
        start = project.scenario().start_month
        return ConversionPlan(
            site=free[0], start_month=date(start.year + 1, start.month, 1), enabled=False
        )
    if section == "debt":
        return DebtInstrument(name=unique_name(f"Loan {len(taken) + 1}", taken))
    if section == "hedges":
        return Hedge(
            name=unique_name(f"Hedge {len(taken) + 1}", taken),
            type="hashprice_forward",
            first_month=project.scenario().start_month,
        )
    raise KeyError(section)


def _name(item: Any) -> str:
    """What names a row: its name, the site of a conversion plan, a swap's description,
    a resale tier's efficiency bound."""
    name = getattr(item, "name", None)
    if name is not None:
        return str(name)
    if isinstance(item, SwapCandidate):
        return f"{item.row} -> {item.model} {item.month:%Y-%m}"
    if isinstance(item, ResaleTier):
        return f"up to {item.max_j_per_th:,.12g} J/TH"
    return str(item.site)


def _items(project: Project, section: str) -> list[Any]:
    return list(getattr(project, section))


# ------------------------------------------------------------------ editing operations


def set_cells(project: Project, section: str, edits: Iterable[tuple[int, str, str]]) -> Project:
    """Apply typed texts to cells (row, column key, text). Rows past the end are new rows.

    All or nothing: any refused cell raises CellErrors listing every refused cell.
    Renaming a site, contract, rig model or scenario renames its references too.
    """
    items = _items(project, section)
    by_row: dict[int, dict[str, str]] = {}
    for row, key, text in edits:
        by_row.setdefault(row, {})[key] = text
    errors: list[CellError] = []
    new_items = list(items)
    names = [_name(item) for item in items]
    renames: dict[str, str] = {}
    for row in sorted(by_row):
        if row < len(new_items):
            base = new_items[row]
        else:
            while len(new_items) < row:
                new_items.append(template(project, section, names))
                names.append(_name(new_items[-1]))
            base = template(project, section, names)
        entity, refused = _edited_row(section, row, base, by_row[row])
        errors.extend(refused)
        if entity is None:
            continue
        if row < len(new_items):
            old_name = getattr(new_items[row], "name", None)
            if old_name is not None and old_name != _name(entity):
                renames[old_name] = _name(entity)
            new_items[row] = entity
            names[row] = _name(entity)
        else:
            new_items.append(entity)
            names.append(_name(entity))
    if errors:
        raise CellErrors(errors)
    key_field = KEY_FIELD.get(section, "name")
    if key_field:
        errors.extend(_duplicate_names(new_items, by_row, key_field))
    if errors:
        raise CellErrors(errors)
    updated = _with_renames(project, section, new_items, renames)
    errors.extend(_reference_errors(updated, section, by_row))
    if section == "scenarios" and not errors:
        active = next(
            (r for r, item in enumerate(new_items) if item.name == updated.active_scenario), 0
        )
        errors.extend(CellError(active, "start_month", p) for p in plans_outside_horizon(updated))
    if errors:
        raise CellErrors(errors)
    return updated


def _edited_row(
    section: str, row: int, base: BaseModel, texts: dict[str, str]
) -> tuple[BaseModel | None, list[CellError]]:
    """Row `base` with the typed texts (column key -> text) applied and the cells refused;
    None when the row is not valid."""
    model = ENTITIES[section]
    data = base.model_dump()
    errors: list[CellError] = []
    for key, text in texts.items():
        col = column(section, key)
        if not col.editable:
            continue
        try:
            data[key] = value_for(model, col, text)
        except ValueError as error:
            errors.append(CellError(row, key, str(error)))
    try:
        entity = model.model_validate(data)
    except ValidationError as error:
        for detail in error.errors():
            key, message = _field_of(model, detail)
            if not any(e.key == key for e in errors):
                errors.append(CellError(row, key, message))
        return None, errors
    return entity, errors


def _field_of(model: type[BaseModel], detail: Any) -> tuple[str, str]:
    """The field a pydantic error is about and its message; a check across fields (a
    model validator) names its field first: "liquidation_ltv: must be above ..."."""
    message = describe_error(detail)
    if detail["loc"]:
        return str(detail["loc"][0]), message
    field, _, rest = message.partition(": ")
    if rest and field in model.model_fields:
        return field, rest
    return "name", message


def _uses(value: Any, name: str) -> bool:
    """Whether a reference cell (a name, or a list of names) names `name`."""
    return name in value if isinstance(value, list) else value == name


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [renames.get(v, v) for v in value]
    return renames.get(value, value)


def _duplicate_names(
    items: Sequence[Any], by_row: dict[int, dict[str, str]], field: str = "name"
) -> list[CellError]:
    """A renamed or new row may not take a name another row has (case-insensitive)."""
    errors = []
    for row, keys in by_row.items():
        if field not in keys or row >= len(items):
            continue
        key = _name(items[row]).casefold()
        other = next(
            (i for i, item in enumerate(items) if i != row and _name(item).casefold() == key),
            None,
        )
        if other is not None:
            what = "name" if field == "name" else f"plan for {field}"
            errors.append(
                CellError(
                    row, field, f"duplicate {what} {_name(items[row])!r} (also row {other + 1})"
                )
            )
    return errors


def _with_renames(
    project: Project, section: str, items: list[Any], renames: dict[str, str]
) -> Project:
    update: dict[str, Any] = {section: items}
    for child, key in REFERRED_BY.get(section, ()) if renames else ():
        update[child] = [
            item.model_copy(update={key: _renamed(getattr(item, key), renames)})
            for item in getattr(project, child)
        ]
    if renames and section == "scenarios" and project.active_scenario in renames:
        update["active_scenario"] = renames[project.active_scenario]
    return project.model_copy(update=update)


def _reference_errors(project: Project, section: str, rows: Iterable[int]) -> list[CellError]:
    if section == "swaps":
        fleet = {r.name for r in project.fleet}
        models = {m.name for m in project.catalog}
        refused: list[CellError] = []
        for row in rows:
            if row < len(project.swaps):
                swap = project.swaps[row]
                if swap.row not in fleet:
                    refused.append(CellError(row, "row", f"unknown fleet row {swap.row!r}"))
                if swap.model not in models:
                    refused.append(CellError(row, "model", f"unknown rig model {swap.model!r}"))
        return refused
    if section == "debt":
        fleet = {r.name for r in project.fleet}
        return [
            CellError(row, "fleet_rows", f"unknown fleet row {name!r}")
            for row in rows
            if row < len(project.debt)
            for name in project.debt[row].fleet_rows
            if name not in fleet
        ]
    if section not in ("fleet", "sites", "conversions"):
        return []
    names = reference_names(
        {
            k: [{"name": i.name} for i in getattr(project, k)]
            for k in ("scenarios", "contracts", "sites", "catalog")
        }
    )
    items = getattr(project, section)
    errors: list[CellError] = []
    for row in rows:
        if row < len(items):
            data = items[row].model_dump(mode="json")
            found = (
                conversion_problems(data, names, horizon_of(project))
                if section == "conversions"
                else item_problems(section, data, names)
            )
            errors.extend(CellError(row, key, msg) for key, msg in found)
    return errors


def clear_cells(project: Project, section: str, cells: Iterable[tuple[int, str]]) -> Project:
    """Empty cells: optional fields become empty, others their default; required refuse."""
    return set_cells(
        project,
        section,
        [(row, key, "") for row, key in cells if column(section, key).editable],
    )


def cell_text(project: Project, section: str, row: int, key: str) -> str:
    """The text of a cell that reads back to the same value (used by fill down)."""
    value = getattr(_items(project, section)[row], key)
    return edit_text(column(section, key), value)


def fill_down(project: Project, section: str, rows: Sequence[int], keys: Sequence[str]) -> Project:
    """Copy the first selected row's cells into the other selected rows (Ctrl+D)."""
    rows = sorted(rows)
    if len(rows) < 2:
        return project
    edits = [
        (row, key, cell_text(project, section, rows[0], key))
        for key in keys
        if column(section, key).editable and key != "name"
        for row in rows[1:]
    ]
    return set_cells(project, section, edits) if edits else project


def paste_block(
    project: Project,
    section: str,
    top: int,
    columns: Sequence[str],
    block: Sequence[Sequence[str]],
) -> tuple[Project, int]:
    """Paste a rectangular block of texts at row `top` into `columns` (the table's order
    from the anchor cell). Rows past the end become new rows. Computed columns are
    skipped; returns the new project and how many cells were skipped."""
    edits = []
    skipped = 0
    for r, values in enumerate(block):
        for c, text in enumerate(values):
            if c >= len(columns):
                skipped += 1
                continue
            if not column(section, columns[c]).editable:
                skipped += 1
                continue
            edits.append((top + r, columns[c], text))
    return set_cells(project, section, edits), skipped


def insert_rows(project: Project, section: str, at: int, count: int = 1) -> Project:
    """Insert `count` new valid rows before row `at`."""
    items = _items(project, section)
    names = [_name(item) for item in items]
    new = []
    for _ in range(count):
        try:
            entity = template(project, section, names)
        except ValueError as error:
            raise CellErrors([CellError(at, "name", str(error))]) from None
        new.append(entity)
        names.append(_name(entity))
    at = max(0, min(at, len(items)))
    return project.model_copy(update={section: items[:at] + new + items[at:]})


def duplicate_rows(project: Project, section: str, rows: Sequence[int]) -> Project:
    """Copies of the rows, with free names, inserted after the last of them."""
    items = _items(project, section)
    rows = sorted(set(rows))
    names = [_name(item) for item in items]
    copies: list[Any] = []
    if section in ("swaps", "resale_curve"):  # copies as they are (a variant to edit)
        at = rows[-1] + 1
        copies = [items[row] for row in rows]
        return project.model_copy(update={section: items[:at] + copies + items[at:]})
    if section == "conversions":
        # One plan per site: a copy goes to the next site without a plan.
        for row in rows:
            try:
                planned = [_name(item) for item in items + copies]
                site = _name(template(project, section, planned))
            except ValueError as error:
                raise CellErrors([CellError(row, "site", str(error))]) from None
            copies.append(items[row].model_copy(update={"site": site}))
        at = rows[-1] + 1
        return project.model_copy(update={section: items[:at] + copies + items[at:]})
    for row in rows:
        name = unique_name(f"{items[row].name} (2)", names)
        copies.append(items[row].model_copy(update={"name": name}))
        names.append(name)
    at = rows[-1] + 1
    return project.model_copy(update={section: items[:at] + copies + items[at:]})


def delete_rows(project: Project, section: str, rows: Sequence[int]) -> Project:
    """Remove rows; refuse to remove what other rows still use."""
    items = _items(project, section)
    doomed = set(rows)
    errors = []
    for child, key in REFERRED_BY.get(section, ()):
        users = getattr(project, child)
        for row in sorted(doomed):
            name = items[row].name
            using = [i + 1 for i, item in enumerate(users) if _uses(getattr(item, key), name)]
            if using:
                shown = ", ".join(str(n) for n in using[:8]) + (" ..." if len(using) > 8 else "")
                what = {
                    "fleet": "fleet rows",
                    "sites": "sites",
                    "conversions": "AI/HPC plans",
                    "swaps": "swap candidates",
                    "debt": "equipment financing",
                }[child]
                errors.append(CellError(row, "name", f"{name!r} is used by {what} {shown}"))
    kept = [item for i, item in enumerate(items) if i not in doomed]
    if section == "scenarios" and not kept:
        errors.append(CellError(min(doomed), "name", "a project needs at least one scenario"))
    if errors:
        raise CellErrors(errors)
    update: dict[str, Any] = {section: kept}
    if section == "scenarios" and project.active_scenario not in {s.name for s in kept}:
        update["active_scenario"] = kept[0].name
    return project.model_copy(update=update)


def sort_rows(project: Project, section: str, key: str, descending: bool = False) -> Project:
    """Reorder rows by a column, empty cells last (stable, as a spreadsheet sorts)."""
    items = _items(project, section)

    def sort_key(item: Any) -> tuple[int, Any]:
        value = getattr(item, key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return (1, 0)
        if isinstance(value, str):
            return (0, value.casefold())
        if isinstance(value, list):
            return (0, len(value))
        return (0, value)

    present = [i for i in items if sort_key(i)[0] == 0]
    empty = [i for i in items if sort_key(i)[0] == 1]
    present.sort(key=sort_key, reverse=descending)
    return project.model_copy(update={section: present + empty})


def plans_outside_horizon(project: Project) -> list[str]:
    """Conversion plans that would start after the horizon: an edit must not cause it."""
    horizon = horizon_of(project)
    return [
        f"the AI/HPC plan for {plan.site!r} would start after the horizon "
        f"({plan.start_month:%Y-%m}, horizon {horizon[0]:%Y-%m} to {horizon[1]:%Y-%m})"
        for plan in project.conversions
        if horizon is not None and plan.start_month > horizon[1]
    ]


def set_active_scenario(project: Project, name: str) -> Project:
    """Switch scenario; ValueError when a conversion plan would fall after its horizon."""
    project.scenario(name)  # KeyError for an unknown name
    after = project.model_copy(update={"active_scenario": name})
    problems = plans_outside_horizon(after)
    if problems:
        raise ValueError("; ".join(problems))
    return after


def set_finance(project: Project, key: str, text: str) -> Project:
    """Set one finance setting from typed text; CellErrors (row = setting index) if refused."""
    return set_finance_many(project, [(key, text)])


def set_finance_many(project: Project, edits: Sequence[tuple[str, str]]) -> Project:
    """Set several finance settings at once (a paste); all or nothing."""
    data = project.finance.model_dump()
    errors = []
    rows = {c.key: i for i, c in enumerate(FINANCE_COLUMNS)}
    for key, text in edits:
        try:
            data[key] = value_for(FinanceSettings, FINANCE_COLUMNS[rows[key]], text)
        except ValueError as error:
            errors.append(CellError(rows[key], key, str(error)))
    if not errors:
        try:
            finance = FinanceSettings.model_validate(data)
        except ValidationError as error:
            errors = [
                CellError(rows[str(d["loc"][0])], str(d["loc"][0]), describe_error(d))
                for d in error.errors()
            ]
    if errors:
        raise CellErrors(errors)
    after = project.model_copy(update={"finance": finance})
    problems = plans_outside_horizon(after)
    if problems:
        raise CellErrors([CellError(rows["horizon_months"], "horizon_months", p) for p in problems])
    return after


def set_treasury_many(project: Project, edits: Sequence[tuple[str, str]]) -> Project:
    """Set treasury settings from typed texts (key, text); all or nothing. A project
    without treasury settings gets them (the defaults, with these edits)."""
    base = project.treasury or TreasurySettings()
    data = base.model_dump()
    rows = {c.key: i for i, c in enumerate(TREASURY_COLUMNS)}
    errors = []
    for key, text in edits:
        try:
            data[key] = value_for(TreasurySettings, TREASURY_COLUMNS[rows[key]], text)
        except ValueError as error:
            errors.append(CellError(rows[key], key, str(error)))
    if errors:
        raise CellErrors(errors)
    try:
        treasury = TreasurySettings.model_validate(data)
    except ValidationError as error:
        raise CellErrors(
            [
                CellError(rows.get(key, 0), key, message)
                for key, message in (_field_of(TreasurySettings, d) for d in error.errors())
            ]
        ) from None
    return project.model_copy(update={"treasury": treasury})


def remove_treasury(project: Project) -> Project:
    """The project without treasury settings (its debt and hedges stay)."""
    return project.model_copy(update={"treasury": None})


def set_fourcp_intervals(
    project: Project, row: int, intervals: Sequence[FourCpInterval]
) -> Project:
    """The project with `intervals` (each valid on its own) as the 4CP intervals of the
    site in row `row`, replacing its earlier ones; IndexError for a row it does not have."""
    sites = list(project.sites)
    if not 0 <= row < len(sites):
        raise IndexError(f"the project has no site in row {row + 1} (it has {len(sites)})")
    sites[row] = sites[row].model_copy(update={"fourcp_intervals": list(intervals)})
    return project.model_copy(update={"sites": sites})
