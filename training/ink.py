"""Does a cleaner keep the ink? Scored on the held-out DIBCO collections, at several text
scales with no DPI in the page, and on pages that are already clean.

The DIBCO protocol on the black-and-white result (what `docclean clean --mode bw` writes):
F-measure, PSNR and DRD from doxapy; pseudo F-measure with recall counted on the skeleton
of the ground-truth ink (the DIBCO 2009–2011 definition; doxapy does not report it); and ink
recall, the share of ground-truth ink pixels the result keeps. Every page weighs the same.
"""

from collections.abc import Callable

import cv2
import doxapy
import numpy as np
from skimage.morphology import skeletonize

from engine.cleaning import clean_output
from engine.denoiser import Denoiser
from engine.io import to_uint8
from training.documents import DibcoPage, rescaled

Binariser = Callable[[np.ndarray], np.ndarray]  # uint8 grey page -> uint8 0 (ink) / 255
SCALES = (1.0, 0.5, 2.0, 4.0)
METRICS = ("fm", "pfm", "psnr", "drd", "recall")


def doxa(algorithm: str, **parameters: float) -> Binariser:
    """One of doxapy's classical binarisers (OTSU, SAUVOLA, …)."""

    def binarise(page: np.ndarray) -> np.ndarray:
        binariser = doxapy.Binarization(getattr(doxapy.Binarization.Algorithms, algorithm))
        binariser.initialize(np.ascontiguousarray(page))
        result = np.empty_like(page)
        binariser.to_binary(result, parameters)
        return result

    return binarise


def background_division(page: np.ndarray, dpi: tuple[float, float] | None = None) -> np.ndarray:
    """Classical baseline: divide by the paper's brightness, estimated by a median blur."""
    background = cv2.medianBlur(page, 21).astype(np.float32)
    return to_uint8(page.astype(np.float32) / np.maximum(background, 1.0), "gray")


def background_division_otsu(page: np.ndarray) -> np.ndarray:
    """Background division, then Otsu."""
    return doxa("OTSU")(background_division(page))


def model_binariser(denoiser: Denoiser) -> Binariser:
    """The engine's black-and-white output with no DPI, as `docclean clean --mode bw`."""
    return lambda page: clean_output(page, denoiser, "bw")


def rescale_pair(page: DibcoPage, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The noisy page and its truth at `scale` (the truth thresholded back to binary)."""
    if scale == 1.0:
        return page.noisy, page.truth
    noisy = rescaled(page.noisy, scale)
    truth = cv2.resize(page.truth, noisy.shape[::-1], interpolation=cv2.INTER_AREA)
    return noisy, np.where(truth < 128, 0, 255).astype(np.uint8)


def ink_scores(result: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """The DIBCO measures of one binary result (0 ink, 255 background) against its truth.
    doxapy reads its arrays' memory as contiguous rows: a view (a crop) is copied first."""
    result, truth = np.ascontiguousarray(result), np.ascontiguousarray(truth)
    performance = doxapy.calculate_performance(truth, result)
    ink, kept = truth < 128, result < 128
    recall = float((ink & kept).sum() / max(ink.sum(), 1))
    precision = float((ink & kept).sum() / max(kept.sum(), 1))
    skeleton = skeletonize(ink)
    pseudo_recall = float((skeleton & kept).sum() / max(skeleton.sum(), 1))
    pseudo = 2 * precision * pseudo_recall / max(precision + pseudo_recall, 1e-12)
    f_measure = float(performance["fm"])  # NaN when the result holds no ink at all
    return {
        "fm": f_measure if np.isfinite(f_measure) else 0.0,
        "pfm": 100 * pseudo,
        "psnr": float(performance["psnr"]),
        "drd": float(performance["drdm"]),
        "recall": 100 * recall,
    }


def score_pages(
    binarise: Binariser, pages: list[DibcoPage], scale: float = 1.0
) -> dict[str, list[dict[str, float]]]:
    """Each page's scores, grouped by collection."""
    scores: dict[str, list[dict[str, float]]] = {}
    for page in pages:
        noisy, truth = rescale_pair(page, scale)
        scores.setdefault(page.collection, []).append(ink_scores(binarise(noisy), truth))
    return scores


def mean_scores(pages: list[dict[str, float]]) -> dict[str, float]:
    return {metric: float(np.mean([page[metric] for page in pages])) for metric in METRICS}


def summarise(scores: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Means per collection and pooled over every page ("pooled")."""
    summary = {collection: mean_scores(pages) for collection, pages in scores.items()}
    summary["pooled"] = mean_scores([page for pages in scores.values() for page in pages])
    return summary


def kept_ink(result: np.ndarray, clean: np.ndarray) -> float:
    """Share (%) of a clean page's ink (darker than mid-grey) still ink in the result."""
    ink = clean < 128
    return 100 * float((ink & (result < 128)).sum() / max(ink.sum(), 1))
