"""Queueing pages: Open folder/files, drag and drop from a file manager, remove and clear."""

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from app.queue_model import ItemState, QueueModel
from tests.app.pages import drop, wait_queued, write_page


def names(controller) -> list[str]:
    return [item.name for item in controller.queue_model.items()]


def test_open_folder_queues_every_image_with_size_and_thumbnail(
    qtbot, controller, page_folder: Path, monkeypatch
):
    (page_folder / "notes.txt").write_text("not a page")
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(page_folder)
    )
    controller.window.open_folder_action.trigger()
    wait_queued(qtbot, controller, 3)

    assert names(controller) == ["a.png", "b.png", "sub/c.png"]
    model = controller.queue_model
    for row in range(3):
        assert model.index(row, QueueModel.SIZE).data() == "160 × 120"
        assert model.index(row, QueueModel.STATUS).data() == "waiting"
        assert not model.index(row, QueueModel.NAME).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert controller.settings.last_input_dir == page_folder
    assert controller.window.clean_all_action.isEnabled()


def test_open_folder_without_subfolders(qtbot, controller, page_folder: Path, monkeypatch):
    controller.window.options_panel.recursive_check.setChecked(False)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(page_folder))
    controller.window.open_folder_action.trigger()
    wait_queued(qtbot, controller, 2)
    assert names(controller) == ["a.png", "b.png"]


def test_open_files(qtbot, controller, page_folder: Path, monkeypatch):
    chosen = [str(page_folder / "b.png"), str(page_folder / "sub" / "c.png")]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (chosen, "Images"))
    controller.window.open_files_action.trigger()
    wait_queued(qtbot, controller, 2)
    assert names(controller) == ["b.png", "c.png"]


def test_drop_files_and_a_folder(qtbot, controller, tmp_path: Path, page_folder: Path):
    loose = write_page(tmp_path / "loose" / "page.png")
    readme = tmp_path / "loose" / "readme.txt"
    readme.write_text("hello")

    entered, accepted = drop(controller.window, [loose, readme, page_folder])
    assert entered and accepted
    wait_queued(qtbot, controller, 4)

    assert names(controller) == ["page.png", "a.png", "b.png", "sub/c.png"]
    panel = controller.window.rejected_panel
    assert panel.isVisible()
    assert panel.lines() == ["readme.txt — not a supported image type"]
    assert "1 file not added" in panel.title.text()

    panel.dismiss_button.click()
    assert not panel.isVisible()


def test_dropping_the_same_files_again_queues_nothing_twice(qtbot, controller, page_folder: Path):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    with qtbot.waitSignal(controller.queue.added) as blocker:
        drop(controller.window, [page_folder / "a.png", page_folder])
    assert blocker.args == [0, 4]  # a.png alone, then the folder's three
    assert len(controller.queue_model) == 3
    assert "already in the queue" in controller.window.statusBar().currentMessage()


def test_drop_of_missing_or_remote_files_lists_the_reason(qtbot, controller, tmp_path: Path):
    remote = QUrl("https://example.com/scan.png")
    drop(controller.window, [QUrl.fromLocalFile(str(tmp_path / "gone.png")), remote])
    qtbot.waitUntil(lambda: len(controller.window.rejected_panel.lines()) == 2)
    lines = controller.window.rejected_panel.lines()
    assert "scan.png — not a local file; save it to disk first" in lines
    assert "gone.png — not found" in lines
    assert len(controller.queue_model) == 0


def test_drag_without_files_is_refused(qtbot, controller):
    mime = QMimeData()
    mime.setText("just text")
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(controller.window, enter)
    assert not enter.isAccepted()


def test_corrupt_file_is_marked_failed_when_queued(qtbot, controller, tmp_path: Path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    drop(controller.window, [bad])
    wait_queued(qtbot, controller, 1)
    item = controller.queue_model.item(0)
    assert item.state == ItemState.FAILED
    assert item.status_text.startswith("failed: ")


def test_remove_selected_and_clear(qtbot, controller, page_folder: Path):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    view = controller.window.queue_view
    view.selectRow(1)
    controller.window.remove_action.trigger()
    assert names(controller) == ["a.png", "sub/c.png"]

    controller.window.clear_action.trigger()
    assert len(controller.queue_model) == 0
    assert not controller.window.clean_all_action.isEnabled()
    assert not controller.window.clear_action.isEnabled()
