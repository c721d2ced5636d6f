"""Is an output the same file as a reference run's? Its bytes, or, where ISA-L chose another
(equally valid) encoding of the same rows, every page's pixels and DPI, read to the end.

Seen in separate processes only (a `docclean` subprocess, Ray's workers), about once in ten
runs of the whole suite, a byte or two of one band: in 2026-12-07's, cluster output
1-12.png differed from the local CLI's at one byte, with every pixel the same. Not
reproduced in one process: the same bands compressed on 8 threads, from other addresses
and alignments, and as a fresh process's first calls, always gave the same bytes."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence


def _pages(image: Image.Image) -> list[tuple[object, np.ndarray]]:
    return [(page.info.get("dpi"), np.asarray(page)) for page in ImageSequence.Iterator(image)]


def same_result(path: Path, reference: Path) -> bool:
    if path.read_bytes() == reference.read_bytes():
        return True
    with Image.open(path) as image, Image.open(reference) as expected:
        pages, expected_pages = _pages(image), _pages(expected)
    return len(pages) == len(expected_pages) and all(
        dpi == expected_dpi and np.array_equal(pixels, expected_pixels)
        for (dpi, pixels), (expected_dpi, expected_pixels) in zip(
            pages, expected_pages, strict=True
        )
    )


def difference(path: Path, reference: Path) -> str:
    """How an output differs from the reference: in bytes, and in pixels where it decodes."""
    sizes = f"{path.name}: {path.stat().st_size} bytes against {reference.stat().st_size}"
    try:
        with Image.open(path) as image, Image.open(reference) as expected:
            pixels = np.count_nonzero(np.asarray(image) != np.asarray(expected))
    except (OSError, ValueError) as error:
        return f"{sizes}; unreadable ({error})"
    return f"{sizes}; {pixels} pixels of the first page differ"
