"""Solid ink kept solid (`engine.solid_ink`), on small made-up divided pages; the shipped
model's result on a black box and a bar with reversed letters is in `test_ink_keeping.py`."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.solid_ink import CELL, keep_solid_ink, solid_cells

PAPER = 250  # a divided scan's paper is not quite white
BAR = (slice(40, 170), slice(40, 760))  # 130 px tall, 720 wide
# Its inside: a rim of a cell or two around it is not flat, and is left to the network.
INSIDE = (slice(48, 160), slice(48, 752))


def page_with_bar(text_in_bar: bool = True) -> np.ndarray:
    """A divided page: a dark bar with paper-coloured letters reversed out of it, and dark
    lines of text below."""
    canvas = Image.new("L", (800, 400), PAPER)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((40, 40, 759, 169), fill=30)
    if text_in_bar:
        draw.text((70, 75), "ANNUAL REPORT", font=ImageFont.load_default(size=56), fill=PAPER)
    for top in range(220, 380, 40):
        draw.rectangle((40, top, 760, top + 3), fill=30)
    return np.asarray(canvas).copy()


def cells_of(region: tuple[slice, slice]) -> tuple[slice, slice]:
    rows, cols = region
    return slice(rows.start // CELL, rows.stop // CELL), slice(
        cols.start // CELL, cols.stop // CELL
    )


def test_a_page_of_text_holds_no_solid_ink() -> None:
    page = page_with_bar()
    page[BAR] = PAPER
    assert solid_cells(page) is None


def test_a_bar_and_its_reversed_letters_are_solid_ink_and_the_text_is_not() -> None:
    solid = solid_cells(page_with_bar())
    assert solid is not None
    assert solid[cells_of(INSIDE)].all()  # the letters reversed out of it too
    assert not solid[220 // CELL :].any()  # lines of text, however long
    assert not solid[:, 780 // CELL :].any()


def test_bold_strokes_and_faint_or_noisy_regions_are_not_solid_ink() -> None:
    page = np.full((400, 600), PAPER, np.uint8)
    for left in range(40, 520, 60):
        page[40:360, left : left + 40] = 20  # strokes 40 px wide: bold, not solid
    assert solid_cells(page) is None
    page = np.full((400, 600), PAPER, np.uint8)
    page[40:360, 40:560] = 150  # a large grey region, lighter than half the paper
    assert solid_cells(page) is None
    noise = np.random.default_rng(1).integers(0, 120, (320, 520))
    page[40:360, 40:560] = noise.astype(np.uint8)  # dark, but not flat
    assert solid_cells(page) is None


def test_grey_output_keeps_the_pages_levels_in_solid_ink_only() -> None:
    page = page_with_bar()
    cleaned = np.full(page.shape, 255, np.uint8)  # a network that lightened everything
    cleaned[220:, :] = 0
    before = cleaned.copy()
    keep_solid_ink(cleaned, page, solid_cells(page), None)
    np.testing.assert_array_equal(cleaned[INSIDE], page[INSIDE])  # bar, letters as printed
    np.testing.assert_array_equal(cleaned[200:], before[200:])  # the rest as cleaned
    np.testing.assert_array_equal(page, page_with_bar())  # the page itself untouched


@pytest.mark.parametrize("text_in_bar", [False, True])
def test_black_and_white_keeps_the_bar_black_and_its_letters_as_cleaned(
    text_in_bar: bool,
) -> None:
    page = page_with_bar(text_in_bar)
    cleaned = np.where(page < 128, 0, 255).astype(np.uint8)
    cleaned[60:150, 300:500] = 255  # a light smear the network drew inside the bar
    keep_solid_ink(cleaned, page, solid_cells(page), 0.65 * 255)
    np.testing.assert_array_equal(cleaned, np.where(page < 0.65 * 255, 0, 255))
    page[BAR] = PAPER  # no bar: a smear in text is left as cleaned
    cleaned[300:320, 300:500] = 255
    keep_solid_ink(cleaned, page, solid_cells(page), 0.65 * 255)
    assert (cleaned[300:320, 300:500] == 255).all()


def test_odd_and_small_pages() -> None:
    assert solid_cells(np.zeros((30, 30), np.uint8)) is None  # smaller than a solid square
    page = page_with_bar()[:397, :758]  # not a whole number of cells
    cleaned = np.full(page.shape, 255, np.uint8)
    keep_solid_ink(cleaned, page, solid_cells(page), None)
    np.testing.assert_array_equal(cleaned[INSIDE], page[INSIDE])
    with pytest.raises(ValueError):
        keep_solid_ink(cleaned, page[:-1], solid_cells(page), None)
