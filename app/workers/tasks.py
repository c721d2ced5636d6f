"""Short background jobs (probing, thumbnails, previews, loading a model) on a thread pool.

Results come back on the GUI thread through signals of one long-lived QObject, so a
finished task never refers to a deleted object.
"""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

OnDone = Callable[[Any], None]
OnError = Callable[[Exception], None]


class _Task(QRunnable):
    def __init__(self, runner: "TaskRunner", task_id: int, function: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._function = function

    def run(self) -> None:
        try:
            result = self._function()
        except Exception as error:  # handed to the GUI thread, which decides what to show
            self._runner._failed.emit(self._task_id, error)
        else:
            self._runner._finished.emit(self._task_id, result)


class TaskRunner(QObject):
    """Runs functions on its own `QThreadPool`; calls `on_done`/`on_error` on the GUI thread."""

    _finished = Signal(int, object)
    _failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._callbacks: dict[int, tuple[OnDone, OnError | None]] = {}
        self._next_id = 0
        self._closed = False
        self._finished.connect(self._deliver_result)
        self._failed.connect(self._deliver_error)

    @property
    def pending(self) -> int:
        """Tasks submitted whose callbacks have not run yet."""
        return len(self._callbacks)

    def submit(
        self,
        function: Callable[[], Any],
        on_done: OnDone,
        on_error: OnError | None = None,
        urgent: bool = False,
    ) -> int:
        """Run `function()` on the pool. `urgent` tasks (what the user is waiting for: the
        model, the page on screen) jump ahead of queued background ones (thumbnails)."""
        if self._closed:
            return -1
        self._next_id += 1
        self._callbacks[self._next_id] = (on_done, on_error)
        self.pool.start(_Task(self, self._next_id, function), 1 if urgent else 0)
        return self._next_id

    def shutdown(self) -> None:
        """Drop queued tasks and wait for the running ones; no callback runs afterwards."""
        self._closed = True
        self.pool.clear()
        self.pool.waitForDone()
        self._callbacks.clear()

    @Slot(int, object)
    def _deliver_result(self, task_id: int, result: Any) -> None:
        callbacks = self._callbacks.pop(task_id, None)
        if callbacks is not None:
            callbacks[0](result)

    @Slot(int, object)
    def _deliver_error(self, task_id: int, error: Exception) -> None:
        callbacks = self._callbacks.pop(task_id, None)
        if callbacks is not None:
            if callbacks[1] is None:
                raise error
            callbacks[1](error)
