"""Image work for display: thumbnails and full-resolution previews as `QImage`s.

Runs on worker threads (`QImage` is safe off the GUI thread; `QPixmap` is not).
"""

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from engine.io import BW_THRESHOLD, ImageInfo, OutputMode, probe_image, read_pages, to_uint8

THUMBNAIL_SIDE = 96  # pixels; shown at 48 logical px, so sharp on 2× screens too


@dataclass(frozen=True)
class ProbedImage:
    info: ImageInfo
    thumbnail: QImage


def to_qimage(pixels: np.ndarray) -> QImage:
    """A deep copy of 2-D uint8 or uint16 grey levels as a `QImage`."""
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {pixels.shape}")
    if pixels.dtype == np.uint16:
        image_format = QImage.Format.Format_Grayscale16
    else:
        pixels = pixels.astype(np.uint8, copy=False)
        image_format = QImage.Format.Format_Grayscale8
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, pixels.strides[0], image_format).copy()


def read_page(path: Path, index: int = 0) -> np.ndarray:
    """Page `index` (0-based) of a file; the pages before it are not decoded."""
    with closing(read_pages(path, first=index)) as pages:
        return next(pages).pixels


def shrink(pixels: np.ndarray, longest_side: int) -> np.ndarray:
    height, width = pixels.shape
    scale = longest_side / max(height, width)
    if scale >= 1:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # BOX averages every source pixel under each thumbnail pixel (OpenCV's INTER_AREA).
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))


def probe_with_thumbnail(path: Path, longest_side: int = THUMBNAIL_SIDE) -> ProbedImage:
    """Size and page count, plus a small picture of the first page.

    Raises the engine's `FileError`s (unreadable, unsupported, too large) with a reason.
    """
    info = probe_image(path)
    pixels = shrink(read_page(path), longest_side)
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    return ProbedImage(info=info, thumbnail=to_qimage(pixels))


def load_preview(
    path: Path,
    index: int = 0,
    mode: OutputMode | None = None,
    ink_threshold: float = BW_THRESHOLD,
) -> QImage:
    """Page `index` at full resolution, for the before/after comparison; with `mode`, as
    that output mode would write it (a grey result previewed in black and white, black
    below the model's `ink_threshold`)."""
    pixels = read_page(path, index)
    if mode is not None and pixels.dtype == np.uint8:
        pixels = to_uint8(pixels.astype(np.float32) / 255.0, mode, ink_threshold)
    return to_qimage(pixels)
