"""BackgroundTask: progress reaches the dialog without re-entering the event loop."""

from __future__ import annotations

import threading

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

    release = threading.Event()

    def job(progress) -> str:
        # Reports progress as fast as it can until the test has seen the dialog, so the
        # result arrives while the dialog is up and progress signals are still queued.
        calls = 0
        while not release.wait(0.0001):
            calls += 1
            progress(min(calls / 200_000, 0.9))
        for i in range(1000):
            progress(0.9 + i / 10_000)
        return "done"

    task = BackgroundTask(parent, "Working on it", job, results.append, failures.append)
    try:
        qtbot.waitUntil(lambda: task.dialog.isVisible(), timeout=20_000)  # after 400 ms
        qtbot.waitUntil(lambda: task.dialog.value() > 0, timeout=20_000)
    finally:
        release.set()
    qtbot.waitUntil(lambda: task.finished, timeout=20_000)
    assert results == ["done"] and failures == []
    # Not a timing test: Qt's dialog may show a little before its 400 ms when its own
    # estimate says the job is long (0.397 s was seen), so only the duration's sense.
    assert task.seconds > 0
