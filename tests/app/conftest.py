"""App test fixtures: isolated settings, a window wired to a real tiny ONNX model, pages."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths

from app.controllers.main_controller import MainController
from app.settings import AppSettings
from tests.app.driving import wait_queued


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's settings and from the real bundled model."""
    QStandardPaths.setTestModeEnabled(True)
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, str(tmp_path / "config"))
    monkeypatch.setenv("DOCCLEAN_MODEL", str(tmp_path / "no-bundled-model.onnx"))


@pytest.fixture
def bundled_tiny_model(tiny_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the tiny test model the one the app treats as bundled."""
    monkeypatch.setenv("DOCCLEAN_MODEL", str(tiny_model_path))
    return tiny_model_path


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "docclean-settings.ini"


@pytest.fixture
def make_controller(
    qtbot, settings_file: Path, bundled_tiny_model: Path
) -> Iterator[Callable[..., MainController]]:
    """Build a main window and its controllers; with `load_model`, wait for the tiny model."""
    made: list[MainController] = []

    def make(load_model: bool = True, settings_path: Path | None = None) -> MainController:
        store = QSettings(str(settings_path or settings_file), QSettings.Format.IniFormat)
        controller = MainController(AppSettings(store))
        qtbot.addWidget(controller.window)
        controller.window.show()
        if load_model:
            with qtbot.waitSignal(controller.models.model_changed, timeout=10_000):
                controller.load_initial_model()
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()  # stops and waits for workers, without asking
        controller.window.close()
        assert controller.batch.worker is None or controller.batch.worker.isFinished()


@pytest.fixture
def controller(make_controller: Callable[..., MainController]) -> MainController:
    return make_controller()


@pytest.fixture
def add_and_wait(qtbot) -> Callable[[MainController, list[Path], int], None]:
    """Queue paths and wait until `expected` pages are queued and probed."""

    def add(controller: MainController, paths: list[Path], expected: int) -> None:
        controller.add_paths(paths)
        wait_queued(qtbot, controller, expected)

    return add
