"""Reading tables safely: hostile workbooks, zip limits, merged cells, odd files and text."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from planner.io import table_reader
from planner.io.fleet_import import FleetImportError, import_fleet, read_table
from planner.io.project_file import load_project
from planner.io.resources import sample_project_path

sys.path.insert(0, str(Path(__file__).parent))
import hostile_workbooks as hostile


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


@pytest.fixture
def small_limits(monkeypatch):
    """Limits small enough to hit with files a test can write in a moment."""
    limits = table_reader.LIMITS
    for name, value in {
        "max_part_bytes": 8 << 20,
        "max_package_bytes": 12 << 20,
        "ratio_check_bytes": 1 << 20,
        "max_rows": 50,
    }.items():
        monkeypatch.setattr(limits, name, value)
    return limits


# ---------------------------------------------------------------------- hostile workbooks


POSIX_ONLY = pytest.mark.skipif(
    sys.platform == "win32", reason="measured with POSIX resource limits, FIFOs and devices"
)


@POSIX_ONLY
@pytest.mark.parametrize(
    "maker", [hostile.stray_cell, hostile.declared_dimension, hostile.empty_styled_rows]
)
def test_tiny_workbooks_read_fast_in_little_memory(tmp_path: Path, maker) -> None:
    """A stray cell at XFD1048576, a dimension of the whole grid, or a million formatted
    empty rows used to take the import to GBs and minutes (openpyxl pads to the
    dimension); now each reads as the 20-row table it is."""
    path = maker(tmp_path)
    got = hostile.measure(path, limit_mb=2000, timeout_s=60)
    assert got.outcome.startswith("read "), got
    assert got.cpu_seconds < 5 and got.peak_mb < 500, got


def test_a_stray_cell_past_the_last_column_read_is_named(tmp_path: Path) -> None:
    table = read_table(hostile.stray_cell(tmp_path))
    assert table.rows == [hostile.HEADER, *hostile.BODY]  # the far row holds nothing kept
    assert table.notes == ["values past column AMJ ignored (such as XFD1048576)"]


def test_values_in_the_last_column_are_ignored_with_a_note(tmp_path: Path) -> None:
    table = read_table(hostile.stray_column(tmp_path))
    assert table.rows[0] == hostile.HEADER and max(len(r) for r in table.rows) == 4
    assert table.notes == ["values past column AMJ ignored (such as XFD1)"]


def test_empty_rows_are_dropped_and_listed_as_one_gap(tmp_path: Path, sample) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Model", "Qty", "Site"])
    sheet.append(["Antminer S21", 3, "Pecos, TX"])
    sheet["A60"], sheet["B60"], sheet["C60"] = "Antminer S21", 4, "Pecos, TX"
    path = tmp_path / "gap.xlsx"
    book.save(path)
    plan = import_fleet(path, sample)
    assert plan.ok and [r.count for r in plan.rows] == [3, 4]
    assert [str(s) for s in plan.skipped] == ["row 3: 57 blank rows (to row 59)"]


def test_a_zip_bomb_is_refused_before_parsing(tmp_path: Path, small_limits) -> None:
    path = hostile.zip_bomb(tmp_path, inflated_bytes=10 << 20)  # 10 KB on disk
    with pytest.raises(FleetImportError, match=r"zip-bomb\.xlsx: refused: the part "):
        read_table(path)


def test_a_highly_compressed_part_is_refused(tmp_path: Path, small_limits) -> None:
    path = hostile.zip_bomb(tmp_path, inflated_bytes=4 << 20)
    with pytest.raises(FleetImportError, match=r"inflates [\d,]+ times .*a zip bomb"):
        read_table(path)


def test_a_workbook_inflating_past_the_total_is_refused(tmp_path: Path, monkeypatch) -> None:
    """The total counts the parts the import reads: here less than their sum."""
    path = hostile.small_workbook(tmp_path / "ok.xlsx")
    with zipfile.ZipFile(path) as archive:
        parts = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", hostile.SHEET)
        read = sum(archive.getinfo(name).file_size for name in parts)
    monkeypatch.setattr(table_reader.LIMITS, "max_package_bytes", read - 1)
    with pytest.raises(FleetImportError, match=r"ok\.xlsx: refused: the workbook would inflate"):
        read_table(path)


def test_parts_the_import_does_not_read_are_not_held_against_it(
    tmp_path: Path, small_limits
) -> None:
    """A big workbook (the planner's own, with its calculation sheets) imports its fleet: a
    sheet it does not read may inflate past the limits, since it is never inflated."""

    def another_sheet(sheet) -> None:
        other = sheet.parent.create_sheet("Calc")
        other.append(["x"] * 50)

    path = hostile.small_workbook(tmp_path / "big.xlsx", another_sheet)
    data = bytearray(path.read_bytes())
    other = b"xl/worksheets/sheet2.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # central directory entries: declare the other sheet at 900 MB
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == other:
            struct.pack_into("<I", data, at + 24, 900 << 20)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(other.decode()).file_size == 900 << 20
    table = read_table(path)
    assert len(table.rows) == len(hostile.BODY) + 1


@POSIX_ONLY
def test_a_part_that_lies_about_its_size_is_not_read_past_it(tmp_path: Path) -> None:
    path = hostile.lying_sizes(tmp_path, inflated_bytes=40 << 20)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(hostile.SHEET).file_size == 64 << 10
    got = hostile.measure(path, limit_mb=2000, timeout_s=60)
    assert "lying-sizes.xlsx: cannot read the workbook" in got.outcome, got
    assert got.peak_mb < 300, got


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def handmade_workbook(path: Path, rows: str, shared: list[str], date1904: bool = False) -> Path:
    """A workbook as Excel writes one: shared strings, a date style, `rows` as sheetData."""
    kinds = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    parts = {
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="r1" Type="{kinds}officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><workbookPr '
        f'date1904="{int(date1904)}"/><sheets><sheet name="Rigs" sheetId="1" r:id="s1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="s1" Type="{kinds}worksheet" '
        f'Target="worksheets/sheet1.xml"/><Relationship Id="s2" Type="{kinds}sharedStrings" '
        f'Target="sharedStrings.xml"/><Relationship Id="s3" Type="{kinds}styles" '
        'Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{"".join(shared)}</sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
        '<xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/>'
        f"<sheetData>{rows}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def test_shared_strings_rich_text_and_dates_as_excel_writes_them(tmp_path: Path) -> None:
    shared = [
        "<si><t>Model</t></si>",
        "<si><t>Online</t></si>",
        "<si><r><t>Antminer </t></r><r><rPr><b/></rPr><t>S21</t></r><rPh><t>ignored</t></rPh></si>",
    ]
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>46357</v></c></row>'
    )
    table = read_table(handmade_workbook(tmp_path / "excel.xlsx", rows, shared))
    assert table.sheet == "Rigs" and table.rows[1][0] == "Antminer S21"
    assert table.rows[1][1].date() == date(2026, 12, 1)
    table = read_table(handmade_workbook(tmp_path / "mac.xlsx", rows, shared, date1904=True))
    assert table.rows[1][1].date() == date(2030, 12, 2)


def test_a_shared_strings_bomb_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(table_reader.LIMITS, "max_shared_strings", 1_000)
    shared = ["<si><t>x</t></si>"] * 1_500
    path = handmade_workbook(tmp_path / "strings.xlsx", '<row r="1"/>', shared)
    with pytest.raises(FleetImportError, match=r"refused: more shared text than a fleet table"):
        read_table(path)


def test_rows_past_the_cap_are_refused_naming_file_and_sheet(
    tmp_path: Path, small_limits, monkeypatch
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Rigs"
    for i in range(60):
        book.active.append(["Antminer S21", i])
    path = tmp_path / "long.xlsx"
    book.save(path)
    with pytest.raises(FleetImportError, match=r"long\.xlsx: sheet 'Rigs' has more than 50 "):
        read_table(path)  # counted before parsing: "filled rows"
    monkeypatch.setattr(table_reader.LIMITS, "max_rows", 58)  # within the count's slack
    with pytest.raises(FleetImportError, match=r"'Rigs' has more than 58 rows with values"):
        read_table(path)
    csv_path = tmp_path / "long.csv"
    csv_path.write_text("".join(f"Antminer S21,{i}\n" for i in range(60)), encoding="utf-8")
    with pytest.raises(FleetImportError, match=r"long\.csv: more than 58 rows with values"):
        read_table(csv_path)


def test_formulas_without_values_are_found_in_the_same_pass(tmp_path: Path) -> None:
    path = hostile.small_workbook(tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["B5"] = "=2*3"
    book.active["E9"] = "=1/0"  # past the table's last column: still a formula to report
    book.save(path)
    table = read_table(path)
    assert table.uncached_formulas == {(4, 1), (8, 4)} and table.rows[4][1] is None


# ---------------------------------------------------------------------- merged cells


def test_a_merged_site_cell_applies_to_each_merged_row(tmp_path: Path, sample) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Model", "Qty", "Site"])
    sheet.append(["Antminer S21", 1, "Williston, ND"])
    sheet.append(["Antminer S21", 2])
    sheet.append(["Antminer S21", 3])
    sheet.append(["Antminer S21", 4, "Pecos, TX"])
    sheet.merge_cells("C2:C4")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    assert [(r.count, r.site) for r in plan.rows] == [
        (1, "Williston, ND"),
        (2, "Williston, ND"),
        (3, "Williston, ND"),
        (4, "Pecos, TX"),
    ]


def test_a_merged_range_over_the_whole_grid_costs_nothing(tmp_path: Path) -> None:
    plain = hostile.small_workbook(tmp_path / "plain.xlsx")
    path = tmp_path / "merged-all.xlsx"
    hostile._rewrite(
        plain,
        path,
        lambda xml: xml.replace(
            b"</worksheet>",
            b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>',
        ),
    )
    table = read_table(path)  # the range's value fills only its empty cells, on rows kept
    assert table.rows == [hostile.HEADER, *hostile.BODY]


# ---------------------------------------------------------------------- files that are not files


@POSIX_ONLY
def test_folders_fifos_and_devices_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FleetImportError, match=r"is a folder, not a table file"):
        read_table(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading would block
    with pytest.raises(FleetImportError, match=r"pipe\.csv: is a named pipe \(FIFO\)"):
        read_table(fifo)
    with pytest.raises(FleetImportError, match=r"/dev/zero: is a device"):
        read_table(Path("/dev/zero"))


# ---------------------------------------------------------------------- text files


def test_bytes_invalid_in_every_encoding_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"Model,Qty\nS21,\x81\x8d\n")
    with pytest.raises(FleetImportError, match=r"byte 0x81 at offset 14 is not valid UTF-8"):
        read_table(path)


def test_excel_unicode_text_is_read(tmp_path: Path, sample) -> None:
    path = tmp_path / "fleet.txt"
    text = "Model\tQty\tSite\tNotes\r\nAntminer S21\t12\tPecos, TX\tcaf\u00e9 \u2013 ok\r\n"
    path.write_bytes(text.encode("utf-16"))  # with a BOM, as Excel saves "Unicode text"
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    assert plan.rows[0].count == 12 and plan.rows[0].notes == "caf\u00e9 \u2013 ok"


def test_a_field_past_the_csv_field_limit_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "huge-field.csv"
    path.write_text('Model,Qty\n"' + "x" * 200_000 + '",1\n', encoding="utf-8")
    with pytest.raises(FleetImportError, match=r"row 2: a field longer than 131,072 characters"):
        read_table(path)


def test_binary_data_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "blob.csv"
    path.write_bytes(b"Model,Qty\n" + bytes(range(1, 9)) * 10 + b"\x00\x00\x00")
    with pytest.raises(FleetImportError, match=r"not a text table"):
        read_table(path)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Fleet list\nModel;Qty;Power (kW)\nS21;10;3,5\nS19;4;3,25\n", ";"),
        ('Model,Qty,Site\nS21,10,"Pecos, TX"\nS19,4,"Williston, ND"\n', ","),
        ("Model\tQty\tPrice\nS21\t10\t1,200.50\n", "\t"),
        ("Model|Qty\nS21|10\n", "|"),
    ],
)
def test_the_delimiter_comes_from_the_data(text: str, delimiter: str) -> None:
    assert table_reader.sniff_delimiter(text) == delimiter


def test_sizes_in_zip_headers_are_what_the_check_reads(tmp_path: Path, small_limits) -> None:
    """A declared size past the limit is refused without inflating anything."""
    path = hostile.small_workbook(tmp_path / "declared.xlsx")
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into("<I", data, at + 24, 900 << 20)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(FleetImportError, match=r"would inflate to 900 MB"):
        read_table(path)


def test_carriage_returns_alone_end_lines(tmp_path: Path) -> None:
    """Excel's "CSV (Macintosh)" ends lines with CR alone; found by tests/fuzz."""
    path = tmp_path / "mac.csv"
    path.write_bytes(b'Model;Qty;Site\rAntminer S21;5;"Pecos, TX"\rAntminer S19;7;Williston\r')
    table = read_table(path)
    assert table.rows[2] == ["Antminer S19", "7", "Williston"] and table.decimal_hint == ","
