"""The boxes the window opens for the other controllers: warnings, the notice that nothing
could open a result, and Help → About.

Each box is window-modal and opened with `open()`, so the event loop keeps running; the one
opened last is kept (`message_box`, `about_dialog`) so that it lives until it is closed.
"""

from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from app.about import about_page
from app.controllers.model_controller import ModelController
from app.views.about_dialog import AboutDialog
from app.views.main_window import MainWindow
from app.views.message_boxes import copy_path_notice


class DialogController(QObject):
    def __init__(
        self, window: MainWindow, models: ModelController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.models = models
        self.message_box: QMessageBox | None = None
        self.about_dialog: AboutDialog | None = None
        window.about_action.triggered.connect(self.show_about)

    def warn(self, title: str, text: str, detail: str = "") -> None:
        """A window-modal warning that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        if detail:
            box.setInformativeText(detail)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.message_box = box
        box.open()

    def open_in_desktop(self, path: Path) -> None:
        """Open `path` (a file or folder) as the desktop does; if nothing can, say where it is."""
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._offer_to_copy(path)

    def _offer_to_copy(self, path: Path) -> None:
        """Nothing opened `path`: say so and offer it for the clipboard."""
        box, copy = copy_path_notice(self.window, path, folder=path.is_dir())
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(path)))
        self.message_box = box
        box.open()

    def show_about(self) -> QWidget:
        self.about_dialog = AboutDialog(about_page(self.models.denoiser), self.window)
        self.about_dialog.open()
        return self.about_dialog
