"""The batch worker: one `QThread` per batch that runs `engine.pipeline.clean_jobs`."""

import threading
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from engine.denoiser import Denoiser
from engine.pipeline import Job, clean_jobs


class BatchWorker(QThread):
    """Cleans `jobs` and emits every engine event; `cancel()` stops it between tiles.

    It receives plain values (jobs, the shared `Denoiser`, the mode) and never touches
    widgets; the GUI thread turns its events into queue updates. With `combine_into`, every
    cleaned page goes into that one PDF, written when the last job is done; a `dpi` is every
    page's resolution in the results.
    """

    event_emitted = Signal(object)  # an engine.events event
    crashed = Signal(str)  # an unexpected error ended the batch early

    def __init__(
        self,
        jobs: Sequence[Job],
        denoiser: Denoiser,
        mode: str,
        overwrite: bool,
        combine_into: Path | None = None,
        dpi: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs = list(jobs)
        self.denoiser = denoiser
        self.mode = mode
        self.overwrite = overwrite
        self.combine_into = combine_into
        self.dpi = dpi
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        try:
            events = clean_jobs(
                self.jobs,
                self.denoiser,
                mode=self.mode,
                overwrite=self.overwrite,
                cancel=self.cancel_event,
                combine_into=self.combine_into,
                dpi=self.dpi,
            )
            for event in events:
                self.event_emitted.emit(event)
        except Exception as error:  # engine bugs must not kill the app; the GUI reports them
            self.crashed.emit(f"{type(error).__name__}: {error}")
