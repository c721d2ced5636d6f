"""Pages photographed, measured: the held-out DIBCO pages as a phone or a camera stand shows
them (enlarged with no DPI, soft, unevenly lit, shadowed, grainy, JPEG, on a dark table
around the page), cleaned to black and white and scored on the page's own area, as
`training.ink` scores the scans.

    python -m training.photo_evaluation      # prints the table (about 15 min on 2 cores)

Every page is photographed alike (seeded), with the truth enlarged as the page is. The
methods: Otsu and Sauvola, the shipped model through the engine (`--mode bw`, float and
INT8), and the float model with its strokes measured on the whole picture, table and all,
as the engine measured them before `engine.page_region`.
"""

import argparse
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.cleaning import iter_clean_page
from engine.denoiser import Denoiser, read_card
from engine.io import to_uint8
from engine.paper import normalised_8bit
from engine.precision import INT8_CARD_KEY, model_for_precision
from engine.resources import default_model_path
from training import ink
from training.documents import HELD_OUT, DibcoPage, load_dibco

SEED = 2028
TABLE_LEVEL, TABLE_GRAIN = 70.0, 6.0  # a dark desk, and its grain (levels of 255)
SENSOR_GRAIN = 3.0  # the camera's noise on the page
JPEG_QUALITY = 85
MARGIN = 0.06  # of the page's longer side: the table seen around it


@dataclass(frozen=True)
class Shot:
    """How a page is photographed."""

    name: str
    scale: float  # text enlarged this much, no DPI
    light: float  # the lighting's fall-off across the page (share of its brightness)
    shadow: float  # the darkness of a soft shadow over one side (0: none)
    blur: float  # the lens's softness, σ in px of the photograph


SHOTS = (
    Shot("1×, sharp", 1.0, 0.0, 0.0, 0.0),
    Shot("1.5×, σ 0.8, uneven light, a shadow", 1.5, 0.35, 0.45, 0.8),
    Shot("2×, σ 1.2", 2.0, 0.0, 0.0, 1.2),
    Shot("2×, σ 1.2, uneven light, a shadow", 2.0, 0.35, 0.45, 1.2),
    Shot("3×, σ 1.8, uneven light, a shadow", 3.0, 0.35, 0.45, 1.8),
)


def photograph(
    page: DibcoPage, shot: Shot, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice]]:
    """The photograph (uint8 grey), the truth at the page's new size, and where the page
    lies in the photograph."""
    noisy, truth = ink.rescale_pair(page, shot.scale)
    shown = noisy.astype(np.float32)
    size = (truth.shape[1], truth.shape[0])
    rows, cols = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    light = 1 - shot.light * (0.6 * cols / size[0] + 0.4 * rows / size[1])
    if shot.shadow:
        edge = size[0] * rng.uniform(0.55, 0.8) + 0.2 * (rows - size[1] / 2)
        light *= 1 - shot.shadow / (1 + np.exp(-(cols - edge) / (0.03 * size[0])))
    shown *= light
    if shot.blur:
        shown = cv2.GaussianBlur(shown, (0, 0), shot.blur)
    shown += rng.normal(0, SENSOR_GRAIN, shown.shape)
    margin = int(MARGIN * max(size))
    picture = rng.normal(TABLE_LEVEL, TABLE_GRAIN, (size[1] + 2 * margin, size[0] + 2 * margin))
    where = (slice(margin, margin + size[1]), slice(margin, margin + size[0]))
    picture[where] = shown
    buffer = io.BytesIO()
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(
        buffer, "JPEG", quality=JPEG_QUALITY
    )
    return np.asarray(Image.open(buffer)), truth, where


def measured_on_the_whole_picture(denoiser: Denoiser) -> ink.Binariser:
    """Black and white as the engine made it before `engine.page_region`: the strokes
    measured on the whole picture, its surround too (the network pass alone)."""

    def binarise(page: np.ndarray) -> np.ndarray:
        divided = normalised_8bit(page, 1 / 255)
        out = np.empty(page.shape, np.uint8)
        quantise = partial(to_uint8, mode="bw", ink_threshold=denoiser.ink_threshold)
        for _ in iter_clean_page(divided, denoiser, out, paper_divided=True, quantise=quantise):
            pass
        return out

    return binarise


def evaluate_photographs(
    binarisers: dict[str, ink.Binariser], pages: list[DibcoPage], seed: int = SEED
) -> dict[str, dict[str, dict[str, float]]]:
    """results[shot][method] = pooled scores (`training.ink.METRICS`) over the pages."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    for shot in SHOTS:
        scores: dict[str, list[dict[str, float]]] = {name: [] for name in binarisers}
        for index, page in enumerate(pages):
            picture, truth, where = photograph(page, shot, np.random.default_rng([seed, index]))
            for name, binarise in binarisers.items():
                result = np.ascontiguousarray(binarise(picture)[where])
                scores[name].append(ink.ink_scores(result, truth))
        results[shot.name] = {name: ink.mean_scores(pages) for name, pages in scores.items()}
    return results


def photo_report(results: dict[str, dict[str, dict[str, float]]], pages: int) -> list[str]:
    methods = list(next(iter(results.values())))
    lines = [
        "## Photographed pages",
        "",
        f"The {pages} held-out DIBCO pages as a phone or a camera stand shows them "
        f"(`training.photo_evaluation`, seed {SEED}): enlarged with no DPI, lit unevenly "
        "(up to 35 % darker across the page) and shadowed (a soft shadow 45 % dark over one "
        "side), softened by the lens (Gaussian σ in px), with the camera's grain (σ "
        f"{SENSOR_GRAIN:g} levels), on a dark, grainy table (level {TABLE_LEVEL:g} of 255, grain "
        f"{TABLE_GRAIN:g}) seen around the page, saved as JPEG (quality {JPEG_QUALITY}). Black "
        "and white, pooled over pages, scored on the page's own area: F-measure / ink recall "
        "(%). The last row measures the page's strokes on the whole picture, the table too, as "
        "the engine did before `engine.page_region`.",
        "",
        "| method | " + " | ".join(results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]
    for method in methods:
        cells = [
            f"{scores[method]['fm']:.1f} / {scores[method]['recall']:.1f}"
            for scores in results.values()
        ]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return lines


def photo_binarisers(model: Path) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    float_model = Denoiser(model_for_precision(model, "float"))
    binarisers = {
        "Otsu": ink.doxa("OTSU"),
        "Sauvola (window 31, k 0.2)": ink.doxa("SAUVOLA", window=31, k=0.2),
        "docclean": ink.model_binariser(float_model),
    }
    if INT8_CARD_KEY in read_card(model):
        binarisers["docclean INT8"] = ink.model_binariser(
            Denoiser(model_for_precision(model, "int8"))
        )
    binarisers["docclean, strokes measured on the whole picture"] = measured_on_the_whole_picture(
        float_model
    )
    return binarisers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--pages", type=int, default=None, help="the first N held-out pages")
    args = parser.parse_args(argv)
    pages = load_dibco(HELD_OUT)[: args.pages]
    binarisers = photo_binarisers(args.model or default_model_path())
    print("\n".join(photo_report(evaluate_photographs(binarisers, pages), len(pages))))


if __name__ == "__main__":
    main()
