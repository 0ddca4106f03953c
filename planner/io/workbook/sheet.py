"""The write-only sheet: text only through `text_cell`, and rows of formulas and numbers
written as XML text.

openpyxl writes a cell at a time through lxml, some 5-8 µs a cell; the grids' half a
million formulas took most of the export. A row of formulas and numbers (the bulk of
the workbook) is written here as the same <c> elements openpyxl writes, as one string,
with the style ids made once per style (`Styles`). Rows that hold text still go through
openpyxl's cells, so that text is only ever written by `text_cell`.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator, Sequence
from copy import copy
from datetime import date
from functools import cache
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from planner.io.formula_text import quoted
from planner.io.workbook.formulas import Formula
from planner.io.workbook.printing import column_width, wrapped_height_pt, wrapped_lines

# Excel's limit on the text of one cell.
MAX_CELL_TEXT = 32_767


# What XML 1.0 cannot hold (lxml refuses it; written as text it would break the sheet).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_BYTES = bytes(c for c in range(32) if chr(c) not in "\t\n\r")


def cell_text(value: str) -> str:
    """Project text as a cell can hold it: control characters a workbook cannot hold (all
    below U+0020 but tab, line feed and carriage return) dropped rather than failing the
    export, and cut at Excel's limit."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if len(value) <= MAX_CELL_TEXT else value[: MAX_CELL_TEXT - 1] + "…"


class Text(str):
    """Project text in a row written as XML (`Sheet.append_formulas`): a text cell, with
    the same cleaning and quote prefix (its style's) as `text_cell`, never a formula."""


def text_cell(ws: WriteOnlyWorksheet, value: str, **style: Any) -> WriteOnlyCell:
    """A cell that holds `value` as text (`cell_text`), never as a formula, whatever it
    starts with."""
    value = cell_text(value)
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if quoted(value):
        cell.quotePrefix = True
    for key, item in style.items():
        setattr(cell, key, item)
    return cell


@cache
def column_letters(count: int) -> tuple[str, ...]:
    """The letters of the first `count` columns."""
    return tuple(get_column_letter(i) for i in range(1, count + 1))


class Styles:
    """The workbook's cell styles, each (number format, font, fill, alignment...) made
    once: a StyleArray to copy onto cells, and its id for rows written as text."""

    def __init__(self, wb: Workbook) -> None:
        # A cell finds the workbook's style tables through its sheet's parent.
        self._probe = SimpleNamespace(parent=wb)
        self._arrays: dict[tuple[Any, ...], tuple[StyleArray, dict[str, Any]]] = {}
        self._ids: dict[tuple[Any, ...], int] = {}

    @staticmethod
    def _key(fmt: str | None, style: dict[str, Any]) -> tuple[Any, ...]:
        # Fonts, fills and alignments are module constants: their identity is the key
        # (the objects are kept with the array, so an id is never reused meanwhile).
        return (fmt, *((name, id(value)) for name, value in style.items()))

    def array(self, fmt: str | None, style: dict[str, Any]) -> StyleArray | None:
        """The style of a cell with number format `fmt` and attributes `style` (None:
        the default, as openpyxl keeps it)."""
        key = self._key(fmt, style)
        made = self._arrays.get(key)
        if made is None:
            probe = WriteOnlyCell(self._probe)
            if fmt:
                probe.number_format = fmt
            for name, value in style.items():
                setattr(probe, name, value)
            made = self._arrays[key] = (probe._style, dict(style))
        return made[0]

    def id(self, fmt: str | None = None, **style: Any) -> int:
        """The style's index in the workbook's cell formats (0: the default)."""
        key = self._key(fmt, style)
        found = self._ids.get(key)
        if found is None:
            array = self.array(fmt, style)
            styled = array is not None and any(array)  # as openpyxl's Cell.has_style
            found = self._ids[key] = self._probe.parent._cell_styles.add(array) if styled else 0
        return found


class _Stream(WorksheetWriter):
    """openpyxl's sheet writer, on a file it opens itself so that rows written as text
    go between the elements lxml writes."""

    def get_stream(self) -> Iterator[Any]:
        with (
            open(self.out, "wb") as self.file,
            xmlfile(self.file) as xf,
            xf.element("worksheet", xmlns=SHEET_MAIN_NS),
        ):
            try:
                while True:
                    element = yield xf
                    if element is True:
                        yield xf
                    elif element is not None:
                        xf.write(element)
            except GeneratorExit:
                pass


# Stand-ins in a formula template (`Sheet.append_formulas`): the letter of the column
# the formula is in, and of the column before.
COLUMN, PREVIOUS = "\x00", "\x01"


def _escaped(formula: str) -> str:
    """The formula's text without "=", as XML text (what lxml escapes in text)."""
    text = formula[1:]
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_xml(ref: str, s: str, value: str) -> str:
    """An inline string cell as openpyxl writes it (lxml's escapes in text)."""
    value = cell_text(value)
    if not value:
        return f'<c r="{ref}"{s} t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")
    if not text.isascii():  # as lxml writes the sheet: characters beyond ASCII as references
        text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _check_xml(text: str | bytes) -> None:
    """Refuse what XML cannot hold (lxml would): control characters but tab, line feed
    and carriage return (a bytes translate, much cheaper than a regex over the ~100 MB
    of formulas; a stand-in left over is one), and U+FFFE, U+FFFF."""
    data = text.encode() if isinstance(text, str) else text
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) or (
        not data.isascii() and _NOT_XML.search(data.decode())
    ):
        raise ValueError(f"a formula holds a character XML cannot: {text[:200]!r}")


class _XmlRow:
    """A row of formulas and numbers, to be written as text (`Sheet.append_formulas`)."""

    __slots__ = ("first", "repeat", "styles", "template", "values")

    def __init__(
        self,
        values: Sequence[Any],
        styles: Sequence[int],
        template: str = "",
        repeat: int = 0,
        first: str = "",
    ) -> None:
        self.values, self.styles = values, styles
        self.template, self.repeat, self.first = template, repeat, first or template

    def xml(self, row: int) -> bytes:
        """The row as openpyxl writes it: <c r s><f>formula</f><v></v></c> for a formula,
        <c r s t="n"><v>%.16g</v></c> for a number, <c r s t="n"></c> for a styled None;
        then the template's cells."""
        r = str(row)
        parts = [f'<row r="{r}">']
        append = parts.append
        letters = column_letters(len(self.values) + self.repeat)
        for letter, value, style in zip(letters, self.values, self.styles, strict=False):
            s = f' s="{style}"' if style else ""
            if type(value) is Formula:
                append(f'<c r="{letter}{r}"{s}><f>{_escaped(value)}</f><v></v></c>')
            elif type(value) is float or type(value) is int:
                append(f'<c r="{letter}{r}"{s} t="n"><v>{value:.16g}</v></c>')
            elif value is None:
                if style:
                    append(f'<c r="{letter}{r}"{s} t="n"></c>')
            elif type(value) is Text:
                append(_text_xml(f"{letter}{r}", s, value))
            elif type(value) is date:
                append(f'<c r="{letter}{r}"{s} t="n"><v>{to_excel(value):.16g}</v></c>')
            else:
                raise TypeError(
                    f"a row written as XML holds formulas, numbers, dates and Text, not {value!r}"
                )
        if self.repeat:
            self._repeated(parts, letters[len(self.values) - 1 :], r)
        append("</row>")
        xml = "".join(parts)
        data = xml.encode()
        # What lxml would refuse. The template's cells only add column letters to the
        # template (checked without its stand-ins): the rest of the row is checked.
        _check_xml(data if not self.repeat else "".join(parts[: len(parts) - self.repeat - 1]))
        return data

    def _repeated(self, parts: list[str], letters: Sequence[str], r: str) -> None:
        """The template's cells (unstyled), escaped once: each is a replace of the letters.
        `letters` starts with the column before the first."""
        for template in (self.first, self.template):
            _check_xml(template.replace(COLUMN, "").replace(PREVIOUS, ""))
        first, cell = (
            f'<c r="{COLUMN}{r}"><f>{_escaped(template)}</f><v></v></c>'
            for template in (self.first, self.template)
        )
        parts.append(first.replace(COLUMN, letters[1]).replace(PREVIOUS, letters[0]))
        if PREVIOUS in cell:
            parts += [
                cell.replace(COLUMN, letter).replace(PREVIOUS, before)
                for before, letter in pairwise(letters[1:])
            ]
        else:
            parts += [cell.replace(COLUMN, letter) for letter in letters[2:]]


class Sheet(WriteOnlyWorksheet):
    """A write-only sheet on which a plain str appended as a value is text, never a
    formula (openpyxl would read any str starting with "=" as one): only a Formula is.

    `append_formulas` writes a row of formulas and numbers without a cell object each.
    A row with wrapped text is made as tall as its text (`wrapped_lines`).

    For printing (printing.py): the rows written (`row_count`), the columns printed
    (`print_columns`), whether it is a helper sheet (hidden) and whether its header row
    is repeated on each printed page (`print_header`)."""

    # openpyxl's (untyped) writer of the sheet's file and its generator of rows.
    _writer: Any
    _rows: Any

    def __init__(self, wb: Workbook, title: str, styles: Styles | None = None) -> None:
        super().__init__(wb, title)
        self.styles = styles or Styles(wb)
        self.row_count = 0
        self.print_columns = 0
        self.helper = False
        self.print_header = True

    def append(self, row: Iterable[Any]) -> None:
        cells = [
            text_cell(self, value)
            if isinstance(value, str) and not isinstance(value, Formula)
            else value
            for value in row
        ]
        lines = self._wrapped_lines(cells)
        if lines > 1:  # before the row is written: openpyxl writes its height with it
            self.row_dimensions[self.row_count + 1].height = wrapped_height_pt(lines)
        super().append(cells)
        self.row_count += 1

    def _wrapped_lines(self, cells: Sequence[Any]) -> int:
        """The most lines a wrapped text cell of the row takes in its column."""
        lines = 1
        for column, item in enumerate(cells, start=1):
            if (
                isinstance(item, Cell)
                and item.has_style
                and item._style.alignmentId
                and item.alignment.wrap_text
                and isinstance(item.value, str)
                and not isinstance(item.value, Formula)
            ):
                width = column_width(self, column)
                lines = max(lines, wrapped_lines(item.value, width, bool(item.font.b)))
        return lines

    def append_formulas(
        self,
        values: Sequence[Any],
        styles: Sequence[int] | int = 0,
        *,
        template: str = "",
        repeat: int = 0,
        first: str = "",
    ) -> None:
        """One row: Formula, int or float values (None: no cell), each with its style id
        (`Styles.id`), one per column or one for all; then, `repeat` times, `template`'s
        formula (`first`'s in the first of them) with COLUMN for each cell's column letter
        and PREVIOUS for the one before (formulas a row of months repeats: built once)."""
        if isinstance(styles, int):
            styles = (styles,) * len(values)
        elif len(styles) != len(values):
            raise ValueError(f"{len(values)} values with {len(styles)} styles")
        if repeat and not (values and template.startswith("=")):
            raise ValueError("a repeated formula follows a cell and starts with =")
        self._get_writer()
        if self._rows is None:
            self._rows = self._write_rows()
            next(self._rows)
        self._rows.send(_XmlRow(values, styles, template, repeat, first))
        self.row_count += 1

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = _Stream(self)
            self._writer.write_top()

    def _write_rows(self) -> Generator[None, Any, None]:
        """openpyxl's row loop (WriteOnlyWorksheet._write_rows), with rows of formulas
        written as text between lxml's elements."""
        xf = self._writer.xf.send(True)
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, _XmlRow):
                        xf.flush()
                        self._writer.file.write(row.xml(row_idx))
                    else:
                        cells = self._values_to_row(row, row_idx)
                        self._writer.write_row(xf, cells, row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)


def copy_style(cell: WriteOnlyCell, styles: Styles, fmt: str | None, style: dict[str, Any]) -> None:
    """Give `cell` the style made once for (`fmt`, `style`)."""
    cell._style = copy(styles.array(fmt, style))
