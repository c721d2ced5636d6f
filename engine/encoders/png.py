"""PNG output: 8-bit grey, 8-bit RGB or 1-bit black and white, with the page's DPI.

Every row is stored unfiltered and deflated by ISA-L (Intel's deflate, through `isal`) at
its level 1, band by band, the bands deflated at once on every physical core (each band its
own deflate blocks, ended on a byte boundary, as pigz does: one valid zlib stream whatever
the number of cores). Measured on cleaned A4 pages at 300 dpi: Pillow's encoder at zlib
level 1 spends more time choosing a filter for each row than zlib spends compressing, and
unfiltered rows compress about as well (white paper, dark strokes); zlib's own level 1 on
them takes 4 to 8 times ISA-L's (one core: grey 0.085–0.117 s against 0.011–0.018, RGB
0.12–0.19 against 0.024–0.037), for grey files from 4 % smaller to 0.5 % larger and
colour files 7 to 22 % larger (ISA-L's level 2: 6 to 19 %, a quarter slower).

ISA-L does not promise the same bytes for the same rows: once in some hundreds of pages (seen
in a test's run), it chose another, equally valid encoding of a band; the pixels are the same.
"""

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
from isal import isal_zlib

from engine.encoders import check_page
from engine.parallel import in_bands

# ISA-L level of the pixel data (0..3; 1: grey pages as small as zlib's level 1 makes them,
# colour ones 7-22 % larger); rows deflated at a time.
COMPRESS_LEVEL = 1
BAND_ROWS = 256
SIGNATURE = b"\x89PNG\r\n\x1a\n"
GREY, RGB = 0, 2  # PNG colour types
INCH_METRES = 0.0254
ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest
ADLER_BASE = 65521


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(
    file: BinaryIO, pixels: np.ndarray, dpi: tuple[float, float] | None, bilevel: bool = False
) -> None:
    """Write `pixels` (uint8, H×W grey or H×W×3 RGB) as a PNG file. `bilevel`: a grey page
    of only 0 and 255, stored at one bit per pixel. The deflated rows go out band by band
    (one IDAT chunk each), so no full-size copy of the page is made."""
    check_page(pixels)
    if bilevel and pixels.ndim == 3:
        raise ValueError("a bilevel page is grey")
    height, width = pixels.shape[:2]
    depth, colour = (1, GREY) if bilevel else (8, RGB if pixels.ndim == 3 else GREY)
    file.write(SIGNATURE)
    file.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)))
    if dpi:
        per_metre = (int(dpi[0] / INCH_METRES + 0.5), int(dpi[1] / INCH_METRES + 0.5))
        file.write(_chunk(b"pHYs", struct.pack(">IIB", *per_metre, 1)))
    bands: list[tuple[bytes, int, int]] = [(b"", 1, 0)] * -(-height // BAND_ROWS)

    def deflate(rows: slice) -> None:
        band = pixels[rows].reshape(-1, width * (3 if pixels.ndim == 3 else 1))
        if bilevel:
            band = np.packbits(band > 127, axis=1)
        raw = np.zeros((band.shape[0], band.shape[1] + 1), np.uint8)  # filter byte 0: none
        raw[:, 1:] = band
        compressor = isal_zlib.compressobj(COMPRESS_LEVEL, isal_zlib.DEFLATED, -zlib.MAX_WBITS)
        last = rows.stop >= height
        data = compressor.compress(raw) + compressor.flush(
            isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH
        )
        bands[rows.start // BAND_ROWS] = (data, isal_zlib.adler32(raw), raw.size)

    in_bands(height, BAND_ROWS, deflate)
    checksum = 1
    file.write(_chunk(b"IDAT", ZLIB_HEADER))
    for data, adler, length in bands:
        checksum = adler32_combine(checksum, adler, length)
        file.write(_chunk(b"IDAT", data))
    file.write(_chunk(b"IDAT", struct.pack(">I", checksum)))
    file.write(_chunk(b"IEND", b""))


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 checksum of two byte strings joined, from each one's (as zlib's
    adler32_combine)."""
    remainder = second_length % ADLER_BASE
    low = (first & 0xFFFF) + (second & 0xFFFF) + ADLER_BASE - 1
    high = (remainder * (first & 0xFFFF)) % ADLER_BASE
    high += (first >> 16) + (second >> 16) + ADLER_BASE - remainder
    return (low % ADLER_BASE) | ((high % ADLER_BASE) << 16)


def save_png(
    path: str | Path, pixels: np.ndarray, dpi: tuple[float, float] | None, bilevel: bool
) -> None:
    with open(path, "wb") as file:
        write_png(file, pixels, dpi, bilevel)
