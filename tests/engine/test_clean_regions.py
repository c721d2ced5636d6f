"""Keeping a clean page's own levels (`engine.clean_regions`): on small made-up pages, and
through the engine's grey mode with the shipped model."""

import numpy as np
import pytest
from PIL import Image

import engine.clean_regions
from engine.clean_regions import BLOCK, FAINT_INK_GAIN, keep_clean_regions
from engine.cleaning import clean_output
from engine.denoiser import Denoiser
from engine.resources import default_model_path
from tests.conftest import ddd_page


def page_with_strokes(height: int = 96, width: int = 160) -> np.ndarray:
    """White paper with three dark strokes whose edges are soft (grey)."""
    page = np.full((height, width), 255, np.uint8)
    for top in (20, 50, 80):
        page[top - 2 : top + 3, 10:-10] = 200  # soft edges
        page[top - 1 : top + 2, 10:-10] = 40  # the stroke's core
    return page


def redrawn(page: np.ndarray) -> np.ndarray:
    """What a network makes of the strokes: cores black, soft edges gone."""
    return np.where(page < 128, 0, 255).astype(np.uint8)


def test_a_clean_page_gets_its_own_levels_back() -> None:
    page = page_with_strokes()
    levels = redrawn(page)
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, page)


def test_a_crisp_strokes_soft_edges_are_not_drawn_bolder() -> None:
    page = page_with_strokes()
    levels = np.where(page < 255, 0, 255).astype(np.uint8)  # edges made ink
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, page)


def test_the_paper_of_a_clean_region_is_never_darkened() -> None:
    page = page_with_strokes()
    levels = redrawn(page)
    levels[26:44, 40:60] = 90  # the gap between two strokes filled in
    levels[5, 5:9] = 250  # paper a level off white
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, page)


def test_a_lone_speck_stays_removed_while_its_block_keeps_its_own_levels() -> None:
    page = page_with_strokes()
    page[33:35, 70:72] = 180  # a speck of NOISE_PIXELS // 2 pixels between two strokes
    levels = redrawn(page)
    levels[33:35, 70:72] = 255  # removed by the network
    keep_clean_regions(levels, page)
    assert (levels[33:35, 70:72] == 255).all()
    page[33:35, 70:72] = 255
    np.testing.assert_array_equal(levels, page)


def test_ink_the_network_erased_from_a_clean_page_comes_back() -> None:
    page = page_with_strokes(height=128)
    page[34:37, 70:73] = 20  # a full stop between two strokes
    page[96:124, 40:68] = 0  # a bold letter's stroke
    levels = redrawn(page)
    levels[34:37, 70:73] = 255  # erased
    levels[100:120, 44:64] = 255  # hollowed
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, page)


def test_a_mark_only_faded_is_not_noise() -> None:
    page = page_with_strokes()
    page[30:40, 110:150] = 170  # a light mark between two strokes
    levels = redrawn(page)
    levels[30:40, 110:150] = 210  # lighter, not paper
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, page)


def test_blocks_near_noise_keep_the_cleaned_levels() -> None:
    page = page_with_strokes()
    page[60:70, 120:130] = 180  # a stain between two strokes, far from their ink
    cleaned = redrawn(page)
    cleaned[60:70, 120:130] = 255  # removed by the network
    levels = cleaned.copy()
    keep_clean_regions(levels, page)
    assert (levels[60:70, 120:130] == 255).all()  # the stain stays removed
    near = np.zeros(page.shape, bool)
    near[(60 // BLOCK - 1) * BLOCK : (70 // BLOCK + 2) * BLOCK, (120 // BLOCK - 1) * BLOCK :] = True
    np.testing.assert_array_equal(levels[near], cleaned[near])  # its blocks and their neighbours
    np.testing.assert_array_equal(levels[:30], page[:30])  # the rest as the page has it


def test_faint_ink_the_network_darkened_stays_dark() -> None:
    page = np.full((64, 64), 255, np.uint8)
    levels = page.copy()
    page[20:23, 8:56], levels[20:23, 8:56] = 150, 20  # faint ink, brought back dark
    page[40:43, 8:56], levels[40:43, 8:56] = 100, 100 - FAINT_INK_GAIN  # a little darker
    keep_clean_regions(levels, page)
    assert (levels[20:23, 8:56] == 20).all()
    assert (levels[40:43, 8:56] == 100).all()


def test_bands_of_rows_give_the_result_of_the_whole_page(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    page = np.tile(page_with_strokes(), (8, 2))  # 768 rows: several bands
    page[rng.integers(0, 768, 40), rng.integers(0, 320, 40)] = 180  # specks here and there
    levels = redrawn(page)
    whole = levels.copy()
    monkeypatch.setattr(engine.clean_regions, "BAND_ROWS", 4096)
    keep_clean_regions(whole, page)
    monkeypatch.setattr(engine.clean_regions, "BAND_ROWS", BLOCK)
    keep_clean_regions(levels, page)
    np.testing.assert_array_equal(levels, whole)
    assert (whole != redrawn(page)).any() and (whole != page).any()  # some kept, some not


def test_pages_of_another_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="one shape"):
        keep_clean_regions(np.zeros((4, 4), np.uint8), np.zeros((4, 5), np.uint8))


def test_grey_mode_in_place_divides_over_the_page_and_cleans_it_alike() -> None:
    if not default_model_path().is_file():
        pytest.skip("the shipped model is not built")
    model = Denoiser(default_model_path())
    with Image.open(ddd_page()) as image:
        page = np.asarray(image.convert("L"))[:200, :300].copy()
    expected = clean_output(page.copy(), model, "gray")
    work = page.copy()
    np.testing.assert_array_equal(clean_output(work, model, "gray", in_place=True), expected)
    assert work.mean() > page.mean()  # it held the page divided by its paper
