"""What surrounds a photographed or scanned page is left out of measuring its text."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

from engine.page_region import page_region
from engine.paper import BLOCK, edge_width, normalised_8bit, stroke_width


def text_page(shape: tuple[int, int], stroke: int, rng: np.random.Generator) -> np.ndarray:
    """Grey paper (200) with short dark strokes (40) `stroke` px wide, both ways."""
    page = np.full(shape, 200, np.uint8)
    for _ in range(shape[0] * shape[1] // 2500):
        y, x = rng.integers(0, shape[0] - 6 * stroke), rng.integers(0, shape[1] - 6 * stroke)
        if rng.random() < 0.5:
            page[y : y + stroke, x : x + 6 * stroke] = 40
        else:
            page[y : y + 6 * stroke, x : x + stroke] = 40
    return page


def on_a_table(page: np.ndarray, margin: int, rng: np.random.Generator) -> np.ndarray:
    """`page` photographed on a dark, grainy table `margin` px wide all round."""
    table = rng.normal(60, 8, (page.shape[0] + 2 * margin, page.shape[1] + 2 * margin))
    photo = np.clip(table, 0, 255).astype(np.uint8)
    photo[margin:-margin, margin:-margin] = page
    return photo


def test_a_page_with_paper_to_its_edges_has_no_surround() -> None:
    page = text_page((600, 800), 8, np.random.default_rng(0))
    page[200:400, 300:500] = 30  # an enclosed black box is part of the page
    assert page_region(page) is None


def test_the_table_under_a_page_and_the_strip_beside_it_are_left_out() -> None:
    rng = np.random.default_rng(1)
    margin = 160  # 20 blocks
    photo = on_a_table(text_page((800, 960), 8, rng), margin, rng)
    photo[400:600, 400:600] = 30  # an enclosed black box stays in
    region = page_region(photo)
    assert region is not None and region.shape == (
        -(-photo.shape[0] // BLOCK),
        photo.shape[1] // BLOCK,
    )
    edge = margin // BLOCK
    assert not region[:edge].any() and not region[-edge:].any()  # the table, to the page
    assert not region[:, :edge].any() and not region[:, -edge:].any()
    assert region[edge:-edge, edge:-edge].all()


def test_a_coloured_table_is_left_out_in_any_channel() -> None:
    rng = np.random.default_rng(2)
    page = np.repeat(text_page((640, 640), 6, rng)[..., None], 3, axis=2)
    photo = np.zeros((960, 960, 3), np.uint8)
    photo[...] = (150, 95, 50)  # a brown desk: bright in red only
    photo[160:800, 160:800] = page
    region = page_region(photo)
    assert region is not None and not region[:20].any() and not region[:, -20:].any()
    assert region[20:-20, 20:-20].all()


@pytest.mark.parametrize("stroke", [5, 12])
def test_strokes_are_measured_on_the_page_not_its_surround(stroke: int) -> None:
    """The table's grain, divided by its own dark paper, reads as specks of ink 1 px wide;
    its edge, divided by the page's paper beside it, as a stroke 40 px wide."""
    rng = np.random.default_rng(stroke)
    page = Image.fromarray(text_page((1200, 896), stroke, rng)).filter(ImageFilter.BoxBlur(1))
    photo = on_a_table(np.asarray(page), 304, rng)
    levels = normalised_8bit(photo, 1 / 255)
    region = page_region(photo)
    assert stroke_width(levels, region=region) == pytest.approx(stroke, abs=1)
    assert abs(stroke_width(levels) - stroke) > 2  # the table misleads it
    assert edge_width(levels, region=region) == pytest.approx(2, abs=1)  # the blur's edges
