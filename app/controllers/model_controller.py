"""Choosing and loading the ONNX model: one `Denoiser`, created once per choice and reused."""

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.workers.tasks import TaskRunner
from engine.denoiser import Denoiser
from engine.errors import ModelError
from engine.precision import model_for_precision
from engine.resources import default_model_path


class ModelController(QObject):
    model_changed = Signal(object)  # the new Denoiser
    model_refused = Signal(object, str)  # path, reason a user can act on
    loading_changed = Signal(bool)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.denoiser: Denoiser | None = None
        self.loading = False
        self._request = 0

    @staticmethod
    def default_path() -> Path:
        return default_model_path()

    def load(self, path: Path, fallback: Path | None = None) -> None:
        """Load `path` in the background. If it is refused and `fallback` is given, try that.

        The current model stays in use until the new one has loaded.
        """
        self._request += 1
        request = self._request
        self._set_loading(True)
        self.runner.submit(
            lambda: Denoiser(model_for_precision(path)),  # its INT8 version where fast
            lambda denoiser: self._on_loaded(request, denoiser),
            lambda error: self._on_failed(request, path, error, fallback),
            urgent=True,
        )

    def _on_loaded(self, request: int, denoiser: Denoiser) -> None:
        if request != self._request:
            return
        self.denoiser = denoiser
        self._set_loading(False)
        self.model_changed.emit(denoiser)

    def _on_failed(
        self, request: int, path: Path, error: BaseException, fallback: Path | None
    ) -> None:
        if request != self._request:
            return
        if not isinstance(error, ModelError):
            error = ModelError(path, f"cannot be loaded ({type(error).__name__}: {error})")
        self._set_loading(False)
        self.model_refused.emit(path, error.reason)
        if fallback is not None and fallback != path:
            self.load(fallback)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loading_changed.emit(loading)
