"""Cleaning one page: bring it to the model's working resolution, pad, cut into tiles, run
them in batches, stitch the centres, and bring the result back to the page's size."""

import threading
from collections.abc import Iterator

import numpy as np
from PIL import Image

from engine.denoiser import Denoiser
from engine.errors import CancelledError
from engine.tiling import pad_page, plan_tiles, stitch_tile, tile_at

# DPI values this low are software defaults far more often than real scan resolutions.
MIN_TRUSTED_DPI = 97
# Pages within this relative distance of the working resolution are cleaned as they are.
RESAMPLE_TOLERANCE = 0.15


def _scale(pixels: np.ndarray) -> float:
    if pixels.dtype == np.uint8:
        return 1.0 / 255.0
    if pixels.dtype == np.uint16:
        return 1.0 / 65535.0
    return 1.0


def working_shape(
    shape: tuple[int, int], dpi: tuple[float, float] | None, working_dpi: int | None
) -> tuple[int, int] | None:
    """The page's size at the model's working resolution, or None to clean it as it is
    (no DPI, an untrustworthy DPI, a model without a working resolution, or close enough)."""
    if not dpi or not working_dpi:
        return None
    page_dpi = (dpi[0] + dpi[1]) / 2
    if page_dpi < MIN_TRUSTED_DPI:
        return None
    scale = working_dpi / page_dpi
    if abs(scale - 1) <= RESAMPLE_TOLERANCE:
        return None
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def resample(pixels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Grey levels in 0..1 (float32) at another size, with Lanczos filtering."""
    levels = np.asarray(pixels, dtype=np.float32) * np.float32(_scale(pixels))
    resized = Image.fromarray(levels, mode="F").resize(shape[::-1], Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def iter_clean_page(
    pixels: np.ndarray,
    denoiser: Denoiser,
    out: np.ndarray,
    cancel: threading.Event | None = None,
    dpi: tuple[float, float] | None = None,
) -> Iterator[tuple[int, int]]:
    """Clean `pixels` (2-D; uint8, uint16 or float in 0..1) into `out` (float32, same shape).

    A page whose DPI differs from the model's working resolution is resampled to it and the
    result back to the page's size; an enlarged page is cleaned by the model's low-resolution
    companion where it has one. Yields (tiles done, tiles total) after each batch.
    Raises `CancelledError` between batches when `cancel` is set.
    """
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey page, got shape {pixels.shape}")
    target = working_shape(pixels.shape, dpi, denoiser.working_dpi)
    if target is None:
        yield from _iter_clean_tiles(pixels, denoiser, out, cancel)
        return
    if target[0] > pixels.shape[0] and denoiser.low_resolution is not None:
        denoiser = denoiser.low_resolution  # trained on soft, enlarged strokes
    cleaned = np.empty(target, dtype=np.float32)
    yield from _iter_clean_tiles(resample(pixels, target), denoiser, cleaned, cancel)
    out[...] = resample(cleaned, pixels.shape)


def _iter_clean_tiles(
    pixels: np.ndarray, denoiser: Denoiser, out: np.ndarray, cancel: threading.Event | None
) -> Iterator[tuple[int, int]]:
    """The tiled network pass; holds the padded page and one batch of tiles besides `out`."""
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


def clean_page(
    pixels: np.ndarray, denoiser: Denoiser, dpi: tuple[float, float] | None = None
) -> np.ndarray:
    """Clean a whole page at once; returns float32 grey levels in 0..1."""
    out = np.empty(pixels.shape, dtype=np.float32)
    for _ in iter_clean_page(pixels, denoiser, out, dpi=dpi):
        pass
    return out
