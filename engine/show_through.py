"""Grey, colour and black and white leave out writing far fainter than the ink around it:
another page's writing showing or bleeding through the paper.

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
on the DIBCO training collections and the colour test set (docs/model.md). The pieces
are left out of the grey result, with their lighter edges (the cells beside them, where no
ink kept is as near), so grey and colour leave them out too (the network draws such
writing as dark as ink), and black and white is that result at the model's threshold.
"""

import math
from collections.abc import Callable

import numpy as np

from engine.hysteresis import CANDIDATE, CORE, PAPER, keep_joined_ink, paper_level
from engine.paper import block_maximum, enlarged_rows, square_maximum
from engine.parallel import in_bands

SHARE = 0.4
BLOCK = 32  # px: the darkest ink is found in blocks, REACH // BLOCK blocks across
REACH = 288
JOIN = 2
# Cells spread from the dark enough ink before the pieces are labelled: where that reaches
# all ink, no piece is left out, and labelling (26 ms on an A4 page of DDD scans, which two
# steps settle) is skipped.
GROW_STEPS = 4
BAND_ROWS = 256  # about: whole blocks and cells, so no page-sized temporaries
INK, DARK = 1, 2  # a cell holding ink, and ink dark enough


def without_show_through(
    levels: np.ndarray, page: np.ndarray, ink_threshold: float, scale: float = 1.0
) -> None:
    """Leave out of grey `levels` (uint8, in place: paper, 255) the pieces of ink (darker
    than black and white's paper at `ink_threshold`) far fainter than the ink around them
    on the divided `page` (uint8, what the network saw, at `levels`' size), except where
    `levels` kept the page's own levels (equal to `page`), with their lighter edges: the
    cells beside them that are not beside ink kept. Black and white is the result at
    `ink_threshold`. `scale`: how many times smaller the network saw the page."""
    paper = paper_level(ink_threshold)
    found = _kept_cells(
        lambda rows: levels[rows] < paper, lambda rows: levels[rows] == page[rows], page, scale
    )
    if found is None:
        return
    inked, kept, cell = found
    left_out = inked & ~kept  # kept holds the cells beside its ink
    if not left_out.any():
        return
    left_out = square_maximum(left_out, 3) & ~kept
    width = levels.shape[1]

    def clear(rows: slice) -> None:
        levels[rows][enlarged_rows(left_out, cell, rows, width)] = 255

    _in_bands(levels.shape[0], scale, clear)


def _sizes(scale: float) -> tuple[int, int]:
    """The blocks' and the cells' size in px, at the scale the network saw the page."""
    return max(1, round(BLOCK * scale)), max(1, round(JOIN * scale))


def _in_bands(height: int, scale: float, work: Callable[[slice], None]) -> None:
    """`work(rows)` for each band of a page `height` rows tall (`engine.parallel.in_bands`),
    each band whole blocks and whole cells, the last one ending with the page."""
    whole = math.lcm(*_sizes(scale))
    rows = whole * max(1, BAND_ROWS // whole)
    in_bands(height, rows, lambda band: work(slice(band.start, min(band.stop, height))))


def _kept_cells(
    ink_of: Callable[[slice], np.ndarray],
    own_of: Callable[[slice], np.ndarray],
    page: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The cells (bool) holding ink (`ink_of(rows)`, bool) and the cells of the pieces that
    hold ink dark enough on `page` or the page's own levels (`own_of(rows)`), with the cells
    beside them, and the cells' size in px; None where every piece holds such ink (most
    pages). Pieces are found on cells of JOIN × JOIN px at the network's scale (a quarter of
    the pixels to label at 1×), each joined to those beside it; the page is read in bands."""
    height, width = page.shape
    block, cell = _sizes(scale)
    darkest = np.zeros((-(-height // block), -(-width // block)), np.uint8)
    inked_bands: list[bool] = []

    def ink_and_darkness(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        ink = ink_of(rows)
        darkness = np.subtract(255, page[rows], dtype=np.uint8)
        np.multiply(darkness, ink, out=darkness)  # none outside ink (7× faster than a mask)
        return ink, darkness

    def find_ink(rows: slice) -> None:
        ink, darkness = ink_and_darkness(rows)
        darkest[_grid_rows(rows, block)] = block_maximum(darkness, block)
        inked_bands.append(bool(ink.any()))

    _in_bands(height, scale, find_ink)
    if not any(inked_bands):
        return None
    nearby = square_maximum(darkest, REACH // BLOCK)
    floor = np.ceil(SHARE * nearby.astype(np.float32)).astype(np.uint8)
    cells = np.empty((-(-height // cell), -(-width // cell)), np.uint8)  # INK or DARK

    def find_cores(rows: slice) -> None:
        ink, darkness = ink_and_darkness(rows)
        strong = darkness >= enlarged_rows(floor, block, rows, width)
        strong |= own_of(rows)
        strong &= ink
        cells[_grid_rows(rows, cell)] = block_maximum(ink, cell).view(np.uint8)
        cells[_grid_rows(rows, cell)] += block_maximum(strong, cell)

    _in_bands(height, scale, find_cores)
    if _settled(cells):
        return None
    inked = cells >= INK
    pieces = np.where(square_maximum(inked, 3), CANDIDATE, PAPER).astype(np.uint8)
    pieces[cells == DARK] = CORE
    return inked, keep_joined_ink(pieces) == CORE, cell


def _settled(cells: np.ndarray) -> bool:
    """Whether spreading from the DARK cells through the cells the pieces span (those
    beside INK cells), GROW_STEPS cells at most, reaches every INK cell. In bands of cells
    with a margin wider than the spread (the same answer), so no other grid of the cells'
    size is made."""
    margin = GROW_STEPS + 1
    unsettled: list[bool] = []

    def settle(rows: slice) -> None:
        top, bottom = max(0, rows.start - margin), min(rows.stop + margin, len(cells))
        band = cells[top:bottom]
        inked = band >= INK
        joined = square_maximum(inked, 3)
        reached = band == DARK
        inner = slice(rows.start - top, rows.stop - top)
        for _ in range(GROW_STEPS):
            reached = square_maximum(reached, 3) & joined
            if not (inked[inner] & ~reached[inner]).any():
                return
        unsettled.append(True)

    in_bands(len(cells), BAND_ROWS // 2, settle)
    return not any(unsettled)


def _grid_rows(rows: slice, size: int) -> slice:
    """The rows of a grid of `size` px cells that page rows `rows` (from a multiple of
    `size`) fall in."""
    return slice(rows.start // size, -(-rows.stop // size))
