"""Synthetic pairs: a clean page rendered and degraded (in grey, or in colour)."""

import contextlib
import io
from collections.abc import Collection, Iterator

import cv2
import numpy as np

from training.synthetic.effects import (
    ALL_EFFECTS,
    GREY_INK_EFFECTS,
    INK_EFFECTS,
    PAPER_EFFECTS,
    POST_EFFECTS,
    run_phase,
    seeded_global_generators,
)
from training.synthetic.layout import DEFAULT_HEIGHT, DEFAULT_WIDTH, PAPER, render_clean_page


def degrade(
    clean: np.ndarray, rng: np.random.Generator, only: Collection[str] | None = None
) -> np.ndarray:
    """A dirty scan of `clean` (uint8 grayscale, same shape, text in the same place).

    Effects are drawn at random from the ink, paper and post phases; `only` names the
    effects to apply instead (see ALL_EFFECTS), which the tests and debugging use.
    """
    if clean.ndim != 2 or clean.dtype != np.uint8:
        raise ValueError(f"clean must be a 2-D uint8 array, got {clean.dtype} {clean.shape}")
    page = _degrade_bgr(cv2.cvtColor(clean, cv2.COLOR_GRAY2BGR), rng, only)
    return cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)


def degrade_colour(
    clean: np.ndarray, rng: np.random.Generator, only: Collection[str] | None = None
) -> np.ndarray:
    """`degrade` for a colour page (uint8 RGB, H×W×3): the same effects, in colour."""
    if clean.ndim != 3 or clean.shape[2] != 3 or clean.dtype != np.uint8:
        raise ValueError(f"clean must be an H×W×3 uint8 array, got {clean.dtype} {clean.shape}")
    page = _degrade_bgr(cv2.cvtColor(clean, cv2.COLOR_RGB2BGR), rng, only, GREY_INK_EFFECTS)
    return cv2.cvtColor(page, cv2.COLOR_BGR2RGB)


def _degrade_bgr(
    clean: np.ndarray,
    rng: np.random.Generator,
    only: Collection[str] | None,
    left_out: frozenset[str] = frozenset(),
) -> np.ndarray:
    """The ink, paper and post phases on a uint8 BGR page (but the effects `left_out`);
    uint8 BGR back."""
    chosen = None if only is None else frozenset(only)
    if chosen is not None and not chosen <= ALL_EFFECTS.keys():
        raise ValueError(f"unknown effects {sorted(chosen - ALL_EFFECTS.keys())}")
    with (
        seeded_global_generators(int(rng.integers(2**31))),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        ink = run_phase(clean.astype(np.float32), INK_EFFECTS, rng, chosen, left_out)
        paper = run_phase(np.full_like(ink, PAPER), PAPER_EFFECTS, rng, chosen)
        page = run_phase(ink * paper / PAPER, POST_EFFECTS, rng, chosen)
    return np.clip(page, 0, 255).round().astype(np.uint8)


def synthetic_pairs(
    count: int, seed: int, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`count` (noisy, clean) uint8 pairs; the same seed always gives the same pairs, and
    pair i does not depend on `count` (each page has its own spawned seed)."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    for page_seed in np.random.SeedSequence(seed).spawn(count):
        rng = np.random.default_rng(page_seed)
        clean = render_clean_page(rng, height, width)
        yield degrade(clean, rng), clean
