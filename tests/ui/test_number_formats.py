"""One way to show each figure in the window: the KPI strip and the tables write money
alike (whole dollars, thousands grouped), a column has one scale, "n/a" is no answer."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import Qt

from planner.engine.sensitivity import compare_scenarios
from planner.io import display
from planner.ui.decisions.results_table import ResultTable
from planner.ui.decisions.scenarios import HEADERS, scenario_row
from planner.ui.kpi import KpiStrip
from planner.ui.monthly_tab import cell_text

WHOLE_DOLLARS = re.compile(r"^-?\$\d{1,3}(,\d{3})*$")


def _column(model, key: str) -> list[str]:
    c = model.column_index(key)
    return [model.data(model.index(r, c)) for r in range(model.rowCount())]


def test_kpi_strip_npv_is_the_scenarios_tables_base_npv(qtbot, window) -> None:
    document = window.document
    strip = KpiStrip(document)
    qtbot.addWidget(strip)
    table = ResultTable()
    qtbot.addWidget(table)
    project = document.project
    compared = compare_scenarios(project)
    table.show_rows(HEADERS, [scenario_row(n, r, project.active_scenario) for n, r in compared])
    base = table.texts()[0]
    assert base[0] == "Base (active)"
    assert base[1] == strip.values["npv"] == "-$8,708,098"
    # Cost per BTC too: "$90,732" in both (the table's header says per BTC).
    assert base[7] == strip.values["cash_cost"] == "$90,732"
    for c in (1, 5, 6, 7, 8):  # every money column of the table, one scale
        assert all(WHOLE_DOLLARS.match(row[c]) for row in table.texts()), c


def test_fleet_npv_column_is_whole_dollars(window) -> None:
    """The Fleet table's NPV column once mixed $39,729, $492.0k and $10.46M."""
    model = window.models["fleet"]
    window.document.flush()
    for key in ("result:npv_usd", "result:marginal_npv_usd"):
        texts = [t for t in _column(model, key) if t]  # the blank row at the end says ""
        assert texts and all(WHOLE_DOLLARS.match(t) for t in texts), (key, texts)


def test_rig_catalog_groups_thousands_of_watts(window) -> None:
    model = window.models["catalog"]
    names = _column(model, "name")
    power = _column(model, "power_w")
    assert power[names.index("Antminer U3S23H")] == "11,020"
    assert power[names.index("Antminer S21 XP")] == "3,645"
    header = model.headerData(model.column_index("power_w"), Qt.Orientation.Horizontal)
    assert header == "Power (W)"  # the unit in the header, the cells grouped


def test_monthly_sites_table_and_grid(window) -> None:
    window.document.flush()
    tab = window.monthly
    window.tabs.setCurrentWidget(tab)  # the tab follows the results while in view
    sites = tab.sites
    headers = [sites.horizontalHeaderItem(c).text() for c in range(sites.columnCount())]
    npv = [sites.item(r, headers.index("NPV")).text() for r in range(sites.rowCount())]
    assert npv and all(WHOLE_DOLLARS.match(t) for t in npv), npv
    cash = [
        sites.item(r, headers.index("Cash cost per BTC")).text() for r in range(sites.rowCount())
    ]
    assert all(re.match(r"^\$\d{1,3}(,\d{3})*/BTC$", t) for t in cash), cash
    assert cell_text("usd", math.nan) == display.NOT_AVAILABLE
    assert cell_text("usd", -16_334_781.2) == "-$16,334,781"
    assert cell_text("blocks", 52_560.0) == "52,560"
