"""Real-document training data and the ink-keeping measures, on the real DIBCO pages."""

import numpy as np
import pytest

from engine.paper import normalise_paper
from training.documents import (
    ARRIVAL_GRID,
    DIBCO_COLLECTIONS,
    HELD_OUT,
    TRAINING_COLLECTIONS,
    Source,
    document_stream,
    engine_scales,
    load_dibco,
    make_faint,
    prepared,
)
from training.ink import doxa, ink_scores, kept_ink, rescale_pair, score_pages, summarise


def test_collections_are_split_whole_and_the_held_out_mix_hands_and_print() -> None:
    assert set(HELD_OUT).isdisjoint(TRAINING_COLLECTIONS)
    assert set(HELD_OUT) | set(TRAINING_COLLECTIONS) == set(DIBCO_COLLECTIONS)
    assert len(HELD_OUT) >= 3
    kinds = " ".join(DIBCO_COLLECTIONS[name] for name in HELD_OUT)
    assert "handwritten" in kinds and "printed" in kinds


@pytest.fixture(scope="module")
def pages():
    return load_dibco(("hdibco2016",))


def test_dibco_pages_load_aligned_with_binary_truth(pages) -> None:
    assert len(pages) == 10
    for page in pages:
        assert page.noisy.dtype == np.uint8 and page.noisy.shape == page.truth.shape
        assert set(np.unique(page.truth)) <= {0, 255}
        ink = page.truth == 0
        assert page.noisy[ink].mean() < page.noisy[~ink].mean()  # truth marks the dark ink


def test_unknown_collections_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        load_dibco(("dibco1999",))


def test_prepared_inputs_are_paper_normalised(pages) -> None:
    noisy, target = prepared(pages[0].noisy, pages[0].truth)
    np.testing.assert_array_equal(noisy, normalise_paper(pages[0].noisy / np.float32(255)))
    assert target.dtype == np.float32 and set(np.unique(target)) <= {0.0, 1.0}


def test_faint_ink_fades_towards_the_paper_only() -> None:
    patch = np.array([[1.0, 0.2]], np.float32)
    np.testing.assert_allclose(make_faint(patch, 0.25), [[1.0, 0.8]])


def test_document_stream_mixes_sources_by_weight_and_keeps_targets_dark() -> None:
    ink = np.ones((200, 200), np.float32)
    ink[:, ::8] = 0.0
    dark = (ink * 0.5 + 0.5, ink)  # source A: grey ink
    blank = (np.ones((200, 200), np.float32), np.ones((200, 200), np.float32))
    sources = [Source("a", [dark], 3.0, (1.0, 1.0)), Source("b", [blank], 1.0, (1.0, 1.0))]
    stream = document_stream(sources, 64, seed=3, faint=0.5)
    patches = [next(stream) for _ in range(400)]
    from_a = [(x, y) for x, y in patches if y.min() < 0.5]
    assert 0.65 < len(from_a) / len(patches) < 0.85
    contrasts = [1 - x[y < 0.5].mean() for x, y in from_a]
    assert min(contrasts) < 0.3 < 0.45 < max(contrasts)  # some made faint, some as they were
    assert all(x.shape == (64, 64, 1) and x.dtype == np.float32 for x, _ in patches)
    with pytest.raises(ValueError, match="no training pairs"):
        next(document_stream([Source("c", [], 1.0, (1.0, 1.0))], 64, seed=0))


def test_patches_are_drawn_at_the_scale_the_engine_shows_their_page_at() -> None:
    page = np.full((300, 400), 235, np.uint8)
    for x in range(10, 390, 20):
        page[20:280, x : x + 3] = 40  # strokes 3 px wide
    page = np.clip(page + np.random.default_rng(0).normal(0, 4, page.shape), 0, 255)
    shown = engine_scales(page.astype(np.uint8), max_stroke_width=8)
    # Up to 2x the strokes (6 px at most) are cleaned as they come; wider ones are reduced
    # back to about 6 px, so a page arriving at 2.83x or 4x is shown at about 2x.
    arrived = np.array(ARRIVAL_GRID)
    np.testing.assert_allclose(shown[arrived <= 2], arrived[arrived <= 2], rtol=1e-6)
    assert np.all((shown[arrived > 2] > 1.4) & (shown[arrived > 2] < 2))
    pair = (np.ones((200, 200), np.float32), np.ones((200, 200), np.float32))
    source = Source("a", [pair], 1.0, (0.5, 4.0), [shown])
    drawn = [source.scale_of(0, np.random.default_rng(seed)) for seed in range(200)]
    assert all(low == high for low, high in drawn)
    lows = [low for low, _ in drawn]
    assert 0.5 <= min(lows) < 0.6 and 1.4 < max(lows) <= shown.max() + 1e-9
    assert Source("b", [pair], 1.0, (0.5, 4.0)).scale_of(0, np.random.default_rng(0)) == (0.5, 4.0)


def test_soft_scans_soften_the_input_only() -> None:
    ink = np.ones((200, 200), np.float32)
    ink[:, ::6] = 0.0  # sharp strokes
    source = [Source("a", [(ink, ink)], 1.0, (1.0, 1.0))]
    sharp = document_stream(source, 64, seed=5)
    soft = document_stream(source, 64, seed=5, low_resolution=1.0)

    def edges(patch: np.ndarray) -> float:
        return float(np.abs(np.diff(patch, axis=1)).mean())

    for _ in range(10):
        (x, y), (soft_x, soft_y) = next(sharp), next(soft)
        np.testing.assert_array_equal(x, y)
        assert set(np.unique(soft_y)) == {0.0, 1.0}  # the target stays sharp
        assert edges(soft_x) < 0.9 * edges(soft_y)


def test_ink_scores_on_known_answers() -> None:
    truth = np.full((60, 80), 255, np.uint8)
    truth[20:40, 10:70] = 0
    perfect = ink_scores(truth, truth)
    assert perfect["fm"] == pytest.approx(100) and perfect["recall"] == pytest.approx(100)
    assert perfect["pfm"] == pytest.approx(100) and perfect["drd"] == pytest.approx(0)
    half = truth.copy()
    half[20:40, 40:70] = 255
    scores = ink_scores(half, truth)
    assert scores["recall"] == pytest.approx(50) and scores["fm"] < 70
    assert kept_ink(half, truth) == pytest.approx(50)
    blank = ink_scores(np.full_like(truth, 255), truth)  # nothing kept: F-measure 0, not NaN
    assert blank["fm"] == 0 and blank["recall"] == 0 and blank["pfm"] == 0


def test_ink_scores_of_crops_are_the_crops_scores() -> None:
    rng = np.random.default_rng(0)
    truth = np.where(rng.random((90, 120)) < 0.1, 0, 255).astype(np.uint8)
    result = np.where((truth == 0) & (rng.random(truth.shape) < 0.8), 0, 255).astype(np.uint8)
    crop = (slice(10, 70), slice(15, 100))  # views whose rows are not contiguous in memory
    assert ink_scores(result[crop], truth[crop]) == ink_scores(
        result[crop].copy(), truth[crop].copy()
    )


def test_otsu_scores_as_published_on_a_collection(pages) -> None:
    summary = summarise(score_pages(doxa("OTSU"), pages))
    assert set(summary) == {"hdibco2016", "pooled"}
    assert 80 < summary["pooled"]["fm"] < 92  # Otsu on H-DIBCO 2016 is about 86
    noisy, truth = rescale_pair(pages[0], 0.5)
    assert noisy.shape == truth.shape == tuple(round(side * 0.5) for side in pages[0].noisy.shape)


def test_show_through_adds_a_mirrored_blurred_ghost_to_the_input_only() -> None:
    from training.documents import show_through

    paper = np.ones((64, 64), np.float32)
    other = np.ones((64, 64), np.float32)
    other[:, 8:12] = 0.0  # a stroke on the left of the other page
    ghosted = show_through(paper, other, np.random.default_rng(0))
    assert ghosted[:, 52:56].mean() < 0.95  # seen mirrored, on the right
    assert ghosted[:, 8:12].min() > 0.99
    assert ghosted.min() > 0.3  # faint
    assert np.abs(np.diff(ghosted[32])).max() < 0.2  # blurred: no sharp edge


def test_show_through_can_be_as_sharp_as_it_is_asked_to() -> None:
    from training.documents import show_through

    paper = np.ones((64, 64), np.float32)
    other = np.ones((64, 64), np.float32)
    other[:, 8:12] = 0.0

    def steepest(sharpest: float) -> float:
        rng = np.random.default_rng(1)
        edges = [np.abs(np.diff(show_through(paper, other, rng, sharpest)[32])).max()]
        edges += [np.abs(np.diff(show_through(paper, other, rng, sharpest)[32])).max()]
        return max(edges)

    # The same draws: a ghost from sharpest 0.3 px has steeper edges than from 0.8 px.
    assert steepest(0.3) > steepest(0.8) * 1.2
