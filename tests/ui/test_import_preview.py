"""File > Import fleet…'s preview: the sheet's headers and row numbers, sites created in
the preview (with the rows, one undo step), and where each default degradation came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.io.resources import app_root

INVENTORY = app_root() / "samples" / "fleet-inventory.xlsx"
DALLAS = (
    "Acme Mining - ASIC inventory\n"
    "As of 2026-11-15\n"
    "\n"
    "Miner,Qty,Location,Unit cost ($),Purchase date\n"
    '"Antminer S21",100,Dallas,2800,2026-12\n'
    "\n"
    '"Antminer S21",50,"Pecos, TX",2800,2026-12\n'
    '"Antminer S21 XP",20,dallas,6939,2026-12\n'
)


def _run(qtbot, task) -> None:
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)


@pytest.fixture
def dallas(tmp_path: Path) -> Path:
    path = tmp_path / "dallas.csv"
    path.write_text(DALLAS, encoding="utf-8")
    return path


def test_the_preview_speaks_the_sheets_headers_and_row_numbers(qtbot, window) -> None:
    seen = []
    window.confirm_import = lambda dialog: seen.append(dialog) or False
    _run(qtbot, window.import_fleet(INVENTORY))
    dialog = seen[0]
    table = dialog.table
    rows = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert rows == ["5", "6", "7", "8", "10", "11", "12", "13", "14", "15"]  # 9 is blank
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:2] == ["PO #\n→ Batch", "Miner\n→ Rig model"]
    assert "Unit cost ($)\n→ Unit price (USD)" in headers
    assert "Degradation (%/yr)\n(default)" in headers  # the sheet has no such column
    assert "Unit cost ($) → Unit price (USD)" in dialog.columns.text()
    assert "unit_price_usd" not in dialog.columns.text() + "".join(headers)
    assert "row 5 is 'S19j Pro 2021'" in dialog.skip_box.text()
    lines = [dialog.issues.item(i).text() for i in range(dialog.issues.count())]
    assert "Skipped: row 9: blank row" in lines
    assert "New catalog model Bitmain Antminer S21e XP Hyd 3U (row 15): 860 TH/s, 11,180 W" in (
        lines
    )


def test_each_default_degradation_says_where_it_came_from(qtbot, window) -> None:
    seen = []
    window.confirm_import = lambda dialog: seen.append(dialog) or False
    _run(qtbot, window.import_fleet(INVENTORY))
    dialog = seen[0]
    table = dialog.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    column = headers.index("Degradation (%/yr)\n(default)")
    s21 = table.item(4, column)  # sheet row 10: an Antminer S21, a model the fleet runs
    assert s21.text() == "2.5% (as 'S21 2024')"
    assert s21.toolTip().splitlines() == [
        "Already in the fleet as 'S21 2024'",
        "Not in the sheet: as the fleet's Antminer S21 row 'S21 2024'",
    ]
    new = table.item(9, column)  # sheet row 15: a model new to the catalog
    assert new.text() == "2.5% (project default)"
    assert new.toolTip().startswith(
        "Not in the sheet: the project's default, the median of its 11 fleet rows"
    )
    s19j = table.item(0, column)
    assert s19j.text() == "4.0% (as 'S19j Pro 2021')"


def test_a_site_created_in_the_preview_comes_with_its_rows_in_one_undo_step(
    qtbot, window, sample, dallas: Path
) -> None:
    seen = []

    def confirm(dialog) -> bool:
        seen.append(dialog)
        box = dialog.sites_box
        assert list(box.inputs) == ["Dallas"]
        assert not dialog.import_button.isEnabled()  # no capacity yet
        assert box.status["Dallas"].text() == "type a capacity"
        box.inputs["Dallas"].setText("twelve")
        assert not dialog.import_button.isEnabled()
        assert box.status["Dallas"].text() == "'twelve' is not a number of MW"
        box.inputs["Dallas"].setText("12")
        box.contracts["Dallas"].setCurrentText("Ohio all-in hosting")
        assert dialog.import_button.isEnabled()
        assert box.status["Dallas"].text() == "will be created with 12 MW"
        return True

    window.confirm_import = confirm
    _run(qtbot, window.import_fleet(dallas))
    assert window.last_import_applied, window.errors
    after = window.document.project
    site = after.sites[-1]
    assert (site.name, site.capacity_mw, site.contract) == ("Dallas", 12.0, "Ohio all-in hosting")
    assert [(r.site, r.count) for r in after.fleet[len(sample.fleet) :]] == [
        ("Dallas", 100),
        ("Pecos, TX", 50),
        ("Dallas", 20),
    ]
    stack = window.document.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == "Import 3 fleet row(s) and 1 new site(s)"
    stack.undo()
    assert window.document.project == sample  # the site and its rows go together


def test_an_unknown_site_without_a_capacity_imports_nothing(
    qtbot, window, sample, dallas: Path
) -> None:
    seen = []
    window.confirm_import = lambda dialog: seen.append(dialog) or True  # forced through
    _run(qtbot, window.import_fleet(dallas))
    assert not seen[0].import_button.isEnabled()
    assert not window.last_import_applied
    assert window.errors[-1][0] == "Cannot import fleet"
    assert "nothing imported: rows 5, 8, Location ('Dallas'): unknown site" in window.errors[-1][1]
    assert window.document.project == sample
    assert window.document.undo_stack.count() == 0


def test_the_undo_step_counts_the_rows_it_added(qtbot, window) -> None:
    """The sample's own inventory: 9 of its 10 rows are left out as already in the fleet,
    so the step adds 1 row and says so."""
    window.confirm_import = lambda _dialog: True
    _run(qtbot, window.import_fleet(INVENTORY))
    assert window.document.undo_stack.undoText() == "Import 1 fleet row(s)"
