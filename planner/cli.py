"""Command line: `python -m planner [PROJECT]`, `report`, `schema`, `bench`, `import`,
`import-prices`.

Every user error (missing file, bad JSON, invalid values, unknown scenario, bad flag)
prints one message on stderr that names the place, and exits with status 2.

The windowed app (the Windows GUI executable, pythonw) has no console: sys.stdout and
sys.stderr are None. What would be printed is then shown in a message box when the command
ends, and an unexpected exception is logged to a file and named in a message box
(planner/ui/errors.py), never PyInstaller's "Unhandled exception" dialog.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from planner import __version__

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from planner.domain.project import Project
    from planner.engine.montecarlo import MonteCarloSettings

EXIT_USAGE = 2
COMMANDS = ("report", "schema", "bench", "import", "import-prices")


class UserError(Exception):
    """An error caused by the user's input; shown without a traceback."""


EXIT_UNEXPECTED = 1
# What the windowed app would have printed, shown in one message box when main() ends.
_pending: list[tuple[str, bool]] = []


def _write(text: str, *, error: bool) -> None:
    stream = sys.stderr if error else sys.stdout
    if stream is None:  # the windowed app: no console
        _pending.append((text, error))
    else:
        stream.write(text)


def _out(text: str) -> None:
    _write(text, error=False)


def _err(text: str) -> None:
    _write(text, error=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"planner: error: {message}\n")

    # argparse writes help, usage, --version and errors to sys.stdout and sys.stderr
    # itself, and says nothing when they are None (the windowed app).
    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            _err(message)
        sys.exit(status)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if not message:
            return
        if file is None or file is sys.stdout:
            _out(message)
        elif file is sys.stderr:
            _err(message)
        else:
            file.write(message)


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of months from 1 to 600, got {text!r}"
        ) from None
    if not 1 <= value <= 600:
        raise argparse.ArgumentTypeError(f"must be from 1 to 600 months, got {value}")
    return value


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` (to `high`)."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {value}")
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    return read


_paths = _whole(1, 1_000_000)
_seed = _whole(0)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="planner",
        description="Mining planner: fleet, power contracts and halving-aware cash flow.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "without a command, open the window:\n"
            "  planner [PROJECT]                       open PROJECT (default: the sample)\n"
            "  planner --screenshot OUT.png [PROJECT]  render the window to a PNG and exit\n"
            "    [--tab NAME] [--size WxH]             a tab (Decisions/Sensitivity), a size\n"
            "\n'planner COMMAND --help' shows a command's flags."
        ),
    )
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_report(sub.add_parser("report", help="print the report of a project"))
    sub.add_parser("schema", help="print the JSON Schema of project files")
    _add_import(sub.add_parser("import", help="import a fleet table (xlsx or CSV) into a project"))
    from planner.cli_bench import add_bench
    from planner.cli_prices import add_import_prices

    add_bench(sub.add_parser("bench", help="time full recomputations of synthetic fleets"))

    add_import_prices(
        sub.add_parser("import-prices", help="import a site's hourly or 15-minute power prices")
    )
    return parser


def _add_report(report: argparse.ArgumentParser) -> None:
    """The arguments of `planner report`."""
    report.add_argument("project", type=Path, help="project file (.json)")
    report.add_argument("--json", action="store_true", help="machine-readable JSON")
    report.add_argument("--scenario", help="scenario name (default: the active one)")
    report.add_argument("--months", type=_months, help="horizon in months (overrides the file)")
    report.add_argument(
        "--paths", type=_paths, default=10_000, help="Monte Carlo paths (default 10,000)"
    )
    report.add_argument("--seed", type=_seed, default=2028, help="Monte Carlo seed (default 2028)")
    report.add_argument(
        "--xlsx",
        type=Path,
        metavar="OUT.xlsx",
        help="also write the plan as an Excel workbook of live formulas",
    )
    report.add_argument(
        "--pdf",
        type=Path,
        metavar="OUT.pdf",
        help="also write a board pack PDF (key figures, NPV bridge, scenarios, cash flow "
        "charts, AI/HPC, Monte Carlo fan); the report is still printed",
    )


def _site_flag(text: str) -> tuple[str, float]:
    """An argparse type: `NAME=CAPACITY_MW` of --create-site."""
    from planner.io.import_sites import parse_site_flag

    try:
        return parse_site_flag(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_import(imp: argparse.ArgumentParser) -> None:
    """The arguments of `planner import`."""
    imp.add_argument("sheet", type=Path, help="workbook (.xlsx) or CSV file")
    imp.add_argument("--into", type=Path, required=True, help="project file to add the rows to")
    imp.add_argument("--sheet", dest="sheet_name", help="sheet name (default: the first)")
    imp.add_argument("--site", help="site for rows without one (default: the first site)")
    imp.add_argument(
        "--create-site",
        action="append",
        type=_site_flag,
        metavar="NAME=CAPACITY_MW",
        help="create a site the sheet names that the project lacks, with this capacity, "
        "and import its rows (repeatable); without it those rows are refused",
    )
    imp.add_argument(
        "--new-site-contract",
        metavar="CONTRACT",
        help="power contract of the sites --create-site makes (default: the project's first)",
    )
    imp.add_argument("--replace", action="store_true", help="replace the fleet instead of adding")
    imp.add_argument(
        "--yes",
        action="store_true",
        help="with --replace, go ahead even though it drops what depends on the old fleet",
    )
    imp.add_argument("--dry-run", action="store_true", help="show the preview only")


def _load(path: Path):
    from planner.io.project_file import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as error:
        raise UserError(str(error)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from planner.engine import run
    from planner.io.report import build_report, render_text, report_json

    project = _load(args.project)
    try:
        project.scenario(args.scenario)
    except KeyError as error:
        raise UserError(f"--scenario: {error.args[0]}") from None
    if args.xlsx is not None:
        _check_output(args.xlsx, "--xlsx", ".xlsx", inputs=[args.project])
    if args.pdf is not None:
        _check_output(args.pdf, "--pdf", ".pdf", inputs=[args.project])
    results = run(project, args.scenario, args.months)
    from planner.engine.montecarlo import MonteCarloSettings

    settings = MonteCarloSettings(paths=args.paths, seed=args.seed)
    report = build_report(project, results, settings=settings)
    if args.xlsx is not None:
        from planner.io.workbook import ExportError, export_workbook

        try:
            export_workbook(project, args.xlsx, args.scenario, args.months)
        except ExportError as error:
            raise UserError(f"--xlsx: {error}") from None
        _err(f"planner: wrote {args.xlsx}\n")
    if args.pdf is not None:
        _write_pdf(project, args, settings)
    _out(report_json(report) if args.json else render_text(report))
    return 0


def _write_pdf(project: Project, args: argparse.Namespace, settings: MonteCarloSettings) -> None:
    """`report --pdf`: the board pack of the report's scenario, horizon and Monte Carlo run."""
    from planner.ui.board_pack import write_board_pack

    try:
        write_board_pack(project, args.pdf, args.scenario, months=args.months, settings=settings)
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(f"--pdf: cannot write {args.pdf}: {reason}") from None
    _err(f"planner: wrote {args.pdf}\n")


def _check_output(path: Path, flag: str, suffix: str, inputs: Sequence[Path] = ()) -> None:
    """A file the command will write: the right extension, in a folder that exists, and
    not one of the command's inputs (under any name: a symlink or a hard link)."""
    if path.suffix.lower() != suffix:
        raise UserError(f"{flag}: must name a {suffix} file, got {path}")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise UserError(f"{flag}: folder {folder} does not exist")
    if path.is_dir():
        raise UserError(f"{flag}: {path} is a folder")
    for source in inputs:
        if _same_file(path, source):
            raise UserError(f"{flag}: {path} is the input file {source}; name another file")


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: through symlinks, and hard links when both exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def locked_import(project_path: Path, work: Callable[[], int], dry_run: bool) -> int:
    """`work()` (an import into the project at `project_path`) under the project's lock,
    so two imports at once both land; a dry run reads only and takes no lock."""
    from planner.io.project_file import ProjectFileError, project_lock

    if dry_run:
        return work()
    try:
        with project_lock(project_path) as lock:
            for note in lock.notes:
                _err(f"planner: note: {note}\n")
            return work()
    except ProjectFileError as error:
        raise UserError(str(error)) from None


def cmd_schema(_: argparse.Namespace) -> int:
    from planner.domain.project import project_json_schema

    _out(json.dumps(project_json_schema(), indent=2) + "\n")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """`planner import`: planner/cli_import.py."""
    from planner.cli_import import run_import

    return run_import(args)


def cmd_bench(args: argparse.Namespace) -> int:
    """`planner bench`: planner/cli_bench.py."""
    from planner.cli_bench import run_bench

    return run_bench(args)


def cmd_import_prices(args: argparse.Namespace) -> int:
    """`planner import-prices`: planner/cli_prices.py."""
    from planner.cli_prices import run_import_prices

    return run_import_prices(args)


SMALLEST_WINDOW = (800, 600)
LARGEST_WINDOW = (7680, 4320)


def _window_size(text: str) -> tuple[int, int]:
    """--size: WIDTHxHEIGHT in pixels, within SMALLEST_WINDOW and LARGEST_WINDOW."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text, re.ASCII)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"must be WIDTHxHEIGHT in pixels, e.g. 1600x1000, got {text!r}"
        )
    width, height = int(match[1]), int(match[2])
    (low_w, low_h), (high_w, high_h) = SMALLEST_WINDOW, LARGEST_WINDOW
    if not (low_w <= width <= high_w and low_h <= height <= high_h):
        raise argparse.ArgumentTypeError(
            f"must be from {low_w}x{low_h} to {high_w}x{high_h}, got {width}x{height}"
        )
    return width, height


def cmd_open(argv: Sequence[str]) -> int:
    """No command: open a project in the window (the bundled sample when none is named)."""
    parser = _Parser(prog="planner", description="Open a project (default: the bundled sample).")
    parser.add_argument("project", nargs="?", type=Path)
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="OUT.png",
        help="render the main window with the project to a PNG and exit",
    )
    parser.add_argument(
        "--tab",
        metavar="NAME",
        help="with --screenshot: the tab to render, by its title (any case); a tab inside "
        "a tab as Decisions/Sensitivity (default: the first)",
    )
    parser.add_argument(
        "--size",
        type=_window_size,
        metavar="WxH",
        help="with --screenshot: the window's size in pixels, from 800x600 to 7680x4320 "
        "(default: 1600x1000)",
    )
    args = parser.parse_args(argv)
    from planner.io.resources import sample_project_path

    if args.screenshot is not None:
        inputs = [args.project] if args.project else []
        _check_output(args.screenshot, "--screenshot", ".png", inputs)
    else:
        for flag, value in (("--tab", args.tab), ("--size", args.size)):
            if value is not None:
                raise UserError(f"{flag}: only with --screenshot")
    path = args.project or sample_project_path()
    project = _load(path)
    from planner.ui.app import run_gui

    if args.screenshot is None:
        return run_gui(project, args.project, None)
    return run_gui(project, args.project, args.screenshot, tab=args.tab, size=args.size)


def main(argv: Sequence[str] | None = None) -> int:
    from planner.runtime import tune_allocator

    tune_allocator()
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None or sys.stderr is None:
        return _main_windowed(argv)
    _tolerate_unencodable_output()
    return _main(argv)


def _main(argv: list[str]) -> int:
    try:
        if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
            return cmd_open(argv)
        args = _parser().parse_args(argv)
        handlers = {
            "report": cmd_report,
            "schema": cmd_schema,
            "bench": cmd_bench,
            "import": cmd_import,
            "import-prices": cmd_import_prices,
        }
        if args.command is None:
            _parser().print_help()
            return 0
        return handlers[args.command](args)
    except UserError as error:
        _err(f"planner: error: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0


def _main_windowed(argv: list[str]) -> int:
    """No console: messages in a message box, unexpected exceptions (here or in a Qt slot
    while the window is open) logged to a file and named in a message box."""
    from planner.ui.errors import report_unexpected

    previous_hook = sys.excepthook
    sys.excepthook = functools.partial(report_unexpected, fatal=False)
    _pending.clear()
    try:
        return _main(argv)
    except Exception as error:
        report_unexpected(type(error), error, error.__traceback__, fatal=True)
        return EXIT_UNEXPECTED
    finally:  # also on SystemExit: argparse's errors, --help and --version
        sys.excepthook = previous_hook
        _show_pending()


def _show_pending() -> None:
    if not _pending:
        return
    text = "".join(text for text, _ in _pending).rstrip("\n")
    error = any(error for _, error in _pending)
    _pending.clear()
    from planner.ui.errors import show_message

    show_message(text, error=error)


def _tolerate_unencodable_output() -> None:
    """Print what the console or pipe cannot encode (a project named with ₿ through cp1252,
    a file name that is not valid UTF-8) as backslash escapes, not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
