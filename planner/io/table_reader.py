"""Reading a table of cells from a workbook (xlsx) or a text file (CSV, TSV, "Unicode text").

Only regular files are opened: a folder, a FIFO or a device is refused by name, and the
file is opened non-blocking and checked again, so a FIFO never blocks the import. Every
read is bounded (see `Limits`): a file that would need more is refused with a message
naming the file, never read into many GB.

Text files: the encoding comes from the byte-order mark (UTF-8, UTF-16 as Excel's
"Unicode text" saves it), else UTF-8, else Windows-1252; bytes invalid in all of them are
refused with their offset. The delimiter is the one of `,` `;` tab `|` that splits the
first lines into the most rows of one width. Cells stay text as written: numbers are read
later, column by column (planner.io.number_format), because only a whole column tells
whether `5,500` means five and a half or five thousand five hundred. The delimiter is a
hint for that: `;` is what spreadsheets write where the comma is the decimal separator.

Not pandas.read_csv: the header row is found under title rows after reading, cells must
stay text as written (the decimal separator is decided per column, with row-numbered
problems), and its separator sniffing and encoding handling give no row-level account;
the csv module reads exactly what is written, record by record.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

Progress = Callable[[float], None]


class FleetImportError(Exception):
    """A file that cannot be read as a table; the message names the file and the problem."""


@dataclass
class Limits:
    """What the import reads at most; a file that needs more is refused."""

    max_rows: int = 200_000  # rows with a value
    max_columns: int = 1_024  # values past this column are ignored, with a note
    max_cells: int = 8_000_000  # cells parsed in a sheet, empty or not
    max_text_chars: int = 64_000_000  # characters of text in a sheet or shared strings
    max_shared_strings: int = 1_500_000
    max_parts: int = 10_000  # members of the workbook's zip
    max_part_bytes: int = 500 * 2**20  # one member, inflated
    max_package_bytes: int = 2**30  # all members, inflated
    ratio_check_bytes: int = 16 * 2**20  # members past this size must not inflate more than
    max_ratio: float = 100.0  # this many times
    max_text_bytes: int = 128 * 2**20  # a CSV or text file


LIMITS = Limits()


@dataclass
class Table:
    """The cells of one sheet: rows with a value (empty rows dropped, trailing empty cells
    cut), the sheet row number of each, and what the reader noticed."""

    sheet: str
    sheets: list[str]
    rows: list[list[Any]]
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column)
    row_numbers: list[int] | None = None  # 1-based sheet rows; None: 1, 2, 3...
    decimal_hint: str | None = "."  # the decimal separator the format implies, if any
    notes: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers is not None else index + 1


def read_table(path: Path, sheet: str | None = None, progress: Progress | None = None) -> Table:
    """The cells of one sheet of a workbook (cached values of formulas), or of a text table."""
    path = Path(path)
    with _open_regular(path) as stream:
        head = stream.read(8)
        stream.seek(0)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise FleetImportError(
                f"{path}: an encrypted workbook or an old .xls file; "
                "save it as an unprotected .xlsx"
            )
        if head.startswith(b"PK"):
            from planner.io.xlsx_reader import read_xlsx

            return read_xlsx(stream, str(path), sheet, progress)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise FleetImportError(f"{path}: not a workbook (an .xlsx file is a zip archive)")
        raw = stream.read(LIMITS.max_text_bytes + 1)
    if len(raw) > LIMITS.max_text_bytes:
        raise FleetImportError(
            f"{path}: refused: larger than {LIMITS.max_text_bytes / 2**20:,.0f} MB, "
            "far more than a fleet table"
        )
    return read_text_table(raw, path.name, where=str(path))


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_special(path: Path, mode: int) -> None:
    for test, what in _NOT_REGULAR:
        if test(mode):
            raise FleetImportError(f"{path}: is {what}, not a table file")
    if not stat.S_ISREG(mode):
        raise FleetImportError(f"{path}: not a regular file")


def _open_regular(path: Path) -> IO[bytes]:
    """The file opened for reading, once it is known to be a regular file (stat before
    open, and open non-blocking so that a FIFO swapped in meanwhile cannot hang us)."""
    try:
        _refuse_special(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FleetImportError(f"{path}: no such file") from None
    except OSError as error:
        raise FleetImportError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        _refuse_special(path, os.fstat(fd).st_mode)
    except FleetImportError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


# ---------------------------------------------------------------------- text tables

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_BY_DELIMITER = {";": ",", ",": "."}


def decode_text(raw: bytes, where: str) -> str:
    """The text of a table file: by its BOM, else UTF-8, else Windows-1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            candidates: tuple[str, ...] = (encoding,)
            break
    else:
        sample = raw[:4096]
        if sample.count(0) > len(sample) // 4:  # UTF-16 saved without a BOM
            odd_zeros = sample[1::2].count(0) > sample[0::2].count(0)
            candidates = ("utf-16-le",) if odd_zeros else ("utf-16-be",)
        else:
            candidates = ("utf-8", "cp1252")
    failure: UnicodeDecodeError | None = None
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            failure = failure or error
            continue
        if "\x00" in text:
            raise FleetImportError(f"{where}: not a text table (binary data)")
        return text
    assert failure is not None
    bad = raw[failure.start : failure.start + 1].hex().upper()
    tried = " or ".join({"utf-8": "UTF-8", "cp1252": "Windows-1252"}.get(c, c) for c in candidates)
    raise FleetImportError(
        f"{where}: not a text table: byte 0x{bad} at offset {failure.start:,} is not valid "
        f"{tried}; save the table as CSV UTF-8 or as an .xlsx workbook"
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most rows of one width (>= 2)."""
    sample = text[:65_536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = [
                len(r)
                for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                if r
            ]
        except csv.Error:
            continue
        counts: dict[int, int] = {}
        for width in widths:
            if width > 1:
                counts[width] = counts.get(width, 0) + 1
        if counts:
            width, rows = max(counts.items(), key=lambda item: (item[1], item[0]))
            if (rows, width) > best_score:
                best, best_score = delimiter, (rows, width)
    return best


def read_text_table(raw: bytes, name: str, where: str | None = None) -> Table:
    """A CSV / TSV / Unicode-text table: rows of text cells, empty rows dropped."""
    where = where or name
    text = decode_text(raw, where)
    delimiter = sniff_delimiter(text)
    rows: list[list[Any]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    record = 0
    try:
        for record, cells in enumerate(reader, start=1):
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                continue
            if len(rows) >= LIMITS.max_rows:
                raise FleetImportError(
                    f"{where}: more than {LIMITS.max_rows:,} rows with values; "
                    "split the table or import the fleet in parts"
                )
            if len(cells) > LIMITS.max_columns:
                raise FleetImportError(
                    f"{where}: row {record}: {len(cells):,} columns, not a fleet table"
                )
            rows.append(cells)
            numbers.append(record)
    except csv.Error as error:
        limit = csv.field_size_limit()
        reason = (
            f"a field longer than {limit:,} characters"
            if "field larger" in str(error)
            else str(error)
        )
        raise FleetImportError(f"{where}: row {record + 1}: {reason}; not a fleet table") from None
    return Table(
        name,
        [name],
        rows,
        row_numbers=numbers,
        decimal_hint=_DECIMAL_BY_DELIMITER.get(delimiter),
    )
