"""Writing cleaned pages: quantising them for the output mode, and encoding them in the
format their file names, atomically (`engine.io.atomic`)."""

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from engine.encoders.png import save_png
from engine.encoders.tiff import TooLargeError, save_tiff
from engine.errors import OutputError
from engine.hysteresis import black_and_white
from engine.io.atomic import commit_part, write_atomically, write_part
from engine.io.formats import WRITTEN_AS, format_for, page_files
from engine.io.jpeg2000 import save_jpeg2000
from engine.io.packed_rgb import encodable
from engine.options import OutputMode
from engine.pdf_writer import EncodedPage, PageSpool, pdf_bytes, pdf_pages

# JPEG output quality: high enough that thin strokes keep sharp edges.
JPEG_QUALITY = 95

# WebP's lossless encoder at Pillow's default effort (method 4, quality 80) took 2.2 to 4.3 s
# on a cleaned A4 page at 300 dpi; at method 1 and quality 0, a quarter to a third of that,
# for files 0.5 to 7 % larger (method 0: an eighth of the time, files up to 55 % larger).
WEBP_EFFORT = {"method": 1, "quality": 0}

# Black-and-white mode: cleaned grey levels below this become black.
BW_THRESHOLD = 0.5

# Rows quantised at a time by `to_uint8`.
QUANTISE_ROWS = 512


def first_dpi(
    page_dpis: Iterable[tuple[float, float] | None],
) -> tuple[float, float] | None:
    """A file's resolution in its outputs: that of its first page that states one."""
    return next((dpi for dpi in page_dpis if dpi), None)


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
            out[start : start + QUANTISE_ROWS] = black_and_white(rows, ink_threshold)
        else:
            levels = rows * np.float32(255)
            levels += np.float32(0.5)
            out[start : start + QUANTISE_ROWS] = np.clip(levels, 0, 255, out=levels)
    return out


def grey_levels(cleaned: np.ndarray) -> np.ndarray:
    """Cleaned levels (float 0..1) as a grey page's 8-bit levels (`to_uint8` in grey)."""
    return to_uint8(cleaned, "gray")


def _pil_page(
    pixels: np.ndarray, mode: OutputMode, format: str, uses: ExitStack | None = None
) -> Image.Image:
    """`pixels` as Pillow writes them; colours read packed (`engine.io.packed_rgb`) are
    shown to Pillow over their own memory while `uses` lasts, not copied."""
    shared = uses.enter_context(encodable(pixels)) if uses and pixels.ndim == 3 else None
    if shared is not None:
        return shared
    image = Image.fromarray(pixels, mode="RGB" if pixels.ndim == 3 else "L")
    if mode == "bw" and format in ("PNG", "TIFF", "BMP"):
        return image.convert("1", dither=Image.Dither.NONE)
    return image


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
    if format in WRITTEN_AS:
        raise OutputError(path, f"{format} is read, not written (results are {WRITTEN_AS[format]})")
    if not pages:
        raise OutputError(path, "no pages to write")
    files = page_files(path, len(pages))
    if len(files) > 1:
        parts: list[tuple[str, Path]] = []
        try:
            for file, page in zip(files, pages, strict=True):
                parts.append(write_part(Path(file), _image_writer(Path(file), [page], dpi, mode)))
        except BaseException:
            for part, _ in parts:
                Path(part).unlink(missing_ok=True)
            raise
        for part, file in parts:
            commit_part(part, file)
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
    if format == "PNG":  # one page per file (`page_files`)
        return lambda file: save_png(file, pages[0], dpi, bilevel=mode == "bw")
    if format == "TIFF" and mode != "bw":  # black and white: CCITT G4, from Pillow
        return partial(_save_tiff, path, pages, dpi)
    if format == "JPEG2000":  # one page per file; black and white as grey levels 0 and 255
        codestream = path.suffix.lower() == ".j2k"
        return lambda file: save_jpeg2000(file, _pil_page(pages[0], mode, format), dpi, codestream)
    options: dict[str, object] = {}
    if dpi:
        options["dpi"] = dpi
    if format == "JPEG":
        options["quality"] = JPEG_QUALITY
    elif format == "TIFF":
        options["compression"] = "group4"
    elif format == "WEBP":  # lossless, at the effort that keeps its size (`WEBP_EFFORT`)
        options.update(lossless=True, **WEBP_EFFORT)

    def write(file: str) -> None:
        with ExitStack() as uses:
            first, *rest = (_pil_page(page, mode, format, uses) for page in pages)
            more = {"save_all": True, "append_images": rest} if rest else {}
            # TIFF pages need a seekable file, so Pillow writes to the temporary path itself.
            first.save(file, format=format, **options, **more)

    return write


def _save_tiff(
    path: Path, pages: Sequence[np.ndarray], dpi: tuple[float, float] | None, file: str
) -> None:
    try:
        save_tiff(file, pages, dpi)
    except TooLargeError as error:
        raise OutputError(path, f"cannot write the TIFF: {error}") from None


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
