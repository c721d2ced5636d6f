"""Training samples from paired pages: random crops with scale and lighting jitter.

Geometry (scale, crop, flips) is applied to noisy and clean alike, so pairs stay
pixel-aligned; lighting changes touch the noisy input only.
"""

from collections.abc import Iterator

import cv2
import numpy as np

PagePair = tuple[np.ndarray, np.ndarray]  # (noisy, clean): uint8 or float32 0..1, same shape


def sample_patch(
    pair: PagePair,
    size: int,
    rng: np.random.Generator,
    scale_range: tuple[float, float] = (1.0, 1.0),
    lighting: float = 1.0,
    low_resolution: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One (noisy, clean) float32 patch of size×size in 0..1.

    With probability `low_resolution` the noisy patch is first scanned at a lower
    resolution (down by 0.4..0.85) and resampled back, as the engine does with low-DPI
    pages; the clean patch stays sharp, so the model learns to redraw soft strokes.
    """
    noisy, clean = pair
    low, high = scale_range
    scale = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    source = int(np.ceil(size / scale))
    noisy, clean = _pad_to(noisy, source), _pad_to(clean, source)
    top = rng.integers(0, noisy.shape[0] - source + 1)
    left = rng.integers(0, noisy.shape[1] - source + 1)
    crops = [image[top : top + source, left : left + source] for image in (noisy, clean)]
    if source != size:
        interpolation = cv2.INTER_AREA if source > size else cv2.INTER_CUBIC
        crops = [cv2.resize(crop, (size, size), interpolation=interpolation) for crop in crops]
    noisy_patch, clean_patch = (_levels(crop) for crop in crops)
    if rng.random() < 0.5:
        noisy_patch, clean_patch = noisy_patch[:, ::-1], clean_patch[:, ::-1]
    if rng.random() < 0.5:
        noisy_patch, clean_patch = noisy_patch[::-1], clean_patch[::-1]
    if rng.random() < low_resolution:
        noisy_patch = _resolution_round_trip(noisy_patch, rng)
    # A share of 1 draws nothing, so such streams stay as they were before it could be less.
    if lighting >= 1 or (lighting > 0 and rng.random() < lighting):
        noisy_patch = _jitter_lighting(noisy_patch, rng)
    return np.ascontiguousarray(noisy_patch), np.ascontiguousarray(clean_patch)


def _levels(image: np.ndarray) -> np.ndarray:
    """float32 levels in 0..1 of a uint8 or float image."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255)
    return np.clip(image, 0.0, 1.0).astype(np.float32, copy=False)


def _pad_bottom_right(image: np.ndarray, grow_y: int, grow_x: int) -> np.ndarray:
    if grow_y or grow_x:
        image = cv2.copyMakeBorder(image, 0, grow_y, 0, grow_x, cv2.BORDER_REFLECT)
    return image


def _pad_to(image: np.ndarray, size: int) -> np.ndarray:
    """Reflect-pad so both sides are at least `size`."""
    return _pad_bottom_right(image, max(0, size - image.shape[0]), max(0, size - image.shape[1]))


def _resolution_round_trip(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    size = patch.shape[0]
    small = max(2, round(size * float(np.exp(rng.uniform(np.log(0.4), np.log(0.85))))))
    low = cv2.resize(np.ascontiguousarray(patch), (small, small), interpolation=cv2.INTER_AREA)
    back = cv2.resize(low, (size, size), interpolation=cv2.INTER_LANCZOS4)
    return np.clip(back, 0.0, 1.0).astype(np.float32)


def _jitter_lighting(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Brightness, contrast, gamma and a soft lighting gradient, as scanners vary."""
    gamma = float(np.exp(rng.normal(0, 0.15)))
    contrast = rng.uniform(0.8, 1.1)
    brightness = rng.normal(0, 0.04)
    height, width = patch.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height) * rng.normal(0, 0.06)
    out = patch**gamma * contrast + brightness + ramp
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def patch_stream(
    pairs: list[PagePair],
    size: int,
    seed: int,
    scale_range: tuple[float, float] = (1.0, 1.0),
    low_resolution: float = 0.0,
    lighting: float = 1.0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An endless, seeded stream of (noisy, clean) patches with a channel axis."""
    if not pairs:
        raise ValueError("no training pairs")
    rng = np.random.default_rng(seed)
    while True:
        pair = pairs[rng.integers(len(pairs))]
        noisy, clean = sample_patch(
            pair, size, rng, scale_range, lighting=lighting, low_resolution=low_resolution
        )
        yield noisy[..., None], clean[..., None]


def pad_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """Reflect-pad bottom and right so both sides divide by `multiple`."""
    return _pad_bottom_right(image, (-image.shape[0]) % multiple, (-image.shape[1]) % multiple)
