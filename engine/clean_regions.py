"""A page that is clean already comes back as it was.

The network redraws every stroke: on a clean page it lightens or bolds the strokes' soft
edges, darkens their grey cores, fills gaps and counters of crisp letters, erases a lone
full stop, hollows a bold letter and leaves the paper a level or two off white. That
changes a crisp page more than a stained one (DDD's clean pages cleaned again: RMSE 0.031)
and changes what OCR reads. Where the paper-divided page shows nothing but paper and
strokes, there is nothing to clean, so the page's own levels are kept there.

A pixel is noise where the network made it paper (PAPER_LEVEL or lighter), lighter by more
than NOISE_CHANGE, more than INK_REACH pixels from the cleaned page's ink: a stain, a speck,
paper texture or show-through that it removed. A pixel darker than DARK_LEVEL is ink, never
noise, and a mark only faded was not removed. A BLOCK × BLOCK block holding NOISE_PIXELS
of noise or more, and the blocks beside it, stay as the network cleaned them (a stain's
strokes are stained too). Elsewhere the page keeps its own levels, paper included, except
at a noise pixel and the pixels beside it (a lone speck stays removed), and where the
network brought faint ink back darker (by more than FAINT_INK_GAIN, or to ink) more than
EDGE_REACH pixels from any stroke darker than DARK_LEVEL (nearer, it is that stroke's own
soft edge, drawn bolder); paper is never darkened. Measured on DDD (docs/model.md): its
clean pages cleaned again change by RMSE 0.0010 instead of 0.031, and Tesseract reads more
of them as before, while its noisy pages, stained all over, score as before at every scale
and faint. Black and white is the kept levels at the model's threshold: the 112 DIBCO
ground-truth pages come back exactly as they were (67 of them before).
"""

import numpy as np

from engine.paper import block_count, enlarged_rows, square_maximum
from engine.parallel import in_bands

BLOCK = 16
NOISE_CHANGE = 8  # of 255: the network lightened the page by more than this
NOISE_PIXELS = 8  # in one block: fewer are specks, removed one by one
INK_LEVEL = 128  # cleaned levels below this are ink
INK_REACH = 3
DARK_LEVEL = 96  # of 255, paper-divided: a crisp stroke's core
PAPER_LEVEL = 230  # of 255, paper-divided: paper, never darkened here
EDGE_REACH = 2
FAINT_INK_GAIN = 51  # of 255
BAND_ROWS = 128  # a multiple of BLOCK; small: a colour page is held beside them


def keep_clean_regions(levels: np.ndarray, page: np.ndarray) -> None:
    """Where the paper-divided `page` (uint8 H×W, what the network saw) has no noise
    nearby, its own levels replace the cleaned `levels` (uint8 H×W, grey), in place.
    Done in bands of rows; the noise is held as one bit a pixel."""
    if levels.shape != page.shape or levels.dtype != np.uint8 or page.dtype != np.uint8:
        raise ValueError(f"expected two uint8 pages of one shape, got {levels.shape} {page.shape}")
    height, width = levels.shape
    noisy = np.zeros((-(-height // BLOCK), -(-width // BLOCK)), dtype=bool)
    noise_bits = np.zeros((height, -(-width // 8)), dtype=np.uint8)

    def find_noise(rows: slice) -> None:
        top, bottom = rows.start, min(rows.stop, height)
        first, last = max(top - INK_REACH, 0), min(bottom + INK_REACH, height)
        ink = levels[first:last] < INK_LEVEL
        near = square_maximum(ink, 2 * INK_REACH + 1)[top - first : bottom - first]
        own, cleaned = page[top:bottom], levels[top:bottom]
        noise = np.subtract(cleaned, own, dtype=np.int16) > NOISE_CHANGE
        noise &= ~near & (own >= DARK_LEVEL) & (cleaned >= PAPER_LEVEL)  # made paper
        noisy[top // BLOCK : -(-bottom // BLOCK)] = block_count(noise, BLOCK) >= NOISE_PIXELS
        noise_bits[top:bottom] = np.packbits(noise, axis=1)

    in_bands(height, BAND_ROWS, find_noise)
    noisy = square_maximum(noisy, 3)
    if noisy.all():
        return
    clean_blocks = ~noisy

    def keep(rows: slice) -> None:
        top, bottom = rows.start, min(rows.stop, height)
        chosen = enlarged_rows(clean_blocks, BLOCK, slice(top, bottom), width)
        if not chosen.any():
            return
        first, last = max(top - EDGE_REACH, 0), min(bottom + EDGE_REACH, height)
        inner = slice(top - first, bottom - first)
        own, cleaned = page[top:bottom], levels[top:bottom]
        darkened = np.subtract(own, cleaned, dtype=np.int16) > FAINT_INK_GAIN
        darkened |= (own >= INK_LEVEL) & (cleaned < INK_LEVEL)  # faint ink made ink
        darkened &= own < PAPER_LEVEL  # the paper is never darkened
        if darkened.any():
            near_dark = square_maximum(page[first:last] < DARK_LEVEL, 2 * EDGE_REACH + 1)
            chosen &= near_dark[inner] | ~darkened
        bits = noise_bits[first:last]
        if bits.any():
            noise = np.unpackbits(bits, axis=1, count=width).view(bool)
            chosen &= ~square_maximum(noise, 3)[inner]
        cleaned[chosen] = own[chosen]

    in_bands(height, BAND_ROWS, keep)
