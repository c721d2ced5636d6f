"""Where the model's ink ends: the threshold at which black and white keeps the share of
ink asked for.

A network trained with cross-entropy puts the line between ink and paper where both are
equally likely, at one half, which loses the faint edges of strokes; losing ink costs a
reader more than a speck. So after training, the threshold that keeps `recall` of the
ground-truth ink is found on the DIBCO *training* collections (never the held-out ones)
through the engine, and written into the model's metadata (`docclean.ink_threshold`), where
the engine's black and white reads it. The grey output stays as trained: moving the
network's logits instead thickened every stroke of a grey page (DDD validation RMSE 0.061
against 0.033).
"""

import tempfile
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from training.documents import DibcoPage

THRESHOLDS = tuple(np.round(np.arange(0.5, 0.901, 0.025), 3))


def recall_at_thresholds(denoiser: Denoiser, pages: list[DibcoPage]) -> np.ndarray:
    """Mean ink recall over `pages` of the cleaned page thresholded at each of THRESHOLDS."""
    recalls = []
    for page in pages:
        cleaned = clean_page(page.noisy, denoiser)
        ink = page.truth < 128
        total = max(int(ink.sum()), 1)
        recalls.append([(ink & (cleaned < t)).sum() / total for t in THRESHOLDS])
    return np.mean(recalls, axis=0)


def ink_threshold(recalls: np.ndarray, recall: float) -> float:
    """The lowest threshold whose recall reaches `recall` (the highest one when none does)."""
    reached = np.flatnonzero(recalls >= recall)
    return float(THRESHOLDS[reached[0]] if len(reached) else THRESHOLDS[-1])


def calibrate(
    model: keras.Model,
    pages: list[DibcoPage],
    recall: float,
    export: Callable[[keras.Model, Path], object],
) -> dict[str, float]:
    """The ink threshold at which black and white keeps `recall` of the ink of `pages`,
    with what was measured. `export(model, path)` writes an ONNX file the engine loads."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "uncalibrated.onnx"
        export(model, path)
        recalls = recall_at_thresholds(Denoiser(path), pages)
    threshold = ink_threshold(recalls, recall)
    return {
        "ink_threshold": threshold,
        "training_collections_recall_at_0.5": round(float(recalls[0]), 4),
        "training_collections_recall": round(float(recalls[THRESHOLDS.index(threshold)]), 4),
    }
