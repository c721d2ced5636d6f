"""Black and white by hysteresis (engine.hysteresis): ink below the threshold is kept only
where it joins ink below the model's core level."""

from pathlib import Path

import numpy as np
import pytest

from engine.cleaning import clean_output
from engine.denoiser import INK_CORE_KEY, INK_THRESHOLD_KEY, Denoiser
from engine.errors import ModelError
from engine.hysteresis import (
    CANDIDATE,
    CORE,
    PAPER,
    black_and_white,
    joined_to_edge,
    keep_joined_ink,
    piece_sizes,
    three_levels,
    to_black_and_white,
)
from engine.paper import square_maximum
from tests.onnx_builders import build_identity


def reference(cleaned: np.ndarray, threshold: float, core: float) -> np.ndarray:
    """The same rule by SciPy's labelling of 8-connected pieces of ink."""
    ndimage = pytest.importorskip("scipy.ndimage")  # absent where only the engine is installed
    labels, count = ndimage.label(cleaned < threshold, structure=np.ones((3, 3)))
    kept = np.zeros(count + 1, bool)
    kept[np.unique(labels[cleaned < core])] = True
    kept[0] = False
    return np.where(kept[labels], 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", range(6))
def test_pieces_of_ink_are_kept_whole_where_they_hold_a_core(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 700)), int(rng.integers(1, 90)))  # bands of 256 rows
    cleaned = rng.random(shape).astype(np.float32)
    for _ in range(2):  # blobs and strokes of several sizes
        cleaned = (cleaned + np.roll(cleaned, 1, 0) + np.roll(cleaned, 1, 1)) / 3
    cleaned = (cleaned - cleaned.min()) / max(float(np.ptp(cleaned)), 1e-6)
    got = keep_joined_ink(three_levels(cleaned, 0.45, 0.2))
    np.testing.assert_array_equal(got, reference(cleaned, 0.45, 0.2))


@pytest.mark.parametrize("share", [0.0, 0.2, 0.45, 0.6])
def test_piece_sizes_are_those_of_scipys_8_connected_pieces(share: float) -> None:
    ndimage = pytest.importorskip("scipy.ndimage")
    mask = np.random.default_rng(int(share * 10)).random((600, 70)) < share  # bands of 256
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    expected = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    assert sorted(piece_sizes(mask).tolist()) == sorted(expected.tolist())


def test_three_levels_mark_cores_candidates_and_paper() -> None:
    levels = three_levels(np.array([[0.1, 0.3, 0.59, 0.6, 0.9]], np.float32), 0.6, 0.2)
    np.testing.assert_array_equal(levels, [[CORE, CANDIDATE, CANDIDATE, PAPER, PAPER]])
    assert keep_joined_ink(np.full((3, 4), PAPER, np.uint8)).min() == PAPER  # no ink at all


@pytest.fixture
def hysteresis_model(tmp_path: Path) -> Denoiser:
    metadata = {INK_THRESHOLD_KEY: "0.6", INK_CORE_KEY: "0.2"}
    return Denoiser(build_identity(tmp_path / "hysteresis.onnx", metadata))


def test_black_and_white_drops_half_dark_ink_that_joins_no_stroke(hysteresis_model) -> None:
    page = np.full((900, 1300), 255, np.uint8)  # several tiles
    page[100:104, 50:1250] = 10  # a dark stroke across the tiles' seams
    page[104:700, 1240:1244] = 120  # its half-dark tail, down into the tiles below
    page[400:430, 200:260] = 120  # half-dark, joined to nothing dark: show-through
    out = clean_output(page, hysteresis_model, "bw")
    assert out[102, 60] == 0 and out[102, 1200] == 0 and out[690, 1242] == 0
    assert (out[400:430, 200:260] == 255).all()
    assert set(np.unique(out)) == {0, 255}
    grey = clean_output(page, hysteresis_model, "gray")  # grey levels stay as cleaned
    assert (grey[400:430, 200:260] == 120).all()


@pytest.mark.parametrize("core", [None, "0.2"])
def test_a_whole_page_in_black_and_white_is_what_the_engine_writes(tmp_path, core) -> None:
    metadata = {INK_THRESHOLD_KEY: "0.6"} | ({INK_CORE_KEY: core} if core else {})
    model = Denoiser(build_identity(tmp_path / "identity.onnx", metadata))  # cleans nothing
    rng = np.random.default_rng(3)
    page = rng.integers(0, 256, (900, 1300), dtype=np.uint8)  # several tiles
    page[100:104, 50:1250] = 10
    whole = black_and_white(page / np.float32(255), 0.6, model.ink_core)
    np.testing.assert_array_equal(whole, clean_output(page, model, "bw"))


def test_models_without_a_core_keep_all_ink_below_their_threshold(tmp_path: Path) -> None:
    model = Denoiser(build_identity(tmp_path / "plain.onnx", {INK_THRESHOLD_KEY: "0.6"}))
    assert model.ink_core is None
    page = np.full((50, 60), 255, np.uint8)
    page[10:20, 10:20] = 120
    assert (clean_output(page, model, "bw")[10:20, 10:20] == 0).all()


@pytest.mark.parametrize("core", ["0.6", "0.7", "0", "dark"])
def test_a_core_not_below_the_threshold_is_refused(tmp_path: Path, core: str) -> None:
    path = build_identity(tmp_path / "bad.onnx", {INK_THRESHOLD_KEY: "0.6", INK_CORE_KEY: core})
    with pytest.raises(ModelError, match="ink_core"):
        Denoiser(path)


@pytest.mark.parametrize("share", [0.3, 0.5, 0.6])
def test_joined_to_edge_is_the_mask_grown_from_its_edge_until_it_stops(share: float) -> None:
    rng = np.random.default_rng(int(share * 10))
    mask = rng.random((60, 90)) < share
    grown = np.zeros_like(mask)
    grown[[0, -1], :], grown[:, [0, -1]] = mask[[0, -1], :], mask[:, [0, -1]]
    while not np.array_equal(wider := square_maximum(grown, 3) & mask, grown):
        grown = wider
    assert np.array_equal(joined_to_edge(mask), grown)
    assert not joined_to_edge(np.pad(mask[1:-1, 1:-1], 1)).any()  # nothing touches the edge


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.65, 1.0, 1.5])
def test_grey_levels_in_place_are_black_and_white_of_those_levels(threshold: float) -> None:
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = black_and_white(levels / np.float32(255), threshold)
    to_black_and_white(levels, threshold)
    np.testing.assert_array_equal(levels, expected)
