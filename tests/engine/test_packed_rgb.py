"""RGB pages decoded into the engine's own memory and packed to 3 bytes a pixel in place:
the same colours as Pillow's conversion, in every format, the unused quarter given back, and
the same files written from them as from a copy."""

import ctypes
import mmap
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

import engine.io.packed_rgb
from engine.io import read_pages, write_pages
from engine.io.packed_rgb import decoding_target, encodable

# An odd size, so that rows of 3 and 4 bytes a pixel never line up with memory pages.
SHAPE = (517, 733)


def colour_page(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = rng.integers(0, 256, (*SHAPE, 3), dtype=np.uint8)
    page[100:140] = (200, 30, 30)  # a red band: the page shows colour
    return page


FORMATS = {
    "png": {},
    "jpg": {"quality": 90},
    "tif": {"compression": "tiff_lzw"},
    "webp": {"lossless": True},
    "bmp": {},
}


@pytest.mark.parametrize("suffix", FORMATS)
def test_packed_colours_are_pillows_in_every_format(tmp_path: Path, suffix: str):
    path = tmp_path / f"page.{suffix}"
    Image.fromarray(colour_page()).save(path, **FORMATS[suffix])
    with Image.open(path) as image:
        expected = np.asarray(image.convert("RGB"))
    with Image.open(path) as image:
        target = decoding_target(image)
        if target is None:
            pytest.skip("this platform cannot hand memory back")
        image.load()
        packed = target.packed(image)
    assert packed is not None and packed.flags.writeable
    np.testing.assert_array_equal(packed, expected)
    page = next(read_pages(path, colour=True))  # the reader takes the same path
    assert page.grey is None
    np.testing.assert_array_equal(page.colour, expected)


def test_every_page_of_a_multi_page_tiff_and_grey_pages_in_rgb(tmp_path: Path):
    path = tmp_path / "pages.tif"
    grey_rgb = np.repeat(colour_page(1)[..., :1], 3, axis=2)  # a grey scan stored as RGB
    pages = [colour_page(2), grey_rgb, colour_page(3)]
    first, *rest = (Image.fromarray(page) for page in pages)
    first.save(path, save_all=True, append_images=rest, compression="tiff_lzw")
    read = list(read_pages(path, colour=True))
    np.testing.assert_array_equal(read[0].colour, pages[0])
    assert read[1].colour is None  # shows no colour: its grey levels, as Pillow makes them
    expected_grey = np.asarray(Image.fromarray(grey_rgb).convert("L"))
    np.testing.assert_array_equal(read[1].grey, expected_grey)
    np.testing.assert_array_equal(read[2].colour, pages[2])


def test_a_page_turned_by_its_exif_is_read_turned(tmp_path: Path):
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # seen turned a quarter clockwise
    Image.fromarray(colour_page()).save(path, quality=95, exif=exif)
    with Image.open(path) as image:
        expected = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    page = next(read_pages(path, colour=True))
    assert page.colour.shape == (SHAPE[1], SHAPE[0], 3)
    np.testing.assert_array_equal(page.colour, expected)


def test_other_modes_are_left_to_pillow(tmp_path: Path):
    path = tmp_path / "palette.png"
    Image.fromarray(colour_page()).convert("P").save(path)
    with Image.open(path) as image:
        assert decoding_target(image) is None
        expected = np.asarray(image.convert("RGB"))
    np.testing.assert_array_equal(next(read_pages(path, colour=True)).colour, expected)
    path = tmp_path / "loaded.png"
    Image.fromarray(colour_page()).save(path)
    with Image.open(path) as image:
        image.load()
        assert decoding_target(image) is None  # decoded already


def resident_pages(address: int, length: int) -> int:
    """Pages of memory resident in [address, address + length) (POSIX mincore)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pages = -(-length // mmap.PAGESIZE)
    vector = (ctypes.c_ubyte * pages)()
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    if libc.mincore(ctypes.c_void_p(address), ctypes.c_size_t(length), vector) != 0:
        raise OSError(ctypes.get_errno(), "mincore")
    return sum(byte & 1 for byte in vector)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's mincore")
def test_the_unused_quarter_goes_back_to_the_system(tmp_path: Path):
    path = tmp_path / "page.png"
    Image.fromarray(colour_page()).save(path)
    colours = next(read_pages(path, colour=True)).colour
    start = colours.__array_interface__["data"][0]  # where the decoding memory starts
    used = -(-colours.nbytes // mmap.PAGESIZE) * mmap.PAGESIZE
    mapped = 4 * SHAPE[0] * SHAPE[1]
    assert resident_pages(start, used) == used // mmap.PAGESIZE
    assert resident_pages(start + used, mapped - used) == 0


@pytest.fixture
def spread_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small pages spread in place for the encoders too, as large ones are."""
    monkeypatch.setattr(engine.io.packed_rgb, "SPREAD_FROM_BYTES", 0)


@pytest.mark.usefixtures("spread_every_page")
@pytest.mark.parametrize("suffix", ["jpg", "tif", "webp", "bmp", "png"])
def test_packed_colours_are_written_as_a_copy_of_them_is(tmp_path: Path, suffix: str):
    path = tmp_path / "page.png"
    Image.fromarray(colour_page()).save(path)
    colours = next(read_pages(path, colour=True)).colour
    before = colours.copy()  # an ordinary array: Pillow copies it to write it
    with encodable(before) as image:
        assert image is None
    with encodable(colours) as image:
        if image is None:
            pytest.skip("this platform cannot hand memory back")
        np.testing.assert_array_equal(np.asarray(image), before)  # Pillow sees the page
    np.testing.assert_array_equal(colours, before)  # packed back after
    write_pages(tmp_path / f"packed.{suffix}", [colours], (300, 300), "color")
    write_pages(tmp_path / f"copied.{suffix}", [before], (300, 300), "color")
    written = (tmp_path / f"packed.{suffix}").read_bytes()
    assert written == (tmp_path / f"copied.{suffix}").read_bytes()
    np.testing.assert_array_equal(colours, before)


@pytest.mark.usefixtures("spread_every_page")
def test_a_multi_page_tiff_of_packed_pages(tmp_path: Path):
    pages = []
    for seed in (4, 5):
        Image.fromarray(colour_page(seed)).save(tmp_path / f"{seed}.png")
        pages.append(next(read_pages(tmp_path / f"{seed}.png", colour=True)).colour)
    write_pages(tmp_path / "pages.tif", pages, None, "color")
    read = [page.colour for page in read_pages(tmp_path / "pages.tif", colour=True)]
    for page, seed in zip(read, (4, 5), strict=True):
        np.testing.assert_array_equal(page, colour_page(seed))


def test_small_pages_are_left_for_pillow_to_copy(tmp_path: Path):
    path = tmp_path / "page.png"
    Image.fromarray(colour_page()).save(path)
    colours = next(read_pages(path, colour=True)).colour
    assert colours.nbytes < engine.io.packed_rgb.SPREAD_FROM_BYTES
    with encodable(colours) as image:
        assert image is None
