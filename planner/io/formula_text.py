"""Text that a spreadsheet would read as a formula: kept text when exported (a workbook's
cells, a CSV's fields) by a leading quote, as a user typing '=1 would get."""

from __future__ import annotations

# What starts a formula when a cell is edited or a CSV is opened in Excel or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def quoted(value: str) -> bool:
    """Whether text needs the quote prefix that keeps it text when edited."""
    return value.startswith(FORMULA_STARTS)
