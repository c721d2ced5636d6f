"""JPEG 2000 pages (`.jp2`, the format of many archives' scans; `.j2k`, its bare
codestream), written losslessly by Pillow's OpenJPEG encoder (the reversible 5/3 wavelet).
Pillow reads a JP2 file's capture resolution but writes none, so the page's DPI is added
here as the JP2 header's resolution box; a bare codestream has no place for it."""

import io
import struct
from pathlib import Path

from PIL import Image

HEADER_BOX = b"jp2h"


def _box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I", 8 + len(content)) + kind + content


def _fraction(dpi: float) -> tuple[int, int, int]:
    """Pixels a metre as JP2 writes them, numerator / denominator × 10^exponent, for
    `dpi` to a hundredth (to a tenth above 655 dpi)."""
    exponent = 2 if dpi * 100 <= 0xFFFF else 3
    numerator = min(round(dpi * 10 ** (4 - exponent)), 0xFFFF)
    return numerator, 254, exponent


def resolution_box(dpi: tuple[float, float]) -> bytes:
    """The 'res ' box holding `dpi` (across, down) as the capture resolution ('resc')."""
    down, across = _fraction(dpi[1]), _fraction(dpi[0])
    fields = struct.pack(">HHHHbb", *down[:2], *across[:2], down[2], across[2])
    return _box(b"res ", _box(b"resc", fields))


def with_resolution(data: bytes, dpi: tuple[float, float]) -> bytes:
    """A JP2 file's bytes with `dpi` in its header box (after what it holds)."""
    offset = 0
    while offset + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, offset)
        if length < 8:  # 0 (to the end of the file) or 1 (a 64-bit length): never the header
            break
        if kind == HEADER_BOX:
            end = offset + length
            header = _box(HEADER_BOX, data[offset + 8 : end] + resolution_box(dpi))
            return data[:offset] + header + data[end:]
        offset += length
    raise ValueError("not a JP2 file with a header box")


def save_jpeg2000(
    file: str, image: Image.Image, dpi: tuple[float, float] | None, codestream: bool
) -> None:
    """Write `image` losslessly to `file`: a JP2 file with `dpi`, or a bare `codestream`.
    Encoded in memory, so the resolution goes in before the file is written, once."""
    with io.BytesIO() as buffer:
        image.save(buffer, format="JPEG2000", irreversible=False, no_jp2=codestream)
        data = buffer.getvalue()
    Path(file).write_bytes(with_resolution(data, dpi) if dpi and not codestream else data)
