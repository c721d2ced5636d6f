"""Degradation effects: pixel values only, never geometry, in three phases (ink, paper,
after ink met paper), augraphy's and our own, seeded for reproducible pages."""

import contextlib
import random
from collections.abc import Callable, Iterator
from functools import cache

import augraphy.augmentations
import cv2
import numba
import numpy as np

from training.synthetic.layout import PAPER, render_clean_page

# Each effect takes a float32 BGR image in 0..255 or a uint8 one (augraphy's), and returns
# one of the same shape. Ink effects see the clean page, paper effects a blank sheet, and
# post effects the page after ink was multiplied onto paper.
ImageEffect = Callable[[np.ndarray, np.random.Generator], np.ndarray]
BROWN_BGR = np.array([1.0, 0.8, 0.55], np.float32)  # how much each channel darkens in a stain


def _augraphy(name: str, **parameters: object) -> ImageEffect:
    """An augraphy augmentation with fixed parameter ranges (augraphy samples within them)."""

    def apply(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        augmentation = getattr(augraphy.augmentations, name)(p=1, **parameters)
        result = augmentation(np.clip(image, 0, 255).astype(np.uint8))
        if result.ndim == 2:
            result = cv2.cvtColor(result, cv2.COLOR_GRAY2BGR)
        return result.astype(np.float32)

    apply.__name__ = name
    return apply


def smooth_noise(shape: tuple[int, int], rng: np.random.Generator, cell: float) -> np.ndarray:
    """Values in 0..1 that vary smoothly over about `cell` pixels."""
    height, width = shape
    coarse = rng.random((max(2, round(height / cell) + 2), max(2, round(width / cell) + 2)))
    fine = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(fine, 0, 1)


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(values / 2))


def noise_along(positions: np.ndarray, rng: np.random.Generator, period: float) -> np.ndarray:
    """Smooth 1-D noise in 0..1 evaluated at `positions` (any shape), varying over `period`."""
    low, high = float(positions.min()), float(positions.max())
    knots = np.arange(low - period, high + 2 * period, period)
    return np.interp(positions, knots, rng.random(len(knots))).astype(np.float32)


def periodic_noise(angle: np.ndarray, rng: np.random.Generator, harmonics: int) -> np.ndarray:
    """Smooth noise in 0..1 around a circle (no seam where the angle wraps)."""
    total = np.zeros_like(angle)
    for harmonic in range(1, harmonics + 1):
        total += np.sin(harmonic * angle + rng.uniform(0, 2 * np.pi)) / harmonic
    return 0.5 + 0.5 * total / sum(1 / harmonic for harmonic in range(1, harmonics + 1))


def multiply(
    image: np.ndarray, darkening: np.ndarray, tint: np.ndarray | None = None
) -> np.ndarray:
    """Darkens `image` by a 0..1 map, per channel scaled by `tint` (brown for stains)."""
    tint = np.ones(3, np.float32) if tint is None else tint
    return image * (1 - darkening[..., None] * tint)


def fade_ink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weaker ink: pulls dark pixels toward the paper."""
    return 255 - (255 - image) * rng.uniform(0.4, 0.9)


def tone_paper(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey or yellowed paper, a little uneven."""
    level = rng.uniform(0.65, 0.97)
    unevenness = rng.uniform(0, 0.12) * smooth_noise(image.shape[:2], rng, rng.uniform(60, 250))
    tint = BROWN_BGR if rng.random() < 0.5 else None
    return multiply(image, 1 - level + unevenness, tint)


def blot_stains(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Large soft blotches, sometimes with a darker tide line at their edge."""
    shape = image.shape[:2]
    field = smooth_noise(shape, rng, rng.uniform(60, 200))
    threshold = rng.uniform(0.65, 0.85)
    softness = rng.uniform(0.02, 0.08)
    mask = sigmoid((field - threshold) / softness)
    tide_line = 4 * mask * (1 - mask) * rng.uniform(0, 0.6)
    darkness = rng.uniform(0.1, 0.45)
    return multiply(image, darkness * np.clip(mask + tide_line, 0, 1.3), BROWN_BGR)


def coffee_ring(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cup's ring: a sharp outer tide line fading inwards, wobbly and broken, brown."""
    height, width = image.shape[:2]
    rows, columns = np.ogrid[:height, :width]
    darkening = np.zeros((height, width), np.float32)
    radius_mean = rng.uniform(0.15, 0.45) * min(height, width)
    centre_y, centre_x = rng.uniform(-0.1, 1.1) * height, rng.uniform(-0.1, 1.1) * width
    for _ in range(1 if rng.random() < 0.7 else 2):  # a cup set down twice leaves two rings
        distance = np.hypot(rows - centre_y, columns - centre_x).astype(np.float32)
        angle = np.arctan2(rows - centre_y, columns - centre_x).astype(np.float32)
        radius = radius_mean * (1 + 0.04 * (periodic_noise(angle, rng, 6) - 0.5))
        inside = np.maximum(radius - distance, 0)
        outside = np.maximum(distance - radius, 0)
        edge = np.exp(-((outside / rng.uniform(0.8, 2)) ** 2)) * np.exp(
            -inside / rng.uniform(3, 12)
        )
        strength = np.clip(1.6 * periodic_noise(angle, rng, 4) - 0.3, 0, 1)
        fill = sigmoid(-(distance - radius) / 2)
        darkening += rng.uniform(0.2, 0.5) * edge * strength + rng.uniform(0, 0.08) * fill
        centre_y += rng.normal(0, 0.1) * radius_mean
        centre_x += rng.normal(0, 0.1) * radius_mean
    return multiply(image, np.clip(darkening, 0, 0.8), BROWN_BGR)


def crease_profile(rng: np.random.Generator, distance: np.ndarray) -> np.ndarray:
    """Relative brightness across one crease: a lit flank, a shaded flank, a thin dark line,
    and a small step between the two sides of the sheet."""
    flank = rng.uniform(1.5, 6)
    return (
        rng.uniform(0.03, 0.12) * np.exp(-(((distance - flank) / flank) ** 2))
        - rng.uniform(0.05, 0.2) * np.exp(-(((distance + flank) / flank) ** 2))
        - rng.uniform(0.0, 0.12) * np.exp(-((distance / rng.uniform(0.6, 1.2)) ** 2))
        - rng.uniform(0, 0.08) * sigmoid(distance / rng.uniform(5, 40))
    )


def crease_lighting(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Folds and creases as light, multiplied across the page (nothing is warped).

    Crumpled pages get many short creases at any angle, folded ones a few long straight ones;
    along its length a crease comes and goes. Profiles are 1-D tables, looked up per pixel.
    """
    height, width = image.shape[:2]
    rows, columns = np.mgrid[:height, :width].astype(np.float32)
    diagonal = float(np.hypot(height, width))
    step = 0.25
    samples = np.arange(-diagonal, diagonal + step, step, dtype=np.float32)

    def table_index(positions: np.ndarray) -> np.ndarray:
        return np.clip(
            ((positions + diagonal) / step).round().astype(np.int32), 0, len(samples) - 1
        )

    crumpled = rng.random() < 0.6
    lighting = np.ones((height, width), np.float32)
    for _ in range(rng.integers(4, 13) if crumpled else rng.integers(1, 3)):
        if crumpled:
            direction = rng.uniform(0, np.pi)
        else:
            direction = rng.choice([0, np.pi / 2]) + rng.normal(0, 0.03)
        normal_y, normal_x = np.cos(direction), -np.sin(direction)
        centre_y, centre_x = rng.uniform(0, height), rng.uniform(0, width)
        across = (rows - centre_y) * normal_y + (columns - centre_x) * normal_x
        along = (rows - centre_y) * normal_x - (columns - centre_x) * normal_y
        half_length = rng.uniform(0.1, 0.45) * max(height, width) if crumpled else 1e6
        reach = np.exp(-((samples / half_length) ** 4)) * (
            0.3 + 0.7 * noise_along(samples, rng, rng.uniform(20, 120))
        )
        profile = crease_profile(rng, samples)
        lighting *= 1 + profile[table_index(across)] * reach[table_index(along)]
    return np.clip(image * lighting[..., None], 0, 255)


def bleed_through(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another page's text showing through from the back: mirrored, blurred and faint.

    augraphy's BleedThrough mirrors the page itself, or an image from ./augraphy_cache when
    that folder exists, which would make the output depend on the working directory.
    """
    height, width = image.shape[:2]
    back = np.fliplr(render_clean_page(rng, height, width)).astype(np.float32)
    back = cv2.GaussianBlur(back, (0, 0), rng.uniform(0.8, 2.5))
    return multiply(image, rng.uniform(0.08, 0.3) * (1 - back / PAPER))


def cast_shadow(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft shadow from one edge, like a hand or the scanner lid (augraphy's is slow).

    Drawn at 1/8 size hanging from the top edge, then turned to the chosen edge."""
    height, width = image.shape[:2]
    from_side = rng.random() < 0.5
    edge_length, reach = (height, width) if from_side else (width, height)
    small_length, small_reach = max(8, edge_length // 8), max(8, reach // 8)
    mask = np.zeros((small_reach, small_length), np.float32)
    corners = rng.random((int(rng.integers(2, 5)), 2)) * [
        small_length,
        small_reach * rng.uniform(0.1, 0.5),
    ]
    polygon = np.vstack([[0, 0], corners[np.argsort(corners[:, 0])], [small_length, 0]])
    cv2.fillPoly(mask, [polygon.round().astype(np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(1, 4))
    if rng.random() < 0.5:
        mask = mask[::-1]  # from the opposite edge
    if from_side:
        mask = mask.T
    shadow = cv2.resize(np.ascontiguousarray(mask), (width, height), interpolation=cv2.INTER_LINEAR)
    return multiply(image, rng.uniform(0.2, 0.6) * shadow)


def gaussian_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slight defocus (a symmetric kernel, so nothing shifts)."""
    return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.1))


def sensor_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, rng.uniform(2, 9), image.shape[:2]).astype(np.float32)
    return image + noise[..., None]


# (effect, probability) per phase. Left out of augraphy on purpose:
# - they move pixels: Folding, BookBinding, PageBorder, Geometric, InkShifter, Squish,
#   SectionShift, GlitchEffect, ColorShift, DoubleExposure, Rescale;
# - they add or reshape content the clean target lacks: Markup, Scribbles, WaterMark,
#   BindingsAndFasteners, NoisyLines, Hollow, DotMatrix, Faxify, Dithering;
# - too slow for < 1 s a page (0.4-1 s each at 420×540): ShadowCast (cast_shadow instead),
#   ReflectedLight, LowLightNoise, DepthSimulatedBlur, PatternGenerator, Moire (a screen
#   artefact anyway), BadPhotoCopy (up to 0.5 s, plus seconds of parallel numba compilation);
# - BleedThrough reads ./augraphy_cache/*.png when that folder exists, so its output would
#   depend on the working directory (bleed_through instead).
INK_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (_augraphy("InkBleed", intensity_range=(0.3, 0.7), severity=(0.2, 0.4)), 0.25),
    (_augraphy("LowInkRandomLines", count_range=(5, 30), use_consistent_lines=False), 0.2),
    (_augraphy("LowInkPeriodicLines", count_range=(2, 5), period_range=(16, 32)), 0.15),
    (_augraphy("Letterpress", n_samples=(50, 150), n_clusters=(50, 150)), 0.15),
    (_augraphy("InkMottling"), 0.2),
    (_augraphy("LinesDegradation"), 0.15),
    (fade_ink, 0.4),
)
PAPER_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (_augraphy("ColorPaper", hue_range=(15, 40), saturation_range=(10, 60)), 0.4),
    (tone_paper, 0.7),
    (bleed_through, 0.2),
    (_augraphy("NoiseTexturize", sigma_range=(2, 8), turbulence_range=(2, 6)), 0.5),
    (_augraphy("BrightnessTexturize", texturize_range=(0.85, 0.99), deviation=0.05), 0.35),
    (_augraphy("Stains"), 0.1),
    (blot_stains, 0.35),
    (coffee_ring, 0.25),
)
POST_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (crease_lighting, 0.35),
    (_augraphy("DirtyRollers"), 0.1),
    (_augraphy("DirtyDrum", line_width_range=(1, 3), noise_intensity=0.3), 0.1),
    (_augraphy("LightingGradient", min_brightness=80, max_brightness=255), 0.25),
    (cast_shadow, 0.12),
    (_augraphy("Gamma", gamma_range=(0.7, 1.3)), 0.3),
    (gaussian_blur, 0.35),
    (_augraphy("SubtleNoise", subtle_range=8), 0.3),
    (sensor_noise, 0.3),
    (_augraphy("Jpeg", quality_range=(30, 90)), 0.4),
)
ALL_EFFECTS = {effect.__name__: effect for effect, _ in INK_EFFECTS + PAPER_EFFECTS + POST_EFFECTS}
# augraphy's ink effects that turn the ink grey: left out of colour pages (degrade_colour).
GREY_INK_EFFECTS = frozenset({"LowInkPeriodicLines", "Letterpress"})


@cache
def _numba_seeder() -> Callable[[int], None]:
    """Seeds numba's own generators, which augraphy's jitted code draws from."""

    @numba.njit
    def seed(value: int) -> None:
        np.random.seed(value)
        random.seed(value)

    return seed


@contextlib.contextmanager
def seeded_global_generators(seed: int) -> Iterator[None]:
    """augraphy draws from Python's, numpy's, OpenCV's and numba's global generators: seed
    them for one page and put Python's and numpy's back afterwards."""
    seed_numba = _numba_seeder()  # compiles on first use, before anything is seeded
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    cv2.setRNGSeed(seed)
    seed_numba(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def run_phase(
    image: np.ndarray,
    effects: tuple[tuple[ImageEffect, float], ...],
    rng: np.random.Generator,
    only: frozenset[str] | None,
    left_out: frozenset[str] = frozenset(),
) -> np.ndarray:
    """Applies each effect with its probability, or exactly those named in `only`; never
    those `left_out` (their draw is still made, so the others' stay the same)."""
    for effect, probability in effects:
        drawn = rng.random() < probability
        if (drawn if only is None else effect.__name__ in only) and effect.__name__ not in left_out:
            image = np.clip(effect(image, rng), 0, 255).astype(np.float32)
    return image
