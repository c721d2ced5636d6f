"""Editing the queue from the window: Remove, Clear, Undo, Move up/down, and the row menu that
opens a page's result."""

from pathlib import Path

from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QMenu

from app.controllers.dialog_controller import DialogController
from app.controllers.queue_controller import QueueController
from app.views.main_window import MainWindow


class QueueEditController(QObject):
    def __init__(
        self,
        window: MainWindow,
        queue: QueueController,
        dialogs: DialogController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.view = window.queue_view
        self.queue = queue
        self.dialogs = dialogs
        window.remove_action.triggered.connect(self.remove_selected)
        window.clear_action.triggered.connect(self.clear_queue)
        window.undo_action.triggered.connect(self.undo_remove)
        window.move_up_action.triggered.connect(lambda: self.move_selected(-1))
        window.move_down_action.triggered.connect(lambda: self.move_selected(1))
        window.open_result_action.triggered.connect(self.open_result)
        window.show_in_folder_action.triggered.connect(self.show_result_in_folder)
        self.view.customContextMenuRequested.connect(self.show_row_menu)
        queue.can_undo_changed.connect(window.undo_action.setEnabled)

    def remove_selected(self) -> None:
        rows = self.view.selected_rows()
        removed = self.queue.remove_rows(rows)
        if removed < len(rows):
            self.window.status_bar.show_message(
                "Pages being cleaned stay in the queue until the batch ends"
            )

    def move_selected(self, step: int) -> None:
        """Move the selected pages one place up (-1) or down (+1): the combined PDF's order."""
        moved = self.queue.move_rows(self.view.selected_rows(), step)
        if moved:  # the selection follows the rows by itself; keep them in sight
            self.view.scroll_to_row(moved[0])

    def clear_queue(self) -> None:
        if self.queue.clear():
            self.window.status_bar.show_message("Queue cleared: Ctrl+Z puts the pages back")

    def undo_remove(self) -> None:
        restored = self.queue.undo_remove()
        self.window.status_bar.show_message(
            f"{restored} page{'s' if restored != 1 else ''} back in the queue"
        )

    def show_row_menu(self, position: QPoint) -> QMenu | None:
        """The right-click menu of a queue row: open its result, show it, clean, remove."""
        row = self.view.row_at(position)
        if row is None:
            return None
        if row not in self.view.selected_rows():
            self.view.selectRow(row)
        return self.window.popup_row_menu(position, has_result=self._current_result() is not None)

    def _current_result(self) -> Path | None:
        item = self.view.current_item()
        result = item.result_page() if item is not None and item.finished else None
        return result[0] if result is not None and result[0].is_file() else None

    def open_result(self) -> None:
        if (result := self._current_result()) is not None:
            self.dialogs.open_in_desktop(result)

    def show_result_in_folder(self) -> None:
        if (result := self._current_result()) is not None:
            self.dialogs.open_in_desktop(result.parent)
