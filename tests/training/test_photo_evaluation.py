"""Pages photographed: the simulated photographs and their scoring."""

import numpy as np
import pytest

from training import ink
from training.documents import load_dibco
from training.photo_evaluation import SHOTS, evaluate_photographs, photo_report, photograph


@pytest.fixture(scope="module")
def page():
    return load_dibco(("hdibco2016",))[0]


@pytest.mark.parametrize("shot", SHOTS, ids=lambda shot: shot.name)
def test_a_photograph_holds_the_page_enlarged_on_a_dark_table(page, shot) -> None:
    picture, truth, where = photograph(page, shot, np.random.default_rng(0))
    height, width = page.noisy.shape
    assert truth.shape == (round(height * shot.scale), round(width * shot.scale))
    assert picture.dtype == np.uint8 and picture[where].shape == truth.shape
    assert set(np.unique(truth)) <= {0, 255}
    assert picture[:10].mean() < 100 < np.percentile(picture[where], 90)  # table, paper
    assert picture[where][truth == 0].mean() < picture[where][truth == 255].mean()


def test_photographs_are_scored_on_the_page_alone(page) -> None:
    results = evaluate_photographs({"Otsu": ink.doxa("OTSU")}, [page])
    assert list(results) == [shot.name for shot in SHOTS]
    assert all(0 < scores["Otsu"]["recall"] <= 100 for scores in results.values())
    lines = photo_report(results, 1)
    assert lines[-1].startswith("| Otsu | ") and lines[-1].count("/") == len(SHOTS)
