"""Queueing pages: Open folder/files, drag and drop from a file manager, remove, clear and
reorder. One module for the queue as a user fills it (long: each case drives the window)."""

from pathlib import Path

import pytest
from PySide6.QtCore import (
    QItemSelectionModel,
    QMimeData,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QUrl,
)
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QDragEnterEvent,
    QFontMetrics,
    QKeySequence,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QStyleOptionViewItem

from app.controllers.input_controller import SCAN_FILTER, scan_filter
from app.queue_model import ItemState, QueueItem, QueueModel
from tests.app.driving import drop, run_batch, wait_queued
from tests.conftest import write_page

REPO = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize(
    ("rows", "step", "order", "moved"),
    [
        ([2], -1, "acbde", [1]),
        ([1], 1, "acbde", [2]),
        ([1, 2], -1, "bcade", [0, 1]),  # a block keeps its order
        ([2, 3], 1, "abecd", [3, 4]),
        ([0, 1], -1, "abcde", [0, 1]),  # already at the top
        ([3, 4], 1, "abcde", [3, 4]),  # already at the bottom
        ([1, 3], -1, "badce", [0, 2]),  # each run moves on its own
        ([0, 2], 1, "badce", [1, 3]),
        ([0, 2, 3], -1, "acdbe", [0, 1, 2]),  # the run at the edge stays, the other moves
        ([1, 4], 1, "acbde", [2, 4]),
    ],
)
def test_model_moves_rows_one_place(
    qtmodeltester, tmp_path: Path, rows: list[int], step: int, order: str, moved: list[int]
):
    model = QueueModel()
    model.append([QueueItem(tmp_path / f"{name}.png") for name in "abcde"])
    qtmodeltester.check(model)  # keeps checking the signals of the moves below
    followed = {row: QPersistentModelIndex(model.index(row, 0)) for row in rows}

    assert model.move_rows(rows, step) == moved

    assert "".join(item.source.stem for item in model.items()) == order
    for row, item in enumerate(model.items()):
        assert model.row_of(item.source) == row
        assert model.item_for(item.source) is item
        assert model.contains_file(item.source)
    assert sorted(index.row() for index in followed.values()) == moved


def test_model_refuses_a_step_of_more_than_one(tmp_path: Path):
    model = QueueModel()
    model.append([QueueItem(tmp_path / "a.png")])
    with pytest.raises(ValueError, match="step must be -1 or 1"):
        model.move_rows([0], 2)


def test_move_up_and_down_keep_the_selection_on_the_moved_pages(
    qtbot, controller, page_folder: Path
):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    window = controller.window
    view, up, down = window.queue_view, window.move_up_action, window.move_down_action
    assert view.selected_rows() == [0]  # the first page queued
    assert not up.isEnabled() and down.isEnabled()
    view.clearSelection()
    assert not up.isEnabled() and not down.isEnabled()

    view.selectRow(1)
    flags = QItemSelectionModel.SelectionFlag
    view.selectionModel().select(controller.queue_model.index(2, 0), flags.Select | flags.Rows)
    assert up.isEnabled() and not down.isEnabled()  # b and c are the bottom two
    up.trigger()
    assert names(controller) == ["b.png", "sub/c.png", "a.png"]
    assert view.selected_rows() == [0, 1]
    assert not up.isEnabled() and down.isEnabled()

    window.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert names(controller) == ["a.png", "b.png", "sub/c.png"]
    assert view.selected_rows() == [1, 2]
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert names(controller) == ["b.png", "sub/c.png", "a.png"]
    assert view.selected_rows() == [0, 1]


def test_the_queue_order_is_fixed_while_a_batch_runs(qtbot, controller, page_folder: Path):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    window = controller.window
    window.queue_view.selectRow(1)
    enabled_while_running: list[bool] = []
    controller.batch.running_changed.connect(
        lambda running: (
            running
            and enabled_while_running.append(
                window.move_up_action.isEnabled() or window.move_down_action.isEnabled()
            )
        )
    )

    def start_and_move() -> None:
        controller.clean_all()
        controller.move_selected(-1)  # as a stray call would: refused while running

    run_batch(qtbot, controller, start_and_move)

    assert enabled_while_running == [False]
    assert names(controller) == ["a.png", "b.png", "sub/c.png"]
    assert window.move_up_action.isEnabled() and window.move_down_action.isEnabled()


def test_status_and_names_stay_readable_on_a_small_or_scaled_screen(
    qtbot, controller, tmp_path: Path
):
    folder = tmp_path / "scans"
    write_page(folder / "chapter-01-page-10.png")
    broken = folder / "chapter-01-page-11.png"
    broken.write_bytes((folder / "chapter-01-page-10.png").read_bytes()[:200])  # truncated
    window, view = controller.window, controller.window.queue_view
    window.resize(860, 520)  # a 1920 × 1080 screen at 2× scale, less the panels
    window.splitter.setSizes([344, 516])
    controller.add_paths([folder])
    wait_queued(qtbot, controller, 2)
    model, header = controller.queue_model, view.horizontalHeader()
    failed = model.item(1)
    assert failed.state == ItemState.FAILED and len(failed.status_text) > 25

    metrics = view.fontMetrics()
    name_room = header.sectionSize(QueueModel.NAME) - view.iconSize().width()
    assert name_room >= metrics.horizontalAdvance("chapter-01")
    assert header.sectionSize(QueueModel.STATUS) >= metrics.horizontalAdvance("failed: cannot")
    status = model.index(1, QueueModel.STATUS)
    option = QStyleOptionViewItem()
    view.itemDelegateForColumn(QueueModel.STATUS).initStyleOption(option, status)
    assert option.textElideMode == Qt.TextElideMode.ElideRight  # "failed: cannot rea…"
    assert failed.reason in status.data(Qt.ItemDataRole.ToolTipRole)
    view.selectRow(1)
    details = window.details_label
    assert details.isVisible() and failed.reason in details.text()

    window.resize(1600, 900)  # text twice as large: the Status column grows with it
    window.splitter.setSizes([800, 800])
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    view.setFont(font)
    sample = QFontMetrics(font).horizontalAdvance("cleaning page 88 of 88 · 100%")
    assert header.sectionSize(QueueModel.STATUS) >= sample
    assert header.sectionSize(QueueModel.NAME) - view.iconSize().width() >= QFontMetrics(
        font
    ).horizontalAdvance("chapter-01")


def test_right_click_menu_opens_shows_cleans_and_removes_and_undo_puts_back(
    qtbot, controller, page_folder: Path, monkeypatch
):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    run_batch(qtbot, controller, controller.clean_all)
    window, view, model = controller.window, controller.window.queue_view, controller.queue_model
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    position = view.visualRect(model.index(1, QueueModel.STATUS)).center()
    menus: list = []
    view.customContextMenuRequested.connect(lambda pos: menus.append(window.row_menu))

    QApplication.sendEvent(
        view.viewport(),
        QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, position, view.viewport().mapToGlobal(position)
        ),
    )

    menu = window.row_menu
    assert menus and menu.isVisible()
    assert [action.text() for action in menu.actions() if not action.isSeparator()] == [
        "&Open result",
        "Show in &folder",
        "Clean &selected",
        "&Remove selected",
    ]
    assert view.selected_rows() == [1]  # the row under the cursor
    result = page_folder / "cleaned" / "b.png"
    window.open_result_action.trigger()
    window.show_in_folder_action.trigger()
    assert opened == [str(result), str(result.parent)]
    menu.close()
    assert run_batch(qtbot, controller, window.clean_selected_action.trigger).skipped == 1

    window.remove_action.trigger()
    assert names(controller) == ["a.png", "sub/c.png"]
    window.clear_action.trigger()
    assert names(controller) == [] and window.undo_action.isEnabled()
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)  # Ctrl+Z
    window.undo_action.trigger()
    assert names(controller) == ["a.png", "sub/c.png"]
    window.undo_action.trigger()
    assert names(controller) == ["a.png", "b.png", "sub/c.png"]
    assert model.item(1).output == result  # as it was: cleaned, with its result
    assert model.contains_file(page_folder / "b.png")
    assert not window.undo_action.isEnabled()


def test_undo_does_not_queue_a_file_twice(qtbot, controller, page_folder: Path):
    drop(controller.window, [page_folder])
    wait_queued(qtbot, controller, 3)
    controller.window.queue_view.selectRow(0)
    controller.window.remove_action.trigger()
    drop(controller.window, [page_folder / "a.png"])
    wait_queued(qtbot, controller, 3)

    controller.window.undo_action.trigger()

    assert names(controller) == ["b.png", "sub/c.png", "a.png"]


def test_a_phones_heif_photo_is_offered_queued_upright_and_cleaned_into_png(
    qtbot, controller, tmp_path: Path
):
    assert "*.heic" in SCAN_FILTER and "*.heif" in SCAN_FILTER
    photo = tmp_path / "phone" / "IMG_0001.HEIC"
    photo.parent.mkdir()
    photo.write_bytes((REPO / "resources" / "samples" / "photographed-page.heic").read_bytes())

    drop(controller.window, [photo.parent])
    wait_queued(qtbot, controller, 1)
    model = controller.queue_model
    assert names(controller) == ["IMG_0001.HEIC"]
    assert model.index(0, QueueModel.SIZE).data() == "540 × 258"  # as it is seen, upright
    assert not model.index(0, QueueModel.NAME).data(Qt.ItemDataRole.DecorationRole).isNull()

    summary = run_batch(qtbot, controller, controller.window.clean_all_action.trigger)
    assert (summary.cleaned, summary.failed) == (1, 0)
    assert [path.name for path in (photo.parent / "cleaned").iterdir()] == ["IMG_0001.png"]


def test_open_files_offers_camera_names_in_capitals_where_the_chooser_minds_case():
    def patterns(platform: str) -> set[str]:
        return set(scan_filter(platform).split(";;")[0].split("(")[1].rstrip(")").split())

    assert {"*.heic", "*.jpg", "*.HEIC", "*.JPG", "*.PDF"} <= patterns("linux")
    assert "*.jpg" in patterns("win32") and "*.JPG" not in patterns("win32")
    assert patterns("darwin") == patterns("win32")  # their choosers ignore case
