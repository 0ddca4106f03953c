"""File > Import prices…: the dialog shows what the file holds or its problems by line;
confirmed, the profile goes on the chosen site as one undo step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox

ERCOT_HEADER = (
    "Delivery Date,Delivery Hour,Delivery Interval,Repeated Hour Flag,"
    "Settlement Point Name,Settlement Point Type,Settlement Point Price\n"
)


def plain(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text("timestamp,usd_per_mwh\n" + body, encoding="utf-8")
    return path


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_menu_has_the_command(window) -> None:
    files = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in files.actions()]
    assert texts[texts.index("Import fleet…") + 1] == "Import prices…"


def test_prices_go_on_the_chosen_site_as_one_undo_step(window, tmp_path: Path) -> None:
    path = plain(tmp_path, "".join(f"2024-07-01 {h:02d}:00,{40 + h}\n" for h in range(24)))
    before = window.document.project
    seen = []

    def confirm(dialog) -> bool:
        seen.append(dialog)
        dialog.site_box.setCurrentIndex(1)
        dialog.scale_box.setChecked(True)
        return True

    window.confirm_import = confirm
    assert window.import_prices(path)
    dialog = seen[0]
    # 40..63: mean 51.5; July is CDT, so the span is local 00:00 to 23:00.
    assert dialog.summary.toPlainText() == (
        "24 hourly prices from 2024-07-01 00:00 to 2024-07-01 23:00 (America/Chicago), "
        "mean 51.50 USD/MWh, 40.00 to 63.00"
    )
    assert not dialog.point_box.count()
    site = window.document.project.sites[1]
    assert site.price_profile is not None and site.price_profile.scale_to_contract
    assert site.price_profile.usd_per_mwh == [float(40 + h) for h in range(24)]
    assert window.document.project.sites[0] == before.sites[0]
    stack = window.document.undo_stack
    assert stack.count() == 1 and stack.undoText() == f"Import prices into {site.name}"
    stack.undo()
    assert window.document.project == before


def test_problems_are_shown_and_nothing_is_applied(window, tmp_path: Path) -> None:
    body = "2024-07-01 00:00,40\n2024-07-01 01:00,oops\n2024-07-01 03:00,41\n"
    path = plain(tmp_path, body)
    before = window.document.project
    seen = []
    window.confirm_import = lambda dialog: seen.append(dialog) or True  # forced through
    assert not window.import_prices(path)
    dialog = seen[0]
    assert dialog.summary.toPlainText().splitlines() == [
        "2 problem(s); nothing imported",
        "line 3: 2024-07-01 01:00: price 'oops' is not a number",
        # Two hours missing where one line was refused: the gap is said too.
        "line 4: gap: 2 missing interval(s) between 2024-07-01 00:00 (line 2) and 2024-07-01 03:00",
    ]
    assert not ok_button(dialog).isEnabled()
    assert window.document.project == before and window.document.undo_stack.count() == 0


def test_a_settlement_point_and_the_time_zone_are_chosen(window, tmp_path: Path) -> None:
    path = tmp_path / "hubs.csv"
    rows = [
        f"01/02/2024,{h},{q},N,{point},HU,{price + h}\n"
        for h in (1, 2)
        for q in (1, 2, 3, 4)
        for point, price in (("HB_NORTH", 10), ("HB_WEST", 500))
    ]
    path.write_text(ERCOT_HEADER + "".join(rows), encoding="utf-8")
    seen = []

    def confirm(dialog) -> bool:
        seen.append(dialog)
        assert [dialog.point_box.itemText(i) for i in range(2)] == ["HB_NORTH", "HB_WEST"]
        assert dialog.summary.toPlainText().startswith("8 15-minute prices")
        dialog.point_box.setCurrentIndex(1)
        dialog.zone_edit.setText("Nowhere/Else")
        dialog.zone_edit.editingFinished.emit()
        assert "unknown time zone 'Nowhere/Else'" in dialog.summary.toPlainText()
        assert not ok_button(dialog).isEnabled()
        dialog.zone_edit.setText("America/Chicago")
        dialog.zone_edit.editingFinished.emit()
        return True

    window.confirm_import = confirm
    assert window.import_prices(path)
    profile = window.document.project.sites[0].price_profile
    assert profile is not None and profile.source == "hubs.csv (HB_WEST)"
    assert profile.usd_per_mwh == [501.0] * 4 + [502.0] * 4


def test_a_site_with_a_profile_brings_its_time_zone(qtbot, window, tmp_path: Path) -> None:
    from planner.io.import_prices import read_prices, with_price_profile
    from planner.ui.import_prices_dialog import ImportPricesDialog

    path = plain(tmp_path, "2024-07-01 00:00,40\n2024-07-01 01:00,41\n")
    berlin = read_prices(path, time_zone="Europe/Berlin")
    project = with_price_profile(window.document.project, "Williston, ND", berlin)
    dialog = ImportPricesDialog(path, project, window)
    qtbot.addWidget(dialog)
    assert dialog.zone_edit.text() == "America/Chicago"  # the first site has no profile
    dialog.site_box.setCurrentText("Williston, ND")
    assert dialog.zone_edit.text() == "Europe/Berlin"
    # Local midnight in Berlin (CEST, UTC+2) is 22:00 UTC the day before.
    chosen = dialog.chosen_profile()
    assert chosen == berlin and chosen.start_utc == datetime(2024, 6, 30, 22, tzinfo=UTC)
