"""Long jobs (Excel export, reading a big fleet sheet) off the GUI thread, with progress.

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

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QWidget

PROGRESS_STEPS = 1000


def progress_step(fraction: float) -> int:
    """The bar position for a fraction done (clamped to 0..1)."""
    return int(max(0.0, min(float(fraction), 1.0)) * (PROGRESS_STEPS - 1))


class Cancelled(Exception):
    """The user cancelled the job."""


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
        # Python's cyclic garbage collector runs in whichever thread allocates when it is
        # due; if that is the worker and the garbage holds Qt widgets, Qt destroys them
        # off the GUI thread and the two threads deadlock (the worker holds a Qt lock and
        # waits for the GIL, the GUI thread the reverse). So: collect here, in the GUI
        # thread, and leave automatic collection off until the job is over.
        gc.collect()
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        self.thread = QThread(self)
        self.worker = _Worker(job)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._progressed)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._failed)
        self.thread.start()

    def cancel(self) -> None:
        self.worker.cancel_requested = True
        self.dialog.setLabelText("Cancelling…")

    def wait(self) -> None:
        """Block until the worker thread has ended (used when the window closes)."""
        self.thread.quit()
        self.thread.wait()
        if self._gc_was_enabled:
            gc.enable()

    def _progressed(self, step: float) -> None:
        if not self.finished:
            self.bar.setValue(int(step))

    def _finish(self) -> None:
        self.finished = True
        self.seconds = time.perf_counter() - self.started_at
        self.thread.quit()
        self.thread.wait()
        if self._gc_was_enabled:
            gc.enable()
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
