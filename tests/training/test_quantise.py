"""The INT8 model: quantised from the shipped float model, it keeps the engine's metadata,
runs through the engine, cleans nearly as the float model does, and is refused when its
quality falls short."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.resources import default_model_path
from tests.conftest import ddd_page
from training.quantise import quantise, shortfall


def test_the_int8_model_keeps_the_metadata_and_cleans_like_the_float_one(tmp_path: Path):
    model = default_model_path()
    if not model.is_file():
        pytest.skip("the shipped model is missing")
    float_denoiser = Denoiser(model)
    page = np.asarray(Image.open(ddd_page("101.png")).convert("L"))
    tiles: list[np.ndarray] = []
    run = float_denoiser.run
    float_denoiser.run = lambda batch: tiles.extend(batch.copy()) or run(batch)
    expected = clean_page(page, float_denoiser)
    output = tmp_path / "docclean_int8.onnx"

    quantise(model, output, tiles, "ends")

    int8 = Denoiser(output)
    assert int8.precision == "int8" and float_denoiser.precision == "float"
    assert (int8.margin, int8.alignment) == (float_denoiser.margin, float_denoiser.alignment)
    assert int8.ink_threshold == float_denoiser.ink_threshold
    assert int8.paper_normalised and int8.max_stroke_width == float_denoiser.max_stroke_width
    assert "INT8" in int8.describe()
    cleaned = clean_page(page, int8)
    assert float(np.abs(cleaned - expected).mean()) < 0.01


def test_an_int8_model_that_loses_quality_is_refused() -> None:
    float_scores = {"ddd_rmse": 0.0300, "dibco_fm": 88.0, "dibco_recall": 95.0}
    close = {"ddd_rmse": 0.0309, "dibco_fm": 87.6, "dibco_recall": 94.1}
    assert shortfall(float_scores, close) == ""
    assert "DDD RMSE" in shortfall(float_scores, {**close, "ddd_rmse": 0.0312})
    assert "F-measure" in shortfall(float_scores, {**close, "dibco_fm": 87.4})
    assert "ink recall" in shortfall(float_scores, {**close, "dibco_recall": 93.9})
