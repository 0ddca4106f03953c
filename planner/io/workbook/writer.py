"""Writes the sheets in order, and the bytes or the file of the workbook."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from planner.domain.project import Project
from planner.io.project_file import write_atomically
from planner.io.workbook.book import Book, ExportError
from planner.io.workbook.calc import (
    write_calc_discounted,
    write_calc_rows,
    write_power_prices,
)
from planner.io.workbook.columns import SUMMARY
from planner.io.workbook.data import ExportData, collect
from planner.io.workbook.decisions import write_decision_sheets
from planner.io.workbook.grids import write_grids
from planner.io.workbook.hourly import write_hourly
from planner.io.workbook.hpc import write_hpc
from planner.io.workbook.inputs import (
    write_contracts,
    write_fleet,
    write_inputs,
    write_models,
    write_sites,
)
from planner.io.workbook.marginal import write_calc_marginal
from planner.io.workbook.printing import set_up_printing
from planner.io.workbook.results import write_monthly, write_monthly_by_site
from planner.io.workbook.rows_sheet import write_rows
from planner.io.workbook.summary import summary_rows, write_summary
from planner.io.workbook.tax import (
    write_calc_tax_years,
    write_infra_tax,
    write_tax_tables,
    write_tax_years,
)
from planner.io.workbook.treasury import write_treasury

Progress = Callable[[float], None]


class Writer:
    """One export: the data, computed before anything is written, and the book."""

    def __init__(self, data: ExportData) -> None:
        self.data = data
        self.book = Book(data.shape)

    def write(self, progress: Progress | None) -> Workbook:
        step = progress or (lambda _fraction: None)
        book, data = self.book, self.data
        # The first tab; printed without its header over the charts and the bridge below.
        size = summary_rows(data.shape, data.hourly)
        summary = book.sheet("Summary", size, len(SUMMARY), one_table=False)
        for write in (write_inputs, write_fleet, write_sites, write_contracts, write_models):
            write(book, data)
        step(0.05)
        for write in (
            write_monthly,
            write_monthly_by_site,
            write_treasury,
            write_rows,
            write_hourly,
            write_hpc,
            write_decision_sheets,
            write_power_prices,
            write_calc_rows,
            write_tax_tables,
            write_infra_tax,
            write_tax_years,
        ):
            write(book, data)
        step(0.1)
        self.grids(step)
        write_calc_discounted(book, data)
        write_summary(book, summary, data)
        set_up_printing(book.wb.worksheets)
        step(1.0)
        return book.wb

    def grids(self, step: Progress) -> None:
        write_grids(self.book, self.data, step)
        write_calc_tax_years(self.book, self.data)
        write_calc_marginal(self.book, self.data.shape, self.data.hourly)


def build_workbook(
    project: Project,
    scenario: str | None = None,
    horizon_months: int | None = None,
    progress: Progress | None = None,
) -> bytes:
    """The workbook of `project` under a scenario, as the bytes of an .xlsx file.

    `progress(fraction)` is called as the work advances, last with 1.0 once the bytes are
    ready; it may raise to stop the export (the GUI's Cancel does).
    """
    step = progress or (lambda _fraction: None)
    writer = Writer(collect(project, scenario, horizon_months))
    try:
        workbook = writer.write(lambda fraction: step(0.9 * fraction))
    except BaseException:
        writer.book.discard()
        raise
    data = _zipped(workbook)
    step(1.0)
    return data


# Deflate level of the .xlsx: level 1 compresses the export's ~140 MB of sheet XML (1,000
# rows x 120 months) some 3.5 times faster than zlib's default 6, for a file ~11 % larger.
COMPRESS_LEVEL = 1


def _zipped(workbook: Workbook) -> bytes:
    """The .xlsx bytes, as Workbook.save writes them but at COMPRESS_LEVEL."""
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESS_LEVEL) as zf:
        workbook.properties.modified = datetime.now(UTC).replace(tzinfo=None)
        ExcelWriter(workbook, zf).save()
    return buffer.getvalue()


def export_workbook(
    project: Project,
    path: Path,
    scenario: str | None = None,
    horizon_months: int | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the workbook to `path` through a temporary file: all of it or nothing.

    A `progress` that raises (Cancel) stops the export before anything is written.
    """
    data = build_workbook(project, scenario, horizon_months, progress)
    try:
        write_atomically(Path(path), data, keep_backup=False)
    except OSError as error:
        raise ExportError(f"{path}: cannot write the workbook: {error.strerror or error}") from None
