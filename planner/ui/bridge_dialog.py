"""The fleet NPV from its parts (engine/bridge.py): the rows' NPVs, each site's own items,
corporate G&A; opened from the Fleet NPV in the KPI strip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from planner.engine import Results
from planner.engine.bridge import bridge_of
from planner.io.display import money_column

HEADERS = ("Line", "Site", "NPV (USD)")
KINDS = {"row": "Fleet row", "site": "Site item", "company": "Company"}


class BridgeDialog(QDialog):
    """A table of the bridge's lines and their total (the fleet NPV), with Copy."""

    def __init__(self, results: Results, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fleet NPV: from the rows to the fleet")
        lines = bridge_of(results)
        total_usd = sum(line.npv_usd for line in lines)
        values = money_column([line.npv_usd for line in lines] + [total_usd])  # one scale
        self.rows: list[tuple[str, str, str]] = [
            (line.label, line.site, text) for line, text in zip(lines, values[:-1], strict=True)
        ] + [("Fleet NPV", "", values[-1])]
        note = QLabel(
            "Each row's NPV is after its share of the company's tax. The sites' own items "
            "and corporate G&A are valued before tax: their tax shields are already in the "
            "rows' shares. The lines add up to the fleet NPV."
        )
        note.setWordWrap(True)
        table = QTableWidget(len(self.rows), len(HEADERS))
        table.setHorizontalHeaderLabels(HEADERS)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, (label, site, value) in enumerate(self.rows):
            kind = KINDS[lines[r].kind] if r < len(lines) else "Total"
            for c, text in enumerate((label, site, value)):
                item = QTableWidgetItem(text)
                item.setToolTip(kind)
                if c == 2:
                    item.setTextAlignment(right)
                if r == len(lines):
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        self.table = table
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the table (tab-separated, with headers) for Excel")
        copy.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(620, 480)

    def text(self) -> str:
        """The table as tab-separated lines, headers first."""
        return "\n".join("\t".join(cells) for cells in [HEADERS, *self.rows])

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
