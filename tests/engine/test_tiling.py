"""Tiling is seamless: the stitched page equals running the network on the whole page."""

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.tiling import pad_page, page_tile, plan_tiles, tile_at
from tests.onnx_builders import build_random_fcn, build_strided_fcn


def whole_page_reference(model: Path, page: np.ndarray, margin: int, alignment: int) -> np.ndarray:
    """Run a dynamic-size build of the same network once over the whole reflect-padded page."""
    height, width = page.shape
    extra = [(-(side + 2 * margin)) % alignment for side in page.shape]
    padded = np.pad(
        page.astype(np.float32) / 255.0,
        ((margin, margin + extra[0]), (margin, margin + extra[1])),
        mode="symmetric",
    )
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"page": padded[None, :, :, None]})
    return out[0, margin : margin + height, margin : margin + width, 0]


PAGE_SHAPES = [(37, 51), (420, 540), (421, 541), (1000, 1300), (150, 3000), (500, 20000)]


@pytest.mark.parametrize(
    "builder", [build_random_fcn, build_strided_fcn], ids=["conv-stack", "encoder-decoder"]
)
def test_tiled_output_equals_whole_page_inference(tmp_path: Path, builder) -> None:
    tiled_model = builder(tmp_path / "tiled.onnx")
    whole_model = builder(tmp_path / "whole.onnx", spatial=None)
    denoiser = Denoiser(tiled_model, batch_size=3)
    rng = np.random.default_rng(7)
    for shape in PAGE_SHAPES:
        page = rng.integers(0, 256, shape, dtype=np.uint8)
        tiled = clean_page(page, denoiser)
        reference = whole_page_reference(whole_model, page, denoiser.margin, denoiser.alignment)
        assert tiled.shape == page.shape
        np.testing.assert_allclose(tiled, reference, atol=1e-5, rtol=0, err_msg=str(shape))


def test_too_small_margin_shows_seams(tmp_path: Path) -> None:
    """The check above can fail: a margin below the receptive field breaks equality."""
    whole_model = build_random_fcn(tmp_path / "whole.onnx", spatial=None, depth=4)
    lying_model = build_random_fcn(
        tmp_path / "lying.onnx", depth=4, metadata={"docclean.margin": "1"}
    )
    denoiser = Denoiser(lying_model)
    page = np.random.default_rng(1).integers(0, 256, (1000, 1300), dtype=np.uint8)
    reference = whole_page_reference(whole_model, page, 1, 1)
    assert np.abs(clean_page(page, denoiser) - reference).max() > 1e-3


def test_small_tile_models_and_a4_page(tmp_path: Path) -> None:
    """Many tiles on an A4 page at 300 dpi, with a model whose tile is small."""
    tiled_model = build_random_fcn(tmp_path / "t.onnx", spatial=(64, 96), depth=2)
    whole_model = build_random_fcn(tmp_path / "w.onnx", spatial=None, depth=2)
    denoiser = Denoiser(tiled_model, batch_size=16)
    page = np.random.default_rng(2).integers(0, 256, (3508, 2480), dtype=np.uint8)
    reference = whole_page_reference(whole_model, page, denoiser.margin, 1)
    np.testing.assert_allclose(clean_page(page, denoiser), reference, atol=1e-5, rtol=0)


@settings(max_examples=200, deadline=None)
@given(
    height=st.integers(1, 3000),
    width=st.integers(1, 3000),
    tile_height=st.integers(8, 600),
    tile_width=st.integers(8, 600),
    margin=st.integers(0, 40),
    alignment=st.sampled_from([1, 2, 4, 8]),
)
def test_tile_cores_cover_the_page_exactly_once(
    height: int, width: int, tile_height: int, tile_width: int, margin: int, alignment: int
) -> None:
    try:
        plan = plan_tiles((height, width), (tile_height, tile_width), margin, alignment)
    except ValueError:
        assert min(tile_height, tile_width) - 2 * margin < alignment
        return
    coverage = np.zeros((height, width), dtype=np.int32)
    for top, left in plan.offsets():
        assert top % alignment == 0 and left % alignment == 0
        assert top + plan.tile_shape[0] <= plan.padded_shape[0]
        assert left + plan.tile_shape[1] <= plan.padded_shape[1]
        coverage[top : top + plan.core_shape[0], left : left + plan.core_shape[1]] += 1
    assert (coverage == 1).all()
    assert plan.padded_shape[0] >= height + 2 * margin
    assert plan.padded_shape[1] >= width + 2 * margin


def test_padding_reflects_the_page_edges() -> None:
    page = np.arange(12, dtype=np.uint8).reshape(3, 4)
    plan = plan_tiles(page.shape, (10, 10), margin=2)
    padded = pad_page(page, plan)
    assert padded.shape == plan.padded_shape
    np.testing.assert_array_equal(padded[2:5, 2:6], page)
    np.testing.assert_array_equal(padded[1, 2:6], page[0])  # reflected, not zero


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (421, 541), (900, 2), (1000, 1300)])
def test_tiles_are_cut_from_the_page_as_from_its_padded_copy(shape: tuple[int, int]) -> None:
    page = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    for margin, alignment in ((32, 4), (0, 1), (20, 8)):
        plan = plan_tiles(shape, (420, 540), margin, alignment)
        padded = pad_page(page, plan)
        for offset in plan.offsets():
            np.testing.assert_array_equal(
                page_tile(page, plan, offset), tile_at(padded, plan, offset)
            )


def test_plan_rejects_a_margin_that_leaves_no_core() -> None:
    with pytest.raises(ValueError, match="no core"):
        plan_tiles((100, 100), (420, 540), margin=210)
