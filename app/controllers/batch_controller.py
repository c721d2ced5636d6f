"""Cleaning a batch in the background: start, cancel, and turn engine events into progress.

Over 300 lines because one batch's state (its jobs, the combined PDF's pages, progress and
timing) is followed through every engine event in one place, which keeps it consistent."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.queue_model import ItemState, QueueItem, QueueModel
from app.workers.events import EventWorker
from engine.denoiser import Denoiser
from engine.discovery import OVERWRITES_INPUT, Job, OutputClaims, output_path_for
from engine.events import (
    BatchFinished,
    Event,
    FileDone,
    FileFailed,
    FileSkipped,
    FileStarted,
    PageStarted,
    TileDone,
)
from engine.pipeline import clean_jobs


@dataclass(frozen=True)
class BatchOptions:
    output_dir: Path | None  # None: a `cleaned` folder beside each input
    mode: str  # "gray", "bw" or "color" (engine.options.OUTPUT_MODES)
    overwrite: bool
    output_format: str = "same"  # a key of engine.pipeline.OUTPUT_SUFFIXES
    combine_into: Path | None = None  # one PDF that receives every page, in queue order
    dpi: int | None = None  # every page's resolution in the results; None: each file's own
    as_positive: bool = False  # negative pages written black on white

    def result_of(self, output: Path) -> tuple[Path, str, int | None, bool]:
        """What a result written to `output` with these options is: QueueItem.cleaned_as."""
        return output, self.mode, self.dpi, self.as_positive


@dataclass(frozen=True)
class BatchProgress:
    fraction: float  # 0..1 for the whole batch
    files_finished: int
    total_files: int
    pages_done: int
    pages_per_minute: float
    seconds_left: float | None

    def describe(self) -> str:
        """E.g. "3 of 10 files · 12 pages/min · about 2 min left"."""
        parts = [f"{self.files_finished} of {self.total_files} files"]
        if self.pages_done:
            parts.append(rate_text(self.pages_per_minute))
        if self.seconds_left is not None and self.fraction < 1:
            parts.append(f"about {_duration(self.seconds_left)} left")
        return " · ".join(parts)


def rate_text(pages_per_minute: float) -> str:
    """ "968 pages/min", "2.5 pages/min": a decimal only where it tells something."""
    return f"{pages_per_minute:.{1 if pages_per_minute < 10 else 0}f} pages/min"


def summary_text(event: BatchFinished, pages_per_minute: float) -> str:
    """The one message a finished batch leaves: "Done: 3 cleaned, 0 failed, 0 skipped · …"."""
    prefix = "Cancelled" if event.cancelled else "Done"
    text = f"{prefix}: {event.cleaned} cleaned, {event.failed} failed, {event.skipped} skipped"
    return f"{text} · {rate_text(pages_per_minute)}" if event.cleaned else text


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _earlier_result(item: QueueItem, options: BatchOptions) -> Path | None:
    """`item`'s own result file where it was cleaned in `options`' mode, resolution and
    polarity: the combined PDF then takes its pages from it (the engine checks that it can)."""
    if item.state != ItemState.DONE or item.cleaned_as is None:
        return None
    output = item.cleaned_as[0]
    if item.cleaned_as != options.result_of(output) or output == options.combine_into:
        return None
    return output


class BatchController(QObject):
    running_changed = Signal(bool)
    progress = Signal(object)  # BatchProgress
    finished = Signal(object)  # engine.events.BatchFinished
    worker_created = Signal(object)  # its EventWorker, before it starts (tests hook in here)
    message = Signal(str)

    def __init__(self, model: QueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.worker: EventWorker | None = None
        self.sources: set[Path] = set()
        self.cancelling = False
        self.combine_into: Path | None = None
        self._combined: list[Path] = []  # sources whose pages wait for the combined PDF
        self._combined_order: tuple[Path, ...] = ()  # sources in the last combined PDF written
        self._options = BatchOptions(output_dir=None, mode="gray", overwrite=False)
        self.final_pages_per_minute = 0.0  # of the batch that finished last
        self._combined_pages = 0
        self._total = 0
        self._finished_files = 0
        self._current: QueueItem | None = None  # being cleaned
        self._writing: QueueItem | None = None  # cleaned, being written behind the next
        self._pages_done = 0
        self._started = 0.0

    @property
    def running(self) -> bool:
        return self.worker is not None

    def planned_output(self, item: QueueItem, options: BatchOptions) -> Path:
        """Where `item`'s result goes with `options`."""
        if options.combine_into is not None:
            return options.combine_into
        return output_path_for(item.source, options.output_dir, item.root, options.output_format)

    def outdated(self, items: list[QueueItem], options: BatchOptions) -> list[QueueItem]:
        """The items without a result for `options` (output, mode and resolution): what Clean
        all cleans.

        A combined PDF holds every page in queue order, so when any page or the order is
        out of date, all of them go into it again.
        """

        def up_to_date(item: QueueItem) -> bool:
            result = options.result_of(self.planned_output(item, options))
            return item.state == ItemState.DONE and item.cleaned_as == result

        if options.combine_into is None:
            return [item for item in items if not up_to_date(item)]
        same_order = tuple(item.source for item in items) == self._combined_order
        return [] if same_order and all(map(up_to_date, items)) else list(items)

    def start(self, items: list[QueueItem], denoiser: Denoiser, options: BatchOptions) -> int:
        """Clean `items` in a worker thread; returns how many were handed to it."""
        if self.running:
            return 0
        if options.combine_into is None:
            jobs = self._jobs_for(items, options.output_dir, options.output_format)
        else:
            jobs = self._combined_jobs(items, options)
        if not jobs:
            return 0

        def batch(cancel: threading.Event) -> Iterator[Event]:
            return clean_jobs(
                jobs,
                denoiser,
                mode=options.mode,
                overwrite=options.overwrite,
                cancel=cancel,
                combine_into=options.combine_into,
                dpi=options.dpi,
                as_positive=options.as_positive,
            )

        worker = EventWorker(batch, parent=self)
        worker.event_emitted.connect(self._on_event)
        worker.crashed.connect(self._on_crashed)
        worker.finished.connect(self._on_thread_finished)
        self.worker = worker
        self.sources = {job.source for job in jobs}
        self.cancelling = False
        self.combine_into = options.combine_into
        self._options = options
        self._combined = []
        self._combined_pages = 0
        self._total = len(jobs)
        self._finished_files = 0
        self._current = self._writing = None
        self._pages_done = 0
        self._started = time.monotonic()
        self.running_changed.emit(True)
        self.worker_created.emit(worker)
        worker.start()
        self._emit_progress()
        return len(jobs)

    def _jobs_for(
        self, items: list[QueueItem], output_dir: Path | None, output_format: str
    ) -> list[Job]:
        """One output per item; items that cannot be written fail here, before any work."""
        jobs: list[Job] = []
        claims: OutputClaims[Path] = OutputClaims()
        for item in items:
            output = output_path_for(item.source, output_dir, item.root, output_format)
            reason = claims.refusal(item.real, output.resolve(), item.name, str(output))
            if reason == OVERWRITES_INPUT:
                reason += "; choose another output folder"
            self._prepare(item, output, 0, reason)
            if not reason:
                jobs.append(Job(item.source, output))
        return jobs

    def _combined_jobs(self, items: list[QueueItem], options: BatchOptions) -> list[Job]:
        """Every item into the combined PDF, unless that would overwrite a queued input."""
        target = options.combine_into
        assert target is not None
        real_target = target.resolve()
        clash = next((item for item in self.model.items() if item.real == real_target), None)
        if clash is not None:
            self.message.emit(
                f"The combined PDF would overwrite {clash.name}, a queued input: "
                "choose another file"
            )
            return []
        jobs = [Job(item.source, target, _earlier_result(item, options)) for item in items]
        for item in items:
            self._prepare(item, target, None, "")  # its place in the PDF is known when done
        return jobs

    def _prepare(self, item: QueueItem, output: Path, output_page: int | None, reason: str) -> None:
        item.output, item.output_page = output, output_page
        item.progress, item.page = 0.0, 0
        item.state = ItemState.FAILED if reason else ItemState.WAITING
        item.reason = reason
        self.model.changed(item.source)

    def cancel(self) -> None:
        if self.worker is not None and not self.cancelling:
            self.cancelling = True
            self.worker.cancel()
            self.message.emit("Cancelling… the current tile finishes, nothing half-written stays")

    def shutdown(self) -> None:
        """Stop the batch and wait for its thread (on quit)."""
        worker = self.worker
        if worker is not None:
            worker.cancel()
            worker.wait()

    def _item(self, source: Path) -> QueueItem | None:
        return self.model.item_for(source)

    def _set(self, source: Path, **changes: object) -> None:
        item = self._item(source)
        if item is None:
            return
        for name, value in changes.items():
            setattr(item, name, value)
        self.model.changed(source)

    def _on_event(self, event: object) -> None:
        match event:
            case FileStarted(path=path, output=output):
                self._writing, self._current = self._current, self._item(path)
                self._set(path, state=ItemState.CLEANING, progress=0.0, output=output)
                self._emit_progress()
            case PageStarted(path=path, page_index=page, page_count=pages):
                self._set(path, page=page, pages=pages)
            case TileDone(path=path):
                self._set(path, progress=event.file_fraction, page=event.page_index)
                self._emit_progress()
            case FileDone(path=path, output=output, pages=pages):
                self._pages_done += pages
                first_page = 0
                if self.combine_into is not None:
                    first_page = self._combined_pages
                    self._combined_pages += pages
                    self._combined.append(path)
                self._file_finished(
                    path,
                    state=ItemState.DONE,
                    progress=1.0,
                    output=output,
                    output_page=first_page,
                    cleaned_as=self._options.result_of(output),
                )
            case FileSkipped(path=path, output=output, reason=reason):
                first_page = None if self.combine_into is not None else 0  # unknown in a PDF
                self._file_finished(
                    path,
                    state=ItemState.SKIPPED,
                    reason=reason,
                    output=output,
                    output_page=first_page,
                )
            case FileFailed(path=path, reason=reason) if path == self.combine_into:
                self._undo_combined(ItemState.FAILED, f"the combined PDF was not written: {reason}")
            case FileFailed(path=path, reason=reason):
                self._file_finished(path, state=ItemState.FAILED, reason=reason)
            case BatchFinished():
                self._on_batch_finished(event)

    def _file_finished(self, path: Path, **changes: object) -> None:
        # A file's outcome may come once the next one is being cleaned (written behind it).
        self._finished_files += 1
        if self._current is not None and self._current.source == path:
            self._current = None
        if self._writing is not None and self._writing.source == path:
            self._writing = None
        self._set(path, **changes)
        self._emit_progress()

    def _undo_combined(self, state: ItemState, reason: str) -> None:
        """The combined PDF was not written: its files are not done after all."""
        for source in self._combined:
            self._set(
                source, state=state, reason=reason, progress=0.0, output_page=None, cleaned_as=None
            )
        self._combined = []

    def _on_batch_finished(self, event: BatchFinished) -> None:
        if self._current is not None and self._current.state == ItemState.CLEANING:
            self._set(self._current.source, state=ItemState.CANCELLED, progress=0.0)
        self._current = self._writing = None
        if event.cancelled and self._combined:  # the combined PDF is written only at the end
            self._undo_combined(ItemState.CANCELLED, "")
        if self.combine_into is not None and self._combined:
            self._combined_order = tuple(self._combined)
        self.final_pages_per_minute = self._pages_per_minute()
        self.finished.emit(event)

    def _on_crashed(self, reason: str) -> None:
        for source in self.sources:
            item = self._item(source)
            if item is not None and item.state in (ItemState.CLEANING, ItemState.WAITING):
                self._set(source, state=ItemState.FAILED, reason=f"batch stopped: {reason}")
        self.message.emit(f"Cleaning stopped by an unexpected error: {reason}")

    def _on_thread_finished(self) -> None:
        worker, self.worker = self.worker, None
        self.sources = set()
        self.cancelling = False
        if worker is not None:
            worker.deleteLater()
        self.running_changed.emit(False)

    def _pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self._started
        return self._pages_done * 60.0 / elapsed if elapsed > 0 else 0.0

    def _emit_progress(self) -> None:
        total = max(self._total, 1)
        unfinished = (item for item in (self._writing, self._current) if item is not None)
        done = self._finished_files + sum(item.progress for item in unfinished)
        elapsed = time.monotonic() - self._started
        seconds_left = elapsed * (total - done) / done if done > 0 else None
        self.progress.emit(
            BatchProgress(
                fraction=min(done / total, 1.0),
                files_finished=self._finished_files,
                total_files=self._total,
                pages_done=self._pages_done,
                pages_per_minute=self._pages_per_minute(),
                seconds_left=seconds_left,
            )
        )
