"""Whatever a user throws at the pipeline: a clear per-file error, the rest still cleaned."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.denoiser import Denoiser
from engine.errors import PageTooLargeError, UnreadableImageError
from engine.events import FileDone, FileFailed
from engine.io import probe_image, read_pages
from engine.pipeline import Job, clean_jobs, plan_jobs


@pytest.fixture(scope="module")
def denoiser(tiny_model_path: Path) -> Denoiser:
    return Denoiser(tiny_model_path)


def png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that declares a size but carries almost no data (a decompression bomb's head)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_huge_declared_size_is_refused_before_allocating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    png_header_only(path, 60000, 60000)
    with pytest.raises(PageTooLargeError, match="60000×60000"):
        probe_image(path)
    with pytest.raises(PageTooLargeError):
        next(read_pages(path))


def test_a_corrupt_page_in_a_multipage_tiff_fails_the_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.tif"
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 255, (64, 64), np.uint8)) for _ in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_adobe_deflate")
    with Image.open(path) as image:
        image.seek(1)
        offset = image.tag_v2[273][0]  # where page 2's compressed pixels start
    data = bytearray(path.read_bytes())
    data[offset : offset + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableImageError, match="page 2 of 3"):
        list(read_pages(path))


def test_odd_paths_and_tiny_pages_clean(tmp_path: Path, denoiser: Denoiser) -> None:
    folder = tmp_path / "Scans — été 2026" / "with space"
    folder.mkdir(parents=True)
    Image.new("L", (1, 1), 200).save(folder / "1×1 pixel.png")
    Image.new("L", (40, 30), 120).save(folder / "naïve page.png")
    jobs, rejected = plan_jobs([tmp_path / "Scans — été 2026"], tmp_path / "out")
    events = list(clean_jobs(jobs, denoiser))
    assert not rejected
    assert sum(isinstance(e, FileDone) for e in events) == 2
    assert next(read_pages(tmp_path / "out" / "with space" / "1×1 pixel.png")).pixels.shape == (
        1,
        1,
    )


def test_a_file_that_vanishes_after_queueing(
    page_folder: Path, tmp_path: Path, denoiser: Denoiser
) -> None:
    jobs, _ = plan_jobs([page_folder], tmp_path / "out")
    (page_folder / "b.png").unlink()
    events = list(clean_jobs(jobs, denoiser))
    failures = [e for e in events if isinstance(e, FileFailed)]
    assert [(f.path.name, f.reason) for f in failures] == [("b.png", "file not found")]
    assert events[-1].cleaned == 2


def test_an_output_folder_that_cannot_exist(tmp_path: Path, denoiser: Denoiser) -> None:
    source = tmp_path / "page.png"
    Image.new("L", (20, 20), 100).save(source)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    events = list(clean_jobs([Job(source, blocker / "page.png")], denoiser))
    failures = [e for e in events if isinstance(e, FileFailed)]
    assert len(failures) == 1 and failures[0].error == "OutputError"
    assert blocker.read_text().startswith("a file")
