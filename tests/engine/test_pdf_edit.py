"""A user's PDF comes back as the same document with its scans cleaned: a searchable scan
keeps its text layer, a born-digital page stays as it was, a bilevel scan stays 1-bit and
small, and the outline, metadata and links are kept."""

import io
import shutil
import subprocess
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from engine.denoiser import Denoiser
from engine.events import BatchFinished
from engine.io import read_pages
from engine.pipeline import clean_jobs, plan_jobs
from tests.conftest import ddd_page

BORN_DIGITAL = (
    b"BT /F1 24 Tf 72 500 Td (Born digital, left alone) Tj ET 0 0 1 rg 72 400 200 40 re f"
)


def searchable_scan(tmp_path: Path) -> Path:
    """Tesseract's searchable PDF of a real noisy scan: the image under invisible text."""
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (make test installs it)")
    page = tmp_path / "scan.png"
    Image.open(ddd_page("101.png")).save(page, dpi=(150, 150))
    subprocess.run(
        ["tesseract", str(page), str(tmp_path / "scan"), "pdf"], check=True, capture_output=True
    )
    return tmp_path / "scan.pdf"


def bilevel_scan() -> bytes:
    """A Letter page at 300 dpi, 1-bit CCITT G4, as office scanners write them."""
    with Image.open(ddd_page("102.png")) as image:
        grey = image.convert("L").resize((2550, 1983))  # the scan's shape, page wide
    page = Image.new("L", (2550, 3300), 255)
    page.paste(grey, (0, 0))
    buffer = io.BytesIO()
    page.point(lambda level: 255 if level > 140 else 0).convert("1").save(
        buffer, format="TIFF", compression="group4", dpi=(300, 300)
    )
    return img2pdf.convert([buffer.getvalue()])


def users_document(tmp_path: Path) -> Path:
    """A searchable scan, a born-digital page with a link, a bilevel scan; an outline and
    metadata."""
    path = tmp_path / "document.pdf"
    with pikepdf.open(searchable_scan(tmp_path)) as pdf:
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        digital = pdf.add_blank_page(page_size=(612, 792))
        digital.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        digital.Contents = pdf.make_stream(BORN_DIGITAL)
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[72, 400, 272, 440],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org")),
        )
        logo = pdf.make_stream(
            bytes(range(64)) * 16,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=32,
            Height=32,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=8,
        )  # a small image beside the text: left alone
        digital.Resources.XObject = pikepdf.Dictionary(Logo=logo)
        digital.Contents = pdf.make_stream(BORN_DIGITAL + b" q 40 0 0 40 500 700 cm /Logo Do Q")
        field = pdf.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Tx, T=pikepdf.String("Name"), V=pikepdf.String("A. Clerk")
            )
        )
        digital.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
        pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array([field])))
        pdf.Root.PageLabels = pdf.make_indirect(
            pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.r)]))
        )
        with pikepdf.open(io.BytesIO(bilevel_scan())) as letter:
            pdf.pages.extend(letter.pages)
        with pdf.open_outline() as outline:
            outline.root.extend([pikepdf.OutlineItem(f"Chapter {n + 1}", n) for n in range(3)])
        pdf.docinfo["/Title"] = "The minutes"
        pdf.docinfo["/Author"] = "A. Clerk"
        pdf.save(path)
    return path


def text_of(path: Path, index: int) -> str:
    document = pdfium.PdfDocument(path)
    try:
        return document[index].get_textpage().get_text_range()
    finally:
        document.close()


def test_a_users_pdf_is_the_same_document_with_its_scans_cleaned(
    tmp_path: Path, tiny_model_path: Path
):
    source = users_document(tmp_path)
    before = source.read_bytes()
    jobs, _ = plan_jobs([source], tmp_path / "out")

    events = list(clean_jobs(jobs, Denoiser(tiny_model_path)))

    assert isinstance(events[-1], BatchFinished) and events[-1].cleaned == 1
    assert source.read_bytes() == before  # the original is never touched
    output = tmp_path / "out" / "document.pdf"
    assert text_of(output, 0) == text_of(source, 0) and "methods" in text_of(output, 0)
    assert text_of(output, 1) == text_of(source, 1) == "Born digital, left alone"
    with pikepdf.open(source) as original, pikepdf.open(output) as cleaned:
        assert len(cleaned.pages) == 3
        assert cleaned.docinfo["/Title"] == "The minutes"
        assert cleaned.docinfo["/Author"] == "A. Clerk"
        with cleaned.open_outline() as outline:
            assert [item.title for item in outline.root] == ["Chapter 1", "Chapter 2", "Chapter 3"]
        (link,) = cleaned.pages[1].Annots
        assert str(link.A.URI) == "https://example.org"
        (field,) = cleaned.Root.AcroForm.Fields
        assert (str(field.T), str(field.V)) == ("Name", "A. Clerk")
        assert str(cleaned.Root.PageLabels.Nums[1].S) == "/r"
        untouched, kept = original.pages[1], cleaned.pages[1]
        assert kept.Contents.read_bytes() == untouched.Contents.read_bytes()
        assert kept.Contents.read_bytes().startswith(BORN_DIGITAL)
        (logo,), (original_logo,) = kept.get_images().values(), untouched.get_images().values()
        assert logo.read_raw_bytes() == original_logo.read_raw_bytes()
        assert logo.read_bytes() == bytes(range(64)) * 16
        for index in (0, 2):  # each scan replaced in place: same size, same place
            (old,), (new,) = (
                original.pages[index].get_images().values(),
                cleaned.pages[index].get_images().values(),
            )
            assert (new.Width, new.Height) == (old.Width, old.Height)
            assert (
                original.pages[index].Contents.read_bytes()
                == cleaned.pages[index].Contents.read_bytes()
            )
            assert new.read_raw_bytes() != old.read_raw_bytes()
        (bilevel,) = cleaned.pages[2].get_images().values()
        assert int(bilevel.BitsPerComponent) == 1
        assert "/CCITTFaxDecode" in str(bilevel.Filter)
    pages = list(read_pages(output))
    assert [page.pixels.shape for page in pages] == [
        page.pixels.shape for page in read_pages(source)
    ]
    assert set(np.unique(pages[2].pixels)) <= {0, 255}


def test_a_bilevel_scan_stays_small_when_cleaned(tmp_path: Path):
    """The shipped model on a 1-bit G4 Letter page: the cleaned PDF stays 1-bit G4 and at
    most 1.5× the size of the original (an 8-bit page would be 16–39×)."""
    source = tmp_path / "letter.pdf"
    source.write_bytes(bilevel_scan())
    jobs, _ = plan_jobs([source], tmp_path / "out")
    from engine.resources import default_model_path

    list(clean_jobs(jobs, Denoiser(default_model_path())))

    output = tmp_path / "out" / "letter.pdf"
    assert output.stat().st_size <= 1.5 * source.stat().st_size
    with pikepdf.open(output) as pdf:
        (image,) = pdf.pages[0].get_images().values()
        assert int(image.BitsPerComponent) == 1
