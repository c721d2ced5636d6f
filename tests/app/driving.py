"""Driving the app in tests: dropping files on the window, finding part files, waiting for
the queue and for a batch, hooking its events."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.controllers.main_controller import MainController
from engine.events import BatchFinished

BATCH_TIMEOUT_MS = 30_000


def drop(window, paths: list[Path] | list[QUrl]) -> tuple[bool, bool]:
    """Drag `paths` over the window and drop them, as a file manager does.

    Returns whether the drag-enter and the drop were accepted.
    """
    mime = QMimeData()
    mime.setUrls([p if isinstance(p, QUrl) else QUrl.fromLocalFile(str(p)) for p in paths])
    centre = window.rect().center()
    actions = Qt.DropAction.CopyAction | Qt.DropAction.LinkAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(centre, actions, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    move = QDragMoveEvent(centre, actions, mime, buttons, modifiers)
    QApplication.sendEvent(window, move)
    dropped = QDropEvent(QPointF(centre), actions, mime, buttons, modifiers)
    QApplication.sendEvent(window, dropped)
    return enter.isAccepted(), dropped.isAccepted()


def partial_files(folder: Path) -> list[Path]:
    """Temporary files a write could leave behind (engine writes `.name.*.part`)."""
    return [path for path in folder.rglob("*") if path.name.endswith(".part")]


def wait_queued(qtbot, controller: MainController, expected: int) -> None:
    def queued_and_probed() -> None:
        assert len(controller.queue_model) == expected
        assert controller.runner.pending == 0

    qtbot.waitUntil(queued_and_probed, timeout=10_000)


def run_batch(qtbot, controller: MainController, start: Callable[[], object]) -> BatchFinished:
    """Start a batch with `start()` and wait until its thread has ended."""
    with qtbot.waitSignal(controller.batch.finished, timeout=BATCH_TIMEOUT_MS) as blocker:
        start()
    qtbot.waitUntil(lambda: not controller.batch.running, timeout=BATCH_TIMEOUT_MS)
    return blocker.args[0]


def on_worker_events(controller: MainController, handler: Callable[[object], None]) -> None:
    """Call `handler` with every engine event of the next batch, on the worker thread as the
    engine yields it (before the GUI thread sees it)."""
    controller.batch.worker_created.connect(
        lambda worker: worker.event_emitted.connect(handler, Qt.ConnectionType.DirectConnection)
    )
