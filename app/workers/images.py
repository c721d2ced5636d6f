"""Image work for display: thumbnails and full-resolution previews as `QImage`s.

Runs on worker threads (`QImage` is safe off the GUI thread; `QPixmap` is not).
"""

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from engine.hysteresis import black_and_white, to_black_and_white
from engine.io import BW_THRESHOLD, ImageInfo, OutputMode, probe_image, read_pages
from engine.polarity import inverted, is_negative

THUMBNAIL_SIDE = 96  # pixels; shown at 48 logical px, so sharp on 2× screens too


@dataclass(frozen=True)
class ProbedImage:
    info: ImageInfo
    thumbnail: QImage


def to_qimage(pixels: np.ndarray) -> QImage:
    """A deep copy of 2-D uint8 or uint16 grey levels, or of H×W×3 uint8 RGB, as a `QImage`."""
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        image_format = QImage.Format.Format_RGB888
        pixels = pixels.astype(np.uint8, copy=False)
    elif pixels.ndim != 2:
        raise ValueError(f"expected a 2-D grey or an RGB image, got shape {pixels.shape}")
    elif pixels.dtype == np.uint16:
        image_format = QImage.Format.Format_Grayscale16
    else:
        pixels = pixels.astype(np.uint8, copy=False)
        image_format = QImage.Format.Format_Grayscale8
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, pixels.strides[0], image_format).copy()


def read_page(path: Path, index: int = 0, colour: bool = False) -> np.ndarray:
    """Page `index` (0-based) of a file; the pages before it are not decoded. With `colour`,
    a page that shows colour comes as RGB (H×W×3), others as grey levels."""
    with closing(read_pages(path, first=index, colour=colour)) as pages:
        page = next(pages)
    return page.colour if page.colour is not None else page.pixels


def shrink(pixels: np.ndarray, longest_side: int) -> np.ndarray:
    """Grey levels or RGB scaled down so the longest side is at most `longest_side`."""
    height, width = pixels.shape[:2]
    scale = longest_side / max(height, width)
    if scale >= 1:
        return pixels
    if pixels.ndim == 3:  # a channel at a time: Pillow would copy RGB into 4 bytes a pixel
        return np.dstack([shrink(pixels[..., channel], longest_side) for channel in range(3)])
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # BOX averages every source pixel under each thumbnail pixel (OpenCV's INTER_AREA).
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))


def probe_with_thumbnail(path: Path, longest_side: int = THUMBNAIL_SIDE) -> ProbedImage:
    """Size and page count, plus a small picture of the first page (in colour if it has any).

    Raises the engine's `FileError`s (unreadable, unsupported, too large) with a reason.
    """
    info = probe_image(path)
    pixels = shrink(read_page(path, colour=True), longest_side)
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    return ProbedImage(info=info, thumbnail=to_qimage(pixels))


def load_preview(
    path: Path,
    index: int = 0,
    mode: OutputMode | None = None,
    ink_threshold: float = BW_THRESHOLD,
    ink_core: float | None = None,
) -> QImage:
    """Page `index` at full resolution, for the before/after comparison, in colour if it has
    any; with `mode`, as that output mode would write it (colour only in "color" mode; a
    grey result previewed in black and white as the model's writes it: black below its
    `ink_threshold`, where it joins ink below its `ink_core` if it has one; a negative page,
    `engine.polarity`, as the negative of its positive's black and white)."""
    pixels = read_page(path, index, colour=mode in (None, "color"))
    if mode == "bw" and pixels.ndim == 2 and pixels.dtype == np.uint8:
        pixels = _black_and_white(pixels, ink_threshold, ink_core)
    return to_qimage(pixels)


def _black_and_white(
    levels: np.ndarray, ink_threshold: float, ink_core: float | None
) -> np.ndarray:
    """Grey `levels` (uint8) as the engine writes them in black and white (a copy)."""
    negative = is_negative(levels)
    positive = inverted(levels) if negative else levels.copy()
    if ink_core is None:
        to_black_and_white(positive, ink_threshold)  # in place
    else:
        positive = black_and_white(positive / np.float32(255), ink_threshold, ink_core)
    return inverted(positive, in_place=True) if negative else positive
