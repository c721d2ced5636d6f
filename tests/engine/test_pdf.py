"""Scanned PDFs in, cleaned PDFs out: pages, sizes, rotation, encodings, bad PDFs, combining.

One module for PDF reading and writing (long: each case builds its own PDF)."""

import io
import threading
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.errors import PageTooLargeError, UnreadableImageError
from engine.events import BatchFinished, FileDone, FileFailed, TileDone
from engine.io import probe_image, read_pages, to_uint8, write_pages
from engine.pdf_writer import PageSpool, pdf_bytes, pdf_pages
from engine.pipeline import Job, clean_jobs, plan_jobs
from tests.conftest import ddd_page
from tests.engine.test_cli import run_cli


def scan(name: str = "101.png") -> np.ndarray:
    with Image.open(ddd_page(name)) as image:
        return np.asarray(image.convert("L"))


def encoded(pixels: np.ndarray, dpi: float, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=format, dpi=(dpi, dpi))
    return buffer.getvalue()


@pytest.fixture
def mixed_pdf(tmp_path: Path) -> Path:
    """Three real scans: 200 dpi PNG, 150 dpi JPEG on a page turned 90°, 300 dpi crop."""
    pages = [
        encoded(scan("101.png"), 200),
        encoded(scan("102.png"), 150, "JPEG"),
        encoded(scan("104.png")[:300, :400], 300),
    ]
    path = tmp_path / "mixed.pdf"
    path.write_bytes(img2pdf.convert(pages))
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[1].Rotate = 90
        pdf.save(path)
    return path


def page_sizes(path: Path) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(path)
    try:
        return [tuple(round(side, 2) for side in page.get_size()) for page in document]
    finally:
        document.close()


def embedded_images(path: Path) -> list[dict[str, object]]:
    with pikepdf.open(path) as pdf:
        found = []
        for page in pdf.pages:
            for image in page.images.values():
                filters = image.get("/Filter")
                if isinstance(filters, pikepdf.Array):
                    (filters,) = filters
                found.append(
                    {
                        "filter": str(filters),
                        "bits": int(image.BitsPerComponent),
                        "colour": str(image.get("/ColorSpace")),
                    }
                )
        return found


def test_pages_render_pixel_for_pixel_at_the_scans_own_resolution(mixed_pdf: Path):
    pages = list(read_pages(mixed_pdf))
    assert [page.count for page in pages] == [3, 3, 3]
    assert [page.pixels.shape for page in pages] == [(420, 540), (540, 420), (300, 400)]
    assert [round(page.dpi[0]) for page in pages] == [200, 150, 300]
    np.testing.assert_array_equal(pages[0].pixels, scan("101.png"))  # lossless PNG page
    np.testing.assert_array_equal(pages[2].pixels, scan("104.png")[:300, :400])
    turned = np.rot90(scan("102.png"), k=-1)  # /Rotate 90 turns the page clockwise
    assert np.abs(pages[1].pixels.astype(int) - turned).mean() < 6  # JPEG decoders differ
    info = probe_image(mixed_pdf)
    assert (info.format, info.page_count, info.width, info.height) == ("PDF", 3, 540, 420)


def test_cleaned_pdf_keeps_page_count_order_and_physical_size(
    tmp_path: Path, mixed_pdf: Path, tiny_model_path: Path
):
    denoiser = Denoiser(tiny_model_path)
    jobs, _ = plan_jobs([mixed_pdf], tmp_path / "out")
    events = list(clean_jobs(jobs, denoiser))
    assert isinstance(events[-1], BatchFinished) and events[-1].cleaned == 1
    output = tmp_path / "out" / "mixed.pdf"

    assert page_sizes(output) == page_sizes(mixed_pdf)
    for source, cleaned in zip(read_pages(mixed_pdf), read_pages(output), strict=True):
        expected = to_uint8(clean_page(source.pixels, denoiser, dpi=source.dpi), "gray")
        np.testing.assert_array_equal(cleaned.pixels, expected)  # lossless, same order
    assert [image["bits"] for image in embedded_images(output)] == [8, 8, 8]
    assert {image["filter"] for image in embedded_images(output)} == {"/FlateDecode"}
    assert {image["colour"] for image in embedded_images(output)} == {"/DeviceGray"}


def test_black_and_white_pdf_is_1_bit_g4_and_small(
    tmp_path: Path, mixed_pdf: Path, tiny_model_path: Path
):
    jobs, _ = plan_jobs([mixed_pdf], tmp_path / "bw")
    list(clean_jobs(jobs, Denoiser(tiny_model_path), mode="bw"))
    output = tmp_path / "bw" / "mixed.pdf"
    images = embedded_images(output)
    assert [(image["filter"], image["bits"]) for image in images] == [("/CCITTFaxDecode", 1)] * 3
    assert page_sizes(output) == page_sizes(mixed_pdf)
    for page in read_pages(output):
        assert set(np.unique(page.pixels)) <= {0, 255}
    assert output.stat().st_size < mixed_pdf.stat().st_size


def test_cleaned_scan_pdf_is_not_much_larger_than_its_source(tmp_path: Path):
    """A typical scanned PDF (JPEG pages) cleaned by the shipped model."""
    pages = [encoded(scan(name), 200, "JPEG") for name in ("101.png", "102.png", "104.png")]
    source = tmp_path / "scan.pdf"
    source.write_bytes(img2pdf.convert(pages))
    result = run_cli("clean", str(source), "-o", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "scan.pdf").stat().st_size < 1.5 * source.stat().st_size


def test_page_without_a_scan_renders_at_300_dpi(tmp_path: Path):
    path = tmp_path / "blank.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(144, 72))  # 2 × 1 inch
        pdf.save(path)
    (page,) = read_pages(path)
    assert page.pixels.shape == (300, 600) and page.dpi == (300, 300)
    assert page.pixels.min() == 255


def test_encrypted_damaged_empty_and_huge_pdfs_are_refused(tmp_path: Path, mixed_pdf: Path):
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(mixed_pdf) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(mixed_pdf.read_bytes()[:300])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_text("this is not a PDF")
    empty = tmp_path / "empty.pdf"
    with pikepdf.new() as pdf:
        pdf.save(empty)
    huge = tmp_path / "huge.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(14400, 14400))  # 200 × 200 inches
        pdf.save(huge)

    cases = {
        locked: (UnreadableImageError, "encrypted"),
        damaged: (UnreadableImageError, "not a readable PDF"),
        garbage: (UnreadableImageError, "not a readable PDF"),
        empty: (UnreadableImageError, "no pages"),
        huge: (PageTooLargeError, "above the 150 megapixel limit"),
    }
    for path, (error, message) in cases.items():
        with pytest.raises(error, match=message):
            list(read_pages(path))
        with pytest.raises(error, match=message):
            probe_image(path)


def test_bad_pdf_fails_alone_in_a_batch(tmp_path: Path, mixed_pdf: Path, tiny_model_path):
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(mixed_pdf) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    jobs, _ = plan_jobs([locked, mixed_pdf], tmp_path / "out")
    events = list(clean_jobs(jobs, Denoiser(tiny_model_path)))
    (failure,) = [event for event in events if isinstance(event, FileFailed)]
    assert failure.path == locked and "encrypted" in failure.reason
    assert [event.path for event in events if isinstance(event, FileDone)] == [mixed_pdf]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["mixed.pdf"]


def test_output_format_choice(tmp_path: Path, mixed_pdf: Path, tiny_model_path: Path):
    single = tmp_path / "in" / "page.png"
    single.parent.mkdir()
    Image.fromarray(scan()).save(single, dpi=(200, 200))
    model = ["--model", str(tiny_model_path), "-q"]

    as_pdf = run_cli("clean", str(single), "-o", str(tmp_path / "pdf"), "--format", "pdf", *model)
    assert as_pdf.returncode == 0, as_pdf.stderr
    assert page_sizes(tmp_path / "pdf" / "page.pdf") == [(194.4, 151.2)]  # 540 × 420 at 200 dpi

    as_tiff = run_cli(
        "clean", str(mixed_pdf), "-o", str(tmp_path / "tif"), "--format", "tiff", *model
    )
    assert as_tiff.returncode == 0, as_tiff.stderr
    with Image.open(tmp_path / "tif" / "mixed.tif") as tiff:
        assert tiff.n_frames == 3

    as_png = run_cli(
        "clean", str(mixed_pdf), "-o", str(tmp_path / "png"), "--format", "png", *model
    )
    assert as_png.returncode == 0, as_png.stderr  # one PNG per page
    names = sorted(path.name for path in (tmp_path / "png").iterdir())
    assert names == ["mixed-p1.png", "mixed-p2.png", "mixed-p3.png"]
    for name, page in zip(names, read_pages(tmp_path / "tif" / "mixed.tif"), strict=True):
        np.testing.assert_array_equal(next(read_pages(tmp_path / "png" / name)).pixels, page.pixels)
    again = run_cli("clean", str(mixed_pdf), "-o", str(tmp_path / "png"), "--format", "png")
    assert "skipped 1 already cleaned" in again.stdout


def test_combine_a_folder_into_one_pdf_in_name_order(tmp_path: Path, tiny_model_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    widths = {"page1.png": 300, "page2.png": 320, "page10.png": 340}  # natural order
    for name, width in widths.items():
        Image.fromarray(scan()[:, :width]).save(folder / name, dpi=(200, 200))
    (folder / "notes.txt").write_text("not a page")
    combined = tmp_path / "book.pdf"

    result = run_cli(
        "clean", str(folder), "--combine", str(combined), "--model", str(tiny_model_path), "-q"
    )

    assert result.returncode == 0, result.stderr
    assert page_sizes(combined) == [(round(w * 72 / 200, 2), 151.2) for w in (300, 320, 340)]
    assert not (folder / "cleaned").exists()
    again = run_cli(
        "clean", str(folder), "--combine", str(combined), "--model", str(tiny_model_path)
    )
    assert "skipped 3 already cleaned" in again.stdout
    bad_name = run_cli("clean", str(folder), "--combine", str(tmp_path / "book.png"))
    assert bad_name.returncode == 2 and "--combine needs a file name ending in .pdf" in (
        bad_name.stderr
    )


def test_combine_never_overwrites_an_input_and_a_cancel_writes_nothing(
    tmp_path: Path, mixed_pdf: Path, tiny_model_path: Path
):
    original = mixed_pdf.read_bytes()
    jobs, _ = plan_jobs([mixed_pdf], tmp_path / "out")
    events = list(clean_jobs(jobs, Denoiser(tiny_model_path), combine_into=mixed_pdf))
    (failure,) = [event for event in events if isinstance(event, FileFailed)]
    assert "would overwrite one of the inputs" in failure.reason
    assert events[-1].failed == 1 and mixed_pdf.read_bytes() == original

    second = tmp_path / "page.png"
    Image.fromarray(scan()).save(second)
    jobs, _ = plan_jobs([mixed_pdf, second], tmp_path / "out")
    cancel = threading.Event()
    combined = tmp_path / "book.pdf"
    events = []
    for event in clean_jobs(jobs, Denoiser(tiny_model_path), cancel=cancel, combine_into=combined):
        events.append(event)
        if isinstance(event, FileDone):
            cancel.set()  # after the first file: its pages are kept in memory, not written
    summary = events[-1]
    assert isinstance(summary, BatchFinished)
    assert (summary.cancelled, summary.cleaned) == (True, 0)
    assert not combined.exists() and list(tmp_path.glob(".*.part")) == []


def test_reading_from_a_later_page_skips_the_ones_before(tmp_path: Path, mixed_pdf: Path):
    tiff = tmp_path / "pages.tif"
    frames = [Image.fromarray(scan()[:, : 200 + 50 * index]) for index in range(3)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:])
    for path in (mixed_pdf, tiff):
        every = list(read_pages(path))
        later = list(read_pages(path, first=2))
        assert [page.index for page in later] == [2]
        np.testing.assert_array_equal(later[0].pixels, every[2].pixels)
        with pytest.raises(UnreadableImageError, match="has no page 4 \\(it has 3\\)"):
            list(read_pages(path, first=3))


def test_pages_without_dpi_take_the_resolution_of_the_others_in_a_combined_pdf(
    tmp_path: Path, tiny_model_path: Path
):
    folder = tmp_path / "pages"
    folder.mkdir()
    Image.fromarray(scan()).save(folder / "page1.png", dpi=(100, 100))  # 540 × 420 px
    Image.fromarray(scan()[:, :300]).save(folder / "page2.png")  # no DPI
    Image.fromarray(scan()).save(folder / "page3.png", dpi=(100, 100))
    alone = tmp_path / "alone.pdf"
    jobs, _ = plan_jobs([folder / "page2.png"], tmp_path, output_format="pdf")
    combined = tmp_path / "book.pdf"
    denoiser = Denoiser(tiny_model_path)

    list(clean_jobs(jobs, denoiser))
    (tmp_path / "page2.pdf").rename(alone)
    jobs, _ = plan_jobs([folder])
    list(clean_jobs(jobs, denoiser, combine_into=combined))

    assert page_sizes(combined) == [(388.8, 302.4), (216.0, 302.4), (388.8, 302.4)]
    assert page_sizes(alone) == [(72.0, 100.8)]  # alone: the 300 dpi default, as before


def test_a_pdf_page_at_an_uneven_resolution_reads_back_pixel_for_pixel(tmp_path: Path):
    """PNG stores pixels per metre: 200 dpi comes back as 199.9996, and the PDF page made
    from it must still hold the scan exactly (no resampling when it is read again)."""
    pixels = scan()
    source = tmp_path / "page.png"
    Image.fromarray(pixels).save(source, dpi=(200, 200))
    (page,) = read_pages(source)
    assert page.dpi != (200.0, 200.0)
    pdf = tmp_path / "page.pdf"
    write_pages(pdf, [pixels], page.dpi)

    (back,) = read_pages(pdf)

    np.testing.assert_array_equal(back.pixels, pixels)


def test_a_combined_pdf_takes_earlier_results_as_they_are(tmp_path: Path, tiny_model_path: Path):
    """A job's earlier lossless result goes into the combined PDF without cleaning again;
    a lossy or unreadable one does not (that source is cleaned)."""
    denoiser = Denoiser(tiny_model_path)
    sources = []
    for name, width in (("a.png", 300), ("b.png", 320), ("c.png", 340)):
        sources.append(tmp_path / name)
        Image.fromarray(scan()[:, :width]).save(sources[-1], dpi=(200, 200))
    kept = tmp_path / "kept.tif"
    write_pages(kept, [np.full((420, 300), 77, np.uint8)], (200.0, 200.0))  # not a cleaning
    lossy = tmp_path / "lossy.jpg"
    write_pages(lossy, [np.full((420, 320), 77, np.uint8)], (200.0, 200.0))
    jobs = [
        Job(sources[0], tmp_path / "all.pdf", cleaned=kept),
        Job(sources[1], tmp_path / "all.pdf", cleaned=lossy),
        Job(sources[2], tmp_path / "all.pdf", cleaned=tmp_path / "gone.png"),
    ]

    events = list(clean_jobs(jobs, denoiser, combine_into=tmp_path / "all.pdf"))

    cleaned_again = {event.path for event in events if isinstance(event, TileDone)}
    assert cleaned_again == {sources[1], sources[2]}
    assert events[-1].cleaned == 3
    pages = [page.pixels for page in read_pages(tmp_path / "all.pdf")]
    assert (pages[0] == 77).all()
    expected = [to_uint8(clean_page(scan()[:, :width], denoiser), "gray") for width in (320, 340)]
    for page, cleaned in zip(pages[1:], expected, strict=True):
        np.testing.assert_array_equal(page, cleaned)


def test_a_pdf_written_page_by_page_matches_one_made_whole(tmp_path: Path):
    """The combined PDF's page-by-page writer: a valid file (its cross-reference table is
    exact: no recovery needed) with the same pages, sizes and pixels as img2pdf's own."""
    rng = np.random.default_rng(3)
    spool = PageSpool()
    pages, sizes, black_and_white = [], [], []
    for index in range(12):
        pixels = np.where(rng.random((150 + index, 200)) < 0.2, 0, 255).astype(np.uint8)
        size = (200 * 72 / 150, (150 + index) * 72 / 150)
        images, sizes_pt = pdf_pages([pixels], [size], None, index % 3 == 0)  # some G4
        spool.add(images, sizes_pt)
        pages.append(pixels)
        sizes.append(size)
        black_and_white.append(index % 3 == 0)
    spool.add(*pdf_pages([pages[0]], [], None, False))  # no DPI: sized like the others
    spooled = tmp_path / "spooled.pdf"
    whole = tmp_path / "whole.pdf"

    spool.write_to(str(spooled))
    whole.write_bytes(pdf_bytes(spool.files, spool.sizes))
    spool.close()

    with pikepdf.open(spooled, attempt_recovery=False) as pdf:
        assert pdf.check_pdf_syntax() == [] and len(pdf.pages) == 13
    assert page_sizes(spooled) == page_sizes(whole)
    assert page_sizes(spooled)[-1] == page_sizes(spooled)[0]
    for mine, theirs in zip(read_pages(spooled), read_pages(whole), strict=True):
        np.testing.assert_array_equal(mine.pixels, theirs.pixels)
    for page, expected in zip(read_pages(spooled), pages, strict=False):
        np.testing.assert_array_equal(page.pixels, expected)


def test_a_scan_page_gives_its_own_pixels_and_anything_more_is_drawn(tmp_path: Path):
    """An A4 page at 300 dpi (595.2 × 841.92 pt) as img2pdf and scanners write it: PDFium
    draws its image a row off, so the scan's own pixels are taken. A page that shows more
    than its scan (here a black bar drawn over it) is drawn as a viewer shows it."""
    pixels = np.full((3508, 2480), 255, np.uint8)
    pixels[100], pixels[:, 50], pixels[0, :10] = 0, 0, 0
    scan_pdf = tmp_path / "a4.pdf"
    scan_pdf.write_bytes(img2pdf.convert([encoded(pixels, 300)]))
    (page,) = read_pages(scan_pdf)
    np.testing.assert_array_equal(page.pixels, pixels)

    drawn = tmp_path / "drawn.pdf"
    with pikepdf.open(scan_pdf) as pdf:
        pdf.pages[0].contents_add(pdf.make_stream(b"0 g 0 0 595.2 72 re f"), prepend=False)
        pdf.save(drawn)
    (page,) = read_pages(drawn)
    assert (page.pixels[-300:] == 0).all()  # the bar: the bottom inch
    assert (page.pixels[:-300] == pixels[:-300]).mean() > 0.999


def test_a_searchable_scan_gives_its_own_pixels_too(tmp_path: Path):
    """An OCR text layer is invisible text over the scan: the page still shows only it."""
    pixels = np.full((3508, 2480), 255, np.uint8)
    pixels[100] = 0
    path = tmp_path / "searchable.pdf"
    path.write_bytes(img2pdf.convert([encoded(pixels, 300)]))
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        page.Resources.Font = pikepdf.Dictionary(F1=font)
        text = b"BT 3 Tr /F1 40 Tf 72 700 Td (invisible words) Tj ET"
        page.contents_add(pdf.make_stream(text), prepend=False)
        pdf.save(path)
    assert "invisible words" in pdfium.PdfDocument(path)[0].get_textpage().get_text_range()

    (read,) = read_pages(path)

    np.testing.assert_array_equal(read.pixels, pixels)


def test_a_bilevel_scan_stays_1_bit_in_a_combined_pdf(tmp_path: Path, tiny_model_path: Path):
    """The size rule of PDFs edited in place holds for --combine too: a 1-bit page stays
    1-bit G4; a grey one stays grey."""
    folder = tmp_path / "pages"
    folder.mkdir()
    bits = Image.fromarray(np.where(scan() < 128, 0, 255).astype(np.uint8)).convert("1")
    bits.save(folder / "page1.png", dpi=(200, 200))
    Image.fromarray(scan()).save(folder / "page2.png", dpi=(200, 200))
    jobs, _ = plan_jobs([folder])
    combined = tmp_path / "book.pdf"

    list(clean_jobs(jobs, Denoiser(tiny_model_path), combine_into=combined))

    assert [(image["filter"], image["bits"]) for image in embedded_images(combined)] == [
        ("/CCITTFaxDecode", 1),
        ("/FlateDecode", 8),
    ]
