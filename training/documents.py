"""Training pages from every source, prepared the way the engine prepares a page.

Three sources: the DDD pairs (printed text on office stains), the DIBCO-family archive pages
of the training collections (handwriting and print, faded ink, bleed-through, yellowed
paper; binary ground truth), and synthetic pages in serif, typewriter and hand-written
faces. Every input is paper-normalised with `engine.paper.normalise_paper`, as the engine
does before the network, and patches are drawn as a weighted mix of the sources, each at
its own range of text scales, a share of them made faint and a share with another page's
ink showing through.

The DIBCO collections are split by collection, never by page: `HELD_OUT` collections are
neither trained on nor used to choose a checkpoint; `training.evaluate` reports on them.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.cleaning import measured_shape
from engine.io import to_gray
from engine.page_region import page_region
from engine.paper import normalise_paper, normalised_8bit
from training.patches import PagePair, sample_patch

REPO = Path(__file__).resolve().parents[1]
DIBCO_ENV = "DOCCLEAN_DIBCO"

# Folder → collection, as ../shared/data/dibco/README.md names them.
DIBCO_COLLECTIONS = {
    "dibco2009": "DIBCO 2009 (ICDAR), handwritten + printed",
    "hdibco2010": "H-DIBCO 2010 (ICFHR), handwritten",
    "dibco2011": "DIBCO 2011 (ICDAR), handwritten + printed",
    "hdibco2012": "H-DIBCO 2012 (ICFHR), handwritten",
    "dibco2013": "DIBCO 2013 (ICDAR), handwritten + printed",
    "hdibco2014": "H-DIBCO 2014 (ICFHR), handwritten",
    "hdibco2016": "H-DIBCO 2016 (ICFHR), handwritten",
    "phibd2012": "Persian Heritage Image Binarization Dataset (PHIBD 2012)",
    "nabuco": "Nabuco letters (Joaquim Nabuco archive)",
}
# The three most recent collections, as the field evaluates: trained on earlier years,
# tested on later ones. Handwritten and printed pages are among them.
HELD_OUT = ("dibco2013", "hdibco2014", "hdibco2016")
TRAINING_COLLECTIONS = tuple(name for name in DIBCO_COLLECTIONS if name not in HELD_OUT)
DIBCO_TERMS = (
    "DIBCO / H-DIBCO collections published by their organisers (I. Pratikakis, B. Gatos, "
    "K. Ntirogiannis and colleagues) for research and benchmarking; PHIBD 2012 by "
    "S. M. Ayatollahi and H. Ziaei Nafchi; the Nabuco set by R. D. Lins and colleagues "
    "(PNG copies distributed with the SauvolaNet binarisation project)."
)


def default_dibco_dir() -> Path:
    """`../shared/data/dibco` beside the checkout, unless DOCCLEAN_DIBCO says otherwise."""
    return Path(os.environ.get(DIBCO_ENV, REPO.parent / "shared" / "data" / "dibco"))


@dataclass(frozen=True)
class DibcoPage:
    collection: str
    name: str
    noisy: np.ndarray  # uint8 grey levels, as the engine reads the file
    truth: np.ndarray  # uint8: 0 ink, 255 background


def read_truth(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.where(to_gray(image) < 128, 0, 255).astype(np.uint8)


def load_dibco(collections: tuple[str, ...], data_dir: Path | None = None) -> list[DibcoPage]:
    """The pages of `collections` whose noisy scan and ground truth are both present."""
    data_dir = data_dir or default_dibco_dir()
    unknown = set(collections) - DIBCO_COLLECTIONS.keys()
    if unknown:
        raise ValueError(f"unknown DIBCO collections {sorted(unknown)}")
    pages = []
    for collection in collections:
        folder = data_dir / collection
        if not (folder / "noisy").is_dir() or not (folder / "gt").is_dir():
            raise ValueError(f"{folder} needs noisy/ and gt/ folders")
        for truth_path in sorted((folder / "gt").glob("*.png")):
            noisy_path = folder / "noisy" / truth_path.name
            if not noisy_path.is_file():
                continue
            with Image.open(noisy_path) as image:
                noisy = to_gray(image)
            truth = read_truth(truth_path)
            if noisy.shape != truth.shape:
                raise ValueError(f"{noisy_path}: {noisy.shape} but its truth is {truth.shape}")
            pages.append(DibcoPage(collection, truth_path.stem, noisy, truth))
    return pages


def prepared(noisy: np.ndarray, clean: np.ndarray, normalise: bool = True) -> PagePair:
    """(input, target) float32 in 0..1 as the network sees a page: the input
    paper-normalised (unless `normalise` is False, an ablation)."""
    levels = noisy.astype(np.float32) / np.float32(255)
    if normalise:
        levels = normalise_paper(levels)
    return levels, clean.astype(np.float32) / np.float32(255)


# Scales a page may arrive at, on which the scale the engine cleans it at is measured.
ARRIVAL_GRID = (0.5, 0.71, 1.0, 1.41, 2.0, 2.83, 4.0)


def rescaled(page: np.ndarray, scale: float) -> np.ndarray:
    """The page at `scale` (area rule reducing, bicubic enlarging), as pages are evaluated."""
    if scale == 1.0:
        return page
    size = (round(page.shape[1] * scale), round(page.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(page, size, interpolation=interpolation)


def engine_scales(
    noisy: np.ndarray, max_stroke_width: int, grid: tuple[float, ...] = ARRIVAL_GRID
) -> np.ndarray:
    """For a uint8 page arriving at each scale of `grid`: the scale at which the engine
    shows it to the network, after its stroke rule (`engine.cleaning.measured_shape`) has
    reduced it, measured on its pixels as the engine measures them."""
    shown = []
    for scale in grid:
        page = rescaled(noisy, scale)
        levels = normalised_8bit(page, 1 / 255)
        target = measured_shape(levels, max_stroke_width, page_region(page))
        shown.append(scale * target[0] / page.shape[0] if target else scale)
    return np.array(shown)


@dataclass(frozen=True)
class Source:
    name: str
    pairs: list[PagePair]
    weight: float  # share of the patches drawn from this source (relative)
    scale_range: tuple[float, float]  # text scale jitter (log-uniform) of its patches
    # Per pair, `engine_scales` on ARRIVAL_GRID: then scale_range is the scale pages arrive
    # at, and a patch is drawn at the scale the engine would show that page to the network.
    shown_scales: list[np.ndarray] | None = None

    def scale_of(self, index: int, rng: np.random.Generator) -> tuple[float, float]:
        """The scale range to draw pair `index`'s patch at."""
        if self.shown_scales is None:
            return self.scale_range
        low, high = np.log(self.scale_range)
        arrival = rng.uniform(low, high)
        shown = np.interp(arrival, np.log(ARRIVAL_GRID), np.log(self.shown_scales[index]))
        return float(np.exp(shown)), float(np.exp(shown))


def make_faint(patch: np.ndarray, contrast: float) -> np.ndarray:
    """The paper-normalised patch with its ink `contrast` times as dark against the paper."""
    return (1 - (1 - patch) * np.float32(contrast)).astype(np.float32)


def show_through(
    patch: np.ndarray, other: np.ndarray, rng: np.random.Generator, sharpest: float = 0.8
) -> np.ndarray:
    """`patch` with the ink of `other` (a clean patch) seen through the paper from behind:
    mirrored, blurred (σ from `sharpest` to 2.5 px) and faint, multiplied in. The target
    stays as it was."""
    sigma = rng.uniform(sharpest, 2.5)
    ghost = cv2.GaussianBlur(np.ascontiguousarray(other[:, ::-1]), (0, 0), sigma)
    strength = np.float32(rng.uniform(0.15, 0.6))
    return (patch * (1 - (1 - ghost) * strength)).astype(np.float32)


def document_stream(
    sources: list[Source],
    size: int,
    seed: int,
    faint: float = 0.0,
    faintest: float = 0.2,
    bleed: float = 0.0,
    bleed_sharpest: float = 0.8,
    low_resolution: float = 0.0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An endless, seeded stream of (input, target) patches with a channel axis.

    A share `bleed` of the patches shows another page's ink through the paper (mirrored,
    blurred from `bleed_sharpest` px, as faint as faint ink can be: sharpness tells them
    apart), which the target leaves out. A share `faint` keeps only a contrast between
    `faintest` and 1 of its ink (the target stays dark): faded ink, pencil and light
    colours look like that. A share `low_resolution` of the patches comes as a soft scan
    (`training.patches.sample_patch`), its target sharp.
    """
    sources = [source for source in sources if source.pairs and source.weight > 0]
    if not sources:
        raise ValueError("no training pairs")
    weights = np.array([source.weight for source in sources], dtype=np.float64)
    weights /= weights.sum()
    rng = np.random.default_rng(seed)

    def draw() -> tuple[np.ndarray, np.ndarray]:
        source = sources[rng.choice(len(sources), p=weights)]
        index = rng.integers(len(source.pairs))
        scales = source.scale_of(index, rng)
        return sample_patch(
            source.pairs[index], size, rng, scales, lighting=0.0, low_resolution=low_resolution
        )

    while True:
        noisy, clean = draw()
        if bleed > 0 and rng.random() < bleed:
            noisy = show_through(noisy, draw()[1], rng, bleed_sharpest)
        if faint > 0 and rng.random() < faint:
            noisy = make_faint(noisy, rng.uniform(faintest, 1.0))
        yield noisy[..., None], clean[..., None]
