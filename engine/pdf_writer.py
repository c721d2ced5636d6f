"""PDFs built from cleaned pages: img2pdf embeds each page without re-encoding it (grey as
8-bit Flate from PNG, black and white as 1-bit CCITT G4) on a page of the given size.

A combined PDF (`--combine`) of any length is written page by page: its pages wait, encoded,
in a temporary folder (`PageSpool`); at the end each becomes a one-page PDF whose image,
drawing and page are copied into the file as they come (`PdfAssembler`), so one page's
data is in memory at a time, however many pages there are.
"""

import io
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import img2pdf
import numpy as np
import pikepdf  # img2pdf's PDF library
from PIL import Image

from engine.encoders.png import write_png
from engine.pdf import DEFAULT_RENDER_DPI, MIN_PAGE_PT, POINTS_PER_INCH

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PAGES_OBJECT = 1  # the page tree: its number is known before its pages are


def encode_page(pixels: np.ndarray, black_and_white: bool) -> bytes:
    """A losslessly compressed image img2pdf embeds as it is: PNG (grey or RGB; deflated as
    `engine.encoders.png` writes PNG files), or G4 TIFF for 1-bit.

    On cleaned A4 pages at 300 dpi, the PNG takes 11-15 ms against Pillow's 370-530 ms, and
    is from 3 % smaller to 30 % larger (`docs/model.md`)."""
    buffer = io.BytesIO()
    if black_and_white:
        Image.fromarray(pixels).convert("1", dither=Image.Dither.NONE).save(
            buffer, format="TIFF", compression="group4"
        )
    else:
        write_png(buffer, pixels, None)
    return buffer.getvalue()


class GuessedSize(tuple[float, float]):
    """A page size from the default resolution, for an image that carries no DPI."""


# An encoded page (`encode_page`): its bytes, or the file that holds them.
EncodedPage = bytes | str


def _pixel_size(image: EncodedPage) -> tuple[int, int]:
    source = io.BytesIO(image) if isinstance(image, bytes) else image
    with Image.open(source) as opened:  # reads the header only
        return opened.size


def matched_sizes(
    images: Sequence[EncodedPage], sizes_pt: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """`sizes_pt` with every `GuessedSize` page at the resolution of the pages whose size is
    known (their median), so a page without DPI is not tiny or huge beside the others."""
    known = [
        (_pixel_size(image), size)
        for image, size in zip(images, sizes_pt, strict=True)
        if not isinstance(size, GuessedSize)
    ]
    if not known or len(known) == len(sizes_pt):
        return list(sizes_pt)
    dpi = statistics.median(
        POINTS_PER_INCH * ((width * height) / (size[0] * size[1])) ** 0.5
        for (width, height), size in known
    )
    return [
        (width * POINTS_PER_INCH / dpi, height * POINTS_PER_INCH / dpi)
        if isinstance(size, GuessedSize)
        else size
        for size, (width, height) in zip(sizes_pt, map(_pixel_size, images), strict=True)
    ]


def pdf_bytes(images: Sequence[EncodedPage], sizes_pt: Sequence[tuple[float, float]]) -> bytes:
    """A PDF with one page per image, each page exactly `sizes_pt` (width, height) large
    (pages of a `GuessedSize` at the resolution of the others, see `matched_sizes`)."""
    sizes = iter(matched_sizes(images, sizes_pt))

    def fill_page(width_px: int, height_px: int, dpi: object) -> tuple[float, ...]:
        # img2pdf writes the image's matrix to 4 decimals: the page gets the same size, so
        # the scan covers it exactly and reads back pixel for pixel.
        width, height = (round(max(MIN_PAGE_PT, side), 4) for side in next(sizes))
        return width, height, width, height

    return img2pdf.convert(list(images), layout_fun=fill_page, nodate=True)


def pdf_pages(
    pages: Sequence[np.ndarray],
    sizes_pt: Sequence[tuple[float, float] | None],
    dpi: tuple[float, float] | None,
    black_and_white: bool,
    bilevel: Sequence[bool] = (),
) -> tuple[list[bytes], list[tuple[float, float]]]:
    """Encoded pages for `pdf_bytes` and their physical sizes: the source PDF's where known
    (`sizes_pt` may be shorter than `pages`), else their pixels at `dpi`; without a `dpi`,
    a `GuessedSize`. Pages marked `bilevel` (black and white already) are 1-bit G4, as are
    all with `black_and_white`."""
    known = list(sizes_pt) + [None] * (len(pages) - len(sizes_pt))
    sizes = [
        size or (page_size_pt(page, dpi) if dpi else GuessedSize(page_size_pt(page, None)))
        for page, size in zip(pages, known, strict=True)
    ]
    one_bit = list(bilevel) + [False] * (len(pages) - len(bilevel))
    pairs = zip(pages, one_bit, strict=True)
    return [encode_page(page, black_and_white or bits) for page, bits in pairs], sizes


def page_size_pt(pixels: np.ndarray, dpi: tuple[float, float] | None) -> tuple[float, float]:
    """The physical size of an image page: its pixels at its DPI (or the render default)."""
    x_dpi, y_dpi = dpi or (DEFAULT_RENDER_DPI, DEFAULT_RENDER_DPI)
    height, width = pixels.shape[:2]
    return width * POINTS_PER_INCH / x_dpi, height * POINTS_PER_INCH / y_dpi


def _indirect(value: object) -> bool:
    return isinstance(value, pikepdf.Object) and value.is_indirect


class PageSpool:
    """The encoded pages (`engine.pdf.pdf_pages`) of a PDF being built, on disk."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="docclean-pages-")
        self.files: list[str] = []
        self.sizes: list[tuple[float, float]] = []

    def add(self, images: Sequence[bytes], sizes: Sequence[tuple[float, float]]) -> None:
        for image, size in zip(images, sizes, strict=True):
            path = Path(self._folder.name) / f"{len(self.files):06}"
            path.write_bytes(image)
            self.files.append(str(path))
            self.sizes.append(size)

    def __len__(self) -> int:
        return len(self.files)

    def write_to(self, file: str) -> None:
        """The pages as one PDF in `file`, page by page."""
        with open(file, "wb") as out:
            assembler = PdfAssembler(out)
            for image, size in zip(self.files, matched_sizes(self.files, self.sizes), strict=True):
                assembler.add_page(pdf_bytes([image], [size]))
            assembler.finish()

    def close(self) -> None:
        self._folder.cleanup()


class PdfAssembler:
    """Copies the page of one-page PDFs into `out`, one after the other, with new object
    numbers; `finish` writes the page tree, the catalogue and the cross-reference table."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self.next_number = PAGES_OBJECT + 1
        out.write(HEADER)

    def _object(self, body: bytes, number: int | None = None) -> int:
        if number is None:
            number, self.next_number = self.next_number, self.next_number + 1
        self.offsets[number] = self.out.tell()
        self.out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        return number

    def _stream(self, stream: pikepdf.Stream) -> int:
        """A copy of `stream` as it is encoded; its dictionary holds direct values only."""
        entries = {key: value for key, value in stream.stream_dict.items() if key != "/Length"}
        if any(map(_indirect, entries.values())):
            raise ValueError("a page part refers to other objects")
        data = stream.read_raw_bytes()
        dictionary = pikepdf.Dictionary({**entries, "/Length": len(data)}).unparse()
        return self._object(dictionary + b"\nstream\n" + data + b"\nendstream")

    def add_page(self, single_page_pdf: bytes) -> None:
        """Append the one page of `single_page_pdf` (an image drawn on it, as img2pdf makes)."""
        with pikepdf.open(io.BytesIO(single_page_pdf)) as pdf:
            (page,) = pdf.pages
            images = page.Resources.XObject
            names = [(name, self._stream(images[name])) for name in images]
            contents = self._stream(page.Contents)
            kept = {
                key: value
                for key, value in page.obj.items()
                if key not in ("/Parent", "/Resources", "/Contents", "/Type")
            }
            if any(map(_indirect, kept.values())):
                raise ValueError("a page entry refers to other objects")
        xobjects = b" ".join(b"%s %d 0 R" % (name.encode(), number) for name, number in names)
        rest = pikepdf.Dictionary(kept).unparse()[2:-2]  # its entries, without << >>
        self.pages.append(
            self._object(
                b"<< /Type /Page /Parent %d 0 R %s /Resources << /XObject << %s >> >> "
                b"/Contents %d 0 R >>" % (PAGES_OBJECT, rest, xobjects, contents)
            )
        )

    def finish(self) -> None:
        kids = b" ".join(b"%d 0 R" % number for number in self.pages)
        self._object(
            b"<< /Type /Pages /Kids [ %s ] /Count %d >>" % (kids, len(self.pages)), PAGES_OBJECT
        )
        catalogue = self._object(b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES_OBJECT)
        start = self.out.tell()
        size = self.next_number
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.out.write(b"%010d 00000 n \n" % self.offsets[number])
        self.out.write(
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, catalogue, start)
        )
