"""PNG output: 8-bit grey, 8-bit RGB or 1-bit black and white, with the page's DPI.

Every row is stored unfiltered and deflated at zlib level 1, band by band. Measured on
cleaned A4 pages at 300 dpi against Pillow's encoder at the same level, which spends more
time choosing a filter for each row than zlib spends compressing: half the time (RGB 0.20
against 0.42 s, grey 0.09 against 0.16 s), files from 3 % smaller to 15 % larger (white
paper and dark strokes compress about as well without a filter).
"""

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

# zlib level of the pixel data; rows deflated at a time.
COMPRESS_LEVEL = 1
BAND_ROWS = 256
SIGNATURE = b"\x89PNG\r\n\x1a\n"
GREY, RGB = 0, 2  # PNG colour types
INCH_METRES = 0.0254


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(
    file: BinaryIO, pixels: np.ndarray, dpi: tuple[float, float] | None, bilevel: bool = False
) -> None:
    """Write `pixels` (uint8, H×W grey or H×W×3 RGB) as a PNG file. `bilevel`: a grey page
    of only 0 and 255, stored at one bit per pixel. The deflated rows go out band by band
    (one IDAT chunk each), so no full-size copy of the page is made."""
    if pixels.dtype != np.uint8 or not (
        pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    ):
        raise ValueError(f"expected uint8 H×W or H×W×3 pixels, got {pixels.dtype} {pixels.shape}")
    if bilevel and pixels.ndim == 3:
        raise ValueError("a bilevel page is grey")
    height, width = pixels.shape[:2]
    depth, colour = (1, GREY) if bilevel else (8, RGB if pixels.ndim == 3 else GREY)
    file.write(SIGNATURE)
    file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)))
    if dpi:
        per_metre = (int(dpi[0] / INCH_METRES + 0.5), int(dpi[1] / INCH_METRES + 0.5))
        file.write(_chunk(b"pHYs", struct.pack(">IIB", *per_metre, 1)))
    compressor = zlib.compressobj(COMPRESS_LEVEL)
    for start in range(0, height, BAND_ROWS):
        band = pixels[start : start + BAND_ROWS].reshape(min(BAND_ROWS, height - start), -1)
        if bilevel:
            band = np.packbits(band > 127, axis=1)
        rows = np.zeros((band.shape[0], band.shape[1] + 1), np.uint8)  # filter byte 0: none
        rows[:, 1:] = band
        deflated = compressor.compress(rows)
        if deflated:
            file.write(_chunk(b"IDAT", deflated))
    file.write(_chunk(b"IDAT", compressor.flush()))
    file.write(_chunk(b"IEND", b""))


def save_png(
    path: str | Path, pixels: np.ndarray, dpi: tuple[float, float] | None, bilevel: bool
) -> None:
    with open(path, "wb") as file:
        write_png(file, pixels, dpi, bilevel)
