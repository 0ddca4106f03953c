"""BackgroundTask: progress reaches the dialog without re-entering the event loop."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QWidget

from planner.ui.tasks import PROGRESS_STEPS, BackgroundTask, _Worker, progress_step


def test_progress_steps_are_clamped_and_signals_are_throttled() -> None:
    assert progress_step(-0.5) == 0
    assert progress_step(0.5) == 499
    assert progress_step(7.0) == PROGRESS_STEPS - 1
    worker = _Worker(lambda progress: None)
    emitted: list[float] = []
    worker.progressed.connect(emitted.append)
    for i in range(20_001):
        worker.report(i / 20_000)
    assert len(emitted) == PROGRESS_STEPS  # one signal per bar step, not per call
    assert emitted[0] == 0.0 and emitted[-1] == PROGRESS_STEPS - 1


def test_the_dialog_shows_then_the_result_arrives_once(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    results: list[object] = []
    failures: list[BaseException] = []

    def job(progress) -> str:
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < 0.7:
            progress(elapsed / 0.7)
            time.sleep(0.0005)
        progress(1.0)
        return "done"

    task = BackgroundTask(parent, "Working on it", job, results.append, failures.append)
    qtbot.waitUntil(lambda: task.dialog.isVisible() or task.finished, timeout=10_000)
    assert task.dialog.isVisible()  # shown after its 400 ms minimum duration
    assert task.dialog.value() > 0
    qtbot.waitUntil(lambda: task.finished, timeout=10_000)
    assert results == ["done"] and failures == []
    assert task.seconds >= 0.7
