"""Cleaning one page: pad, cut into tiles, run them in batches, stitch the centres."""

import threading
from collections.abc import Iterator

import numpy as np

from engine.denoiser import Denoiser
from engine.errors import CancelledError
from engine.tiling import pad_page, plan_tiles, stitch_tile, tile_at


def _scale(pixels: np.ndarray) -> float:
    if pixels.dtype == np.uint8:
        return 1.0 / 255.0
    if pixels.dtype == np.uint16:
        return 1.0 / 65535.0
    return 1.0


def iter_clean_page(
    pixels: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None = None,
) -> Iterator[tuple[int, int]]:
    """Clean `pixels` (2-D; uint8, uint16 or float in 0..1) into `out` (float32, same shape).

    Yields (tiles done, tiles total) after each batch. Holds the padded page and one batch
    of tiles besides the output. Raises `CancelledError` between batches when `cancel` is set.
    """
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey page, got shape {pixels.shape}")
    plan = plan_tiles(pixels.shape, denoiser.tile_shape, denoiser.margin, denoiser.alignment)
    padded = pad_page(pixels, plan)
    scale = _scale(pixels)
    offsets = list(plan.offsets())
    batch = np.empty((denoiser.batch_size, *plan.tile_shape), dtype=np.float32)
    for start in range(0, len(offsets), denoiser.batch_size):
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled")
        chunk = offsets[start : start + denoiser.batch_size]
        for slot, offset in enumerate(chunk):
            np.multiply(tile_at(padded, plan, offset), scale, out=batch[slot], casting="unsafe")
        cleaned = denoiser.run(batch[: len(chunk)])
        for tile, offset in zip(cleaned, chunk, strict=True):
            stitch_tile(out, tile, plan, offset)
        yield start + len(chunk), len(offsets)


def clean_page(pixels: np.ndarray, denoiser: Denoiser) -> np.ndarray:
    """Clean a whole page at once; returns float32 grey levels in 0..1."""
    out = np.empty(pixels.shape, dtype=np.float32)
    for _ in iter_clean_page(pixels, denoiser, out):
        pass
    return out
