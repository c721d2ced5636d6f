"""Solid ink kept solid: a black box, a title bar, a dark figure are far wider than anything
the network was trained on, and it drew light smears inside them, most around letters
reversed out of a bar (paper-coloured letters on ink).

On the page as the network saw it (divided by its paper, 8-bit, at its own size), solid ink
is a piece of CELL × CELL cells that are flat (as `engine.tints` finds them) and darker
than SOLID_SHARE of the page's paper, holding a square of CORE cells somewhere (no stroke
of text is that wide), closed over gaps narrower than CLOSE cells (the letters reversed
out of it).
There grey output keeps the page's own levels, and black and white keeps as ink whatever
of the page is darker than its threshold: no ink there is lost, and none is added
elsewhere.
"""

import numpy as np

from engine import hysteresis
from engine.paper import enlarged_rows, square_all, square_maximum, within_squares
from engine.parallel import in_bands
from engine.tints import CELL, flat_cells, page_cells

SOLID_SHARE = 0.5
CORE = 12  # cells (48 px)
CLOSE = 16  # cells (64 px)
BAND_ROWS = 256  # a multiple of CELL


def solid_cells(page: np.ndarray) -> np.ndarray | None:
    """Which CELL × CELL cells of `page` (uint8, divided by its paper) lie in solid ink, or
    None for a page without any."""
    if min(page.shape) < CELL * CORE:
        return None
    cells, paper = page_cells(page)
    dark = cells <= SOLID_SHARE * paper
    if not square_all(dark, CORE).any():  # most pages: text, no dark square anywhere
        return None
    solid = flat_cells(cells) & dark
    holding = within_squares(solid, CORE)
    if not holding.any():
        return None
    # Whole pieces of flat dark cells that hold such a square (a bar's narrow parts above
    # and below its reversed letters too), labelled as black and white's ink core is.
    pieces = np.where(holding, hysteresis.CORE, np.where(solid, hysteresis.CANDIDATE, 255))
    solid = hysteresis.keep_joined_ink(pieces.astype(np.uint8)) == 0
    return square_all(square_maximum(solid, CLOSE), CLOSE) | solid  # with what it encloses


def keep_solid_ink(
    levels: np.ndarray, page: np.ndarray, solid: np.ndarray | None, ink_below: float | None
) -> None:
    """Where `page` (uint8, divided by its paper: what the network saw) holds solid ink
    (`solid`: its `solid_cells`, found before cleaning, while less of the page is held),
    the cleaned `levels` (uint8, same shape) keep it, in place: grey levels take the page's
    own there (its reversed letters as printed); black and white (`ink_below`: the level of
    255 below which cleaned levels were made black) turns black where the page is darker
    than that, and keeps the cleaned levels elsewhere."""
    if levels.shape != page.shape:
        raise ValueError(f"expected pages of one shape, got {levels.shape} {page.shape}")
    if solid is None:
        return

    def band(rows: slice) -> None:
        top, bottom = rows.start, min(rows.stop, page.shape[0])
        inside = enlarged_rows(solid, CELL, slice(top, bottom), page.shape[1])
        own, cleaned = page[top:bottom], levels[top:bottom]
        if ink_below is None:
            cleaned[inside] = own[inside]
        else:
            cleaned[inside & (own < ink_below)] = 0

    in_bands(page.shape[0], BAND_ROWS, band)
