"""Negative pages, white writing on a dark ground, are cleaned as their positives and come
back negatives; every other page is cleaned as it is."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cleaning import clean_output
from engine.denoiser import Denoiser
from engine.polarity import ground_colour, inverted, is_negative, on_ground
from engine.resources import default_model_path
from tests.conftest import SHARED, ddd_page

DIBCO = SHARED / "data" / "dibco"
REAL_PAGES = [
    ("ddd", "train/101.png"),  # stained
    ("ddd", "train_cleaned/101.png"),
    ("dibco", "dibco2013/noisy/DIBCO2013_H01.png"),  # a handwritten letter, bleed-through
    ("dibco", "dibco2013/gt/DIBCO2013_H01.png"),
    ("dibco", "dibco2009/noisy/DIBCO2009_P01.png"),  # one strip of print
]


def grey(path: Path) -> np.ndarray:
    if not path.is_file():
        pytest.skip(f"shared data not found at {path}")
    return np.asarray(Image.open(path).convert("L"))


def real_page(data: str, name: str) -> np.ndarray:
    folder, file = name.split("/", 1) if data == "ddd" else (None, name)
    return grey(ddd_page(file, folder) if folder else DIBCO / name)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a / 255 - b / 255) ** 2)))


@pytest.mark.parametrize(("data", "name"), REAL_PAGES)
def test_real_pages_are_positives_and_their_negatives_negatives(data: str, name: str) -> None:
    page = real_page(data, name)
    assert not is_negative(page)
    assert is_negative(inverted(page))


def test_a_page_on_a_dark_table_or_under_a_dark_photograph_is_no_negative() -> None:
    """Mostly dark, but its bright paper spans the page: margins, the gaps between lines."""
    page = real_page("ddd", "train/101.png")
    height, width = page.shape
    rng = np.random.default_rng(0)
    table = np.clip(rng.normal(45, 10, (3 * height, 3 * width)), 0, 255).astype(np.uint8)
    table[height : 2 * height, width : 2 * width] = page  # the page a ninth of the photo
    assert np.median(table) < 128 and not is_negative(table)
    photo = page.copy()
    rows, cols = np.mgrid[0 : height * 4 // 5, 0:width]
    photo[: height * 4 // 5] = 30 + 60 * cols / width + 25 * np.sin(rows / 37)
    assert np.median(photo) < 128 and not is_negative(photo)


@pytest.mark.parametrize("level", [0, 40, 255])
def test_a_page_of_one_level_is_no_negative(level: int) -> None:
    assert not is_negative(np.full((300, 200), level, np.uint8))


def test_levels_of_every_kind_are_judged_alike() -> None:
    negative = inverted(real_page("ddd", "train_cleaned/101.png"))
    assert is_negative(negative)
    assert is_negative(negative.astype(np.uint16) * 257)
    assert is_negative(negative.astype(np.float32) / 255)
    assert is_negative(np.stack([negative // 3, negative // 2, negative], axis=-1))  # blue


@pytest.fixture(scope="module")
def shipped() -> Denoiser:
    if not default_model_path().is_file():
        pytest.skip("the shipped model is not built")
    return Denoiser(default_model_path())


@pytest.mark.parametrize("mode", ["gray", "bw", "color"])
def test_a_negative_is_cleaned_as_its_positive(shipped: Denoiser, mode: str) -> None:
    """A stained page's negative comes back the negative of the page cleaned, byte for byte
    (before, it came back hardly cleaned: its stains and creases kept)."""
    page = real_page("ddd", "train/101.png")
    clean = real_page("ddd", "train_cleaned/101.png")
    negative = inverted(page)
    cleaned = clean_output(negative, shipped, mode)
    assert np.array_equal(cleaned, inverted(clean_output(page, shipped, mode)))
    if mode != "bw":  # its stains gone: RMSE 0.025 against the target, 0.117 before
        assert rmse(cleaned, inverted(clean)) < rmse(negative, inverted(clean)) / 2
    over = negative.copy()
    assert np.array_equal(clean_output(over, shipped, mode, in_place=True), cleaned)
    assert np.array_equal(negative, inverted(page))  # the caller's page, not in place, kept
    positive = clean_output(negative, shipped, mode, as_positive=True)
    assert np.array_equal(positive, inverted(cleaned))  # written black on white instead
    assert np.array_equal(clean_output(page, shipped, mode, as_positive=True), positive)


def test_a_coloured_negative_is_cleaned_as_its_positive_on_its_own_ground(
    shipped: Denoiser,
) -> None:
    """White writing on blue (a blueprint): colour mode cleans its positive, in colour, and
    puts it back on the blueprint's own blue, made even (its stains gone), the writing white;
    grey and black and white, and `as_positive`, keep no ground colour."""
    page = real_page("ddd", "train/101.png")
    target = real_page("ddd", "train_cleaned/101.png")
    blue = np.array([40, 70, 160], np.uint16)

    def blueprint_of(levels: np.ndarray) -> np.ndarray:  # paper blue, ink white
        return (255 - (255 - blue) * levels[..., None].astype(np.uint16) // 255).astype(np.uint8)

    blueprint = blueprint_of(page)
    assert is_negative(blueprint)
    ground = ground_colour(blueprint)
    paper = target > 250
    assert np.all(np.abs(np.median(blueprint[paper], axis=0) - ground) <= 4)
    cleaned = clean_output(None, shipped, "color", colour=blueprint)
    positive = clean_output(None, shipped, "color", colour=inverted(blueprint))
    assert np.array_equal(cleaned, on_ground(positive.copy(), ground))
    wanted = on_ground(np.repeat(target[..., None], 3, axis=-1), ground)  # clean, on its blue
    assert rmse(cleaned, wanted) < rmse(blueprint, wanted)
    stains = np.abs(blueprint[paper].astype(int) - ground).mean()  # 4.3 levels
    assert np.abs(cleaned[paper].astype(int) - ground).mean() < stains / 10  # one even blue
    assert cleaned[target < 60].mean() > 200  # the writing white
    as_positive = clean_output(None, shipped, "color", colour=blueprint, as_positive=True)
    assert np.array_equal(as_positive, positive)
