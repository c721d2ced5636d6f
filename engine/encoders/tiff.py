"""TIFF output: pages of 8-bit grey or RGB, any number in one file, with their DPI.

Each page is cut into strips of `STRIP_ROWS` rows, each deflated by ISA-L at its level 1
(TIFF's Adobe Deflate compression: a zlib stream per strip, no predictor), the strips
deflated at once on every physical core. Pillow writes deflated TIFF through libtiff at
zlib's default level and holds the interpreter while it does: on cleaned A4 pages at 300 dpi
that took 0.20-0.31 s a page, against 0.012-0.020 s here, for files 5 to 7 % larger
(`docs/model.md`). Black and white pages are left to Pillow (CCITT G4, 1 bit a pixel).

Each page's directory comes before its strips: the strips are deflated first, so every
offset is known when the directory is written and the file is written front to back.
"""

import struct
from collections.abc import Sequence
from fractions import Fraction
from itertools import accumulate
from typing import BinaryIO

import numpy as np
from isal import isal_zlib

from engine.encoders import check_page
from engine.parallel import in_bands

COMPRESS_LEVEL = 1  # as PNG output (`engine.encoders.png`)
STRIP_ROWS = 256
HEADER = b"II*\x00"  # little-endian TIFF
MAX_OFFSET = 2**32 - 1  # plain TIFF offsets are 32-bit

SHORT, LONG, RATIONAL = 3, 4, 5
ADOBE_DEFLATE = 8
BLACK_IS_ZERO, RGB = 1, 2
INCH = 2


class TooLargeError(ValueError):
    """The pages do not fit in one TIFF file (plain TIFF's offsets are 32-bit)."""


def write_tiff(
    file: BinaryIO, pages: Sequence[np.ndarray], dpi: tuple[float, float] | None
) -> None:
    """Write `pages` (uint8, H×W grey or H×W×3 RGB each) as one TIFF file to `file`."""
    if not pages:
        raise ValueError("no pages to write")
    for pixels in pages:
        check_page(pixels)
    file.write(HEADER + struct.pack("<I", len(HEADER) + 4))
    position = len(HEADER) + 4
    for number, pixels in enumerate(pages):
        strips = _deflated_strips(pixels)
        last = number == len(pages) - 1
        directory = _directory(pixels, strips, dpi, number, len(pages), position, last)
        end = position + len(directory) + sum(map(len, strips))
        if end > MAX_OFFSET:
            raise TooLargeError("its pages hold over 4 GB compressed, more than a TIFF file can")
        file.write(directory)
        for strip in strips:
            file.write(strip)
        position = _even(end)
        file.write(b"\0" * (position - end))  # directories start on a word boundary


def _deflated_strips(pixels: np.ndarray) -> list[bytes]:
    height = pixels.shape[0]
    strips = [b""] * -(-height // STRIP_ROWS)

    def deflate(rows: slice) -> None:
        strips[rows.start // STRIP_ROWS] = isal_zlib.compress(
            np.ascontiguousarray(pixels[rows]), COMPRESS_LEVEL
        )

    in_bands(height, STRIP_ROWS, deflate)
    return strips


def _directory(
    pixels: np.ndarray,
    strips: Sequence[bytes],
    dpi: tuple[float, float] | None,
    number: int,
    count: int,
    position: int,
    last: bool,
) -> bytes:
    """Page `number`'s image file directory, written at `position`, with the values that do
    not fit in its entries after it, then its strips; it points to the next page's after
    them unless `last`."""
    height, width = pixels.shape[:2]
    samples = 1 if pixels.ndim == 2 else 3
    entries: list[tuple[int, int, Sequence[int]]] = [
        (256, LONG, [width]),
        (257, LONG, [height]),
        (258, SHORT, [8] * samples),
        (259, SHORT, [ADOBE_DEFLATE]),
        (262, SHORT, [BLACK_IS_ZERO if samples == 1 else RGB]),
        (273, LONG, [0] * len(strips)),  # offsets, filled in below
        (277, SHORT, [samples]),
        (278, LONG, [STRIP_ROWS]),
        (279, LONG, [len(strip) for strip in strips]),
        (284, SHORT, [1]),  # samples of a pixel side by side
        (297, SHORT, [number, count]),  # page number, of
    ]
    if dpi:
        for tag, value in ((282, dpi[0]), (283, dpi[1])):
            ratio = Fraction(value).limit_denominator(10_000)
            entries.append((tag, RATIONAL, [ratio.numerator, ratio.denominator]))
        entries.append((296, SHORT, [INCH]))
    entries.sort()
    size = 2 + 12 * len(entries) + 4
    lengths = (len(_packed(kind, values)) for _, kind, values in entries)
    extra_size = sum(length for length in lengths if length > 4)  # values not in their entry
    offset = position + size + extra_size  # of the first strip
    starts = list(accumulate(map(len, strips[:-1]), initial=offset))
    entries = [(tag, kind, starts if tag == 273 else values) for tag, kind, values in entries]
    following = 0 if last else _even(offset + sum(map(len, strips)))
    head = [struct.pack("<H", len(entries))]
    extra: list[bytes] = []
    extra_at = position + size
    for tag, kind, values in entries:
        data = _packed(kind, values)
        count_of = len(values) // 2 if kind == RATIONAL else len(values)
        if len(data) <= 4:
            head.append(struct.pack("<HHI", tag, kind, count_of) + data.ljust(4, b"\0"))
        else:
            head.append(struct.pack("<HHII", tag, kind, count_of, extra_at))
            extra.append(data)
            extra_at += len(data)
    head.append(struct.pack("<I", following))
    return b"".join(head + extra)


def _even(offset: int) -> int:
    return offset + offset % 2


def _packed(kind: int, values: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(values)}{'H' if kind == SHORT else 'I'}", *values)


def save_tiff(path: str, pages: Sequence[np.ndarray], dpi: tuple[float, float] | None) -> None:
    with open(path, "wb") as file:
        write_tiff(file, pages, dpi)
