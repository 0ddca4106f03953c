"""One sheet of an xlsx workbook as rows of cell values, read streaming and within limits.

Why not openpyxl: its read-only sheets pad every row to the declared dimension (a stray
cell at XFD1048576 makes a million rows of 16,384 cells), its formula check needs a second
pass, it hides merged cells and parses the shared strings whole. Here the zip is checked
before any parsing (declared sizes and compression ratios), each part is read through a
byte cap, the sheet XML is parsed by lxml in pieces with entities left unexpanded and any
DTD refused, rows keep only their cells up to the last value, empty rows are dropped (their
numbers are kept), and the rows with a value are capped. Formulas without a cached value
and merged ranges (`<mergeCells>`) are found in the same single pass.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from posixpath import dirname, join, normpath
from typing import IO, Any

from lxml import etree

from planner.io.table_reader import LIMITS, FleetImportError, Progress, Table

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 1 << 20
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})$")
_MAX_SHEET_ROW = 1_048_576  # Excel's last row


def _tags(local: str) -> tuple[str, ...]:
    return tuple(f"{{{ns}}}{local}" for ns in MAIN_NAMESPACES)


def column_index(letters: str) -> int:
    """0-based column of "A", "AB", "XFD"."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_letters(index: int) -> str:
    """ "A" for 0, "AB" for 27."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------------- the package


class Package(zipfile.ZipFile):
    """A workbook's zip, counting what its parts inflate to as they are read."""

    inflated_bytes = 0  # declared sizes of the parts read so far


def check_package(archive: zipfile.ZipFile, where: str) -> None:
    """Refuse, before parsing, a zip with more parts than a workbook has."""
    parts = len(archive.infolist())
    if parts > LIMITS.max_parts:
        raise FleetImportError(f"{where}: not a fleet workbook: {parts:,} parts in the zip")


def check_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """Refuse, before inflating it, a part past the limits: its declared size, how much it
    inflates, and with the parts read before it the package's total. Parts the import never
    reads (the other sheets of a big workbook) are never checked nor inflated."""
    size = info.file_size
    ratio = size / max(info.compress_size, 1)
    if size > LIMITS.max_part_bytes:
        raise FleetImportError(
            f"{where}: refused: the part {info.filename} would inflate to "
            f"{size / 2**20:,.0f} MB (at most {LIMITS.max_part_bytes / 2**20:,.0f} MB)"
        )
    if size > LIMITS.ratio_check_bytes and ratio > LIMITS.max_ratio:
        raise FleetImportError(
            f"{where}: refused: the part {info.filename} inflates {ratio:,.0f} times "
            f"(to {size / 2**20:,.0f} MB); a zip bomb, not a workbook"
        )
    if isinstance(archive, Package):
        archive.inflated_bytes += size
        if archive.inflated_bytes > LIMITS.max_package_bytes:
            raise FleetImportError(
                f"{where}: refused: the workbook would inflate to "
                f"{archive.inflated_bytes / 2**20:,.0f} MB "
                f"(at most {LIMITS.max_package_bytes / 2**20:,.0f} MB)"
            )


def _chunks(archive: zipfile.ZipFile, name: str, where: str) -> Iterator[bytes]:
    """The bytes of a part, never more than it declares (nor the part limit)."""
    info = archive.getinfo(name)
    check_part(archive, info, where)
    cap = min(info.file_size, LIMITS.max_part_bytes)
    seen = 0
    with archive.open(info) as stream:
        while block := stream.read(_CHUNK):
            seen += len(block)
            if seen > cap:
                raise FleetImportError(f"{where}: refused: the part {name} is larger than it says")
            yield block


# A row with no cell, or only self-closing (valueless) cells. A `>` inside an attribute
# value stops the match: such a row is simply kept and parsed.
_EMPTY_ROW = re.compile(rb"<row [^<>]*(?:/>|(?<!/)>(?:\s*<c [^<>]*/>)*\s*</row>)")
_SMALLEST_ROW_BYTES = 40  # <row r="1"><c r="A1"><v>1</v></c></row>
_ROW_TAGS = (b"<row ", b"<row>", b"<row/", b"<row\t", b"<row\n", b"<row\r")


class EmptyRowFilter:
    """Drops rows without a value (`<row r="9" s="1"><c r="A9" s="1"/></row>`) from the
    bytes of a sheet before they are parsed: a million of them, as whole-column formatting
    leaves, would cost many seconds of parsing for nothing. Works only on blocks where
    every row is numbered (`<row r="...`: the number of a row without one depends on the
    rows before it) and until the sheet shows CDATA (where such text could be a value)."""

    def __init__(self) -> None:
        self.active = True
        self.carry = b""  # a tag cut at the end of the last block

    def __call__(self, block: bytes) -> bytes:
        if self.active:
            cut = block.rfind(b"<", max(0, len(block) - 64))  # a tag cut at the block's end
            head, tail = (block[:cut], block[cut:]) if cut >= 0 else (block, b"")
            whole, self.carry = self.carry + head, tail
            rows = sum(whole.count(tag) for tag in _ROW_TAGS)
            if b"<![CDATA[" in whole or rows != whole.count(b'<row r="'):
                self.active = False
        return _EMPTY_ROW.sub(b"", block) if self.active else block


def _parse(
    archive: zipfile.ZipFile,
    name: str,
    where: str,
    tags: tuple[str, ...],
    progress: Callable[[int], None] | None = None,
    prefilter: Callable[[bytes], bytes] | None = None,
) -> Iterator[Any]:
    """End events of `tags` in a part, parsed in pieces; a part with a DTD is refused."""
    parser = etree.XMLPullParser(
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    checked = False
    seen = 0
    for block in _chunks(archive, name, where):
        seen += len(block)
        parser.feed(prefilter(block) if prefilter else block)
        if progress:
            progress(seen)
        for _event, element in parser.read_events():
            if not checked:
                if element.getroottree().docinfo.internalDTD is not None:
                    raise FleetImportError(f"{where}: cannot read the workbook: {name} has a DTD")
                checked = True
            yield element
    parser.close()
    for _event, element in parser.read_events():
        yield element


def _relationships(archive: zipfile.ZipFile, part: str, where: str) -> dict[str, tuple[str, str]]:
    """Id -> (type's last word, part name) of a part's relationships."""
    rels = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
    if rels not in archive.NameToInfo:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for rel in _parse(archive, rels, where, (f"{{{_RELS}}}Relationship",)):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else join(dirname(part), target)
        found[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], normpath(path))
    return found


def _workbook_part(archive: zipfile.ZipFile, where: str) -> str:
    for kind, path in _relationships(archive, "", where).values():
        if kind == "officeDocument":
            return path
    if "xl/workbook.xml" in archive.NameToInfo:
        return "xl/workbook.xml"
    raise FleetImportError(f"{where}: not a workbook: missing part 'xl/workbook.xml'")


class Workbook:
    """The sheets of a workbook package and what reading their cells needs."""

    def __init__(self, archive: zipfile.ZipFile, where: str):
        self.archive, self.where = archive, where
        part = _workbook_part(archive, where)
        if part not in archive.NameToInfo:
            raise FleetImportError(f"{where}: not a workbook: missing part {part!r}")
        rels = _relationships(archive, part, where)
        self.sheets: dict[str, str] = {}
        self.epoch = datetime(1899, 12, 30)
        for element in _parse(archive, part, where, (*_tags("sheet"), *_tags("workbookPr"))):
            if element.tag.endswith("workbookPr"):
                if element.get("date1904") in ("1", "true"):
                    self.epoch = datetime(1904, 1, 1)
                continue
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
            kind, path = rels.get(rid, ("", ""))
            self.sheets[element.get("name", "")] = path if kind == "worksheet" else ""
        if not self.sheets:
            raise FleetImportError(f"{where}: not a workbook: it lists no sheets")
        by_kind = {kind: path for kind, path in rels.values()}
        self._strings_part = by_kind.get("sharedStrings", "")
        self._styles_part = by_kind.get("styles", "")

    def shared_strings(self) -> list[str]:
        """The shared-string table, within the count and size limits."""
        if not self._strings_part or self._strings_part not in self.archive.NameToInfo:
            return []
        strings: list[str] = []
        chars = 0
        t_tags, r_tags = _tags("t"), _tags("r")
        for si in _parse(self.archive, self._strings_part, self.where, _tags("si")):
            # Plain text, or rich-text runs; phonetic hints (rPh) are not part of the value.
            text = "".join(
                (part.text or "")
                if part.tag in t_tags
                else "".join(t.text or "" for t in part if t.tag in t_tags)
                for part in si
                if part.tag in t_tags or part.tag in r_tags
            )
            strings.append(text)
            chars += len(text)
            si.clear()
            if len(strings) > LIMITS.max_shared_strings or chars > LIMITS.max_text_chars:
                raise FleetImportError(
                    f"{self.where}: refused: more shared text than a fleet table holds "
                    f"({len(strings):,} strings, {chars:,} characters)"
                )
        return strings

    def date_styles(self) -> list[tuple[bool, bool]]:
        """(is a date, is a duration) for each cell style, by its number format."""
        from openpyxl.styles.numbers import (
            BUILTIN_FORMATS,
            is_date_format,
            is_timedelta_format,
        )

        if not self._styles_part or self._styles_part not in self.archive.NameToInfo:
            return []
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        styles: list[tuple[bool, bool]] = []
        num_fmt, cell_xfs = _tags("numFmt"), _tags("cellXfs")
        for element in _parse(self.archive, self._styles_part, self.where, (*num_fmt, *cell_xfs)):
            if element.tag in num_fmt:
                formats[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
                continue
            for xf in element:
                code = formats.get(int(xf.get("numFmtId", "0")), "")
                styles.append((is_date_format(code), is_timedelta_format(code)))
        return styles


# ---------------------------------------------------------------------- one sheet

_V, _F, _IS, _T, _RPH = (_tags(local) for local in ("v", "f", "is", "t", "rPh"))
_COLUMNS: dict[str, int] = {}


def _inline_text(element: Any) -> str:
    """The text of an inline string: `<is><t>`, or rich-text runs (phonetic hints left out)."""
    if len(element) == 1 and element[0].tag in _T:
        return element[0].text or ""
    return "".join(t.text or "" for t in element.iter(*_T) if t.getparent().tag not in _RPH)


def _column_of(ref: str) -> int:
    """0-based column of a cell reference such as "AB12"."""
    letters = ref.rstrip("0123456789")
    column = _COLUMNS.get(letters)
    if column is None:
        if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
            raise ValueError(f"not a cell reference: {ref[:20]!r}")
        column = _COLUMNS[letters] = column_index(letters)
    return column


class SheetReader:
    """Reads one worksheet part into a Table in a single pass."""

    def __init__(self, book: Workbook, name: str, where: str):
        self.book, self.name, self.where = book, name, where
        self.strings = book.shared_strings()
        self.styles = book.date_styles()
        self.rows: list[list[Any]] = []
        self.numbers: list[int] = []
        self.uncached: set[tuple[int, int]] = set()
        self.merged: list[tuple[int, int, int, int]] = []
        self.notes: list[str] = []
        self.cells_seen = 0
        self.text_chars = 0
        self.wide_cell = ""

    def read(self, part: str, progress: Progress | None) -> Table:
        size = self.book.archive.getinfo(part).file_size or 1
        if size > _SMALLEST_ROW_BYTES * LIMITS.max_rows:
            self._refuse_many_rows(part)

        def report(seen: int) -> None:
            if progress:
                progress(0.8 * min(seen / size, 1.0))

        row_tags, merge_tags = _tags("row"), _tags("mergeCell")
        last_row = 0
        tags = (*row_tags, *merge_tags)
        for element in _parse(self.book.archive, part, self.where, tags, report, EmptyRowFilter()):
            if element.tag in merge_tags:
                self._merge(element.get("ref", ""))
                continue
            number = int(element.get("r") or 0)
            last_row = number if number > last_row else last_row + 1
            if last_row > _MAX_SHEET_ROW:
                raise FleetImportError(
                    f"{self.where}: sheet {self.name!r}: more rows than a worksheet holds"
                )
            self._row(element, last_row)
            element.clear()
            parent = element.getparent()
            if parent is not None and len(parent) > 1024:
                del parent[:-1]  # rows read so far; the parser still holds the last one
        if self.wide_cell:
            self.notes.append(
                f"values past column {column_letters(LIMITS.max_columns - 1)} ignored "
                f"(such as {self.wide_cell})"
            )
        self._fill_merged()
        return Table(
            self.name,
            list(self.book.sheets),
            self.rows,
            self.uncached,
            row_numbers=self.numbers,
            notes=self.notes,
        )

    def _refuse_many_rows(self, part: str) -> None:
        """Refuse a sheet with more filled rows than the cap before parsing it: counting
        row tags left by EmptyRowFilter costs a tenth of parsing them."""
        keep = EmptyRowFilter()
        rows = 0
        # An empty row cut by a block's end is counted: allow one per block.
        for blocks, raw in enumerate(_chunks(self.book.archive, part, self.where), start=1):
            block = keep(raw)
            if not keep.active:
                return  # unnumbered rows or CDATA: the rows are counted as they are parsed
            rows += sum(block.count(tag) for tag in _ROW_TAGS)
            if rows > LIMITS.max_rows + 1 + blocks:
                raise FleetImportError(
                    f"{self.where}: sheet {self.name!r} has more than {LIMITS.max_rows:,} "
                    "filled rows; split the table or import the fleet in parts"
                )

    def _row(self, element: Any, number: int) -> None:
        values: list[Any] = []
        formulas: list[int] = []
        column = -1
        for cell in element:
            self.cells_seen += 1
            ref = cell.get("r")
            column = _column_of(ref) if ref else column + 1
            value, formula = self._value(cell)
            if value is None and not formula:
                continue
            if column >= LIMITS.max_columns:
                self.wide_cell = self.wide_cell or f"{column_letters(column)}{number}"
                continue
            if len(values) <= column:
                values.extend([None] * (column + 1 - len(values)))
            values[column] = value
            if formula and value is None:
                formulas.append(column)
        if self.cells_seen > LIMITS.max_cells:
            raise FleetImportError(
                f"{self.where}: sheet {self.name!r}: refused: more than "
                f"{LIMITS.max_cells:,} cells, far more than a fleet table"
            )
        if not values:
            return
        index = len(self.rows)
        if index >= LIMITS.max_rows:
            raise FleetImportError(
                f"{self.where}: sheet {self.name!r} has more than {LIMITS.max_rows:,} rows "
                "with values; split the table or import the fleet in parts"
            )
        self.rows.append(values)
        self.numbers.append(number)
        self.uncached.update((index, c) for c in formulas)

    def _value(self, cell: Any) -> tuple[Any, bool]:
        """(value, has a formula) of a <c> element."""
        kind = cell.get("t", "n")
        text: str | None = None
        formula = False
        for child in cell:
            if child.tag in _V:
                text = child.text
            elif child.tag in _F:
                formula = True
            elif child.tag in _IS:
                text = _inline_text(child)
        if text is None or (text == "" and kind != "inlineStr"):
            return None, formula
        try:
            return self._convert(kind, text, cell.get("s")), formula
        except (ValueError, IndexError, OverflowError):
            ref = cell.get("r") or "a cell"
            raise FleetImportError(
                f"{self.where}: sheet {self.name!r}: {ref}: cannot read the value {text[:40]!r}"
            ) from None

    def _convert(self, kind: str, text: str, style: str | None) -> Any:
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "inlineStr", "e"):
            self.text_chars += len(text)
            if self.text_chars > LIMITS.max_text_chars:
                raise FleetImportError(
                    f"{self.where}: sheet {self.name!r}: refused: more text than a fleet table"
                )
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(text.strip().rstrip("Z"))
        number: int | float = float(text) if any(c in text for c in ".eE") else int(text)
        index = int(style) if style else 0
        if index and index < len(self.styles):
            is_date, is_duration = self.styles[index]
            if is_duration:
                return timedelta(days=number)
            if is_date:
                return self.book.epoch + timedelta(days=number)
        return number

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        start, end = _CELL_REF.match(first), _CELL_REF.match(last or first)
        if not start or not end:
            return
        self.merged.append(
            (
                int(start.group(2)),
                column_index(start.group(1)),
                int(end.group(2)),
                column_index(end.group(1)),
            )
        )

    def _fill_merged(self) -> None:
        """Each merged range's value in every cell of the range, on the rows kept."""
        width = max((len(r) for r in self.rows), default=0)
        budget = LIMITS.max_cells
        for top, left, bottom, right in self.merged:
            at = bisect_left(self.numbers, top)
            if at >= len(self.numbers) or self.numbers[at] != top or left >= len(self.rows[at]):
                continue
            value = self.rows[at][left]
            if value is None:
                continue
            right = min(right, width - 1)
            for index in range(at, bisect_right(self.numbers, bottom)):
                row = self.rows[index]
                if len(row) <= right:
                    row.extend([None] * (right + 1 - len(row)))
                for column in range(left, right + 1):
                    if row[column] is None:
                        row[column] = value
                budget -= right + 1 - left
                if budget < 0:
                    raise FleetImportError(
                        f"{self.where}: sheet {self.name!r}: refused: merged ranges cover "
                        "more cells than a fleet table"
                    )


# What a damaged or hostile zip raises beyond BadZipFile: a corrupt deflate stream
# (zlib.error), an unknown compression method (NotImplementedError), an encrypted member
# (RuntimeError), a truncated or lying header (EOFError, struct.error, OSError, ValueError).
_DAMAGE: tuple[type[Exception], ...] = (
    zlib.error,
    NotImplementedError,
    RuntimeError,
    EOFError,
    struct.error,
    OSError,
    ValueError,
    UnicodeDecodeError,
)
_NOT_A_ZIP: tuple[type[Exception], ...] = (zipfile.BadZipFile, *_DAMAGE)
_UNREADABLE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    etree.XMLSyntaxError,
    KeyError,
    *_DAMAGE,
)


def read_xlsx(stream: IO[bytes], where: str, sheet: str | None, progress: Progress | None) -> Table:
    """The values of one sheet (cached values of formulas): `sheet`, else one called Fleet,
    else the first."""
    try:
        archive = Package(stream)
    except _NOT_A_ZIP:
        raise FleetImportError(
            f"{where}: the workbook is damaged (not a complete zip archive)"
        ) from None
    with archive:
        try:
            check_package(archive, where)
            book = Workbook(archive, where)
            names = list(book.sheets)
            chosen = _choose(names, sheet, where)
            part = book.sheets[chosen]
            if not part or part not in archive.NameToInfo:
                raise FleetImportError(f"{where}: sheet {chosen!r} is not a table of cells")
            table = SheetReader(book, chosen, where).read(part, progress)
        except FleetImportError:
            raise
        except _UNREADABLE as error:
            raise FleetImportError(
                f"{where}: cannot read the workbook: {type(error).__name__}: {error}"
            ) from None
    if progress:
        progress(0.9)
    return table


def _choose(names: list[str], sheet: str | None, where: str) -> str:
    if sheet is None:
        # A planner workbook (or any book with a sheet called Fleet): that sheet.
        fleet = [n for n in names if n.strip().casefold() == "fleet"]
        return fleet[0] if fleet else names[0]
    if sheet in names:
        return sheet
    raise FleetImportError(f"{where}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
