"""`make bench`, memory part: a huge page and a long batch, each in a fresh process.

- Peak resident memory of `docclean clean` on an A3 page scanned at 600 dpi (7016×9921),
  twice: with text as large as the page (its strokes are reduced before cleaning) and with
  text at a scan's own scale (cleaned at its size; also in black and white, whose pieces
  of ink are found on it); and the large-text page in colour, as PNG and as JPEG, in every
  mode.
- Peak resident memory of a batch of three such pages, grey and in colour (a colour one
  is not read past while it is cleaned; freed buffers go back to the system).
- Memory growth over a batch of 1,000 small pages: resident memory after page 100 and
  after page 1,000, so leaks show as growth while start-up costs do not.
- Peak resident memory of `docclean clean --combine` over 200 A4 pages (150 dpi), and of
  `docclean clean` on a 200-page scanned PDF of them (edited in place), beside that of one
  of those pages alone: neither keeps the document's pages in memory.
- Peak resident memory of `docclean clean` on a scanned poster PDF (25 × 50 inches at
  150 dpi, 28 MP).
"""

import argparse
import io
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image

from benchmarks.speed import make_colour_page, make_page, make_text_page, peak_memory_mb
from engine.resources import default_model_path

A3_600_DPI = (9921, 7016)  # height, width
PEAK_LIMIT_MB = 500
LARGE_BATCH = 3  # A3 pages in one batch: each is cleaned while the next is not yet read
SMALL_PAGE = (640, 480)
BATCH_PAGES = 1000
FIRST_CHECKPOINT = 100
GROWTH_LIMIT_MB = 50
LONG_PAGES = 200
A4_150_DPI = (1754, 1240)
LONG_GROWTH_LIMIT_MB = 100  # a combined PDF, over one page alone
LONG_DOCUMENT_LIMIT_MB = 600  # a long scanned PDF edited in place, a poster page
POSTER_INCHES = (25, 50)
POSTER_DPI = 150


def resident_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def write_small_pages(folder: Path, count: int) -> None:
    """`count` different small scans (crops of one noisy page, shifted)."""
    big = folder / "source.png"
    make_page(big, (SMALL_PAGE[0] * 2, SMALL_PAGE[1] * 2))
    with Image.open(big) as image:
        source = np.asarray(image)
    big.unlink()
    height, width = SMALL_PAGE
    for index in range(count):
        top, left = (index * 7) % height, (index * 13) % width
        crop = source[top : top + height, left : left + width]
        Image.fromarray(crop).save(folder / f"page{index:04}.png")


def batch_child(folder: Path, output: Path, model: Path) -> None:
    """Run in a fresh process: clean the folder, print resident memory at the checkpoints."""
    from engine.denoiser import Denoiser
    from engine.events import FileDone, FileFailed
    from engine.pipeline import clean_jobs, plan_jobs

    jobs, _ = plan_jobs([folder], output)
    done = 0
    readings = {}
    for event in clean_jobs(jobs, Denoiser(model)):
        if isinstance(event, FileFailed):
            raise RuntimeError(f"{event.path}: {event.reason}")
        if isinstance(event, FileDone):
            done += 1
            if done in (FIRST_CHECKPOINT, len(jobs)):
                readings[done] = resident_mb()
    print(json.dumps(readings))


def batch_growth(model: Path, scratch: Path) -> tuple[float, float, float]:
    """(resident MB after page 100, after page 1,000, seconds) for a fresh process."""
    folder = scratch / "pages"
    folder.mkdir()
    write_small_pages(folder, BATCH_PAGES)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory", "--batch-child", str(folder), str(model)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    readings = json.loads(result.stdout.splitlines()[-1])
    return readings[str(FIRST_CHECKPOINT)], readings[str(BATCH_PAGES)], seconds


def long_document_peaks(model: Path, scratch: Path) -> tuple[float, float, float]:
    """Peak MB of one A4 page alone, of 200 such pages combined into one PDF, and of a
    200-page scanned PDF (JPEG pages) cleaned in place."""
    folder = scratch / "book"
    folder.mkdir()
    make_page(scratch / "a4.png", A4_150_DPI)
    with Image.open(scratch / "a4.png") as image:
        page = np.asarray(image)
    jpegs = []
    for index in range(LONG_PAGES):  # different pages: each rolled a little further
        rolled = Image.fromarray(np.roll(page, index * 11, axis=0))
        rolled.save(folder / f"page{index:03}.png", dpi=(150, 150))
        buffer = io.BytesIO()
        rolled.save(buffer, format="JPEG", quality=75, dpi=(150, 150))
        jpegs.append(buffer.getvalue())
    document = scratch / "document.pdf"
    document.write_bytes(img2pdf.convert(jpegs))
    one = peak_memory_mb(model, folder / "page000.png", scratch / "one")
    combined = peak_memory_mb(
        model, folder, scratch / "unused", "--combine", str(scratch / "b.pdf")
    )
    edited = peak_memory_mb(model, document, scratch / "edited")
    return one, combined, edited


def poster_peak(model: Path, scratch: Path) -> float:
    """Peak MB of `docclean clean` on a scanned poster: one 25 × 50 inch page at 150 dpi (a
    JPEG in a PDF), edited in place."""
    page = scratch / "poster.png"
    make_page(page, (POSTER_INCHES[1] * POSTER_DPI, POSTER_INCHES[0] * POSTER_DPI))
    buffer = io.BytesIO()
    Image.open(page).save(buffer, format="JPEG", quality=80, dpi=(POSTER_DPI, POSTER_DPI))
    poster = scratch / "poster.pdf"
    poster.write_bytes(img2pdf.convert([buffer.getvalue()]))
    return peak_memory_mb(model, poster, scratch / "poster-out")


def report(line: str, within: bool) -> int:
    """Print one measurement with its verdict; 1 when it is over its limit."""
    print(f"{line} — {'ok' if within else 'OVER LIMIT'}")
    return 0 if within else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--batch-child", nargs=2, type=Path, metavar=("FOLDER", "MODEL"))
    args = parser.parse_args(argv)
    if args.batch_child:
        folder, model = args.batch_child
        batch_child(folder, folder.parent / "cleaned", model)
        return 0
    model = args.model or default_model_path()
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        megapixels = A3_600_DPI[0] * A3_600_DPI[1] / 1e6
        large_text = scratch / "a3-large-text.png"
        pages = (
            ("large text", make_page, large_text),
            ("text at its scan's scale", make_text_page, scratch / "a3-scan-scale.png"),
        )
        for text, make, page in pages:
            make(page, A3_600_DPI)
            started = time.perf_counter()
            peak = peak_memory_mb(model, page, scratch / "a3-out")
            seconds = time.perf_counter() - started
            failures += report(
                f"A3 at 600 dpi ({A3_600_DPI[1]}×{A3_600_DPI[0]}, {megapixels:.1f} MP), {text}: "
                f"peak RSS {peak:.0f} MB (limit {PEAK_LIMIT_MB}), {seconds:.1f} s",
                peak < PEAK_LIMIT_MB,
            )
        peak = peak_memory_mb(model, pages[1][2], scratch / "a3-out", "--mode", "bw")
        failures += report(
            f"the A3 page of text at its scan's scale, black and white: peak RSS {peak:.0f} MB "
            f"(limit {PEAK_LIMIT_MB})",
            peak < PEAK_LIMIT_MB,
        )
        colour = scratch / "a3-colour.png"
        make_colour_page(large_text, colour)  # the same page, in colour
        colour_jpeg = scratch / "a3-colour.jpg"
        Image.open(colour).save(colour_jpeg, quality=90)
        for source, mode in itertools.product((colour, colour_jpeg), ("gray", "bw", "color")):
            peak = peak_memory_mb(model, source, scratch / "a3-out", "--mode", mode)
            kind = source.suffix[1:].upper()
            failures += report(
                f"the A3 page of large text in colour, {kind}, {mode} mode: peak RSS "
                f"{peak:.0f} MB (limit {PEAK_LIMIT_MB})",
                peak < PEAK_LIMIT_MB,
            )
        grey_batch, colour_batch = scratch / "a3-batch", scratch / "a3-colour-batch"
        for folder, source in ((grey_batch, pages[1][2]), (colour_batch, colour)):
            folder.mkdir()
            for copy in range(LARGE_BATCH):
                shutil.copy(source, folder / f"page{copy}.png")
        peak = peak_memory_mb(model, grey_batch, scratch / "a3-out")
        failures += report(
            f"{LARGE_BATCH} such A3 pages of text at its scan's scale in one batch: peak RSS "
            f"{peak:.0f} MB (limit {PEAK_LIMIT_MB})",
            peak < PEAK_LIMIT_MB,
        )
        peak = peak_memory_mb(model, colour_batch, scratch / "a3-out", "--mode", "color")
        failures += report(
            f"{LARGE_BATCH} of the colour A3 pages (PNG) in one batch, colour mode: peak RSS "
            f"{peak:.0f} MB (limit {PEAK_LIMIT_MB})",
            peak < PEAK_LIMIT_MB,
        )
        first, last, seconds = batch_growth(model, scratch)
        failures += report(
            f"{BATCH_PAGES} pages of {SMALL_PAGE[1]}×{SMALL_PAGE[0]}: RSS {first:.0f} MB after "
            f"page {FIRST_CHECKPOINT}, {last:.0f} MB after page {BATCH_PAGES}, growth "
            f"{last - first:+.1f} MB (limit {GROWTH_LIMIT_MB}), {seconds:.0f} s",
            last - first < GROWTH_LIMIT_MB,
        )
        one, combined, edited = long_document_peaks(model, scratch)
        failures += report(
            f"{LONG_PAGES} A4 pages at 150 dpi combined into one PDF: peak RSS {combined:.0f} MB, "
            f"one page alone {one:.0f} MB, {combined - one:+.0f} MB (limit "
            f"{LONG_GROWTH_LIMIT_MB})",
            combined - one < LONG_GROWTH_LIMIT_MB,
        )
        failures += report(
            f"a {LONG_PAGES}-page scanned PDF of them cleaned in place: peak RSS {edited:.0f} MB "
            f"(limit {LONG_DOCUMENT_LIMIT_MB}; qpdf holds the cleaned pages, encoded, until "
            "it writes the file)",
            edited < LONG_DOCUMENT_LIMIT_MB,
        )
        peak = poster_peak(model, scratch)
        failures += report(
            f"a scanned poster, {POSTER_INCHES[0]}×{POSTER_INCHES[1]} in at {POSTER_DPI} dpi, "
            f"cleaned in place: peak RSS {peak:.0f} MB (limit {LONG_DOCUMENT_LIMIT_MB})",
            peak < LONG_DOCUMENT_LIMIT_MB,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
