"""Whatever a user throws at the pipeline: a clear per-file error, the rest still cleaned."""

import struct
import subprocess
import sys
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
from tests.engine.test_cli import REPO


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


def tiff_with_a_bomb_on_page_two(path: Path, width: int = 60000, height: int = 60000) -> None:
    """Page 1 a real 8×8 page; page 2 declares width × height deflated zeros. Every row's
    strip points to the same tiny compressed row, so the file stays small (about 1 MB)
    while decoding page 2 would fill width × height bytes."""
    row = zlib.compress(b"\0" * width, 9)
    first = bytes(range(0, 256, 4))  # 8 × 8 grey levels
    entry = struct.Struct("<HHII")

    def ifd(offset: int, size: tuple[int, int], strips: list[tuple[int, int]], rows: int):
        """An IFD at `offset` (its arrays after it) and the offset of its next-IFD field."""
        tags = 9
        arrays = offset + 2 + tags * entry.size + 4
        count = len(strips)
        offsets_at, counts_at = arrays, arrays + 4 * count
        fields = [
            (256, 4, 1, size[0]),
            (257, 4, 1, size[1]),
            (258, 3, 1, 8),
            (259, 3, 1, 8 if size[0] > 8 else 1),  # deflate / none
            (262, 3, 1, 1),  # black is zero
            (273, 4, count, offsets_at if count > 1 else strips[0][0]),
            (277, 3, 1, 1),
            (278, 4, 1, rows),
            (279, 4, count, counts_at if count > 1 else strips[0][1]),
        ]
        body = struct.pack("<H", tags) + b"".join(entry.pack(*field) for field in fields)
        array_bytes = b""
        if count > 1:
            array_bytes = struct.pack(f"<{count}I", *(o for o, _ in strips))
            array_bytes += struct.pack(f"<{count}I", *(c for _, c in strips))
        return body, offset + len(body), array_bytes

    data_at = 8
    row_at = data_at + len(first)
    first_ifd_at = row_at + len(row)
    first_ifd_at += first_ifd_at % 2
    body1, next1, arrays1 = ifd(first_ifd_at, (8, 8), [(data_at, len(first))], 8)
    second_ifd_at = next1 + 4 + len(arrays1)
    second_ifd_at += second_ifd_at % 2
    body2, _, arrays2 = ifd(second_ifd_at, (width, height), [(row_at, len(row))] * height, 1)
    out = bytearray(b"II*\0" + struct.pack("<I", first_ifd_at) + first + row)
    out += b"\0" * (first_ifd_at - len(out))
    out += body1 + struct.pack("<I", second_ifd_at) + arrays1
    out += b"\0" * (second_ifd_at - len(out))
    out += body2 + struct.pack("<I", 0) + arrays2
    path.write_bytes(bytes(out))


def test_a_bomb_on_a_later_page_is_refused_before_decoding(
    tmp_path: Path, tiny_model_path: Path
) -> None:
    """Every page's declared size is checked, not only the first's; the rest is cleaned."""
    folder = tmp_path / "in"
    folder.mkdir()
    tiff_with_a_bomb_on_page_two(folder / "bomb.tif")
    assert (folder / "bomb.tif").stat().st_size < 2_000_000
    Image.fromarray(np.full((60, 80), 200, np.uint8)).save(folder / "page.png")
    with Image.open(folder / "bomb.tif") as image:  # a real TIFF: page 1 reads as it is
        assert (image.n_frames, image.size) == (2, (8, 8))
        assert np.asarray(image).shape == (8, 8)
    code = (
        "import resource, sys\n"
        "limit = 3 << 30  # a regression fails fast here instead of filling the machine\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "from engine.cli import main\n"
        "try:\n"
        "    code = main(sys.argv[1:])\n"
        "except SystemExit as stop:\n"
        "    code = stop.code\n"
        "from pathlib import Path\n"  # VmHWM: this program's own peak (ru_maxrss counts pytest's)
        "status = Path('/proc/self/status').read_text()\n"
        "peak = int(status.split('VmHWM:')[1].split()[0]) // 1024\n"
        "print(f'peak {peak} MB', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    arguments = ["clean", str(folder), "-o", str(tmp_path / "out"), "--model", str(tiny_model_path)]

    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )

    assert result.returncode == 1, result.stderr
    assert "page 2 of 2: 3600 megapixels, above the 150 megapixel limit" in result.stderr
    peak = int(result.stderr.rsplit("peak ", 1)[1].split()[0])
    assert peak < 300, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["page.png"]


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


def test_a_bug_fails_its_file_with_a_pointer_to_the_traceback(
    tmp_path: Path, denoiser: Denoiser, monkeypatch
) -> None:
    """A bug (not a bad file) fails that file only; its traceback goes to the log, and the
    reason says where."""
    monkeypatch.setenv("DOCCLEAN_LOG_DIR", str(tmp_path / "logs"))
    pages = []
    for name in ("a.png", "b.png"):
        pages.append(tmp_path / name)
        Image.fromarray(np.full((40, 50), 200, np.uint8)).save(pages[-1])

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the stitching")

    monkeypatch.setattr("engine.pipeline._clean_file", broken)
    jobs, _ = plan_jobs(pages, tmp_path / "out")
    events = list(clean_jobs(jobs[:1], denoiser))

    (failure,) = [event for event in events if isinstance(event, FileFailed)]
    log = tmp_path / "logs" / "docclean.log"
    assert failure.reason == f"unexpected error: a bug in the stitching (details in {log})"
    text = log.read_text()
    assert "Traceback" in text and "a bug in the stitching" in text and "a.png" in text
