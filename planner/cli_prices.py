"""`planner import-prices CSV --into PROJECT --site NAME`: a site's hourly or 15-minute
power prices (planner/io/import_prices.py reads the file).

Every problem of the file is printed on stderr by line and timestamp, and nothing is
written while there is one (exit status 2). The project is saved atomically under its
lock, the previous version kept as NAME.bak.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli import EXIT_USAGE, UserError, _err, _load, _out, _same_file, locked_import

if TYPE_CHECKING:
    from planner.domain.price_profile import PriceProfile
    from planner.domain.project import Project
    from planner.io.import_prices import PriceFileError


def add_import_prices(parser: argparse.ArgumentParser) -> None:
    """The arguments of `planner import-prices`."""
    from planner.domain.price_profile import DEFAULT_TIME_ZONE

    parser.add_argument("csv", type=Path, help="price file: timestamp and USD/MWh, or ERCOT's")
    parser.add_argument("--into", type=Path, required=True, help="project file to add it to")
    parser.add_argument("--site", required=True, help="the site whose prices these are")
    parser.add_argument(
        "--time-zone",
        default=None,
        metavar="TZ",
        help="IANA time zone of the site's clock, for timestamps without a UTC offset and "
        "for the profile's months and hours (default: that of the site's current profile, "
        f"else {DEFAULT_TIME_ZONE})",
    )
    parser.add_argument(
        "--settlement-point",
        metavar="NAME",
        help="the settlement point to read from an ERCOT file that holds several",
    )
    parser.add_argument(
        "--scale-to-contract",
        action="store_true",
        help="scale each month's prices so that their mean is the contract's price that month",
    )
    parser.add_argument("--dry-run", action="store_true", help="read and check only")


def run_import_prices(args: argparse.Namespace) -> int:
    """Load, read and save under the project's lock."""
    if _same_file(args.csv, args.into):
        raise UserError(f"--into: {args.into} is the price file; name the project")
    return locked_import(args.into, lambda: _import_prices(args), args.dry_run)


def _import_prices(args: argparse.Namespace) -> int:
    from planner.domain.price_profile import DEFAULT_TIME_ZONE, zone_name
    from planner.io.import_prices import PriceFileError, describe_profile, read_prices

    try:
        if args.time_zone is not None:
            zone_name(args.time_zone)
    except ValueError as error:
        raise UserError(f"--time-zone: {error}") from None
    project = _load(args.into)
    site = next((s for s in project.sites if s.name == args.site), None)
    if site is None:
        known = ", ".join(repr(s.name) for s in project.sites) or "none yet"
        raise UserError(f"--site: unknown site {args.site!r} (the project has: {known})")
    # Without --time-zone: the site's clock as its current profile states it.
    earlier = site.price_profile.time_zone if site.price_profile is not None else None
    time_zone = args.time_zone or earlier or DEFAULT_TIME_ZONE
    try:
        profile = read_prices(
            args.csv,
            time_zone=time_zone,
            settlement_point=args.settlement_point,
            scale_to_contract=args.scale_to_contract,
        )
    except PriceFileError as error:
        return _refused(args, error)
    _out(f"{args.csv}: {describe_profile(profile)}\n")
    if site.price_profile is not None:
        _out(f"  replaces the site's profile from {site.price_profile.source}\n")
    if args.dry_run:
        _out("dry run: the project was not changed\n")
        return 0
    _save(args, project, profile)
    return 0


def _refused(args: argparse.Namespace, error: PriceFileError) -> int:
    """Every problem on stderr, then what was not done; exit status 2."""
    if error.settlement_points and args.settlement_point is None:
        raise UserError(f"{error}: name one with --settlement-point NAME")
    if error.settlement_points:
        raise UserError(f"--settlement-point: {error.reason}")
    if not error.problems:
        raise UserError(str(error))
    for line in error.lines():
        _err(f"planner: error: {args.csv}: {line}\n")
    _err(f"planner: error: nothing imported: {error.total:,} problem(s) in {args.csv}\n")
    return EXIT_USAGE


def _save(args: argparse.Namespace, project: Project, profile: PriceProfile) -> None:
    from planner.io.import_prices import with_price_profile
    from planner.io.project_file import ProjectFileError, backup_path, save_project

    updated = with_price_profile(project, args.site, profile)
    try:
        save_project(updated, args.into)
    except ProjectFileError as error:
        raise UserError(str(error)) from None
    backup = backup_path(args.into)
    shown = backup.name if backup.parent == args.into.parent.resolve() else str(backup)
    _out(f"imported into {args.into}, site {args.site!r} (previous version kept as {shown})\n")
