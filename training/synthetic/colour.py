"""Colour pages: text in several ink colours and a highlighter on white, degraded in colour.

The colour test set (`training.colour_evaluation`) scores them against their clean colour
page; training shows the network coloured ink as grey mode feeds it (`grey_colour_pairs`:
the luminance, every stroke dark in the target) and as colour mode does (`colour_pairs`):
the page divided by its paper per channel and turned grey by `engine.colour.ink_grey`, with
a target whose every stroke is dark whatever its ink, and a highlight kept at the grey level
that conversion gives it (colour mode keeps it, in its own colour).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from engine.colour import ink_grey, paper_divided
from engine.io.reading import luminance
from engine.paper import window_maximum
from training.synthetic.layout import DEFAULT_HEIGHT, DEFAULT_WIDTH, render_clean_page
from training.synthetic.pages import degrade_colour

# Inks people write and print with (RGB at full coverage on white).
INKS = {
    "black": (25, 25, 30),
    "blue ballpoint": (30, 55, 160),
    "red": (190, 30, 35),
    "light red": (235, 125, 120),
    "green": (25, 120, 60),
    "violet": (110, 40, 150),
    "sepia": (115, 75, 40),
    "pencil": (125, 125, 130),
}
HIGHLIGHTER = np.array([250, 236, 90], np.float32)
# Coverage (share of a pixel inked, from the rendered text) of the ink pixels the test set
# measures; its paper pixels are at least PAPER_GAP pixels from any ink.
CORE_COVERAGE = 0.75
PAPER_GAP = 3
# Training pages draw from their own seed stream, never the test set's.
TRAINING_STREAM = 1


@dataclass(frozen=True)
class ColourPage:
    noisy: np.ndarray  # uint8 RGB, degraded
    clean: np.ndarray  # uint8 RGB, the clean colour page
    target: np.ndarray  # uint8 grey: every stroke dark, the highlight as ink_grey sees it
    strokes: np.ndarray  # uint8 grey: every stroke dark on white paper (grey mode's target)
    masks: dict[str, np.ndarray]  # "ink", "paper", "highlight"


def colour_page(
    rng: np.random.Generator, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> ColourPage:
    """One page: bands of lines written in one ink each, one or two highlights."""
    grey = render_clean_page(rng, height, width)
    coverage = 1.0 - grey.astype(np.float32) / 255
    inks = np.array(list(INKS.values()), np.float32)
    edges = np.sort(rng.integers(0, height, int(rng.integers(2, 6))))
    band_ink = inks[rng.integers(0, len(inks), len(edges) + 1)]
    row_ink = band_ink[np.searchsorted(edges, np.arange(height))]
    clean = 255 - coverage[..., None] * (255 - row_ink[:, None, :])
    highlight = np.zeros((height, width), bool)
    for _ in range(int(rng.integers(1, 3))):
        top, left = int(rng.integers(0, height - 40)), int(rng.integers(0, width // 2))
        highlight[
            top : top + int(rng.integers(20, 40)), left : left + int(rng.integers(120, 300))
        ] = True
    clean[highlight] *= HIGHLIGHTER / 255
    clean = np.clip(clean + 0.5, 0, 255).astype(np.uint8)
    highlight_grey = ink_grey(HIGHLIGHTER.astype(np.uint8).reshape(1, 1, 3))[0, 0] / 255
    target = np.where(highlight, grey * highlight_grey, grey).round().astype(np.uint8)
    near_ink = dilate(coverage > 0, PAPER_GAP)
    masks = {
        "ink": coverage >= CORE_COVERAGE,
        "paper": ~near_ink & ~highlight,
        "highlight": ~near_ink & erode(highlight, PAPER_GAP),
    }
    return ColourPage(degrade_colour(clean, rng), clean, target, grey, masks)


def colour_pages(
    count: int, seed: int | list[int], height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[ColourPage]:
    """`count` pages; page i depends on `seed` and i only."""
    for page_seed in np.random.SeedSequence(seed).spawn(count):
        yield colour_page(np.random.default_rng(page_seed), height, width)


def colour_pairs(
    count: int, seed: int, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`count` (network input, target) uint8 grey pairs, the input prepared as the engine's
    colour mode prepares a page (paper divided per channel, then `ink_grey`)."""
    for page in colour_pages(count, [seed, TRAINING_STREAM], height, width):
        yield ink_grey(paper_divided(page.noisy)), page.target


def grey_colour_pairs(
    count: int, seed: int, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`count` (page, target) uint8 grey pairs as grey mode sees a colour page: its
    luminance (the engine's grey conversion), every stroke dark in the target whatever its
    ink, the highlighter gone with the paper's tint."""
    for page in colour_pages(count, [seed, TRAINING_STREAM, 1], height, width):
        yield luminance(page.noisy), page.strokes


def dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    """`mask` grown by `steps` pixels each way (a square)."""
    size = 2 * steps + 1
    return window_maximum(window_maximum(mask, 0, size), 1, size)


def erode(mask: np.ndarray, steps: int) -> np.ndarray:
    return ~dilate(~mask, steps)
