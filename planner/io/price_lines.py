"""The parts of a price file that both layouts share: its lines (text decoded, delimiter
sniffed, each record with the line it ends on), a price read from a cell, a wall-clock time
turned into UTC, and the problems found, each with its line.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from planner.domain.price_profile import MAX_PRICE_USD_PER_MWH, MIN_PRICE_USD_PER_MWH
from planner.io.table_reader import FleetImportError, decode_text, sniff_delimiter

MAX_PROBLEMS_SHOWN = 50  # problems listed; the rest are counted
MAX_FILE_BYTES = 256 * 2**20  # a year of 15-minute prices of 15 ERCOT hubs is about 16 MB


@dataclass(frozen=True)
class PriceProblem:
    """One thing wrong with a price file, at its line (0: the file as a whole)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class PriceFileError(Exception):
    """A price file that cannot be imported. `problems` lists what is wrong (the first
    MAX_PROBLEMS_SHOWN of `total`); `settlement_points` are those an ERCOT file holds when
    one must be chosen."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        problems: Sequence[PriceProblem] = (),
        total: int | None = None,
        settlement_points: Sequence[str] = (),
    ):
        self.path = Path(path)
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        self.settlement_points = tuple(settlement_points)
        self.reason = message
        super().__init__(f"{path}: {message}")

    def lines(self) -> list[str]:
        """The problems a line each, with a count of those left unlisted."""
        shown = [str(p) for p in self.problems]
        more = self.total - len(self.problems)
        return shown + ([f"and {more:,} more problem(s)"] if more > 0 else [])


@dataclass(frozen=True)
class Reading:
    """One price: its line, the start of its interval in UTC, and the timestamp as the
    file writes it (for messages)."""

    line: int
    utc: datetime
    usd_per_mwh: float
    shown: str


class Problems:
    """Problems as they are found: all counted, the first MAX_PROBLEMS_SHOWN kept."""

    def __init__(self) -> None:
        self.kept: list[PriceProblem] = []
        self.total = 0
        self.lines: list[int] = []  # every line with a problem, as found

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if line:
            self.lines.append(line)
        if len(self.kept) < MAX_PROBLEMS_SHOWN:
            self.kept.append(PriceProblem(line, message))

    def sorted(self) -> list[PriceProblem]:
        return sorted(self.kept, key=lambda p: p.line)


def read_lines(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    """The file's non-empty records, each with the line it ends on, and its delimiter."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise PriceFileError(path, "is a folder, not a price file")
        if not stat.S_ISREG(info.st_mode):
            raise PriceFileError(path, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise PriceFileError(
                path,
                f"refused: larger than {MAX_FILE_BYTES / 2**20:,.0f} MB; keep one site's prices",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PriceFileError(path, "no such file") from None
    except OSError as error:
        raise PriceFileError(path, f"cannot read: {error.strerror or error}") from None
    if raw.startswith(b"PK"):
        raise PriceFileError(path, "a workbook, not a CSV file; save the sheet as CSV")
    try:
        text = decode_text(raw, str(path))
    except FleetImportError as error:
        raise PriceFileError(path, str(error).removeprefix(f"{path}: ")) from None
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            stripped = [cell.strip() for cell in cells]
            if any(stripped):
                lines.append((reader.line_num, stripped))
    except csv.Error as error:
        raise PriceFileError(path, f"line {reader.line_num + 1}: {error}") from None
    return lines, delimiter


def header_key(cell: str) -> str:
    return " ".join(cell.replace("_", " ").split()).casefold()


def parse_price(text: str, delimiter: str) -> float | str:
    """The price in USD/MWh, or why it is not one."""
    cleaned = text.replace(" ", "")
    if delimiter == ";" and "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma (the delimiter is ';')
    try:
        value = float(cleaned)
    except ValueError:
        return f"price {text!r} is not a number"
    if not math.isfinite(value):
        return f"price {text!r} is not a number"
    if not MIN_PRICE_USD_PER_MWH <= value <= MAX_PRICE_USD_PER_MWH:
        return (
            f"price {value:,.2f} is out of range ({MIN_PRICE_USD_PER_MWH:,.0f} to "
            f"{MAX_PRICE_USD_PER_MWH:,.0f} USD/MWh)"
        )
    return value


def local_to_utc(local: datetime, zone: ZoneInfo, fold: int) -> datetime | str:
    """A wall-clock time of `zone` in UTC, or why it is none (the skipped spring hour)."""
    aware = local.replace(tzinfo=zone, fold=fold)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        return f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks move forward)"
    return utc


def ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """Whether the wall-clock time comes twice (the hour repeated when the clocks go back)."""
    return (
        local.replace(tzinfo=zone, fold=0).utcoffset()
        != local.replace(tzinfo=zone, fold=1).utcoffset()
    )
