"""PNG output (engine.encoders.png): every page reads back exactly, with its DPI, in Pillow and
in OpenCV's independent decoder, from one zlib stream whose checksum holds."""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.encoders.png import BAND_ROWS, adler32_combine, write_png
from engine.io import write_pages


def encoded(pixels: np.ndarray, dpi=None, bilevel: bool = False) -> bytes:
    file = io.BytesIO()
    write_png(file, pixels, dpi, bilevel)
    return file.getvalue()


def page(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = np.full(shape, 255, np.uint8)
    pixels[rng.random(shape[:2]) < 0.1] = rng.integers(0, 255, (*shape[2:],), dtype=np.uint8)
    return pixels


@pytest.mark.parametrize(
    "shape", [(1, 1), (7, 13), (BAND_ROWS + 1, 301), (2 * BAND_ROWS, 64, 3), (5, 9, 3)]
)
def test_grey_and_colour_pages_read_back_exactly(shape: tuple[int, ...]) -> None:
    pixels = page(shape)
    data = encoded(pixels, dpi=(300.0, 150.0))
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == ("RGB" if len(shape) == 3 else "L")
        np.testing.assert_array_equal(np.asarray(image), pixels)
        assert image.info["dpi"] == pytest.approx((300.0, 150.0), abs=0.02)  # stored per metre
    cv2 = pytest.importorskip("cv2")  # absent where only the engine is installed
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(decoded, pixels if len(shape) == 2 else pixels[..., ::-1])


def idat_stream(data: bytes) -> bytes:
    """The PNG file's IDAT chunks joined: its one zlib stream."""
    stream, at = b"", 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            stream += data[at + 8 : at + 8 + length]
        at += 12 + length
    return stream


@pytest.mark.parametrize("shape", [(1, 1), (BAND_ROWS, 5), (3 * BAND_ROWS + 7, 211, 3)])
def test_the_bands_deflated_apart_make_one_zlib_stream_with_its_checksum(shape) -> None:
    pixels = page(shape, seed=2)
    rows = pixels.reshape(shape[0], -1)
    raw = np.zeros((rows.shape[0], rows.shape[1] + 1), np.uint8)
    raw[:, 1:] = rows
    decompressor = zlib.decompressobj()  # verifies the Adler-32 checksum at the end
    assert decompressor.decompress(idat_stream(encoded(pixels))) == raw.tobytes()
    assert decompressor.eof and not decompressor.unused_data


def test_adler32_checksums_combine_as_zlibs() -> None:
    rng = np.random.default_rng(8)
    for first_length, second_length in ((0, 0), (1, 70000), (65521, 3), (200000, 131072)):
        first = rng.integers(0, 256, first_length, dtype=np.uint8).tobytes()
        second = rng.integers(0, 256, second_length, dtype=np.uint8).tobytes()
        combined = adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second))
        assert combined == zlib.adler32(first + second)


@pytest.mark.parametrize("width", [1, 8, 9, 333])
def test_black_and_white_pages_are_one_bit(width: int) -> None:
    pixels = np.where(page((BAND_ROWS + 3, width)) < 128, 0, 255).astype(np.uint8)
    data = encoded(pixels, bilevel=True)
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "1" and "dpi" not in image.info
        np.testing.assert_array_equal(np.asarray(image.convert("L")), pixels)
    grey = len(encoded(pixels))
    assert len(data) < grey if width > 1 else len(data) <= grey  # one byte a row either way


def test_bad_pages_are_refused() -> None:
    for bad in (np.zeros((4, 4), np.uint16), np.zeros((4, 4, 4), np.uint8), np.zeros(4, np.uint8)):
        with pytest.raises(ValueError, match="uint8"):
            encoded(bad)
    with pytest.raises(ValueError, match="grey"):
        encoded(np.zeros((4, 4, 3), np.uint8), bilevel=True)


def test_a_cleaned_page_is_written_as_png_in_each_mode(tmp_path: Path) -> None:
    grey = page((40, 50))
    bw = np.where(grey < 128, 0, 255).astype(np.uint8)
    for mode, pixels in (("gray", grey), ("bw", bw), ("color", page((40, 50, 3)))):
        path = tmp_path / f"{mode}.png"
        write_pages(path, [pixels], (200.0, 200.0), mode)
        with Image.open(path) as image:
            assert image.mode == {"gray": "L", "bw": "1", "color": "RGB"}[mode]
            assert np.array_equal(np.asarray(image.convert(image.mode.replace("1", "L"))), pixels)
            assert image.info["dpi"] == pytest.approx((200.0, 200.0), abs=0.02)  # stored per metre
