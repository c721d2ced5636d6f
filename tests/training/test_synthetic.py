"""Synthetic pairs: clean pages look like pages, and degradation never moves the text."""

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from training.synthetic import (
    ALL_EFFECTS,
    available_font_families,
    contact_sheet,
    degrade,
    main,
    render_clean_page,
    synthetic_pairs,
)


def correlation(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.corrcoef(first.ravel().astype(float), second.ravel().astype(float))[0, 1])


def shifted_correlations(noisy: np.ndarray, clean: np.ndarray, shift: int = 2) -> list[float]:
    """Correlation of the noisy page with the clean one moved by `shift` pixels each way."""
    return [
        correlation(noisy[shift:], clean[:-shift]),
        correlation(noisy[:-shift], clean[shift:]),
        correlation(noisy[:, shift:], clean[:, :-shift]),
        correlation(noisy[:, :-shift], clean[:, shift:]),
    ]


def assert_text_in_place(noisy: np.ndarray, clean: np.ndarray) -> None:
    assert noisy.shape == clean.shape
    assert noisy.dtype == np.uint8
    aligned = correlation(noisy, clean)
    assert aligned > max(shifted_correlations(noisy, clean)), "the text moved"


@pytest.fixture(scope="module")
def clean_page() -> np.ndarray:
    return render_clean_page(np.random.default_rng(11))


def test_fonts_include_matplotlibs() -> None:
    names = {family.name for family in available_font_families()}
    assert {"DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "STIX General"} <= names


@pytest.mark.parametrize(("seed", "height", "width"), [(1, 420, 540), (2, 420, 540), (3, 900, 700)])
def test_clean_page_is_white_paper_with_dark_text(seed: int, height: int, width: int) -> None:
    page = render_clean_page(np.random.default_rng(seed), height, width)
    assert page.shape == (height, width)
    assert page.dtype == np.uint8
    assert np.mean(page == 255) > 0.6
    assert 0.02 < np.mean(page < 128) < 0.35
    assert page.min() < 60


def test_clean_page_rejects_a_tiny_page() -> None:
    with pytest.raises(ValueError, match="at least"):
        render_clean_page(np.random.default_rng(0), 10, 540)


@pytest.mark.parametrize("effect", sorted(ALL_EFFECTS))
def test_each_effect_keeps_text_in_place_and_is_deterministic(
    effect: str, clean_page: np.ndarray
) -> None:
    first = degrade(clean_page, np.random.default_rng(5), only={effect})
    second = degrade(clean_page, np.random.default_rng(5), only={effect})
    assert_text_in_place(first, clean_page)
    np.testing.assert_array_equal(first, second)


def test_random_degradations_keep_text_in_place_and_change_the_page() -> None:
    for noisy, clean in synthetic_pairs(4, seed=3):
        assert_text_in_place(noisy, clean)
        assert np.abs(noisy.astype(int) - clean).mean() > 2


def test_same_seed_gives_identical_pairs() -> None:
    first, second = list(synthetic_pairs(2, seed=9)), list(synthetic_pairs(2, seed=9))
    for (noisy_a, clean_a), (noisy_b, clean_b) in zip(first, second, strict=True):
        np.testing.assert_array_equal(clean_a, clean_b)
        np.testing.assert_array_equal(noisy_a, noisy_b)
    _, other_clean = next(synthetic_pairs(1, seed=10))
    assert not np.array_equal(other_clean, first[0][1])


def test_degrade_leaves_global_generators_alone(clean_page: np.ndarray) -> None:
    random.seed(1)
    np.random.seed(1)
    expected = (random.random(), np.random.random())
    random.seed(1)
    np.random.seed(1)
    degrade(clean_page, np.random.default_rng(0))
    assert (random.random(), np.random.random()) == expected


def test_degrade_rejects_bad_input(clean_page: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        degrade(clean_page.astype(np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown effects"):
        degrade(clean_page, np.random.default_rng(0), only={"Folding"})


def test_contact_sheet_stacks_pairs_side_by_side(clean_page: np.ndarray) -> None:
    sheet = contact_sheet([(clean_page, clean_page)] * 3, scale=0.5)
    assert sheet.shape == (3 * 210 + 2 * 6, 2 * 270 + 6)


def test_command_line_writes_pairs_and_contact_sheet(tmp_path: Path) -> None:
    main(["--count", "2", "--seed", "4", "--out", str(tmp_path)])
    expected = list(synthetic_pairs(2, seed=4))
    for index, (noisy, clean) in enumerate(expected):
        for folder, image in (("noisy", noisy), ("clean", clean)):
            with Image.open(tmp_path / folder / f"{index}.png") as written:
                np.testing.assert_array_equal(np.asarray(written), image)
    assert (tmp_path / "contact_sheet.png").is_file()


def test_colour_training_pairs_are_prepared_as_colour_mode_prepares_a_page() -> None:
    from engine.colour import ink_grey, paper_divided
    from training.synthetic.colour import TRAINING_STREAM, colour_pages, colour_pairs

    (noisy, target), page = (
        next(colour_pairs(1, seed=5)),
        next(colour_pages(1, [5, TRAINING_STREAM])),
    )
    assert np.array_equal(noisy, ink_grey(paper_divided(page.noisy)))
    strokes = page.masks["ink"] & ~page.masks["highlight"]
    assert target[strokes].max() < 80  # every ink, light red and pencil too, is dark
    highlight = page.masks["highlight"]
    assert np.abs(target[highlight].astype(int) - 90).max() <= 1  # as ink_grey sees it
    assert target[page.masks["paper"]].min() == 255
    assert np.array_equal(next(colour_pairs(1, seed=5))[1], target)
    assert not np.array_equal(next(colour_pairs(1, seed=6))[1], target)


def test_grey_colour_training_pairs_are_colour_pages_as_grey_mode_sees_them() -> None:
    from engine.io.reading import luminance
    from training.synthetic.colour import TRAINING_STREAM, colour_pages, grey_colour_pairs

    (noisy, target), page = (
        next(grey_colour_pairs(1, seed=5)),
        next(colour_pages(1, [5, TRAINING_STREAM, 1])),
    )
    assert np.array_equal(noisy, luminance(page.noisy))  # grey as the engine reads colour
    assert target[page.masks["ink"]].max() < 80  # every ink dark, light red and pencil too
    assert target[page.masks["highlight"] | page.masks["paper"]].min() == 255  # no highlight
    assert not np.array_equal(next(grey_colour_pairs(1, seed=6))[1], target)


def test_a_tint_darkens_only_its_box() -> None:
    from training.synthetic.figures import Tints

    tints = Tints([(10, 10, 59, 39)], [0.7])
    shaded = tints.applied(np.full((50, 80), 200, np.uint8))
    assert shaded[25, 30] == 140  # 70 % of the paper inside
    assert shaded[45, 70] == 200 and shaded[5, 5] == 200  # the paper around it untouched


def test_figure_pages_keep_solid_ink_and_leave_their_tints_out_of_the_target() -> None:
    from training.synthetic.colour import erode
    from training.synthetic.figures import figure_pairs

    pairs = list(figure_pairs(8, seed=1))
    # Ink 25 px wide somewhere: no text stroke is, a box, a bar or a stamp is.
    assert any(erode(clean < 128, 12).any() for _, clean in pairs)
    for noisy, clean in pairs:
        assert_text_in_place(noisy, clean)
        assert np.median(clean) == 255  # the target's paper is white, tints and all
    tinted = [np.mean(noisy[clean == 255] < 200) for noisy, clean in pairs]
    assert max(tinted) > 0.05  # somewhere the paper itself is shaded in the input only
    again = list(figure_pairs(2, seed=1))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(pairs[:2], again, strict=True))
