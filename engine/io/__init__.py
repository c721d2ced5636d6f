"""Page images in and out: formats and output names (`formats`), reading (`reading`),
writing (`writing`), files that appear complete or not at all (`atomic`). PDFs are read by
`engine.pdf`, built by `engine.pdf_writer` and edited in place by `engine.pdf_edit`."""

from engine.io.atomic import PART_SUFFIX, remove_stale_parts, write_atomically
from engine.io.formats import (
    FORMATS,
    LOSSLESS_FORMATS,
    MULTI_PAGE_FORMATS,
    SUPPORTED_SUFFIXES,
    WRITTEN_AS,
    format_for,
    is_supported,
    is_written,
    page_files,
    result_page,
)
from engine.io.reading import (
    GREY_MODES,
    MAX_PAGE_PIXELS,
    ImageInfo,
    Page,
    grey_and_colour,
    luminance,
    probe_image,
    read_pages,
    to_gray,
)
from engine.io.writing import (
    BW_THRESHOLD,
    JPEG_QUALITY,
    first_dpi,
    grey_levels,
    to_uint8,
    write_pages,
    write_pdf,
    write_spooled_pdf,
)
from engine.options import OutputMode

__all__ = [
    "BW_THRESHOLD",
    "FORMATS",
    "GREY_MODES",
    "JPEG_QUALITY",
    "LOSSLESS_FORMATS",
    "MAX_PAGE_PIXELS",
    "MULTI_PAGE_FORMATS",
    "PART_SUFFIX",
    "SUPPORTED_SUFFIXES",
    "WRITTEN_AS",
    "ImageInfo",
    "OutputMode",
    "Page",
    "first_dpi",
    "format_for",
    "grey_and_colour",
    "grey_levels",
    "is_supported",
    "is_written",
    "luminance",
    "page_files",
    "probe_image",
    "read_pages",
    "remove_stale_parts",
    "result_page",
    "to_gray",
    "to_uint8",
    "write_atomically",
    "write_pages",
    "write_pdf",
    "write_spooled_pdf",
]
