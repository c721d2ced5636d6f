"""Printed tints taken as paper (`engine.tints`), on small made-up divided pages; the
shipped model's result on shaded panels is in `test_ink_keeping.py`."""

import numpy as np
import pytest

from engine.paper import fill_from_around
from engine.tints import CELL, cell_means, without_tints

PAPER = 250  # a divided scan's paper is not quite white


def page_with_text(height: int = 240, width: int = 320) -> np.ndarray:
    page = np.full((height, width), PAPER, np.uint8)
    for top in range(20, height - 20, 40):
        page[top : top + 3, 20:-20] = 30  # lines of dark "text"
    return page


def shaded(page: np.ndarray, level: int) -> tuple[np.ndarray, tuple[slice, slice]]:
    """`page` with a panel at `level`, a dark word on it."""
    panel = (slice(40, 200), slice(60, 260))
    page = page.copy()
    page[panel] = level
    page[110:113, 100:220] = 20
    return page, panel


def test_a_page_without_tints_is_returned_as_it_is() -> None:
    page = page_with_text()
    assert without_tints(page) is page


@pytest.mark.parametrize("level", [180, 200, 225])
def test_a_tint_comes_out_as_the_paper_and_its_text_stays_dark(level: int) -> None:
    page, panel = shaded(page_with_text(), level)
    out = without_tints(page)
    inside = out[panel].astype(int)
    tint = page[panel] == level
    assert np.abs(inside[tint] - PAPER).max() <= 2  # the tint, edges too, is paper
    assert out[110:113, 100:220].max() <= 30  # the word on it stays dark
    np.testing.assert_array_equal(page, shaded(page_with_text(), level)[0])  # not modified


def test_paper_and_text_away_from_a_tint_are_untouched() -> None:
    page, _ = shaded(page_with_text(480, 640), 200)
    out = without_tints(page)
    far = (slice(0, 480), slice(470, 640))  # over 200 px from the panel
    np.testing.assert_array_equal(out[far], page[far])


def test_a_bold_stroke_of_faint_ink_is_not_a_tint() -> None:
    """Faint ink as light as a tint, in strokes 12 px wide: too narrow to be one."""
    page = page_with_text()
    for left in range(40, 280, 40):
        page[30:210, left : left + 12] = 190
    assert without_tints(page) is page


def test_a_noisy_stain_is_not_a_tint() -> None:
    rng = np.random.default_rng(1)
    page = page_with_text()
    stain = (slice(40, 200), slice(60, 260))
    page[stain] = np.clip(200 + rng.normal(0, 12, page[stain].shape), 0, 255).astype(np.uint8)
    assert without_tints(page) is page


def test_odd_sizes_and_tiny_pages() -> None:
    page, _ = shaded(page_with_text(243, 317), 200)
    assert without_tints(page).shape == page.shape
    tiny = np.full((CELL + 1, 3), PAPER, np.uint8)
    assert without_tints(tiny) is tiny


@pytest.mark.parametrize("shape", [(41, 43), (40, 43), (41, 40), (40, 40), (5, 7)])
def test_cells_are_the_means_of_the_page_as_far_as_it_goes(shape: tuple[int, int]) -> None:
    page = np.random.default_rng(2).integers(0, 256, shape).astype(np.uint8)
    cells = cell_means(page)
    rows, cols = cells.shape
    assert (rows, cols) == (-(-shape[0] // CELL), -(-shape[1] // CELL))
    expected = [
        [page[r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL].mean() for c in range(cols)]
        for r in range(rows)
    ]
    np.testing.assert_allclose(cells, expected, atol=1e-4)


def test_fill_from_around_carries_values_into_a_hole_and_stops_where_refused() -> None:
    values = np.zeros((5, 7), np.float32)
    known = np.zeros((5, 7), bool)
    values[:, 0], known[:, 0] = 10, True
    filled, where = fill_from_around(values, known, steps=2)
    assert where[:, :3].all() and not where[:, 3:].any()
    np.testing.assert_allclose(filled[:, :3], 10)
    _, where = fill_from_around(values, known, accept=lambda new, rim: np.zeros(len(new), bool))
    assert not where[:, 1:].any()
    floored, _ = fill_from_around(values, known, floor=np.full((5, 7), 20, np.float32))
    np.testing.assert_allclose(floored[:, 1:], 20)
