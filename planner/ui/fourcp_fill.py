"""Fill summer afternoons…: every day of a range of months, each hour of a range of
afternoon hours, as 4CP intervals, with the months' probabilities shared evenly or one
probability for every interval. The 4CP dialog puts them in its table."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from planner.domain import fourcp_table as ft
from planner.domain.price_profile import FourCpInterval, days_in_month

PROBLEM_STYLE = "color: #a31515;"


def _hour_box(hour: int, parent: QWidget) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, 23)
    box.setValue(hour)
    box.setSuffix(":00")
    return box


def _month_box(month: int, parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.addItems([ft.month_name(m) for m in range(1, 13)])
    box.setCurrentIndex(month - 1)
    return box


class FillDialog(QDialog):
    """The months, the hours starting and the probability of the intervals to list."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Fill summer afternoons")
        self.first_month = _month_box(6, self)
        self.last_month = _month_box(9, self)
        self.first_hour = _hour_box(15, self)
        self.last_hour = _hour_box(18, self)
        self.even = QRadioButton("Share each month's 100 % evenly: 1 / (days × hours)", self)
        self.fixed = QRadioButton("The same for every hour:", self)
        self.percent = QLineEdit("1%", self)
        self.percent.setMaximumWidth(90)
        group = QButtonGroup(self)
        group.addButton(self.even)
        group.addButton(self.fixed)
        self.even.setChecked(True)
        self.preview = QLabel(self)
        self.preview.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        for box in (self.first_month, self.last_month):
            box.currentIndexChanged.connect(self._refresh)
        for spin in (self.first_hour, self.last_hour):
            spin.valueChanged.connect(self._refresh)
        self.even.toggled.connect(self._refresh)
        self.percent.textChanged.connect(self._refresh)
        self._refresh()

    def _lay_out(self) -> None:
        months = QHBoxLayout()
        months.addWidget(self.first_month)
        months.addWidget(QLabel("to", self))
        months.addWidget(self.last_month)
        months.addStretch(1)
        hours = QHBoxLayout()
        hours.addWidget(self.first_hour)
        hours.addWidget(QLabel("to", self))
        hours.addWidget(self.last_hour)
        hours.addStretch(1)
        fixed = QHBoxLayout()
        fixed.addWidget(self.fixed)
        fixed.addWidget(self.percent)
        fixed.addStretch(1)
        form = QFormLayout()
        form.addRow("Months, every day", months)
        form.addRow("Hours starting", hours)
        form.addRow("Probability", self.even)
        form.addRow("", fixed)
        note = QLabel(
            "The rows of these months in the table are replaced; the other months' stay.",
            self,
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def months(self) -> list[int]:
        return list(range(self.first_month.currentIndex() + 1, self.last_month.currentIndex() + 2))

    def intervals(self) -> list[FourCpInterval]:
        """The intervals chosen; ValueError naming what is not right."""
        probability = None
        if self.fixed.isChecked():
            try:
                probability = ft.read_probability(self.percent.text())
            except ValueError as error:
                raise ValueError(f"probability: {error}") from None
        return ft.summer_afternoons(
            self.first_month.currentIndex() + 1,
            self.last_month.currentIndex() + 1,
            self.first_hour.value(),
            self.last_hour.value(),
            probability,
        )

    def _refresh(self, *_args: object) -> None:
        self.percent.setEnabled(self.fixed.isChecked())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            intervals = self.intervals()
        except ValueError as error:
            self.preview.setStyleSheet(PROBLEM_STYLE)
            self.preview.setText(str(error))
            ok.setEnabled(False)
            return
        self.preview.setStyleSheet("")
        ok.setEnabled(True)
        hours = self.last_hour.value() - self.first_hour.value() + 1
        first = self.months()[0]
        days = days_in_month(first)
        each = intervals[0].probability
        self.preview.setText(
            f"{len(intervals):,} intervals. {ft.month_name(first)}: {days} days × {hours} "
            f"hours = {days * hours:,} intervals of {each * 100:.4g} % each, "
            f"{days * hours * each * 100:.4g} % in all."
        )
