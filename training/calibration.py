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

Then black and white may also keep ink below the threshold only where it joins ink below a
darker level, its core (`docclean.ink_core`, `engine.hysteresis`): the network leaves
show-through and stains' edges half dark but the cores of strokes dark. Each level of
CORES is tried on the same training collections, at the lowest threshold at which it keeps
at least the ink the plain threshold keeps there, and on synthetic colour pages of the
training stream as grey mode shows them to the network (`engine.cleaning.grey_view`;
light red, pencil: ink the network restores only half dark, which a core too dark drops
letter by letter), where it must keep at least the plain threshold's ink too. Of the
levels that cost no ink on either, the one with the highest F-measure on the training
collections is written, or none if the plain threshold scores higher.

`python -m training.calibration` calibrates an exported model again, through the engine as
it is now (its page preparation decides what the network sees, and so where its ink ends),
and writes the result into the model's metadata and card; `make quantise` then makes its
INT8 version again.
"""

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import onnx

from engine.cleaning import clean_page, grey_view
from engine.denoiser import INK_CORE_KEY, INK_THRESHOLD_KEY, Denoiser, read_card, sha256_of
from engine.hysteresis import black_and_white
from engine.resources import default_model_path
from training.documents import TRAINING_COLLECTIONS, DibcoPage, load_dibco
from training.model_card import write_card
from training.synthetic.colour import TRAINING_STREAM, colour_pages

THRESHOLDS = tuple(np.round(np.arange(0.5, 0.901, 0.025), 3))
CORES = (0.05, 0.1, 0.2, 0.3)
SAFETY_PAGES = 24  # synthetic colour pages whose ink a core must not cost


def recall_at_thresholds(cleaned: list[np.ndarray], pages: list[DibcoPage]) -> np.ndarray:
    """Mean ink recall over `pages` of their cleaned pages thresholded at each of THRESHOLDS."""
    recalls = []
    for page, levels in zip(pages, cleaned, strict=True):
        ink = page.truth < 128
        total = max(int(ink.sum()), 1)
        recalls.append([(ink & (levels < t)).sum() / total for t in THRESHOLDS])
    return np.mean(recalls, axis=0)


def kept_ink(cleaned: np.ndarray, threshold: float, core: float | None) -> np.ndarray:
    """Ink (True) as the engine's black and white keeps it from a cleaned page."""
    return black_and_white(cleaned, threshold, core) == 0


def scores(cleaned: list[np.ndarray], truths: list[np.ndarray], threshold, core) -> tuple:
    """Mean ink recall and mean F-measure (0..1) over the pages at `threshold` and `core`."""
    recalls, f_measures = [], []
    for page, truth in zip(cleaned, truths, strict=True):
        kept, ink = kept_ink(page, threshold, core), truth < 128
        hits = float((kept & ink).sum())
        recall, precision = hits / max(ink.sum(), 1), hits / max(kept.sum(), 1)
        recalls.append(recall)
        f_measures.append(2 * precision * recall / max(precision + recall, 1e-12))
    return float(np.mean(recalls)), float(np.mean(f_measures))


def safety_pages(denoiser: Denoiser, count: int = SAFETY_PAGES) -> tuple[list, list]:
    """Synthetic colour pages of the training stream as grey mode cleans them (what
    `engine.cleaning.grey_view` shows the network), and their ink as binary truth pages
    (0 ink, 255 paper)."""
    pages = list(colour_pages(count, [0, TRAINING_STREAM]))
    cleaned = []
    for page in pages:
        seen, divided = grey_view(page.noisy, denoiser)
        cleaned.append(clean_page(seen, denoiser, paper_divided=divided))
    return cleaned, [np.where(page.masks["ink"], 0, 255).astype(np.uint8) for page in pages]


def ink_core(
    cleaned: list[np.ndarray],
    truths: list[np.ndarray],
    threshold: float,
    safety: tuple[list, list] = ([], []),
) -> tuple[float, float | None, dict[str, float]]:
    """(threshold, core or None, what was measured): the CORES level, with its lowest
    threshold from `threshold` up that keeps the plain threshold's recall of `truths`,
    that scores the highest F-measure, or the plain threshold where none scores higher.
    A level that keeps less of the ink of the `safety` pages (cleaned, truths) than the
    plain threshold is not chosen."""
    plain_recall, plain_f = scores(cleaned, truths, threshold, None)
    safe_recall = scores(*safety, threshold, None)[0] if safety[0] else 0.0
    best = (plain_f, threshold, None, plain_recall)
    strongest = (plain_f, None, safe_recall)  # the highest F-measure of any core, safe or not
    for core in CORES:
        for candidate in (t for t in THRESHOLDS if t >= threshold):
            recall, f_measure = scores(cleaned, truths, candidate, core)
            if recall >= plain_recall:
                kept_safe = scores(*safety, candidate, core)[0] if safety[0] else 0.0
                strongest = max(strongest, (f_measure, core, kept_safe), key=lambda b: b[0])
                if kept_safe >= safe_recall:
                    best = max(best, (f_measure, candidate, core, recall), key=lambda b: b[0])
                break
    f_measure, chosen, core, recall = best
    measured = {
        "training_collections_fm_plain": round(plain_f, 4),
        "training_collections_fm": round(f_measure, 4),
        "training_collections_recall": round(recall, 4),
        "strongest_core": strongest[1] or 0.0,
        "training_collections_fm_strongest_core": round(strongest[0], 4),
        "safety_pages_recall_plain": round(safe_recall, 4),
        "safety_pages_recall_strongest_core": round(strongest[2], 4),
    }
    return chosen, core, measured


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
        return calibrate_file(path, pages, recall)


def calibrate_file(path: Path, pages: list[DibcoPage], recall: float) -> dict[str, float]:
    """`calibrate` for an exported model file, through the engine as it is now."""
    denoiser = Denoiser(path)
    cleaned = [clean_page(page.noisy, denoiser) for page in pages]  # each page once
    recalls = recall_at_thresholds(cleaned, pages)
    threshold = ink_threshold(recalls, recall)
    safety = safety_pages(denoiser)
    chosen, core, measured = ink_core(cleaned, [page.truth for page in pages], threshold, safety)
    return {
        "ink_threshold": chosen,
        "ink_core": core or 0.0,
        "training_collections_recall_at_0.5": round(float(recalls[0]), 4),
        "training_collections_plain_threshold": threshold,
        "training_collections_recall_plain": round(float(recalls[THRESHOLDS.index(threshold)]), 4),
        **measured,
    }


def set_metadata(model: Path, entries: dict[str, str | None]) -> None:
    """Set `entries` of the model file's metadata, where the engine reads them (None removes
    an entry)."""
    graph = onnx.load(str(model))
    props = {prop.key: prop.value for prop in graph.metadata_props} | entries
    kept = {key: value for key, value in props.items() if value is not None}
    onnx.helper.set_model_props(graph, kept)
    onnx.save(graph, str(model))


def recalibrate(model: Path, pages: list[DibcoPage] | None = None) -> dict[str, float]:
    """Calibrate an exported model again as its training did (its card's ink recall, on
    `pages`: by default the DIBCO training collections), through the engine as it is now,
    and write the result into its metadata and card: the engine's page preparation
    changes what the network sees, and with it where its ink ends."""
    card = read_card(model)
    recall = card.get("training", {}).get("config", {}).get("ink_recall")
    if not recall:
        raise ValueError(f"{model.name} was not calibrated in training (no ink_recall)")
    pages = load_dibco(TRAINING_COLLECTIONS) if pages is None else pages
    measured = calibrate_file(model, pages, recall)
    core = f"{measured['ink_core']:g}" if measured["ink_core"] else None
    set_metadata(model, {INK_THRESHOLD_KEY: f"{measured['ink_threshold']:g}", INK_CORE_KEY: core})
    card["ink_threshold"] = measured["ink_threshold"]
    card["ink_core"] = measured["ink_core"] or None
    card["training"]["calibration"] = measured
    card["sha256"] = sha256_of(model)
    write_card(card, model)
    return measured


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Calibrate an exported model's ink threshold again through the engine "
        "as it is now (then `make quantise` for its INT8 version)."
    )
    parser.add_argument("--model", type=Path, default=default_model_path())
    args = parser.parse_args(argv)
    measured = recalibrate(args.model)
    print(
        f"{args.model.name}: ink threshold {measured['ink_threshold']:g}, core "
        f"{measured['ink_core']:g}; {measured}"
    )


if __name__ == "__main__":
    main()
