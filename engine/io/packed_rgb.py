"""An RGB page decoded once: its colours packed to 3 bytes a pixel where Pillow decoded them.

Pillow holds an RGB image at 4 bytes a pixel (280 MB for an A3 page at 600 dpi), and
copying its colours out at 3 held both (0.49 GB). Here Pillow decodes the page into memory
mapped by the engine; each band of rows is then packed over rows already read, and the
last quarter of that memory, left unused, goes back to the system. The colours come out
the same as Pillow's own conversion gives them.
"""

import mmap
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Rows packed at a time (each band is copied out before it is written over).
PACK_ROWS = 512
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
        width, height = image.size
        flat = np.frombuffer(self.memory, np.uint8)
        row_bytes = 3 * width
        for top in range(0, height, PACK_ROWS):
            bottom = min(top + PACK_ROWS, height)
            band = np.asarray(image.crop((0, top, width, bottom)))  # Pillow packs to 3 bytes
            # Row r is read from byte 4·width·r on, written from 3·width·r on: only rows
            # already read are written over.
            flat[row_bytes * top : row_bytes * bottom] = band.reshape(-1)
        # The image forgets this memory: a next frame (a TIFF's next page) decodes afresh
        # instead of over these colours.
        image._im = None
        used = -(-row_bytes * height // mmap.PAGESIZE) * mmap.PAGESIZE
        if used < len(self.memory):
            self.memory.madvise(mmap.MADV_DONTNEED, used, len(self.memory) - used)
        return flat[: row_bytes * height].reshape(height, width, 3)


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
    image.im = Image.core.map_buffer(memory, (width, height), "raw", 0, ("RGB", 4 * width, 1))
    return DecodingTarget(memory, image.im)
