"""Cleaning in the background: progress, outputs on disk, failures, cancel, output choices.

One module for the batch as a user runs it (long: each case drives the real window)."""

import re
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog

from app.controllers.batch_controller import rate_text
from app.queue_model import ItemState
from engine.events import BatchFinished, TileDone
from tests.app.driving import on_worker_events, partial_files, run_batch, wait_queued
from tests.conftest import write_page


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def states(controller) -> dict[str, ItemState]:
    return {item.name: item.state for item in controller.queue_model.items()}


@pytest.fixture
def big_pages(tmp_path: Path) -> list[Path]:
    """Pages of 3×3 tiles each (9 tiles, three model calls of four), so cancel lands mid-page."""
    return [
        write_page(tmp_path / "big" / f"page{index}.png", 1100, 1300, seed=index)
        for index in range(4)
    ]


def test_clean_all_shows_progress_and_writes_outputs(qtbot, controller, page_folder: Path):
    controller.add_paths([page_folder])
    wait_queued(qtbot, controller, 3)
    statuses: set[str] = set()
    controller.queue_model.dataChanged.connect(
        lambda *_: statuses.update(item.status_text for item in controller.queue_model.items())
    )
    fractions: list[float] = []
    controller.batch.progress.connect(lambda progress: fractions.append(progress.fraction))

    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)

    assert (summary.cleaned, summary.failed, summary.cancelled) == (3, 0, False)
    assert any(status.startswith("cleaning ") and status.endswith("%") for status in statuses)
    assert fractions[-1] == pytest.approx(1.0)
    assert fractions == sorted(fractions)
    assert set(states(controller).values()) == {ItemState.DONE}
    assert [item.status_text for item in controller.queue_model.items()] == ["done"] * 3
    for source in ("a.png", "b.png", "sub/c.png"):
        source = page_folder / source
        output = source.parent / "cleaned" / source.name
        assert output.is_file()
        before, after = pixels(source), pixels(output)
        assert after.shape == before.shape
        assert after.mean() > before.mean() + 10  # the tiny model brightens
    assert partial_files(page_folder) == []
    label = controller.window.progress_label.text()
    assert label.startswith("Done: 3 cleaned, 0 failed")
    assert re.fullmatch(r"Done: 3 cleaned, 0 failed, 0 skipped · \d+(\.\d)? pages/min", label)
    assert controller.window.clean_all_action.isEnabled()
    assert not controller.window.cancel_action.isEnabled()


def test_corrupt_file_fails_and_the_rest_of_the_batch_carries_on(
    qtbot, controller, page_folder: Path
):
    corrupt = page_folder / "corrupt.png"
    corrupt.write_bytes(Path(page_folder / "a.png").read_bytes()[:200])  # truncated PNG
    controller.add_paths([page_folder])
    wait_queued(qtbot, controller, 4)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.failed) == (3, 1)
    result = states(controller)
    assert result.pop("corrupt.png") == ItemState.FAILED
    assert set(result.values()) == {ItemState.DONE}
    failed = controller.queue_model.item_for(corrupt)
    assert failed.reason
    assert failed.status_text == f"failed: {failed.reason}"
    assert not (page_folder / "cleaned" / "corrupt.png").exists()
    assert (page_folder / "cleaned" / "b.png").is_file()


def test_cancel_midway_leaves_no_partial_file(qtbot, controller, big_pages: list[Path]):
    controller.add_paths(big_pages)
    wait_queued(qtbot, controller, 4)
    second = big_pages[1]
    hooked = threading.Event()

    def cancel_inside_second_page(event: object) -> None:
        # Runs on the worker thread, as the engine reports the first tiles of page 2.
        mid_page = isinstance(event, TileDone) and event.tiles_done < event.tiles_total
        if mid_page and event.path == second and not hooked.is_set():
            controller.batch.worker.cancel_event.set()
            hooked.set()

    on_worker_events(controller, cancel_inside_second_page)
    finished: list[BatchFinished] = []
    controller.batch.finished.connect(finished.append)
    controller.clean_all()
    qtbot.waitUntil(lambda: bool(finished) and not controller.batch.running, timeout=30_000)
    assert hooked.is_set()

    summary = finished[0]
    assert summary.cancelled
    assert summary.cleaned == 1
    assert [item.state for item in controller.queue_model.items()] == [
        ItemState.DONE,
        ItemState.CANCELLED,
        ItemState.WAITING,
        ItemState.WAITING,
    ]
    assert controller.queue_model.item(1).status_text == "cancelled"
    outputs = big_pages[0].parent / "cleaned"
    assert sorted(path.name for path in outputs.iterdir()) == ["page0.png"]
    assert pixels(outputs / "page0.png").shape == (1100, 1300)
    assert partial_files(big_pages[0].parent) == []
    assert controller.window.progress_label.text().startswith("Cancelled: 1 cleaned")
    assert not controller.window.cancel_action.isEnabled()

    # Cleaning again picks up where it stopped.
    summary = run_batch(qtbot, controller, controller.clean_all)
    assert (summary.cleaned, summary.cancelled) == (3, False)
    assert set(states(controller).values()) == {ItemState.DONE}


def test_cancel_button_stops_the_batch(qtbot, controller, big_pages: list[Path]):
    controller.add_paths(big_pages)
    wait_queued(qtbot, controller, 4)
    assert not controller.window.cancel_action.isEnabled()

    def start_then_cancel() -> None:
        controller.window.clean_all_action.trigger()
        assert controller.window.cancel_action.isEnabled()
        controller.window.cancel_action.trigger()
        assert "Cancelling" in controller.window.statusBar().currentMessage()

    summary = run_batch(qtbot, controller, start_then_cancel)

    assert summary.cancelled
    assert summary.cleaned < 4
    found = states(controller)
    assert ItemState.CLEANING not in found.values()
    assert list(found.values()).count(ItemState.DONE) == summary.cleaned
    outputs = big_pages[0].parent / "cleaned"
    written = sorted(outputs.iterdir()) if outputs.exists() else []
    assert len(written) == summary.cleaned
    for output in written:
        assert pixels(output).shape == (1100, 1300)  # complete, readable images only
    assert partial_files(big_pages[0].parent) == []


def test_cancel_during_a_write_completes_that_file_and_stops(qtbot, controller, tmp_path: Path):
    """Cancel clicked while a multi-page TIFF is being written: the write is finished (never
    cut short), the batch stops there (the next file, whose cleaning may have started while
    the first was written, is cancelled), and no partial file is left."""
    rng = np.random.default_rng(1)
    sources = []
    for index in range(3):
        pages = [Image.fromarray(rng.integers(0, 256, (1400, 1400), np.uint8)) for _ in range(4)]
        sources.append(tmp_path / "docs" / f"doc{index}.tif")
        sources[-1].parent.mkdir(exist_ok=True)
        pages[0].save(sources[-1], save_all=True, append_images=pages[1:])
    controller.add_paths(sources)
    wait_queued(qtbot, controller, 3)
    outputs = tmp_path / "docs" / "cleaned"
    seen_write: list[Path] = []

    def cancel_once_a_write_is_under_way() -> None:
        if not seen_write and outputs.is_dir():
            seen_write.extend(partial_files(outputs))
            if seen_write:
                controller.window.cancel_action.trigger()

    poll = QTimer()
    poll.setInterval(0)
    poll.timeout.connect(cancel_once_a_write_is_under_way)
    poll.start()
    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)
    poll.stop()

    assert seen_write, "the cancel should land while the first output is being written"
    assert (summary.cancelled, summary.cleaned) == (True, 1)
    first, second, third = (item.state for item in controller.queue_model.items())
    assert (first, third) == (ItemState.DONE, ItemState.WAITING)
    assert second in (ItemState.CANCELLED, ItemState.WAITING)
    assert sorted(path.name for path in outputs.iterdir()) == ["doc0.tif"]
    with Image.open(outputs / "doc0.tif") as written:
        assert written.n_frames == 4
    assert partial_files(tmp_path) == []


def test_quitting_mid_batch_asks_and_on_yes_cancels_cleanly_before_quitting(
    qtbot, controller, big_pages: list[Path]
):
    controller.add_paths(big_pages)
    wait_queued(qtbot, controller, 4)
    window = controller.window
    held, release = threading.Event(), threading.Event()

    def hold_inside_the_second_page(event: object) -> None:
        if isinstance(event, TileDone) and event.path == big_pages[1]:  # on the worker thread
            held.set()
            release.wait(timeout=30)

    on_worker_events(controller, hold_inside_the_second_page)
    finished: list[BatchFinished] = []
    controller.batch.finished.connect(finished.append)
    controller.clean_all()
    worker = controller.batch.worker
    qtbot.waitUntil(held.is_set, timeout=30_000)

    window.quit_action.trigger()  # Ctrl+Q: asks, keeps cleaning
    box = controller.quit_box
    assert box is not None and box.isVisible()
    assert "not cleaned yet" in box.text()
    next(b for b in box.buttons() if b.text() == "Keep cleaning").click()
    assert window.isVisible() and worker.isRunning() and not worker.cancel_event.is_set()

    window.close()  # the window's close button asks the same
    box = controller.quit_box
    assert box.isVisible() and window.isVisible()
    next(b for b in box.buttons() if b.text() == "Stop and quit").click()
    assert worker.cancel_event.is_set() and window.isVisible()  # quits once stopped
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)

    assert controller.batch.worker is None  # its thread ended before the window closed
    assert finished and finished[0].cancelled
    assert [item.state for item in controller.queue_model.items()] == [
        ItemState.DONE,
        ItemState.CANCELLED,
        ItemState.WAITING,
        ItemState.WAITING,
    ]
    outputs = big_pages[0].parent / "cleaned"
    assert sorted(path.name for path in outputs.iterdir()) == ["page0.png"]
    assert partial_files(big_pages[0].parent) == []


def test_chosen_output_folder_keeps_layout_and_black_and_white_mode(
    qtbot, controller, page_folder: Path, tmp_path: Path, monkeypatch
):
    out = tmp_path / "results"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    controller.window.choose_output_action.trigger()
    assert controller.settings.output_dir == out
    assert controller.window.options_panel.output_label.text() == str(out)
    panel = controller.window.options_panel
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("bw"))
    controller.add_paths([page_folder])
    wait_queued(qtbot, controller, 3)

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert summary.cleaned == 3
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == [
        "a.png",
        "b.png",
        "sub/c.png",
    ]
    assert set(np.unique(pixels(out / "a.png"))) <= {0, 255}
    assert not (page_folder / "cleaned").exists()

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    controller.window.open_output_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(out)]


def test_output_folder_equal_to_the_input_folder_never_overwrites_inputs(
    qtbot, controller, page_folder: Path
):
    original = (page_folder / "a.png").read_bytes()
    controller.set_output_dir(page_folder)
    controller.add_paths([page_folder / "a.png"])
    wait_queued(qtbot, controller, 1)

    started = controller.clean_all()

    assert started == 0
    item = controller.queue_model.item(0)
    assert item.state == ItemState.FAILED
    assert "overwrite the input" in item.reason
    assert (page_folder / "a.png").read_bytes() == original


def test_existing_results_are_skipped_unless_overwrite_is_on(qtbot, controller, page_folder):
    controller.add_paths([page_folder / "a.png"])
    wait_queued(qtbot, controller, 1)
    run_batch(qtbot, controller, controller.clean_all)
    controller.window.queue_view.selectRow(0)

    summary = run_batch(qtbot, controller, controller.window.clean_selected_action.trigger)
    assert summary.skipped == 1
    assert controller.queue_model.item(0).status_text.startswith("skipped: already cleaned")

    controller.window.options_panel.overwrite_check.setChecked(True)
    summary = run_batch(qtbot, controller, controller.clean_selected)
    assert (summary.cleaned, summary.skipped) == (1, 0)


def test_show_results_opens_the_cleaned_folder_beside_the_input(
    qtbot, controller, page_folder: Path, monkeypatch
):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    controller.add_paths([page_folder / "b.png"])
    wait_queued(qtbot, controller, 1)
    controller.window.queue_view.selectRow(0)

    controller.open_output_folder()  # nothing cleaned yet: says so, opens nothing
    assert opened == []
    assert "Nothing cleaned yet" in controller.window.statusBar().currentMessage()

    run_batch(qtbot, controller, controller.clean_all)
    controller.window.options_panel.open_output_button.click()
    assert [url.toLocalFile() for url in opened] == [str(page_folder / "cleaned")]


def test_clean_all_after_a_format_change_writes_the_new_files(qtbot, controller, page_folder):
    controller.add_paths([page_folder])
    wait_queued(qtbot, controller, 3)
    run_batch(qtbot, controller, controller.clean_all)
    panel = controller.window.options_panel
    panel.format_combo.setCurrentIndex(panel.format_combo.findData("tiff"))

    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)

    assert summary.cleaned == 3
    outputs = page_folder / "cleaned"
    assert sorted(path.name for path in outputs.iterdir() if path.is_file()) == [
        "a.png",
        "a.tif",
        "b.png",
        "b.tif",
    ]
    assert (page_folder / "sub" / "cleaned" / "c.tif").is_file()
    assert [item.output.suffix for item in controller.queue_model.items()] == [".tif"] * 3

    assert controller.clean_all() == 0  # nothing changed since: nothing to do
    assert "every page is done" in controller.window.statusBar().currentMessage()


def test_clean_all_after_a_mode_change_follows_overwrite_and_says_so(
    qtbot, controller, page_folder
):
    controller.add_paths([page_folder / "a.png", page_folder / "b.png"])
    wait_queued(qtbot, controller, 2)
    run_batch(qtbot, controller, controller.clean_all)
    output = page_folder / "cleaned" / "a.png"
    assert len(np.unique(pixels(output))) > 2
    panel = controller.window.options_panel
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("bw"))

    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.skipped) == (0, 2)  # results of that name exist
    message = controller.window.statusBar().currentMessage()
    assert "2 skipped" in message and "Overwrite" in message
    assert len(np.unique(pixels(output))) > 2

    panel.overwrite_check.setChecked(True)
    summary = run_batch(qtbot, controller, controller.clean_all)

    assert (summary.cleaned, summary.skipped) == (2, 0)
    assert set(np.unique(pixels(output))) <= {0, 255}


def test_the_finish_message_is_said_once_without_a_needless_decimal(qtbot, controller, page_folder):
    controller.add_paths([page_folder])
    wait_queued(qtbot, controller, 3)
    seen: list[str] = []
    controller.window.statusBar().messageChanged.connect(seen.append)

    run_batch(qtbot, controller, controller.clean_all)

    label = controller.window.progress_label.text()
    rate = re.fullmatch(r"Done: 3 cleaned, 0 failed, 0 skipped · (\d+(?:\.\d)?) pages/min", label)
    assert rate is not None
    assert float(rate.group(1)) >= 10 or "." in rate.group(1)  # decimals only under 10
    assert not any("cleaned" in message for message in seen)  # said by the label alone
    assert (rate_text(968.0), rate_text(12.46), rate_text(2.54)) == (
        "968 pages/min",
        "12 pages/min",
        "2.5 pages/min",
    )


def test_show_results_without_a_file_manager_says_so_and_copies_the_path(
    qtbot, controller, page_folder: Path, monkeypatch
):
    controller.add_paths([page_folder / "a.png"])
    wait_queued(qtbot, controller, 1)
    run_batch(qtbot, controller, controller.clean_all)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # none registered
    QGuiApplication.clipboard().clear()

    controller.window.open_output_action.trigger()

    box = controller.message_box
    assert box is not None and box.isVisible()
    folder = str(page_folder / "cleaned")
    assert "No file manager" in box.text() and box.informativeText() == folder
    next(button for button in box.buttons() if button.text() == "Copy path").click()
    assert QGuiApplication.clipboard().text() == folder
    assert not box.isVisible()
