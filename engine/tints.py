"""Printed tints taken as paper: a shaded panel or a table's shaded header is paper to the
reader, but the paper estimate (`engine.paper`, over 88 px) follows it only where it is
wider than that window and never up to its edges, so the network saw its edges as faint
ink and drew them as black frames.

On the page as the network sees it (divided by its paper, 8-bit), a tint is a region of
CELL × CELL cells whose level is flat (each cell within FLAT of its neighbours' mean, so a
smooth ramp of the estimate still counts as flat), clearly darker than the page's own
paper (between TINT_DARKEST and TINT_LIGHTEST of it: the paper of a divided scan is not
white, and plain paper must not count) and large enough to hold a square of CORE cells:
strokes, even bold or reduced ones, are far narrower. Its level is carried over its rim
(the tint's soft edge) and into the text on it (over cells no lighter than the tint),
while flat cells around it lighter than the paper (the tint's inside, where the estimate
follows it, and the paper beside it) take their own level; there the page is scaled so
that each comes out at the page's paper level: no step is left where a tint stops, and the
text on it keeps its contrast to it. A page with no such region is returned as it is, not
copied.
"""

import numpy as np

from engine.paper import (
    enlarged_rows,
    fill_from_around,
    neighbour_sum,
    square_all,
    within_squares,
)
from engine.parallel import in_bands

CELL = 4
# A cell is flat where it lies within FLAT levels of the mean of the 3 × 3 cells around it,
# and every cell within FLAT_REACH cells is flat too.
FLAT = 3.0
FLAT_REACH = 1
# The page's paper: this percentile of its cells. Tints lie between these shares of it.
PAPER_PERCENTILE = 75
TINT_DARKEST, TINT_LIGHTEST = 0.67, 0.93
CORE = 6  # cells (24 px): a tint holds a square this wide
RIM = 3  # cells over which the level is carried whatever their own level
SPREAD = 48  # cells over which it is carried into the darker text on a tint
DARKER_BY = 2.0  # levels: how much lighter than the tint a cell it spreads over may be
BAND_ROWS = 256  # a multiple of CELL


def cell_means(page: np.ndarray) -> np.ndarray:
    """The page's mean over CELL × CELL cells (float32); the last row and column of cells
    as far as the page goes. Sums of strided views: no copy of the page."""
    height, width = page.shape
    rows, cols = height // CELL, width // CELL
    sums = np.zeros((rows, cols), np.uint16)
    for dy in range(CELL):
        for dx in range(CELL):
            sums += page[dy : rows * CELL : CELL, dx : cols * CELL : CELL]
    means = np.empty((-(-height // CELL), -(-width // CELL)), np.float32)
    means[:rows, :cols] = sums * np.float32(1 / CELL**2)
    if cols < means.shape[1]:
        right = page[: rows * CELL, cols * CELL :]
        means[:rows, -1] = right.reshape(rows, -1).mean(axis=1)
    if rows < means.shape[0]:
        bottom = page[rows * CELL :]
        means[-1, :cols] = bottom[:, : cols * CELL].reshape(len(bottom), cols, CELL).mean((0, 2))
        if cols < means.shape[1]:
            means[-1, -1] = bottom[:, cols * CELL :].mean()
    return means


def page_cells(page: np.ndarray) -> tuple[np.ndarray, np.float32]:
    """The page's `cell_means`, and its paper level: their PAPER_PERCENTILE-th percentile
    (of every second cell each way)."""
    cells = cell_means(page)
    return cells, np.float32(np.percentile(cells[::2, ::2], PAPER_PERCENTILE))


def flat_cells(cells: np.ndarray) -> np.ndarray:
    """Where a cell lies within FLAT levels of the mean of the 3 × 3 cells around it."""
    return np.abs(cells - neighbour_sum(cells, edge=True) / np.float32(9)) <= FLAT


def tint_scale(page: np.ndarray) -> np.ndarray | None:
    """The factor each cell of the page is scaled by so that its tints come out as the
    page's paper (float32; 0 outside tints), or None for a page without tints."""
    if min(page.shape) < CELL * CORE:
        return None
    cells, paper = page_cells(page)
    level = (cells >= TINT_DARKEST * paper) & (cells <= TINT_LIGHTEST * paper)
    if not level.any():
        return None
    smooth = flat_cells(cells)
    flat = square_all(smooth, 2 * FLAT_REACH + 1) & level
    tint = within_squares(flat, CORE)
    if not tint.any():
        return None
    # Only the cells the tints' level can reach take part.
    rows, cols = np.flatnonzero(tint.any(axis=1)), np.flatnonzero(tint.any(axis=0))
    reach = RIM + SPREAD
    box = (
        slice(max(rows[0] - reach, 0), rows[-1] + reach + 1),
        slice(max(cols[0] - reach, 0), cols[-1] + reach + 1),
    )
    near, tint = cells[box], tint[box]
    values, known = fill_from_around(np.where(tint, near, 0).astype(np.float32), tint, RIM)
    # A tint's lighter inside (where the estimate follows it) and the paper around it
    # carry their own level, so they come out at the paper's level with no step left
    # where the tint stops, and text on paper beside a tint is scaled by that paper's
    # level, not the tint's.
    own = np.where(smooth[box] & (near < paper), near, 0)

    def darker_or_own(new: np.ndarray, rim: np.ndarray) -> np.ndarray:
        return (near[rim] <= new + DARKER_BY) | (own[rim] > 0)

    values, known = fill_from_around(values, known, SPREAD, accept=darker_or_own, floor=own)
    scale = np.zeros_like(cells)
    scale[box] = np.divide(paper, values, out=np.zeros_like(values), where=known)
    return scale


def without_tints(page: np.ndarray) -> np.ndarray:
    """`page` (uint8, divided by its paper) with its tints scaled to its paper: a new array
    where it has any, `page` itself where it has none. Scaled in bands of rows."""
    scale = tint_scale(page)
    if scale is None:
        return page
    out = page.copy()

    def band(rows: slice) -> None:
        top, bottom = rows.start, min(rows.stop, page.shape[0])
        factor = enlarged_rows(scale, CELL, slice(top, bottom), page.shape[1])
        tinted = factor > 0
        scaled = page[top:bottom][tinted] * factor[tinted] + np.float32(0.5)
        out[top:bottom][tinted] = np.minimum(scaled, np.float32(255)).astype(np.uint8)

    in_bands(page.shape[0], BAND_ROWS, band)
    return out
