"""A PDF of any length written page by page: the combined PDF of `--combine`.

Its cleaned pages wait, encoded, in a temporary folder (`PageSpool`); at the end each one
becomes a one-page PDF (img2pdf lays it out exactly as `engine.pdf.pdf_bytes` does) whose
image, drawing and page are copied into the file as they come (`PdfAssembler`), so one
page's data is in memory at a time, however many pages there are.
"""

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pikepdf  # img2pdf's PDF library

from engine.pdf import matched_sizes, pdf_bytes

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PAGES_OBJECT = 1  # the page tree: its number is known before its pages are


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
