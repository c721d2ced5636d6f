"""Where the page is: what surrounds a photographed or scanned page is left out of
measuring its text.

A phone photo shows the table under the page, a scan the scanner's black border or lid.
Divided by its own dark paper, such a surround's noise reads as specks of ink, and its edge,
divided by the page's paper beside it, as a stroke as wide as the paper estimate's window:
either makes the page's strokes measure 1 px or 40, so a page of large text was cleaned
unreduced and lost its ink. The surround is the dark region joined to the picture's edge,
on the paper estimate's grid (each BLOCK × BLOCK block's brightest pixel widened over
WINDOW blocks), and the WINDOW // 2 blocks beside it that the widening reached; enclosed dark
regions (a black box, enlarged bold strokes) stay part of the page.
"""

import numpy as np

from engine.hysteresis import joined_to_edge
from engine.paper import BLOCK, PAGE_PAPER_PERCENTILE, WINDOW, block_maximum, square_maximum

# A cell is dark where its paper is below this share of the page's paper (its
# PAGE_PAPER_PERCENTILE) in any channel: a table, a scanner's border, a deep shadow.
DARK_SHARE = 0.65


def page_region(page: np.ndarray) -> np.ndarray | None:
    """The BLOCK × BLOCK cells of `page` (grey H×W or RGB H×W×3 levels, before any
    division) that are not its surround (bool), or None where it has none."""
    widened = square_maximum(block_maximum(page, BLOCK)).astype(np.float32)
    if widened.ndim == 2:
        widened = widened[..., None]
    paper = np.percentile(widened, PAGE_PAPER_PERCENTILE, axis=(0, 1))
    surround = joined_to_edge(np.any(widened < DARK_SHARE * paper, axis=-1))
    if not surround.any():  # most scans: paper to every edge
        return None
    return ~square_maximum(surround, WINDOW)
