"""JPEG 2000 pages (`.jp2`, the format of many archives' scans; `.j2k`, its bare
codestream), written losslessly by Pillow's OpenJPEG encoder (the reversible 5/3 wavelet).
Pillow reads a JP2 file's capture resolution but writes none, so the page's DPI is added
here as the JP2 header's resolution box; a bare codestream has no place for it.

OpenJPEG decodes and encodes on one thread unless OPJ_NUM_THREADS says otherwise; the
engine sets it to the physical cores (a user's own setting stays): an A4 grey page at 300
dpi reads in 0.44–0.47 s instead of 0.89–0.90 and is written in 0.58–0.60 s instead of
1.10–1.12 on this 2-core machine, the same bytes (docs/model.md)."""

import io
import os
import struct
from pathlib import Path

from PIL import Image

from engine.parallel import physical_cores

HEADER_BOX = b"jp2h"
THREADS_VARIABLE = "OPJ_NUM_THREADS"  # read by OpenJPEG each time it opens a codec


def use_every_core() -> None:
    """Let OpenJPEG use every physical core, unless the environment already says."""
    os.environ.setdefault(THREADS_VARIABLE, str(physical_cores()))


use_every_core()


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
