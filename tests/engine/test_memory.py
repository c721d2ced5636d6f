"""Freed buffers go back to the system once a large page comes (glibc's heap would
otherwise keep them resident), and a page is let go as soon as its cleaning is done with it."""

import gc
import subprocess
import sys
import time
import weakref
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from engine.cleaning import iter_clean_output
from engine.denoiser import INPUT_KEY, PAPER_NORMALISED, Denoiser
from engine.events import run_to_end
from engine.io import read_pages
from engine.read_ahead import ReadAhead
from tests.onnx_builders import build_identity

# What the scripts below start with: `prepare_for` and the resident memory (kB).
RESIDENT = """
import re, sys
from pathlib import Path
from engine.memory import prepare_for
def resident():
    return int(re.search(r"VmRSS:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
"""
# Frees a 30 MB buffer (which raises glibc's own threshold to 30 MB), then makes and frees a
# 20 MB one: prints the resident memory (kB) that leaves behind.
LEFT_RESIDENT = (
    RESIDENT
    + """
prepare_for(int(sys.argv[1]))  # before cleaning a page of this many bytes
buffer = b"x" * (30 << 20)
del buffer
before = resident()
buffer = b"y" * (20 << 20)
del buffer
print(resident() - before)
"""
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_freed_page_sized_buffer_leaves_nothing_resident() -> None:
    def left(page_bytes: int) -> int:
        run = [sys.executable, "-c", LEFT_RESIDENT, str(page_bytes)]
        return int(subprocess.run(run, check=True, capture_output=True, text=True).stdout)

    assert left(9 << 20) > 15_000  # an A4 page: glibc's own threshold, kept on the heap
    assert left(70 << 20) < 2_000  # an A3 page at 600 dpi: given back


# Fills 20 MB of the heap with small buffers, pins its top with one more and frees the rest
# (a previous page's bands): prints the resident memory (kB) that `prepare_for` gives back.
HOLE_GIVEN_BACK = (
    RESIDENT
    + """
small = [bytearray(b"x" * (100 << 10)) for _ in range(200)]
top = bytearray(b"y" * (64 << 10))  # on the heap, above them
del small
before = resident()
prepare_for(int(sys.argv[1]))
print(before - resident())
"""
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_what_earlier_pages_left_free_in_the_heap_goes_back_before_a_large_page() -> None:
    def given_back(page_bytes: int) -> int:
        run = [sys.executable, "-c", HOLE_GIVEN_BACK, str(page_bytes)]
        return int(subprocess.run(run, check=True, capture_output=True, text=True).stdout)

    assert given_back(9 << 20) < 2_000  # an A4 page: left as it is
    assert given_back(70 << 20) > 15_000  # an A3 page at 600 dpi: the 20 MB given back


# A page is held by whoever cleans it, and by nothing behind it: a colour page cleaned in
# grey lets its colours go (3 bytes a pixel: 209 MB for an A3 page at 600 dpi) as soon as the
# network's grey view of them is made.


def colour_tiff(path: Path, pages: int = 2) -> Path:
    rng = np.random.default_rng(5)
    images = [Image.fromarray(rng.integers(0, 256, (40, 60, 3), np.uint8)) for _ in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:])
    return path


@pytest.mark.parametrize("suffix", ["tif", "pdf"])
def test_the_reader_does_not_hold_a_page_it_gave(tmp_path: Path, suffix: str):
    source = colour_tiff(tmp_path / "pages.tif")
    if suffix == "pdf":
        with Image.open(source) as image:
            frames = [image.copy() for _ in ImageSequence.Iterator(image)]
        source = tmp_path / "pages.pdf"
        frames[0].save(source, save_all=True, append_images=frames[1:])
    pages = read_pages(source, colour=True)
    colours = weakref.ref(next(pages).colour)  # the page itself is dropped at once
    gc.collect()
    assert colours() is None  # while the reader waits on the second page
    assert next(pages).colour is not None


def test_reading_ahead_does_not_hold_the_page_being_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import engine.read_ahead

    monkeypatch.setattr(engine.read_ahead, "READ_PAST_UP_TO_BYTES", 0)  # every page large
    ahead = ReadAhead([colour_tiff(tmp_path / "pages.tif")], colour=True)
    try:
        pages = ahead.pages(0)
        colours = weakref.ref(next(pages).colour)
        time.sleep(0.3)  # the reading thread waits for the page to be done with
        gc.collect()
        assert colours() is None
        assert len(list(pages)) == 1
    finally:
        ahead.close()


@pytest.mark.parametrize("divides", [False, True])
def test_grey_modes_let_a_pages_colours_go_once_the_network_sees_them(
    tmp_path: Path, divides: bool
):
    # A model that sees pages divided by their paper (as the bundled one) sees a colour page
    # as its ink grey; others its luminance.
    metadata = {INPUT_KEY: PAPER_NORMALISED} if divides else {}
    denoiser = Denoiser(build_identity(tmp_path / "identity.onnx", metadata))
    colours = np.random.default_rng(6).integers(0, 256, (300, 400, 3), np.uint8)
    held = weakref.ref(colours)
    steps = iter_clean_output(None, denoiser, "gray", colour=colours, in_place=True)
    del colours
    next(steps)  # the first tile is cleaned
    assert held() is None
    assert run_to_end(steps).shape == (300, 400)
