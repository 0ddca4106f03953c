"""The fleet NPV's bridge opens from the KPI strip and adds up to the NPV shown."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from planner.engine import run
from planner.io.display import money


def test_the_bridge_opens_from_the_fleet_npv_and_adds_up(window, sample) -> None:
    strip = window.kpis
    assert 'href="bridge"' in strip._note["npv"].text()
    opened = []
    strip._note["npv"].linkActivated.connect(lambda _link: opened.append(True))
    strip._note["npv"].linkActivated.emit("bridge")
    assert opened
    dialog = strip.show_bridge()
    assert dialog is not None
    results = run(sample)
    names = list(results.inputs.row_names)
    labels = [label for label, _site, _value in dialog.rows]
    assert labels[: len(names)] == names
    assert "Pecos, TX: demand charges" in labels
    assert dialog.rows[-1] == ("Fleet NPV", "", money(float(results.fleet_kpis.npv_usd[0]), False))
    assert dialog.table.rowCount() == len(dialog.rows)
    dialog.copy()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "Line\tSite\tNPV (USD)"
    assert copied[-1] == "Fleet NPV\t\t" + money(float(results.fleet_kpis.npv_usd[0]), False)
    dialog.close()
