"""Reading PDFs: every page at its scan's own resolution, as plain arrays of grey levels.

PDFium (pypdfium2) does it. PDFium is not thread-safe, so every call into it holds one
lock; pages are read one at a time. A page that is only its scan gives the scan's own
pixels; any other page is drawn. Writing is `engine.pdf_writer` (PDFs built from images)
and `engine.pdf_edit` (a user's PDF with its scans cleaned in place).
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from engine.errors import PageTooLargeError, UnreadableImageError

# Pages that are not one embedded scan (vector or mixed content) are rendered at this DPI.
DEFAULT_RENDER_DPI = 300
POINTS_PER_INCH = 72
# One image covering at least this share of the page is taken as "the scan".
SCAN_COVERAGE = 0.9
# Native resolutions outside this range are not trusted (a tiny thumbnail, a bogus matrix).
MIN_SCAN_DPI, MAX_SCAN_DPI = 50, 1200

# PDF viewers handle pages from 3 pt (about 1 mm) up.
MIN_PAGE_PT = 3.0

_PDFIUM = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True)
class PdfPageInfo:
    size_pt: tuple[float, float]  # width, height as displayed (rotation applied)
    dpi: float  # render resolution
    bilevel: bool = False  # the page is one 1-bit scan


def _open_document(path: Path) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        message = str(error)
        if "password" in message.lower():
            raise UnreadableImageError(path, "the PDF is encrypted (password protected)") from None
        if _has_no_pages(path):
            raise UnreadableImageError(path, "the PDF has no pages") from None
        raise UnreadableImageError(path, f"not a readable PDF ({message})") from None
    except FileNotFoundError:
        raise UnreadableImageError(path, "file not found") from None
    except PermissionError:
        raise UnreadableImageError(path, "permission denied") from None
    except OSError as error:
        raise UnreadableImageError(path, f"cannot open: {error.strerror or error}") from None
    if len(document) == 0:
        document.close()
        raise UnreadableImageError(path, "the PDF has no pages")
    return document


def check_page_index(path: Path, index: int, count: int) -> None:
    if not 0 <= index < count:
        raise UnreadableImageError(path, f"has no page {index + 1} (it has {count})")


def _has_no_pages(path: Path) -> bool:
    """PDFium refuses a well-formed PDF without pages as a format error; tell them apart."""
    import pikepdf  # img2pdf's PDF library; needed only on this error path

    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages) == 0
    except Exception:  # any failure here means the file is damaged, which is reported
        return False


def _images(page: pdfium.PdfPage) -> list[pdfium.PdfImage]:
    return list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _covers(image: pdfium.PdfImage, size_pt: tuple[float, float]) -> bool:
    """Whether the image covers most of a page of `size_pt` (SCAN_COVERAGE of its area)."""
    left, bottom, right, top = image.get_bounds()
    return (right - left) * (top - bottom) >= SCAN_COVERAGE * size_pt[0] * size_pt[1]


def _image_dpi(image: pdfium.PdfImage) -> float:
    """The resolution the image is drawn at: its pixels over the area it covers."""
    left, bottom, right, top = image.get_bounds()
    width_px, height_px = image.get_px_size()
    return POINTS_PER_INCH * (width_px * height_px / ((right - left) * (top - bottom))) ** 0.5


def _upright(image: pdfium.PdfImage) -> bool:
    """Whether the image is drawn as stored: not turned, not mirrored."""
    a, b, c, d, _, _ = image.get_matrix().get()
    return a > 0 and d > 0 and not b and not c


def _stored_pixels(image: pdfium.PdfImage, colour: bool = False) -> np.ndarray:
    """The image's grey levels (with `colour`, its RGB colours where it has them) as the file
    stores them (rows top to bottom)."""
    stored = image.get_bitmap(render=False).to_pil()
    wanted = "RGB" if colour and stored.mode not in ("1", "L") else "L"
    return np.asarray(stored.convert(wanted))


def _scan_of(page: pdfium.PdfPage, size_pt: tuple[float, float]) -> tuple[float | None, bool]:
    """The resolution of the one image that fills the page, if the page is a scan, and
    whether that image is bilevel (1 bit per pixel)."""
    images = _images(page)
    if len(images) != 1 or not _covers(images[0], size_pt):
        return None, False
    dpi = _image_dpi(images[0])
    bilevel = images[0].get_metadata().bits_per_pixel == 1
    return (round(dpi, 2) if MIN_SCAN_DPI <= dpi <= MAX_SCAN_DPI else None), bilevel


@dataclass(frozen=True)
class PageScan:
    """A page's scan as the file stores it: the image that fills the page."""

    pixels: np.ndarray  # grey levels (or RGB), rows as stored (top of the image first)
    dpi: float
    turns: int  # quarter turns clockwise that show it as the page does
    bits: int  # bits per pixel as stored: 1 for a bilevel scan
    filters: tuple[str, ...]  # as stored, e.g. ("DCTDecode",) for a JPEG scan


def _page_scan(
    path: Path, page: pdfium.PdfPage, where: str, max_pixels: int, colour: bool = False
) -> PageScan | None:
    """The one image that covers most of the page (small logos beside it aside); None for
    a page without one, or whose scan is a stencil mask."""
    size_pt = (float(page.get_width()), float(page.get_height()))
    covering = [image for image in _images(page) if _covers(image, size_pt)]
    if len(covering) != 1:
        return None
    (image,) = covering
    metadata = image.get_metadata()
    if metadata.colorspace == pdfium_c.FPDF_COLORSPACE_UNKNOWN:
        return None
    width_px, height_px = image.get_px_size()
    if width_px * height_px > max_pixels:
        raise PageTooLargeError.for_page(path, width_px, height_px, max_pixels, where)
    return PageScan(
        pixels=_stored_pixels(image, colour),
        dpi=_image_dpi(image),
        turns=page.get_rotation() // 90 if _upright(image) else 0,
        bits=metadata.bits_per_pixel,
        filters=tuple(image.get_filters()),
    )


def _each_page(
    path: Path, read: Callable[[pdfium.PdfPage, int, int], T], verb: str, first: int = 0
) -> Iterator[T]:
    """`read(page, index, count)` for every page from `first` on, one at a time, each under
    the PDFium lock; PDFium's failures as `UnreadableImageError` ("page 2 of 5: cannot
    `verb` …")."""
    with _PDFIUM:
        document = _open_document(path)
        count = len(document)
    try:
        check_page_index(path, first, count)
        for index in range(first, count):  # each yielded as read, not held here
            yield _read_page(document, index, count, read, path, verb)
    finally:
        with _PDFIUM:
            document.close()


def _read_page(
    document: pdfium.PdfDocument,
    index: int,
    count: int,
    read: Callable[[pdfium.PdfPage, int, int], T],
    path: Path,
    verb: str,
) -> T:
    with _PDFIUM:
        try:
            page = document[index]
            result = read(page, index, count)
            page.close()
        except pdfium.PdfiumError as error:
            where = f"page {index + 1} of {count}"
            raise UnreadableImageError(path, f"{where}: cannot {verb} ({error})") from None
    return result


def read_pdf_scans(
    path: Path, max_pixels: int, colour: bool = False
) -> Iterator[tuple[PageScan | None, int, int]]:
    """Yield (the page's scan or None, index, count) for every page, one at a time; with
    `colour`, a colour scan's pixels are RGB (H×W×3)."""

    def scan(page: pdfium.PdfPage, index: int, count: int) -> tuple[PageScan | None, int, int]:
        where = f"page {index + 1} of {count}: "
        return _page_scan(path, page, where, max_pixels, colour), index, count

    return _each_page(path, scan, "read")


def _page_info(page: pdfium.PdfPage) -> PdfPageInfo:
    size_pt = (float(page.get_width()), float(page.get_height()))
    dpi, bilevel = _scan_of(page, size_pt)
    return PdfPageInfo(size_pt=size_pt, dpi=dpi or DEFAULT_RENDER_DPI, bilevel=bilevel)


def _check_size(
    path: Path, index: int, count: int, info: PdfPageInfo, max_pixels: int
) -> tuple[int, int]:
    width = round(info.size_pt[0] * info.dpi / POINTS_PER_INCH)
    height = round(info.size_pt[1] * info.dpi / POINTS_PER_INCH)
    if width < 1 or height < 1:
        raise UnreadableImageError(path, f"page {index + 1} has no area")
    if width * height > max_pixels:
        where = f"page {index + 1} of {count} at {info.dpi:.0f} dpi: "
        raise PageTooLargeError.for_page(path, width, height, max_pixels, where)
    return width, height


def probe_pdf(path: Path, max_pixels: int) -> tuple[int, PdfPageInfo, tuple[int, int]]:
    """(page count, first page's info, first page's pixel size) without rendering."""
    with _PDFIUM:
        document = _open_document(path)
        count = len(document)
        try:
            page = document[0]
            info = _page_info(page)
            page.close()
        except pdfium.PdfiumError as error:
            raise UnreadableImageError(path, f"page 1: cannot read ({error})") from None
        finally:
            document.close()
    return count, info, _check_size(path, 0, count, info, max_pixels)


def render_pdf_pages(
    path: Path, max_pixels: int, first: int = 0, colour: bool = False
) -> Iterator[tuple[np.ndarray, PdfPageInfo, int, int]]:
    """Yield (uint8 grey pixels, page info, index, count) for every page from `first` on;
    with `colour`, RGB pixels (H×W×3) for every page but a scan stored grey or 1-bit
    (whether they show colour is `engine.io.grey_and_colour`'s to say)."""

    def render(
        page: pdfium.PdfPage, index: int, count: int
    ) -> tuple[np.ndarray, PdfPageInfo, int, int]:
        info = _page_info(page)
        width, height = _check_size(path, index, count, info, max_pixels)
        pixels = _scan_pixels(page, (height, width), colour)
        if pixels is None:
            pixels = _render(page, info, (height, width), colour)
        return pixels, info, index, count

    return _each_page(path, render, "render", first)


def _render(
    page: pdfium.PdfPage, info: PdfPageInfo, shape: tuple[int, int], colour: bool = False
) -> np.ndarray:
    """The page drawn at `shape` (height, width) pixels, as a viewer shows it: grey, or with
    `colour` RGB."""
    height, width = shape
    # PDFium rounds the bitmap size up: aim just below the exact size.
    width_pt, height_pt = info.size_pt
    scale = min(width / width_pt, height / height_pt) * (1 - 1e-6)
    if colour:
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB order, not BGR
        return np.array(bitmap.to_numpy()[:height, :width, :3], dtype=np.uint8)
    bitmap = page.render(scale=scale, grayscale=True)
    pixels = np.array(bitmap.to_numpy()[:height, :width], dtype=np.uint8)
    return pixels[..., 0] if pixels.ndim == 3 else pixels  # a grey bitmap may come as H×W×1


def _shows_nothing(item: pdfium.PdfObject) -> bool:
    """An invisible text object: the OCR text layer of a searchable scan."""
    if item.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
        return item.type == pdfium_c.FPDF_PAGEOBJ_FORM  # a container; its contents count
    mode = pdfium_c.FPDFTextObj_GetTextRenderMode(item.raw)
    return mode == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE


def _scan_pixels(
    page: pdfium.PdfPage, shape: tuple[int, int], colour: bool = False
) -> np.ndarray | None:
    """The page's pixels taken from its scan image itself, where the page shows nothing
    but that image, upright, filling it (turned by the page's /Rotate): exact, where PDFium
    resamples an image it places a hair off its pixel grid (an A4 page at 300 dpi comes
    out a row off). None where the page is anything else: it is drawn instead."""
    objects = list(page.get_objects(max_depth=2))
    images = [item for item in objects if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    if len(images) != 1 or not all(map(_shows_nothing, set(objects) - set(images))):
        return None
    (image,) = images
    bounds, box = image.get_bounds(), page.get_cropbox()
    fills = all(abs(side - edge) < 0.5 for side, edge in zip(bounds, box, strict=True))
    if not fills or not _upright(image):
        return None
    if image.get_metadata().colorspace == pdfium_c.FPDF_COLORSPACE_UNKNOWN:  # a stencil mask
        return None
    if pdfium_c.FPDFPageObj_HasTransparency(image.raw):  # a soft mask: drawn on white
        return None
    turns = -(page.get_rotation() // 90)  # turns clockwise
    pixels = np.rot90(_stored_pixels(image, colour), turns, axes=(0, 1))
    return np.ascontiguousarray(pixels) if pixels.shape[:2] == shape else None
