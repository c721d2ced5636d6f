"""Image work for display: thumbnails and full-resolution previews as `QImage`s.

Runs on worker threads (`QImage` is safe off the GUI thread; `QPixmap` is not).
"""

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from engine.cleaning import black_and_white_of_grey
from engine.denoiser import Denoiser
from engine.io import ImageInfo, OutputMode, probe_image, read_pages

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


@dataclass(frozen=True)
class Original:
    """The page a grey result was cleaned from: page `index` of `path`, written as its
    positive if negative with `as_positive`."""

    path: Path
    index: int
    as_positive: bool = False


def load_preview(
    path: Path,
    index: int = 0,
    mode: OutputMode | None = None,
    model: Denoiser | None = None,
    original: Original | None = None,
) -> QImage:
    """Page `index` at full resolution, for the before/after comparison, in colour if it has
    any; with `mode`, as that output mode would write it (colour only in "color" mode). A
    grey result previews in black and white as the loaded `model` writes it: what cleaning
    its `original` in black and white writes, or without one its levels at the model's
    threshold (`engine.cleaning.black_and_white_of_grey`); grey until a model is loaded."""
    pixels = read_page(path, index, colour=mode in (None, "color"))
    if mode == "bw" and model is not None and pixels.ndim == 2 and pixels.dtype == np.uint8:
        grey = colour = None
        if original is not None:
            with closing(read_pages(original.path, original.index, colour=True)) as pages:
                page = next(pages)
            grey, colour = page.grey, page.colour
        as_positive = original is not None and original.as_positive
        pixels = black_and_white_of_grey(pixels, model, grey, colour, as_positive)
    return to_qimage(pixels)
