"""`docclean-gui PATH...` and `python -m app`: the window opens with the paths queued."""

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.main import main
from app.views.main_window import MainWindow
from engine import __version__


def test_main_opens_the_window_with_the_paths_queued(
    qtbot, qapp, page_folder: Path, tmp_path: Path, bundled_tiny_model: Path
):
    loose = tmp_path / "not-an-image.txt"
    loose.write_text("x")
    seen: dict[str, object] = {}

    def inspect_then_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[-1] if windows else None
        if window is None or window.queue_view.model().rowCount() < 3:
            QTimer.singleShot(20, inspect_then_quit)
            return
        if not window.clean_all_action.isEnabled():  # the model is still loading
            QTimer.singleShot(20, inspect_then_quit)
            return
        seen["rows"] = window.queue_view.model().rowCount()
        seen["rejected"] = window.rejected_panel.lines()
        seen["icon"] = not QApplication.windowIcon().isNull()
        seen["title"] = window.windowTitle()
        window.close()  # last window closed: exec() returns

    QTimer.singleShot(0, inspect_then_quit)
    QTimer.singleShot(20_000, qapp.quit)  # never hang the suite
    assert main([str(page_folder), str(loose)]) == 0

    assert seen["rows"] == 3
    assert seen["rejected"] == ["not-an-image.txt — not a supported image type"]
    assert seen["icon"]
    assert seen["title"] == "DocClean"


def test_version_is_answered_without_opening_a_window():
    result = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"docclean-gui {__version__}"
