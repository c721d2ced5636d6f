"""The colour test set and its scoring: colour pages keep their inks' colours through the
synthetic degradation, and the scores tell a cleaned colour page from a grey or an untouched
one."""

import numpy as np
import pytest

from engine.denoiser import Denoiser
from engine.resources import default_model_path
from training.colour_evaluation import (
    colour_report,
    colour_test_set,
    evaluate_colour,
    evaluate_inks,
    page_metrics,
)
from training.synthetic import degrade_colour
from training.synthetic.colour import INKS


def test_colour_degradation_keeps_the_inks_colour() -> None:
    page = np.full((200, 300, 3), 255, np.uint8)
    page[50:150, 50:250] = INKS["blue ballpoint"]
    for seed in range(6):
        noisy = degrade_colour(page, np.random.default_rng(seed)).astype(np.float32)
        ink = noisy[80:120, 80:220].mean(axis=(0, 1)) / noisy[5:30, 5:295].mean(axis=(0, 1))
        assert ink[2] > ink[0] + 0.2  # against its paper, still blue however degraded


def test_a_test_page_has_ink_paper_and_a_highlight_and_scores_perfect_against_itself() -> None:
    noisy, clean, masks = colour_test_set(1)[0]
    assert noisy.shape == clean.shape == (*masks["ink"].shape, 3)
    assert all(mask.any() for mask in masks.values())
    assert not (masks["ink"] & masks["paper"]).any()
    perfect = page_metrics(clean, clean, masks)
    assert perfect["rmse"] == 0 and perfect["ink_de"] == 0 and perfect["recall"] == 100
    grey = page_metrics(clean.min(axis=2), clean, masks)
    assert grey["ink_de"] > 5  # coloured ink written grey is far from its colour


@pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not built")
def test_colour_mode_whitens_the_paper_and_keeps_the_ink_colour_better_than_grey_mode() -> None:
    pages = colour_test_set(2)  # the first two pages of docs/results.md's colour table
    results = evaluate_colour(Denoiser(default_model_path()), pages)
    colour = next(metrics for name, metrics in results.items() if "(shipped)" in name)
    grey, untouched = results["docclean, grey mode"], results["doing nothing"]
    assert colour["paper_de"] < untouched["paper_de"] / 5
    assert colour["ink_de"] < grey["ink_de"]
    assert colour["recall"] > 94  # 95.6 % here (grey mode, which need not show highlights, 99.0 %)
    assert "| docclean, grey mode |" in "\n".join(colour_report(results, len(pages)))


@pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not built")
def test_grey_modes_keep_more_red_ink_than_the_luminance_and_let_highlights_go() -> None:
    pages = colour_test_set(4)
    recalls = evaluate_inks(Denoiser(default_model_path()), pages)
    for mode in ("grey mode", "black and white"):
        shipped, luminance = recalls[f"{mode} (shipped)"], recalls[f"{mode}, seeing the luminance"]
        assert shipped["light red"] > luminance["light red"] + 1
        assert shipped["red"] >= luminance["red"]
        for ink in ("black", "blue ballpoint", "violet", "pencil"):
            assert shipped[ink] >= luminance[ink] - 1, ink
        assert shipped["highlight"] < 5  # no dark band where a highlighter went
        assert recalls[f"{mode}, seeing colour mode's ink_grey"]["highlight"] > 20
