"""Feeding the compare view: the selected page before cleaning and after."""

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.queue_model import ItemState, QueueItem
from app.workers.images import load_preview
from app.workers.tasks import TaskRunner
from engine.errors import FileError

CACHE_SIZE = 8  # decoded pages kept, so flipping between pages is instant


def _cache_key(path: Path) -> tuple[Path, int] | None:
    try:
        return path, path.stat().st_mtime_ns
    except OSError:
        return None


class CompareController(QObject):
    """Loads previews in the background; emits them when they belong to the shown item."""

    images_ready = Signal(object, object, str)  # before QImage|None, after QImage|None, note

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.item: QueueItem | None = None
        self._cache: OrderedDict[tuple[Path, int], QImage] = OrderedDict()
        self._generation = 0
        self._before: QImage | None = None
        self._after: QImage | None = None

    def show(self, item: QueueItem | None) -> None:
        """Show `item` (None clears the view); call again when its state changes."""
        self.item = item
        self._generation += 1
        self._before = self._after = None
        if item is None:
            self.images_ready.emit(None, None, "")
            return
        self._load(item.source, "before")
        finished = item.state in (ItemState.DONE, ItemState.SKIPPED)  # skipped: cleaned before
        if finished and item.output is not None and item.output.is_file():
            self._load(item.output, "after")
        self._emit()

    def _note(self) -> str:
        item = self.item
        if item is None:
            return ""
        match item.state:
            case ItemState.DONE:
                return "" if self._after is not None else "Loading the cleaned page…"
            case ItemState.FAILED:
                return f"Failed: {item.reason}"
            case ItemState.CLEANING:
                return "Cleaning…"
            case ItemState.SKIPPED:
                return "" if self._after is not None else f"Skipped: {item.reason}"
            case _:
                return "Not cleaned yet"

    def _emit(self) -> None:
        self.images_ready.emit(self._before, self._after, self._note())

    def _load(self, path: Path, side: str) -> None:
        key = _cache_key(path)
        if key is not None and key in self._cache:
            self._cache.move_to_end(key)
            self._store(side, self._cache[key])
            return
        generation = self._generation
        self.runner.submit(
            lambda: load_preview(path),
            lambda image: self._on_loaded(generation, key, side, image),
            lambda error: self._on_failed(generation, error),
            urgent=True,
        )

    def _store(self, side: str, image: QImage) -> None:
        if side == "before":
            self._before = image
        else:
            self._after = image

    def _on_loaded(
        self, generation: int, key: tuple[Path, int] | None, side: str, image: QImage
    ) -> None:
        if key is not None:
            self._cache[key] = image
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        if generation == self._generation:
            self._store(side, image)
            self._emit()

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            reason = error.reason if isinstance(error, FileError) else str(error)
            self.images_ready.emit(self._before, self._after, f"Cannot show: {reason}")
