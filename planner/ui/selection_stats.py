"""Sum, Average and Count of the selected cells, as Excel's status bar shows them."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QAbstractItemView

from planner.io.display import money_column
from planner.ui.monthly_tab import MonthlyModel
from planner.ui.table_model import FinanceModel, SectionModel


def _cell(model: Any, row: int, column: int) -> tuple[float | None, bool, bool]:
    """(the cell's number or None, whether the cell holds anything, whether it is USD)."""
    if isinstance(model, SectionModel):
        if model.is_blank(row):
            return None, False, False
        return model.number_at(row, column)
    if isinstance(model, MonthlyModel) and model.grid is not None:
        value = model.grid.value(row, column)
        usd = model.grid.lines[row].kind == "usd"
        return (value if math.isfinite(value) else None), math.isfinite(value), usd
    text = model.data(model.index(row, column))
    return None, bool(text), False


def selection_summary(view: QAbstractItemView) -> str:
    """ "Average $1,234 · Count 3 · Sum $3,702" of the view's selection ("" for one cell or
    none, as Excel shows nothing then). Dollar columns are shown as money."""
    selection = view.selectionModel()
    model = view.model()
    if selection is None or model is None or isinstance(model, FinanceModel):
        return ""
    indexes = selection.selectedIndexes()
    if len(indexes) < 2:
        return ""
    numbers: list[float] = []
    count = 0
    all_usd = True
    for index in indexes:
        value, filled, usd = _cell(model, index.row(), index.column())
        count += filled
        if value is not None:
            numbers.append(value)
            all_usd = all_usd and usd
    if not numbers:
        return f"Count {count:,}" if count else ""

    def shown(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"

    total = math.fsum(numbers)
    average = total / len(numbers)
    if all_usd:  # money at one scale for both, as a table column writes it
        average_text, total_text = money_column([average, total])
    else:
        average_text, total_text = shown(average), shown(total)
    return f"Average {average_text} · Count {count:,} · Sum {total_text}"
