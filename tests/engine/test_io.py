"""Reading every supported kind of image, and writing outputs atomically with their DPI."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import engine.encoders.png
import engine.encoders.tiff
import engine.io.heif
import engine.io.reading
from engine.errors import (
    OutputError,
    PageTooLargeError,
    UnreadableImageError,
    UnsupportedFormatError,
)
from engine.io import (
    Page,
    is_written,
    probe_image,
    read_pages,
    result_page,
    to_uint8,
    write_pages,
)
from engine.parallel import physical_cores
from engine.pipeline import natural_key
from tests.engine.fuzzing import mutate

REPO = Path(__file__).resolve().parents[2]
GRADIENT = np.tile(np.arange(0, 250, 5, dtype=np.uint8), (30, 1))  # 30×50


def only_page(path: Path) -> np.ndarray:
    (page,) = read_pages(path)
    return page.pixels


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp", ".webp", ".jp2", ".j2k"])
def test_lossless_formats_round_trip_grey_levels(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"page{suffix}"
    Image.fromarray(GRADIENT).save(path, **({"lossless": True} if suffix == ".webp" else {}))
    np.testing.assert_array_equal(only_page(path), GRADIENT)


@pytest.mark.parametrize("mode", ["gray", "bw", "color"])
def test_jpeg_2000_is_written_losslessly_with_its_dpi(tmp_path: Path, mode: str) -> None:
    """JP2 keeps the page's DPI in its header (Pillow writes none; read back by Pillow); a
    bare codestream (.j2k) has no place for it."""
    rng = np.random.default_rng(1)
    shape = (41, 57, 3) if mode == "color" else (41, 57)
    page = rng.integers(0, 256, shape, np.uint8)
    page = to_uint8(page / np.float32(255), "bw") if mode == "bw" else page
    for suffix, dpi in ((".jp2", (300.0, 299.5)), (".jp2", (1200.0, 72.0)), (".j2k", (300, 300))):
        path = tmp_path / f"out{suffix}"
        write_pages(path, [page], dpi=dpi, mode=mode)
        (read,) = read_pages(path, colour=True)
        np.testing.assert_array_equal(read.colour if mode == "color" else read.pixels, page)
        kept = suffix == ".jp2"
        assert read.dpi == (pytest.approx(dpi) if kept else None)
        assert probe_image(path).dpi == (pytest.approx(dpi) if kept else None)


def test_openjpeg_runs_on_every_core_unless_the_environment_says_otherwise() -> None:
    show = "import engine.io, os; print(os.environ['OPJ_NUM_THREADS'])"
    bare = {name: value for name, value in os.environ.items() if name != "OPJ_NUM_THREADS"}
    for env, expected in ((bare, str(physical_cores())), ({**bare, "OPJ_NUM_THREADS": "1"}, "1")):
        shown = subprocess.run(
            [sys.executable, "-c", show], env=env, capture_output=True, text=True, cwd=REPO
        )
        assert shown.stdout.strip() == expected, shown.stderr


def test_jpeg_reads_close_to_the_original(tmp_path: Path) -> None:
    path = tmp_path / "page.jpg"
    Image.fromarray(GRADIENT).save(path, quality=98)
    assert np.abs(only_page(path).astype(int) - GRADIENT).max() <= 4


def test_colour_palette_and_alpha_become_grey(tmp_path: Path) -> None:
    rgb = np.zeros((10, 10, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    assert only_page(tmp_path / "rgb.png")[0, 0] == 76  # ITU-R 601 luma of red

    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    assert only_page(tmp_path / "palette.png")[0, 0] == 76

    rgba = np.zeros((10, 10, 4), np.uint8)  # fully transparent black: paper
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "alpha.png")
    assert only_page(tmp_path / "alpha.png")[0, 0] == 255

    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg")
    assert abs(int(only_page(tmp_path / "cmyk.jpg")[0, 0]) - 76) <= 6


def test_sixteen_bit_keeps_its_depth(tmp_path: Path) -> None:
    deep = (np.arange(600, dtype=np.uint16) * 100).reshape(20, 30)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    pixels = only_page(tmp_path / "deep.png")
    assert pixels.dtype == np.uint16
    np.testing.assert_array_equal(pixels, deep)


def test_multipage_tiff_keeps_page_order_and_dpi(tmp_path: Path) -> None:
    path = tmp_path / "doc.tif"
    frames = [Image.fromarray(np.full((20, 30), value, np.uint8)) for value in (10, 120, 240)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    pages = list(read_pages(path))
    assert [page.pixels[0, 0] for page in pages] == [10, 120, 240]
    assert [(page.index, page.count) for page in pages] == [(0, 3), (1, 3), (2, 3)]
    assert pages[0].dpi == pytest.approx((300, 300))
    assert probe_image(path).page_count == 3


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    Image.fromarray(np.zeros((20, 40), np.uint8)).save(path, exif=exif, quality=95)
    assert only_page(path).shape == (40, 20)
    assert (probe_image(path).width, probe_image(path).height) == (20, 40)


def test_dpi_is_read(tmp_path: Path) -> None:
    Image.fromarray(GRADIENT).save(tmp_path / "a.png", dpi=(150, 150))
    assert probe_image(tmp_path / "a.png").dpi == pytest.approx((150, 150), abs=0.1)
    Image.fromarray(GRADIENT).save(tmp_path / "b.png")
    assert probe_image(tmp_path / "b.png").dpi is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "not a recognisable image"), (b"hello, not a picture", "not a recognisable image")],
)
def test_non_images_raise_a_typed_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(UnreadableImageError, match=reason) as error:
        only_page(path)
    assert error.value.path == path


def test_truncated_png_raises_a_typed_error(tmp_path: Path) -> None:
    whole = tmp_path / "whole.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), np.uint8)).save(whole)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(UnreadableImageError, match="cannot decode"):
        only_page(truncated)


def test_missing_folder_and_unsupported_inputs(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImageError, match="not found"):
        only_page(tmp_path / "missing.png")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(UnreadableImageError, match="is a folder"):
        only_page(tmp_path / "folder.png")
    (tmp_path / "notes.txt").write_text("text")
    with pytest.raises(UnsupportedFormatError):
        only_page(tmp_path / "notes.txt")


def test_huge_declared_size_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 10000)).save(path)  # 200 MP of bits: a few kB on disk
    assert path.stat().st_size < 1_000_000
    with pytest.raises(PageTooLargeError, match="above the 150 megapixel limit"):
        probe_image(path)


def test_write_keeps_format_dpi_and_pages(tmp_path: Path) -> None:
    pages = [np.full((20, 30), value, np.uint8) for value in (0, 255)]
    write_pages(tmp_path / "out.tif", pages, dpi=(300, 300))
    read = list(read_pages(tmp_path / "out.tif"))
    assert [page.pixels[0, 0] for page in read] == [0, 255]
    assert read[0].dpi == pytest.approx((300, 300))
    for suffix in (".png", ".jpg", ".bmp", ".webp"):
        write_pages(tmp_path / f"out{suffix}", pages[:1], dpi=(200, 200))
        with Image.open(tmp_path / f"out{suffix}") as image:
            expected = {".png": "PNG", ".jpg": "JPEG", ".bmp": "BMP", ".webp": "WEBP"}[suffix]
            assert image.format == expected
    assert probe_image(tmp_path / "out.jpg").dpi == pytest.approx((200, 200))


def test_black_and_white_mode_writes_one_bit(tmp_path: Path) -> None:
    cleaned = np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30)
    bw = to_uint8(cleaned, "bw")
    assert set(np.unique(bw)) == {0, 255}
    write_pages(tmp_path / "bw.png", [bw], dpi=None, mode="bw")
    with Image.open(tmp_path / "bw.png") as image:
        assert image.mode == "1"
    np.testing.assert_array_equal(only_page(tmp_path / "bw.png"), bw)


@pytest.mark.parametrize(
    ("suffix", "encoder", "name"),
    [
        (".png", engine.encoders.png, "write_png"),
        (".tif", engine.encoders.tiff, "write_tiff"),
        (".jpg", Image.Image, "save"),
    ],
)
def test_failed_write_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, encoder: object, name: str
) -> None:
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(encoder, name, disk_full)
    with pytest.raises(OutputError, match="No space left"):
        write_pages(tmp_path / f"out{suffix}", [np.zeros((5, 5), np.uint8)], dpi=None)
    assert list(tmp_path.iterdir()) == []


def test_several_pages_in_a_one_page_format_become_one_file_each(tmp_path: Path) -> None:
    pages = [np.full((5, 5 + n), 20 * n, np.uint8) for n in range(11)]

    write_pages(tmp_path / "out.png", pages, dpi=(150, 150))

    names = [f"out-p{n}.png" for n in range(1, 12)]
    assert sorted((path.name for path in tmp_path.iterdir()), key=natural_key) == names
    for name, page in zip(names, pages, strict=True):
        (back,) = read_pages(tmp_path / name)
        np.testing.assert_array_equal(back.pixels, page)
        assert back.dpi is not None and round(back.dpi[0]) == 150
    assert is_written(tmp_path / "out.png") and not is_written(tmp_path / "other.png")
    assert result_page(tmp_path / "out.png", 10, 11) == (tmp_path / "out-p11.png", 0)
    assert result_page(tmp_path / "out.tif", 10, 11) == (tmp_path / "out.tif", 10)


def test_a_page_that_cannot_be_written_leaves_none_of_the_document(
    tmp_path: Path, monkeypatch
) -> None:
    saved = []
    write_png = engine.encoders.png.write_png

    def full_on_the_third(file, *args, **kwargs):
        if len(saved) == 2:
            raise OSError(28, "No space left on device")
        saved.append(file)
        return write_png(file, *args, **kwargs)

    monkeypatch.setattr(engine.encoders.png, "write_png", full_on_the_third)
    with pytest.raises(OutputError, match="No space left"):
        write_pages(tmp_path / "out.png", [np.zeros((5, 5), np.uint8)] * 3, dpi=None)
    assert len(saved) == 2 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "CMYK", "L", "I;16"])
def test_pages_read_in_bands_are_pillows_whole_conversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(engine.io.reading, "READ_ROWS", 7)  # 50 rows: 8 bands, the last short
    rng = np.random.default_rng(3)
    image = Image.fromarray(rng.integers(0, 256, (50, 31, 4), dtype=np.uint8), mode="RGBA")
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65536, (50, 31), dtype=np.uint16))
    elif mode != "RGBA":
        image = image.convert(mode)
    path = tmp_path / ("page.tif" if mode == "CMYK" else "page.png")
    image.save(path)
    with Image.open(path) as decoded:
        flat = engine.io.reading._on_white(decoded)
        grey = np.asarray(flat if flat.mode.startswith("I") else flat.convert("L"))
        rgb = None if flat.mode in ("L", "I;16") else np.asarray(flat.convert("RGB"))
    (page,) = read_pages(path, colour=True)
    if rgb is None:
        assert page.colour is None
    else:
        np.testing.assert_array_equal(page.colour, rgb)
        assert page.grey is None  # a colour page's grey levels are made only when asked for
    np.testing.assert_array_equal(page.pixels, grey)
    assert page.shape == grey.shape


def test_a_colour_file_of_grey_pixels_is_read_as_grey(tmp_path: Path) -> None:
    Image.fromarray(GRADIENT).convert("RGB").save(tmp_path / "grey.png")
    (page,) = read_pages(tmp_path / "grey.png", colour=True)
    assert page.colour is None
    np.testing.assert_array_equal(page.grey, GRADIENT)


def test_a_page_has_grey_levels_or_colours() -> None:
    with pytest.raises(ValueError, match="grey levels or colours"):
        Page(None, None, 0, 1)


PHOTO = REPO / "resources" / "samples" / "photographed-page.heic"  # stored sideways, yellowed
SCAN_OF_PHOTO = REPO / "resources" / "samples" / "wrinkled-page.png"  # what it shows


def test_a_phones_heif_photo_is_read_upright_in_colour() -> None:
    info = probe_image(PHOTO)
    assert (info.width, info.height, info.page_count, info.format) == (540, 258, 1, "HEIF")
    assert info.dpi is None
    (page,) = read_pages(PHOTO, colour=True)
    scan = np.asarray(Image.open(SCAN_OF_PHOTO).convert("L"), dtype=np.float32)
    assert page.shape == scan.shape  # turned as its header says, and only once
    assert page.colour is not None  # yellowed paper: its colours are kept
    blue_to_red = page.colour[..., 2].astype(np.float32) / np.maximum(page.colour[..., 0], 1)
    assert np.median(blue_to_red[scan > 200]) < 0.95
    grey = only_page(PHOTO).astype(np.float32)
    assert np.abs(grey - scan * 0.96).mean() < 4  # the page, through HEVC and the tint


def test_a_damaged_heif_photo_raises_a_typed_error(tmp_path: Path) -> None:
    truncated = tmp_path / "photo.heic"
    truncated.write_bytes(PHOTO.read_bytes()[: PHOTO.stat().st_size // 3])
    with pytest.raises(UnreadableImageError) as error:
        only_page(truncated)
    assert error.value.path == truncated
    fake = tmp_path / "fake.heif"
    fake.write_bytes(b"\x00\x00\x00\x18ftypheic not really")
    with pytest.raises(UnreadableImageError):
        only_page(fake)


def test_heif_is_read_not_written(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"HEIF is read, not written \(results are \.png\)"):
        write_pages(tmp_path / "out.heic", [GRADIENT], None)
    assert not list(tmp_path.iterdir())


def test_a_photo_that_crashes_the_heif_decoder_fails_alone(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImageError, match="the HEIF decoder crashed on it") as error:
        engine.io.heif._in_own_process(tmp_path / "crash.heic", os.abort)
    assert error.value.path == tmp_path / "crash.heic"
    (page,) = read_pages(PHOTO)  # the next photo: a new decoder
    assert page.shape == (258, 540)


def test_damaged_heif_photos_that_crashed_libheif_fail_one_by_one(tmp_path: Path) -> None:
    """Mutations of the sample photo on which libheif (pi-heif 1.4) crashed the process
    reading their header; here each is one file's error, and the reading goes on."""
    for case in (121, 590, 929):
        path = tmp_path / f"damaged{case}.heic"
        path.write_bytes(mutate(PHOTO.read_bytes(), np.random.default_rng([0, case])))
        with pytest.raises(UnreadableImageError):
            only_page(path)
    assert only_page(PHOTO).shape == (258, 540)
