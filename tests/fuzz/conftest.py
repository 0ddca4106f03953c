"""Shared pieces of the fuzz suite: hostile project files and fleet sheets, and the checks.

A generated case is a small plan (which JSON path gets which hostile token, which byte is
flipped, which cells a sheet has) that is rendered to bytes only when run, so a failing
example prints in a few lines even when it stands for a 10 MB string.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import json
import math
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, currently_in_test_context, event, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from planner.cli import main
from planner.io.fleet_import import SYNONYMS

# Hypothesis keeps caches (and would keep its example database) in ./.hypothesis: send
# them to a temporary folder so a run writes nothing into the checkout.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    _STORAGE = tempfile.mkdtemp(prefix="planner-fuzz-hypothesis-")
    set_hypothesis_home_dir(_STORAGE)
    atexit.register(shutil.rmtree, _STORAGE, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sample_project.json"
SAMPLE_BYTES = SAMPLE.read_bytes()
SAMPLE_DOC: dict[str, Any] = json.loads(SAMPLE_BYTES)

# Monte Carlo paths for `report` runs: few, so a hundred reports fit in the time budget.
REPORT_PATHS = "20"
MAX_STDERR_LINE = 1_000
SLOW_SECONDS = 20.0


class _ShortRepr:
    """Hypothesis prints a failing case through this repr (huge cells shortened)."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def fuzz_settings(max_examples: int) -> settings:
    """Fixed seed, no example database in the repo, no deadline (the machine is shared).

    Shrinking is off: a case is already a short plan, and shrinking a failure would rerun
    the CLI hundreds of times.
    """
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
            HealthCheck.large_base_example,
        ],
    )


# ---------------------------------------------------------------------- hostile JSON values


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def _nested_objects(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


# Name -> raw JSON text (written as is, so "Infinity" and "NaN" reach the file unquoted).
HOSTILE: dict[str, str] = {
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "NaN": "NaN",
    "1e309": "1e309",
    "-1e309": "-1e309",
    "-1e308": "-1e308",
    "1e308": "1e308",
    "1e-300": "1e-300",
    "0": "0",
    "-0.0": "-0.0",
    "-1": "-1",
    "-5.5": "-5.5",
    "2**63": str(2**63),
    "2**64+1": str(2**64 + 1),
    "int 5000 digits": "9" * 5000,
    "-int 5000 digits": "-" + "1" * 5000,
    "float 400 digits": "1" + "0" * 400 + ".5",
    "true": "true",
    "false": "false",
    "null": "null",
    "[]": "[]",
    "{}": "{}",
    "[{}]": "[{}]",
    '""': '""',
    '"  "': '"  "',
    '"control chars"': json.dumps("a\x00b\x01c\x1b[31m\x7f\x08d"),
    "raw control char in string": '"a\tb\x00c"',
    '"bidi override"': json.dumps("\u202eevil\u202c \u2066x\u2069 \u200f"),
    '"lone surrogate"': '"\\ud800x"',
    '"10 MB string"': "",  # filled in below, built once
    '"9999-12"': '"9999-12"',
    '"9999-12-31"': '"9999-12-31"',
    '"0000-00"': '"0000-00"',
    '"0001-01"': '"0001-01"',
    '"2026-02-30"': '"2026-02-30"',
    '"Infinity" text': '"Infinity"',
    '"NaN" text': '"NaN"',
    '"1e309" text': '"1e309"',
    '"-1e309 W" text': '"-1e309 W"',
    '"1,000,000,000,000,000,000" text': '"1,000,000,000,000,000,000"',
    '"97%" text': '"97%"',
    '"(1,200)" text': '"(1,200)"',
    '"5000-digit" text': '"' + "9" * 5000 + '"',
    '"Base" text': '"Base"',
    '"Pecos, TX" text': '"Pecos, TX"',
    "nested 1000 lists": _nested(1_000),
    "nested 1000 objects": _nested_objects(1_000),
    "nested 100000 lists": _nested(100_000),
}
HOSTILE['"10 MB string"'] = '"' + "x" * (10 * 1024 * 1024) + '"'
HOSTILE_NAMES = sorted(HOSTILE)
# Numbers at or near the documented bounds: many files with these pass validation, so
# they reach the engine and the report.
EXTREME: dict[str, str] = {
    name: name
    for name in [
        "0",
        "1e-300",
        "1e-12",
        "0.999999",
        "1",
        "3",
        "-0.99",
        "100",
        "600",
        "36000",
        "10000000",
        "1e12",
        "1e15",
        "1e300",
        "1e308",
        "-1e308",
        "9007199254740993",
        "1000000000000000000",
    ]
}
EXTREME_NAMES = list(EXTREME)


@dataclass(frozen=True)
class Raw:
    """A value written to the file exactly as this JSON text."""

    name: str

    @property
    def text(self) -> str:
        return HOSTILE.get(self.name) or EXTREME.get(self.name) or self.name  # else: JSON text


@dataclass(frozen=True)
class DupKey:
    """A second occurrence of `key` in the same object (JSON allows it to be written)."""

    key: str


def render(node: Any, level: int = 0) -> str:
    """JSON text with two-space indent, raw tokens and duplicate keys as they are."""
    pad = "  " * (level + 1)
    end = "  " * level
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, dict):
        if not node:
            return "{}"
        parts = [
            f"{pad}{json.dumps(k.key if isinstance(k, DupKey) else k)}: {render(v, level + 1)}"
            for k, v in node.items()
        ]
        return "{\n" + ",\n".join(parts) + "\n" + end + "}"
    if isinstance(node, list):
        if not node:
            return "[]"
        return "[\n" + ",\n".join(pad + render(v, level + 1) for v in node) + "\n" + end + "]"
    return json.dumps(node, ensure_ascii=False)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _as_version_1(doc: dict[str, Any]) -> dict[str, Any]:
    """The sample as a version 1 file: one unnamed scenario under `market` (migrated on load)."""
    market = {k: v for k, v in doc["scenarios"][0].items() if k != "name"}
    rest = {k: v for k, v in doc.items() if k not in ("scenarios", "active_scenario")}
    return {**rest, "schema_version": 1, "market": market}


SAMPLE_V1_DOC = _as_version_1(SAMPLE_DOC)
SAMPLE_V1_PATHS = list(_paths(SAMPLE_V1_DOC))
SAMPLE_PATHS = list(_paths(SAMPLE_DOC))
NUMBER_PATHS = [
    p
    for p in SAMPLE_PATHS
    if isinstance(_get(SAMPLE_DOC, p), int | float) and not isinstance(_get(SAMPLE_DOC, p), bool)
]


@dataclass(frozen=True)
class Op(_ShortRepr):
    """One structural change: kind, the JSON path it applies to, and a hostile token."""

    kind: str
    path: tuple[Any, ...]
    token: str = ""

    def __repr__(self) -> str:
        where = "".join(f"[{s!r}]" for s in self.path) or "<root>"
        return f"{self.kind}{where}" + (f"={self.token}" if self.token else "")


@dataclass(frozen=True)
class ByteOp(_ShortRepr):
    """A change to the file's bytes: flip one byte, truncate, or insert junk."""

    kind: str
    position: float  # fraction of the file length
    value: int = 0

    def __repr__(self) -> str:
        return f"{self.kind}@{self.position:.4f}:{self.value}"


@dataclass(frozen=True)
class ProjectCase(_ShortRepr):
    ops: tuple[Op, ...]
    byte_ops: tuple[ByteOp, ...] = ()
    version: int = 2  # 1: the sample written as a version 1 file

    def __repr__(self) -> str:
        return f"ProjectCase({list(self.ops)!r}, {list(self.byte_ops)!r}, v{self.version})"

    def render(self) -> bytes:
        return render_project(self)


def _apply(doc: Any, op: Op) -> Any:
    """`doc` with `op` applied; ops whose path an earlier op removed do nothing."""
    if not op.path:
        if op.kind == "replace":
            return Raw(op.token)
        if op.kind == "wrap_list":
            return [doc]
        if op.kind == "object_to_list" and isinstance(doc, dict):
            return list(doc.values())
        if op.kind == "unknown_key" and isinstance(doc, dict):
            doc[f"zz_unknown_{op.token[:8]}"] = Raw(op.token)
        return doc
    parent = doc
    try:
        for step in op.path[:-1]:
            parent = parent[step]
        last = op.path[-1]
        current = parent[last]
    except (KeyError, IndexError, TypeError):
        return doc
    if op.kind == "replace":
        parent[last] = Raw(op.token)
    elif op.kind == "drop":
        del parent[last]
    elif op.kind == "wrap_list":
        parent[last] = [current]
    elif op.kind == "object_to_list" and isinstance(current, dict):
        parent[last] = list(current.values())
    elif op.kind == "unknown_key" and isinstance(current, dict):
        current[f"zz_unknown_{len(current)}"] = Raw(op.token)
    elif op.kind == "duplicate_key" and isinstance(parent, dict):
        parent[DupKey(last)] = Raw(op.token)
    return doc


def render_project(case: ProjectCase) -> bytes:
    doc = json.loads(SAMPLE_BYTES)
    if case.version == 1:
        doc = _as_version_1(doc)
    for op in case.ops:
        doc = _apply(doc, op)
    data = bytearray((render(doc) + "\n").encode("utf-8", "surrogatepass"))
    for bop in case.byte_ops:
        at = min(int(bop.position * len(data)), max(len(data) - 1, 0))
        if bop.kind == "flip" and data:
            data[at] ^= bop.value or 0x80
        elif bop.kind == "truncate":
            del data[at:]
        elif bop.kind == "insert":
            data[at:at] = bytes([bop.value])
        elif bop.kind == "delete" and data:
            del data[at : at + 1 + bop.value % 16]
    return bytes(data)


_tokens = st.sampled_from(HOSTILE_NAMES)


def _structural_ops(doc: dict[str, Any], paths: list[tuple[Any, ...]]) -> st.SearchStrategy[Op]:
    objects = [p for p in paths if isinstance(_get(doc, p), dict)]
    keys = [p for p in paths if p and isinstance(p[-1], str)]
    return st.one_of(
        st.builds(Op, st.just("replace"), st.sampled_from(paths), _tokens),
        st.builds(Op, st.just("drop"), st.sampled_from([p for p in paths if p])),
        st.builds(Op, st.just("wrap_list"), st.sampled_from(paths)),
        st.builds(Op, st.just("object_to_list"), st.sampled_from(objects)),
        st.builds(Op, st.just("unknown_key"), st.sampled_from(objects), _tokens),
        st.builds(Op, st.just("duplicate_key"), st.sampled_from(keys), _tokens),
    )


structural_ops = _structural_ops(SAMPLE_DOC, SAMPLE_PATHS)
_v1_market_paths = [p for p in SAMPLE_V1_PATHS if p[:1] in ((), ("market",), ("schema_version",))]
byte_ops = st.builds(
    ByteOp,
    st.sampled_from(["flip", "truncate", "insert", "delete"]),
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 255),
)
project_cases = st.one_of(
    st.builds(ProjectCase, st.lists(structural_ops, min_size=1, max_size=3).map(tuple)),
    st.builds(
        ProjectCase,
        st.lists(structural_ops, max_size=1).map(tuple),
        st.lists(byte_ops, min_size=1, max_size=2).map(tuple),
    ),
    # A version 1 file, mutated where it differs (the market) or anywhere: the migration
    # runs before validation and must refuse as cleanly.
    st.builds(
        ProjectCase,
        st.lists(
            st.one_of(
                _structural_ops(SAMPLE_V1_DOC, _v1_market_paths),
                _structural_ops(SAMPLE_V1_DOC, SAMPLE_V1_PATHS),
            ),
            min_size=1,
            max_size=2,
        ).map(tuple),
        st.just(()),
        st.just(1),
    ),
)


@st.composite
def typed_numbers(draw: st.DrawFn) -> str:
    """A number as a person might type it, within reason or not: "$-1,234.5e3 kW", "(7%)"."""
    digits = draw(
        st.one_of(
            st.integers(0, 10**6).map(str),
            st.integers(0, 10**12).map(lambda n: f"{n:,}"),
            st.sampled_from(["", "0", "00", "1" + "0" * 400, "1,23", "1,,000", "١٢٣", "１２"]),
        )
    )
    decimal = draw(st.sampled_from(["", "", ".", ".5", ".000001", ".9999999999999999999"]))
    exponent = draw(st.sampled_from(["", "", "", "e308", "e-320", "E+5", "e", "e400", "e-5"]))
    unit = draw(
        st.sampled_from(
            ["", "", "%", " %", "W", " kW", "MW", "TH/s", " PH/s", "gh/s", " USD", "$", "k"]
        )
    )
    text = f"{digits}{decimal}{exponent}{unit}"
    wrap = draw(st.sampled_from(["{}", "{}", "-{}", "+{}", "({})", "${}", "-${}", "$-{}", " {} "]))
    return json.dumps(wrap.format(text), ensure_ascii=False)


extreme_cases = st.builds(
    ProjectCase,
    st.lists(
        st.builds(
            Op,
            st.just("replace"),
            st.sampled_from(NUMBER_PATHS),
            st.one_of(st.sampled_from(EXTREME_NAMES), typed_numbers()),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
)


# ---------------------------------------------------------------------- fleet sheets


CATALOG_NAMES = [m["name"] for m in SAMPLE_DOC["catalog"]]
SITE_NAMES = [s["name"] for s in SAMPLE_DOC["sites"]]
UNITS = {"hashrate_th": ["", " (TH/s)", " (PH/s)", " [GH/s]"], "power_w": ["", " (W)", " (kW)"]}


@st.composite
def headers(draw: st.DrawFn) -> list[str]:
    """A header row: model and count columns (mostly), others at random, any case."""
    fields = list(SYNONYMS)
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=9, unique=True))
    for must in ("model", "count"):  # usually present, so rows get read
        if must not in chosen and draw(st.integers(0, 9)) > 0:
            chosen.insert(draw(st.integers(0, len(chosen))), must)
    names = []
    for fieldname in chosen:
        word = draw(st.sampled_from(SYNONYMS[fieldname]))
        word = draw(st.sampled_from([word, word.upper(), word.title(), f" {word} "]))
        unit = draw(st.sampled_from(UNITS.get(fieldname, [""])))
        names.append(word + unit)
    if draw(st.integers(0, 9)) == 0:
        names.append(draw(st.sampled_from(["", "Extra", "\u202eevil", "x" * 5000])))
    return names


_number_texts = st.one_of(
    st.integers(-10, 5000).map(str),
    st.sampled_from(
        [
            "1,000",
            "1.000",
            "1 000",
            "1\u00a0000",
            "200,5",
            "3.500,00",
            "1.234.567,89",
            "$3,500",
            "3,500 USD",
            "(1,200)",
            "-0",
            "1e309",
            "-1e309",
            "inf",
            "nan",
            "NaN",
            "Infinity",
            "1e-300",
            "1e308",
            "9" * 400,
            "9" * 5000,
            "12abc",
            "97%",
            "3.5 kW",
            "0.2 PH/s",
            "",
            " ",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
_date_texts = st.sampled_from(
    [
        "2025-01",
        "2025-1",
        "2025-01-15",
        "01/2025",
        "Jan 2025",
        "January 2025",
        "12/31/2025",
        "31.12.2025",
        "2025/12",
        "9999-12",
        "0000-00",
        "0001-01",
        "2026-02-30",
        "2025-13",
        "yesterday",
        "",
    ]
)
_text_cells = st.one_of(
    st.sampled_from(CATALOG_NAMES + SITE_NAMES + ["Total", "Subtotal", "\u202eS21", "S21\x00"]),
    st.text(max_size=30),
)
# Put into one cell of a sheet now and then (they stop the read early, masking the rest).
HUGE_CELLS = ["x" * 200_000, "\u202e" * 1000, "9" * 5000]


@st.composite
def _with_huge_cell(draw: st.DrawFn, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    if not rows or not rows[0] or draw(st.integers(0, 9)) > 0:
        return rows
    r = draw(st.integers(0, len(rows) - 1))
    c = draw(st.integers(0, len(rows[r]) - 1))
    row = list(rows[r])
    row[c] = draw(st.sampled_from(HUGE_CELLS))
    return [*rows[:r], tuple(row), *rows[r + 1 :]]


def cell_texts(fieldname: str) -> st.SearchStrategy[str]:
    if fieldname in ("model", "site", "name", "notes"):
        return _text_cells
    if fieldname.endswith("_month"):
        return st.one_of(_date_texts, _text_cells)
    return st.one_of(_number_texts, _text_cells)


def _field_of(header: str) -> str:
    from planner.io.fleet_import import map_header

    mapping = map_header([header])
    return next(iter(mapping), "notes")


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 40:
        return f"<{len(value)} chars {value[:10]!r}...>"
    return value


@dataclass(frozen=True, repr=False)
class CsvCase(_ShortRepr):
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    delimiter: str
    quoting: int
    encoding: str
    title_rows: int
    junk: tuple[tuple[float, bytes], ...] = ()
    variant: str = "table"  # table, empty, header only, blank lines
    line_end: str = "\r\n"

    def __repr__(self) -> str:
        rows = [tuple(_short(c) for c in r) for r in self.rows]
        return (
            f"CsvCase({self.variant}, {self.encoding}, delim={self.delimiter!r}, "
            f"line_end={self.line_end!r}, "
            f"quoting={self.quoting}, titles={self.title_rows}, junk={self.junk!r}, "
            f"header={[_short(h) for h in self.header]!r}, rows={rows!r})"
        )

    def render(self) -> bytes:
        if self.variant == "empty":
            return b""
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, delimiter=self.delimiter, quoting=self.quoting, lineterminator=self.line_end
        )
        for i in range(self.title_rows):
            writer.writerow([f"Fleet inventory {i}"])
        writer.writerow(self.header)
        if self.variant != "header only":
            for row in self.rows:
                writer.writerow(row)
                if self.variant == "blank lines":
                    buffer.write(self.line_end)
        text = buffer.getvalue()
        if self.encoding == "utf-16":
            data = text.encode("utf-16")  # with a BOM
        else:
            data = text.encode(self.encoding, errors="replace")
        out = bytearray(data)
        for position, junk in self.junk:
            at = int(position * len(out))
            out[at:at] = junk
        return bytes(out)


@st.composite
def csv_cases(draw: st.DrawFn) -> CsvCase:
    header = draw(headers())
    fields = [_field_of(h) for h in header]
    rows = draw(
        st.lists(
            st.tuples(*[cell_texts(f) for f in fields]) if fields else st.just(()),
            min_size=0,
            max_size=5,
        )
    )
    rows = draw(_with_huge_cell(rows))
    junk = draw(
        st.one_of(
            st.just(()),
            st.lists(
                st.tuples(
                    st.floats(0, 1),
                    st.sampled_from(
                        [b"\x00", b"\xff\xfe", b"\x81\x8d", b"\xc3", b"\r", b'"', b"\x1a"]
                    ),
                ),
                max_size=2,
            ).map(tuple),
        )
    )
    return CsvCase(
        header=tuple(header),
        rows=tuple(tuple(r) for r in rows),
        delimiter=draw(st.sampled_from([",", ";", "\t"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])),
        title_rows=draw(st.integers(0, 2)),
        junk=junk,
        variant=draw(st.sampled_from(["table"] * 6 + ["empty", "header only", "blank lines"])),
        line_end=draw(st.sampled_from(["\r\n", "\n", "\r"])),
    )


@st.composite
def clean_csv_cases(draw: st.DrawFn) -> CsvCase:
    """A table any spreadsheet could save: catalog models, whole counts, known sites,
    months, and hashrates with the decimal mark that goes with the delimiter."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    comma_decimals = delimiter != "," and draw(st.booleans())
    header = ["Model", "Qty", "Site", "Purchase date", "TH/s"]
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        hashrate = f"{draw(st.integers(1, 999))}.{draw(st.integers(0, 9))}"
        rows.append(
            (
                draw(st.sampled_from(CATALOG_NAMES)),
                str(draw(st.integers(1, 9_999))),
                draw(st.sampled_from(SITE_NAMES)),
                f"20{draw(st.integers(20, 29))}-{draw(st.integers(1, 12)):02d}",
                hashrate.replace(".", ",") if comma_decimals else hashrate,
            )
        )
    return CsvCase(
        header=tuple(header),
        rows=tuple(rows),
        delimiter=delimiter,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])),
        title_rows=draw(st.integers(0, 2)),
        line_end=draw(st.sampled_from(["\r\n", "\n", "\r"])),
    )


def save_workbook(book: Any, target: Any) -> None:
    """openpyxl's save, without the EncodingWarning its worksheet writer gives under
    `python -X warn_default_encoding` (a scratch file opened in text mode, then written
    as bytes): the warning is openpyxl's, not the planner's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=EncodingWarning)
        book.save(target)


_FORMULA = "FORMULA"


def xlsx_cell_values(fieldname: str) -> st.SearchStrategy[Any]:
    return st.one_of(
        cell_texts(fieldname),
        st.integers(-(10**20), 10**20),
        st.sampled_from([0, 1, 100, 4000, 3.5, 200.5, -1, 1e308, 1e-300, 2**63]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.dates(date(1900, 3, 1), date(9999, 12, 31)),
        st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
        st.just(None),
        st.just(_FORMULA),
    )


@dataclass(frozen=True, repr=False)
class XlsxCase(_ShortRepr):
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title_rows: int
    merges: tuple[str, ...]
    stray: tuple[str, ...]
    sheet_title: str
    extra_sheets: int

    def __repr__(self) -> str:
        rows = [tuple(_short(c) for c in r) for r in self.rows]
        return (
            f"XlsxCase(titles={self.title_rows}, merges={self.merges!r}, "
            f"stray={self.stray!r}, sheet={self.sheet_title!r}, extra={self.extra_sheets}, "
            f"header={[_short(h) for h in self.header]!r}, rows={rows!r})"
        )

    def write(self, path: Path) -> None:
        import openpyxl
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        book = openpyxl.Workbook()
        ws = book.active
        ws.title = self.sheet_title
        for i in range(self.extra_sheets):
            book.create_sheet(f"Other {i}")["A1"] = "Model"
        for i in range(self.title_rows):
            ws.cell(row=i + 1, column=1, value=f"Fleet inventory {i}")
        top = self.title_rows + 1
        for c, name in enumerate(self.header, start=1):
            ws.cell(row=top, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", name))
        for r, row in enumerate(self.rows, start=top + 1):
            for c, value in enumerate(row, start=1):
                if value == _FORMULA:
                    value = f"=A{r}*2"
                elif isinstance(value, str):  # what a worksheet cannot hold at all
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                ws.cell(row=r, column=c, value=value)
        for where in self.merges:
            ws.merge_cells(where)
        for where in self.stray:
            ws[where] = "stray"
        save_workbook(book, path)


_SAFE_SHEET_CHARS = st.characters(
    blacklist_characters="[]:*?/\\'", blacklist_categories=["Cs", "Cc"]
)


@st.composite
def xlsx_cases(draw: st.DrawFn) -> XlsxCase:
    header = draw(headers())
    fields = [_field_of(h) for h in header]
    rows = draw(st.lists(st.tuples(*[xlsx_cell_values(f) for f in fields]), min_size=0, max_size=4))
    rows = draw(_with_huge_cell(rows))
    title_rows = draw(st.integers(0, 2))
    last = title_rows + 1 + len(rows)
    merges = draw(
        st.lists(
            st.sampled_from(
                ["A1:C1", f"A{title_rows + 1}:B{title_rows + 1}", f"B{last}:B{last + 1}", "C2:D3"]
            ),
            max_size=2,
            unique=True,
        )
    )
    stray = draw(st.lists(st.sampled_from(["XFD1", "AA300", "A3000", "Z99"]), max_size=1))
    return XlsxCase(
        header=tuple(header),
        rows=tuple(rows),
        title_rows=title_rows,
        merges=tuple(merges),
        stray=tuple(stray),
        sheet_title=draw(
            st.one_of(
                st.sampled_from(["Fleet", "Sheet1", "fleet "]),
                st.text(_SAFE_SHEET_CHARS, min_size=1, max_size=31),
            )
        ),
        extra_sheets=draw(st.integers(0, 2)),
    )


# ---------------------------------------------------------------------- running and checks


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    escaped: BaseException | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise _TooSlow in the main thread after `seconds` (a hang must not stall the run).

    Where there is no interval timer (Windows) the code runs unbounded.
    """
    if not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(_signum: int, _frame: Any) -> None:
        raise _TooSlow(f"took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """planner.cli.main in-process; an exception that escapes it is kept, not raised."""
    import time

    capsys.readouterr()
    start = time.perf_counter()
    escaped: BaseException | None = None
    code: int | None
    try:
        with time_limit(SLOW_SECONDS):
            code = main(list(args))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except Exception as error:  # the suite reports it as a failure, with its type
        code, escaped = None, error
    out, err = capsys.readouterr()
    return Outcome(code, out, err, escaped, time.perf_counter() - start)


def error_output_problems(err: str) -> list[str]:
    """What is wrong with the stderr of a refused input (empty list: fine).

    Each message starts `planner: error:`; a message naming several problems continues
    on lines indented by two spaces (docs/project-format.md, "Errors").
    """
    problems = []
    if "Traceback" in err:
        problems.append("a traceback on stderr")
    lines = err.splitlines()
    if not lines:
        problems.append("exit 2 with nothing on stderr")
    elif not lines[0].startswith("planner: error:"):
        problems.append(f"first stderr line is not 'planner: error:': {lines[0][:200]!r}")
    for line in lines[1:]:
        if not (line.startswith("planner: error:") or line.startswith("  ")):
            problems.append(f"stray stderr line {line[:200]!r}")
            break
    long = [line for line in lines if len(line) > MAX_STDERR_LINE]
    if long:
        problems.append(
            f"stderr line of {len(long[0]):,} characters (bad value not shortened): "
            f"{long[0][:120]!r}..."
        )
    return problems


def outcome_problems(outcome: Outcome) -> list[str]:
    """Problems common to every command: exit 0 or 2, nothing escaping, no traceback."""
    if outcome.escaped is not None:
        error = outcome.escaped
        return [f"{type(error).__name__} escaped planner.cli.main: {str(error)[:300]}"]
    if outcome.code not in (0, 2):
        return [f"exit status {outcome.code}"]
    if outcome.code == 2:
        return error_output_problems(outcome.err)
    if "Traceback" in outcome.err:
        return ["a traceback on stderr with exit 0"]
    return []


def _no_constants(name: str) -> Any:
    raise ValueError(f"non-finite {name} in the report JSON")


def nonfinite_in_json(text: str) -> list[str]:
    """Paths of non-finite numbers in JSON text (NaN/Infinity tokens, overflowing floats)."""
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except ValueError as error:
        return [f"report JSON does not parse strictly: {str(error)[:200]}"]
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        elif isinstance(node, float) and not math.isfinite(node):
            found.append(f"{path} = {node}")

    walk(data, "$")
    return found[:5]


def note(label: str) -> None:
    """A hypothesis event (shown by --hypothesis-show-statistics) when inside a @given."""
    if currently_in_test_context():
        event(label)


def files_beside(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}
