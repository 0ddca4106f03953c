"""Long jobs (Excel export, reading a big fleet sheet) off the GUI thread, with progress;
live analyses (sensitivity, scenarios) in the thread pool, the newest edit's only.

A job is a plain function `job(progress) -> result`; `progress(fraction)` reports how far
it is and raises `Cancelled` once the user pressed Cancel. The result (or the error) comes
back on the GUI thread through the callbacks. The window stays responsive meanwhile.

Progress goes straight to the dialog's progress bar. QProgressDialog.setValue() would
process events itself when the dialog is modal; the job's result could then arrive, close
and delete the dialog in the middle of that call (a crash seen on a loaded CI machine).
Writing to the bar never re-enters the event loop.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QWidget

PROGRESS_STEPS = 1000


def progress_step(fraction: float) -> int:
    """The bar position for a fraction done (clamped to 0..1)."""
    return int(max(0.0, min(float(fraction), 1.0)) * (PROGRESS_STEPS - 1))


class Cancelled(Exception):
    """The user cancelled the job."""


class _GcGuard(QObject):
    """Python's automatic garbage collection, off while any worker runs.

    The cyclic collector runs in whichever thread allocates when it is due; if that is a
    worker and the garbage holds Qt widgets, Qt destroys them off the GUI thread and the
    two threads deadlock (the worker holds a Qt lock and waits for the GIL, the GUI thread
    the reverse). So collection stays off from a job's start (on the GUI thread) until its
    end is seen on the GUI thread; counted, as jobs overlap.
    """

    def __init__(self) -> None:
        super().__init__()
        self.jobs = 0
        self.was_enabled = True

    def pause(self) -> None:
        if self.jobs == 0:
            self.was_enabled = gc.isenabled()
            gc.disable()
        self.jobs += 1

    @Slot()
    def resume(self) -> None:
        self.jobs -= 1
        if self.jobs == 0 and self.was_enabled:
            gc.enable()


_GC_GUARD: list[_GcGuard] = []


def gc_guard() -> _GcGuard:
    """The one guard, made on the GUI thread by the first job."""
    if not _GC_GUARD:
        _GC_GUARD.append(_GcGuard())
    return _GC_GUARD[0]


class _Worker(QObject):
    progressed = Signal(float)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Callable[[Callable[[float], None]], Any]) -> None:
        super().__init__()
        self.job = job
        self.cancel_requested = False
        self.last_step = -1

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.report)
        except BaseException as error:
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)

    def report(self, fraction: float) -> None:
        if self.cancel_requested:
            raise Cancelled
        step = progress_step(fraction)
        if step != self.last_step:  # at most PROGRESS_STEPS signals, however often called
            self.last_step = step
            self.progressed.emit(float(step))


class BackgroundTask(QObject):
    """Runs one job in a worker thread, with a modal progress dialog and Cancel."""

    done = Signal()

    def __init__(
        self,
        parent: QWidget,
        label: str,
        job: Callable[[Callable[[float], None]], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_cancel = on_cancel
        self.started_at = time.perf_counter()
        self.seconds = 0.0
        self.finished = False
        self.dialog = QProgressDialog(label, "Cancel", 0, PROGRESS_STEPS, parent)
        self.bar = QProgressBar(self.dialog)
        self.bar.setRange(0, PROGRESS_STEPS)
        self.dialog.setBar(self.bar)  # the dialog owns it
        self.dialog.setWindowTitle("Working")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(400)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setValue(0)  # starts the dialog's timer that shows it after 400 ms
        self.dialog.canceled.connect(self.cancel)
        # Collect here, in the GUI thread, and leave automatic collection off until the
        # job is over (see _GcGuard).
        gc.collect()
        gc_guard().pause()
        self._gc_paused = True
        self.worker_thread = QThread(self)
        self.worker = _Worker(job)
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progressed)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._failed)
        self.worker_thread.start()

    def cancel(self) -> None:
        self.worker.cancel_requested = True
        self.dialog.setLabelText("Cancelling…")

    def wait(self) -> None:
        """Block until the worker thread has ended (used when the window closes)."""
        self.worker_thread.quit()
        self.worker_thread.wait()
        self._resume_gc()

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc_guard().resume()

    def _progressed(self, step: float) -> None:
        if not self.finished:
            self.bar.setValue(int(step))

    def _finish(self) -> None:
        self.finished = True
        self.seconds = time.perf_counter() - self.started_at
        self.worker_thread.quit()
        self.worker_thread.wait()
        self._resume_gc()
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()

    def _succeeded(self, result: object) -> None:
        self._finish()
        self.on_success(result)
        self.done.emit()

    def _failed(self, error: object) -> None:
        self._finish()
        if isinstance(error, Cancelled):
            if self.on_cancel is not None:
                self.on_cancel()
        else:
            assert isinstance(error, BaseException)
            self.on_failure(error)
        self.done.emit()


# ---------------------------------------------------------------------- live analyses
LIVE_DELAY_MS = 200  # after the last request: a burst of edits starts one job


class _LiveSignals(QObject):
    ended = Signal(int, object, object)  # generation, result, error (None or the exception)


class _LiveRun:
    """One job of a LiveTask, run by the global thread pool; its signals live on a
    separate QObject made on the GUI thread (as superqt's workers do)."""

    def __init__(self, job: Callable[[Callable[[], None]], Any], generation: int) -> None:
        self.job = job
        self.generation = generation
        self.cancel_requested = False
        self.signals = _LiveSignals()

    def check(self) -> None:
        """Called by the job between its steps: raises Cancelled once superseded."""
        if self.cancel_requested:
            raise Cancelled

    def __call__(self) -> None:
        try:
            result, error = self.job(self.check), None
        except BaseException as exc:
            result, error = None, exc
        self.signals.ended.emit(self.generation, result, error)


class LiveTask(QObject):
    """The newest of a series of analyses, computed off the GUI thread.

    `request(job)` asks for `job(check) -> result`, where `check()` raises Cancelled once
    a newer request came. Jobs start `delay_ms` after the last request (a burst of edits
    starts one) and run one at a time in the global thread pool; a newer request (or
    `drop()`) asks the running job to stop and its result, if it still arrives, is
    dropped: only the newest request's result reaches `on_result`, on the GUI thread.
    The job must only read immutable snapshots (a project, a results object).
    """

    def __init__(
        self,
        parent: QObject,
        on_result: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        delay_ms: int = LIVE_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self.on_result = on_result
        self.on_failure = on_failure
        self.generation = 0  # of the newest request
        self.started = 0  # jobs started so far
        self._job: tuple[int, Callable[[Callable[[], None]], Any]] | None = None
        self._running: _LiveRun | None = None
        # A single-shot timer, a child of the window: the bench counts it as pending work.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)

    @property
    def pending(self) -> bool:
        """A job is waiting for its delay, running, or stopping."""
        return self._job is not None or self._running is not None

    def request(self, job: Callable[[Callable[[], None]], Any], delay: bool = True) -> int:
        """Ask for `job`, superseding every earlier request; returns its generation."""
        self.generation += 1
        self._job = (self.generation, job)
        if self._running is not None:
            self._running.cancel_requested = True
        if delay:
            self._timer.start()
        else:
            self._timer.stop()
            self._start()
        return self.generation

    def drop(self) -> None:
        """Forget every request: nothing more starts, a running job is asked to stop."""
        self.generation += 1
        self._job = None
        self._timer.stop()
        if self._running is not None:
            self._running.cancel_requested = True

    def _start(self) -> None:
        if self._job is None or self._running is not None:
            return  # a superseded job is stopping; the newest starts when it has
        generation, job = self._job
        self._job = None
        run = _LiveRun(job, generation)
        guard = gc_guard()
        run.signals.ended.connect(self._ended)
        run.signals.ended.connect(guard.resume)
        guard.pause()
        self._running = run
        self.started += 1
        QThreadPool.globalInstance().start(run)

    @Slot(int, object, object)
    def _ended(self, generation: int, result: object, error: object) -> None:
        self._running = None
        if generation == self.generation:
            if error is None:
                self.on_result(result)
            elif not isinstance(error, Cancelled):
                assert isinstance(error, BaseException)
                self.on_failure(error)
        if self._job is not None and not self._timer.isActive():
            self._start()
