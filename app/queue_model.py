"""The queue of pages to clean, as a Qt table model the queue view shows."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from engine.io import page_files, result_page

Index = QModelIndex | QPersistentModelIndex


class ItemState(enum.Enum):
    WAITING = "waiting"
    CLEANING = "cleaning"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class QueueItem:
    """One queued file. `root` is the folder it was queued from (kept for output layout)."""

    source: Path
    root: Path | None = None
    real: Path = field(init=False)  # the resolved path: one file is queued once
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    page: int = 0  # the page being cleaned, 0-based
    thumbnail: QIcon | None = None
    state: ItemState = ItemState.WAITING
    progress: float = 0.0  # 0..1 while cleaning
    reason: str = ""
    output: Path | None = None
    output_page: int | None = 0  # where this file's first page is in `output`; None: unknown
    # (output, mode, dpi, as_positive) of the result written last: BatchOptions.result_of
    cleaned_as: tuple[Path, str, int | None, bool] | None = None

    def __post_init__(self) -> None:
        self.real = self.source.resolve()

    @property
    def finished(self) -> bool:
        """Cleaned, now or by an earlier run (skipped): its result can be shown."""
        return self.state in (ItemState.DONE, ItemState.SKIPPED)

    def result_page(self, page: int = 0) -> tuple[Path, int] | None:
        """The file that holds this item's page `page` once cleaned, and the page there (a
        combined PDF holds many files' pages; a PNG result of a 3-page file is 3 files)."""
        if self.output is None or self.output_page is None:
            return None
        return result_page(self.output, self.output_page + page, self.pages or 1)

    @property
    def output_text(self) -> str:
        """Where the result goes: "cleaned/scan.tif", or "cleaned/scan-p1.png … scan-p3.png"."""
        if self.output is None:
            return ""
        files = page_files(self.output, self.pages or 1) if self.output_page == 0 else []
        if len(files) > 1:
            return f"{files[0]} … {files[-1].name}"
        return str(self.output)

    @property
    def name(self) -> str:
        if self.root is not None:
            try:
                return self.source.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return self.source.name

    @property
    def size_text(self) -> str:
        if self.width is None or self.height is None:
            return "…"
        text = f"{self.width} × {self.height}"
        return f"{text}, {self.pages} pages" if self.pages and self.pages > 1 else text

    @property
    def status_text(self) -> str:
        match self.state:
            case ItemState.CLEANING:
                percent = f"{round(self.progress * 100)}%"
                if self.pages and self.pages > 1:
                    return f"cleaning page {self.page + 1} of {self.pages} · {percent}"
                return f"cleaning {percent}"
            case ItemState.FAILED | ItemState.SKIPPED:
                return f"{self.state.value}: {self.reason}" if self.reason else self.state.value
            case _:
                return self.state.value


class QueueModel(QAbstractTableModel):
    NAME, SIZE, STATUS = range(3)
    HEADERS = ("Page", "Size (px)", "Status")
    ItemRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []
        self._rows: dict[Path, int] = {}
        self._reals: set[Path] = set()

    # Qt model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = index.column()
        if role == self.ItemRole:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.name, item.size_text, item.status_text)[column]
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME:
            return item.thumbnail
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.STATUS and item.output is not None:
                return f"{item.status_text}\n→ {item.output_text}"
            return str(item.source) if column == self.NAME else item.status_text
        return None

    # Queue operations

    def items(self) -> list[QueueItem]:
        return list(self._items)

    def item(self, row: int) -> QueueItem:
        return self._items[row]

    def item_for(self, source: Path) -> QueueItem | None:
        row = self._rows.get(source)
        return None if row is None else self._items[row]

    def row_of(self, source: Path) -> int | None:
        return self._rows.get(source)

    def contains_file(self, path: Path) -> bool:
        """True when `path` (or a link to the same file) is queued."""
        return path.resolve() in self._reals

    def __len__(self) -> int:
        return len(self._items)

    def append(self, items: list[QueueItem]) -> None:
        if not items:
            return
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
        for item in items:
            self._rows[item.source] = len(self._items)
            self._reals.add(item.real)
            self._items.append(item)
        self.endInsertRows()

    def changed(self, source: Path) -> None:
        """Tell the views that the item for `source` was updated in place."""
        row = self._rows.get(source)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def remove_rows(self, rows: list[int]) -> list[tuple[int, QueueItem]]:
        """Remove `rows`; returns each removed item with its row, for `insert_at`."""
        removed = [(row, self._items[row]) for row in sorted(set(rows))]
        for row, _ in reversed(removed):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()
        self._reindex()
        return removed

    def insert_at(self, placed: list[tuple[int, QueueItem]]) -> None:
        """Put items back at their rows (as `remove_rows` returned them); files queued again
        meanwhile stay where they are."""
        for row, item in sorted(placed, key=lambda pair: pair[0]):
            if item.real in self._reals:
                continue
            row = min(row, len(self._items))
            self.beginInsertRows(QModelIndex(), row, row)
            self._items.insert(row, item)
            self._reals.add(item.real)
            self.endInsertRows()
        self._reindex()

    def _reindex(self) -> None:
        self._rows = {item.source: row for row, item in enumerate(self._items)}
        self._reals = {item.real for item in self._items}

    def move_rows(self, rows: Iterable[int], step: int) -> list[int]:
        """Move `rows` one place up (`step` -1) or down (+1); returns their new rows.

        Each run of adjacent rows moves as a block; a run already at that edge stays.
        """
        if step not in (-1, 1):
            raise ValueError(f"step must be -1 or 1, not {step}")
        runs: list[list[int]] = []  # [first, last] of each run of adjacent rows
        for row in sorted(set(rows)):
            if runs and runs[-1][1] == row - 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        moved: list[int] = []
        for first, last in runs:
            at_edge = first == 0 if step < 0 else last == len(self._items) - 1
            if at_edge:
                moved.extend(range(first, last + 1))
                continue
            # Moving the one row beside the run to its other side moves the run.
            beside, destination = (first - 1, last + 1) if step < 0 else (last + 1, first)
            self.beginMoveRows(QModelIndex(), beside, beside, QModelIndex(), destination)
            self._items.insert(last if step < 0 else first, self._items.pop(beside))
            self.endMoveRows()
            for row in range(min(first, beside), max(last, beside) + 1):
                self._rows[self._items[row].source] = row
            moved.extend(range(first + step, last + step + 1))
        return moved

    def clear(self) -> None:
        self.beginResetModel()
        self._items.clear()
        self._rows.clear()
        self._reals.clear()
        self.endResetModel()
