"""Black and white by hysteresis: ink the network is unsure of is kept only where it joins
ink it is sure of.

Black and white writes black below the model's ink threshold. Below that threshold the
network's output is not all alike: a black stroke comes back with a black core, while
another page's ink showing through comes back only half dark. So a model may name a
second, darker level (`docclean.ink_core`): then a connected piece of ink (8-connected) is
kept only where some pixel of it is below that level, and every pixel of it below the
threshold stays black. It holds only for a model that restores every ink dark, light red
and pencil too: `training.calibration` writes a core only where it costs no ink on its
pages, and the bundled model has none (docs/model.md).

The page is labelled by runs: each row's runs of ink, joined to the runs they touch in the
next row, their labels merged by pointer jumping. It works on the page as `levels`
(`CORE`, `CANDIDATE` or `PAPER` for each pixel), one band of rows at a time where it
touches pixels, so a large page needs no full-size temporaries beyond its runs.
"""

import numpy as np

CORE, CANDIDATE, PAPER = 0, 128, 255
BAND_ROWS = 256


def three_levels(cleaned: np.ndarray, ink_threshold: float, ink_core: float) -> np.ndarray:
    """A cleaned tile or page (float 0..1) as CORE below `ink_core`, CANDIDATE below
    `ink_threshold`, PAPER elsewhere (uint8)."""
    out = np.where(cleaned < ink_threshold, CANDIDATE, PAPER).astype(np.uint8)
    out[cleaned < ink_core] = CORE
    return out


def black_and_white(
    cleaned: np.ndarray, ink_threshold: float, ink_core: float | None = None
) -> np.ndarray:
    """A whole cleaned page (float 0..1) as black and white writes it (uint8: 0 ink, 255
    paper): ink below `ink_threshold`, and with `ink_core` only the pieces of it that hold
    a pixel below the core. The engine writes the same tile by tile (`engine.cleaning`)."""
    if ink_core is None:
        return np.where(cleaned >= ink_threshold, np.uint8(255), np.uint8(0))
    return keep_joined_ink(three_levels(cleaned, ink_threshold, ink_core))


def bw_levels(ink_threshold: float) -> np.ndarray:
    """Each grey level (0..255) as black and white writes it at `ink_threshold`."""
    return black_and_white(np.arange(256, dtype=np.float32) / np.float32(255), ink_threshold)


def paper_level(ink_threshold: float) -> int:
    """The darkest grey level black and white writes as paper at `ink_threshold` (256
    where it writes none so)."""
    white = bw_levels(ink_threshold) == 255
    return int(np.argmax(white)) if white.any() else 256


def to_black_and_white(levels: np.ndarray, ink_threshold: float) -> None:
    """Grey `levels` (uint8) as black and white writes them at `ink_threshold`, in place
    (as a comparison and a product over the levels' own memory: 0.4 ms for an A4 page at
    300 dpi, against 15 ms for a table lookup)."""
    paper = paper_level(ink_threshold)
    if paper > 255:
        levels[...] = 0
        return
    np.greater_equal(levels, paper, out=levels.view(np.bool_))
    np.multiply(levels, 255, out=levels)


def _runs(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every run of ink (CORE or CANDIDATE) of the page: rows, starts, ends (exclusive) in
    row-major order, and whether each holds a CORE pixel."""
    height, width = levels.shape
    rows, starts, ends, cored = [], [], [], []
    for top in range(0, height, BAND_ROWS):
        band = levels[top : top + BAND_ROWS]
        ink = np.zeros((band.shape[0], width + 2), np.int8)
        ink[:, 1:-1] = band != PAPER
        edges = np.diff(ink, axis=1)
        start_rows, start_cols = np.nonzero(edges == 1)
        end_cols = np.nonzero(edges == -1)[1]
        rows.append((start_rows + top).astype(np.int64))
        starts.append(start_cols.astype(np.int64))
        ends.append(end_cols.astype(np.int64))
        # Each run's darkest level: reduced over [start, end) of the band's flat pixels,
        # with a PAPER sentinel so the last run's end is a valid index.
        flat = np.append(band.ravel(), np.uint8(PAPER))
        bounds = np.empty(2 * len(start_cols), np.int64)
        bounds[0::2] = start_rows * width + start_cols
        bounds[1::2] = start_rows * width + end_cols
        darkest = np.minimum.reduceat(flat, bounds)[0::2] if len(bounds) else bounds
        cored.append(darkest == CORE)
    return (
        np.concatenate(rows),
        np.concatenate(starts),
        np.concatenate(ends),
        np.concatenate(cored),
    )


def _touching(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int):
    """Pairs (a, b) of runs where b, in the row below a's, touches a (8-connected)."""
    stride = width + 2
    start_keys = rows * stride + starts
    end_keys = rows * stride + ends
    below = (rows + 1) * stride
    first = np.searchsorted(end_keys, below + starts, side="left")  # ends at or after a's start
    last = np.searchsorted(start_keys, below + ends, side="right")  # starts at or before a's end
    counts = np.maximum(last - first, 0)
    upper = np.repeat(np.arange(len(rows)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return upper, np.repeat(first, counts) + offsets


def _components(count: int, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Each run's component label (the smallest run index in it)."""
    labels = np.arange(count)
    while True:
        above, below = labels[upper], labels[lower]
        apart = above != below
        if not apart.any():
            return labels
        high = np.maximum(above[apart], below[apart])
        np.minimum.at(labels, high, np.minimum(above[apart], below[apart]))
        while True:  # every run points at its root
            roots = labels[labels]
            if np.array_equal(roots, labels):
                break
            labels = roots


def keep_joined_ink(levels: np.ndarray) -> np.ndarray:
    """The page (uint8 `three_levels`, modified in place and returned) in black and white:
    black where a piece of ink holds a CORE pixel, white elsewhere."""
    height, width = levels.shape
    rows, starts, ends, cored = _runs(levels)
    labels = _components(len(rows), *_touching(rows, starts, ends, width))
    kept_components = np.zeros(len(rows), bool)
    kept_components[labels[cored]] = True
    kept = kept_components[labels]
    dropped = np.flatnonzero(~kept)
    for top in range(0, height, BAND_ROWS):
        band = levels[top : top + BAND_ROWS]
        first, last = np.searchsorted(rows[dropped], (top, top + band.shape[0]))
        inside = dropped[first:last]
        # +1 where a dropped run starts, -1 where it ends: their running sum marks it.
        marks = np.zeros((band.shape[0], width + 1), np.int8)
        marks[rows[inside] - top, starts[inside]] = 1
        marks[rows[inside] - top, ends[inside]] = -1
        dropped_pixels = np.cumsum(marks, axis=1, dtype=np.int8)[:, :width] > 0
        band[:] = np.where((band == PAPER) | dropped_pixels, PAPER, CORE)
    return levels


def joined_to_edge(mask: np.ndarray) -> np.ndarray:
    """The cells of `mask` (bool, 2-D) in pieces (8-connected) that touch its edge: a
    photographed page's surround, a scan's border, on a grid of cells."""
    edge = np.zeros_like(mask)
    edge[[0, -1], :], edge[:, [0, -1]] = mask[[0, -1], :], mask[:, [0, -1]]
    if not edge.any():
        return edge
    cells = np.where(edge, CORE, np.where(mask, CANDIDATE, PAPER)).astype(np.uint8)
    return keep_joined_ink(cells) == CORE


def piece_sizes(mask: np.ndarray) -> np.ndarray:
    """How many cells each piece (8-connected) of `mask` (bool, 2-D) holds, in no
    particular order (int64)."""
    rows, starts, ends, _ = _runs(np.where(mask, CORE, PAPER).astype(np.uint8))
    if not len(rows):
        return np.zeros(0, np.int64)
    labels = _components(len(rows), *_touching(rows, starts, ends, mask.shape[1]))
    _, piece = np.unique(labels, return_inverse=True)
    return np.bincount(piece, weights=ends - starts).astype(np.int64)
