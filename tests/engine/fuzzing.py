"""Fuzzing the image readers with mutated real scans.

Every mutated file must either read as valid pages or raise the engine's `FileError`;
any other exception, or a page that breaks the engine's promises, is a finding.
`make fuzz` runs many cases: `python -m tests.engine.fuzzing --cases 20000 --keep DIR`.
"""

import argparse
import io
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image

from engine.errors import FileError
from engine.io import MAX_PAGE_PIXELS, probe_image, read_pages

DDD_PAGE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ddd" / "train" / "101.png"
# A phone's HEIF photo (no HEIF encoder is installed to make one here).
HEIF_PHOTO = Path(__file__).resolve().parents[2] / "resources/samples/photographed-page.heic"
INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF)
INTERESTING_WORDS = (0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 60000)


def scan_crop() -> np.ndarray:
    """A 160×200 crop of a real noisy scan (synthetic paper if the data set is absent)."""
    if DDD_PAGE.is_file():
        with Image.open(DDD_PAGE) as image:
            return np.asarray(image.convert("L"))[100:260, 100:300].copy()
    rng = np.random.default_rng(0)
    return rng.integers(120, 256, (160, 200), dtype=np.uint8)


def _encode(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def seed_files() -> dict[str, bytes]:
    """The valid files mutations start from: every format and variant the engine reads."""
    gray = Image.fromarray(scan_crop())
    deep = Image.fromarray(scan_crop().astype(np.uint16) * 257)
    bw = gray.point(lambda value: 255 if value > 128 else 0).convert("1")
    levels = scan_crop()
    colour = Image.fromarray(np.dstack([levels, levels * 3 // 4, levels // 2]))  # tinted paper
    return {
        "colour.png": _encode(colour, format="PNG"),
        "colour.jpg": _encode(colour, format="JPEG", quality=90),
        "colour.tif": _encode(
            colour, format="TIFF", save_all=True, append_images=[colour], compression="tiff_lzw"
        ),
        "gray.png": _encode(gray, format="PNG", dpi=(300, 300)),
        "deep.png": _encode(deep, format="PNG"),
        "palette.png": _encode(gray.convert("P"), format="PNG"),
        "rgba.png": _encode(gray.convert("RGBA"), format="PNG"),
        "gray.jpg": _encode(gray, format="JPEG", quality=90, dpi=(200, 200)),
        "cmyk.jpg": _encode(gray.convert("CMYK"), format="JPEG"),
        "pages.tif": _encode(
            gray, format="TIFF", save_all=True, append_images=[gray], compression="tiff_lzw"
        ),
        "deflate.tif": _encode(gray, format="TIFF", compression="tiff_adobe_deflate"),
        "g4.tif": _encode(bw, format="TIFF", compression="group4"),
        "gray.bmp": _encode(gray, format="BMP"),
        "gray.webp": _encode(gray, format="WEBP", lossless=True),
        "gray.jp2": _encode(gray, format="JPEG2000", irreversible=False, no_jp2=False),
        "gray.j2k": _encode(gray, format="JPEG2000", irreversible=False, no_jp2=True),
        "scan.pdf": img2pdf.convert(_encode(gray, format="JPEG", dpi=(200, 200))),
        "bw.pdf": img2pdf.convert(_encode(bw, format="TIFF", compression="group4")),
        "colour.heic": HEIF_PHOTO.read_bytes(),
    }


def _flip_bits(data: bytearray, rng: np.random.Generator) -> None:
    for _ in range(rng.integers(1, 9)):
        position = rng.integers(len(data))
        data[position] ^= 1 << int(rng.integers(8))


def _interesting_bytes(data: bytearray, rng: np.random.Generator) -> None:
    for _ in range(rng.integers(1, 5)):
        data[rng.integers(len(data))] = INTERESTING[rng.integers(len(INTERESTING))]


def _interesting_word(data: bytearray, rng: np.random.Generator) -> None:
    """Overwrite a size-like field (early in the file, where headers live)."""
    width = int(rng.choice([2, 4]))
    position = int(rng.integers(max(1, min(len(data), 256) - width)))
    value = INTERESTING_WORDS[rng.integers(len(INTERESTING_WORDS))] % (1 << (8 * width))
    order = "big" if rng.integers(2) else "little"
    data[position : position + width] = value.to_bytes(width, order)


def _truncate(data: bytearray, rng: np.random.Generator) -> None:
    del data[rng.integers(len(data)) :]


def _insert(data: bytearray, rng: np.random.Generator) -> None:
    position = rng.integers(len(data) + 1)
    data[position:position] = rng.integers(0, 256, rng.integers(1, 64), dtype=np.uint8).tobytes()


def _delete(data: bytearray, rng: np.random.Generator) -> None:
    start = rng.integers(len(data))
    del data[start : start + rng.integers(1, 256)]


def _duplicate(data: bytearray, rng: np.random.Generator) -> None:
    start = rng.integers(len(data))
    chunk = data[start : start + rng.integers(1, 512)]
    position = rng.integers(len(data) + 1)
    data[position:position] = chunk


MUTATIONS: tuple[Callable[[bytearray, np.random.Generator], None], ...] = (
    _flip_bits,
    _interesting_bytes,
    _interesting_word,
    _truncate,
    _insert,
    _delete,
    _duplicate,
)


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One to three random mutations of `data`."""
    mutated = bytearray(data)
    for _ in range(rng.integers(1, 4)):
        if not mutated:
            break
        MUTATIONS[rng.integers(len(MUTATIONS))](mutated, rng)
    return bytes(mutated)


def check_file(path: Path) -> str | None:
    """None if the engine handles `path` as promised; otherwise what went wrong."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about every oddity it skips
            probe_image(path)
            pages = list(read_pages(path, colour=True))  # as the bundled model reads
    except FileError as error:
        return None if error.reason else "FileError without a reason"
    except Exception:
        return traceback.format_exc(limit=4)
    for page in pages:
        if page.colour is not None and page.colour.shape != (*page.shape, 3):
            return f"page {page.index}: bad colours {page.colour.shape}"
        pixels = page.pixels
        if pixels.ndim != 2 or pixels.dtype not in (np.uint8, np.uint16):
            return f"page {page.index}: bad pixels {pixels.dtype} {pixels.shape}"
        if not 0 < pixels.size <= MAX_PAGE_PIXELS:
            return f"page {page.index}: {pixels.size} pixels"
    return None


@dataclass(frozen=True)
class Finding:
    name: str
    data: bytes
    problem: str


def fuzz(cases: int, seed: int = 0, slow_seconds: float = 10.0) -> tuple[list[Finding], float]:
    """Run `cases` mutated files through the readers; return findings and the slowest case."""
    rng = np.random.default_rng(seed)
    seeds = seed_files()
    names = sorted(seeds)
    findings: list[Finding] = []
    slowest = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for case in range(cases):
            name = names[case % len(names)]
            data = mutate(seeds[name], rng)
            path = Path(folder) / f"case{case}{Path(name).suffix}"
            path.write_bytes(data)
            started = time.perf_counter()
            problem = check_file(path)
            seconds = time.perf_counter() - started
            slowest = max(slowest, seconds)
            if problem is None and seconds > slow_seconds:
                problem = f"took {seconds:.1f} s"
            if problem is not None:
                findings.append(Finding(f"{case:06}-{name}", data, problem))
            path.unlink()
    return findings, slowest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="save findings to this folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    findings, slowest = fuzz(args.cases, args.seed)
    minutes = (time.perf_counter() - started) / 60
    print(f"{args.cases} cases in {minutes:.1f} min, slowest {slowest:.2f} s")
    for finding in findings:
        print(f"FINDING {finding.name}: {finding.problem}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / finding.name).write_bytes(finding.data)
    print(f"{len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
