"""The treasury's answers in words: the runways, minimum cash, margin calls, debt at the
end and leverage, as the Treasury tab's summary strip and the KPI strip show them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from planner.domain.months import format_month
from planner.engine.model import Results
from planner.engine.treasury import TreasuryResult
from planner.io.display import NOT_AVAILABLE, money

NEVER = "never"  # cash never ends a month below the buffer within the horizon
SUMMARY_KEYS = ("runway", "runway_with_sales", "min_cash", "margin_calls", "debt_end", "leverage")
SUMMARY_TITLES = {
    "runway": "Runway, no held BTC sold",
    "runway_with_sales": "Runway with the policy",
    "min_cash": "Minimum cash",
    "margin_calls": "Margin calls",
    "debt_end": "Debt at the end",
    "leverage": "Peak net debt / EBITDA",
}
SUMMARY_TIPS = {
    "runway": "Whole months from the start to the first month cash ends below the minimum "
    "cash buffer, selling none of the BTC held (the month's mined BTC sold as the policy "
    "says); never: not within the horizon.",
    "runway_with_sales": "The same with the policy's sales of held BTC to keep cash at the buffer.",
    "min_cash": "The lowest month-end cash over the horizon, under the policy.",
    "margin_calls": "Months a BTC-backed loan's LTV reached its margin-call line (topped up "
    "from held BTC) or its liquidation line (collateral sold by the lender).",
    "debt_end": "Debt outstanding at the horizon's last month end, all instruments.",
    "leverage": "The highest month-end (debt - cash) over the trailing twelve months' "
    "EBITDA, and its month (what a leverage covenant tests); net cash: debt never above "
    "cash; n/a where that EBITDA is never positive.",
}


@dataclass(frozen=True)
class Runway:
    """A runway: whole months from the start and the month cash ends below the buffer
    (None: never within the horizon)."""

    months: int | None
    month: str | None

    @property
    def text(self) -> str:
        return NEVER if self.months is None else f"{self.months:,} mo"

    @property
    def note(self) -> str:
        return "within the horizon" if self.month is None else f"below the buffer {self.month}"


def runway(results: Results, value: float) -> Runway:
    """The runway a TreasuryResult gives as a month index (NaN: never)."""
    if not math.isfinite(value):
        return Runway(None, None)
    t = int(value)
    return Runway(t, format_month(results.inputs.timeline.month_starts[t]))


def summary_texts(results: Results, treasury: TreasuryResult, path: int = 0) -> dict[str, str]:
    """The summary's figures on one path (the scenario's: 0), as the strip shows them."""
    without = runway(results, float(treasury.runway_months[path]))
    with_sales = runway(results, float(treasury.runway_with_sales_months[path]))
    calls = treasury.margin_calls(path)
    starts = results.inputs.timeline.month_starts
    first = f", first {format_month(starts[calls[0].month])}" if calls else ""
    ratios = np.asarray(treasury.net_debt_to_ebitda[path], dtype=float)
    return {
        "runway": without.text if without.month is None else f"{without.text} ({without.month})",
        "runway_with_sales": (
            with_sales.text
            if with_sales.month is None
            else f"{with_sales.text} ({with_sales.month})"
        ),
        "min_cash": money(float(treasury.min_cash_usd[path])),
        "margin_calls": f"{len(calls):,}{first}",
        "debt_end": money(float(treasury.debt_end_usd[path, -1])),
        "leverage": _peak_leverage(ratios, [format_month(m) for m in starts]),
    }


def _peak_leverage(ratios: np.ndarray, months: list[str]) -> str:
    """The highest net debt / EBITDA and its month; "net cash" when never above 0."""
    finite = np.isfinite(ratios)
    if not finite.any():
        return NOT_AVAILABLE
    peak = int(np.argmax(np.where(finite, ratios, -np.inf)))
    if ratios[peak] <= 0:
        return "net cash"
    return f"{ratios[peak]:,.2f}x ({months[peak]})"


class SummaryStrip(QWidget):
    """The treasury's answers in a row of titled figures; `values` holds the texts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TreasurySummary")
        self.setStyleSheet(
            "QLabel[role='title'] { color: #5b6675; font-size: 11px; }"
            "QLabel[role='value'] { color: #1b2430; font-size: 14px; font-weight: 600; }"
        )
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setHorizontalSpacing(22)
        grid.setVerticalSpacing(0)
        self._value: dict[str, QLabel] = {}
        for column, key in enumerate(SUMMARY_KEYS):
            title = QLabel(SUMMARY_TITLES[key], self)
            title.setProperty("role", "title")
            value = QLabel("…", self)
            value.setProperty("role", "value")
            for label in (title, value):
                label.setToolTip(SUMMARY_TIPS[key])
            grid.addWidget(title, 0, column)
            grid.addWidget(value, 1, column)
            self._value[key] = value
        grid.setColumnStretch(len(SUMMARY_KEYS), 1)
        self.values: dict[str, str] = {}

    def show_treasury(self, results: Results, treasury: TreasuryResult | None) -> None:
        """The figures of `treasury`, or dashes when the project states none."""
        texts = (
            summary_texts(results, treasury)
            if treasury is not None
            else dict.fromkeys(SUMMARY_KEYS, NOT_AVAILABLE)
        )
        for key, text in texts.items():
            self._value[key].setText(text)
        self.values = texts
