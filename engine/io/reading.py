"""Reading page images, with their DPI and page order.

Pillow does the file formats (it keeps DPI, EXIF orientation, palettes and multi-page
TIFF); HEIF photos are decoded by `engine.io.heif`, PDFs rendered by `engine.pdf`. Every
page comes back as a plain 2-D numpy array of grey levels, with the page's colours beside
it where asked for and the page has any (`engine.colour`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.colour import is_colourful
from engine.errors import PageTooLargeError, UnreadableImageError
from engine.io.formats import format_for
from engine.io.heif import heif_size, open_heif
from engine.io.packed_rgb import decoding_target
from engine.memory import prepare_for
from engine.pdf import PdfPageInfo, check_page_index, probe_pdf, render_pdf_pages

# Pages above this many pixels are refused before any pixel is decoded. 150 MP covers an
# A2 sheet at 600 dpi and keeps peak memory of one page under about 1.5 GB.
MAX_PAGE_PIXELS = 150_000_000
Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, with a typed error
# Rows of a decoded page converted to arrays at a time.
READ_ROWS = 512


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    page_count: int
    dpi: tuple[float, float] | None
    format: str


@dataclass(frozen=True)
class Page:
    """One page: its grey levels or its colours, and where it came from."""

    grey: np.ndarray | None  # 2-D (uint8 or uint16; higher is whiter); None: see `colour`
    dpi: tuple[float, float] | None
    index: int
    count: int
    size_pt: tuple[float, float] | None = None  # a PDF page's physical size, in points
    bilevel: bool = False  # stored as 1 bit per pixel (a bilevel scan)
    colour: np.ndarray | None = None  # H×W×3 uint8, where asked for and the page has colour

    def __post_init__(self) -> None:
        if self.grey is None and self.colour is None:
            raise ValueError("a page has grey levels or colours")

    @cached_property
    def pixels(self) -> np.ndarray:
        """The page's grey levels: a colour page's made from its colours when first asked
        for (cleaning one never needs them: `engine.cleaning.iter_clean_output`)."""
        return self.grey if self.grey is not None else luminance(cast(np.ndarray, self.colour))

    @property
    def nbytes(self) -> int:
        """Bytes of pixels the page holds."""
        return sum(levels.nbytes for levels in (self.grey, self.colour) if levels is not None)

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        source = cast(np.ndarray, self.grey if self.grey is not None else self.colour)
        return source.shape[0], source.shape[1]


def _check_file(path: Path) -> str:
    format = format_for(path)
    if Path(path).is_dir():
        raise UnreadableImageError(path, "is a folder, not an image file")
    return format


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """Opening `path`: what Pillow (or the HEIF decoder's process) raises, named."""
    try:
        yield
    except FileNotFoundError:
        raise UnreadableImageError(path, "file not found") from None
    except PermissionError:
        raise UnreadableImageError(path, "permission denied") from None
    except UnidentifiedImageError:
        raise UnreadableImageError(path, "not a recognisable image (empty or corrupt?)") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise UnreadableImageError(path, f"cannot open: {error}") from None


def _open(path: Path) -> Image.Image:
    heif = _check_file(path) == "HEIF"  # decoded in a process of its own
    with _opening(path):
        image = open_heif(path, MAX_PAGE_PIXELS) if heif else Image.open(path)
    try:
        _check_pixels(image, path)
    except PageTooLargeError:
        image.close()
        raise
    return image


def _check_pixels(image: Image.Image, path: Path, where: str = "") -> None:
    """Refuse a page (the current frame) that declares too many pixels, before decoding."""
    if image.width * image.height > MAX_PAGE_PIXELS:
        raise PageTooLargeError.for_page(path, image.width, image.height, MAX_PAGE_PIXELS, where)


def _page_count(image: Image.Image, path: Path) -> int:
    try:
        return getattr(image, "n_frames", 1)
    except MemoryError:
        raise
    except Exception as error:  # counting TIFF pages parses every page's header
        raise UnreadableImageError(path, f"damaged page list ({error})") from None


def _dpi(image: Image.Image) -> tuple[float, float] | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    try:
        x, y = (float(v) for v in dpi)
    except (TypeError, ValueError):
        return None
    return (x, y) if x > 1 and y > 1 else None


def probe_image(path: Path) -> ImageInfo:
    """Size, page count, DPI and format, without decoding pixels."""
    format = _check_file(path)
    if format == "PDF":
        count, info, (width, height) = probe_pdf(Path(path), MAX_PAGE_PIXELS)
        return ImageInfo(width, height, count, (info.dpi, info.dpi), "PDF")
    if format == "HEIF":  # its header alone: a photo carries no DPI, one image is read
        with _opening(path):
            width, height = heif_size(path, MAX_PAGE_PIXELS)
        return ImageInfo(width, height, 1, None, "HEIF")
    with _open(path) as image:
        width, height = image.size
        if _exif_rotates(image):
            width, height = height, width
        return ImageInfo(
            width=width,
            height=height,
            page_count=_page_count(image, path),
            dpi=_dpi(image),
            format=image.format or format_for(path),
        )


def _exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block is ignored, as viewers do
        return 1


def _exif_rotates(image: Image.Image) -> bool:
    return _exif_orientation(image) in (5, 6, 7, 8)


def _oriented(image: Image.Image) -> Image.Image:
    """The image as its EXIF orientation says it is seen: itself where it needs no turn
    (`ImageOps.exif_transpose` would copy it)."""
    return image if _exif_orientation(image) in (0, 1) else ImageOps.exif_transpose(image)


def to_gray(image: Image.Image) -> np.ndarray:
    """Grey levels of any Pillow image: uint8, or uint16 for 16-bit sources."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(image, dtype=np.uint16)
    if mode == "I":
        return np.clip(np.asarray(image), 0, 65535).astype(np.uint16)
    if mode == "F":
        return np.clip(np.asarray(image), 0, 255).astype(np.uint8)
    if mode == "L":
        return np.asarray(image, dtype=np.uint8)
    return np.asarray(_on_white(image).convert("L"), dtype=np.uint8)


def _on_white(image: Image.Image) -> Image.Image:
    """A palette or transparent image flattened onto white paper (RGB: transparent areas
    are paper); any other image as it is."""
    if image.mode not in ("P", "PA", "RGBA", "LA"):
        return image
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


# Pillow modes that hold grey levels only.
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


def _converted(image: Image.Image, colour: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A decoded page as `Page` holds it: its grey levels (`to_gray`), or with `colour`
    and a page that shows colour, its RGB colours (transparency on white) instead."""
    if colour and image.mode not in GREY_MODES:
        rgb = _in_bands(image, colour=True)
        if is_colourful(rgb):
            return None, rgb
        del rgb
    return _in_bands(image, colour=False), None


def _in_bands(image: Image.Image, colour: bool) -> np.ndarray:
    """`to_gray(image)`, or with `colour` its RGB colours (transparency on white), made
    READ_ROWS rows at a time: converting the whole image at once holds its bytes twice
    more while NumPy copies them, and Pillow holds an RGB image in four bytes a pixel."""
    out: np.ndarray | None = None
    for top in range(0, image.height, READ_ROWS):
        bottom = min(top + READ_ROWS, image.height)
        band = _on_white(image.crop((0, top, image.width, bottom)))
        if colour:
            levels = np.asarray(band if band.mode == "RGB" else band.convert("RGB"))
        else:
            levels = to_gray(band)
        if out is None:
            out = np.empty((image.height, *levels.shape[1:]), levels.dtype)
        out[top:bottom] = levels
    return out if out is not None else np.empty((0, image.width), np.uint8)  # refused later


def read_pages(path: Path, first: int = 0, colour: bool = False) -> Iterator[Page]:
    """Yield every page of a file in order (from page `first`, 0-based), EXIF orientation
    applied. Pages before `first` are skipped without being decoded. With `colour`, a page
    that shows colour carries its colours too (`Page.colour`).

    Raises `UnreadableImageError` (naming the file, and the page for multi-page files)
    instead of returning partial data.
    """
    path = Path(path)
    # Pages are made by functions and yielded at once, never held in this generator's
    # variables: a page cleaned in grey goes with its colours once the network's view of
    # them is made (`engine.cleaning.iter_clean_output`).
    if _check_file(path) == "PDF":
        yield from map(_pdf_page, render_pdf_pages(path, MAX_PAGE_PIXELS, first, colour))
        return
    with _open(path) as image:
        count = _page_count(image, path)
        check_page_index(path, first, count)
        dpi = _dpi(image)
        for index in range(first, count):
            yield _image_page(image, path, index, count, colour, dpi)


def _pdf_page(rendered: tuple[np.ndarray, PdfPageInfo, int, int]) -> Page:
    pixels, info, index, count = rendered
    prepare_for(pixels.nbytes)
    grey, rgb = grey_and_colour(pixels)
    return Page(grey, (info.dpi, info.dpi), index, count, info.size_pt, info.bilevel, rgb)


def _image_page(
    image: Image.Image,
    path: Path,
    index: int,
    count: int,
    colour: bool,
    dpi: tuple[float, float] | None,
) -> Page:
    """Page `index` of an open image file (its first page turned as its EXIF says)."""
    where = f"page {index + 1} of {count}: " if count > 1 else ""
    try:
        image.seek(index)
    except Exception as error:
        raise UnreadableImageError(path, f"{where}cannot decode ({error})") from None
    _check_pixels(image, path, where)  # every page's own size, before its pixels
    prepare_for(image.width * image.height * len(image.getbands()))
    try:
        target = decoding_target(image) if colour else None
        image.load()
        oriented = _oriented(image) if index == 0 else image
        bilevel = oriented.mode == "1"
        packed = target.packed(image) if target and oriented is image else None
        if packed is None:
            grey, rgb = _converted(oriented, colour)
        else:
            grey, rgb = grey_and_colour(packed)
        del oriented, packed, target
    except MemoryError:
        raise
    except Exception as error:  # Pillow raises many kinds on malformed data
        raise UnreadableImageError(path, f"{where}cannot decode ({error})") from None
    if (grey if rgb is None else rgb).size == 0:
        raise UnreadableImageError(path, f"{where}has no pixels")
    page_dpi = _dpi(image) or dpi
    if index == count - 1:
        image.close()  # the decoded pixels go before the page is cleaned
    return Page(grey, page_dpi, index, count, bilevel=bilevel, colour=rgb)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Grey levels of RGB pixels, as Pillow's conversion gives them; READ_ROWS rows at a
    time, since Pillow holds an RGB image in four bytes a pixel."""
    out = np.empty(rgb.shape[:2], np.uint8)
    for top in range(0, rgb.shape[0], READ_ROWS):
        rows = slice(top, top + READ_ROWS)
        out[rows] = np.asarray(Image.fromarray(rgb[rows], mode="RGB").convert("L"))
    return out


def grey_and_colour(pixels: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Decoded pixels (grey, or RGB H×W×3) as `Page` holds them: grey levels, or the
    colours of a page that shows colour (its grey levels None: made where needed)."""
    if pixels.ndim != 3:
        return pixels, None
    return (None, pixels) if is_colourful(pixels) else (luminance(pixels), None)
