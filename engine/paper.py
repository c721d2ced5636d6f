"""What the page tells about itself: its paper's brightness and the width of its strokes.

Models that declare it (metadata `docclean.input = "paper_normalised"`) see the page divided
by a local estimate of its paper, so yellowed paper, shadows and uneven lighting reach the
network as white, and ink keeps its contrast to the paper around it. The stroke width,
measured from the pixels, tells the engine the page's text scale when the DPI is missing
or wrong.
"""

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from engine.hysteresis import joined_to_edge
from engine.parallel import in_bands

# Paper is estimated on a grid of BLOCK × BLOCK pixels (their brightest pixel), widened by a
# maximum over WINDOW blocks: ink narrower than BLOCK * WINDOW pixels never counts as paper.
BLOCK = 8
WINDOW = 11
# The darkest paper the estimate accepts: keeps the division finite on black borders.
DARKEST_PAPER = 0.05
# A region wider than BLOCK * WINDOW pixels is its own paper to the estimate: a black box
# or a dark photograph would be divided into white and come back as an outline around a
# hole. Where the widened estimate falls below FIGURE_SHARE of the paper within
# FIGURE_WINDOW blocks, or of the page's paper (its PAGE_PAPER_PERCENTILE), in a region
# that paper encloses, it is no paper: the paper around it is carried in, and the region
# stays as dark as it is. Regions that reach the page's edge stay as they are: shadows, a
# table around a photographed page, scanner borders.
FIGURE_SHARE = 0.5
FIGURE_WINDOW = 41
PAGE_PAPER_PERCENTILE = 90
# Rows divided at a time by `normalise_paper`.
NORMALISE_ROWS = 256
# Values of a band looked up at a time in the paper division's table (`_by_table`).
LOOKUP_CHUNK = 1 << 20
# Normalised levels below this count as ink when strokes are measured.
INK_LEVEL = 0.7
# Paper-normalised levels (of 255) between which a pixel lies on a stroke's edge.
EDGE_INK, EDGE_PAPER = 128, 217


def _paper_grid(page: np.ndarray) -> Image.Image:
    """The paper's brightness (8-bit) at 1/BLOCK resolution: each block's brightest pixel,
    the maximum of those over WINDOW blocks, enclosed dark regions filled from the paper
    around them (`_figures_filled`), then a box blur. `page`: levels in 0..1, or
    8-bit levels (the same grid, a quarter of the memory traffic); grey (H×W) or RGB
    (H×W×3, each channel its own paper: the same grid as each channel alone, in one pass)."""
    widened = square_maximum(block_maximum(page, BLOCK))
    if widened.dtype != np.uint8:
        widened = np.clip(widened * 255 + 0.5, 0, 255).astype(np.uint8)
    if widened.ndim == 3:
        widened = np.stack([_figures_filled(widened[..., c]) for c in range(3)], axis=-1)
    else:
        widened = _figures_filled(widened)
    mode = "RGB" if widened.ndim == 3 else "L"  # Pillow blurs each channel as its own image
    return Image.fromarray(np.ascontiguousarray(widened), mode=mode).filter(
        ImageFilter.BoxBlur(WINDOW // 2)
    )


def block_maximum(values: np.ndarray, block: int) -> np.ndarray:
    """The maximum of each `block` × `block` block of `values` (H×W, or H×W×C per channel),
    the last block of each axis as long as the page leaves it (the same as padding with the
    edge, without a padded copy). Down the page, then across it, as maxima of every
    `block`-th row (column) with its neighbours: as fast for blocks of 2 px as of 32 (a
    reshape's maximum over an axis of 2 takes ten times as long, `reduceat` longer)."""
    return _axis_maximum(_axis_maximum(values, block, 0), block, 1)


def _axis_maximum(values: np.ndarray, block: int, axis: int) -> np.ndarray:
    length = values.shape[axis]
    whole = length // block * block

    def every(start: int) -> np.ndarray:  # every `block`-th row (column) from `start`
        return values[(slice(None),) * axis + (slice(start, whole, block),)]

    out = every(0).copy()
    for start in range(1, block):
        np.maximum(out, every(start), out=out)
    if whole < length:
        rest = values[(slice(None),) * axis + (slice(whole, None),)].max(axis, keepdims=True)
        out = np.concatenate([out, rest], axis=axis)
    return out


def _figures_filled(grid: np.ndarray) -> np.ndarray:
    """The paper grid (8-bit, one channel) with dark regions that paper encloses (figures)
    filled from the paper around them, layer by layer inwards; the grid itself where there
    are none."""
    if grid.min() >= FIGURE_SHARE * grid.max():  # most pages: nothing that dark anywhere
        return grid
    near = square_maximum(grid, FIGURE_WINDOW)
    page_paper = np.percentile(grid, PAGE_PAPER_PERCENTILE)
    dark = (grid < FIGURE_SHARE * near) | (grid < FIGURE_SHARE * page_paper)
    if not dark.any():
        return grid
    figures = dark & ~joined_to_edge(dark)
    if not figures.any():
        return grid
    rows, cols = np.flatnonzero(figures.any(axis=1)), np.flatnonzero(figures.any(axis=0))
    # Enclosed: never on the grid's edge, so the box one cell wider holds their paper.
    box = (slice(rows[0] - 1, rows[-1] + 2), slice(cols[0] - 1, cols[-1] + 2))
    known = ~figures[box]
    values, _ = fill_from_around(np.where(known, grid[box], 0).astype(np.float32), known)
    filled = grid.copy()
    filled[box] = np.clip(values + 0.5, 0, 255).astype(np.uint8)
    return filled


def fill_from_around(
    values: np.ndarray,
    known: np.ndarray,
    steps: int | None = None,
    accept: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    floor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`values` (float32, 0 where not `known`) carried into the cells around the known ones,
    rim by rim: each cell of a rim takes the mean of its known neighbours (3×3), or its
    `floor` where that is higher, until every cell joined to a known one has a value, or
    for `steps` rims. `accept(new, rim)` may refuse cells of a rim (a mask over `new`, the
    rim's values in `rim`'s order): they stay unknown. Returns new arrays: the values, and
    where they are known."""
    values, known = values.copy(), known.copy()
    step = 0
    while not known.all() and (steps is None or step < steps):
        total = neighbour_sum(values)
        count = neighbour_sum(known.astype(np.float32))
        rim = ~known & (count > 0)
        new = total[rim] / count[rim]
        if floor is not None:
            new = np.maximum(new, floor[rim])
        if accept is not None:
            taken = accept(new, rim)
            rim[rim] = taken
            new = new[taken]
        if not rim.any():
            break
        values[rim] = new
        known |= rim
        step += 1
    return values, known


def neighbour_sum(values: np.ndarray, edge: bool = False) -> np.ndarray:
    """The sum over each cell's 3×3 neighbourhood, outside counting as zero (or, with
    `edge`, as the nearest cell)."""
    padded = np.pad(values, 1, mode="edge" if edge else "constant")
    height, width = values.shape
    return sum(padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3))


def square_maximum(values: np.ndarray, size: int = WINDOW) -> np.ndarray:
    """The maximum over the `size` × `size` square around each cell (edges repeated)."""
    return window_maximum(window_maximum(values, 0, size), 1, size)


def square_all(mask: np.ndarray, size: int) -> np.ndarray:
    """Where the whole `size` × `size` square around a cell of `mask` is True (edges
    repeated): the mask shrunk."""
    return ~square_maximum(~mask, size)


def within_squares(mask: np.ndarray, size: int) -> np.ndarray:
    """The cells of `mask` that lie in some `size` × `size` square of it wholly True."""
    return square_maximum(square_all(mask, size), size) & mask


def block_count(mask: np.ndarray, block: int) -> np.ndarray:
    """How many pixels of `mask` (H×W bool) each `block` × `block` block holds (uint16;
    the last block of each axis as long as the page leaves it). Down the page by a reshape,
    as `block_maximum`."""
    height, width = mask.shape
    ones = mask.view(np.uint8)
    whole = height // block * block
    rows = ones[:whole].reshape(height // block, block, width).sum(axis=1, dtype=np.uint16)
    if whole < height:
        rows = np.concatenate([rows, ones[whole:].sum(axis=0, dtype=np.uint16, keepdims=True)])
    return np.add.reduceat(rows, np.arange(0, width, block), axis=1)


def enlarged_rows(grid: np.ndarray, block: int, rows: slice, width: int) -> np.ndarray:
    """Rows `rows` (from a multiple of `block`) of a page `width` wide, each pixel taking
    the value of its `block` × `block` cell of `grid`."""
    top, bottom = rows.start, rows.stop
    cells = np.repeat(grid[top // block : -(-bottom // block)], block, axis=0)
    return np.repeat(cells, block, axis=1)[: bottom - top, :width]


def window_maximum(values: np.ndarray, axis: int, size: int = WINDOW) -> np.ndarray:
    """The maximum over `size` neighbours along `axis` (edges repeated), same shape: one
    maximum per shift, fast enough for a full page."""
    reach = size // 2
    padding = [(0, 0)] * values.ndim
    padding[axis] = (reach, reach)
    padded = np.pad(values, padding, mode="edge")
    length = values.shape[axis]

    def shifted(shift: int) -> np.ndarray:  # a view, not a copy
        return padded[(slice(None),) * axis + (slice(shift, shift + length),)]

    out = shifted(0).copy()
    for shift in range(1, size):
        np.maximum(out, shifted(shift), out=out)
    return out


def _paper_8bit(page: np.ndarray) -> np.ndarray:
    """The paper's brightness under every pixel as 8-bit levels (the page's shape): the grid
    enlarged bilinearly from 1/BLOCK resolution, NORMALISE_ROWS rows at a time."""
    grid = _paper_grid(page if page.dtype == np.uint8 else np.asarray(page, dtype=np.float32))
    paper = np.empty(page.shape, dtype=np.uint8)
    for start in range(0, page.shape[0], NORMALISE_ROWS):
        rows = slice(start, start + NORMALISE_ROWS)
        paper[rows] = _paper_rows(grid, page.shape, rows)
    return paper


def _paper_rows(grid: Image.Image, shape: tuple[int, ...], rows: slice) -> np.ndarray:
    """One band of NORMALISE_ROWS rows (from a multiple of it) of the paper under a page of
    `shape`, enlarged bilinearly from its `grid`, so that the divisions in bands need no
    full-size paper. (Pillow's resize of a band differs from the whole page's by a level
    or two at a few pixels in ten thousand: every path here enlarges by these bands.)"""
    height, width = shape[:2]
    top, bottom = rows.start, min(rows.stop, height)
    step = grid.height / height
    box = (0, top * step, grid.width, bottom * step)
    return np.asarray(grid.resize((width, bottom - top), Image.Resampling.BILINEAR, box=box))


def _as_level(paper: np.ndarray) -> np.ndarray:
    levels = np.multiply(paper, np.float32(1 / 255), dtype=np.float32)
    return np.maximum(levels, np.float32(DARKEST_PAPER), out=levels)


def paper_level(page: np.ndarray) -> np.ndarray:
    """A smooth estimate of the paper's brightness under every pixel (float32, page shape),
    from grey levels in 0..1."""
    return _as_level(_paper_8bit(page))


def normalise_paper(page: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The page divided by its paper: paper near 1, ink as dark as it is against it.
    `out` (float32, the page's shape, the page itself allowed) receives the result. The
    division goes in bands of rows, so a large page needs no full-size float paper."""
    page = np.asarray(page, dtype=np.float32)
    grid = _paper_grid(page)
    normalised = np.empty_like(page) if out is None else out
    for start in range(0, page.shape[0], NORMALISE_ROWS):
        rows = slice(start, start + NORMALISE_ROWS)
        paper = _as_level(_paper_rows(grid, page.shape, rows))
        np.divide(page[rows], paper, out=normalised[rows])
        np.minimum(normalised[rows], np.float32(1.0), out=normalised[rows])
    return normalised


def normalised_8bit(page: np.ndarray, scale: float, out: np.ndarray | None = None) -> np.ndarray:
    """`normalise_paper` of `page × scale` (levels in 0..1), rounded to 8-bit levels, the
    same bytes as normalising the whole page in float and quantising it, with no full-size
    float page: each band of rows is scaled, divided and rounded on its own (8-bit levels
    looked up, `_by_table`). Into `out` (uint8, the page's shape) where given, which may be
    `page` itself."""
    grid = _paper_grid(page if page.dtype == np.uint8 else np.multiply(page, np.float32(scale)))
    out = np.empty(page.shape, dtype=np.uint8) if out is None else out

    def divide(levels: np.ndarray, paper: np.ndarray) -> np.ndarray:
        levels = np.multiply(levels, np.float32(scale), dtype=np.float32)
        np.divide(levels, _as_level(paper), out=levels)
        np.minimum(levels, np.float32(1.0), out=levels)
        return np.clip(levels * 255.0 + 0.5, 0, 255).astype(np.uint8)  # as to_uint8 rounds

    divided = _by_table(divide) if page.dtype == np.uint8 else divide

    def band(rows: slice) -> None:
        out[rows] = divided(page[rows], _paper_rows(grid, page.shape, rows))

    in_bands(page.shape[0], NORMALISE_ROWS, band)
    return out


def _by_table(
    divide: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """`divide(levels, paper)` of 8-bit levels and paper, looked up in a table of its 65,536
    answers: the same bytes, in a third of the time of the float arithmetic. Looked up
    LOOKUP_CHUNK values at a time: NumPy turns an index into 8 bytes a value first (whole
    bands of a colour A3 page took 40 MB more at their peak than the float arithmetic)."""
    levels, paper = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    table = divide(levels, paper).ravel()  # paper × 256 + level

    def looked_up(levels: np.ndarray, paper: np.ndarray) -> np.ndarray:
        out = np.empty(levels.shape, dtype=np.uint8)
        flat_levels, flat_paper, flat_out = levels.reshape(-1), paper.reshape(-1), out.reshape(-1)
        for start in range(0, flat_out.size, LOOKUP_CHUNK):
            part = slice(start, start + LOOKUP_CHUNK)
            index = flat_paper[part].astype(np.uint16)
            index <<= 8
            index |= flat_levels[part]
            np.take(table, index, out=flat_out[part])
        return out

    return looked_up


def divide_8bit(page: np.ndarray, in_place: bool = False) -> np.ndarray:
    """`normalise_paper` for 8-bit levels, to 8-bit levels (rounded); an RGB page (H×W×3)
    has each channel divided by its own paper. `in_place`: written over `page`."""
    divided = divider_8bit(page)
    out = page if in_place else np.empty_like(page)

    def band(rows: slice) -> None:
        out[rows] = divided(rows)

    in_bands(page.shape[0], NORMALISE_ROWS, band)
    return out


def divider_8bit(page: np.ndarray) -> Callable[[slice], np.ndarray]:
    """`divide_8bit(page)[rows]` for a band of rows from a multiple of NORMALISE_ROWS, made
    on its own (the paper estimated once, here), for callers that need no divided page."""
    grid = _paper_grid(page)

    def divide(levels: np.ndarray, paper: np.ndarray) -> np.ndarray:
        levels = np.divide(levels, _as_level(paper), dtype=np.float32)
        np.clip(levels, 0.0, np.float32(255.0), out=levels)
        levels += np.float32(0.5)  # in 0.5..255.5: truncation rounds
        return levels.astype(np.uint8)

    divided = _by_table(divide)

    def band(rows: slice) -> np.ndarray:
        return divided(page[rows], _paper_rows(grid, page.shape, rows))

    return band


def _dark_runs(ink: np.ndarray) -> np.ndarray:
    """Lengths of the horizontal runs of True in each row."""
    padded = np.zeros((ink.shape[0], ink.shape[1] + 2), np.int8)  # rows kept apart
    padded[:, 1:-1] = ink
    edges = np.diff(padded.ravel())
    return np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)


def _sampled_lines(page: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """At most `rows` rows of the page, and as many columns (as rows, copied: a column's
    pixels lie a row apart)."""
    columns = page[:, :: max(1, page.shape[1] // rows)]
    return page[:: max(1, page.shape[0] // rows)], np.ascontiguousarray(columns.T)


def _sampled_region(
    region: np.ndarray | None, shape: tuple[int, ...], rows: int
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """`region` (BLOCK × BLOCK cells, `engine.page_region`) at the pixels `_sampled_lines`
    samples."""
    if region is None:
        return None, None
    height, width = shape[:2]
    across_rows = np.arange(0, height, max(1, height // rows)) // BLOCK
    down_columns = np.arange(0, width, max(1, width // rows)) // BLOCK
    across = np.repeat(region[across_rows], BLOCK, axis=1)[:, :width]  # cells to pixels
    down = np.repeat(region[:, down_columns].T, BLOCK, axis=1)[:, :height]
    return across, down


def stroke_width(
    normalised: np.ndarray, rows: int = 400, region: np.ndarray | None = None
) -> float | None:
    """Typical stroke width in pixels: the median length of dark runs across and down the
    page (at most `rows` rows and columns sampled each way), within `region` where given
    (BLOCK × BLOCK cells, `engine.page_region`). None where there is no ink.
    `normalised`: paper-normalised levels in 0..1, or 8-bit levels."""
    level = INK_LEVEL * 255 if normalised.dtype == np.uint8 else INK_LEVEL
    across, down = _sampled_lines(normalised, rows)  # only the sampled lines thresholded
    inside_across, inside_down = _sampled_region(region, normalised.shape, rows)
    ink_across, ink_down = across < level, down < level
    if inside_across is not None:
        ink_across &= inside_across
        ink_down &= inside_down
    runs = np.concatenate([_dark_runs(ink_across), _dark_runs(ink_down)])
    runs = runs[runs < min(normalised.shape) // 4]  # rules, borders and blots are no strokes
    if len(runs) < 50:
        return None
    return float(np.median(runs))


def _edge_runs(lines: np.ndarray, inside: np.ndarray | None = None) -> np.ndarray:
    """Lengths of the runs of edge levels (between EDGE_INK and EDGE_PAPER) that lie between
    ink and paper along each line (uint8), pixels outside `inside` (bool, the lines' shape)
    bounding no run."""
    kinds = np.full((lines.shape[0], lines.shape[1] + 1), 3, np.int8)  # 3: lines kept apart
    levels = kinds[:, :-1]
    np.greater_equal(lines, EDGE_INK, out=levels.view(bool))  # 0 ink, 1 edge, 2 paper
    levels += lines >= EDGE_PAPER
    if inside is not None:
        levels[~inside] = 3
    kinds = kinds.ravel()
    starts = np.concatenate([[0], np.flatnonzero(np.diff(kinds)) + 1])
    lengths = np.diff(np.append(starts, kinds.size))
    run_kinds = kinds[starts]
    edge = np.flatnonzero(run_kinds[1:-1] == 1) + 1
    before, after = run_kinds[edge - 1], run_kinds[edge + 1]
    between = ((before == 0) & (after == 2)) | ((before == 2) & (after == 0))
    return lengths[edge[between]]


def edge_width(
    normalised: np.ndarray, rows: int = 400, region: np.ndarray | None = None
) -> float | None:
    """Typical width in pixels of the strokes' edges, from ink to paper: the median length
    of those runs across and down the page (sampled as `stroke_width` samples, within
    `region` where given), None where there are too few. An enlarged page's edges widen
    with it; a sharp scan's measure 1 to 2 px. `normalised`: paper-normalised 8-bit
    levels."""
    across, down = _sampled_lines(normalised, rows)
    inside_across, inside_down = _sampled_region(region, normalised.shape, rows)
    runs = np.concatenate([_edge_runs(across, inside_across), _edge_runs(down, inside_down)])
    if len(runs) < 50:
        return None
    return float(np.median(runs))
