"""Feeding the compare view: the selected file's shown page, before cleaning and after."""

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from app.queue_model import ItemState, QueueItem
from app.workers.images import Original, load_preview
from app.workers.tasks import TaskRunner
from engine.denoiser import Denoiser
from engine.errors import FileError
from engine.io import MAX_PAGE_PIXELS, OutputMode

CACHE_SIZE = 8  # decoded pages kept, so flipping between pages is instant
# ...and no more bytes than that many of the largest grey pages (a colour page takes three
# times a grey one's).
CACHE_BYTES = CACHE_SIZE * MAX_PAGE_PIXELS

# file, modification time, page, preview mode, the model's sha256, the result's original
CacheKey = tuple[Path, int, int, str | None, str | None, Original | None]


def _cache_key(
    path: Path,
    page: int,
    mode: OutputMode | None,
    model: Denoiser | None,
    original: Original | None,
) -> CacheKey | None:
    try:
        sha256 = model.sha256 if model is not None else None
        return path, path.stat().st_mtime_ns, page, mode, sha256, original
    except OSError:
        return None


class CompareController(QObject):
    """Loads previews in the background; emits them when they belong to the shown item."""

    images_ready = Signal(object, object, str)  # before QImage|None, after QImage|None, note
    page_changed = Signal(int, int)  # page shown (0-based), pages in the file

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.item: QueueItem | None = None
        self.page = 0
        self.mode: OutputMode = "gray"  # the output mode the After side previews
        # The loaded model, which previews a grey result in black and white as it writes it.
        self.model: Denoiser | None = None
        self._cache: OrderedDict[CacheKey, QImage] = OrderedDict()
        self._generation = 0
        self._before: QImage | None = None
        self._after: QImage | None = None

    @property
    def page_count(self) -> int:
        return (self.item.pages or 1) if self.item is not None else 0

    def show(self, item: QueueItem | None) -> None:
        """Show `item` (None clears the view); call again when its state changes.

        Another item starts at its first page; the same item stays on the page shown.
        """
        if item is not self.item:
            self.page = 0
        self.item = item
        self._show_page(keep_shown=False)

    def set_mode(self, mode: OutputMode) -> None:
        """Preview the After side in the output mode `mode` ("bw": black and white, "color":
        a colour result in colour)."""
        if mode != self.mode:
            self.mode = mode
            self.refresh()

    def set_model(self, model: Denoiser) -> None:
        """Preview black and white as the loaded `model` writes it."""
        if model is not self.model:
            self.model = model
            if self.mode == "bw":
                self.refresh()

    def refresh(self) -> None:
        """Load the shown page again, keeping it on screen meanwhile (e.g. once a combined PDF
        has been written at the end of its batch)."""
        if self.item is not None:
            self._show_page(keep_shown=True)

    def step_page(self, step: int) -> None:
        """Show the page `step` pages further on (negative: back), within the file."""
        page = min(max(self.page + step, 0), self.page_count - 1)
        if self.item is not None and page != self.page:
            self.page = page
            self._show_page(keep_shown=True)

    def announce_page(self) -> None:
        """Emit `page_changed` again (the page count arrives when the file is probed)."""
        self.page_changed.emit(self.page, self.page_count)

    def _show_page(self, keep_shown: bool) -> None:
        """Load the shown page of the item's source and output.

        With `keep_shown`, the view keeps the previous page until the new one has loaded,
        so stepping through pages of one size keeps the zoom and pan.
        """
        item = self.item
        self._generation += 1
        self._before = self._after = None
        self.announce_page()
        if item is None:
            self.images_ready.emit(None, None, "")
            return
        pending = self._load(item.source, self.page, "before", None)
        finished = item.finished
        result = item.result_page(self.page)
        if finished and result is not None and result[0].is_file():
            original = None
            if item.cleaned_as is not None and item.cleaned_as[1] == "gray":
                original = Original(item.source, self.page, item.cleaned_as[3])
            pending += self._load(*result, "after", self.mode, original)
        if not (keep_shown and pending):
            self._emit()

    def _note(self) -> str:
        item = self.item
        if item is None:
            return ""
        match item.state:
            case ItemState.DONE if self._after is None:
                result = item.result_page(self.page)
                if result is not None and not result[0].is_file():
                    return f"Cleaned: shown once {result[0].name} is written"
                return "Loading the cleaned page…"
            case ItemState.DONE:
                return ""
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

    def _load(
        self,
        path: Path,
        page: int,
        side: str,
        mode: OutputMode | None,
        original: Original | None = None,
    ) -> int:
        """Show page `page` of `path` on `side` (in `mode`, if given; a grey result made
        from `original`); returns 1 if it loads in the background."""
        model = self.model
        original = original if mode == "bw" else None
        key = _cache_key(path, page, mode, model, original)
        if key is not None and key in self._cache:
            self._cache.move_to_end(key)
            self._store(side, self._cache[key])
            return 0
        generation = self._generation
        self.runner.submit(
            lambda: load_preview(path, page, mode, model, original),
            lambda image: self._on_loaded(generation, key, side, image),
            lambda error: self._on_failed(generation, error),
            urgent=True,
        )
        return 1

    def _store(self, side: str, image: QImage) -> None:
        if side == "before":
            self._before = image
        else:
            self._after = image

    def _on_loaded(self, generation: int, key: CacheKey | None, side: str, image: QImage) -> None:
        if key is not None:
            self._cache[key] = image
            self._trim_cache()
        if generation == self._generation:
            self._store(side, image)
            self._emit()

    def _trim_cache(self) -> None:
        """Drop the pages used least lately beyond CACHE_SIZE or CACHE_BYTES (the newest
        stays)."""
        size = sum(image.sizeInBytes() for image in self._cache.values())
        while len(self._cache) > 1 and (len(self._cache) > CACHE_SIZE or size > CACHE_BYTES):
            size -= self._cache.popitem(last=False)[1].sizeInBytes()

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            reason = error.reason if isinstance(error, FileError) else str(error)
            self.images_ready.emit(self._before, self._after, f"Cannot show: {reason}")
