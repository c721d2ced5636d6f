"""Reading ahead: pages come in order, file by file; a file's read error reaches that file
only; what a failed, skipped or abandoned file did not use is passed over; closing ends the
reading thread."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.denoiser import Denoiser
from engine.errors import UnreadableImageError
from engine.events import FileDone, FileFailed
from engine.pipeline import clean_jobs, plan_jobs
from engine.read_ahead import ReadAhead
from tests.conftest import write_page


def tiff(path: Path, pages: int, first_level: int) -> Path:
    images = [Image.fromarray(np.full((20, 30), first_level + n, np.uint8)) for n in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:])
    return path


def levels(pages) -> list[int]:
    return [int(page.pixels[0, 0]) for page in pages]


def test_pages_come_file_by_file_in_order_and_errors_stay_with_their_file(tmp_path: Path):
    first = tiff(tmp_path / "a.tif", 3, 10)
    broken = tmp_path / "b.tif"
    broken.write_bytes(b"not a tiff")
    last = tiff(tmp_path / "c.tif", 2, 50)
    ahead = ReadAhead([first, None, broken, last])
    try:
        assert levels(ahead.pages(0)) == [10, 11, 12]
        with pytest.raises(ValueError):
            next(ahead.pages(1))  # read some other way
        with pytest.raises(UnreadableImageError):
            list(ahead.pages(2))
        assert levels(ahead.pages(3)) == [50, 51]
    finally:
        ahead.close()


def test_what_a_file_did_not_use_is_passed_over(tmp_path: Path):
    files = [tiff(tmp_path / f"{n}.tif", 4, 10 * n) for n in range(1, 5)]
    ahead = ReadAhead(files)
    try:
        abandoned = ahead.pages(0)
        assert int(next(abandoned).pixels[0, 0]) == 10
        abandoned.close()  # a page failed to clean: the file's other pages go unused
        ahead.skip(1)  # refused before it was read
        assert levels(ahead.pages(2)) == [30, 31, 32, 33]
        ahead.skip(2)  # ended already: nothing to pass over
        assert levels(ahead.pages(3)) == [40, 41, 42, 43]
    finally:
        ahead.close()


def test_closing_ends_the_reading_thread_even_with_pages_waiting(tmp_path: Path):
    files = [tiff(tmp_path / f"{n}.tif", 5, n) for n in range(3)]
    before = threading.active_count()
    ahead = ReadAhead(files)
    next(ahead.pages(0))
    ahead.close()  # a cancelled batch: the thread waits on a full queue
    assert threading.active_count() == before
    assert list(ahead.pages(1)) == []  # closed: nothing more comes


def test_a_batch_read_ahead_writes_what_it_writes_one_file_after_another(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    folder = tmp_path / "scans"
    for name, seed in (("a.png", 1), ("c.png", 2)):
        write_page(folder / name, seed=seed)
    tiff(folder / "b.tif", 3, 40)
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    denoiser = Denoiser(tiny_model_path)
    written = {}
    for read_ahead in (True, False):
        out = tmp_path / f"out-{read_ahead}"
        jobs, _ = plan_jobs([folder], out)
        events = list(clean_jobs(jobs, denoiser, read_ahead=read_ahead))
        assert [type(e).__name__ for e in events if isinstance(e, FileDone | FileFailed)] == [
            "FileDone",
            "FileDone",
            "FileFailed",
            "FileDone",
        ]
        written[read_ahead] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert written[True] == written[False] and len(written[True]) == 3


@pytest.mark.parametrize("large", [False, True])
def test_a_large_page_is_not_read_past_until_it_is_done_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, large: bool
):
    import engine.read_ahead

    monkeypatch.setattr(engine.read_ahead, "READ_PAST_UP_TO_BYTES", 0 if large else 10**9)
    files = [tiff(tmp_path / f"{n}.tif", 2, 10 * n) for n in range(2)]
    ahead = ReadAhead(files)
    try:
        pages = ahead.pages(0)
        first = next(pages)  # being cleaned: the next page waits for it or not
        deadline = time.monotonic() + (1.0 if large else 10.0)
        while ahead._queue.empty() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ahead._queue.empty() == large
        assert levels([first, *pages]) == [0, 1]  # asking for more lets it go on
        assert levels(ahead.pages(1)) == [10, 11]
    finally:
        ahead.close()
