"""Tiny or lying workbooks that used to take the fleet import to many GB and minutes.

Each maker writes one file into a folder. Run this module to write them all and time
`read_table` on each in a child process held to a memory limit and a timeout, so that
the machine survives the old behaviour:

    .venv/bin/python -m tests.io.hostile_workbooks [FOLDER] [--limit-mb 6000] [--timeout 120]

It prints one line per file: seconds, peak RSS (MB) and how the read ended.
"""

from __future__ import annotations

import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.child_peak import PEAK_KB_SOURCE

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["Model", "Qty", "Site", "Purchase date"]
BODY = [["Antminer S21", 10 + i, "Pecos, TX", "2026-12"] for i in range(20)]


def small_workbook(path: Path, extra: Callable[[object], None] | None = None) -> Path:
    """A normal 20-row fleet table, with `extra(sheet)` applied before saving."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Fleet"
    for row in [HEADER, *BODY]:
        sheet.append(row)
    if extra:
        extra(sheet)
    book.save(path)
    return path


def _rewrite(source: Path, target: Path, sheet_xml: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item.filename, sheet_xml(data) if item.filename == SHEET else data)
    return target


def stray_cell(folder: Path) -> Path:
    """A 5 KB workbook with one stray value at XFD1048576, the last cell of a sheet."""

    def far(sheet: object) -> None:
        sheet["XFD1048576"] = "x"  # type: ignore[index]

    return small_workbook(folder / "stray-cell.xlsx", far)


def declared_dimension(folder: Path) -> Path:
    """A normal table whose sheet claims the whole grid, A1:XFD1048576."""
    plain = small_workbook(folder / "plain.tmp.xlsx")
    target = _rewrite(
        plain,
        folder / "declared-dimension.xlsx",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )
    plain.unlink()
    return target


def empty_styled_rows(folder: Path, last_row: int = 1_048_576) -> Path:
    """A table followed by a million formatted but empty rows, as whole-column styling
    leaves them."""

    def rows(xml: bytes) -> bytes:
        empty = b"".join(
            b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (n, n)
            for n in range(len(BODY) + 2, last_row + 1)
        )
        return xml.replace(b"</sheetData>", empty + b"</sheetData>")

    plain = small_workbook(folder / "plain.tmp.xlsx")
    target = _rewrite(plain, folder / "empty-styled-rows.xlsx", rows)
    plain.unlink()
    return target


def stray_column(folder: Path) -> Path:
    """Every row of the table carries a value in the last column, XFD."""

    def far(sheet: object) -> None:
        for row in range(1, len(BODY) + 2):
            sheet.cell(row=row, column=16_384, value="x")  # type: ignore[attr-defined]

    return small_workbook(folder / "stray-column.xlsx", far)


def too_many_rows(folder: Path) -> Path:
    """250,000 fleet rows: past the import's cap of 200,000."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Fleet")
    sheet.append(HEADER)
    for i in range(250_000):
        sheet.append(["Antminer S21", 1 + i % 7, "Pecos, TX", "2026-12"])
    path = folder / "too-many-rows.xlsx"
    book.save(path)
    return path


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9  # type: ignore[attr-defined]  # Python 3.11 has no public name
    return info


def _bomb_sheet(inflated_bytes: int) -> Callable[[zipfile.ZipFile], None]:
    """Writes a sheet whose sheetData holds `inflated_bytes` of blanks (deflates ~1000:1)."""

    def write(dst: zipfile.ZipFile) -> None:
        head = (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Model</t></is></c>'
            b'<c r="B1" t="inlineStr"><is><t>Qty</t></is></c></row>'
        )
        chunk = b" " * (1 << 20)
        with dst.open(_deflated(SHEET), "w", force_zip64=True) as out:
            out.write(head)
            for _ in range(inflated_bytes >> 20):
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")

    return write


def _bomb(folder: Path, name: str, inflated_bytes: int) -> Path:
    plain = small_workbook(folder / "plain.tmp.xlsx")
    target = folder / name
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            if item.filename == SHEET:
                _bomb_sheet(inflated_bytes)(dst)
            else:
                dst.writestr(item.filename, src.read(item.filename))
    plain.unlink()
    return target


def zip_bomb(folder: Path, inflated_bytes: int = 3 << 30) -> Path:
    """3 MB on disk, 3 GB of sheet XML once inflated."""
    return _bomb(folder, "zip-bomb.xlsx", inflated_bytes)


def lying_sizes(folder: Path, inflated_bytes: int = 1536 << 20) -> Path:
    """A 1.5 GB sheet whose zip headers say it inflates to 64 KB."""
    target = _bomb(folder, "lying-sizes.xlsx", inflated_bytes)
    data = bytearray(target.read_bytes())
    name = SHEET.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            start = at + 4
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, 64 << 10)
    target.write_bytes(bytes(data))
    return target


def shared_strings_bomb(folder: Path) -> Path:
    """A shared-strings part of 2 GB of blanks: parsed whole before any sheet."""
    plain = small_workbook(folder / "plain.tmp.xlsx")
    target = folder / "shared-strings-bomb.xlsx"
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        with dst.open(_deflated("xl/sharedStrings.xml"), "w", force_zip64=True) as out:
            out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b" " * (1 << 20)
            for _ in range(2048):
                out.write(chunk)
            out.write(b"</sst>")
    plain.unlink()
    # Register the part so that a reader looks for it.
    return _register_shared_strings(target)


def _register_shared_strings(path: Path) -> Path:
    fixed = path.with_suffix(".tmp")
    rel = (
        b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
    )
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = src.read(item.filename).replace(b"</Relationships>", rel)
                dst.writestr(item.filename, data)
            elif item.filename == "xl/sharedStrings.xml":
                with (
                    src.open(item) as inp,
                    dst.open(_deflated(item.filename), "w", force_zip64=True) as out,
                ):
                    while block := inp.read(1 << 20):
                        out.write(block)
            else:
                dst.writestr(item.filename, src.read(item.filename))
    fixed.replace(path)
    return path


MAKERS: dict[str, Callable[[Path], Path]] = {
    "stray-cell": stray_cell,
    "declared-dimension": declared_dimension,
    "empty-styled-rows": empty_styled_rows,
    "stray-column": stray_column,
    "too-many-rows": too_many_rows,
    "zip-bomb": zip_bomb,
    "lying-sizes": lying_sizes,
    "shared-strings-bomb": shared_strings_bomb,
}

# The child reports its own peak (tests/child_peak.py says why).
_CHILD = (
    """
import sys
from pathlib import Path
from planner.io.fleet_import import read_table
"""
    + PEAK_KB_SOURCE
    + """
try:
    table = read_table(Path(sys.argv[1]))
    outcome = f"read {len(table.rows):,} rows"
except Exception as error:
    outcome = f"{type(error).__name__}: {str(error)[:160]}"
print(f"peak_kb {peak_kb()}")
print(outcome)
"""
)


@dataclass(frozen=True)
class Measure:
    """How reading one file went in a child process."""

    seconds: float  # wall clock, the child's start-up included
    cpu_seconds: float  # user + system
    peak_mb: float  # peak resident memory
    outcome: str  # "read N rows", the error's first words, or "killed ..."


def measure(path: Path, limit_mb: int, timeout_s: float, code: Path | None = None) -> Measure:
    """How read_table on `path` went in a child held to `limit_mb` of address space."""

    import resource  # POSIX only: the tests that measure are skipped on Windows

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=limit,
        cwd=code or Path(__file__).resolve().parents[2],
    )
    timer = threading.Timer(timeout_s, child.kill)
    timer.start()
    assert child.stdout is not None
    with child.stdout:
        output = child.stdout.read().decode(errors="replace").strip().splitlines()
    _pid, status, usage = os.wait4(child.pid, 0)  # wait4: this child's own peak memory
    child.returncode = os.waitstatus_to_exitcode(status)
    timer.cancel()
    elapsed = time.perf_counter() - start
    peak_mb = usage.ru_maxrss / 1024  # an upper bound, used only when the child was killed
    for line in output:
        if line.startswith("peak_kb "):
            peak_mb = int(line.split()[1]) / 1024
    output = [line for line in output if not line.startswith("peak_kb ")]
    if os.WIFSIGNALED(status):
        outcome = f"killed (signal {os.WTERMSIG(status)}) after {elapsed:.0f} s"
    else:
        outcome = output[-1] if output else f"exit {os.WEXITSTATUS(status)}"
    return Measure(elapsed, usage.ru_utime + usage.ru_stime, peak_mb, outcome)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--limit-mb", type=int, default=6000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", action="append", choices=sorted(MAKERS))
    parser.add_argument("--code", type=Path, help="a checkout whose planner to measure")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in args.only or MAKERS:
        path = folder / f"{name}.xlsx"
        if not path.exists():
            MAKERS[name](folder)
        got = measure(path, args.limit_mb, args.timeout, args.code)
        size_kb = path.stat().st_size / 1024
        print(
            f"{name:20} {size_kb:9,.0f} KB {got.seconds:7.1f} s (cpu {got.cpu_seconds:5.1f} s) "
            f"{got.peak_mb:8,.0f} MB  {got.outcome}"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
