"""The batch pipeline: planning outputs, progress events, failures that stay per file."""

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.events import (
    BatchFinished,
    BatchStarted,
    FileDone,
    FileFailed,
    FileSkipped,
    FileStarted,
    PageStarted,
    TileDone,
)
from engine.io import probe_image, read_pages
from engine.pipeline import Job, clean_jobs, plan_jobs
from tests.conftest import pdf_page_sizes


@pytest.fixture(scope="module")
def denoiser(tiny_model_path: Path) -> Denoiser:
    return Denoiser(tiny_model_path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_plan_keeps_folder_layout_and_explains_rejections(
    page_folder: Path, tmp_path: Path
) -> None:
    (page_folder / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    jobs, rejected = plan_jobs([page_folder, page_folder / "a.png", tmp_path / "gone.png"], out)
    assert [job.output.relative_to(out).as_posix() for job in jobs] == [
        "a.png",
        "b.png",
        "sub/c.png",
    ]  # a.png given twice is queued once
    reasons = {item.path.name: (item.reason, item.ignorable) for item in rejected}
    assert reasons["notes.txt"] == ("not a supported image type", True)
    assert reasons["gone.png"] == ("not found", False)


def test_plan_without_output_folder_writes_beside_inputs(page_folder: Path) -> None:
    jobs, _ = plan_jobs([page_folder], None, recursive=False)
    assert [job.output for job in jobs] == [
        page_folder / "cleaned" / "a.png",
        page_folder / "cleaned" / "b.png",
    ]
    (page_folder / "cleaned").mkdir()
    Image.new("L", (5, 5)).save(page_folder / "cleaned" / "a.png")
    jobs, _ = plan_jobs([page_folder], None)
    assert all("cleaned" not in job.source.parts for job in jobs)  # results are not inputs


def test_plan_survives_a_symlink_loop(page_folder: Path, tmp_path: Path) -> None:
    (page_folder / "sub" / "loop").symlink_to(page_folder, target_is_directory=True)
    jobs, rejected = plan_jobs([page_folder], tmp_path / "out")
    assert len(jobs) == 3
    assert any("loops back" in item.reason for item in rejected)


def test_plan_refuses_clashing_outputs(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        Image.new("L", (5, 5)).save(tmp_path / folder / "p.png")
    jobs, rejected = plan_jobs([tmp_path / "x" / "p.png", tmp_path / "y" / "p.png"], tmp_path / "o")
    assert len(jobs) == 1 and "already written" in rejected[0].reason


def test_clean_jobs_cleans_writes_and_reports(
    page_folder: Path, tmp_path: Path, denoiser: Denoiser
) -> None:
    before = {p: digest(p) for p in page_folder.rglob("*.png")}
    jobs, _ = plan_jobs([page_folder], tmp_path / "out")
    events = list(clean_jobs(jobs, denoiser))
    kinds = [type(event) for event in events]
    assert kinds[0] is BatchStarted and kinds[-1] is BatchFinished
    assert kinds.count(FileStarted) == kinds.count(FileDone) == kinds.count(PageStarted) == 3
    tile_events = [e for e in events if isinstance(e, TileDone)]
    assert tile_events and tile_events[-1].file_fraction == 1.0
    summary = events[-1]
    assert (summary.cleaned, summary.failed, summary.cancelled) == (3, 0, False)
    for job in jobs:
        expected = clean_page(next(read_pages(job.source)).pixels, denoiser)
        written = next(read_pages(job.output)).pixels
        assert np.abs(written.astype(float) / 255 - expected).max() <= 0.5 / 255 + 1e-6
        assert probe_image(job.output).dpi == pytest.approx((200, 200), abs=0.1)
    assert before == {p: digest(p) for p in before}  # inputs untouched

    again = list(clean_jobs(jobs, denoiser))
    assert sum(isinstance(e, FileSkipped) for e in again) == 3
    redone = list(clean_jobs(jobs, denoiser, overwrite=True))
    assert redone[-1].cleaned == 3


def test_a_corrupt_file_fails_alone(page_folder: Path, tmp_path: Path, denoiser: Denoiser) -> None:
    (page_folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    jobs, _ = plan_jobs([page_folder], tmp_path / "out")
    events = list(clean_jobs(jobs, denoiser))
    failures = [e for e in events if isinstance(e, FileFailed)]
    assert [f.path.name for f in failures] == ["broken.png"]
    assert failures[0].error == "UnreadableImageError"
    assert events[-1].cleaned == 3 and events[-1].failed == 1
    assert not (tmp_path / "out" / "broken.png").exists()


def test_multipage_tiff_stays_multipage(tmp_path: Path, denoiser: Denoiser) -> None:
    source = tmp_path / "doc.tiff"
    frames = [Image.fromarray(np.full((50, 60), v, np.uint8)) for v in (40, 90, 160)]
    frames[0].save(source, save_all=True, append_images=frames[1:], dpi=(300, 300))
    events = list(clean_jobs([Job(source, tmp_path / "out" / "doc.tiff")], denoiser))
    assert [e.page_index for e in events if isinstance(e, PageStarted)] == [0, 1, 2]
    pages = list(read_pages(tmp_path / "out" / "doc.tiff"))
    assert len(pages) == 3
    assert [p.pixels[25, 30] for p in pages] == sorted(p.pixels[25, 30] for p in pages)


def test_cancel_stops_between_tiles_and_writes_nothing(tmp_path: Path, denoiser: Denoiser) -> None:
    source = tmp_path / "big.png"
    Image.fromarray(np.full((2000, 2000), 128, np.uint8)).save(source)
    out = tmp_path / "out"
    cancel = threading.Event()
    events = []
    for event in clean_jobs([Job(source, out / "big.png")], denoiser, cancel=cancel):
        events.append(event)
        if isinstance(event, TileDone):  # the first batch of tiles is done
            cancel.set()
    assert events[-1].cancelled and events[-1].cleaned == 0
    assert sum(isinstance(e, TileDone) for e in events) == 1  # stopped at the next batch
    assert not out.exists() or list(out.iterdir()) == []


def test_output_that_is_the_input_is_refused(tmp_path: Path, denoiser: Denoiser) -> None:
    source = tmp_path / "page.png"
    Image.new("L", (20, 20), 200).save(source)
    before = digest(source)
    events = list(clean_jobs([Job(source, source)], denoiser, overwrite=True))
    assert any(isinstance(e, FileFailed) and "overwrite the input" in e.reason for e in events)
    assert digest(source) == before


def test_a_chosen_dpi_is_written_into_every_output(tmp_path: Path, denoiser: Denoiser) -> None:
    without = tmp_path / "without.png"  # a scan that carries no DPI
    Image.new("L", (60, 80), 180).save(without)
    wrong = tmp_path / "wrong.tif"  # one that says 72 dpi
    Image.new("L", (60, 80), 180).save(wrong, dpi=(72, 72))
    out = tmp_path / "out"
    jobs = [Job(without, out / "without.png"), Job(wrong, out / "wrong.tif")]
    events = list(clean_jobs(jobs, denoiser, dpi=400))
    assert events[-1].cleaned == 2
    for path in (out / "without.png", out / "wrong.tif"):
        with Image.open(path) as image:
            assert tuple(round(float(value)) for value in image.info["dpi"]) == (400, 400)
    list(clean_jobs([Job(wrong, out / "own.tif")], denoiser))  # Auto keeps the file's own
    with Image.open(out / "own.tif") as image:
        assert tuple(round(float(value)) for value in image.info["dpi"]) == (72, 72)


def test_a_chosen_dpi_sets_the_physical_size_of_pdf_pages(
    tmp_path: Path, denoiser: Denoiser
) -> None:
    source = tmp_path / "scan.png"
    Image.new("L", (600, 900), 180).save(source, dpi=(72, 72))  # 600 px wide: 2 in at 300 dpi
    pdf = tmp_path / "out" / "scan.pdf"
    list(clean_jobs([Job(source, pdf)], denoiser, dpi=300))
    ((width, height),) = pdf_page_sizes(pdf)
    assert (width, height) == pytest.approx((2 * 72, 3 * 72), abs=0.5)
    # A PDF source's own page size gives way too, and so do pages combined into one PDF.
    combined = tmp_path / "out" / "book.pdf"
    jobs = [Job(pdf, combined), Job(source, combined)]
    list(clean_jobs(jobs, denoiser, combine_into=combined, dpi=150))
    assert pdf_page_sizes(combined) == [pytest.approx((4 * 72, 6 * 72), abs=0.5)] * 2


def test_a_resolution_no_scan_has_is_refused(tmp_path: Path, denoiser: Denoiser) -> None:
    with pytest.raises(ValueError, match="dpi"):
        list(clean_jobs([], denoiser, dpi=0))
