"""Reading and writing page images, with their DPI and page order.

Pillow does the file formats (it keeps DPI, EXIF orientation, palettes and multi-page
TIFF); everything after reading is a plain 2-D numpy array of grey levels, with the
page's colours beside it where asked for and the page has any (`engine.colour`).
"""

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

import numpy as np
import psutil
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.colour import is_colourful
from engine.errors import (
    OutputError,
    PageTooLargeError,
    UnreadableImageError,
    UnsupportedFormatError,
)
from engine.options import OutputMode
from engine.pdf import check_page_index, probe_pdf, render_pdf_pages
from engine.pdf_writer import EncodedPage, PageSpool, pdf_bytes, pdf_pages

# Extension -> Pillow format name. Outputs keep the input's format.
FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
    ".pdf": "PDF",
}
# Formats whose files give back exactly the pixels written (as `write_pages` writes them).
LOSSLESS_FORMATS = frozenset({"PNG", "TIFF", "BMP", "WEBP", "PDF"})
# Formats that hold several pages.
MULTI_PAGE_FORMATS = frozenset({"TIFF", "PDF"})
SUPPORTED_SUFFIXES = frozenset(FORMATS)

# Pages above this many pixels are refused before any pixel is decoded. 150 MP covers an
# A2 sheet at 600 dpi and keeps peak memory of one page under about 1.5 GB.
MAX_PAGE_PIXELS = 150_000_000

# JPEG output quality: high enough that thin strokes keep sharp edges.
JPEG_QUALITY = 95
# PNG output's zlib level. Measured on a cleaned A4 page at 300 dpi (benchmarks/speed.py's):
# level 1 encodes at 65 MP/s into 2.75 MB, Pillow's default 6 at 32 MP/s into 2.51 MB, so
# 1 costs 10 % in size and halves the encoder's share of the time. PDF pages keep zlib's
# default (their size has a target: engine.pdf_edit).
PNG_COMPRESS_LEVEL = 1

# Black-and-white mode: cleaned grey levels below this become black.
BW_THRESHOLD = 0.5

# Rows quantised at a time by `to_uint8`.
QUANTISE_ROWS = 512

# Outputs are written as hidden `.NAME.PID.RANDOM.part` files, then renamed into place.
PART_SUFFIX = ".part"


Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, with a typed error


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    page_count: int
    dpi: tuple[float, float] | None
    format: str


@dataclass(frozen=True)
class Page:
    """One page: 2-D grey levels (uint8 or uint16; higher is whiter) and where it came from."""

    pixels: np.ndarray
    dpi: tuple[float, float] | None
    index: int
    count: int
    size_pt: tuple[float, float] | None = None  # a PDF page's physical size, in points
    bilevel: bool = False  # stored as 1 bit per pixel (a bilevel scan)
    colour: np.ndarray | None = None  # H×W×3 uint8, where asked for and the page has colour


def is_supported(path: Path) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def format_for(path: Path) -> str:
    try:
        return FORMATS[Path(path).suffix.lower()]
    except KeyError:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFormatError(path, f"not a supported image type ({supported})") from None


def _check_file(path: Path) -> str:
    format = format_for(path)
    if Path(path).is_dir():
        raise UnreadableImageError(path, "is a folder, not an image file")
    return format


def _open(path: Path) -> Image.Image:
    _check_file(path)
    try:
        image = Image.open(path)
    except FileNotFoundError:
        raise UnreadableImageError(path, "file not found") from None
    except PermissionError:
        raise UnreadableImageError(path, "permission denied") from None
    except UnidentifiedImageError:
        raise UnreadableImageError(path, "not a recognisable image (empty or corrupt?)") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise UnreadableImageError(path, f"cannot open: {error}") from None
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
    if _check_file(path) == "PDF":
        count, info, (width, height) = probe_pdf(Path(path), MAX_PAGE_PIXELS)
        return ImageInfo(width, height, count, (info.dpi, info.dpi), "PDF")
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


def _exif_rotates(image: Image.Image) -> bool:
    try:
        return image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # a broken EXIF block is ignored, as viewers do
        return False


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
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA"):
        # Transparent areas are paper: composite onto white.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


# Pillow modes that hold grey levels only.
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})


def colour_of(image: Image.Image) -> np.ndarray | None:
    """The colours of a Pillow image (uint8, H×W×3; transparency on white), or None for a
    grey image, or a colour one whose pixels are all grey (`engine.colour.is_colourful`)."""
    if image.mode in GREY_MODES:
        return None
    if image.mode in ("P", "PA", "RGBA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return rgb if is_colourful(rgb) else None


def read_pages(path: Path, first: int = 0, colour: bool = False) -> Iterator[Page]:
    """Yield every page of a file in order (from page `first`, 0-based), EXIF orientation
    applied. Pages before `first` are skipped without being decoded. With `colour`, a page
    that shows colour carries its colours too (`Page.colour`).

    Raises `UnreadableImageError` (naming the file, and the page for multi-page files)
    instead of returning partial data.
    """
    path = Path(path)
    if _check_file(path) == "PDF":
        pages = render_pdf_pages(path, MAX_PAGE_PIXELS, first, colour)
        for pixels, info, index, count in pages:
            rgb = pixels if pixels.ndim == 3 else None
            if rgb is not None:
                pixels = luminance(rgb)
                rgb = rgb if is_colourful(rgb) else None
            dpi = (info.dpi, info.dpi)
            yield Page(pixels, dpi, index, count, info.size_pt, info.bilevel, rgb)
        return
    with _open(path) as image:
        count = _page_count(image, path)
        check_page_index(path, first, count)
        dpi = _dpi(image)
        for index in range(first, count):
            where = f"page {index + 1} of {count}: " if count > 1 else ""
            try:
                image.seek(index)
            except Exception as error:
                raise UnreadableImageError(path, f"{where}cannot decode ({error})") from None
            _check_pixels(image, path, where)  # every page's own size, before its pixels
            try:
                image.load()
                oriented = ImageOps.exif_transpose(image) if index == 0 else image
                bilevel = oriented.mode == "1"
                pixels = to_gray(oriented)
                rgb = colour_of(oriented) if colour else None
            except MemoryError:
                raise
            except Exception as error:  # Pillow raises many kinds on malformed data
                raise UnreadableImageError(path, f"{where}cannot decode ({error})") from None
            if pixels.ndim != 2 or pixels.size == 0:
                raise UnreadableImageError(path, f"{where}has no pixels")
            yield Page(pixels, _dpi(image) or dpi, index, count, bilevel=bilevel, colour=rgb)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Grey levels of RGB pixels, as Pillow's conversion gives them."""
    return np.asarray(Image.fromarray(rgb, mode="RGB").convert("L"))


def to_uint8(
    cleaned: np.ndarray, mode: OutputMode, ink_threshold: float = BW_THRESHOLD
) -> np.ndarray:
    """Quantise a cleaned page (float 0..1) for writing; `bw` keeps only black and white,
    black below `ink_threshold` (the model's, `Denoiser.ink_threshold`); the other modes
    keep grey levels (a colour page's colours come from `engine.colour.recolour`).

    Works in bands of rows, so a large page needs no full-size float temporaries.
    """
    out = np.empty(cleaned.shape, dtype=np.uint8)
    for start in range(0, cleaned.shape[0], QUANTISE_ROWS):
        rows = cleaned[start : start + QUANTISE_ROWS]
        if mode == "bw":
            out[start : start + QUANTISE_ROWS] = np.where(rows >= ink_threshold, 255, 0)
        else:
            out[start : start + QUANTISE_ROWS] = np.clip(rows * 255.0 + 0.5, 0, 255)
    return out


def _pil_page(pixels: np.ndarray, mode: OutputMode, format: str) -> Image.Image:
    image = Image.fromarray(pixels, mode="RGB" if pixels.ndim == 3 else "L")
    if mode == "bw" and format in ("PNG", "TIFF", "BMP"):
        return image.convert("1", dither=Image.Dither.NONE)
    return image


def page_files(output: PurePath, pages: int) -> list[PurePath]:
    """The files a `pages`-page document written to `output` becomes: `output` itself, or,
    where its format holds one page, one file per page (`NAME-p1.png`, `NAME-p2.png`…)."""
    if pages <= 1 or format_for(Path(output)) in MULTI_PAGE_FORMATS:
        return [output]
    return [output.with_name(f"{output.stem}-p{n}{output.suffix}") for n in range(1, pages + 1)]


def result_page(output: Path, page: int, pages: int) -> tuple[Path, int]:
    """Which file holds page `page` (0-based) of a `pages`-page result, and its page there."""
    files = page_files(output, pages)
    return (Path(files[page]), 0) if len(files) > 1 else (output, page)


def is_written(output: Path) -> bool:
    """Whether a result for `output` exists: the file, or the first of its page files."""
    return output.exists() or Path(page_files(output, 2)[0]).exists()


def write_pages(
    path: Path,
    pages: Sequence[np.ndarray],
    dpi: tuple[float, float] | None,
    mode: OutputMode = "gray",
    sizes_pt: Sequence[tuple[float, float] | None] = (),
    bilevel: Sequence[bool] = (),
) -> None:
    """Write cleaned uint8 pages to `path` atomically, in the format its extension names.

    Several pages go into one file where the format holds them (TIFF, PDF), else into one
    file per page (`page_files`). PDF pages get `sizes_pt` (the source PDF's page sizes)
    where known, else their pixels at `dpi`. The files appear complete or not at all: pages
    go to temporary files in the same folder, renamed once every one is written.
    """
    path = Path(path)
    format = format_for(path)
    if not pages:
        raise OutputError(path, "no pages to write")
    files = page_files(path, len(pages))
    if len(files) > 1:
        parts: list[tuple[str, Path]] = []
        try:
            for file, page in zip(files, pages, strict=True):
                parts.append(_write_part(Path(file), _image_writer(Path(file), [page], dpi, mode)))
        except BaseException:
            for part, _ in parts:
                Path(part).unlink(missing_ok=True)
            raise
        for part, file in parts:
            _commit(part, file)
        return
    if format == "PDF":
        write_pdf(path, *pdf_pages(pages, sizes_pt, dpi, mode == "bw", bilevel))
        return
    write_atomically(path, _image_writer(path, pages, dpi, mode))


def _image_writer(
    path: Path, pages: Sequence[np.ndarray], dpi: tuple[float, float] | None, mode: OutputMode
) -> Callable[[str], object]:
    """What writes `pages` as an image file in `path`'s format, to the path it is given."""
    format = format_for(path)
    images = [_pil_page(page, mode, format) for page in pages]
    options: dict[str, object] = {}
    if dpi:
        options["dpi"] = dpi
    if format == "JPEG":
        options["quality"] = JPEG_QUALITY
    elif format == "TIFF":
        options["compression"] = "group4" if mode == "bw" else "tiff_adobe_deflate"
    elif format == "WEBP":
        options["lossless"] = True
    elif format == "PNG":
        options["compress_level"] = PNG_COMPRESS_LEVEL
    if len(images) > 1:
        options["save_all"] = True
        options["append_images"] = images[1:]
    # TIFF pages need a seekable file, so Pillow writes to the temporary path itself.
    return lambda file: images[0].save(file, format=format, **options)


def write_pdf(
    path: Path, images: Sequence[EncodedPage], sizes_pt: Sequence[tuple[float, float]]
) -> None:
    """Write encoded pages (`engine.pdf.pdf_pages`) as one PDF, atomically."""
    path = Path(path)
    try:
        data = pdf_bytes(images, sizes_pt)
    except Exception as error:
        raise _pdf_error(path, error) from None
    write_atomically(path, lambda file: Path(file).write_bytes(data))


def write_spooled_pdf(path: Path, spool: PageSpool) -> None:
    """Write the pages waiting in `spool` as one PDF, atomically, one page at a time."""
    try:
        write_atomically(path, spool.write_to)
    except (OutputError, MemoryError):
        raise
    except Exception as error:
        raise _pdf_error(path, error) from None


def _pdf_error(path: Path, error: Exception) -> Exception:
    """img2pdf's and qpdf's refusals (a page too large for PDF…) as an `OutputError`."""
    if not type(error).__module__.startswith(("img2pdf", "pikepdf")):
        return error
    return OutputError(path, f"cannot write the PDF: {error}")


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call `write(temporary_path)`, flush it to disk and rename it to `path`.

    Any failure removes the temporary file and raises `OutputError` (for OS errors).
    """
    _commit(*_write_part(path, write))


def _write_part(path: Path, write: Callable[[str], object]) -> tuple[str, Path]:
    """`write(temporary_path)` beside `path`, flushed to disk: (temporary path, `path`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX
        )
    except OSError as error:
        raise OutputError(path, f"cannot write to {path.parent}: {error.strerror}") from None
    try:
        os.close(handle)
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, _new_file_mode())  # mkstemp makes it private (0600)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(path, f"cannot write: {error.strerror or error}") from None
        raise
    return temporary, path


def _commit(temporary: str, path: Path) -> None:
    """Rename a written temporary file into place."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(path, f"cannot write: {error.strerror or error}") from None


def _read_umask() -> int:
    """The process's umask. Reading it means setting it, so this runs once, at import,
    before the app or a batch starts threads that create files."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _new_file_mode() -> int:
    """The mode a plain `open(..., "w")` would give a new file: 0666 less the umask."""
    return 0o666 & ~_UMASK


def _process_alive(pid: int) -> bool:
    """Whether process `pid` runs, on every platform (`os.kill(pid, 0)` would end it on
    Windows)."""
    return psutil.pid_exists(pid)


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete temporary output files whose writer was killed (its process no longer runs).

    A killed run can leave a hidden `.part` file behind; never a visible half-written one.
    Parts of running processes (another DocClean writing here now) are left alone.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX)):
            continue
        fields = entry.name[: -len(PART_SUFFIX)].rsplit(".", 2)
        if len(fields) != 3 or not fields[1].isdigit():
            continue  # not one of ours
        pid = int(fields[1])
        if pid == os.getpid() or _process_alive(pid):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
