"""Negative pages: white writing on a dark ground (a photostat, a print from microfilm, an
inverted scan, a blueprint) is cleaned as its positive and written back as it came.

Cleaned as it is, such a page is all dark regions to the network's page preparation and
comes back nearly unchanged, its scratches and stains kept. A page is a negative where most
of it is dark and its bright marks are strokes: no piece of wholly bright cells holds
PAPER_SHARE of the page, as the paper of a page does (its margins and the gaps between its
lines hold 5 % or more of a photograph with the page a ninth of it, on a dark table, or
under a dark photograph over four fifths of it), while a letter's strokes hold far less.
The page is judged on every SAMPLE-th pixel of every SAMPLE-th row, in cells of CELL ×
CELL of those: about 1 ms for an A4 page of grey at 300 dpi, 2.4 ms of colour, 5–7 ms for
a negative. Of the 1,194 pages here (DDD's pages and targets, DIBCO's pages and truths at
0.5×, 1×, 2× and 4×), none is taken for a negative, and the negatives of 1,152 are; the
others, stained all over or with dark borders that turn into wide bright regions, are
cleaned as they are, as before (docs/model.md).
"""

import numpy as np

from engine.hysteresis import piece_sizes
from engine.paper import block_maximum

SAMPLE = 4
CELL = 2  # samples: 8 × 8 pixels
CONTRAST = 64  # of 255, between the page's darkest and brightest levels (1st, 99th centile)
DARK_OVER_BRIGHT = 2  # cells wholly dark, at least this many times those wholly bright
PAPER_SHARE = 0.03  # a wholly bright piece this share of the page's cells: paper


def _sampled_levels(page: np.ndarray) -> np.ndarray:
    """Every SAMPLE-th pixel of `page` (grey or RGB; uint8, uint16 or float in 0..1) as
    8-bit grey levels (RGB as the mean of its channels)."""
    sample = page[::SAMPLE, ::SAMPLE]
    if sample.ndim == 3:
        sample = np.add(np.add(sample[..., 0], sample[..., 1], dtype=np.float32), sample[..., 2])
        sample /= 3
    if page.dtype == np.uint16:
        sample = np.multiply(sample, np.float32(255 / 65535), dtype=np.float32)
    elif page.dtype != np.uint8:
        sample = np.multiply(sample, np.float32(255), dtype=np.float32)
    return np.clip(sample, 0, 255).astype(np.uint8)


def _centiles(levels: np.ndarray, centiles: tuple[int, ...]) -> np.ndarray:
    """Centiles of 8-bit `levels` from their histogram (a tenth of a sort's time)."""
    counts = np.cumsum(np.bincount(levels.ravel(), minlength=256))
    return np.searchsorted(counts, np.array(centiles) / 100 * counts[-1]).astype(np.int32)


def is_negative(page: np.ndarray) -> bool:
    """Whether `page` (grey H×W or RGB H×W×3) is a negative: white writing on a dark ground."""
    levels = _sampled_levels(page)
    darkest, median, brightest = _centiles(levels, (1, 50, 99))
    middle = (darkest + brightest) / 2
    if brightest - darkest < CONTRAST or median >= middle:  # most pages: bright paper
        return False
    bright = 255 - block_maximum(255 - levels, CELL) > middle  # every sample of the cell
    dark = block_maximum(levels, CELL) < middle
    if dark.sum() < DARK_OVER_BRIGHT * bright.sum():
        return False
    return _largest_share(bright) < PAPER_SHARE


def _largest_share(bright: np.ndarray) -> float:
    """The share of the cells that the largest piece of `bright` cells holds."""
    sizes = piece_sizes(bright)
    return float(sizes.max()) / bright.size if len(sizes) else 0.0


def ground_colour(rgb: np.ndarray) -> np.ndarray:
    """A colour negative's ground (uint8 RGB, H×W×3): each channel's median over the samples
    darker than the middle of the page's levels (its writing left out)."""
    levels = _sampled_levels(rgb).ravel()
    darkest, brightest = _centiles(levels, (1, 99))
    samples = rgb[::SAMPLE, ::SAMPLE].reshape(-1, 3)
    ground = samples[levels < (darkest + brightest) / 2]
    return np.median(ground, axis=0).round().astype(np.uint8)


def on_ground(positive: np.ndarray, ground: np.ndarray, rows: int = 256) -> np.ndarray:
    """A cleaned positive (uint8 RGB) made a negative on `ground` again, over it: its white
    paper becomes the ground, its black ink white, each channel scaled between the two (on
    a black ground, the plain negative)."""
    span = np.subtract(255, ground, dtype=np.uint16)
    for start in range(0, positive.shape[0], rows):
        band = positive[start : start + rows]
        darker = np.multiply(band, span, dtype=np.uint16)
        darker += 127
        darker //= 255
        np.subtract(255, darker, out=band, casting="unsafe")
    return positive


def inverted(pixels: np.ndarray, in_place: bool = False) -> np.ndarray:
    """The negative of `pixels` (uint8, uint16, or float in 0..1), over them if `in_place`."""
    top = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}.get(pixels.dtype, 1)
    return np.subtract(pixels.dtype.type(top), pixels, out=pixels if in_place else None)
