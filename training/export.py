"""ONNX export with a parity check, engine metadata and a model card."""

import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf

from engine.denoiser import (
    ALIGNMENT_KEY,
    INK_CORE_KEY,
    INK_THRESHOLD_KEY,
    INPUT_KEY,
    LOW_RESOLUTION_KEY,
    LOW_RESOLUTION_SHA256_KEY,
    MARGIN_KEY,
    MAX_STROKE_KEY,
    NAME_KEY,
    PAPER_NORMALISED,
    WORKING_DPI_KEY,
    sha256_of,
)
from training.data import DATA_ATTRIBUTION
from training.model_card import write_card
from training.models import (
    TILE_SHAPE,
    load_checkpoint,
    macs_per_pixel,
    receptive_field_radius,
    total_stride,
)
from training.refinement import RADIUS, add_guided_refinement, describe, guided_filter

PARITY_TOLERANCE = 1e-4


DDD_DATA = {
    "pairs": "../shared/data/ddd (real noisy/clean scan pairs), split by text",
    "split_file": "training/split.json",
    "attribution": DATA_ATTRIBUTION,
}


class ExportError(RuntimeError):
    """The exported network does not compute what the Keras model computes."""


def fixed_tile_model(model: keras.Model) -> keras.Model:
    """The same network and weights with the engine's fixed 420×540 input."""
    config = model.get_config()
    (page,) = (layer for layer in config["layers"] if layer["class_name"] == "InputLayer")
    page["config"]["batch_shape"] = (None, *TILE_SHAPE, 1)
    fixed = keras.Model.from_config(config)
    fixed.set_weights(model.get_weights())
    return fixed


def parity_error(
    onnx_path: Path, model: keras.Model, tiles: np.ndarray, refined: bool = False
) -> float:
    """Largest difference between the ONNX file's output and Keras's (`refined`: through
    the guided refinement, `training.refinement.guided_filter`)."""
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"page": tiles})
    keras_out = model.predict(tiles, verbose=0)
    if refined:
        pairs = zip(keras_out[..., 0], tiles[..., 0], strict=True)
        keras_out = np.stack([guided_filter(out, tile) for out, tile in pairs])[..., None]
    return float(np.abs(onnx_out - keras_out).max())


def export_onnx(
    model: keras.Model,
    path: Path,
    name: str,
    training: dict[str, Any] | None = None,
    working_dpi: int = 0,
    low_resolution_model: str = "",
    paper_normalised: bool = False,
    max_stroke_width: int = 0,
    data: dict[str, Any] | None = None,
    ink_threshold: float = 0.0,
    ink_core: float = 0.0,
    guided_refinement: bool = False,
) -> dict[str, Any]:
    """Write `path` (ONNX) and its card (`.json` and `.md`); refuse on a parity failure.

    `working_dpi` (the training pages' resolution) tells the engine to resample pages of
    other resolutions to it; 0 leaves pages as they are. `low_resolution_model` names a
    model file beside `path` that the engine uses for pages it enlarges to `working_dpi`;
    it must be exported first, as its sha256 goes into the metadata too.
    `paper_normalised` says the network expects pages divided by their paper
    (`engine.paper.normalise_paper`); `max_stroke_width` (px) has the engine reduce pages
    whose measured strokes are wider. `data` describes the training data (default: DDD).
    `ink_threshold` moves black and white's line between ink and paper from one half;
    `ink_core` keeps ink below it only where it joins ink below this level
    (`engine.hysteresis`). `guided_refinement` appends `training.refinement` to the graph.
    """
    if low_resolution_model and Path(low_resolution_model).name != low_resolution_model:
        raise ExportError(f"low_resolution_model must be a file name, not {low_resolution_model}")
    path = Path(path)
    companion = path.parent / low_resolution_model
    if low_resolution_model and not companion.is_file():
        raise ExportError(f"export the low-resolution model {companion} first")
    fixed = fixed_tile_model(model)
    margin, alignment = receptive_field_radius(fixed), total_stride(fixed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        raw = Path(scratch) / "raw.onnx"
        spec = tf.TensorSpec((None, *TILE_SHAPE, 1), tf.float32, name="page")
        fixed.export(str(raw), format="onnx", input_signature=[spec], verbose=False)
        graph = onnx.load(raw)
        _rename_output(graph, "clean")
        graph.graph.input[0].name = (
            "page"
            if graph.graph.input[0].name == "page"
            else _fail(f"exported input is named {graph.graph.input[0].name!r}, not 'page'")
        )
        metadata = {NAME_KEY: name, MARGIN_KEY: str(margin), ALIGNMENT_KEY: str(alignment)}
        if working_dpi:
            metadata[WORKING_DPI_KEY] = str(working_dpi)
        if paper_normalised:
            metadata[INPUT_KEY] = PAPER_NORMALISED
        if max_stroke_width:
            metadata[MAX_STROKE_KEY] = str(max_stroke_width)
        if ink_threshold:
            metadata[INK_THRESHOLD_KEY] = f"{ink_threshold:g}"
        if ink_core:
            metadata[INK_CORE_KEY] = f"{ink_core:g}"
        if low_resolution_model:
            metadata[LOW_RESOLUTION_KEY] = low_resolution_model
            metadata[LOW_RESOLUTION_SHA256_KEY] = sha256_of(companion)
        del graph.metadata_props[:]
        for key, value in metadata.items():
            graph.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
        if guided_refinement:
            add_guided_refinement(graph)
            margin += 2 * RADIUS
        candidate = Path(scratch) / "model.onnx"
        onnx.save(graph, candidate)
        rng = np.random.default_rng(0)
        tiles = rng.random((3, *TILE_SHAPE, 1), dtype=np.float32)
        error = parity_error(candidate, fixed, tiles, guided_refinement)
        if not error < PARITY_TOLERANCE:
            raise ExportError(f"ONNX differs from Keras by {error:.2e} (limit {PARITY_TOLERANCE})")
        os.replace(candidate, path)
    card = {
        "name": name,
        "file": path.name,
        "architecture": fixed.name,
        "parameters": int(fixed.count_params()),
        "macs_per_pixel": round(macs_per_pixel(fixed)),
        "receptive_field_radius": margin,
        "alignment": alignment,
        "working_dpi": working_dpi or None,
        "low_resolution_model": low_resolution_model or None,
        "input_preparation": PAPER_NORMALISED if paper_normalised else "none",
        "max_stroke_width": max_stroke_width or None,
        "ink_threshold": ink_threshold or 0.5,
        "ink_core": ink_core or None,
        "refinement": describe() if guided_refinement else None,
        "tile": {"height": TILE_SHAPE[0], "width": TILE_SHAPE[1]},
        "input": f"page: float32 [N, {TILE_SHAPE[0]}, {TILE_SHAPE[1]}, 1], grey levels 0..1 "
        "(1 = white)",
        "output": f"clean: float32 [N, {TILE_SHAPE[0]}, {TILE_SHAPE[1]}, 1], cleaned grey levels "
        "0..1",
        "parity_max_abs_diff": error,
        "data": data or DDD_DATA,
        "training": training or {},
        "metrics": {},
        "sha256": sha256_of(path),
    }
    write_card(card, path)
    return card


def _fail(message: str) -> str:
    raise ExportError(message)


def _rename_output(graph: onnx.ModelProto, new_name: str) -> None:
    old = graph.graph.output[0].name
    for node in graph.graph.node:
        node.output[:] = [new_name if out == old else out for out in node.output]
    graph.graph.output[0].name = new_name


def main(argv: list[str] | None = None) -> None:
    """Export a `.keras` checkpoint: `python -m training.export CHECKPOINT OUT.onnx --name N`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--working-dpi", type=int, default=0)
    args = parser.parse_args(argv)
    card = export_onnx(
        load_checkpoint(args.checkpoint), args.output, args.name, working_dpi=args.working_dpi
    )
    print(f"{args.output}: parity {card['parity_max_abs_diff']:.1e}, sha256 {card['sha256']}")


if __name__ == "__main__":
    main()
