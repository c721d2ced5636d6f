"""The one public batch function: clean planned files with progress.

`plan_jobs` (`engine.discovery`, also importable from here) turns the paths a user gave
(files and folders) into input → output pairs; `clean_jobs` cleans them one by one and
yields `engine.events`. A failing file yields `FileFailed` and the batch carries on;
nothing half-written is ever left behind.
"""

import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from engine.cleaning import iter_clean_output, uses_colour
from engine.denoiser import Denoiser
from engine.discovery import (  # the planning names callers also import from here
    DEFAULT_OUTPUT_FOLDER,
    Job,
    Rejected,
    natural_key,
    output_path_for,
    plan_jobs,
)
from engine.errors import CancelledError, FileError, OutputError
from engine.events import (
    BatchFinished,
    BatchStarted,
    Event,
    FileDone,
    FileFailed,
    FileSkipped,
    FileStarted,
    PageStarted,
    tile_events,
)
from engine.io import (
    LOSSLESS_FORMATS,
    OutputMode,
    Page,
    first_dpi,
    format_for,
    is_written,
    read_pages,
    remove_stale_parts,
    write_pages,
    write_spooled_pdf,
)
from engine.logs import failure_reason
from engine.pdf import MAX_SCAN_DPI, MIN_SCAN_DPI
from engine.pdf_edit import edit_pdf
from engine.pdf_writer import PageSpool, pdf_pages
from engine.read_ahead import ReadAhead
from engine.write_behind import BEHIND_UP_TO_BYTES, Outcome, WriteBehind

__all__ = [
    "DEFAULT_OUTPUT_FOLDER",
    "CleanedFile",
    "Job",
    "Rejected",
    "clean_jobs",
    "natural_key",
    "output_dpi_problem",
    "output_path_for",
    "plan_jobs",
]

Result = TypeVar("Result")

# A resolution given for every page (`clean_jobs(dpi=…)`) must be a plausible scan's.
OUTPUT_DPI_RANGE = (MIN_SCAN_DPI, MAX_SCAN_DPI)


def output_dpi_problem(dpi: float) -> str:
    """Why `dpi` cannot be every page's resolution; "" when it can."""
    low, high = OUTPUT_DPI_RANGE
    if not low <= dpi <= high:
        return f"the resolution must be between {low} and {high} dpi, got {dpi:g}"
    return ""


@dataclass
class CleanedFile:
    pages: list[np.ndarray]  # uint8, ready to write
    dpi: tuple[float, float] | None
    sizes_pt: list[tuple[float, float] | None]  # physical page sizes (PDF sources)
    megapixels: float
    bilevel: list[bool] = field(default_factory=list)  # pages from 1-bit scans, kept 1-bit


def clean_jobs(
    jobs: Sequence[Job],
    denoiser: Denoiser,
    mode: OutputMode = "gray",
    overwrite: bool = False,
    cancel: threading.Event | None = None,
    combine_into: Path | None = None,
    dpi: float | None = None,
    read_ahead: bool = True,
    write_behind: bool = True,
    as_positive: bool = False,
) -> Iterator[Event]:
    """Clean each job's pages and write them; yield progress events as it goes.

    Before the first write into an output folder, temporary files that a killed run left
    there are removed. Existing outputs are skipped unless `overwrite`, so a re-run after an
    interruption carries on where it stopped. With `combine_into` (a .pdf path), every
    cleaned page goes, in job order, into that one PDF instead, written at the end.
    `dpi` is every page's resolution, for scans that carry none or a wrong one: it replaces
    each file's own in the outputs (the DPI of images, the page size of PDFs) and is what
    the cleaning is told; None keeps each file's own. With `read_ahead`, the next page is
    decoded while this one is cleaned (`engine.read_ahead`); with `write_behind`, a cleaned
    file is written while the next is cleaned (`engine.write_behind`), its `FileDone` or
    `FileFailed` coming once it is written. The outputs are the same either way. With
    `as_positive`, a negative page (white writing on a dark ground) is written black on
    white instead of as it came.
    """
    if dpi is not None and (problem := output_dpi_problem(dpi)):
        raise ValueError(problem)
    spool = PageSpool() if combine_into is not None else None
    try:
        yield from _batch(
            jobs,
            denoiser,
            mode,
            overwrite,
            cancel,
            combine_into,
            spool,
            dpi,
            read_ahead,
            write_behind,
            as_positive,
        )
    finally:
        if spool is not None:
            spool.close()


@dataclass
class _Tally:
    """A batch's counts so far; makes the events that change them."""

    cleaned: int = 0
    skipped: int = 0
    failed: int = 0
    megapixels: float = 0.0

    def done(self, file: "_Cleaned", finished: float) -> FileDone:
        self.cleaned += 1
        self.megapixels += file.megapixels
        seconds = finished - file.started
        return FileDone(file.job.source, file.output, file.pages, file.megapixels, seconds)

    def failure(self, source: Path, error: BaseException) -> FileFailed:
        self.failed += 1
        return FileFailed(source, failure_reason(error, source), type(error).__name__)


@dataclass(frozen=True)
class _Cleaned:
    """A cleaned file on its way to `output`."""

    job: Job
    output: Path
    pages: int
    megapixels: float
    started: float  # time.perf_counter() when its cleaning started


def _batch(
    jobs: Sequence[Job],
    denoiser: Denoiser,
    mode: OutputMode,
    overwrite: bool,
    cancel: threading.Event | None,
    combine_into: Path | None,
    combined: PageSpool | None,
    dpi: float | None,
    read_ahead: bool,
    write_behind: bool,
    as_positive: bool,
) -> Iterator[Event]:
    """`clean_jobs`' work; a combined PDF's pages wait in `combined` until the end."""
    started = time.perf_counter()
    swept: set[Path] = set()
    tally = _Tally()
    cancelled = False

    def sweep(folder: Path) -> None:
        if folder not in swept:
            swept.add(folder)
            remove_stale_parts(folder)

    def written(outcomes: Iterable[Outcome[_Cleaned]]) -> Iterator[Event]:
        for outcome in outcomes:
            if outcome.error is None:
                yield tally.done(outcome.key, outcome.finished)
            else:
                yield tally.failure(outcome.key.job.source, outcome.error)

    def written_meanwhile() -> Iterator[Event]:
        return written(behind.finished())

    yield BatchStarted(total_files=len(jobs))
    if combine_into is not None and combine_into.resolve() in {j.source.resolve() for j in jobs}:
        reason = "the combined PDF would overwrite one of the inputs"
        yield FileFailed(combine_into, reason, OutputError.__name__)
        seconds = time.perf_counter() - started
        yield BatchFinished(0, 0, failed=1, megapixels=0.0, seconds=seconds, cancelled=False)
        return
    # Decided before any file is read, so the pages of the files to clean can be read ahead:
    # all but those skipped, PDFs edited in place and pages taken from earlier results.
    written_before = [is_written(combine_into or job.output) and not overwrite for job in jobs]
    read = [
        job.source
        if read_ahead
        and not done
        and not (combined is None and _edits_in_place(job))
        and not (combined is not None and job.cleaned is not None)
        else None
        for job, done in zip(jobs, written_before, strict=True)
    ]
    ahead = ReadAhead(read, colour=uses_colour(mode, denoiser))
    # Writing in line is writing behind with nothing left behind.
    behind = WriteBehind[_Cleaned](up_to_bytes=BEHIND_UP_TO_BYTES if write_behind else -1)
    with closing(ahead), closing(behind):
        for index, job in enumerate(jobs):
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            output = combine_into or job.output
            if written_before[index]:
                tally.skipped += 1
                yield FileSkipped(job.source, output, "already cleaned (use overwrite to redo)")
                continue
            yield FileStarted(job.source, output, index, len(jobs))
            file_started = time.perf_counter()
            try:
                if job.output.resolve() == job.source.resolve():
                    raise OutputError(job.output, "refusing to overwrite the input file")
                if combined is None and _edits_in_place(job):
                    sweep(job.output.parent)
                    edited = edit_pdf(
                        job.source, job.output, denoiser, mode, cancel, dpi, as_positive
                    )
                    pages, cleaned_mp = yield from _beside(edited, written_meanwhile)
                else:
                    result = _earlier_result(job, dpi) if combined is not None else None
                    if result is None:
                        into_pdf = combined is not None or format_for(job.output) == "PDF"
                        pages_read = ahead.pages(index) if read[index] is not None else None
                        steps = _clean_file(
                            job, denoiser, mode, cancel, dpi, into_pdf, pages_read, as_positive
                        )
                        result = yield from _beside(steps, written_meanwhile)
                    if cancel is not None and cancel.is_set():
                        raise CancelledError("cancelled")
                    pages, cleaned_mp = len(result.pages), result.megapixels
                    if combined is None:
                        sweep(job.output.parent)
                        file = _Cleaned(job, output, pages, cleaned_mp, file_started)
                        write = partial(
                            write_pages,
                            job.output,
                            result.pages,
                            result.dpi,
                            mode,
                            result.sizes_pt,
                            result.bilevel,
                        )
                        nbytes = sum(page.nbytes for page in result.pages)
                        outcomes = behind.write(file, write, nbytes)
                        del result, write  # the pages are held by the write alone
                        yield from written(outcomes)
                        ahead.skip(index)
                        continue
                    bw = mode == "bw"
                    pages_in = (result.pages, result.sizes_pt, result.dpi, bw, result.bilevel)
                    combined.add(*pdf_pages(*pages_in))
            except CancelledError:
                cancelled = True
                break
            except Exception as error:  # a batch never dies on one file
                yield from written(behind.wait())  # outcomes come in the jobs' order
                yield tally.failure(job.source, error)
            else:
                yield from written(behind.wait())
                file = _Cleaned(job, output, pages, cleaned_mp, file_started)
                yield tally.done(file, time.perf_counter())
            ahead.skip(index)  # what was read ahead of a file that failed or was refused
        yield from written(behind.wait())
    if combine_into is not None and cancelled:
        tally.cleaned = 0  # nothing was written
    if combine_into is not None and combined and not cancelled:  # some pages, not cancelled
        try:
            sweep(combine_into.parent)
            write_spooled_pdf(combine_into, combined)
        except FileError as error:
            tally.failed += 1
            tally.cleaned = 0
            yield FileFailed(combine_into, error.reason, type(error).__name__)
    yield BatchFinished(
        cleaned=tally.cleaned,
        skipped=tally.skipped,
        failed=tally.failed,
        megapixels=tally.megapixels,
        seconds=time.perf_counter() - started,
        cancelled=cancelled,
    )


def _beside(
    steps: Generator[Event, None, Result], meanwhile: Callable[[], Iterator[Event]]
) -> Generator[Event, None, Result]:
    """`steps`' events, each followed by those `meanwhile` then has (the outcome of the write
    behind, once it ended)."""
    with closing(steps):
        while True:
            try:
                event = next(steps)
            except StopIteration as stop:
                return stop.value
            yield event
            yield from meanwhile()


def _edits_in_place(job: Job) -> bool:
    """A PDF cleaned into a PDF is the user's document with its scans cleaned."""
    return format_for(job.source) == format_for(job.output) == "PDF"


def _earlier_result(job: Job, dpi: float | None) -> CleanedFile | None:
    """The pages of `job.cleaned`, an earlier lossless result, as written; None when there
    is none or it cannot be read (the source is then cleaned again)."""
    if job.cleaned is None or format_for(job.cleaned) not in LOSSLESS_FORMATS:
        return None
    given = (float(dpi), float(dpi)) if dpi is not None else None
    result = CleanedFile(pages=[], dpi=given, sizes_pt=[], megapixels=0.0)  # nothing cleaned
    try:
        for page in read_pages(job.cleaned, colour=True):  # as written: grey or colour
            result.pages.append(page.pixels if page.colour is None else page.colour)
            result.sizes_pt.append(None if given else page.size_pt)
            result.dpi = first_dpi([result.dpi, page.dpi])
    except FileError:
        return None
    return result


def _clean_file(
    job: Job,
    denoiser: Denoiser,
    mode: OutputMode,
    cancel: threading.Event | None,
    dpi: float | None = None,
    into_pdf: bool = False,
    pages: Iterable[Page] | None = None,
    as_positive: bool = False,
) -> Iterator[Event]:
    """Clean every page of one file; returns a `CleanedFile`. A given `dpi` replaces the
    pages' own and their physical sizes (a PDF page's size then follows its pixels). Going
    `into_pdf`, a page from a 1-bit scan comes back black and white, to stay 1-bit there.
    `pages`: the file's pages as read already (`engine.read_ahead`), else it is read here.
    `as_positive`: a negative page comes back black on white."""
    given = (float(dpi), float(dpi)) if dpi is not None else None
    result = CleanedFile(pages=[], dpi=given, sizes_pt=[], megapixels=0.0)
    if pages is None:
        pages = read_pages(job.source, colour=uses_colour(mode, denoiser))
    for page in pages:
        height, width = page.shape
        index, count, own_dpi, size_pt = page.index, page.count, page.dpi, page.size_pt
        yield PageStarted(job.source, index, count, height, width)
        bilevel = into_pdf and page.bilevel
        page_mode = "bw" if bilevel else mode
        steps = iter_clean_output(  # the page is read for this alone: its colours may go
            page.grey,
            denoiser,
            page_mode,
            cancel,
            given or own_dpi,
            page.colour,
            in_place=True,
            as_positive=as_positive,
        )
        del page  # in grey modes, its colours go once the network's view of them is made
        result.pages.append((yield from tile_events(steps, job.source, index, count)))
        result.bilevel.append(bilevel)
        result.sizes_pt.append(None if given else size_pt)
        result.dpi = first_dpi([result.dpi, own_dpi])
        result.megapixels += height * width / 1e6
    return result
