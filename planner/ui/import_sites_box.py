"""The import preview's sites the sheet names and the project lacks: for each, the rows at
it, what its rigs draw, a capacity (MW) to type and a power contract to pick; given a
capacity the site is created with its rows, in the same undo step as the import."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from planner.domain.project import Project, Site
from planner.io.import_plan import ImportPlan, row_ranges
from planner.io.import_sites import (
    DEFAULTS_TEXT,
    default_contract,
    new_site,
    parse_capacity_mw,
    rigs_draw_mw,
)

BAD = "color: #b00020"
GOOD = "color: #1b5e20"


class NewSitesBox(QGroupBox):
    """One line per unknown site; `sites()` the sites to create, `complete` whether every
    one can be (a capacity read and a contract to give it)."""

    changed = Signal()

    def __init__(self, plan: ImportPlan, project: Project, parent: QWidget | None = None):
        super().__init__(
            "Sites not in the project: type a capacity to create each with its rows", parent
        )
        self.inputs: dict[str, QLineEdit] = {}
        self.contracts: dict[str, QComboBox] = {}
        self.status: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        headers = ("Site (as the sheet names it)", "Rows", "Rigs draw", "Capacity (MW)")
        for column, text in enumerate((*headers, "Power contract", "")):
            grid.addWidget(QLabel(f"<b>{text}</b>"), 0, column)
        contracts = [c.name for c in project.contracts]
        for line, site in enumerate(plan.unknown_sites, start=1):
            draw_mw = rigs_draw_mw(plan, project, site)
            grid.addWidget(QLabel(site), line, 0)
            grid.addWidget(QLabel(row_ranges(plan.site_rows(site))), line, 1)
            grid.addWidget(QLabel(f"{draw_mw:,.2f} MW"), line, 2)
            capacity = QLineEdit()
            capacity.setPlaceholderText(f"e.g. {max(math.ceil(draw_mw * 10) / 10, 0.1):,g}")
            capacity.setToolTip(
                f"The site's capacity in MW; its imported rigs draw {draw_mw:,.2f} MW at the "
                "wall, before the site's overhead"
            )
            capacity.textChanged.connect(self._update)
            contract = QComboBox()
            contract.addItems(contracts)
            first = default_contract(project)
            if first is not None:
                contract.setCurrentText(first)
            contract.setEnabled(bool(contracts))
            contract.currentIndexChanged.connect(self._update)
            status = QLabel()
            grid.addWidget(capacity, line, 3)
            grid.addWidget(contract, line, 4)
            grid.addWidget(status, line, 5)
            self.inputs[site], self.contracts[site], self.status[site] = capacity, contract, status
        grid.setColumnStretch(5, 1)
        layout.addLayout(grid)
        defaults = QLabel(f"A new site takes {DEFAULTS_TEXT}.")
        defaults.setWordWrap(True)
        layout.addWidget(defaults)
        self._sites: dict[str, Site | None] = {}
        self._update()

    def _update(self) -> None:
        for site, capacity in self.inputs.items():
            self._sites[site] = self._read(site, capacity.text())
        self.changed.emit()

    def _read(self, site: str, text: str) -> Site | None:
        """The site to create from its line, or None (its status says why)."""
        status = self.status[site]
        contract = self.contracts[site].currentText()
        try:
            if not contract:
                raise ValueError("the project has no power contract: add one in Contracts")
            created = new_site(site, parse_capacity_mw(text), contract)
        except ValueError as error:
            status.setText(str(error) if text.strip() or not contract else "type a capacity")
            status.setStyleSheet(BAD)
            return None
        status.setText(f"will be created with {created.capacity_mw:,g} MW")
        status.setStyleSheet(GOOD)
        return created

    @property
    def complete(self) -> bool:
        return all(site is not None for site in self._sites.values())

    def sites(self) -> list[Site]:
        """The sites to create (only those whose line reads)."""
        return [site for site in self._sites.values() if site is not None]
