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
from engine.denoiser import Denoiser, read_card
from engine.precision import INT8_CARD_KEY
from engine.resources import default_model_path
from tests.conftest import ddd_page
from training.calibration import THRESHOLDS, recall_at_thresholds
from training.quantise import own_ink_threshold, quantise, set_ink_threshold, shortfall


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


def test_an_int8_model_that_tesseract_misreads_more_is_refused() -> None:
    float_scores = {"ddd_rmse": 0.0300, "dibco_fm": 88.0, "dibco_recall": 95.0, "ddd_cer": 0.005}
    close = {**float_scores, "ddd_rmse": 0.0305, "ddd_cer": 0.0065}
    assert shortfall(float_scores, close) == ""
    assert "OCR CER 1.30 % against 0.50 %" in shortfall(float_scores, {**close, "ddd_cer": 0.013})
    unread = {key: value for key, value in float_scores.items() if key != "ddd_cer"}
    assert shortfall(unread, {**close, "ddd_cer": 0.013}) == ""  # no Tesseract, no OCR gate


def test_an_int8_model_gets_its_own_ink_threshold_the_lowest_that_keeps_the_ink(tmp_path: Path):
    from training.documents import load_dibco

    model = default_model_path()
    if not model.is_file():
        pytest.skip("the shipped model is missing")
    pages = load_dibco(("dibco2011",))[:2]  # a training collection
    denoiser = Denoiser(model)
    recalls = recall_at_thresholds([clean_page(page.noisy, denoiser) for page in pages], pages)
    wanted = float(recalls[THRESHOLDS.index(0.7)])  # what 0.7 keeps, and less below it

    threshold = own_ink_threshold(model, pages, wanted)

    chosen = THRESHOLDS.index(threshold)
    assert recalls[chosen] >= wanted and (chosen == 0 or recalls[chosen - 1] < wanted)
    assert threshold <= 0.7
    copy = tmp_path / "docclean_int8.onnx"
    copy.write_bytes(model.read_bytes())
    set_ink_threshold(copy, threshold)
    moved = Denoiser(copy)
    assert moved.ink_threshold == threshold
    assert (moved.margin, moved.paper_normalised) == (denoiser.margin, denoiser.paper_normalised)


def test_the_card_names_the_int8_version_and_its_quality_against_float(tmp_path: Path):
    from training.model_card import write_card

    card = read_card(default_model_path())
    if INT8_CARD_KEY not in card:
        pytest.skip("the shipped model has no INT8 version")
    write_card(card, tmp_path / "docclean.onnx")

    text = (tmp_path / "docclean.md").read_text()
    quality = card[INT8_CARD_KEY]["quality"]
    assert "INT8 version: `docclean_int8.onnx`" in text
    assert f"{quality['int8']['ddd_rmse']:.4f} against {quality['float']['ddd_rmse']:.4f}" in text
    assert f"own ink threshold {card[INT8_CARD_KEY]['ink_threshold']}" in text
    if "ddd_cer" in quality["int8"]:
        cer = f"{quality['int8']['ddd_cer']:.2%} against {quality['float']['ddd_cer']:.2%}"
        assert f"OCR character error rate on the DDD pages {cer}" in text


def test_a_card_whose_int8_quality_has_no_ocr_reading_still_writes(tmp_path: Path):
    from training.model_card import write_card

    card = read_card(default_model_path())
    if INT8_CARD_KEY not in card:
        pytest.skip("the shipped model has no INT8 version")
    for precision in ("int8", "float"):
        card[INT8_CARD_KEY]["quality"][precision].pop("ddd_cer", None)
    write_card(card, tmp_path / "docclean.onnx")

    text = (tmp_path / "docclean.md").read_text()
    assert "INT8 version" in text and "OCR character error rate" not in text
