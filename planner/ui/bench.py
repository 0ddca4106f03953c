"""Edit-to-updated-chart latency of the main window, offscreen (`planner bench`)."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any


def gui_edit_latency(rows: int = 1_000, months: int = 120, repeats: int = 15) -> dict[str, Any]:
    """Time from a cell edit to KPIs, result columns and charts updated and painted.

    The edit goes through the table model as a typed value would; the time includes the
    recompute debounce, the engine, and Qt processing the repaint.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop

    from planner.benchmark import synthetic_project
    from planner.ui.app import _application, use_scratch_profile
    from planner.ui.main_window import MainWindow

    use_scratch_profile()
    app = _application()
    window = MainWindow(synthetic_project(rows, months), None)
    window.autosave_timer.stop()
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    model = window.models["fleet"]
    column = model.column_index("count")
    shown: list[float] = []
    window.document.resultsChanged.connect(lambda _r: shown.append(time.perf_counter()))
    times = []
    for i in range(repeats + 1):
        shown.clear()
        start = time.perf_counter()
        model.setData(model.index(i % rows, column), str(100 + i))
        while not shown:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        app.processEvents()  # the repaint of the tables and charts
        if i:  # the first edit warms caches
            times.append((time.perf_counter() - start) * 1000.0)
    window.document.undo_stack.setClean()
    compute_ms = window.document.last_compute_ms
    window.close()
    window.deleteLater()
    app.processEvents()
    return {
        "rows": rows,
        "months": months,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(max(times), 2),
        "compute_ms": round(compute_ms, 2),
    }
