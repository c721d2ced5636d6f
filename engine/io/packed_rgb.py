"""An RGB page decoded once: its colours packed to 3 bytes a pixel where Pillow decoded them.

Pillow holds an RGB image at 4 bytes a pixel (280 MB for an A3 page at 600 dpi), and
copying its colours out at 3 held both (0.49 GB). Here Pillow decodes the page into memory
mapped by the engine; each band of rows is then packed over rows already read, and the
last quarter of that memory, left unused, goes back to the system. The colours come out
the same as Pillow's own conversion gives them. To be written, they are spread back to 4
bytes a pixel in place for Pillow's encoders (`encodable`), which would otherwise copy them.
"""

import mmap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Rows packed at a time (each band is copied out before it is written over).
PACK_ROWS = 512
# Colours spread in place for an encoder from this size on: spreading and packing them back
# takes longer than Pillow's copy (an A4 page at 300 dpi, 26 MB: 0.075 s to write as JPEG
# against 0.049; an A3 page at 600 dpi, 209 MB: 0.77 s against 0.41), worth it where the
# copy costs memory a batch of small pages does not miss.
SPREAD_FROM_BYTES = 32 << 20
# Memory handed back to the system without unmapping it (Linux and the BSDs; elsewhere
# pages are decoded into Pillow's own memory and copied, `engine.io.reading`).
_CAN_HAND_BACK = hasattr(mmap, "MADV_DONTNEED") and hasattr(mmap, "MAP_PRIVATE")


@dataclass(frozen=True)
class DecodingTarget:
    """Memory an image decodes into, set before it is loaded (`decoding_target`)."""

    memory: mmap.mmap
    core: object  # Pillow's image core mapped onto `memory`

    def packed(self, image: Image.Image) -> np.ndarray | None:
        """After `image.load()`: its colours (H×W×3 uint8, writable), packed in place; the
        image holds no pixels after this (it would decode again). None where Pillow decoded
        elsewhere (a plugin that replaces the image's memory): its pixels are then as
        Pillow left them."""
        if image.im is not self.core or image.mode != "RGB":
            return None
        colours = _pack(image, self.memory)
        # The image forgets this memory: a next frame (a TIFF's next page) decodes afresh
        # instead of over these colours.
        image._im = None
        return colours


def _pack(image: Image.Image, memory: mmap.mmap) -> np.ndarray:
    """The colours of `image`, whose pixels lie in `memory` at 4 bytes a pixel, packed to 3
    in place (H×W×3 uint8 over the start of `memory`); the rest of it handed back."""
    width, height = image.size
    flat = np.frombuffer(memory, np.uint8)
    row_bytes = 3 * width
    for top in range(0, height, PACK_ROWS):
        bottom = min(top + PACK_ROWS, height)
        band = np.asarray(image.crop((0, top, width, bottom)))  # Pillow packs to 3 bytes
        # Row r is read from byte 4·width·r on, written from 3·width·r on: only rows
        # already read are written over.
        flat[row_bytes * top : row_bytes * bottom] = band.reshape(-1)
    used = -(-row_bytes * height // mmap.PAGESIZE) * mmap.PAGESIZE
    if used < len(memory):
        memory.madvise(mmap.MADV_DONTNEED, used, len(memory) - used)
    return flat[: row_bytes * height].reshape(height, width, 3)


def _memory_of(colours: np.ndarray) -> mmap.mmap | None:
    """The memory that packed colours (`DecodingTarget.packed`) start, or None for any
    other array."""
    base: object = colours
    while isinstance(base, np.ndarray):
        base = base.base
    memory = base.obj if isinstance(base, memoryview) else None
    if not isinstance(memory, mmap.mmap) or colours.dtype != np.uint8 or colours.ndim != 3:
        return None
    height, width, channels = colours.shape
    if channels != 3 or not colours.flags.c_contiguous or len(memory) < 4 * height * width:
        return None
    start = np.frombuffer(memory, np.uint8, count=1).ctypes.data
    return memory if colours.ctypes.data == start else None


@contextmanager
def encodable(colours: np.ndarray) -> Iterator[Image.Image | None]:
    """Packed colours as a Pillow RGB image over their own memory, for an encoder to read
    without a copy of the page (280 MB for an A3 page at 600 dpi): their rows are spread to
    Pillow's 4 bytes a pixel in place, and packed back when it ends. Meanwhile the array
    must not be read. None for any other array, and below SPREAD_FROM_BYTES."""
    memory = _memory_of(colours) if colours.nbytes >= SPREAD_FROM_BYTES else None
    if memory is None:
        yield None
        return
    height, width = colours.shape[:2]
    image = Image.new("RGB", (0, 0))._new(_rgb_core(memory, width, height))
    flat = colours.reshape(-1)
    for top in reversed(range(0, height, PACK_ROWS)):
        bottom = min(top + PACK_ROWS, height)
        # Rows are spread from the last: row r goes to byte 4·width·r on, over rows that
        # were spread already and its own band, which Pillow copied out first.
        band = Image.fromarray(flat[3 * width * top : 3 * width * bottom].reshape(-1, width, 3))
        image.paste(band, (0, top))
    try:
        yield image
    finally:
        _pack(image, memory)


def decoding_target(image: Image.Image) -> DecodingTarget | None:
    """Before an RGB `image` (its current frame) is loaded: memory the engine maps for it
    to decode into, at Pillow's 4 bytes a pixel. None for other modes, an image loaded
    already, or where memory cannot be handed back."""
    if not _CAN_HAND_BACK or image.mode != "RGB" or image._im is not None:
        return None
    width, height = image.size
    if width * height == 0:
        return None
    memory = mmap.mmap(-1, 4 * width * height, flags=mmap.MAP_PRIVATE)
    # An image whose memory is set before it is loaded decodes into it, as Pillow's own
    # memory-mapped reading of uncompressed files does.
    image.im = _rgb_core(memory, width, height)
    return DecodingTarget(memory, image.im)


def _rgb_core(memory: mmap.mmap, width: int, height: int) -> object:
    """Pillow's core of an RGB image whose pixels are `memory`, 4 bytes a pixel."""
    return Image.core.map_buffer(memory, (width, height), "raw", 0, ("RGB", 4 * width, 1))
