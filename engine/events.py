"""Progress events yielded by `engine.pipeline.clean_files`: small, frozen, plain values."""

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class BatchStarted:
    total_files: int


@dataclass(frozen=True)
class FileStarted:
    path: Path
    output: Path
    index: int  # 0-based position in the batch
    total_files: int


@dataclass(frozen=True)
class PageStarted:
    path: Path
    page_index: int  # 0-based
    page_count: int
    height: int
    width: int


@dataclass(frozen=True)
class TileDone:
    path: Path
    page_index: int
    page_count: int
    tiles_done: int
    tiles_total: int

    @property
    def file_fraction(self) -> float:
        """Share of the whole file done, counting pages as equal parts."""
        return (self.page_index + self.tiles_done / self.tiles_total) / self.page_count


@dataclass(frozen=True)
class FileDone:
    path: Path
    output: Path
    pages: int
    megapixels: float
    seconds: float


@dataclass(frozen=True)
class FileSkipped:
    path: Path
    output: Path
    reason: str


@dataclass(frozen=True)
class FileFailed:
    path: Path
    reason: str
    error: str  # the error's class name, e.g. "UnreadableImageError"


@dataclass(frozen=True)
class BatchFinished:
    cleaned: int
    skipped: int
    failed: int
    megapixels: float
    seconds: float
    cancelled: bool

    @property
    def megapixels_per_second(self) -> float:
        return self.megapixels / self.seconds if self.seconds > 0 else 0.0


Event = (
    BatchStarted
    | FileStarted
    | PageStarted
    | TileDone
    | FileDone
    | FileSkipped
    | FileFailed
    | BatchFinished
)


def tile_events(
    steps: Generator[tuple[int, int], None, T], path: Path, page_index: int, page_count: int
) -> Generator[TileDone, None, T]:
    """A page's cleaning steps (tiles done, tiles total) as `TileDone` events; returns what
    the steps return (the cleaned page)."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as finished:
            return finished.value
        yield TileDone(path, page_index, page_count, done, total)


def run_to_end(steps: Generator[Any, None, T]) -> T:
    """Run a generator to its end, dropping what it yields; returns what it returns (a
    cleaned page, an edited PDF's page count) where no one follows its progress."""
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value
