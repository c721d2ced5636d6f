"""Scanned PDFs in, cleaned PDFs out: queueing, per-page progress, page stepping in the
comparison, the output format, one combined PDF, and PDFs that cannot be read.

The PDFs are built here from real noisy scans (img2pdf embeds them losslessly), with pages
of different sizes and one page turned by /Rotate. One module for PDFs in the app (long:
each case drives the real window).
"""

import io
import re
import threading
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from app.controllers.main_controller import MainController
from app.queue_model import ItemState, QueueModel
from engine.events import FileStarted, TileDone
from engine.io import read_pages
from tests.app.driving import (
    drop,
    on_worker_events,
    partial_files,
    run_batch,
    shown_pixels,
    wait_queued,
)
from tests.conftest import ddd_page, pdf_page_sizes

# (scan, DPI) for each page of the test document; its third page is turned by 90°.
DOCUMENT = [("101.png", 200), ("11.png", 150), ("102.png", 200)]
ROTATED_PAGE = 2
# The document's page sizes in points as displayed: pixels at their DPI, the third turned.
DOCUMENT_SIZES = [(194.4, 151.2), (259.2, 123.84), (151.2, 194.4)]


def scan(name: str) -> np.ndarray:
    with Image.open(ddd_page(name)) as image:
        return np.asarray(image.convert("L"))


def expected_document_pages() -> list[np.ndarray]:
    """The test document's pages as a viewer shows them."""
    pages = [scan(name) for name, _ in DOCUMENT]
    pages[ROTATED_PAGE] = np.rot90(pages[ROTATED_PAGE], -1)  # /Rotate 90 turns clockwise
    return pages


def png_bytes(name: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    with Image.open(ddd_page(name)) as image:
        image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def write_pdf(
    path: Path,
    pages: list[tuple[str, int]],
    rotate: dict[int, int] | None = None,
    encrypt: bool = False,
) -> Path:
    """A scanned PDF: one DDD page per PDF page, sized by its DPI."""
    data = img2pdf.convert([png_bytes(name, dpi) for name, dpi in pages])
    path.parent.mkdir(parents=True, exist_ok=True)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for index, degrees in (rotate or {}).items():
            pdf.pages[index].Rotate = degrees
        encryption = pikepdf.Encryption(owner="o", user="u") if encrypt else None
        pdf.save(path, encryption=encryption or False)
    return path


def write_document(path: Path) -> Path:
    return write_pdf(path, DOCUMENT, rotate={ROTATED_PAGE: 90})


def write_png(path: Path, name: str = "104.png", dpi: int = 200) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(name, dpi))
    return path


def write_tiff(path: Path, names: tuple[str, ...] = ("105.png", "107.png")) -> Path:
    pages = [Image.fromarray(scan(name)) for name in names]
    path.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(200, 200))
    return path


def page_count(path: Path) -> int:
    if path.read_bytes().startswith(b"%PDF"):
        return len(pdf_page_sizes(path))
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def file_format(path: Path) -> str:
    if path.read_bytes().startswith(b"%PDF"):
        return "PDF"
    with Image.open(path) as image:
        return str(image.format)


def assert_sizes(found: list[tuple[float, float]], expected: list[tuple[float, float]]) -> None:
    assert len(found) == len(expected)
    for (width, height), (expected_width, expected_height) in zip(found, expected, strict=True):
        assert width == pytest.approx(expected_width, abs=0.05)
        assert height == pytest.approx(expected_height, abs=0.05)


def status(controller: MainController, name: str) -> str:
    item = next(item for item in controller.queue_model.items() if item.name == name)
    return item.status_text


def test_pdfs_are_queued_one_row_per_document_with_the_page_count(
    qtbot, controller, tmp_path: Path, monkeypatch
):
    folder = tmp_path / "scans"
    write_document(folder / "doc.pdf")
    write_tiff(folder / "scan.tif")
    write_png(folder / "page.png")
    dropped = write_document(tmp_path / "loose" / "dropped.pdf")
    picked = write_document(tmp_path / "picked" / "picked.pdf")

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    controller.window.open_folder_action.trigger()
    wait_queued(qtbot, controller, 3)
    assert drop(controller.window, [dropped]) == (True, True)
    wait_queued(qtbot, controller, 4)
    filters: list[str] = []

    def pick(parent, caption, folder, file_filter, *rest):
        filters.append(file_filter)
        return [str(picked)], file_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", pick)
    controller.window.open_files_action.trigger()
    wait_queued(qtbot, controller, 5)

    model = controller.queue_model
    assert [item.name for item in model.items()] == [
        "doc.pdf",
        "page.png",
        "scan.tif",
        "dropped.pdf",
        "picked.pdf",
    ]
    sizes = [model.index(row, QueueModel.SIZE).data() for row in range(5)]
    assert sizes == [
        "540 × 420, 3 pages",
        "540 × 420",
        "540 × 420, 2 pages",
        "540 × 420, 3 pages",
        "540 × 420, 3 pages",
    ]
    assert "*.pdf" in filters[0].split(";;")[0]
    for row in range(5):
        assert model.index(row, QueueModel.STATUS).data() == "waiting"
        assert not model.index(row, QueueModel.NAME).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert controller.queue.rejected == []


def test_cleaning_a_pdf_writes_a_pdf_of_the_same_pages_with_progress_per_page(
    qtbot, controller, tmp_path: Path
):
    source = write_document(tmp_path / "doc.pdf")
    controller.add_paths([source])
    wait_queued(qtbot, controller, 1)
    statuses: list[str] = []
    controller.queue_model.dataChanged.connect(
        lambda *_: statuses.append(controller.queue_model.item(0).status_text)
    )

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (1, 0)
    for page in (1, 2, 3):
        assert any(re.fullmatch(rf"cleaning page {page} of 3 · \d+%", text) for text in statuses)
    assert controller.queue_model.item(0).status_text == "done"
    output = tmp_path / "cleaned" / "doc.pdf"
    assert controller.queue_model.item(0).output == output
    assert_sizes(pdf_page_sizes(output), DOCUMENT_SIZES)
    assert_sizes(pdf_page_sizes(source), DOCUMENT_SIZES)
    cleaned = [page.pixels for page in read_pages(output)]
    for before, after in zip(expected_document_pages(), cleaned, strict=True):
        assert after.shape == before.shape  # rendered back at the scan's resolution
        assert after.mean() > before.mean() + 10  # the tiny model brightens
    assert partial_files(tmp_path) == []


def test_compare_view_steps_through_the_pages(qtbot, controller, tmp_path: Path):
    source = write_document(tmp_path / "doc.pdf")
    single = write_png(tmp_path / "page.png")
    controller.add_paths([source, single])
    wait_queued(qtbot, controller, 2)
    run_batch(qtbot, controller, controller.clean_all)
    window = controller.window
    view, bar = window.compare_view, window.page_bar
    previous, following = window.previous_page_action, window.next_page_action
    expected = expected_document_pages()
    cleaned = [page.pixels for page in read_pages(tmp_path / "cleaned" / "doc.pdf")]

    def shows(page: int) -> None:
        height, width = expected[page].shape

        def loaded() -> None:
            assert bar.label.text() == f"page {page + 1} of 3"
            assert view.before is not None and view.before.size() == QSize(width, height)
            assert view.after is not None and view.after.size() == QSize(width, height)

        qtbot.waitUntil(loaded)
        np.testing.assert_array_equal(shown_pixels(view.before), expected[page])
        np.testing.assert_array_equal(shown_pixels(view.after), cleaned[page])

    window.queue_view.selectRow(0)
    shows(0)
    assert bar.isVisible()
    assert not previous.isEnabled() and following.isEnabled()

    window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    shows(1)
    assert previous.isEnabled() and following.isEnabled()
    bar.next_button.click()
    shows(2)  # the turned page: taller than wide, as a viewer shows it
    assert previous.isEnabled() and not following.isEnabled()
    following.trigger()  # disabled at the end: stays on the last page
    assert bar.label.text() == "page 3 of 3"
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    shows(1)
    bar.previous_button.click()
    shows(0)

    window.queue_view.selectRow(1)  # one page: no page controls
    qtbot.waitUntil(lambda: view.before is not None and view.before.size() == QSize(540, 420))
    assert not bar.isVisible()
    assert not previous.isEnabled() and not following.isEnabled()
    window.queue_view.selectRow(0)  # another file starts at its first page
    shows(0)


@pytest.mark.parametrize(
    ("output_format", "written"),
    [
        ("same", {"doc.pdf": ("PDF", 3), "page.png": ("PNG", 1), "scan.tif": ("TIFF", 2)}),
        ("pdf", {"doc.pdf": ("PDF", 3), "page.pdf": ("PDF", 1), "scan.pdf": ("PDF", 2)}),
        ("tiff", {"doc.tif": ("TIFF", 3), "page.tif": ("TIFF", 1), "scan.tif": ("TIFF", 2)}),
        (
            "png",
            {
                **{f"doc-p{n}.png": ("PNG", 1) for n in (1, 2, 3)},
                "page.png": ("PNG", 1),
                **{f"scan-p{n}.png": ("PNG", 1) for n in (1, 2)},
            },
        ),
    ],
)
def test_output_format_choice(
    qtbot, controller, tmp_path: Path, output_format: str, written: dict[str, tuple[str, int]]
):
    inputs = tmp_path / "in"
    write_document(inputs / "doc.pdf")
    write_png(inputs / "page.png")
    write_tiff(inputs / "scan.tif")
    panel = controller.window.options_panel
    panel.format_combo.setCurrentIndex(panel.format_combo.findData(output_format))
    assert controller.settings.output_format == output_format
    controller.add_paths([inputs])
    wait_queued(qtbot, controller, 3)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (3, 0)
    outputs = inputs / "cleaned"
    found = {path.name: (file_format(path), page_count(path)) for path in outputs.iterdir()}
    assert found == written
    assert {item.state for item in controller.queue_model.items()} == {ItemState.DONE}
    if output_format == "png":  # a page of a document written page by page is found
        window, view = controller.window, controller.window.compare_view
        row = [item.name for item in controller.queue_model.items()].index("doc.pdf")
        window.queue_view.selectRow(row)
        window.next_page_action.trigger()
        qtbot.waitUntil(lambda: window.page_bar.label.text() == "page 2 of 3")
        expected = next(read_pages(outputs / "doc-p2.png")).pixels
        qtbot.waitUntil(lambda: view.after is not None and view.after.height() == len(expected))
        np.testing.assert_array_equal(shown_pixels(view.after), expected)
        assert "doc-p1.png … doc-p3.png" in window.details_label.text()
    if output_format in ("same", "pdf"):
        assert_sizes(pdf_page_sizes(outputs / "doc.pdf"), DOCUMENT_SIZES)


@pytest.fixture
def numbered_folder(tmp_path: Path) -> Path:
    """page1.png, page2.pdf (two pages) and page10.png, each page of its own size."""
    folder = tmp_path / "numbered"
    write_png(folder / "page10.png", "104.png", dpi=100)
    write_pdf(folder / "page2.pdf", [("11.png", 150), ("102.png", 300)])
    write_png(folder / "page1.png", "101.png", dpi=200)
    return folder


# Page sizes of page1.png, page2.pdf's two pages, page10.png: pixels at their DPI.
NUMBERED_SIZES = [(194.4, 151.2), (259.2, 123.84), (129.6, 100.8), (388.8, 302.4)]


def choose_combined(controller, monkeypatch, answer: Path | str) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(answer), "PDF"))
    controller.window.options_panel.combine_check.click()


def test_combine_into_one_pdf_in_name_order(
    qtbot, controller, numbered_folder: Path, tmp_path: Path, monkeypatch
):
    combined = tmp_path / "out" / "all.pdf"
    choose_combined(controller, monkeypatch, tmp_path / "out" / "all")  # .pdf is added
    panel = controller.window.options_panel
    assert panel.combine_check.isChecked() and panel.combine_label.text() == "all.pdf"
    assert controller.settings.combine_into == combined
    assert not panel.format_combo.isEnabled()  # a combined result is always a PDF
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    items = controller.queue_model.items()
    assert [item.name for item in items] == ["page1.png", "page2.pdf", "page10.png"]

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (3, 0)
    assert_sizes(pdf_page_sizes(combined), NUMBERED_SIZES)
    assert sorted(path.name for path in combined.parent.iterdir()) == ["all.pdf"]
    assert not (numbered_folder / "cleaned").exists()
    assert [(item.status_text, item.output, item.output_page) for item in items] == [
        ("done", combined, 0),
        ("done", combined, 1),
        ("done", combined, 3),
    ]

    # The comparison finds each file's pages inside the combined PDF.
    cleaned = [page.pixels for page in read_pages(combined)]
    view, window = controller.window.compare_view, controller.window
    window.queue_view.selectRow(1)
    qtbot.waitUntil(lambda: view.after is not None and view.after.height() == 258)
    np.testing.assert_array_equal(shown_pixels(view.after), cleaned[1])
    window.next_page_action.trigger()
    qtbot.waitUntil(lambda: window.page_bar.label.text() == "page 2 of 2")
    qtbot.waitUntil(lambda: view.after is not None and view.after.height() == 420)
    np.testing.assert_array_equal(shown_pixels(view.after), cleaned[2])
    window.queue_view.selectRow(2)  # clears the view, then loads page10.png's pair
    qtbot.waitUntil(lambda: view.before is not None and view.after is not None)
    np.testing.assert_array_equal(shown_pixels(view.after), cleaned[3])

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    window.open_output_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(combined.parent)]

    panel.combine_check.click()  # unticked: one result per input again
    assert controller.settings.combine_into is None and panel.format_combo.isEnabled()


def test_combined_pdf_follows_the_queue_order_after_a_move(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    window = controller.window
    window.queue_view.selectRow(2)
    window.move_up_action.trigger()
    window.move_up_action.trigger()
    items = controller.queue_model.items()
    assert [item.name for item in items] == ["page10.png", "page1.png", "page2.pdf"]

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (3, 0)
    # page10.png's page first, then page1.png's and page2.pdf's two.
    assert_sizes(pdf_page_sizes(combined), [NUMBERED_SIZES[3], *NUMBERED_SIZES[:3]])
    assert [item.output_page for item in items] == [0, 1, 2]


def test_combine_dialog_cancelled_leaves_combine_off(qtbot, controller, monkeypatch):
    choose_combined(controller, monkeypatch, "")
    panel = controller.window.options_panel
    assert not panel.combine_check.isChecked()
    assert controller.settings.combine_into is None


def test_combined_pdf_that_cannot_be_written_fails_its_files(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the PDF's folder should be")
    controller.set_combine_into(blocker / "all.pdf")
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (0, 1)
    for item in controller.queue_model.items():
        assert item.state == ItemState.FAILED
        assert item.status_text.startswith("failed: the combined PDF was not written: ")
    assert blocker.read_text().startswith("a file")


def test_cancel_while_combining_writes_nothing_and_no_file_is_done(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    second = controller.queue_model.item(1).source
    hooked = threading.Event()

    def cancel_at_the_second_file(event: object) -> None:
        if isinstance(event, FileStarted) and event.path == second:  # on the worker thread
            controller.batch.worker.cancel_event.set()
            hooked.set()

    on_worker_events(controller, cancel_at_the_second_file)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert hooked.is_set() and summary.cancelled
    assert summary.cleaned == 0  # the first file's pages were never written
    assert not combined.exists() and partial_files(tmp_path) == []
    assert [item.state for item in controller.queue_model.items()] == [
        ItemState.CANCELLED,
        ItemState.CANCELLED,
        ItemState.WAITING,
    ]
    assert controller.window.progress_label.text().startswith("Cancelled: 0 cleaned")


def test_combined_pdf_never_overwrites_a_queued_input(qtbot, controller, numbered_folder: Path):
    target = numbered_folder / "page2.pdf"
    original = target.read_bytes()
    controller.set_combine_into(target)
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)

    assert controller.clean_all() == 0
    assert "would overwrite page2.pdf" in controller.window.statusBar().currentMessage()
    assert target.read_bytes() == original


def test_encrypted_pdf_fails_clearly_and_the_rest_is_cleaned(qtbot, controller, tmp_path: Path):
    folder = tmp_path / "mixed"
    write_pdf(folder / "locked.pdf", DOCUMENT[:2], encrypt=True)
    write_document(folder / "open.pdf")
    write_png(folder / "page.png")
    controller.add_paths([folder])
    wait_queued(qtbot, controller, 3)
    reason = "the PDF is encrypted (password protected)"
    assert status(controller, "locked.pdf") == f"failed: {reason}"  # found when queued

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (2, 1)
    assert status(controller, "locked.pdf") == f"failed: {reason}"
    assert status(controller, "open.pdf") == status(controller, "page.png") == "done"
    assert sorted(path.name for path in (folder / "cleaned").iterdir()) == ["open.pdf", "page.png"]
    assert page_count(folder / "cleaned" / "open.pdf") == 3


def test_combine_after_a_clean_builds_the_pdf(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    run_batch(qtbot, controller, controller.clean_all)
    assert {item.state for item in controller.queue_model.items()} == {ItemState.DONE}
    results = [item.output for item in controller.queue_model.items()]
    pages = [page.pixels for result in results for page in read_pages(result)]
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    tiles = count_tiles_cleaned(controller)

    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)

    assert (summary.cleaned, summary.failed) == (3, 0)
    assert tiles == []  # built from the results on disk, nothing cleaned again
    assert_sizes(pdf_page_sizes(combined), NUMBERED_SIZES)
    for page, expected in zip(read_pages(combined), pages, strict=True):
        np.testing.assert_array_equal(page.pixels, expected)
    items = controller.queue_model.items()
    assert [(item.output, item.output_page) for item in items] == [
        (combined, 0),
        (combined, 1),
        (combined, 3),
    ]
    assert controller.clean_all() == 0  # the PDF holds every page already


def count_tiles_cleaned(controller) -> list[TileDone]:
    """The tiles the next batch cleans, collected as the worker reports them."""
    tiles: list[TileDone] = []

    def collect(event: object) -> None:
        if isinstance(event, TileDone):
            tiles.append(event)

    on_worker_events(controller, collect)
    return tiles


def test_combine_cleans_again_what_has_no_usable_result(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    """A result in another mode, or one deleted since, is no source for the PDF's pages."""
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    run_batch(qtbot, controller, controller.clean_all)
    _, second, third = controller.queue_model.items()
    second.output.unlink()  # page2.pdf's result is gone
    third.cleaned_as = (third.output, "bw", None, False)  # page10.png's: in another mode
    controller.set_combine_into(tmp_path / "all.pdf")
    tiles = count_tiles_cleaned(controller)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (3, 0)
    assert {tile.path for tile in tiles} == {second.source, third.source}
    assert_sizes(pdf_page_sizes(tmp_path / "all.pdf"), NUMBERED_SIZES)


def test_a_combined_pdf_is_rebuilt_whole_when_the_queue_changes(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    controller.window.options_panel.overwrite_check.setChecked(True)
    controller.add_paths([numbered_folder / "page1.png", numbered_folder / "page2.pdf"])
    wait_queued(qtbot, controller, 2)
    run_batch(qtbot, controller, controller.clean_all)
    assert len(pdf_page_sizes(combined)) == 3
    controller.add_paths([numbered_folder / "page10.png"])
    wait_queued(qtbot, controller, 3)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert summary.cleaned == 3  # not only the new page: the PDF holds them all
    assert_sizes(pdf_page_sizes(combined), NUMBERED_SIZES)


def test_a_page_without_dpi_gets_the_size_of_its_neighbours_in_a_combined_pdf(
    qtbot, controller, tmp_path: Path
):
    folder = tmp_path / "mixed"
    write_png(folder / "page1.png", "104.png", dpi=100)  # 540 px: 5.4 inches wide
    (folder / "page2.png").write_bytes(ddd_page("105.png").read_bytes())  # carries no DPI
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    controller.add_paths([folder])
    wait_queued(qtbot, controller, 2)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert summary.cleaned == 2
    assert_sizes(pdf_page_sizes(combined), [(388.8, 302.4), (388.8, 302.4)])


def test_after_a_combined_batch_with_rows_selected_the_after_pane_shows_the_page(
    qtbot, controller, numbered_folder: Path, tmp_path: Path
):
    combined = tmp_path / "all.pdf"
    controller.set_combine_into(combined)
    controller.add_paths([numbered_folder])
    wait_queued(qtbot, controller, 3)
    view = controller.window.queue_view
    view.selectAll()
    assert view.selected_rows() == [0, 1, 2]

    run_batch(qtbot, controller, controller.window.clean_selected_action.trigger)

    compare = controller.window.compare_view
    current = controller.current_item()
    assert current is not None and current.state == ItemState.DONE
    qtbot.waitUntil(lambda: compare.after is not None)
    assert compare.note == ""
    cleaned = read_pages(combined, first=current.output_page)
    np.testing.assert_array_equal(shown_pixels(compare.after), next(cleaned).pixels)
    cleaned.close()
