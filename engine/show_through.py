"""Black and white and grey leave out writing far fainter than the ink around it: another
page's writing showing or bleeding through the paper.

The network keeps faint ink dark, and another page's writing seen through the paper is as
dark and as sharp as faint ink can be, so the network keeps it too; it is what most of the
held-out archive pages' false ink is (docs/model.md). On the page it is far fainter than
the page's own ink around it. So black and white keeps a piece of ink (8-connected, pieces
about 2 × JOIN px apart or nearer counted as one, so that a faint stroke's broken
fragments go with its darker parts) only where one of its pixels, on the page divided by
its paper, is at least SHARE as dark as the darkest ink in the REACH × REACH px around it
(in blocks of BLOCK px), or where the engine kept the page's own levels (a clean region:
a page clean already keeps every mark). A page of faint ink alone keeps it all: its own
ink is the darkest around. Distances are at the scale the network saw the page. Chosen
on the DIBCO training collections and the colour test set (docs/model.md). Grey (and
colour) leave out the same pieces, with their lighter edges (the cells beside them, where
no ink kept is as near): the network draws such writing as dark as ink.
"""

import numpy as np

from engine.hysteresis import CANDIDATE, CORE, PAPER, bw_levels, keep_joined_ink
from engine.paper import block_maximum, enlarged_rows, square_maximum

SHARE = 0.4
BLOCK = 32  # px: the darkest ink is found in blocks, REACH // BLOCK blocks across
REACH = 288
JOIN = 2
# Cells spread from the dark enough ink before the pieces are labelled: where that reaches
# all ink, no piece is left out, and labelling (26 ms on an A4 page of DDD scans, which two
# steps settle) is skipped.
GROW_STEPS = 4


def without_show_through(
    levels: np.ndarray, page: np.ndarray, own: np.ndarray, scale: float = 1.0
) -> None:
    """Leave out of black and white `levels` (uint8 0 ink / 255 paper, in place) the pieces
    of ink far fainter than the ink around them on the divided `page` (uint8, what the
    network saw, at `levels`' size), except where `own` (bool) says the page kept its own
    levels. `scale`: how many times smaller the network saw the page."""
    ink = levels == 0
    found = _kept_cells(ink, page, own, scale)
    if found is not None:
        kept, cell = found
        height, width = levels.shape
        levels[ink & ~enlarged_rows(kept, cell, slice(0, height), width)] = 255


def grey_without_show_through(
    levels: np.ndarray, page: np.ndarray, own: np.ndarray, ink_threshold: float, scale: float
) -> None:
    """Leave out of grey `levels` (uint8, in place: paper, 255) the pieces black and white
    at `ink_threshold` leaves out (`without_show_through`, same arguments), with their
    lighter edges: the cells beside them that are not beside ink kept."""
    ink = levels < int(np.argmax(bw_levels(ink_threshold) == 255))  # black and white's ink
    found = _kept_cells(ink, page, own, scale)
    if found is None:
        return
    kept, cell = found
    left_out = block_maximum(ink, cell) & ~kept  # kept holds the cells beside its ink
    if left_out.any():
        height, width = levels.shape
        left_out = square_maximum(left_out, 3) & ~kept
        levels[enlarged_rows(left_out, cell, slice(0, height), width)] = 255


def _kept_cells(
    ink: np.ndarray, page: np.ndarray, own: np.ndarray, scale: float
) -> tuple[np.ndarray, int] | None:
    """The cells (bool) of the pieces of `ink` (bool) that hold ink dark enough on `page`,
    with the cells beside them, and the cells' size in px; None where every piece does
    (most pages). Pieces are found on cells of JOIN × JOIN px at the network's scale (a
    quarter of the pixels to label at 1×), each joined to those beside it."""
    if not ink.any():
        return None
    height, width = ink.shape
    darkness = np.subtract(255, page, dtype=np.uint8)
    np.multiply(darkness, ink, out=darkness)  # none outside ink (7 times faster than a mask)
    block = max(1, round(BLOCK * scale))
    nearby = square_maximum(block_maximum(darkness, block), REACH // BLOCK)
    floor = np.ceil(SHARE * nearby.astype(np.float32)).astype(np.uint8)
    strong = darkness >= enlarged_rows(floor, block, slice(0, height), width)
    strong |= own
    strong &= ink
    cell = max(1, round(JOIN * scale))
    inked, cored = block_maximum(ink, cell), block_maximum(strong, cell)
    joined = square_maximum(inked, 3)  # the cells a piece spans
    reached = cored
    for _ in range(GROW_STEPS):  # spread from the dark enough ink through the pieces
        reached = square_maximum(reached, 3) & joined
        if not (inked & ~reached).any():
            return None  # every piece holds ink dark enough
    pieces = np.where(joined, CANDIDATE, PAPER).astype(np.uint8)
    pieces[cored] = CORE
    return keep_joined_ink(pieces) == CORE, cell
