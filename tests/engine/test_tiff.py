"""TIFF output (engine.encoders.tiff): every page of a file reads back exactly, with its DPI
and page number, in Pillow (libtiff) and in OpenCV's decoder; black and white stays CCITT G4
from Pillow."""

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import engine.encoders.tiff
from engine.encoders.tiff import STRIP_ROWS, write_tiff
from engine.errors import OutputError
from engine.io import read_pages, write_pages


def page(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = np.full(shape, 255, np.uint8)
    pixels[rng.random(shape[:2]) < 0.1] = rng.integers(0, 255, (*shape[2:],), dtype=np.uint8)
    return pixels


PAGES = [
    page((1, 1)),
    page((STRIP_ROWS + 1, 301, 3), seed=1),
    page((2 * STRIP_ROWS, 65), seed=2),
    page((7, 13, 3), seed=3),
]


def test_every_page_reads_back_exactly_with_its_dpi_and_number() -> None:
    file = io.BytesIO()
    write_tiff(file, PAGES, dpi=(300.0, 150.5))
    with Image.open(io.BytesIO(file.getvalue())) as image:
        assert image.n_frames == len(PAGES)
        for number, pixels in enumerate(PAGES):
            image.seek(number)
            assert image.mode == ("RGB" if pixels.ndim == 3 else "L")
            assert image.info["compression"] == "tiff_adobe_deflate"
            assert image.info["dpi"] == pytest.approx((300.0, 150.5))
            assert image.tag_v2[297] == (number, len(PAGES))
            np.testing.assert_array_equal(np.asarray(image), pixels)
    cv2 = pytest.importorskip("cv2")  # absent where only the engine is installed
    read, decoded = cv2.imdecodemulti(
        np.frombuffer(file.getvalue(), np.uint8), cv2.IMREAD_UNCHANGED
    )
    assert read and len(decoded) == len(PAGES)
    for pixels, back in zip(PAGES, decoded, strict=True):
        expected = pixels[..., ::-1] if pixels.ndim == 3 else pixels  # OpenCV's BGR
        np.testing.assert_array_equal(back.reshape(expected.shape), expected)


def test_directories_start_on_a_word_boundary_and_the_last_ends_the_chain() -> None:
    file = io.BytesIO()
    write_tiff(file, PAGES, dpi=None)
    data = file.getvalue()
    assert data[:4] == b"II*\x00"
    (offset,) = struct.unpack_from("<I", data, 4)
    directories = []
    while offset:
        directories.append(offset)
        (entries,) = struct.unpack_from("<H", data, offset)
        (offset,) = struct.unpack_from("<I", data, offset + 2 + 12 * entries)
    assert len(directories) == len(PAGES)
    assert all(at % 2 == 0 for at in directories)
    with Image.open(io.BytesIO(data)) as image:  # no resolution stated
        assert not {282, 283, 296} & set(image.tag_v2)


def test_write_pages_writes_tiff_with_it_and_black_and_white_as_g4(tmp_path: Path) -> None:
    grey = page((40, 30))
    write_pages(tmp_path / "grey.tif", [grey, grey[::-1]], dpi=(200.0, 200.0))
    back = list(read_pages(tmp_path / "grey.tif"))
    assert [p.count for p in back] == [2, 2]
    np.testing.assert_array_equal(back[1].pixels, grey[::-1])
    bw = np.where(grey > 127, 255, 0).astype(np.uint8)
    write_pages(tmp_path / "bw.tif", [bw], dpi=(200.0, 200.0), mode="bw")
    with Image.open(tmp_path / "bw.tif") as image:
        assert (image.mode, image.info["compression"]) == ("1", "group4")


@pytest.mark.parametrize(
    "pixels", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 4), np.uint8), np.zeros((0, 4))]
)
def test_what_is_not_a_grey_or_rgb_page_is_refused(pixels: np.ndarray) -> None:
    with pytest.raises(ValueError):
        write_tiff(io.BytesIO(), [pixels], dpi=None)


def test_pages_too_large_for_one_tiff_fail_the_file_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.encoders.tiff, "MAX_OFFSET", 1000)  # as if 4 GB were reached
    with pytest.raises(OutputError, match="more than a TIFF file can"):
        write_pages(tmp_path / "many.tif", [page((40, 30), seed) for seed in range(8)], None)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
