"""Cleaning a PDF in place: each page's scan is replaced by its cleaned version, at the same
size and position, and everything else in the file stays as it was — the text layer,
fonts, vector content, annotations, links, forms, outline, metadata, page labels, rotation.

PDFium finds and decodes each page's scan (`engine.pdf.read_pdf_scans`); pikepdf (qpdf)
edits the file. Pages without a scan (born-digital text or art) pass through untouched, as
do small images beside the text. Encoding fits the page: a bilevel scan stays 1-bit CCITT
G4 (so does every page in black-and-white mode); a grey page is 8-bit Flate with PNG
predictors (a colour page in colour mode, RGB), or, for a JPEG scan whose lossless page
would be more than `JPEG_GROWTH` times the size of the original, JPEG at the best of
`JPEG_QUALITIES` that fits in that.
"""

import io
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from engine.cleaning import iter_clean_output, uses_colour
from engine.denoiser import Denoiser
from engine.errors import UnreadableImageError
from engine.events import Event, PageStarted, TileDone, tile_events
from engine.io import MAX_PAGE_PIXELS, OutputMode, grey_and_colour, write_atomically
from engine.pdf import PageScan, read_pdf_scans
from engine.pdf_writer import encode_page, pdf_bytes

# A JPEG scan whose cleaned page, lossless, is over JPEG_GROWTH times its size stays JPEG, at
# the first of these qualities that fits (or the smallest it gets).
JPEG_GROWTH = 1.5
JPEG_QUALITIES = (90, 85, 80, 75)
# Entries of an image that describe its encoding: replaced with the cleaned page's.
ENCODING_KEYS = ("/Filter", "/DecodeParms", "/Decode", "/BitsPerComponent", "/ColorSpace")


def edit_pdf(
    source: Path,
    output: Path,
    denoiser: Denoiser,
    mode: OutputMode,
    cancel: threading.Event | None = None,
    dpi: float | None = None,
    as_positive: bool = False,
) -> Iterator[Event]:
    """Write `source` with its scans cleaned to `output` (atomically); yields progress.
    Returns (pages, megapixels cleaned). A given `dpi` is what the cleaning is told; page
    sizes stay the document's. `as_positive`: negative scans come back black on white."""
    megapixels = 0.0
    count = 0
    scans = read_pdf_scans(source, MAX_PAGE_PIXELS, colour=uses_colour(mode, denoiser))
    first = next(scans)  # PDFium's reasons first: encrypted, damaged, no pages
    try:
        document = pikepdf.open(source)
    except (pikepdf.PdfError, OSError) as error:
        scans.close()
        raise UnreadableImageError(source, f"not a readable PDF ({error})") from None
    with document:
        for scan, index, count in itertools.chain([first], scans):
            height, width = scan.pixels.shape[:2] if scan is not None else (1, 1)
            yield PageStarted(source, index, count, height, width)
            image = _scan_object(document.pages[index], scan) if scan is not None else None
            if image is None:  # nothing to clean: the page stays as it is
                yield TileDone(source, index, count, 1, 1)
                continue
            shown = np.rot90(scan.pixels, -scan.turns, axes=(0, 1))
            grey, colour = grey_and_colour(shown)
            page_dpi = (dpi or scan.dpi,) * 2
            bilevel = mode == "bw" or scan.bits == 1
            page_mode = "bw" if bilevel else mode
            steps = iter_clean_output(
                grey, denoiser, page_mode, cancel, page_dpi, colour, as_positive=as_positive
            )
            pixels = yield from tile_events(steps, source, index, count)
            _replace(image, np.rot90(pixels, scan.turns, axes=(0, 1)), bilevel, scan)
            megapixels += shown.shape[0] * shown.shape[1] / 1e6
        write_atomically(output, lambda file: document.save(file, deterministic_id=True))
    return count, megapixels


def _scan_object(page: pikepdf.Page, scan: PageScan) -> pikepdf.Stream | None:
    """The image XObject PDFium found as the page's scan: the one of its size."""
    height, width = scan.pixels.shape[:2]
    found = {
        image.objgen: image
        for image in page.get_images().values()
        if image.get("/Width") == width
        and image.get("/Height") == height
        and not image.get("/ImageMask", False)
    }
    return next(iter(found.values())) if len(found) == 1 else None


def _replace(image: pikepdf.Stream, pixels: np.ndarray, bilevel: bool, scan: PageScan) -> None:
    """Put `pixels` (as stored) into `image`, encoded as fits the page."""
    pixels = np.ascontiguousarray(pixels)  # a turned view: every encoder gets plain rows
    encoded = encode_page(pixels, bilevel)
    if not bilevel and "DCTDecode" in scan.filters:
        budget = JPEG_GROWTH * len(image.read_raw_bytes())
        for quality in JPEG_QUALITIES:
            if len(encoded) <= budget:
                break
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
            encoded = min(encoded, buffer.getvalue(), key=len)
    height, width = pixels.shape[:2]
    with pikepdf.open(io.BytesIO(pdf_bytes([encoded], [(width, height)]))) as single:
        (new,) = single.pages[0].get_images().values()
        data = new.read_raw_bytes()
        entries = {key: _local(new[key]) for key in ENCODING_KEYS if key in new}
    for key in ENCODING_KEYS:
        if key in image:
            del image[key]
    filters, parameters = entries.pop("/Filter"), entries.pop("/DecodeParms", None)
    image.write(data, filter=filters, decode_parms=parameters, type_check=False)
    for key, value in entries.items():
        image[key] = value


def _local(value: object) -> object:
    """A direct value of another PDF, as one of this one (parsed from its text)."""
    return pikepdf.Object.parse(value.unparse()) if isinstance(value, pikepdf.Object) else value
