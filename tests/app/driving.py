"""Driving the app in tests: dropping files on the window, finding part files, waiting for
the queue and for a batch, hooking its events, reading what a view shows."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QPixmap
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


def shown_pixels(image: QImage | QPixmap, colour: bool = False) -> np.ndarray:
    """What an image or pixmap shows, as a numpy copy: grey levels (H×W), or with `colour`
    RGB (H×W×3)."""
    if isinstance(image, QPixmap):
        image = image.toImage()
    channels = 3 if colour else 1
    format = QImage.Format.Format_RGB888 if colour else QImage.Format.Format_Grayscale8
    image = image.convertToFormat(format)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    # A copy: the converted image, and the memory its bits are in, go with this function.
    pixels = rows[:, : image.width() * channels].copy()
    return pixels.reshape(image.height(), image.width(), 3) if colour else pixels
