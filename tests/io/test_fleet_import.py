"""Importing a fleet table from xlsx or CSV: mapping, units, catalog matching, bad files."""

from __future__ import annotations

import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from planner.cli import main
from planner.io.fleet_import import FleetImportError, import_fleet, read_table
from planner.io.project_file import load_project
from planner.io.resources import app_root, sample_project_path

INVENTORY = app_root() / "samples" / "fleet-inventory.xlsx"


@pytest.fixture(scope="module")
def sample():
    return load_project(sample_project_path())


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_the_messy_sample_inventory_imports_cleanly(sample) -> None:
    plan = import_fleet(INVENTORY, sample)
    assert plan.ok and plan.header_row == 4
    assert plan.mapping["model"] == "Miner" and plan.mapping["power_w"] == "Power (kW)"
    assert len(plan.rows) == 10 and sum(r.count for r in plan.rows) == 17_720
    first = plan.rows[0]
    assert (first.name, first.model, first.site, first.count) == (
        "PO-2021-014",
        "Antminer S19j Pro",  # "antminer s19j pro" matched case-insensitively
        "Hosted - Ohio",
        4_000,
    )
    assert (
        f"{first.purchase_month:%Y-%m}" == "2021-09" and f"{first.online_month:%Y-%m}" == "2021-10"
    )
    assert plan.rows[1].count == 2_000 and plan.rows[1].unit_price_usd == 4_100  # "2,000", "$4,100"
    assert plan.rows[2].model == "Antminer S19 XP Hyd"  # "Antminer S19XP Hyd": spacing ignored
    assert plan.rows[5].purchase_month.month == 9  # "Sep 2024"
    (new,) = plan.new_models
    assert (new.name, new.hashrate_th, new.power_w) == (
        "Bitmain Antminer S21e XP Hyd 3U",
        860,
        11_180,
    )
    assert [(s.row, s.reason) for s in plan.skipped] == [
        (9, "blank row"),
        (16, "subtotal row"),
        (17, "subtotal row"),
    ]
    imported = plan.apply(sample, replace=True)
    assert len(imported.fleet) == 10 and imported.catalog[-1].name == new.name


def test_csv_with_synonyms_and_units(tmp_path: Path, sample) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text(
        "ASIC;Units;Hashrate (PH/s);W;Price;Site;Purchased\n"
        "S21 XP;100;0.27;3645;6939;Pecos, TX;2026-12\n"
        "Mystery 9000;5;0.5;5 kW;1000;pecos, tx;01/2027\n",
        encoding="utf-8",
    )
    plan = import_fleet(path, sample)
    assert plan.ok, plan.problems
    assert plan.rows[0].model == "Antminer S21 XP" and plan.rows[0].count == 100
    mystery = plan.new_models[0]
    assert (mystery.hashrate_th, mystery.power_w) == (500.0, 5_000.0)  # PH/s and kW converted
    assert plan.rows[1].site == "Pecos, TX" and f"{plan.rows[1].purchase_month:%Y-%m}" == "2027-01"


def test_row_problems_name_row_column_value_and_reason(tmp_path: Path, sample) -> None:
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["Model", "Qty", "Site", "Purchase date"],
            ["Antminer S21", "lots", "Pecos, TX", "2026-12"],
            ["Unknown Rig", 10, "Pecos, TX", "2026-12"],
            ["Antminer S21", 10, "Mars", "2026-12"],
            ["Antminer S21", 10, "Pecos, TX", "someday"],
            ["Antminer S21", 10, "Pecos, TX", datetime(2026, 12, 5)],
        ],
    )
    plan = import_fleet(path, sample)
    assert [str(p) for p in plan.problems] == [
        "row 2, Qty ('lots'): cannot read 'lots' as a number",
        "row 3, Model ('Unknown Rig'): not in the catalog, and the sheet gives no hashrate and "
        "power to add it",
        "row 5, Purchase date ('someday'): not a date or a month (YYYY-MM)",
    ]
    # A site the project lacks is not a problem of the file: its row waits for the site.
    assert [str(p) for p in plan.site_problems()] == [
        "row 4, Site ('Mars'): unknown site "
        "(the project has: Pecos, TX, Hosted - Ohio, Williston, ND)",
    ]
    assert len(plan.rows) == 2 and not plan.ok


def test_not_a_workbook(tmp_path: Path, sample) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("just text", encoding="utf-8")
    with pytest.raises(FleetImportError, match=r"fake\.xlsx: not a workbook"):
        read_table(path)


def test_encrypted_or_legacy_workbook(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(FleetImportError, match=r"encrypted workbook or an old \.xls"):
        read_table(path)


def test_truncated_workbook(tmp_path: Path) -> None:
    whole = INVENTORY.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(FleetImportError, match=r"cut\.xlsx: the workbook is damaged"):
        read_table(path)


def test_xml_entity_tricks_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "ok.xlsx"
    write_xlsx(source, [["Model", "Qty"], ["Antminer S21", 1]])
    bomb = tmp_path / "bomb.xlsx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', b"")
                data = laughs.encode() + data.replace(b">Qty<", b">&lol2;<")
            dst.writestr(item, data)
    with pytest.raises(FleetImportError, match=r"bomb\.xlsx: cannot read the workbook"):
        read_table(bomb)


def test_formulas_without_saved_values_are_reported(tmp_path: Path, sample) -> None:
    path = write_xlsx(
        tmp_path / "formulas.xlsx",
        [["Model", "Qty", "Site"], ["Antminer S21", "=5*20", "Pecos, TX"]],
    )  # written by openpyxl: formulas have no cached values
    plan = import_fleet(path, sample)
    assert plan.problems[0].reason.startswith("a formula without a saved value")
    assert plan.problems[0].column == "Qty"


def test_no_header_row(tmp_path: Path, sample) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    with pytest.raises(FleetImportError, match="no header row found"):
        import_fleet(path, sample)


def test_a_huge_sheet_imports_with_progress(tmp_path: Path, sample) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Big")
    sheet.append(["Model", "Qty", "Site", "Purchase date"])
    for i in range(100_000):
        sheet.append(["Antminer S21", 10 + i % 7, "Pecos, TX", "2026-12"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    seen: list[float] = []
    start = time.perf_counter()
    plan = import_fleet(path, sample, progress=seen.append)
    elapsed = time.perf_counter() - start
    assert plan.ok and len(plan.rows) == 100_000
    assert seen[-1] == 1.0 and len(seen) > 5 and seen == sorted(seen)
    print(f"100,000-row sheet planned in {elapsed:.1f} s")


def test_cli_import_dry_run_and_errors(tmp_path: Path, capsys) -> None:
    project = tmp_path / "plan.json"
    project.write_bytes(sample_project_path().read_bytes())
    before = project.read_bytes()
    assert main(["import", str(INVENTORY), "--into", str(project), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "10 row(s) to import, 17,720 rigs" in out and "dry run" in out
    assert project.read_bytes() == before
    bad = write_xlsx(tmp_path / "bad.xlsx", [["Model", "Qty"], ["Antminer S21", -3]])
    assert main(["import", str(bad), "--into", str(project)]) == 2
    err = capsys.readouterr().err
    assert "row 2, Qty ('-3'): must be >= 0, got -3" in err and "nothing imported" in err
    assert project.read_bytes() == before
    assert main(["import", str(INVENTORY), "--into", str(project)]) == 0
    assert len(load_project(project).fleet) == 11 + 10
    assert (tmp_path / "plan.json.bak").read_bytes() == before


def test_rows_already_in_the_fleet_are_found_and_can_be_left_out(sample) -> None:
    """The sample's inventory holds 9 of the fleet's own rows: adding it as it is would
    count 9 batches twice; left out, only the new row is added; a replace takes all 10."""
    plan = import_fleet(INVENTORY, sample)
    already = plan.already_in(sample)
    assert len(already) == 9 and len(plan.rows) == 10
    fleet = {(r.model, r.site, r.count, r.purchase_month): r.name for r in sample.fleet}
    for i, name in already.items():
        row = plan.rows[i]
        assert fleet[(row.model, row.site, row.count, row.purchase_month)] == name
    assert len(plan.apply(sample).fleet) == 11 + 10
    assert len(plan.apply(sample, skip_already_in=True).fleet) == 11 + 1
    assert len(plan.apply(sample, replace=True, skip_already_in=True).fleet) == 10
