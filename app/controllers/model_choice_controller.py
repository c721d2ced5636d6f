"""Which model the window cleans with: the first one loaded, Model → Choose… and the bundled
one; and what the window says about it (banner, options panel, status bar).

`ModelController` loads a model; this decides which and shows how it went.
"""

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.controllers.dialog_controller import DialogController
from app.controllers.model_controller import ModelController
from app.settings import AppSettings
from app.views.main_window import MainWindow
from engine.denoiser import Denoiser

LOADING_MODEL = "Loading the model…"


class ModelChoiceController(QObject):
    status_changed = Signal()  # loaded, loading or missing: what can be done may differ

    def __init__(
        self,
        models: ModelController,
        settings: AppSettings,
        window: MainWindow,
        dialogs: DialogController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.models = models
        self.settings = settings
        self.window = window
        self.dialogs = dialogs
        window.choose_model_action.triggered.connect(self.choose_model_dialog)
        window.bundled_model_action.triggered.connect(self.use_bundled_model)
        window.model_banner.choose_requested.connect(self.choose_model_dialog)
        window.options_panel.choose_model_requested.connect(self.choose_model_dialog)
        models.model_changed.connect(self._on_model_changed)
        models.model_refused.connect(self._on_model_refused)
        models.loading_changed.connect(self._on_model_loading)

    def load_initial_model(self, path: Path | None = None) -> None:
        """Load `path`, else the model chosen last time, else the bundled one."""
        bundled = self.models.default_path()
        chosen = path or self.settings.model_path or bundled
        if chosen == bundled and not bundled.is_file():
            self._show_no_model(f"The bundled model was not found at {bundled}.")
            return
        self.models.load(chosen, fallback=bundled if bundled.is_file() else None)

    def load_model(self, path: Path) -> None:
        self.models.load(path)

    def choose_model_dialog(self) -> None:
        current = self.models.denoiser.model_path.parent if self.models.denoiser else None
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Choose a DocClean model", str(current or ""), "ONNX models (*.onnx)"
        )
        if path:
            self.load_model(Path(path))

    def use_bundled_model(self) -> None:
        bundled = self.models.default_path()
        if not bundled.is_file():
            self.dialogs.warn("No bundled model", f"The bundled model was not found at {bundled}.")
            return
        self.settings.model_path = None
        self.load_model(bundled)

    def _on_model_changed(self, denoiser: Denoiser) -> None:
        bundled = self.models.default_path()
        is_bundled = denoiser.model_path.resolve() == bundled.resolve()
        self.settings.model_path = None if is_bundled else denoiser.model_path
        self.window.model_banner.hide()
        self.window.options_panel.show_model(
            f"{denoiser.name} ({denoiser.model_path.name})", denoiser.describe()
        )
        self.window.status_bar.show_message(f"Ready to clean with the {denoiser.name} model")
        self.status_changed.emit()

    def _on_model_refused(self, path: Path, reason: str) -> None:
        self.dialogs.warn(
            "Model refused",
            f"DocClean cannot use {path.name}:\n\n{reason}",
            detail=str(path),
        )
        if self.models.denoiser is None and not self.models.loading:
            self._show_no_model(f"{path.name} was refused: {reason}")

    def _on_model_loading(self, loading: bool) -> None:
        if loading:
            self.window.status_bar.show_message(LOADING_MODEL)
        else:  # loaded or refused: it says so itself
            self.window.status_bar.clear_message(only=LOADING_MODEL)
        self.status_changed.emit()

    def _show_no_model(self, why: str) -> None:
        self.window.model_banner.show_missing(why)
        self.window.options_panel.show_model("No model loaded", why, missing=True)
        self.status_changed.emit()
