"""Page preparation: paper normalisation and the text scale measured from the pixels."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from engine.cleaning import clean_output, clean_page, iter_clean_page, resample, stroke_shape
from engine.denoiser import INPUT_KEY, MAX_STROKE_KEY, PAPER_NORMALISED, Denoiser
from engine.errors import ModelError
from engine.io import to_uint8
from engine.paper import (
    BLOCK,
    WINDOW,
    _by_table,
    _edge_runs,
    _paper_8bit,
    _paper_grid,
    block_count,
    divide_8bit,
    edge_width,
    normalise_paper,
    normalised_8bit,
    paper_level,
    stroke_width,
    window_maximum,
)
from tests.onnx_builders import build_identity


def striped_page(shape: tuple[int, int], stroke: int, period: int, ink: float) -> np.ndarray:
    """White paper with vertical bars `stroke` px wide every `period` px, at level `ink`."""
    page = np.ones(shape, np.float32)
    for left in range(period // 2, shape[1] - stroke, period):
        page[:, left : left + stroke] = ink
    return page


def test_uneven_paper_becomes_white_and_ink_keeps_its_contrast() -> None:
    height, width = 400, 600
    lighting = np.linspace(0.45, 0.95, width, dtype=np.float32)[None, :].repeat(height, 0)
    page = striped_page((height, width), 3, 24, 0.5) * lighting
    normalised = normalise_paper(page)
    paper = page == lighting
    assert normalised.dtype == np.float32 and normalised.shape == page.shape
    assert np.percentile(normalised[paper], 5) > 0.9  # the dark side's paper is white too
    ink = normalised[~paper]
    assert 0.4 < ink.mean() < 0.65  # ink at half the paper's level stays at about half
    assert np.ptp(paper_level(page)[:, 20]) < 0.05  # smooth down the page


def test_black_pages_stay_finite() -> None:
    normalised = normalise_paper(np.zeros((50, 70), np.float32))
    assert np.isfinite(normalised).all() and normalised.max() <= 1


@pytest.mark.parametrize("stroke", [2, 5, 9])
def test_stroke_width_is_measured_from_the_pixels(stroke: int) -> None:
    page = striped_page((300, 800), stroke, 6 * stroke, 0.1)
    assert stroke_width(normalise_paper(page)) == pytest.approx(stroke, abs=0.5)


def test_a_blank_page_has_no_stroke_width() -> None:
    assert stroke_width(np.ones((200, 300), np.float32)) is None


@pytest.mark.parametrize(
    ("measured", "expected"),
    [(None, None), (4.0, None), (12.0, None), (24.0, (450, 675))],
)
def test_stroke_shape_reduces_only_text_wider_than_the_model_knows(measured, expected) -> None:
    assert stroke_shape((1200, 1800), measured, 12) == expected
    assert stroke_shape((1200, 1800), measured, None) is None


@pytest.mark.parametrize(
    ("measured", "edges", "expected"),
    [
        (6.0, 2.0, None),  # sharp edges: as they are
        (6.0, 8.0, (800, 1200)),  # soft edges: reduced until the strokes measure 4 px
        (12.0, 6.0, (400, 600)),  # edges three times sharp ones: reduced three times
        (4.0, 8.0, None),  # strokes at the thinnest already: a soft scan, kept
        (24.0, 2.0, (450, 675)),  # wide strokes: reduced as without edges
    ],
)
def test_stroke_shape_also_reduces_text_whose_edges_are_soft(measured, edges, expected) -> None:
    assert stroke_shape((1200, 1800), measured, 12, edges) == expected


def test_edge_runs_are_the_transitions_between_ink_and_paper() -> None:
    line = np.array([[255, 200, 100, 0, 150, 150, 255, 180, 255, 60, 140, 60]], np.uint8)
    # 200 (paper to ink: 1), 150 150 (ink to paper: 2); 180 lies between paper and paper,
    # 140 between ink and ink, and the line's ends bound nothing
    assert sorted(_edge_runs(line).tolist()) == [1, 2]
    two_lines = np.vstack([line, line[:, ::-1]])
    assert sorted(_edge_runs(two_lines).tolist()) == [1, 1, 2, 2]


def test_an_enlarged_page_measures_wider_edges() -> None:
    rng = np.random.default_rng(5)
    page = np.full((300, 400), 255, np.uint8)
    for _ in range(400):  # short sharp strokes in both directions
        y, x = rng.integers(10, 280), rng.integers(10, 380)
        if rng.random() < 0.5:
            page[y : y + 2, x : x + 15] = 30
        else:
            page[y : y + 15, x : x + 2] = 30
    scan = Image.fromarray(page).filter(ImageFilter.GaussianBlur(1.0))  # a scanner's blur
    enlarged = np.asarray(scan.resize((1600, 1200), Image.Resampling.BICUBIC))
    sharp = edge_width(np.asarray(scan))
    assert sharp is not None and sharp <= 1.5
    assert edge_width(enlarged) >= 4 * sharp
    assert edge_width(np.full((300, 400), 255, np.uint8)) is None


@pytest.fixture
def normalising(tmp_path: Path) -> Denoiser:
    metadata = {INPUT_KEY: PAPER_NORMALISED, MAX_STROKE_KEY: "12"}
    return Denoiser(build_identity(tmp_path / "identity.onnx", metadata))


def test_the_network_sees_the_page_divided_by_its_paper(normalising: Denoiser) -> None:
    assert normalising.paper_normalised and normalising.max_stroke_width == 12
    lighting = np.linspace(0.5, 0.9, 500, dtype=np.float32)[None, :]
    page = (striped_page((300, 500), 3, 20, 0.37) * lighting * 255).astype(np.uint8)
    seen = clean_page(page, normalising)
    expected = normalise_paper(page.astype(np.float32) / 255)
    assert np.abs(seen - expected).max() <= 0.5 / 255 + 1e-6  # held as 8-bit levels
    assert np.abs(seen - expected).max() > 0


def test_wide_strokes_are_cleaned_reduced_whatever_the_dpi(normalising: Denoiser) -> None:
    page = (striped_page((1200, 1600), 30, 90, 0.1) * 255).astype(np.uint8)
    for dpi in (None, (72.0, 72.0), (600.0, 600.0)):
        out = np.empty(page.shape, np.float32)
        progress = list(iter_clean_page(page, normalising, out, dpi=dpi))
        assert progress[-1][1] == 1  # 9/30 of 1200×1600 fits one 420×540 tile
        assert out.shape == page.shape
        assert np.abs(out - page / 255).mean() < 0.05


def test_black_and_white_follows_the_models_ink_threshold(tmp_path: Path) -> None:
    from engine.denoiser import INK_THRESHOLD_KEY

    model = Denoiser(build_identity(tmp_path / "dark.onnx", {INK_THRESHOLD_KEY: "0.7"}))
    assert model.ink_threshold == 0.7
    levels = np.array([[0.45, 0.55, 0.65, 0.75]], np.float32)
    np.testing.assert_array_equal(to_uint8(levels, "bw"), [[0, 255, 255, 255]])
    np.testing.assert_array_equal(to_uint8(levels, "bw", model.ink_threshold), [[0, 0, 0, 255]])
    np.testing.assert_array_equal(to_uint8(levels, "gray", 0.7), to_uint8(levels, "gray"))
    for bad in ("1.5", "dark"):
        path = build_identity(tmp_path / f"bad{len(bad)}.onnx", {INK_THRESHOLD_KEY: bad})
        with pytest.raises(ModelError, match="ink_threshold"):
            Denoiser(path)
    assert Denoiser(build_identity(tmp_path / "plain.onnx")).ink_threshold == 0.5


def test_unknown_input_preparation_is_refused(tmp_path: Path) -> None:
    path = build_identity(tmp_path / "odd.onnx", {INPUT_KEY: "sharpened"})
    with pytest.raises(ModelError, match="is unknown"):
        Denoiser(path)


def test_models_without_preparation_see_the_page_as_it_is(tmp_path: Path) -> None:
    plain = Denoiser(build_identity(tmp_path / "plain.onnx"))
    assert not plain.paper_normalised and plain.max_stroke_width is None
    page = (striped_page((100, 120), 3, 20, 0.3) * 0.6 * 255).astype(np.uint8)
    np.testing.assert_allclose(clean_page(page, plain), page / 255, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_8bit_normalisation_is_the_float_pages_quantised(dtype) -> None:
    lighting = np.linspace(0.4, 1.0, 700, dtype=np.float32)[None, :]
    levels = striped_page((600, 700), 3, 17, 0.45) * lighting
    full = {np.uint8: 255, np.uint16: 65535, np.float32: 1}[dtype]
    page = (levels * full).astype(dtype)
    scale = 1 / full
    expected = to_uint8(
        normalise_paper(np.multiply(page, np.float32(scale), dtype=np.float32)), "gray"
    )
    np.testing.assert_array_equal(normalised_8bit(page, scale), expected)


@pytest.mark.parametrize("shape", [(310, 230), (2600, 1900), (1199, 1601)])
def test_pages_are_resampled_band_by_band_as_pillow_resamples_them_whole(shape) -> None:
    page = np.random.default_rng(3).random((1200, 1600)).astype(np.float32)
    whole = np.asarray(Image.fromarray(page).resize(shape[::-1], Image.Resampling.LANCZOS))
    np.testing.assert_allclose(resample(page, shape), np.clip(whole, 0, 1), atol=1e-4)
    levels = (page * 255).astype(np.uint8)  # 8-bit levels by Pillow's integer filter
    whole = np.asarray(Image.fromarray(levels).resize(shape[::-1], Image.Resampling.LANCZOS))
    banded = resample(levels, shape)  # a band's fractional first row rounds apart, rarely
    np.testing.assert_allclose(banded, whole, atol=1)
    assert np.mean(banded != whole) < 1e-3


@pytest.mark.parametrize("stroke", [3, 30])  # cleaned as it is, and reduced first
def test_a_page_is_cleaned_without_a_full_size_float_copy(normalising, stroke) -> None:
    page = (striped_page((3000, 2000), stroke, 4 * stroke, 0.2) * 255).astype(np.uint8)
    tracemalloc.start()
    try:
        out = clean_output(page, normalising, "gray")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.dtype == np.uint8 and out.shape == page.shape
    # The 8-bit prepared, padded and cleaned pages and a batch of tiles, but never the
    # page as float32 (24 MB here).
    assert peak < 3.5 * page.size + 20e6


@pytest.mark.parametrize("shape", [(1, 1), (8, 16), (17, 23), (203, 97)])
def test_the_paper_grid_takes_each_blocks_brightest_pixel(shape) -> None:
    page = np.random.default_rng(4).integers(0, 256, shape).astype(np.uint8)
    rows, cols = (-(-side // BLOCK) * BLOCK - side for side in shape)
    padded = np.pad(page, ((0, rows), (0, cols)), mode="edge")  # the last block repeats
    height, width = padded.shape
    blocks = padded.reshape(height // BLOCK, BLOCK, width // BLOCK, BLOCK).max(axis=(1, 3))
    widened = window_maximum(window_maximum(blocks, axis=0), axis=1)
    expected = Image.fromarray(widened).filter(ImageFilter.BoxBlur(WINDOW // 2))
    np.testing.assert_array_equal(np.asarray(_paper_grid(page)), np.asarray(expected))


def paper_with(region: tuple[slice, slice], level: int, shape=(800, 1000)) -> np.ndarray:
    """Paper at 230 with text-like strokes everywhere and `region` at `level` (its strokes
    darker still)."""
    page = np.full(shape, 230, np.uint8)
    page[region] = level
    page[::24, :] = page[::24, :] // 4  # a thin dark line every 24 rows
    return page


def test_a_black_box_wider_than_the_window_stays_black() -> None:
    box = (slice(250, 550), slice(300, 700))  # 300 × 400 px: far wider than BLOCK * WINDOW
    divided = normalised_8bit(paper_with(box, 20), 1 / 255)
    assert np.percentile(divided[box], 99) < 40  # 20 against 230: dark, not paper
    around = divided[100:200, 100:900]
    assert np.median(around) == 255


def test_a_red_box_keeps_its_colour_channel_by_channel() -> None:
    rgb = np.stack(
        [paper_with((slice(250, 550), slice(300, 700)), level) for level in (200, 20, 20)], -1
    )
    divided = divide_8bit(rgb)
    box = divided[300:500, 350:650]
    assert np.percentile(box[..., 0], 50) > 200  # red, as bright as its paper in red
    assert np.percentile(box[..., 1:], 99) < 40  # dark in green and blue: no white hole


def test_eight_bit_levels_are_divided_by_table_as_the_float_arithmetic_divides_them() -> None:
    rng = np.random.default_rng(5)
    levels, paper = (rng.integers(0, 256, (300, 257, 3), dtype=np.uint8) for _ in range(2))

    def divide(levels: np.ndarray, paper: np.ndarray) -> np.ndarray:
        quotient = levels / np.maximum(paper, 13).astype(np.float32) * np.float32(200)
        return np.clip(quotient, 0, 255).astype(np.uint8)

    np.testing.assert_array_equal(_by_table(divide)(levels, paper), divide(levels, paper))


def test_dark_regions_reaching_the_edge_are_their_own_paper() -> None:
    # A shadow or a table around a photographed page: divided into paper as before.
    shadow = (slice(None), slice(700, None))
    divided = normalised_8bit(paper_with(shadow, 70), 1 / 255)
    assert np.median(divided[:, 800:]) == 255


@pytest.mark.parametrize("shape", [(1, 1), (9, 7), (300, 257), (1030, 700)])
def test_each_colour_channel_is_divided_by_its_own_paper_in_one_pass(shape) -> None:
    rgb = np.random.default_rng(5).integers(60, 256, (*shape, 3)).astype(np.uint8)
    divided = divide_8bit(rgb)
    for channel in range(3):
        alone = divide_8bit(np.ascontiguousarray(rgb[..., channel]))
        np.testing.assert_array_equal(divided[..., channel], alone)


def test_the_paper_is_enlarged_band_by_band_as_pillow_enlarges_it_whole() -> None:
    page = np.random.default_rng(6).integers(0, 256, (1500, 900)).astype(np.uint8)
    grid = _paper_grid(page)
    whole = np.asarray(grid.resize(page.shape[::-1], Image.Resampling.BILINEAR))
    difference = np.abs(_paper_8bit(page).astype(int) - whole)
    assert difference.max() <= 2 and np.count_nonzero(difference) < page.size / 1000


@pytest.mark.parametrize("shape", [(64, 48), (70, 50), (5, 3)])
def test_block_count_counts_each_block_and_the_partial_ones(shape: tuple[int, int]) -> None:
    mask = np.random.default_rng(1).random(shape) < 0.3
    rows, columns = -(-shape[0] // 16), -(-shape[1] // 16)
    expected = [
        [mask[16 * r : 16 * r + 16, 16 * c : 16 * c + 16].sum() for c in range(columns)]
        for r in range(rows)
    ]
    np.testing.assert_array_equal(block_count(mask, 16), expected)
