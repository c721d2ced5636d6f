"""Colour mode: the paper comes back white and every stroke keeps its own colour; pages
without colour stay grey, and colour is written only when asked for."""

import io
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw

from engine.cleaning import clean_output, clean_page, grey_view, iter_clean_output
from engine.cli import main
from engine.colour import (
    COLOURFUL_PIXELS,
    darkness_boosts,
    ink_factors,
    ink_grey,
    ink_shares,
    is_colourful,
    paper_divided,
    recolour,
    stroke_darkness,
)
from engine.denoiser import INPUT_KEY, PAPER_NORMALISED, Denoiser
from engine.events import run_to_end
from engine.io import luminance, read_pages
from engine.paper import window_maximum
from engine.resources import default_model_path
from engine.tints import without_tints
from tests.conftest import write_page
from tests.engine.test_ink_keeping import handwriting, smooth_field
from tests.onnx_builders import build_identity

INKS = {"blue": (35, 60, 175), "red": (195, 35, 35), "green": (25, 125, 55)}
YELLOWED = np.array([236, 222, 172], np.float32)


def stained_colour_page(seed: int = 20) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Blue, red and green handwriting on yellowed paper with a brown stain: (noisy, clean,
    each ink's stroke mask)."""
    rng = np.random.default_rng(seed)
    shape = (540, 840)
    clean = np.full((*shape, 3), 255, np.uint8)
    strokes = {}
    third = shape[0] // 3
    for band, (name, colour) in enumerate(INKS.items()):
        mask = np.zeros(shape, bool)
        mask[band * third : (band + 1) * third] = handwriting((third, shape[1]), rng, width=4)
        clean[mask] = colour
        strokes[name] = mask
    stain = smooth_field(shape, rng, cell=120) ** 3  # a few blotches
    paper = YELLOWED * (1 - 0.35 * stain[..., None] * np.array([0.3, 0.6, 1.0], np.float32))
    noisy = paper * clean / 255 + rng.normal(0, 2.5, (*shape, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8), clean, strokes


def grown(mask: np.ndarray, steps: int) -> np.ndarray:
    """`mask` grown by `steps` pixels each way."""
    return window_maximum(window_maximum(mask, 0, 2 * steps + 1), 1, 2 * steps + 1)


@pytest.mark.skipif(not default_model_path().is_file(), reason="the shipped model is not built")
def test_stains_go_white_and_each_stroke_keeps_its_colour() -> None:
    colour = pytest.importorskip("skimage.color")
    noisy, clean, strokes = stained_colour_page()
    grey = np.asarray(Image.fromarray(noisy).convert("L"))
    out = clean_output(grey, Denoiser(default_model_path()), "color", colour=noisy)

    assert out.shape == noisy.shape and out.dtype == np.uint8
    delta = colour.deltaE_ciede2000(colour.rgb2lab(out), colour.rgb2lab(clean))
    ink = np.logical_or.reduce(list(strokes.values()))
    paper = ~grown(ink, 3)
    assert delta[paper].mean() < 3, f"paper ΔE {delta[paper].mean():.2f} from white"
    for name, mask in strokes.items():
        core = ~grown(~mask, 1)
        assert delta[core].mean() < 6, f"{name} ink ΔE {delta[core].mean():.2f}"


def test_grey_pages_are_not_colourful_and_coloured_strokes_are() -> None:
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (200, 300), dtype=np.uint8)
    noisy_grey = np.stack([grey] * 3, axis=2).astype(np.int16) + rng.integers(-6, 7, (200, 300, 3))
    assert not is_colourful(np.clip(noisy_grey, 0, 255).astype(np.uint8))
    signed = np.stack([grey] * 3, axis=2)
    signed[100, 10 : 10 + COLOURFUL_PIXELS] = (200, 40, 40)  # a thin red line
    assert is_colourful(signed)


def test_tinted_paper_divides_to_white_and_cleared_pixels_become_white() -> None:
    page = np.empty((64, 96, 3), np.uint8)
    page[:] = (236, 222, 172)
    page[30:34, 10:80] = (118, 40, 20)  # brown ink: half the paper's red
    divided = paper_divided(page)
    assert divided[:20].min() >= 254
    np.testing.assert_allclose(divided[32, 40], (128, 46, 30), atol=2)

    cleaned = np.full((64, 96), 255, np.uint8)
    cleaned[30:34, 10:80] = 0
    out = recolour(cleaned, divided)
    assert (out[:20] == 255).all()
    np.testing.assert_array_equal(out[32, 40], divided[32, 40])  # all ink: its own colour


def write_colour_page(path: Path, dpi: float = 200) -> Path:
    page = np.full((120, 160, 3), (230, 215, 170), np.uint8)
    page[30:38, 15:145] = (30, 50, 170)
    page[70:78, 15:145] = (190, 30, 30)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(page).save(path, dpi=(dpi, dpi))
    return path


def test_colour_is_written_only_when_asked_for(tmp_path: Path, tiny_model_path: Path) -> None:
    source = write_colour_page(tmp_path / "in" / "notes.png")
    for mode in ("gray", "bw", "color"):
        out = tmp_path / mode
        argv = ["clean", str(source), "-o", str(out), "--mode", mode]
        assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
        with Image.open(out / "notes.png") as written:
            assert written.mode == {"gray": "L", "bw": "1", "color": "RGB"}[mode]
            assert written.info["dpi"] == pytest.approx((200, 200), abs=0.01)


def test_a_grey_page_in_colour_mode_is_written_as_in_grey_mode(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    grey = write_page(tmp_path / "grey.png")
    with Image.open(grey) as image:
        image.convert("RGB").save(tmp_path / "rgb.png", dpi=(200, 200))
    results = {}
    for mode in ("gray", "color"):
        out = tmp_path / mode
        for source in (grey, tmp_path / "rgb.png"):
            argv = ["clean", str(source), "-o", str(out), "--mode", mode]
            assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
        results[mode] = [np.asarray(Image.open(out / name)) for name in ("grey.png", "rgb.png")]
        assert all(Image.open(out / name).mode == "L" for name in ("grey.png", "rgb.png"))
    for in_grey, in_colour in zip(results["gray"], results["color"], strict=True):
        np.testing.assert_array_equal(in_grey, in_colour)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".webp"])
def test_lossless_formats_keep_the_colour_page_exactly(
    tmp_path: Path, tiny_model_path: Path, suffix: str
) -> None:
    source = write_colour_page(tmp_path / "in" / "notes.png")
    with Image.open(source) as image:
        image.save(tmp_path / "in" / f"copy{suffix}", dpi=(200, 200), lossless=True)
    out = tmp_path / "out"
    argv = ["clean", str(tmp_path / "in"), "-o", str(out), "--mode", "color"]
    assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
    with Image.open(out / "notes.png") as png, Image.open(out / f"copy{suffix}") as other:
        assert other.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(other), np.asarray(png))


def test_jpeg_colour_pages_are_written_in_colour(tmp_path: Path, tiny_model_path: Path) -> None:
    source = write_colour_page(tmp_path / "notes.png")
    with Image.open(source) as image:
        image.save(tmp_path / "in.jpg", quality=95, dpi=(150, 150))
    out = tmp_path / "out"
    argv = ["clean", str(tmp_path / "in.jpg"), "-o", str(out), "--mode", "color"]
    assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
    with Image.open(out / "in.jpg") as written:
        assert written.mode == "RGB" and written.info["dpi"] == pytest.approx((150, 150), abs=0.5)
        red = np.asarray(written)[72:76, 40:120].mean(axis=(0, 1))
        assert red[0] > 1.5 * red[1] and red[0] > 1.5 * red[2]


def page_image(path: Path) -> tuple[str, str, tuple[float, float]]:
    """(colour space, filter, page size in points) of a one-scan PDF page."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        (image,) = page.get_images().values()
        box = [float(value) for value in page.MediaBox]
        return str(image.ColorSpace), str(image.Filter), (box[2] - box[0], box[3] - box[1])


def test_colour_pages_go_into_pdfs_in_colour_at_their_size(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    source = write_colour_page(tmp_path / "in" / "notes.png", dpi=100)
    out = tmp_path / "out"
    argv = ["clean", str(source), "-o", str(out), "--mode", "color", "--format", "pdf"]
    assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
    space, filters, size = page_image(out / "notes.pdf")
    assert (space, filters) == ("/DeviceRGB", "/FlateDecode")
    assert size == pytest.approx((160 * 72 / 100, 120 * 72 / 100), abs=0.01)
    (page,) = read_pages(out / "notes.pdf", colour=True)
    assert page.colour is not None


def colour_scan_pdf(path: Path) -> Path:
    """A PDF whose page is a colour JPEG scan, as phone scanning apps write them."""
    buffer = io.BytesIO()
    page = np.full((400, 300, 3), (232, 218, 168), np.uint8)
    draw_lines = Image.fromarray(page)
    draw = ImageDraw.Draw(draw_lines)
    for top, colour in ((80, (30, 50, 170)), (160, (190, 30, 30)), (240, (20, 120, 50))):
        draw.rectangle((30, top, 270, top + 10), fill=colour)
    draw_lines.save(buffer, format="JPEG", quality=92, dpi=(100, 100))
    path.write_bytes(img2pdf.convert([buffer.getvalue()]))
    return path


@pytest.mark.parametrize(("mode", "space"), [("color", "/DeviceRGB"), ("gray", "/DeviceGray")])
def test_a_colour_scan_in_a_pdf_is_edited_in_the_chosen_mode(
    tmp_path: Path, tiny_model_path: Path, mode: str, space: str
) -> None:
    source = colour_scan_pdf(tmp_path / "scan.pdf")
    out = tmp_path / "out"
    argv = ["clean", str(source), "-o", str(out), "--mode", mode]
    assert main([*argv, "--model", str(tiny_model_path), "-q"]) == 0
    written_space, _, size = page_image(out / "scan.pdf")
    assert written_space == space
    assert size == pytest.approx(page_image(source)[2])
    (page,) = read_pages(out / "scan.pdf", colour=True)
    if mode == "color":
        red = page.colour[163:167, 60:240].mean(axis=(0, 1))
        assert red[0] > 1.5 * red[1] and red[0] > 1.5 * red[2]
    else:
        assert page.colour is None


@pytest.mark.parametrize("rows", [slice(0, 3), slice(5, 40), slice(250, 300), slice(0, 300)])
def test_a_bands_stroke_darkness_is_the_whole_pages(rows) -> None:
    divided = np.random.default_rng(7).integers(0, 256, (300, 41, 3)).astype(np.uint8)
    whole = stroke_darkness(divided)
    np.testing.assert_array_equal(stroke_darkness(divided, rows), whole[rows])


def test_recolouring_in_fixed_point_is_the_float_formula_to_one_level() -> None:
    rng = np.random.default_rng(11)
    divided = rng.integers(0, 256, (300, 57, 3)).astype(np.uint8)
    cleaned = rng.integers(0, 256, (300, 57)).astype(np.uint8)
    ink = ink_shares()[cleaned] * darkness_boosts()[stroke_darkness(divided)]
    expected = 255 - np.minimum((255 - divided.astype(np.float64)) * ink[..., None], 255)
    difference = recolour(cleaned, divided).astype(np.float64) - expected
    assert np.abs(difference).max() <= 1
    assert np.abs(difference).mean() < 0.3


def test_every_darkness_times_its_ink_factor_fits_in_16_bits() -> None:
    factors = ink_factors().astype(np.int64)  # rows: cleaned level; columns: stroke darkness
    stroke = np.arange(256)
    # a channel is never darker than its stroke; the rounding adds 128 before the shift
    assert (factors * stroke[None, :]).max() + 128 <= np.iinfo(np.uint16).max
    assert factors[255].max() == 0  # white stays white


@pytest.mark.parametrize("divides", [True, False])
def test_grey_modes_show_the_network_the_view_the_calibration_measures(
    tmp_path: Path, divides: bool
) -> None:
    # An identity network writes back what it was shown: in grey mode, exactly grey_view's
    # pixels (their tints taken as paper, as `clean_page` takes them), the view
    # training.calibration cleans its colour safety pages through.
    metadata = {INPUT_KEY: PAPER_NORMALISED} if divides else {}
    denoiser = Denoiser(build_identity(tmp_path / "identity.onnx", metadata))
    noisy = stained_colour_page()[0]
    seen, divided = grey_view(noisy, denoiser)
    assert divided == divides
    expected = ink_grey(paper_divided(noisy), highlights=False) if divides else luminance(noisy)
    assert np.array_equal(seen, expected)
    shown = without_tints(seen) if divides else seen
    written = clean_output(luminance(noisy), denoiser, "gray", colour=noisy).astype(int)
    # Each pixel as shown, or (clean regions) as the page has it; a float round trip moves
    # it one level at most.
    assert np.minimum(np.abs(written - shown), np.abs(written - seen)).max() <= 1
    calibrated = clean_page(seen, denoiser, paper_divided=divided)  # as the calibration
    assert np.abs(calibrated * 255 - shown).max() <= 1


def test_recolouring_in_place_writes_the_same_colours_over_the_divided_page() -> None:
    rng = np.random.default_rng(5)
    divided = rng.integers(0, 256, (600, 37, 3)).astype(np.uint8)  # three bands of rows
    cleaned = rng.integers(0, 256, (600, 37)).astype(np.uint8)
    expected = recolour(cleaned, divided)
    written = recolour(cleaned, divided, in_place=True)
    assert written is divided
    np.testing.assert_array_equal(written, expected)


def test_the_grey_modes_make_a_colour_pages_grey_where_none_is_given(tmp_path: Path) -> None:
    noisy = stained_colour_page()[0]
    for metadata in ({INPUT_KEY: PAPER_NORMALISED}, {}):
        denoiser = Denoiser(build_identity(tmp_path / "identity.onnx", metadata))
        for mode in ("gray", "bw"):
            given = clean_output(luminance(noisy), denoiser, mode, colour=noisy)
            np.testing.assert_array_equal(clean_output(None, denoiser, mode, colour=noisy), given)
    with pytest.raises(ValueError, match="grey levels or colours"):
        clean_output(None, denoiser, "gray")


def test_colour_mode_in_place_writes_the_same_page_over_its_colours(tmp_path: Path) -> None:
    denoiser = Denoiser(build_identity(tmp_path / "identity.onnx", {INPUT_KEY: PAPER_NORMALISED}))
    noisy = stained_colour_page()[0]
    expected = clean_output(None, denoiser, "color", colour=noisy.copy())
    colours = noisy.copy()
    written = run_to_end(iter_clean_output(None, denoiser, "color", colour=colours, in_place=True))
    assert written is colours
    np.testing.assert_array_equal(written, expected)
    colours = noisy.copy()  # the cluster's clean stage asks clean_output alike
    written = clean_output(None, denoiser, "color", colour=colours, in_place=True)
    assert written is colours
    np.testing.assert_array_equal(written, expected)
