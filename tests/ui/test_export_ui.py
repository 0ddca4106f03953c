"""File > Export to Excel…: off the GUI thread, with progress, Cancel and clear errors."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtWidgets import QApplication, QPushButton

from planner.domain import editing as ed
from planner.ui.document import Change


def _run(qtbot, task) -> None:
    assert task is not None
    qtbot.waitUntil(lambda: task.finished, timeout=60_000)


def test_export_writes_the_workbook_of_the_current_project(qtbot, window, tmp_path: Path) -> None:
    doc = window.document
    after = ed.set_active_scenario(doc.project, "Bull")
    doc.apply(after, Change("reset", "scenario"), "Switch to Bull")
    path = tmp_path / "plan.xlsx"
    window.ask_export_path = lambda: path
    window.export_excel_action.trigger()
    task = window.task
    assert task is not None and not task.finished  # the export runs in its worker thread
    _run(qtbot, task)
    assert window.errors == []
    book = load_workbook(path)
    assert book["Inputs"]["B5"].value == "Bull"
    assert len(list(book["Fleet"].iter_rows(min_row=4))) == len(doc.project.fleet)
    assert f"Exported {path}" in window.statusBar().currentMessage()


def test_export_progress_is_shown_and_cancel_writes_nothing(qtbot, window, tmp_path: Path) -> None:
    from planner.benchmark import synthetic_project

    window.document.apply(synthetic_project(1500, 60), Change("reset"), "big fleet")
    path = tmp_path / "big.xlsx"
    path.write_bytes(b"the previous export")
    task = window.export_excel(path)
    assert task is not None
    qtbot.waitUntil(lambda: task.dialog.value() > 0, timeout=30_000)
    assert task.dialog.maximum() == 1000
    # Another export or import while one runs is refused, not queued.
    assert window.export_excel(tmp_path / "other.xlsx") is None
    task.dialog.findChild(QPushButton).click()  # the dialog's Cancel button
    assert task.worker.cancel_requested
    _run(qtbot, task)
    assert path.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.xlsx"]
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.errors == []


def test_export_failure_is_reported(qtbot, window, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "plan.xlsx"
    _run(qtbot, window.export_excel(target))
    title, text = window.errors[-1]
    assert title == "Cannot export to Excel"
    assert "plan.xlsx: cannot write the workbook" in text
    assert not target.exists()


def test_window_closes_while_an_export_runs(qtbot, window, tmp_path: Path) -> None:
    from planner.benchmark import synthetic_project

    window.document.apply(synthetic_project(1500, 60), Change("reset"), "big fleet")
    window.document.undo_stack.setClean()
    task = window.export_excel(tmp_path / "late.xlsx")
    assert task is not None
    window.close()
    QApplication.processEvents()
    assert not task.worker_thread.isRunning()


def test_garbage_is_not_collected_in_the_worker_thread(qtbot, window, tmp_path: Path) -> None:
    """Collecting Qt garbage off the GUI thread deadlocks: the task keeps it in the GUI."""
    import gc

    assert gc.isenabled()
    task = window.export_excel(tmp_path / "gc.xlsx")
    assert task is not None
    assert not gc.isenabled()  # while the worker runs
    _run(qtbot, task)
    assert gc.isenabled()


def test_file_export_board_pack_writes_the_pdf(window, tmp_path) -> None:
    files = next(a for a in window.menuBar().actions() if a.text() == "&File").menu()
    entry = next(a for a in files.actions() if a.text() == "Export board pack…")
    target = tmp_path / "board"
    window.ask_board_pack_path = lambda _start: str(target)
    entry.trigger()
    pdf = tmp_path / "board.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "Board pack written to" in window.statusBar().currentMessage()
    # A folder that does not exist: said, nothing written.
    window.ask_board_pack_path = lambda _start: str(tmp_path / "missing" / "pack.pdf")
    window.errors.clear()
    assert window.export_board_pack_dialog() is None
    assert window.errors and window.errors[0][0] == "Cannot write the board pack"
    assert not (tmp_path / "missing").exists()
