"""`planner import SHEET --into PROJECT`: preview a fleet table, then add it to a project.

The preview names columns by the sheet's headers (and the planner's column each fills) and
rows by the sheet's own row numbers. A site the sheet names that the project lacks is
created with `--create-site "NAME=CAPACITY_MW"` (repeatable; `--new-site-contract` picks
its power contract, else the project's first); without it the rows at that site are
refused with a message naming the flag. Nothing is written while anything is unresolved,
and a bad flag changes nothing either.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli import EXIT_USAGE, UserError, _err, _load, _out, _same_file, locked_import

if TYPE_CHECKING:
    from planner.domain.project import Project, Site
    from planner.io.import_plan import ImportPlan


def run_import(args: argparse.Namespace) -> int:
    """Load, plan and save under the project's lock, so two imports at once both land."""
    if _same_file(args.sheet, args.into):
        raise UserError(f"--into: {args.into} is the sheet being imported; name the project")
    return locked_import(args.into, lambda: _import(args), args.dry_run)


def _import(args: argparse.Namespace) -> int:
    from planner.io.fleet_import import FleetImportError, import_fleet

    project = _load(args.into)
    if args.site is not None and args.site not in {s.name for s in project.sites}:
        known = ", ".join(s.name for s in project.sites)
        raise UserError(f"--site: unknown site {args.site!r} (the project has: {known})")
    contract = _new_site_contract(args, project)
    try:
        plan = import_fleet(args.sheet, project, sheet=args.sheet_name, default_site=args.site)
    except FleetImportError as error:
        raise UserError(str(error)) from None
    new_sites = _sites_to_create(args, project, plan, contract)
    _print_import_preview(args.sheet, plan, project, new_sites)
    problems = [str(p) for p in plan.problems] + _unresolved_sites(plan, project, new_sites)
    if problems:
        for problem in problems:
            _err(f"planner: error: {args.sheet}: {problem}\n")
        _err(f"planner: error: nothing imported: {len(problems)} problem(s)\n")
        return EXIT_USAGE
    # What replacing the fleet would take with it (swaps naming the replaced rows).
    drops = plan.replace_drops(project) if args.replace else []
    if drops:
        for drop in drops:
            _out(f"  --replace drops {drop}\n")
    if args.dry_run:
        _out("dry run: the project was not changed\n")
        return 0
    if drops and not args.yes:
        _err(
            f"planner: error: --replace would drop {len(drops)} item(s) listed above; "
            "nothing imported (rerun with --yes to replace anyway)\n"
        )
        return EXIT_USAGE
    _save_import(args, project, plan, new_sites)
    return 0


def _new_site_contract(args: argparse.Namespace, project: Project) -> str | None:
    """The power contract of the sites --create-site makes (None: no site to make)."""
    from planner.io.import_sites import default_contract

    contracts = [c.name for c in project.contracts]
    chosen = args.new_site_contract
    if chosen is not None and chosen not in contracts:
        known = ", ".join(contracts) or "none yet"
        raise UserError(
            f"--new-site-contract: unknown power contract {chosen!r} (the project has: {known})"
        )
    if chosen is not None and not args.create_site:
        raise UserError("--new-site-contract: no --create-site to give the contract to")
    if not args.create_site:
        return None
    chosen = chosen or default_contract(project)
    if chosen is None:
        raise UserError(
            "--create-site: the project has no power contract for a new site; add one first"
        )
    return chosen


def _sites_to_create(
    args: argparse.Namespace, project: Project, plan: ImportPlan, contract: str | None
) -> list[Site]:
    """The sites --create-site asks for, each one the sheet names and the project lacks;
    UserError (nothing written) for a name given twice, already a site, or not in the
    sheet (unless the sheet has problems: its rows at that site may be among them)."""
    from planner.io.import_sites import match_site, new_site

    existing = {s.name.casefold() for s in project.sites}
    seen: set[str] = set()
    sites: list[Site] = []
    for name, capacity_mw in args.create_site or []:
        key = name.casefold()
        if key in seen:
            raise UserError(f"--create-site: {name!r} is given twice")
        seen.add(key)
        if key in existing:
            raise UserError(f"--create-site: {name!r} is already a site of the project")
        site = match_site(plan, name)
        if site is None and plan.problems:
            continue
        if site is None:
            missing = ", ".join(repr(s) for s in plan.unknown_sites) or "none"
            raise UserError(
                f"--create-site: the sheet has no rows at a site called {name!r} "
                f"(the sites it names that the project lacks: {missing})"
            )
        assert contract is not None  # _new_site_contract gives one whenever there are flags
        try:
            sites.append(new_site(site, capacity_mw, contract))
        except ValueError as error:
            raise UserError(f"--create-site: {name!r}: {error}") from None
    return sites


def _unresolved_sites(plan: ImportPlan, project: Project, new_sites: list[Site]) -> list[str]:
    """The unknown sites left uncreated, each naming its rows and the flag that creates it."""
    from planner.io.import_sites import rigs_draw_mw

    return [
        f'{problem}; create it with --create-site "{problem.value}=CAPACITY_MW" '
        f"(its rigs draw {rigs_draw_mw(plan, project, problem.value):,.2f} MW)"
        for problem in plan.site_problems([s.name for s in new_sites])
    ]


def _print_import_preview(
    sheet: Path, plan: ImportPlan, project: Project, new_sites: list[Site]
) -> None:
    """Where the table was found, how its columns map, and what it would add."""
    from planner.io.import_plan import planner_header, row_ranges
    from planner.io.import_sites import DEFAULTS_TEXT

    _out(f"{sheet} sheet {plan.sheet!r}, header on row {plan.header_row}\n")
    for fieldname, header in plan.mapping.items():
        _out(f"  {header!r} -> {planner_header(fieldname)}\n")
    if plan.unused_columns:
        _out(f"  not read: {', '.join(repr(h) for h in plan.unused_columns)}\n")
    _out(f"{len(plan.rows)} row(s) to import, {sum(r.count for r in plan.rows):,} rigs\n")
    for model in plan.new_models:
        row = plan.new_model_rows.get(model.name)
        where = f" ({row_ranges([row])})" if row is not None else ""
        _out(
            f"  new catalog entry {model.name!r}{where}: "
            f"{model.hashrate_th:,g} TH/s, {model.power_w:,g} W\n"
        )
    for site in new_sites:
        _out(
            f"  new site {site.name!r} ({row_ranges(plan.site_rows(site.name))}): "
            f"{site.capacity_mw:,g} MW, contract {site.contract!r}\n"
        )
    if new_sites:
        _out(f"  new sites: {DEFAULTS_TEXT}\n")
    for skipped in plan.skipped:
        _out(f"  skipped {skipped}\n")
    already = plan.already_in(project)
    if already:
        named = [f"row {plan.row_number(i)} is {name!r}" for i, name in list(already.items())[:5]]
        _out(
            f"  {len(already)} row(s) already in the fleet (same model, site, rigs and purchase "
            f"month; adding imports them again): {', '.join(named)}"
            + (", ...\n" if len(already) > 5 else "\n")
        )
    for note in plan.notes:
        _out(f"  note: {note}\n")


def _save_import(
    args: argparse.Namespace, project: Project, plan: ImportPlan, new_sites: list[Site]
) -> None:
    """Apply the plan and save the project over `args.into`, keeping a backup; nothing is
    written when the result would not open again."""
    from planner.io.fleet_import import FleetImportError
    from planner.io.project_file import (
        ProjectFileError,
        backup_path,
        parse_project,
        project_to_json,
        save_project,
    )

    try:
        if new_sites:
            imported = plan.apply(project, replace=args.replace, new_sites=new_sites)
        else:
            imported = plan.apply(project, replace=args.replace)
    except FleetImportError as error:
        raise UserError(f"nothing imported: {error}") from None
    try:  # never write a project that would not open again
        parse_project(project_to_json(imported), args.into)
    except ProjectFileError as error:
        raise UserError(
            f"nothing imported: the project would not open afterwards: {error}"
        ) from None
    try:
        save_project(imported, args.into)
    except ProjectFileError as error:
        raise UserError(str(error)) from None
    backup = backup_path(args.into)
    shown = backup.name if backup.parent == args.into.parent.resolve() else str(backup)
    _out(f"imported into {args.into} (previous version kept as {shown})\n")
