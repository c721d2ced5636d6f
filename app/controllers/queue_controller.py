"""Adding, removing and describing the queued pages."""

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon, QPixmap

from app.queue_model import ItemState, QueueItem, QueueModel
from app.workers.images import ProbedImage, probe_with_thumbnail
from app.workers.inputs import FoundInputs, find_inputs
from app.workers.tasks import TaskRunner
from engine.discovery import Rejected
from engine.errors import FileError

UNDO_STEPS = 20  # removals that Undo can take back


class QueueController(QObject):
    """Expands paths in the background, skips duplicates, keeps the rejected ones with reasons."""

    added = Signal(int, int)  # pages queued, duplicates ignored
    rejected_changed = Signal()  # `rejected` has new entries, or was cleared
    can_undo_changed = Signal(bool)

    def __init__(self, model: QueueModel, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.runner = runner
        self.rejected: list[Rejected] = []
        self.locked: set[Path] = set()  # pages the running batch is cleaning
        self._removals: list[list[tuple[int, QueueItem]]] = []  # for Undo, the last at the end

    def add_paths(self, paths: Iterable[Path], recursive: bool) -> None:
        """Queue files and the images inside folders; results arrive in the background."""
        paths = [Path(path) for path in paths]
        if paths:
            self.runner.submit(lambda: find_inputs(paths, recursive), self._on_found, urgent=True)

    def _on_found(self, found: FoundInputs) -> None:
        new: list[QueueItem] = []
        seen: set[Path] = set()
        duplicates = 0
        for source, root in found.files:
            item = QueueItem(source=source, root=root)
            if item.real in seen or self.model.contains_file(item.real):
                duplicates += 1
                continue
            seen.add(item.real)
            new.append(item)
        self.model.append(new)
        for item in new:
            self._probe(item.source)
        self.reject(found.rejected)
        self.added.emit(len(new), duplicates)

    def reject(self, rejected: list[Rejected]) -> None:
        """Keep `rejected` with their reasons among the files not added."""
        if rejected:
            self.rejected.extend(rejected)
            self.rejected_changed.emit()

    def _probe(self, source: Path) -> None:
        self.runner.submit(
            lambda: probe_with_thumbnail(source),
            lambda probed: self._on_probed(source, probed),
            lambda error: self._on_probe_failed(source, error),
        )

    def _on_probed(self, source: Path, probed: ProbedImage) -> None:
        item = self.model.item_for(source)
        if item is None:  # removed meanwhile
            return
        item.width, item.height = probed.info.width, probed.info.height
        item.pages = probed.info.page_count
        item.thumbnail = QIcon(QPixmap.fromImage(probed.thumbnail))  # scaled to the view's size
        self.model.changed(source)

    def _on_probe_failed(self, source: Path, error: BaseException) -> None:
        item = self.model.item_for(source)
        if item is None or item.state != ItemState.WAITING:
            return
        reason = error.reason if isinstance(error, FileError) else f"cannot read: {error}"
        item.state, item.reason = ItemState.FAILED, reason
        self.model.changed(source)

    def remove_rows(self, rows: Iterable[int]) -> int:
        """Remove the given rows, except pages the running batch is cleaning; Undo puts
        them back."""
        removable = [row for row in rows if self.model.item(row).source not in self.locked]
        removed = self.model.remove_rows(removable)
        if removed:
            self._removals = [*self._removals[-UNDO_STEPS + 1 :], removed]
            self.can_undo_changed.emit(True)
        return len(removed)

    @property
    def can_undo(self) -> bool:
        return bool(self._removals)

    def undo_remove(self) -> int:
        """Put back the pages removed (or cleared) last, where they were; returns how many."""
        if not self._removals:
            return 0
        count = len(self.model)
        self.model.insert_at(self._removals.pop())
        self.can_undo_changed.emit(self.can_undo)
        return len(self.model) - count

    def move_rows(self, rows: Iterable[int], step: int) -> list[int]:
        """Move rows one place up (-1) or down (+1); a running batch keeps the order it has."""
        rows = list(rows)
        return rows if self.locked else self.model.move_rows(rows, step)

    def clear(self) -> int:
        """Remove every page the running batch does not hold."""
        return self.remove_rows(range(len(self.model)))

    def clear_rejected(self) -> None:
        self.rejected.clear()
        self.rejected_changed.emit()
