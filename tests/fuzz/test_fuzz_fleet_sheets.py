"""Fuzz: `import SHEET --into PROJECT` (`--dry-run`, `--replace`) with generated sheets.

Every import ends with exit 0 or 2 and no traceback. A refused import (and any dry run)
leaves the project byte for byte as it was, with nothing new beside it; an import that
succeeds leaves a project that loads and reports.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.io.project_file import load_project
from tests.child_peak import PEAK_KB_SOURCE
from tests.fuzz.conftest import (
    REPORT_PATHS,
    ROOT,
    SAMPLE_BYTES,
    CsvCase,
    ProjectCase,
    XlsxCase,
    clean_csv_cases,
    csv_cases,
    files_beside,
    fuzz_settings,
    nonfinite_in_json,
    note,
    outcome_problems,
    project_cases,
    run_cli,
    save_workbook,
    xlsx_cases,
)

# How the import is asked for: added to the fleet, a dry run, or replacing the fleet
# (refused without --yes, since the sample has swaps that name its rows).
MODES = {
    "add": [],
    "dry": ["--dry-run"],
    "replace": ["--replace"],
    "replace --yes": ["--replace", "--yes"],
}
modes = st.sampled_from(["add", "add", "dry", "dry", "replace", "replace --yes"])


def import_problems(
    capsys: pytest.CaptureFixture[str], sheet_name: str, write: Callable[[Path], None], mode: str
) -> list[str]:
    """Import the sheet `write` makes into a copy of the sample; what went wrong."""
    dry = mode == "dry"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = folder / "plan.json"
        project.write_bytes(SAMPLE_BYTES)
        sheet = folder / sheet_name
        write(sheet)
        before = files_beside(folder)
        args = ["import", str(sheet), "--into", str(project), *MODES[mode]]
        outcome = run_cli(capsys, *args)
        note(f"import ({mode}) exit {outcome.code}")
        problems = outcome_problems(outcome)
        if mode == "replace" and outcome.code == 0:
            problems.append("--replace without --yes dropped the sample's swaps and went ahead")
        after = files_beside(folder)
        if outcome.code != 0 or dry:
            if project.read_bytes() != SAMPLE_BYTES:
                problems.append(f"exit {outcome.code}: the project file changed")
            if after != before:
                problems.append(
                    f"exit {outcome.code}: files left beside it: {sorted(after - before)}"
                )
        if outcome.code == 0 and not dry:
            if after != before | {"plan.json.bak"}:
                problems.append(f"after the import the folder holds {sorted(after)}")
            try:
                load_project(project)
            except Exception as error:
                problems.append(f"the imported project does not load: {str(error)[:300]}")
            else:
                report = run_cli(capsys, "report", str(project), "--json", "--paths", REPORT_PATHS)
                if report.code != 0:
                    problems.append(
                        f"report on the imported project: exit {report.code}, "
                        f"{report.err[:300] or report.escaped!r}"
                    )
                else:
                    problems += nonfinite_in_json(report.out)
        return problems


@fuzz_settings(45)
@given(case=csv_cases(), mode=modes, suffix=st.sampled_from([".csv", ".txt", ".CSV"]))
def test_import_csv(capsys: pytest.CaptureFixture[str], case: CsvCase, mode: str, suffix: str):
    data = case.render()
    problems = import_problems(capsys, f"fleet{suffix}", lambda p: p.write_bytes(data), mode)
    assert not problems, "\n".join(problems)


@fuzz_settings(25)
@given(case=clean_csv_cases())
def test_clean_csv_imports_whatever_the_dialect(capsys: pytest.CaptureFixture[str], case: CsvCase):
    """A plain table imports row for row, whatever the delimiter, quoting, encoding and
    line ends (CR alone is what Excel's "CSV (Macintosh)" writes)."""
    with tempfile.TemporaryDirectory() as name:
        project = Path(name) / "plan.json"
        project.write_bytes(SAMPLE_BYTES)
        sheet = Path(name) / "fleet.csv"
        sheet.write_bytes(case.render())
        outcome = run_cli(capsys, "import", str(sheet), "--into", str(project))
        assert outcome.escaped is None and outcome.code == 0, (
            f"exit {outcome.code}: {outcome.err[:500] or outcome.escaped!r}"
        )
        fleet = load_project(project).fleet
    imported = fleet[len(fleet) - len(case.rows) :]
    assert [(r.model, r.count, r.site) for r in imported] == [
        (row[0], int(row[1]), row[2]) for row in case.rows
    ]


@fuzz_settings(40)
@given(case=xlsx_cases(), mode=modes)
def test_import_xlsx(capsys: pytest.CaptureFixture[str], case: XlsxCase, mode: str):
    problems = import_problems(capsys, "fleet.xlsx", case.write, mode)
    assert not problems, "\n".join(problems)


CLEAN_SHEET = b'Model,Qty,Site\r\nAntminer S21,10,"Pecos, TX"\r\n'


@fuzz_settings(30)
@given(case=project_cases, mode=modes)
def test_import_into_a_mutated_project(
    capsys: pytest.CaptureFixture[str], case: ProjectCase, mode: str
):
    """A sound sheet into a damaged project: refused with the project left as it was."""
    data = case.render()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        project = folder / "plan.json"
        project.write_bytes(data)
        sheet = folder / "fleet.csv"
        sheet.write_bytes(CLEAN_SHEET)
        outcome = run_cli(capsys, "import", str(sheet), "--into", str(project), *MODES[mode])
        note(f"import into a mutated project ({mode}) exit {outcome.code}")
        problems = outcome_problems(outcome)
        if outcome.code != 0 or mode == "dry":
            if project.read_bytes() != data:
                problems.append(f"exit {outcome.code}: the project file changed")
            if files_beside(folder) != {"plan.json", "fleet.csv"}:
                problems.append(f"files left beside it: {sorted(files_beside(folder))}")
        elif load_problem := _load_problem(project):
            problems.append(f"the imported project does not load: {load_problem}")
    assert not problems, "\n".join(problems)


def _load_problem(path: Path) -> str | None:
    try:
        load_project(path)
    except Exception as error:
        return f"{type(error).__name__}: {str(error)[:300]}"
    return None


@fuzz_settings(15)
@given(
    junk=st.binary(max_size=64),
    suffix=st.sampled_from([".xlsx", ".csv", ".xlsm"]),
    mode=modes,
)
def test_import_junk_and_damaged_files(
    capsys: pytest.CaptureFixture[str], junk: bytes, suffix: str, mode: str
):
    """Bytes that are no table: random junk, a zip that is cut short, an old-xls header."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", junk)
    variants = [
        junk,
        b"PK\x03\x04" + junk,
        buffer.getvalue()[: max(len(buffer.getvalue()) // 2, 1)],
        buffer.getvalue(),
        b"\xd0\xcf\x11\xe0" + junk,
    ]
    problems = []
    for index, data in enumerate(variants):
        found = import_problems(
            capsys, f"fleet{suffix}", lambda p, data=data: p.write_bytes(data), mode
        )
        problems += [f"variant {index}: {p}" for p in found]
    assert not problems, "\n".join(problems)


def _small_workbook() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Fleet"
    for row in [["Model", "Qty", "Site"], ["Antminer S21", 10, "Pecos, TX"], ["S19 XP", 5, ""]]:
        sheet.append(row)
    out = io.BytesIO()
    save_workbook(book, out)
    return out.getvalue()


SMALL_WORKBOOK = _small_workbook()
WORKBOOK_PARTS = sorted(zipfile.ZipFile(io.BytesIO(SMALL_WORKBOOK)).namelist())
_XML_JUNK = [
    b"",
    b"<",
    b"not xml",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>',
    b'<?xml version="1.0"?><worksheet><sheetData><row r="-1"><c r="ZZZZZ0"/></row>'
    b"</sheetData></worksheet>",
    b'<?xml version="1.0" encoding="utf-16"?><x/>',
    b"\xff\xfe\x00\x00",
]


@fuzz_settings(25)
@given(
    part=st.sampled_from(WORKBOOK_PARTS),
    junk=st.one_of(st.sampled_from(_XML_JUNK), st.binary(max_size=32)),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=2),
    mode=modes,
)
def test_import_damaged_workbooks(
    capsys: pytest.CaptureFixture[str],
    part: str,
    junk: bytes,
    flips: list[tuple[float, int]],
    mode: str,
):
    """A sound workbook with one part replaced by junk (entity bombs and bad XML among
    it), then a byte or two of the zip flipped."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(SMALL_WORKBOOK)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, junk if name == part else source.read(name))
    data = bytearray(buffer.getvalue())
    for position, mask in flips:
        data[min(int(position * len(data)), len(data) - 1)] ^= mask
    problems = import_problems(capsys, "fleet.xlsx", lambda p: p.write_bytes(bytes(data)), mode)
    assert not problems, "\n".join(problems)


def _zip_damage(kind: str) -> bytes:
    """The small workbook with its zip structure damaged in one place."""
    data = bytearray(SMALL_WORKBOOK)
    info = zipfile.ZipFile(io.BytesIO(SMALL_WORKBOOK)).getinfo("xl/worksheets/sheet1.xml")
    if kind == "corrupt deflate stream":
        at = info.header_offset
        name_length, extra_length = struct.unpack("<HH", SMALL_WORKBOOK[at + 26 : at + 30])
        data[at + 30 + name_length + extra_length + info.compress_size // 2] ^= 0xFF
    elif kind == "unknown compression method":  # in the sheet's central directory entry
        name = info.filename.encode()
        entry = SMALL_WORKBOOK.index(b"PK\x01\x02")
        while SMALL_WORKBOOK[entry + 46 : entry + 46 + len(name)] != name:
            entry = SMALL_WORKBOOK.index(b"PK\x01\x02", entry + 4)
        data[entry + 10 : entry + 12] = struct.pack("<H", 99)
    elif kind == "central directory offset out of the file":
        data[-3] ^= 0x89  # the high byte of the end record's offset of the central directory
    return bytes(data)


@pytest.mark.parametrize(
    "kind",
    [
        "corrupt deflate stream",
        "unknown compression method",
        "central directory offset out of the file",
    ],
)
def test_import_workbook_with_a_damaged_zip(capsys: pytest.CaptureFixture[str], kind: str):
    data = _zip_damage(kind)
    problems = import_problems(capsys, "fleet.xlsx", lambda p: p.write_bytes(data), "add")
    assert not problems, "\n".join(problems)


# Cells as a sheet's XML may hold them, sound or not: the import reads sheets with its own
# streaming parser, so every odd form a writer (or an attacker) can produce is fair game.
_CELLS = {
    "model": [
        '<c r="A{r}" t="inlineStr"><is><t>Antminer S21</t></is></c>',
        '<c r="A{r}" t="inlineStr"><is><r><t>Antminer</t></r><r><t> S21</t></r></is></c>',
        '<c r="A{r}" t="s"><v>0</v></c>',
        '<c r="A{r}" t="s"><v>999999</v></c>',
        '<c r="A{r}" t="s"><v>-1</v></c>',
        '<c r="A{r}" t="str"><f>B{r}</f></c>',
        '<c r="A{r}" t="inlineStr"><is><t>&#x202e;S21&amp;&lt;</t></is></c>',
        '<c r="A{r}" t="inlineStr"><is><t xml:space="preserve">  S21  </t></is></c>',
        '<c r="A{r}" t="inlineStr"></c>',
        '<c r="A{r}"/>',
        '<c t="inlineStr"><is><t>S21</t></is></c>',
    ],
    "count": [
        '<c r="B{r}" t="n"><v>10</v></c>',
        '<c r="B{r}"><v>abc</v></c>',
        '<c r="B{r}"><v>1e400</v></c>',
        '<c r="B{r}"><v>NaN</v></c>',
        '<c r="B{r}"><v>-INF</v></c>',
        '<c r="B{r}"><v>  7  </v></c>',
        '<c r="B{r}"><v></v></c>',
        '<c r="B{r}"><v>99999999999999999999999999999999999999999</v></c>',
        '<c r="B{r}" t="b"><v>2</v></c>',
        '<c r="B{r}" t="e"><v>#DIV/0!</v></c>',
        '<c r="B{r}" t="d"><v>not a date</v></c>',
        '<c r="B{r}" s="9999"><v>45000</v></c>',
        '<c r="B{r}"><f>SUM(A1:A2)</f></c>',
        '<c r="B{r}"><f>1+1</f><v>2</v></c>',
        '<c r="b{r}"><v>3</v></c>',
        '<c r="B{r}"><v>1</v><v>2</v></c>',
    ],
    "site": [
        '<c r="C{r}" t="inlineStr"><is><t>Pecos, TX</t></is></c>',
        '<c r="C{r}" t="inlineStr"><is><t>Nowhere</t></is></c>',
        '<c r="C{r}" t="n"><v>1</v></c>',
        "",
    ],
    "month": [
        '<c r="D{r}" t="inlineStr"><is><t>2025-01</t></is></c>',
        '<c r="D{r}" t="d"><v>2025-03-01T00:00:00</v></c>',
        '<c r="D{r}" t="d"><v>9999-12-31T23:59:59</v></c>',
        '<c r="D{r}" t="d"><v>0000-01-01</v></c>',
        '<c r="D{r}"><v>45000</v></c>',
        '<c r="D{r}"><v>-1</v></c>',
        '<c r="D{r}"><v>1e308</v></c>',
        "",
    ],
    "extra": [
        "",
        "",
        '<c r="XFD{r}"><v>1</v></c>',
        '<c r="ZZZZZ{r}"><v>1</v></c>',
        '<c r="A0"><v>1</v></c>',
        '<c r="E{r}" t="inlineStr"><is><t>x</t></is>',  # never closed
        '<c r="E{r}" t="inlineStr"><is><t>&#0;</t></is></c>',
    ],
}
_ROWS = [
    '<row r="{r}">',
    "<row>",
    '<row r="0">',
    '<row r="99999999999">',
    '<row r="{r}" spans="1:99999">',
]
_HEAD = "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
    for col, text in zip("ABCD", ["Model", "Qty", "Site", "Purchase date"], strict=True)
)


@st.composite
def sheet_xml(draw: st.DrawFn) -> str:
    rows = [f'<row r="1">{_HEAD}</row>']
    numbers = draw(st.lists(st.integers(2, 6), min_size=1, max_size=4))  # repeats, disorder
    for r in numbers:
        row = draw(st.sampled_from(_ROWS[:1] * 6 + _ROWS[1:])).format(r=r)
        cells = "".join(
            draw(st.sampled_from(_CELLS[kind])).format(r=r)
            for kind in ("model", "count", "site", "month", "extra")
        )
        rows.append(f"{row}{cells}</row>")
    dimension = draw(st.sampled_from(["A1:D6", "A1:XFD1048576", "", "A1"]))
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + "<sheetData>"
        + "".join(rows)
        + "</sheetData></worksheet>"
    )


@fuzz_settings(30)
@given(xml=sheet_xml(), mode=modes)
def test_import_hand_written_sheet_xml(capsys: pytest.CaptureFixture[str], xml: str, mode: str):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(SMALL_WORKBOOK)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, xml.encode() if name == "xl/worksheets/sheet1.xml" else data)
    problems = import_problems(
        capsys, "fleet.xlsx", lambda p: p.write_bytes(buffer.getvalue()), mode
    )
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------- real processes

MEMORY_LIMIT = 3 * 1024**3  # the process is stopped rather than let it take the machine
MAX_RSS_MB = 1_000
MAX_SECONDS = 45.0


def _stray_book(cell: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        ws.append(["Model", "Qty", "TH/s", "W"])
        ws.append(["S21", 10, 200, 3500])
        ws[cell] = "stray"
        save_workbook(book, path)

    return write


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


SUBPROCESS_SHEETS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "stray cell XFD1048576": ("fleet.xlsx", _stray_book("XFD1048576")),
    "utf-16 csv, 5000-digit count": (
        "fleet.csv",
        _bytes(("Model;Qty\r\nS21;" + "9" * 5000 + "\r\n").encode("utf-16")),
    ),
    "xlsx with a corrupt deflate stream": (
        "fleet.xlsx",
        _bytes(_zip_damage("corrupt deflate stream")),
    ),
    "csv with a NUL and a 1 MB field": (
        "fleet.csv",
        _bytes(b"Model,Qty,Notes\r\nS21,\x00 10," + b"x" * 1_000_000 + b"\r\n"),
    ),
}


# `python -m planner` that writes its own peak memory (KB) to FUZZ_PEAK_FILE at exit
# (tests/child_peak.py says why the child measures itself).
_PLANNER_WITH_PEAK = (
    """
import atexit, os, runpy, sys
"""
    + PEAK_KB_SOURCE
    + """
def write_peak():
    with open(os.environ["FUZZ_PEAK_FILE"], "w", encoding="ascii") as out:
        out.write(str(peak_kb()))

atexit.register(write_peak)
sys.argv[0] = "planner"
runpy.run_module("planner", run_name="__main__", alter_sys=True)
"""
)


def _limit_memory() -> None:
    import resource  # POSIX only; this test is skipped on Windows

    with contextlib.suppress(ValueError, OSError):  # macOS may refuse the limit
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.skipif(sys.platform == "win32", reason="held to a POSIX memory limit")
@pytest.mark.parametrize("name", list(SUBPROCESS_SHEETS))
def test_import_in_a_real_process(tmp_path: Path, name: str):
    sheet_name, write = SUBPROCESS_SHEETS[name]
    folder = tmp_path / "work"
    folder.mkdir()
    project = folder / "plan.json"
    project.write_bytes(SAMPLE_BYTES)
    sheet = folder / sheet_name
    write(sheet)
    peak_file = tmp_path / "peak_kb"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OPENBLAS_NUM_THREADS": "1",
        "FUZZ_PEAK_FILE": str(peak_file),
    }
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _PLANNER_WITH_PEAK, "import", str(sheet), "--into", str(project)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
    )
    try:
        _, err_bytes = process.communicate(timeout=MAX_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running after {MAX_SECONDS:g} s")
    seconds = time.perf_counter() - start
    code = process.returncode
    err = err_bytes.decode("utf-8", "replace")
    peak_mb = (
        int(peak_file.read_text(encoding="ascii")) / 1024 if peak_file.exists() else float("nan")
    )
    assert "Traceback" not in err, err[-2000:]
    assert code in (0, 2), f"exit {code}: {err[-500:]}"
    assert "MemoryError" not in err, f"ran out of memory ({peak_mb:,.0f} MB): {err[:300]}"
    assert peak_mb < MAX_RSS_MB, f"peak memory {peak_mb:,.0f} MB (nan: the child never said)"
    lines = err.splitlines()
    assert all(len(line) <= 1_000 for line in lines), [len(line) for line in lines]
    if code == 2:
        assert lines and lines[0].startswith("planner: error:"), err[:500]
        assert project.read_bytes() == SAMPLE_BYTES
        assert files_beside(folder) == {"plan.json", sheet_name}
    else:
        load_project(project)
    assert seconds < MAX_SECONDS
