"""File > Import prices…: a site's hourly or 15-minute power prices from a CSV file.

The dialog reads the file as soon as it opens and again whenever the time zone or the
settlement point changes: what it found (the number of prices, their span, mean and
range) or every problem by line, as `python -m planner import-prices` prints them.
Import is enabled only once the file reads without a problem; the window then applies
the profile to the chosen site as one undo step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from planner.domain.price_profile import DEFAULT_TIME_ZONE, PriceProfile
from planner.domain.project import Project
from planner.io.import_prices import PriceFileError, describe_profile, read_prices


class ImportPricesDialog(QDialog):
    """Pick the site (and settlement point, time zone, scaling); see what the file holds."""

    def __init__(self, path: Path, project: Project, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.profile: PriceProfile | None = None
        self.setWindowTitle(f"Import prices: {path.name}")
        self.resize(640, 420)
        self.site_box = QComboBox(self)
        self.site_box.addItems([s.name for s in project.sites])
        # Each site's clock as its current profile states it (a re-import keeps it).
        self._zones = {s.name: s.price_profile.time_zone for s in project.sites if s.price_profile}
        self.zone_edit = QLineEdit(self._zones.get(self.site_name(), DEFAULT_TIME_ZONE), self)
        self.zone_edit.setToolTip(
            "IANA time zone of the site's clock: timestamps without a UTC offset are read in "
            "it, and the profile's months and hours are its"
        )
        self.point_box = QComboBox(self)
        self.point_label = QLabel("Settlement point", self)
        self.scale_box = QCheckBox("Scale each month to the contract's price", self)
        self.scale_box.setToolTip(
            "Each month's prices scaled so that their mean is the contract's price that "
            "month: the file gives the shape, the contract the level"
        )
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        form = QFormLayout()
        form.addRow("File", QLabel(str(path), self))
        form.addRow("Site", self.site_box)
        form.addRow("Time zone", self.zone_edit)
        form.addRow(self.point_label, self.point_box)
        form.addRow("", self.scale_box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.buttons)
        self._show_points(())
        if not project.sites:
            self.site_box.setEnabled(False)
        self.reread()
        self.zone_edit.editingFinished.connect(self.reread)
        self.site_box.currentIndexChanged.connect(lambda _index: self._site_changed())
        self.point_box.currentIndexChanged.connect(lambda _index: self.reread())

    def reread(self) -> None:
        """Read the file with the chosen time zone and settlement point; show the result."""
        point = self.point_box.currentText() if self.point_box.count() else None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.profile = read_prices(
                self.path, time_zone=self.zone_edit.text().strip(), settlement_point=point or None
            )
        except PriceFileError as error:
            self.profile = None
            if error.settlement_points and not self.point_box.count():
                self._show_points(error.settlement_points)  # reads again with the first
                return
            self.summary.setPlainText("\n".join([error.reason, *error.lines()]))
        finally:
            QGuiApplication.restoreOverrideCursor()
        if self.profile is not None:
            self.summary.setPlainText(describe_profile(self.profile))
        ready = self.profile is not None and self.site_box.count() > 0
        if self.profile is not None and not self.site_box.count():
            self.summary.appendPlainText("The project has no site yet: add one first.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    def _site_changed(self) -> None:
        zone = self._zones.get(self.site_name())
        if zone is not None and zone != self.zone_edit.text().strip():
            self.zone_edit.setText(zone)
            self.reread()

    def _show_points(self, points: tuple[str, ...]) -> None:
        self.point_box.blockSignals(True)
        self.point_box.clear()
        self.point_box.addItems(points)
        self.point_box.blockSignals(False)
        self.point_box.setVisible(bool(points))
        self.point_label.setVisible(bool(points))
        if points:
            self.reread()

    def site_name(self) -> str:
        return self.site_box.currentText()

    def chosen_profile(self) -> PriceProfile | None:
        """The profile read, with the scaling chosen; None while the file has problems."""
        if self.profile is None:
            return None
        return self.profile.model_copy(update={"scale_to_contract": self.scale_box.isChecked()})
