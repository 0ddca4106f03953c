"""Spreadsheet edits on a project: set, clear, fill, paste, insert, duplicate, delete, sort.

Every operation returns a new Project (the old one is untouched, so an undo step is just
the project before) or raises CellErrors naming each refused cell; nothing is applied
when any cell is refused. No Qt here: the desktop tables call these functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from planner.domain.months import format_month, parse_month
from planner.domain.project import (
    ConversionPlan,
    FinanceSettings,
    FleetRow,
    PowerContract,
    Project,
    ResaleTier,
    RigModel,
    Scenario,
    Site,
    SwapCandidate,
)
from planner.domain.units import parse_quantity, parse_whole_number
from planner.domain.validation import (
    conversion_problems,
    describe_error,
    horizon_of,
    item_problems,
    reference_names,
)

Section = Literal[
    "fleet", "sites", "contracts", "catalog", "scenarios", "conversions", "swaps", "resale_curve"
]
ColumnKind = Literal[
    "text",
    "ref",
    "choice",
    "int",
    "usd",
    "price",
    "fraction",
    "rate",
    "number",
    "power_w",
    "hashrate_th",
    "month",
    "bool",
    "list",
    "result",
]

ENTITIES: dict[str, type[BaseModel]] = {
    "fleet": FleetRow,
    "sites": Site,
    "contracts": PowerContract,
    "catalog": RigModel,
    "scenarios": Scenario,
    "conversions": ConversionPlan,
    "swaps": SwapCandidate,
    "resale_curve": ResaleTier,
}
# Which section's names a reference column points at, and who points at each section.
REFERENCES = {
    ("fleet", "model"): "catalog",
    ("fleet", "site"): "sites",
    ("sites", "contract"): "contracts",
    ("conversions", "site"): "sites",
    ("swaps", "row"): "fleet",
    ("swaps", "model"): "catalog",
}
REFERRED_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "fleet": (("swaps", "row"),),
    "catalog": (("fleet", "model"), ("swaps", "model")),
    "sites": (("fleet", "site"), ("conversions", "site")),
    "contracts": (("sites", "contract"),),
}
# The field that names a row of each section (unique, case-insensitive).
KEY_FIELD = {"conversions": "site", "swaps": "", "resale_curve": ""}  # "": no unique key


@dataclass(frozen=True)
class Column:
    """One column of an editable table: an entity field (or a computed result)."""

    key: str
    header: str
    kind: ColumnKind
    decimals: int = 0
    width: int = 90
    tip: str = ""
    choices: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.kind != "result"

    @property
    def numeric(self) -> bool:
        return self.kind not in ("text", "ref", "choice", "month", "bool", "list")


C = Column
COLUMNS: dict[str, tuple[Column, ...]] = {
    "fleet": (
        C("name", "Batch", "text", width=170),
        C("model", "Rig model", "ref", width=160),
        C("site", "Site", "ref", width=130),
        C("count", "Rigs", "int", width=70),
        C("unit_price_usd", "Unit price (USD)", "usd", width=100),
        C("purchase_month", "Purchased", "month", width=80),
        C("online_month", "Online", "month", width=80, tip="Empty: the purchase month"),
        C("retire_month", "Retired", "month", width=80, tip="Empty: runs to the horizon"),
        C("resale_usd_per_unit", "Resale (USD/rig)", "usd", width=100),
        C("terminal_value_usd_per_unit", "Terminal value (USD/rig)", "usd", width=120),
        C("degradation_per_year", "Degradation (%/yr)", "fraction", decimals=1, width=100),
        C("notes", "Notes", "text", width=160),
        C("result:npv_usd", "NPV (USD)", "result", width=100),
        C("result:payback", "Payback", "result", width=90),
        C("result:breakeven_btc_price_usd", "Breakeven BTC (USD)", "result", width=110),
        C("result:breakeven_hashprice", "Breakeven (USD/PH/day)", "result", width=120),
        C("result:breakeven_power", "Breakeven power (USD/kWh)", "result", width=130),
        C("result:unprofitable_from", "Unprofitable from", "result", width=100),
    ),
    "sites": (
        C("name", "Site", "text", width=150),
        C("contract", "Power contract", "ref", width=170),
        C("capacity_mw", "Capacity (MW)", "number", decimals=2, width=90),
        C("overhead", "Cooling overhead (x)", "number", decimals=3, width=110),
        C("uptime", "Uptime (%)", "fraction", decimals=1, width=80),
        C("fixed_opex_usd_per_month", "Fixed opex (USD/month)", "usd", width=120),
        C(
            "maintenance_usd_per_rig_month",
            "Maintenance (USD/rig/month)",
            "usd",
            decimals=2,
            width=140,
        ),
        C("infrastructure_capex_usd", "Infrastructure capex (USD)", "usd", width=140),
        C("infrastructure_capex_month", "Capex month", "month", width=90),
        C("notes", "Notes", "text", width=160),
        C("result:npv_usd", "NPV (USD)", "result", width=100),
        C("result:payback", "Payback", "result", width=90),
        C("result:btc_mined", "BTC mined", "result", width=90),
    ),
    "contracts": (
        C("name", "Contract", "text", width=170),
        C("type", "Type", "choice", width=80, choices=("fixed", "hosting", "index")),
        C("price_usd_per_kwh", "Rate or flat index (USD/kWh)", "price", decimals=4, width=150),
        C("escalator_per_year", "Escalator (%/yr)", "rate", decimals=1, width=100),
        C(
            "index_path_usd_per_kwh",
            "Index path (USD/kWh by month)",
            "list",
            width=200,
            tip="Monthly index values from the scenario start, separated by ';'",
        ),
        C("adder_usd_per_kwh", "Adder (USD/kWh)", "price", decimals=4, width=100),
        C(
            "demand_charge_usd_per_kw_month",
            "Demand charge (USD/kW-month)",
            "usd",
            decimals=2,
            width=150,
        ),
        C("curtailment_share", "Curtailed hours (%)", "fraction", decimals=1, width=110),
        C(
            "curtailment_credit_usd_per_mwh",
            "Curtailment credit (USD/MWh)",
            "usd",
            decimals=2,
            width=150,
        ),
        C("notes", "Notes", "text", width=200),
    ),
    "catalog": (
        C("name", "Model", "text", width=170),
        C("maker", "Maker", "text", width=80),
        C("hashrate_th", "Hashrate (TH/s)", "hashrate_th", decimals=1, width=100),
        C("power_w", "Power (W)", "power_w", width=80),
        C("result:efficiency", "Efficiency (J/TH)", "result", width=100),
        C("cooling", "Cooling", "choice", width=80, choices=("air", "hydro", "immersion")),
        C("release_year", "Released", "int", width=70),
        C("reference_price_usd", "Reference price (USD)", "usd", width=120),
        C("source", "Source", "text", width=260),
    ),
    "scenarios": (
        C("name", "Scenario", "text", width=90),
        C("start_month", "Start", "month", width=75),
        C("start_block_height", "Start block", "int", width=85),
        C("block_time_s", "Block time (s)", "number", decimals=1, width=85),
        C("network_hashrate_ehs", "Network (EH/s)", "number", decimals=1, width=95),
        C(
            "network_hashrate_growth_per_year",
            "Network growth (%/yr)",
            "rate",
            decimals=1,
            width=125,
        ),
        C("network_hashrate_path_ehs", "Network path (EH/s by month)", "list", width=150),
        C("btc_price_usd", "BTC price (USD)", "usd", width=95),
        C("btc_price_growth_per_year", "Price growth (%/yr)", "rate", decimals=1, width=110),
        C("btc_price_path_usd", "Price path (USD by month)", "list", width=150),
        C("fees_btc_per_block", "Fees (BTC/block)", "number", decimals=4, width=100),
        C("pool_fee", "Pool fee (%)", "fraction", decimals=2, width=80),
        C("notes", "Notes", "text", width=240),
    ),
    "conversions": (
        C("site", "Site", "ref", width=130),
        C("enabled", "On", "bool", width=40, tip="Include this plan in the analysis"),
        C("share", "Share converted (%)", "fraction", decimals=0, width=110),
        C("start_month", "Conversion start", "month", width=100),
        C("construction_months", "Build (months)", "int", width=90),
        C("ai_pue", "AI PUE (x)", "number", decimals=2, width=75),
        C(
            "it_mw",
            "Critical IT (MW)",
            "number",
            decimals=1,
            width=100,
            tip="Empty: gross MW / PUE",
        ),
        C("capex_usd_per_mw_it", "Build capex (USD/MW IT)", "usd", width=140),
        C("rent_usd_per_kw_month", "Rent (USD/kW-month)", "usd", decimals=2, width=120),
        C("rent_escalator_per_year", "Rent escalator (%/yr)", "rate", decimals=1, width=120),
        C("lease_term_years", "Lease (years)", "number", decimals=1, width=80),
        C("ramp_months", "Ramp (months)", "int", width=85),
        C("noi_margin", "NOI margin (%)", "fraction", decimals=1, width=95),
        C(
            "opex_usd_per_month",
            "Opex (USD/month)",
            "usd",
            width=110,
            tip="Empty: NOI is rent x the NOI margin; set: NOI is rent - this opex",
        ),
        C(
            "power_pass_through",
            "Tenant pays power",
            "bool",
            width=105,
            tip="No: the landlord pays IT kW x PUE at the site's contract price",
        ),
        C(
            "rig_resale_usd_per_th",
            "Rig resale (USD/TH)",
            "usd",
            decimals=2,
            width=115,
            tip="Empty: each fleet row's resale value per rig",
        ),
        C("mining_site_value_usd_per_mw", "Mining site value (USD/MW)", "usd", width=150),
        C("cap_rate", "AI cap rate (%)", "fraction", decimals=2, width=95),
        C("loan_to_cost", "Loan to cost (%)", "fraction", decimals=0, width=100),
        C("loan_rate_per_year", "Loan rate (%/yr)", "rate", decimals=2, width=100),
        C("loan_term_years", "Loan term (years)", "number", decimals=1, width=105),
        C("notes", "Notes", "text", width=240),
    ),
    "swaps": (
        C("row", "Replace batch", "ref", width=170),
        C("model", "With model", "ref", width=160),
        C("month", "At month", "month", width=80),
        C("unit_price_usd", "Unit price (USD)", "usd", width=100),
        C("count", "Rigs", "int", width=70, tip="Empty: enough for the same MW"),
        C("downtime_months", "Downtime (months)", "int", width=110),
        C("notes", "Notes", "text", width=220),
    ),
    "resale_curve": (
        C(
            "max_j_per_th",
            "Up to (J/TH)",
            "number",
            decimals=1,
            width=100,
            tip="Rigs at or below this efficiency (and above the tier before)",
        ),
        C("usd_per_th", "Resale (USD/TH)", "usd", decimals=2, width=110),
    ),
}
FINANCE_COLUMNS: tuple[Column, ...] = (
    C("horizon_months", "Horizon (months)", "int"),
    C("discount_rate_per_year", "Discount rate (%/yr)", "rate", decimals=1),
    C("tax_rate", "Tax rate (%)", "fraction", decimals=1),
    C("depreciation_years", "Depreciation life (years)", "number", decimals=2),
    C("auto_shutdown", "Switch off rigs that lose money on power", "bool"),
)


@dataclass(frozen=True)
class CellError:
    """A refused cell: its row, its column key and why."""

    row: int
    key: str
    message: str


class CellErrors(ValueError):
    """Cells that cannot take the values given; none of the edit was applied."""

    def __init__(self, errors: Sequence[CellError]):
        self.errors = list(errors)
        super().__init__("; ".join(f"row {e.row + 1}, {e.key}: {e.message}" for e in self.errors))


# ------------------------------------------------------------------ display and parsing


def format_value(column: Column, value: Any) -> str:
    """How a cell shows its value: "$2,800", "97.0%", "3,645", "2026-12"."""
    if value is None:
        return ""
    kind = column.kind
    if kind in ("usd", "price"):
        number = float(value)
        sign = "-" if number < 0 else ""
        return f"{sign}${abs(number):,.{column.decimals}f}"
    if kind in ("fraction", "rate"):
        return f"{float(value) * 100:,.{column.decimals}f}%"
    if kind == "int":
        return f"{int(value):,}" if column.key != "release_year" else str(int(value))
    if kind in ("number", "power_w", "hashrate_th"):
        return f"{float(value):,.{column.decimals}f}"
    if kind == "month":
        return format_month(value) if isinstance(value, date) else str(value)
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "list":
        return "; ".join(f"{float(v):g}" for v in value)
    return str(value)


def edit_text(column: Column, value: Any) -> str:
    """A cell's value as text that reads back to the same value (for editors, copy and
    fill): 12 significant digits, percent for fractions, no currency symbols."""
    if value is None:
        return ""
    kind = column.kind
    if kind in ("usd", "price", "number", "power_w", "hashrate_th"):
        return f"{float(value):.12g}"
    if kind in ("fraction", "rate"):
        return f"{float(value) * 100:.12g}%"
    if kind == "list":
        return "; ".join(f"{float(v):.12g}" for v in value)
    if kind == "int":
        return str(int(value))
    return format_value(column, value)


_TRUE = {"yes", "y", "true", "1", "on"}
_FALSE = {"no", "n", "false", "0", "off"}


def parse_cell(column: Column, text: str) -> Any:
    """The value a typed text stands for in a column; ValueError says why not.

    Fractions and rates read "97%", "0.97" and, as in a percent-formatted spreadsheet
    cell, a bare number above 1 as percent ("97" is 97 %).
    """
    kind = column.kind
    raw = text.strip()
    if kind == "text":
        return raw
    if kind in ("ref", "choice"):
        if kind == "choice":
            for choice in column.choices:
                if choice.casefold() == raw.casefold():
                    return choice
            raise ValueError(f"must be one of {', '.join(column.choices)}, got {raw!r}")
        return raw
    if kind == "int":
        return parse_whole_number(raw)
    if kind in ("usd", "price"):
        return parse_quantity(raw, "usd")
    if kind in ("fraction", "rate"):
        value = parse_quantity(raw, "fraction")
        if "%" not in raw and abs(value) > 1:
            value /= 100.0
        return value
    if kind in ("number", "power_w", "hashrate_th"):
        return parse_quantity(raw, "number" if kind == "number" else kind)
    if kind == "month":
        return parse_month(raw)
    if kind == "bool":
        if raw.casefold() in _TRUE:
            return True
        if raw.casefold() in _FALSE:
            return False
        raise ValueError(f"must be yes or no, got {raw!r}")
    if kind == "list":
        parts = [p for p in raw.replace("\n", ";").replace("\t", ";").split(";") if p.strip()]
        return [parse_quantity(p, "usd") for p in parts]
    raise ValueError(f"{column.header} is computed and cannot be edited")


def _field_default(model: type[BaseModel], key: str) -> tuple[bool, Any]:
    info = model.model_fields[key]
    if info.is_required():
        return False, None
    return True, info.get_default(call_default_factory=True)


def _value_for(model: type[BaseModel], column: Column, text: str) -> Any:
    """Parse a cell's text; empty text clears to the field's default (or refuses)."""
    if not text.strip():
        has_default, default = _field_default(model, column.key)
        if not has_default:
            raise ValueError("is required")
        return default
    return parse_cell(column, text)


def column(section: str, key: str) -> Column:
    for candidate in COLUMNS[section]:
        if candidate.key == key:
            return candidate
    raise KeyError(f"{section} has no column {key!r}")


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
        return f"up to {item.max_j_per_th:g} J/TH"
    return str(item.site)


def _items(project: Project, section: str) -> list[Any]:
    return list(getattr(project, section))


# ------------------------------------------------------------------ editing operations


def set_cells(project: Project, section: str, edits: Iterable[tuple[int, str, str]]) -> Project:
    """Apply typed texts to cells (row, column key, text). Rows past the end are new rows.

    All or nothing: any refused cell raises CellErrors listing every refused cell.
    Renaming a site, contract, rig model or scenario renames its references too.
    """
    model = ENTITIES[section]
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
        data = base.model_dump()
        for key, text in by_row[row].items():
            col = column(section, key)
            if not col.editable:
                continue
            try:
                data[key] = _value_for(model, col, text)
            except ValueError as error:
                errors.append(CellError(row, key, str(error)))
        try:
            entity = model.model_validate(data)
        except ValidationError as error:
            for detail in error.errors():
                key = str(detail["loc"][0]) if detail["loc"] else "name"
                if not any(e.row == row and e.key == key for e in errors):
                    errors.append(CellError(row, key, describe_error(detail)))
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
            item.model_copy(update={key: renames[getattr(item, key)]})
            if getattr(item, key) in renames
            else item
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
            using = [i + 1 for i, item in enumerate(users) if getattr(item, key) == name]
            if using:
                shown = ", ".join(str(n) for n in using[:8]) + (" ..." if len(using) > 8 else "")
                what = {
                    "fleet": "fleet rows",
                    "sites": "sites",
                    "conversions": "AI/HPC plans",
                    "swaps": "swap candidates",
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
            data[key] = _value_for(FinanceSettings, FINANCE_COLUMNS[rows[key]], text)
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
