"""The guided refinement appended to a model's graph: the graph computes the filter, the
engine's tiles stitch it without seams, and strokes take the page's own profile."""

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from engine.cleaning import clean_page
from engine.denoiser import Denoiser, read_card, sha256_of
from tests.conftest import REPO
from tests.onnx_builders import build_brightener
from training.quantise import float_nodes
from training.refinement import (
    PREFIX,
    REFINEMENT_KEY,
    add_guided_refinement,
    guided_filter,
    is_refined,
)
from training.refinement import main as refine_file


def run(path: Path, tiles: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: tiles[..., None]})[0][..., 0]


@pytest.fixture
def refined(tmp_path: Path) -> tuple[Path, Path]:
    """A brightener (a 3×3 blur, brightened) and a copy of it refined, with a card."""
    plain = build_brightener(tmp_path / "plain.onnx")
    copy = tmp_path / "refined.onnx"
    copy.write_bytes(plain.read_bytes())
    card = json.loads((REPO / "resources" / "models" / "seed.json").read_text())
    card |= {"file": copy.name, "sha256": sha256_of(copy), "receptive_field_radius": 1}
    copy.with_suffix(".json").write_text(json.dumps(card))
    refine_file([str(copy)])
    return plain, copy


def test_the_graph_computes_the_guided_filter_of_its_output_on_its_input(refined) -> None:
    plain, copy = refined
    tiles = np.random.default_rng(1).random((2, 420, 540), dtype=np.float32)
    tiles[:, 100:140, 50:300] *= 0.2  # a dark band: edges for the fits to follow
    network, result = run(plain, tiles), run(copy, tiles)
    for tile, out, got in zip(tiles, network, result, strict=True):
        np.testing.assert_allclose(got, guided_filter(out, tile), atol=2e-5)
    assert np.abs(result - network).mean() > 0.01  # it did something
    card = read_card(copy)  # kept true to the file, which the engine checks
    assert card["sha256"] == sha256_of(copy) and card["receptive_field_radius"] == 3
    assert "Output refinement: guided filter" in copy.with_suffix(".md").read_text()
    model = onnx.load(copy)
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    assert metadata["docclean.margin"] == "3"  # the brightener's 1, and 2 for two 3×3 means
    assert metadata["docclean.name"] == "brightener" and REFINEMENT_KEY in metadata
    with pytest.raises(ValueError, match="refined already"):
        add_guided_refinement(model)


def test_the_engine_stitches_a_refined_page_without_seams(refined) -> None:
    """A page of several tiles cleaned through the engine equals the filter on the whole
    page (away from the page's own border, which the engine pads by reflection)."""
    _, copy = refined
    denoiser = Denoiser(copy)
    assert denoiser.margin == 3
    page = np.random.default_rng(2).random((900, 1300), dtype=np.float32)
    page[300:330] *= 0.3
    bright = np.clip(_blur(page) * 1.3, 0, 1)
    expected = guided_filter(bright, page)
    got = clean_page(page, denoiser)
    np.testing.assert_allclose(got[3:-3, 3:-3], expected[3:-3, 3:-3], atol=2e-5)


def _blur(page: np.ndarray) -> np.ndarray:
    """The brightener's 3×3 blur with zero padding (its convolution's)."""
    padded = np.pad(page, 1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
    return windows.mean(axis=(-2, -1))


def test_soft_edges_take_the_page_sharp_ones_and_a_stain_stays_cleared() -> None:
    """The network returns a faded page's 3 px stroke with soft edges (its clean stroke
    blurred) and clears a stain; refined, the edges follow the page's sharp ones and the
    stain stays cleared."""
    clean = np.ones((40, 60), np.float32)
    clean[:, 20:23] = 0.0
    noise = np.random.default_rng(0).normal(0, 0.01, clean.shape).astype(np.float32)
    page = np.clip(clean * 0.7 + 0.25 + noise, 0, 1)  # faded ink on paper
    page[:, 45:52] -= 0.2  # a stain, far from ink
    padded = np.pad(clean, 1, mode="edge")
    network = np.lib.stride_tricks.sliding_window_view(padded, (3, 3)).mean(axis=(-2, -1))

    def error(levels: np.ndarray) -> float:
        return float(np.sqrt(((levels - clean) ** 2).mean()))

    refined = guided_filter(network.astype(np.float32), page)
    assert error(refined) < 0.8 * error(network)
    assert (refined[:, 21] < 0.25).all()  # the core, darker than the network's 0.33
    assert (refined[:, 40:58] > 0.99).all()  # the stain still cleared
    assert (refined[:, :15] > 0.99).all()


def test_quantisation_leaves_the_refinement_in_float(refined) -> None:
    _, copy = refined
    graph = onnx.load(copy).graph
    kept = float_nodes(graph, "nothing")
    assert kept and all(name.startswith(PREFIX) for name in kept)
    assert {node.name for node in graph.node if node.name.startswith(PREFIX)} == set(kept)
    assert is_refined(onnx.load(copy))
