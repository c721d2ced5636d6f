"""A bounded fuzz run of the image readers (`make fuzz` runs a long one) and what it found."""

import io
import struct
from pathlib import Path

import img2pdf
import numpy as np
import pytest
from PIL import Image

from engine.errors import UnreadableImageError
from engine.io import probe_image, read_pages
from tests.engine.fuzzing import check_file, fuzz, mutate, seed_files


def test_bounded_fuzz_run_finds_nothing():
    findings, slowest = fuzz(cases=600, seed=0)
    assert [(finding.name, finding.problem) for finding in findings] == []
    assert slowest < 5


def test_every_seed_file_reads_cleanly(tmp_path: Path):
    for name, data in seed_files().items():
        path = tmp_path / name
        path.write_bytes(data)
        assert check_file(path) is None
        pages = list(read_pages(path, colour=True))
        assert len(pages) == (2 if name in ("pages.tif", "colour.tif") else 1)
        assert all((page.colour is not None) == name.startswith("colour") for page in pages)


def test_mutations_change_files_deterministically():
    data = seed_files()["gray.png"]
    first = [mutate(data, np.random.default_rng(seed)) for seed in range(20)]
    again = [mutate(data, np.random.default_rng(seed)) for seed in range(20)]
    assert first == again
    assert all(mutated != data for mutated in first)


def two_page_tiff_without_width_on_page_two(path: Path) -> Path:
    """Found by fuzzing: a TIFF whose second page lacks its ImageWidth tag made Pillow raise
    TypeError (not OSError) while counting pages, which escaped as an unexpected error."""
    page = Image.fromarray(np.full((40, 60), 200, np.uint8))
    page.save(path, save_all=True, append_images=[page])
    data = bytearray(path.read_bytes())
    assert data[:2] == b"II"
    (first,) = struct.unpack_from("<I", data, 4)
    (entries,) = struct.unpack_from("<H", data, first)
    (second,) = struct.unpack_from("<I", data, first + 2 + 12 * entries)
    (entries,) = struct.unpack_from("<H", data, second)
    for entry in range(entries):
        offset = second + 2 + 12 * entry
        if struct.unpack_from("<H", data, offset)[0] == 256:  # ImageWidth
            struct.pack_into("<H", data, offset, 0xFFF0)  # now an unknown private tag
    path.write_bytes(bytes(data))
    return path


def test_regression_tiff_page_without_width(tmp_path: Path):
    path = two_page_tiff_without_width_on_page_two(tmp_path / "broken.tif")
    with pytest.raises(UnreadableImageError, match="damaged page list"):
        probe_image(path)
    with pytest.raises(UnreadableImageError, match="damaged page list"):
        list(read_pages(path))
    assert check_file(path) is None


def test_regression_pdf_whose_page_cannot_load(tmp_path: Path):
    """Found by fuzzing: a PDF that counts one page whose page object is broken made PDFium
    raise while the file was probed, outside the error handling."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((40, 60), 200, np.uint8)).save(buffer, format="PNG")
    data = img2pdf.convert(buffer.getvalue())
    assert data.count(b"/Type /Page ") == 1
    path = tmp_path / "broken.pdf"
    path.write_bytes(data.replace(b"/Type /Page ", b"/Type /Pagx "))
    with pytest.raises(UnreadableImageError, match="page 1"):
        probe_image(path)
    with pytest.raises(UnreadableImageError, match="page 1"):
        list(read_pages(path))
