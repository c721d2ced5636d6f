"""The INT8 model: ONNX Runtime's static quantisation (QDQ) of the exported float model,
calibrated on training pages exactly as the engine prepares them, kept only where its
quality holds.

Each tensor's range is the 99.999th percentile of what it holds on the calibration tiles,
not its extreme (a few outlying activations would coarsen every step of the scale: DDD
RMSE 0.0348 against 0.0335, DIBCO F-measure 87.2 against 88.5). The INT8 network's output
moves a little against the float one's, so its black and white gets its own ink threshold,
found as the float model's was (`training.calibration`: the lowest that keeps the same share
of the ink of the DIBCO training collections).

`python -m training.quantise` writes `docclean_int8.onnx` beside the float model, with the
same engine metadata, and records it in the float model's card (file, sha256, quality and
speed of both precisions). It refuses, writing nothing, when the INT8 model falls short on
the validation pages: DDD RMSE more than `MAX_RMSE_LOSS` above the float model's, or
held-out DIBCO F-measure more than `MAX_FM_LOSS` points below, or ink recall more than
`MAX_RECALL_LOSS` points below, or, where Tesseract is installed, its OCR character error
rate on the DDD validation pages more than `MAX_CER_LOSS` above (a reader's measure: the
output can stay within the RMSE bound and still make Tesseract misread a page). Where the
whole network quantised falls short, parts of it stay in float (`FLOAT_PARTS`) and it tries
again.
"""

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from engine.cleaning import clean_page
from engine.denoiser import INK_THRESHOLD_KEY, PRECISION_KEY, Denoiser, read_card, sha256_of
from engine.precision import INT8_CARD_KEY, int8_path_for
from training import ink
from training.calibration import ink_threshold, recall_at_thresholds, set_metadata
from training.data import default_data_dir, load_part, load_split
from training.documents import HELD_OUT, TRAINING_COLLECTIONS, DibcoPage, load_dibco
from training.evaluate import model_cleaner
from training.metrics import character_error_rate, ocr, pooled_rmse, rmse
from training.model_card import write_card
from training.refinement import PREFIX as REFINEMENT_PREFIX

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "resources" / "models" / "docclean.onnx"
MAX_RMSE_LOSS = 0.001
MAX_FM_LOSS = 0.5
MAX_RECALL_LOSS = 1.0
MAX_CER_LOSS = 0.002
CALIBRATION_TILES = 96
PERCENTILE = 99.999  # of each tensor's values, its range
# What stays in float on each try: nothing (but a guided refinement); the ends (the input's
# scaling, and every operator after the last ReLU: the output layer, the residual, the
# sigmoid, a refinement); the ends and the last two convolutions.
FLOAT_PARTS = ("nothing", "ends", "ends and last convolutions")


def calibration_tiles(model: Path, count: int = CALIBRATION_TILES) -> list[np.ndarray]:
    """Tiles the engine feeds the network, from DDD training pages and DIBCO training
    collections (never a validation page)."""
    denoiser = Denoiser(model)
    tiles: list[np.ndarray] = []
    run = denoiser.run

    def record(batch: np.ndarray) -> np.ndarray:
        tiles.extend(tile.copy() for tile in batch)
        return run(batch)

    denoiser.run = record  # type: ignore[method-assign]
    pages = [noisy for noisy, _ in load_part(default_data_dir(), load_split(), "train")[::6]]
    pages += [page.noisy for page in load_dibco(TRAINING_COLLECTIONS)[::8]]
    for page in pages:
        clean_page(page, denoiser)
        if len(tiles) >= 2 * count:
            break
    picks = np.random.default_rng(2026).choice(len(tiles), min(count, len(tiles)), replace=False)
    return [tiles[index] for index in sorted(picks)]


class Tiles(CalibrationDataReader):
    """The tiles (2-D, as the engine cuts them) one at a time, in the network's layout."""

    def __init__(self, name: str, tiles: list[np.ndarray], channels_last: bool) -> None:
        shaped = [tile[None, :, :, None] if channels_last else tile[None, None] for tile in tiles]
        self.batches = iter([{name: tile} for tile in shaped])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.batches, None)


def float_nodes(graph: onnx.GraphProto, part: str) -> list[str]:
    """The names of the operators `part` (one of `FLOAT_PARTS`) leaves in float."""
    names = [node.name for node in graph.node]
    kinds = [node.op_type for node in graph.node]
    if part == "nothing":  # but a guided refinement: its fits divide small differences
        return [name for name in names if name.startswith(REFINEMENT_PREFIX)]
    last_relu = max(index for index, kind in enumerate(kinds) if kind == "Relu")
    ends = names[: kinds.index("Conv")] + names[last_relu + 1 :]
    convs = [name for name, kind in zip(names, kinds, strict=True) if kind == "Conv"]
    return ends + (convs[-2:] if part == "ends and last convolutions" else [])


def quantise(model: Path, output: Path, tiles: list[np.ndarray], part: str = "nothing") -> None:
    """Write the QDQ INT8 model (with `part` of it left in float, see `FLOAT_PARTS`), with
    the float model's metadata and its precision."""
    graph = onnx.load(str(model))
    (page,) = graph.graph.input
    channels_last = page.type.tensor_type.shape.dim[-1].dim_value == 1
    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "prepared.onnx"
        quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(output),
            Tiles(page.name, tiles, channels_last),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,  # u8 × s8: what VNNI and ARM dot products run
            weight_type=QuantType.QInt8,
            nodes_to_exclude=float_nodes(graph.graph, part),
            calibrate_method=CalibrationMethod.Percentile,
            extra_options={"CalibPercentile": PERCENTILE},
        )
    quantised = onnx.load(str(output))
    onnx.helper.set_model_props(  # replaces what the quantiser left
        quantised,
        {**{prop.key: prop.value for prop in graph.metadata_props}, PRECISION_KEY: "int8"},
    )
    onnx.save(quantised, str(output))


def own_ink_threshold(model: Path, pages: list[DibcoPage], recall: float) -> float:
    """The lowest ink threshold at which `model`'s black and white keeps `recall` of the ink
    of `pages` (the DIBCO training collections), as `training.calibration` chose the float
    model's."""
    denoiser = Denoiser(model)
    cleaned = [clean_page(page.noisy, denoiser) for page in pages]
    return ink_threshold(recall_at_thresholds(cleaned, pages), recall)


def set_ink_threshold(model: Path, threshold: float) -> None:
    """Write `threshold` into the model file's metadata, where the engine reads it."""
    set_metadata(model, {INK_THRESHOLD_KEY: f"{threshold:g}"})


def ocr_references() -> list[str] | None:
    """Tesseract's reading of the DDD validation pages' clean targets; None without it."""
    if shutil.which("tesseract") is None:
        return None
    return [ocr(clean) for _, clean in load_part(default_data_dir(), load_split(), "validation")]


def quality(model: Path, references: list[str] | None = None) -> dict[str, float]:
    """DDD validation RMSE and held-out DIBCO F-measure and recall, at 1×, through the
    engine; throughput on the DDD pages; and, given Tesseract's `references`
    (`ocr_references`), the OCR character error rate of the DDD results against them."""
    denoiser = Denoiser(model)
    pairs = load_part(default_data_dir(), load_split(), "validation")
    clean = model_cleaner(denoiser)
    started = time.perf_counter()
    results = [clean(noisy, None) for noisy, _ in pairs]
    seconds = time.perf_counter() - started
    errors = [rmse(result, target) for result, (_, target) in zip(results, pairs, strict=True)]
    archive = ink.summarise(ink.score_pages(ink.model_binariser(denoiser), load_dibco(HELD_OUT)))
    scores = {
        "ddd_rmse": pooled_rmse(errors),
        "dibco_fm": archive["pooled"]["fm"],
        "dibco_recall": archive["pooled"]["recall"],
        "ddd_mp_per_s": sum(noisy.size for noisy, _ in pairs) / 1e6 / seconds,
    }
    if references is not None:
        pages = zip(results, references, strict=True)
        rates = [character_error_rate(ocr(result), reference) for result, reference in pages]
        scores["ddd_cer"] = float(np.mean(rates))
    return scores


def shortfall(float_scores: dict[str, float], int8_scores: dict[str, float]) -> str:
    """Why the INT8 model may not ship; "" when it may."""
    problems = []
    if int8_scores["ddd_rmse"] > float_scores["ddd_rmse"] + MAX_RMSE_LOSS:
        problems.append(
            f"DDD RMSE {int8_scores['ddd_rmse']:.4f} against {float_scores['ddd_rmse']:.4f}"
        )
    if int8_scores["dibco_fm"] < float_scores["dibco_fm"] - MAX_FM_LOSS:
        problems.append(
            f"DIBCO F-measure {int8_scores['dibco_fm']:.2f} against {float_scores['dibco_fm']:.2f}"
        )
    if int8_scores["dibco_recall"] < float_scores["dibco_recall"] - MAX_RECALL_LOSS:
        problems.append(
            f"ink recall {int8_scores['dibco_recall']:.1f} % against "
            f"{float_scores['dibco_recall']:.1f} %"
        )
    both_read = "ddd_cer" in float_scores and "ddd_cer" in int8_scores
    if both_read and int8_scores["ddd_cer"] > float_scores["ddd_cer"] + MAX_CER_LOSS:
        problems.append(
            f"OCR CER {100 * int8_scores['ddd_cer']:.2f} % against "
            f"{100 * float_scores['ddd_cer']:.2f} %"
        )
    return "; ".join(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    model: Path = args.model
    output = int8_path_for(model)
    tiles = calibration_tiles(model)
    references = ocr_references()
    if references is None:
        print("no tesseract: the INT8 model's OCR is not compared")
    float_scores = quality(model, references)
    print(f"float: {float_scores}")
    recall = read_card(model).get("training", {}).get("config", {}).get("ink_recall", 0.0)
    training_pages = load_dibco(TRAINING_COLLECTIONS) if recall else []
    threshold = Denoiser(model).ink_threshold
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / output.name
        for part in FLOAT_PARTS:
            quantise(model, candidate, tiles, part)
            if recall:  # a calibrated float model: the INT8 one calibrated alike
                threshold = own_ink_threshold(candidate, training_pages, recall)
                set_ink_threshold(candidate, threshold)
            int8_scores = quality(candidate, references)
            problem = shortfall(float_scores, int8_scores)
            tried = f"int8 ({part} in float, ink threshold {threshold:g})"
            print(f"{tried}: {int8_scores} {problem or 'ok'}")
            if not problem:
                break
        else:
            print(f"refused: the INT8 model falls short ({problem}); nothing written")
            return 1
        output.write_bytes(candidate.read_bytes())
    card: dict[str, Any] = read_card(model)
    card[INT8_CARD_KEY] = {
        "file": output.name,
        "sha256": sha256_of(output),
        "in_float": part,
        "calibration": f"{len(tiles)} tiles of DDD training pages and DIBCO training "
        f"collections, as the engine prepares them; ranges at the {PERCENTILE}th percentile",
        "ink_threshold": threshold,
        "quality": {"float": float_scores, "int8": int8_scores},
        "gate": {
            "max_rmse_loss": MAX_RMSE_LOSS,
            "max_fm_loss": MAX_FM_LOSS,
            "max_recall_loss": MAX_RECALL_LOSS,
            "max_cer_loss": MAX_CER_LOSS if references is not None else None,
        },
    }
    write_card(card, model)
    print(f"wrote {output} and its entry in {model.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
