"""Bringing scans into the queue from the window: Open folder/files, drops from the file
manager and File → Open recent; then what was queued and which files were not."""

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QFileDialog

from app.controllers.queue_controller import QueueController
from app.queue_model import QueueModel
from app.settings import AppSettings
from app.views.main_window import MainWindow
from engine.discovery import Rejected
from engine.io import SUPPORTED_SUFFIXES


def scan_filter(platform: str = sys.platform) -> str:
    """The Open files dialog's filter. Linux's file choosers (GTK's, the desktop portal's)
    match its patterns case by case, so there each extension is offered in capitals too:
    cameras and phones name their files IMG_0001.HEIC, DSC_0001.JPG."""
    suffixes = sorted(SUPPORTED_SUFFIXES)
    if platform.startswith("linux"):
        suffixes += [suffix.upper() for suffix in suffixes]
    patterns = " ".join(f"*{suffix}" for suffix in suffixes)
    return f"Scans: images and PDFs ({patterns});;All files (*)"


SCAN_FILTER = scan_filter()


class InputController(QObject):
    def __init__(
        self,
        settings: AppSettings,
        window: MainWindow,
        queue: QueueController,
        queue_model: QueueModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.window = window
        self.queue = queue
        self.queue_model = queue_model
        window.show_recent_folders(settings.recent_folders)
        window.open_folder_action.triggered.connect(self.open_folder_dialog)
        window.open_files_action.triggered.connect(self.open_files_dialog)
        window.recent_folder_chosen.connect(lambda folder: self.add_paths([folder]))
        window.urls_dropped.connect(self.drop_urls)
        window.rejected_panel.dismissed.connect(queue.clear_rejected)
        queue.added.connect(self._on_added)
        queue.rejected_changed.connect(self._on_rejected_changed)

    def add_paths(self, paths: list[Path]) -> None:
        """Queue files and folders; folders are remembered for File → Open recent."""
        for folder in filter(Path.is_dir, paths):
            self.settings.remember_folder(folder.absolute())
        self.window.show_recent_folders(self.settings.recent_folders)
        self.queue.add_paths(paths, self.window.options_panel.includes_subfolders())

    def drop_urls(self, urls: list[QUrl]) -> None:
        local = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        remote = [url for url in urls if not url.isLocalFile()]
        self.queue.reject(
            [
                Rejected(Path(url.toString()), "not a local file; save it to disk first")
                for url in remote
            ]
        )
        self.add_paths(local)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Open a folder of scans", str(self.settings.last_input_dir or "")
        )
        if folder:
            self.settings.last_input_dir = Path(folder)
            self.add_paths([Path(folder)])

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self.window, "Open scans", str(self.settings.last_input_dir or ""), SCAN_FILTER
        )
        if files:
            self.settings.last_input_dir = Path(files[0]).parent
            self.add_paths([Path(file) for file in files])

    def _on_added(self, added: int, duplicates: int) -> None:
        text = f"Queued {added} file{'s' if added != 1 else ''}" if added else "Nothing queued"
        if duplicates:
            text += f"; {duplicates} already in the queue"
        elif not added and self.queue.rejected:
            text += ": see the files not added"
        self.window.status_bar.show_message(text)
        view = self.window.queue_view
        if added and not view.has_selection():
            view.selectRow(len(self.queue_model) - added)

    def _on_rejected_changed(self) -> None:
        self.window.rejected_panel.show_rejected(
            [(rejected.path, rejected.reason) for rejected in self.queue.rejected]
        )
