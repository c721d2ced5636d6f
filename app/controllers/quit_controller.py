"""Closing the window: during a batch ask first, cancel it and close once it has stopped; on
close save the settings and wait for every worker."""

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from app.controllers.batch_controller import BatchController
from app.queue_model import ItemState, QueueModel
from app.views.main_window import MainWindow
from app.views.message_boxes import quit_question
from app.workers.tasks import TaskRunner


class QuitController(QObject):
    def __init__(
        self,
        window: MainWindow,
        batch: BatchController,
        runner: TaskRunner,
        queue_model: QueueModel,
        save_settings: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.batch = batch
        self.runner = runner
        self.queue_model = queue_model
        self.save_settings = save_settings
        self.quit_box: QMessageBox | None = None
        self._quit_when_stopped = False
        self._closed = False
        window.quit_action.triggered.connect(window.close)
        window.close_guard = self.may_close
        window.closing.connect(self.shutdown)
        batch.running_changed.connect(self._on_running_changed)

    def may_close(self) -> bool:
        """Closing during a batch asks first; on yes the batch is cancelled (as Cancel does)
        and the window closes once it has stopped."""
        if self._closed or not self.batch.running:
            return True
        if not self._quit_when_stopped:
            self._ask_to_quit()
        return False

    def _ask_to_quit(self) -> None:
        left = sum(
            item.state in (ItemState.WAITING, ItemState.CLEANING)
            for item in map(self.queue_model.item_for, self.batch.sources)
            if item is not None
        )
        box, stop = quit_question(self.window, left)
        box.buttonClicked.connect(lambda button: button is stop and self._stop_and_quit())
        self.quit_box = box
        box.open()

    def _stop_and_quit(self) -> None:
        if not self.batch.running:
            self.window.close()
            return
        self._quit_when_stopped = True
        self.batch.cancel()

    def _on_running_changed(self, running: bool) -> None:
        if not running and self._quit_when_stopped:
            self.window.close()

    def shutdown(self) -> None:
        """Save settings, stop the batch between tiles and wait for every worker."""
        if self._closed:
            return
        self._closed = True
        self.save_settings()
        self.batch.shutdown()
        self.runner.shutdown()
