"""The strip of fleet answers always in view: NPV, IRR, payback, BTC, cost per BTC, halving,
and the treasury's runway when the project states a treasury.

Money reads as the tables write it (display.money: whole dollars), so the strip's NPV is
the Scenarios table's base NPV to the dollar."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from planner.engine import Results
from planner.engine.treasury import TreasuryResult
from planner.io import display
from planner.io.display import money, percent
from planner.ui.bridge_dialog import BridgeDialog
from planner.ui.document import ProjectDocument
from planner.ui.treasury_summary import runway

KPI_KEYS = ("npv", "irr", "payback", "btc", "cash_cost", "all_in_cost", "halving", "runway")
TITLES = {
    "npv": "Fleet NPV",
    "irr": "IRR",
    "payback": "Payback",
    "btc": "BTC mined",
    "cash_cost": "Cash cost per BTC",
    "all_in_cost": "All-in cost per BTC",
    "halving": "Next halving",
    "runway": "Runway",
}


# What each figure is (its tooltip; the user guide's Definitions say more).
DEFINITIONS = {
    "npv": "Net present value of the fleet's free cash flow after tax as filed, discounted "
    "at the finance discount rate: flows at each month's end, capex at its month's start. "
    "The bridge link shows it from the rows' NPVs.",
    "irr": "The annual rate at which the fleet's NPV is zero ((1 + monthly rate)^12 - 1); "
    "n/a where the cumulative cash never goes negative or no rate exists.",
    "payback": "Months from the start of the month in which cumulative free cash flow first "
    "goes negative to the point it is back at zero, interpolated within the month.",
    "btc": "BTC the fleet mines over the horizon, after the pool fee, at each row's uptime "
    "and curtailment.",
    "cash_cost": "Power and opex (maintenance, site fixed opex, hosting terms) over BTC "
    "mined: the cash cost of one BTC.",
    "all_in_cost": "The cash cost per BTC plus book depreciation and corporate G&A.",
    "halving": "When the next halving block is expected, from the block times the "
    "scenario's network hashrate gives.",
    "runway": "Whole months from the start to the first month the company's cash ends "
    "below its minimum cash buffer, selling none of the BTC held; the note gives that "
    "month and the runway when the policy sells held BTC. never: not within the horizon. "
    "Shown when the project has a treasury (the Treasury tab).",
}


class KpiStrip(QFrame):
    """Fleet KPIs of the document's latest results, always in view; `values` holds the
    texts shown (for tests)."""

    def __init__(self, document: ProjectDocument | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("KpiStrip")
        self.setStyleSheet(
            "#KpiStrip { background: #f6f8fb; border-bottom: 1px solid #d5dbe3; }"
            "QLabel[role='title'] { color: #5b6675; font-size: 11px; }"
            "QLabel[role='value'] { color: #1b2430; font-size: 17px; font-weight: 600; }"
            "QLabel[role='note'] { color: #5b6675; font-size: 11px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(26)
        self._value: dict[str, QLabel] = {}
        self._note: dict[str, QLabel] = {}
        self._title: dict[str, QLabel] = {}
        for key in KPI_KEYS:
            box = QVBoxLayout()
            box.setSpacing(0)
            title = QLabel(TITLES[key])
            title.setProperty("role", "title")
            title.setToolTip(DEFINITIONS[key])
            value = QLabel("…")
            value.setProperty("role", "value")
            value.setToolTip(DEFINITIONS[key])
            note = QLabel("")
            note.setProperty("role", "note")
            for label in (title, value, note):
                box.addWidget(label)
            layout.addLayout(box)
            self._value[key] = value
            self._note[key] = note
            self._title[key] = title
        layout.addStretch(1)
        # A window narrower than the strip clips its last figure instead of growing: the
        # strip does not set the window's minimum width.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.values: dict[str, str] = {}
        self._results: Results | None = None
        self._document = document
        self._note["npv"].linkActivated.connect(self.show_bridge)
        self._note["npv"].setToolTip("The bridge: from the rows' NPVs to the fleet's")
        if document is not None:
            document.resultsChanged.connect(self.show_results)
            if document.results is not None:
                self.show_results(document.results)

    def show_results(self, results: Results) -> None:
        k = results.fleet_kpis
        scenario = results.inputs.scenario_name
        status = int(k.payback_status[0])
        payback = display.payback(status, float(k.payback_months[0]), unit="months")
        payback_note = display.payback_note(status, results.inputs.months)
        height, when = results.next_halving
        btc = float(k.btc_mined[0])
        self._results = results
        self._set(
            "npv",
            money(float(k.npv_usd[0])),
            f"at {percent(results.inputs.discount_rate_per_year)}/yr, {scenario} · "
            '<a href="bridge">bridge</a>',
        )
        self._set("irr", percent(results.fleet_irr_annual), "per year")
        self._set("payback", payback, payback_note)
        self._set("btc", f"{btc:,.1f} BTC", f"over {results.inputs.months:,} months")
        self._set("cash_cost", money(float(k.cost_per_btc_cash_usd[0])), "power + opex")
        g_and_a = bool(results.fleet.g_and_a_usd.any())
        self._set(
            "all_in_cost",
            money(float(k.cost_per_btc_all_in_usd[0])),
            "+ depreciation, G&A" if g_and_a else "+ depreciation",
        )
        self._set("halving", f"{when:%d %b %Y}", f"block {height:,}")
        self._show_runway(results, self._document.treasury if self._document else None)

    def _show_runway(self, results: Results, treasury: TreasuryResult | None) -> None:
        """The runway without selling held BTC (its month and the policy's in the note);
        hidden when the project has no treasury."""
        for label in (self._title["runway"], self._value["runway"], self._note["runway"]):
            label.setVisible(treasury is not None)
        if treasury is None:
            self.values.pop("runway", None)
            return
        without = runway(results, float(treasury.runway_months[0]))
        with_sales = runway(results, float(treasury.runway_with_sales_months[0]))
        when = "cash above the buffer" if without.month is None else f"to {without.month}"
        self._set("runway", without.text, f"{when}; with sales {with_sales.text}")

    def show_bridge(self, _link: str = "") -> BridgeDialog | None:
        """The bridge of the results shown, in a dialog."""
        if self._results is None:
            return None
        dialog = BridgeDialog(self._results, self)
        dialog.show()
        return dialog

    def _set(self, key: str, value: str, note: str) -> None:
        self._value[key].setText(value)
        self._note[key].setText(note)
        self.values[key] = value
