"""Evaluation metrics and the classical baseline, checked on known answers and real pages."""

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.denoiser import Denoiser
from training.data import default_data_dir, load_part, load_split
from training.evaluate import (
    LIGHTING,
    background_division,
    do_nothing,
    evaluate,
    evaluate_lighting,
    model_cleaner,
    relight,
    write_report,
)
from training.metrics import character_error_rate, edit_distance, rmse
from training.patches import sample_patch


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("flaw", "lawn", 2)],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


def test_character_error_rate() -> None:
    assert character_error_rate("hello", "hello") == 0
    assert character_error_rate("hallo", "hello") == pytest.approx(0.2)


def test_patches_keep_noisy_and_clean_aligned() -> None:
    rng = np.random.default_rng(0)
    clean = np.full((200, 300), 255, np.uint8)
    clean[::10] = 0  # dark rows every 10 px
    noisy = clean // 2 + 60
    for _ in range(20):
        noisy_patch, clean_patch = sample_patch((noisy, clean), 64, rng, (0.5, 2.0), False)
        dark = clean_patch < 0.5
        assert noisy_patch[dark].mean() < noisy_patch[~dark].mean()


def test_low_resolution_patches_soften_the_input_only() -> None:
    clean = np.full((200, 300), 255, np.uint8)
    clean[::4] = 0  # thin dark rows: fine detail a low-resolution scan loses
    pair = (clean.copy(), clean)
    sharp, target = sample_patch(pair, 64, np.random.default_rng(1), lighting=0.0)
    soft, soft_target = sample_patch(
        pair, 64, np.random.default_rng(1), lighting=0.0, low_resolution=1.0
    )
    np.testing.assert_array_equal(soft_target, target)
    np.testing.assert_array_equal(sharp, target)
    assert np.abs(np.diff(soft, axis=0)).mean() < 0.6 * np.abs(np.diff(sharp, axis=0)).mean()


@pytest.fixture(scope="module")
def validation_pairs() -> list:
    if not (default_data_dir() / "train").is_dir():
        pytest.skip("shared data not available")
    return load_part(default_data_dir(), load_split(), "validation")[:2]


def test_background_division_beats_doing_nothing(validation_pairs: list) -> None:
    for noisy, clean in validation_pairs:
        assert rmse(background_division(noisy), clean) < rmse(do_nothing(noisy), clean)


def test_evaluate_through_the_engine(validation_pairs: list, tiny_model_path: Path) -> None:
    use_ocr = shutil.which("tesseract") is not None
    methods = {"nothing": do_nothing, "tiny": model_cleaner(Denoiser(tiny_model_path))}
    results = evaluate(methods, validation_pairs, use_ocr=use_ocr, scales=(0.5,))
    assert 0.1 < results["nothing"]["rmse@0.5"] < 0.3  # the data set's README: about 0.157
    assert results["nothing"]["ssim@0.5"] <= 1.0
    assert results["tiny"]["rmse@0.5"] != results["nothing"]["rmse@0.5"]
    if use_ocr:
        assert 0 <= results["nothing"]["cer@0.5"] <= 1.5
    report = write_report(results, len(validation_pairs), use_ocr)
    assert "| nothing | 0.5× |" in report and "| tiny | 0.5× |" in report


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")
def test_clean_pages_are_read_again(validation_pairs: list) -> None:
    from training.evaluate import evaluate_clean_pages

    page = validation_pairs[0][1][:128]  # three lines of a clean page
    thickened = lambda levels, dpi=None: cv2.erode(levels, np.ones((3, 3), np.uint8))  # noqa: E731
    methods = {"nothing": do_nothing, "thickened": thickened}
    clean = evaluate_clean_pages(methods, [page], [page], [page])
    assert clean["nothing"]["ocr_same"] == 100.0 and clean["nothing"]["ocr_cer"] == 0.0
    assert clean["thickened"]["ocr_same"] == 0.0 and clean["thickened"]["ocr_cer"] > 0
    results = evaluate(methods, validation_pairs[:1], use_ocr=False, scales=(1.0,))
    report = write_report(results, 1, False, clean=clean)
    assert "| OCR unchanged (%) | OCR CER |" in report
    assert "| nothing | 0.0000 | 100.0 | 100.0 | 100 | 0.0000 |" in report


def test_relight() -> None:
    page = np.array([[0, 64, 128, 255]], np.uint8)
    np.testing.assert_array_equal(relight(page, 1.0, 1.0, 0.0), page)
    darker = relight(page, 1.3, 1.0, 0.0)
    assert darker[0, 0] == 0 and darker[0, 3] == 255 and (darker[0, 1:3] < page[0, 1:3]).all()
    flatter = relight(page, 1.0, 0.85, 0.1)
    assert flatter[0, 0] == round(0.1 * 255) and flatter[0, 3] == round(0.95 * 255)


def test_lighting_changes_are_scored_per_method(validation_pairs: list) -> None:
    methods = {"nothing": do_nothing, "division": background_division}
    lighting = evaluate_lighting(methods, validation_pairs)
    as_scanned = evaluate(methods, validation_pairs, use_ocr=False, scales=(1.0,))
    assert set(lighting["nothing"]) == set(LIGHTING)
    # Doing nothing to a darker page leaves more ink on the paper than on the scan.
    assert lighting["nothing"]["darker (γ 1.3)"] > as_scanned["nothing"]["rmse@1"]
    report = write_report(as_scanned, len(validation_pairs), False, lighting)
    assert "| division | " in report.split("Lighting:")[1]


def test_archive_pages_are_scored_per_collection_and_scale(tiny_model_path: Path) -> None:
    from training.documents import load_dibco
    from training.evaluate import archive_report, evaluate_archives, evaluate_clean_pages
    from training.ink import doxa, model_binariser

    pages = load_dibco(("hdibco2014",))[:2]
    binarisers = {"Otsu": doxa("OTSU"), "tiny": model_binariser(Denoiser(tiny_model_path))}
    results = evaluate_archives(binarisers, pages, scales=(1.0, 0.5))
    assert set(results["Otsu"]) == {"@1", "@0.5"}
    assert set(results["Otsu"]["@1"]) == {"hdibco2014", "pooled"}
    assert results["Otsu"]["@1"]["pooled"]["fm"] > 80  # Otsu on H-DIBCO 2014 is about 92
    assert results["tiny"]["@1"]["pooled"]["fm"] != results["Otsu"]["@1"]["pooled"]["fm"]
    lines = "\n".join(archive_report(results, pages))
    assert "| Otsu |" in lines and "FM hdibco2014" in lines and "0.5×" in lines

    truth = pages[0].truth
    clean = evaluate_clean_pages({"nothing": do_nothing}, [truth], [truth])
    assert clean["nothing"] == {"rmse": 0.0, "kept": 100.0, "kept_truth": 100.0}


def test_ablations_can_be_scored_one_run_at_a_time(
    tmp_path: Path, monkeypatch, tiny_model_path: Path, validation_pairs: list
) -> None:
    import training.evaluate as evaluation
    from training.documents import load_dibco

    report = tmp_path / "ablations.md"
    report.write_text("# Ablations\n\n| run | FM |\n|---|---|\n| kept run | 12.3 | 4 |\n")
    monkeypatch.setattr(evaluation, "ABLATION_REPORT", report)
    runs = {"kept run": "kept", "new run": "new", "absent run": "absent"}
    monkeypatch.setattr(evaluation, "ABLATIONS", runs)
    # Only the new run is here: the kept one was measured on another machine.
    monkeypatch.setattr(
        evaluation, "run_model", lambda run: tiny_model_path if run == "new" else tmp_path / run
    )
    monkeypatch.setattr(evaluation, "load_dibco", lambda names: load_dibco(("hdibco2014",))[:1])
    text = evaluation.ablation_report(validation_pairs[:2], {"new"})
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1] == "| kept run | 12.3 | 4 |"  # as it stood, not scored again
    assert rows[2].startswith("| new run | ") and len(rows[2].split(" | ")) == 8
    assert len(rows) == 3 and text.rstrip().endswith("Not run here: absent run.")
    with pytest.raises(SystemExit, match="not an ablation run: other"):
        evaluation.ablation_report(validation_pairs[:2], {"other"})
