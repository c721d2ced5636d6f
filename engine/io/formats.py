"""File formats and output names: which extensions DocClean reads and writes, and the
files a document of several pages becomes."""

from pathlib import Path, PurePath

from engine.errors import UnsupportedFormatError

# Extension -> Pillow format name. Outputs keep the input's format, but for those read only.
FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
    ".webp": "WEBP",
    ".jp2": "JPEG2000",
    ".j2k": "JPEG2000",
    ".pdf": "PDF",
    ".heic": "HEIF",  # phones' photos (through pi-heif: libheif, decoding only)
    ".heif": "HEIF",
    ".hif": "HEIF",  # cameras' HEIF
}
# Formats read but not written, and the extension their results get instead: PNG, lossless
# (a HEIF encoder would bring a GPL codec with it).
WRITTEN_AS: dict[str, str] = {"HEIF": ".png"}
# Formats whose files give back exactly the pixels written (as `write_pages` writes them).
LOSSLESS_FORMATS = frozenset({"PNG", "TIFF", "BMP", "WEBP", "JPEG2000", "PDF"})
# Formats that hold several pages.
MULTI_PAGE_FORMATS = frozenset({"TIFF", "PDF"})
SUPPORTED_SUFFIXES = frozenset(FORMATS)


def is_supported(path: Path) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def format_for(path: Path) -> str:
    try:
        return FORMATS[Path(path).suffix.lower()]
    except KeyError:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnsupportedFormatError(path, f"not a supported image type ({supported})") from None


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
