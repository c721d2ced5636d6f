"""Black and white, grey and colour leave out writing far fainter than the ink around it
(another page's writing showing through), and keep faint ink everywhere else."""

import numpy as np
import pytest
from PIL import Image, ImageFilter

import engine.show_through as show_through
from engine.cleaning import black_and_white_of_grey, clean_output
from engine.denoiser import Denoiser
from engine.hysteresis import to_black_and_white
from engine.resources import default_model_path
from engine.show_through import without_show_through
from tests.conftest import SHARED, ddd_page

DIBCO = SHARED / "data" / "dibco"


def scores(result: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """F-measure and ink recall (%) of a black-and-white result against its truth."""
    ink, kept = truth < 128, result < 128
    recall, precision = (ink & kept).sum() / ink.sum(), (ink & kept).sum() / kept.sum()
    return 200 * precision * recall / (precision + recall), 100 * recall


def page_with(marks: dict[tuple[int, int], int], shape=(400, 1400)) -> np.ndarray:
    """A divided page (uint8) holding a 30 × 60 px mark at each (top, left), that dark
    (0..255 darkness)."""
    page = np.full(shape, 255, np.uint8)
    for (top, left), darkness in marks.items():
        page[top : top + 30, left : left + 60] = 255 - darkness
    return page


THRESHOLD = 0.9  # every mark of these pages is ink, its own levels too


def cleaned(page: np.ndarray, own: np.ndarray | None = None, scale: float = 1.0) -> np.ndarray:
    """The page's black and white: every mark cleaned to black, but where `own` (bool) says
    the page's own levels were kept."""
    levels = np.where(page < 250, 0, 255).astype(np.uint8)
    if own is not None:
        levels[own] = page[own]
    without_show_through(levels, page, THRESHOLD, scale)
    to_black_and_white(levels, THRESHOLD)
    return levels


def kept(levels: np.ndarray, top: int, left: int) -> bool:
    return bool((levels[top : top + 30, left : left + 60] == 0).all())


def test_a_mark_far_fainter_than_ink_beside_it_is_left_out() -> None:
    levels = cleaned(page_with({(50, 50): 240, (50, 150): 80, (50, 1200): 80}))
    assert kept(levels, 50, 50)
    assert not kept(levels, 50, 150)  # a third as dark, 40 px away
    assert kept(levels, 50, 1200)  # as faint, but with no darker ink within reach


def test_a_mark_as_dark_as_share_of_the_ink_beside_it_stays() -> None:
    darkness = int(np.ceil(show_through.SHARE * 240))
    assert kept(cleaned(page_with({(50, 50): 240, (50, 150): darkness})), 50, 150)
    assert not kept(cleaned(page_with({(50, 50): 240, (50, 150): darkness - 2})), 50, 150)


def test_a_faint_part_joined_to_a_dark_one_stays() -> None:
    """A faint stroke's broken fragments go with its darker parts."""
    page = page_with({(50, 50): 240, (50, 110 + show_through.JOIN): 60})
    assert kept(cleaned(page), 50, 110 + show_through.JOIN)
    far = page_with({(50, 50): 240, (50, 112 + 2 * show_through.JOIN): 60})
    assert not kept(cleaned(far), 50, 112 + 2 * show_through.JOIN)


def test_where_the_page_kept_its_own_levels_every_mark_stays() -> None:
    page = page_with({(50, 50): 240, (50, 150): 80})
    own = np.zeros(page.shape, bool)
    own[50:80, 150:210] = True  # a clean region
    assert kept(cleaned(page, own), 50, 150)


def test_reach_is_at_the_scale_the_network_saw_the_page() -> None:
    page = page_with({(50, 50): 240, (50, 310): 80})  # 200 px apart: out of reach at 1×
    assert kept(cleaned(page), 50, 310)
    assert not kept(cleaned(page, scale=2.0), 50, 310)


def test_grey_leaves_out_the_same_pieces_with_their_lighter_edges() -> None:
    page = page_with({(50, 50): 240, (50, 150): 80, (50, 1200): 80})
    levels = np.where(page < 250, 40, 255).astype(np.uint8)  # cleaned: every mark as ink
    for top, left in ((50, 50), (50, 150), (50, 1200)):  # each with a light edge, 2 px
        levels[top - 2 : top + 32, left - 2 : left + 62] = np.minimum(
            levels[top - 2 : top + 32, left - 2 : left + 62], 220
        )
    before = levels.copy()
    without_show_through(levels, page, 0.65, 1.0)
    np.testing.assert_array_equal(levels[:, :130], before[:, :130])  # the ink, its edge
    np.testing.assert_array_equal(levels[:, 1100:], before[:, 1100:])  # no ink nearby
    assert (levels[:, 130:300] == 255).all()  # the faint mark and its edge: paper


@pytest.fixture(scope="module")
def shipped() -> Denoiser:
    if not default_model_path().is_file():
        pytest.skip("the shipped model is not built")
    return Denoiser(default_model_path())


def test_writing_showing_through_an_archive_page_is_left_out(shipped, monkeypatch) -> None:
    """H-DIBCO 2016 H06 (held out): another page's writing shows through as dark as faint
    ink; black and white scored F 70.1 with it, 84 and more without, every stroke kept."""
    noisy, truth = (DIBCO / "hdibco2016" / part / "DIBCO2016_H06.png" for part in ("noisy", "gt"))
    if not noisy.is_file():
        pytest.skip(f"shared data not found at {noisy}")
    page = np.asarray(Image.open(noisy).convert("L"))
    truth = np.asarray(Image.open(truth).convert("L"))
    f_measure, recall = scores(clean_output(page, shipped, "bw"), truth)
    monkeypatch.setattr(show_through, "SHARE", 0.0)
    f_before, recall_before = scores(clean_output(page, shipped, "bw"), truth)
    assert f_measure >= f_before + 10
    assert recall >= recall_before - 0.5


def test_a_faint_page_keeps_all_its_ink(shipped, monkeypatch) -> None:
    """A DDD page faded to `pixel × 0.35 + 150`: its own ink is the darkest around."""
    page = np.asarray(Image.open(ddd_page("101.png")).convert("L")).astype(np.float32)
    faint = np.clip(page * 0.35 + 150, 0, 255).astype(np.uint8)
    now = clean_output(faint, shipped, "bw")
    monkeypatch.setattr(show_through, "SHARE", 0.0)
    np.testing.assert_array_equal(now, clean_output(faint, shipped, "bw"))


@pytest.mark.parametrize("variant", ["page", "enlarged", "colour", "negative", "as positive"])
def test_a_grey_result_made_black_and_white_is_what_black_and_white_writes(
    shipped, variant
) -> None:
    """`black_and_white_of_grey` (the app's preview of a grey result) gives the levels that
    cleaning in black and white writes: show-through left out, at the scale the network saw
    the page (an enlarged page is reduced first), negatives and colour pages alike."""
    noisy = DIBCO / "hdibco2016" / "noisy" / "DIBCO2016_H06.png"
    if not noisy.is_file():
        pytest.skip(f"shared data not found at {noisy}")
    page = np.asarray(Image.open(noisy).convert("L"))[:500, :900]
    colour = None
    if variant == "enlarged":
        page = np.asarray(Image.fromarray(page).resize((1800, 1000), Image.Resampling.BICUBIC))
    if variant == "colour":  # blue ink
        colour = np.dstack([page, page, np.maximum(page, 200)])
    if variant in ("negative", "as positive"):
        page = 255 - page
    as_positive = variant == "as positive"
    grey = clean_output(page, shipped, "gray", colour=colour, as_positive=as_positive)
    written = clean_output(page, shipped, "bw", colour=colour, as_positive=as_positive)
    made = black_and_white_of_grey(grey, shipped, page, colour, as_positive)
    np.testing.assert_array_equal(made, written)
    if variant != "negative":  # grey leaves out what black and white does: its threshold
        to_black_and_white(grey, shipped.ink_threshold)
        np.testing.assert_array_equal(grey, written)


def show_through_page() -> tuple[np.ndarray, np.ndarray]:
    noisy, truth = (DIBCO / "hdibco2016" / part / "DIBCO2016_H06.png" for part in ("noisy", "gt"))
    if not noisy.is_file():
        pytest.skip(f"shared data not found at {noisy}")
    return tuple(np.asarray(Image.open(path).convert("L")) for path in (noisy, truth))


def kept_ink(result: np.ndarray, truth: np.ndarray) -> float:
    """Share (%) of the truth's ink darker than mid-grey in the result."""
    ink = truth < 128
    return 100 * float((ink & (result < 128)).sum() / ink.sum())


def darkness_off_ink(result: np.ndarray, truth: np.ndarray) -> float:
    """Mean darkness (0..1) of a result where its truth holds paper 3 px from any ink."""
    ink = np.asarray(Image.fromarray(truth).filter(ImageFilter.MinFilter(7))) < 128
    return float((255 - result[~ink].astype(np.float32)).mean() / 255)


@pytest.mark.parametrize("mode", ["gray", "color"])
def test_grey_and_colour_leave_out_writing_showing_through(shipped, monkeypatch, mode) -> None:
    """H-DIBCO 2016 H06 (held out): grey and colour drew the other page's writing as dark
    as ink; now it is paper, and the ink is as dark as before. Colour: the page in brown."""
    page, truth = show_through_page()
    colour = np.dstack([page, np.minimum(page, 235), np.minimum(page, 215)])
    if mode == "color":
        page = None

    def measured() -> tuple[float, float]:
        result = clean_output(page, shipped, mode, colour=colour)
        grey = result if result.ndim == 2 else result.min(axis=2)
        return darkness_off_ink(grey, truth), kept_ink(grey, truth)

    stray, kept = measured()
    monkeypatch.setattr(show_through, "SHARE", 0.0)
    stray_before, kept_before = measured()
    assert stray <= 0.5 * stray_before  # 0.036 -> 0.012 (grey), 0.034 -> 0.011 (colour)
    assert kept >= kept_before - 0.5


@pytest.mark.parametrize("start", [100, 124, 126, 250])  # bands of 128 rows of cells
@pytest.mark.parametrize("extra", [0, 1])
def test_settling_in_bands_answers_as_the_whole_grid_does(start, extra) -> None:
    """`_settled` spreads from dark ink in bands of cells with a margin: a line of ink cells
    down from a dark cell, across a band's edge or not, settles where it is no longer than
    the spread, as over the whole grid; and where it settles, labelling keeps all of it."""
    cells = np.zeros((400, 40), np.uint8)
    cells[start, 20] = show_through.DARK
    length = show_through.GROW_STEPS + extra
    cells[start + 1 : start + 1 + length, 20] = show_through.INK
    cells[:, 35] = show_through.DARK  # a long dark stroke, settled
    assert show_through._settled(cells) == (extra == 0)
    if extra == 0:
        inked = cells >= show_through.INK
        pieces = np.where(
            show_through.square_maximum(inked, 3), show_through.CANDIDATE, show_through.PAPER
        ).astype(np.uint8)
        pieces[cells == show_through.DARK] = show_through.CORE
        assert (show_through.keep_joined_ink(pieces) == show_through.CORE)[inked].all()
