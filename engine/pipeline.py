"""The one public batch function: plan which files to clean, then clean them with progress.

`plan_jobs` turns the paths a user gave (files and folders) into input → output pairs;
`clean_jobs` cleans them one by one and yields `engine.events`. A failing file yields
`FileFailed` and the batch carries on; nothing half-written is ever left behind.
"""

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.cleaning import iter_clean_page
from engine.denoiser import Denoiser
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
    TileDone,
)
from engine.io import (
    OutputMode,
    is_supported,
    read_pages,
    remove_stale_parts,
    to_uint8,
    write_pages,
)

# Without an output folder, results go to a folder of this name beside each input.
DEFAULT_OUTPUT_FOLDER = "cleaned"


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str
    ignorable: bool = False  # a non-image file met while scanning a folder


def output_path_for(source: Path, output_dir: Path | None, relative_to: Path | None = None) -> Path:
    """Where the cleaned version of `source` goes (same name and format)."""
    if output_dir is None:
        return source.parent / DEFAULT_OUTPUT_FOLDER / source.name
    if relative_to is not None:
        return output_dir / source.relative_to(relative_to)
    return output_dir / source.name


def _walk_folder(
    folder: Path, recursive: bool, is_output_dir: Callable[[Path], bool]
) -> Iterator[Path | Rejected]:
    """Files under `folder` in name order, following links to folders but never in a loop."""
    seen: set[Path] = set()

    def visit(current: Path) -> Iterator[Path | Rejected]:
        real = current.resolve()
        if real in seen:
            yield Rejected(current, "folder link loops back to a folder already scanned")
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError as error:
            yield Rejected(current, f"cannot list folder: {error.strerror}")
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue  # hidden files and our own temporary files
            try:
                is_dir = entry.is_dir()
            except OSError as error:
                yield Rejected(path, f"cannot inspect: {error.strerror}")
                continue
            if is_dir:
                if recursive and not is_output_dir(path):
                    yield from visit(path)
            else:
                yield path

    yield from visit(folder)


def plan_jobs(
    paths: Iterable[Path], output_dir: Path | None = None, recursive: bool = True
) -> tuple[list[Job], list[Rejected]]:
    """Expand files and folders into jobs; explain every path that will not be cleaned.

    Folder contents keep their layout under `output_dir`. Output folders are never scanned
    as input (a re-run does not clean its own results). Duplicates are queued once.
    """
    jobs: list[Job] = []
    rejected: list[Rejected] = []
    sources: set[Path] = set()
    outputs: dict[Path, Path] = {}
    real_output_dir = output_dir.resolve() if output_dir is not None else None

    def is_output_dir(folder: Path) -> bool:
        if real_output_dir is None:
            return folder.name == DEFAULT_OUTPUT_FOLDER
        return folder.resolve() == real_output_dir

    def add(source: Path, relative_to: Path | None) -> None:
        if not is_supported(source):
            in_folder = relative_to is not None
            rejected.append(Rejected(source, "not a supported image type", ignorable=in_folder))
            return
        real = source.resolve()
        if real in sources:
            return
        output = output_path_for(source, output_dir, relative_to)
        real_output = output.resolve()
        if real_output == real:
            rejected.append(Rejected(source, "its output would overwrite the input"))
        elif real_output in outputs:
            rejected.append(
                Rejected(source, f"{outputs[real_output].name} is already written to {output}")
            )
        else:
            sources.add(real)
            outputs[real_output] = source
            jobs.append(Job(source, output))

    for path in map(Path, paths):
        if path.is_dir():
            for item in _walk_folder(path, recursive, is_output_dir):
                if isinstance(item, Rejected):
                    rejected.append(item)
                else:
                    add(item, path)
        elif path.exists() or path.is_symlink():
            add(path, None)
        else:
            rejected.append(Rejected(path, "not found"))
    return jobs, rejected


def clean_jobs(
    jobs: Sequence[Job],
    denoiser: Denoiser,
    mode: OutputMode = "gray",
    overwrite: bool = False,
    cancel: threading.Event | None = None,
) -> Iterator[Event]:
    """Clean each job's pages and write them; yield progress events as it goes.

    Before the first write into an output folder, temporary files that a killed run left
    there are removed. Existing outputs are skipped unless `overwrite`, so a re-run after an
    interruption carries on where it stopped.
    """
    started = time.perf_counter()
    swept: set[Path] = set()
    cleaned = skipped = failed = 0
    megapixels = 0.0
    cancelled = False
    yield BatchStarted(total_files=len(jobs))
    for index, job in enumerate(jobs):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        if job.output.exists() and not overwrite:
            skipped += 1
            yield FileSkipped(job.source, job.output, "already cleaned (use overwrite to redo)")
            continue
        yield FileStarted(job.source, job.output, index, len(jobs))
        file_started = time.perf_counter()
        try:
            pages, dpi, file_megapixels = yield from _clean_file(job, denoiser, mode, cancel)
            if cancel is not None and cancel.is_set():
                raise CancelledError("cancelled")
            if job.output.parent not in swept:
                swept.add(job.output.parent)
                remove_stale_parts(job.output.parent)
            write_pages(job.output, pages, dpi, mode)
        except CancelledError:
            cancelled = True
            break
        except FileError as error:
            failed += 1
            yield FileFailed(job.source, error.reason, type(error).__name__)
        except MemoryError:
            failed += 1
            yield FileFailed(job.source, "not enough memory for this page", "MemoryError")
        except Exception as error:  # a batch never dies on one file
            failed += 1
            yield FileFailed(job.source, f"unexpected error: {error}", type(error).__name__)
        else:
            cleaned += 1
            megapixels += file_megapixels
            seconds = time.perf_counter() - file_started
            yield FileDone(job.source, job.output, len(pages), file_megapixels, seconds)
    yield BatchFinished(
        cleaned=cleaned,
        skipped=skipped,
        failed=failed,
        megapixels=megapixels,
        seconds=time.perf_counter() - started,
        cancelled=cancelled,
    )


def _clean_file(
    job: Job, denoiser: Denoiser, mode: OutputMode, cancel: threading.Event | None
) -> Iterator[Event]:
    """Clean every page of one file; returns (uint8 pages, dpi, megapixels)."""
    if job.output.resolve() == job.source.resolve():
        raise OutputError(job.output, "refusing to overwrite the input file")
    pages: list[np.ndarray] = []
    dpi = None
    megapixels = 0.0
    for page in read_pages(job.source):
        height, width = page.pixels.shape
        yield PageStarted(job.source, page.index, page.count, height, width)
        out = np.empty((height, width), dtype=np.float32)
        for done, total in iter_clean_page(page.pixels, denoiser, out, cancel, page.dpi):
            yield TileDone(job.source, page.index, page.count, done, total)
        pages.append(to_uint8(out, mode))
        dpi = dpi or page.dpi
        megapixels += height * width / 1e6
    return pages, dpi, megapixels
