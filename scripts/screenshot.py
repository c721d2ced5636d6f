"""Take docs/screenshot.png: the main window after a batch has cleaned real scans.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot.py
    .venv/bin/python scripts/screenshot.py [--output PATH] [--dark] [--during]

Copies a few noisy pages from the shared DDD test set into a temporary folder (results go
beside them, never into the shared data), cleans them with the bundled model (or, when it
has not been trained yet, the tiny test model), shows a cleaned page before/after, and grabs
the window. With a display (DISPLAY set: a real X server such as Xvfb) the window is drawn
as a user sees it; without one Qt draws offscreen. `--during` grabs it instead while the
fourth page is being cleaned (the worker waits there), to show the progress.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QSettings, QStandardPaths, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.controllers.main_controller import MainController  # noqa: E402
from app.queue_model import ItemState  # noqa: E402
from app.resources import app_icon  # noqa: E402
from app.settings import AppSettings  # noqa: E402
from engine.events import TileDone  # noqa: E402
from engine.resources import default_model_path  # noqa: E402

DDD_TEST = REPO.parent / "shared" / "data" / "ddd" / "test"
PAGES = (
    "73.png",
    "79.png",
    "85.png",
    "88.png",
    "91.png",
    "94.png",
    "97.png",
)  # queued in this order
SHOWN = "85.png"  # a large coffee stain: the page shown before and after
PAUSE_AT = 3  # with --during, the worker waits inside the fourth page during the grab


def wait_until(app: QApplication, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d8ee6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
        QPalette.ColorRole.ToolTipBase: "#353535",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(disabled, role, QColor("#7a7a7a"))
    return palette


def model_path(work: Path) -> Path:
    bundled = default_model_path()
    if bundled.is_file():
        return bundled
    print(f"{bundled} not found: using the tiny test model", file=sys.stderr)
    from tests.onnx_builders import build_brightener

    return build_brightener(work / "tiny.onnx")


def grab(app: QApplication, controller: MainController, shown: Path, output: Path) -> None:
    """Show `shown` before/after, split in the middle and fitted, and save the window."""
    window = controller.window
    window.queue_view.selectRow(controller.queue_model.row_of(shown))
    view = window.compare_view
    wait_until(app, lambda: view.before is not None and view.after is not None)
    view.divider = 0.5
    view.fit()
    for _ in range(10):
        app.processEvents()
    output.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(output)):
        raise OSError(f"cannot write {output}")
    print(f"wrote {output} ({window.width()}×{window.height()}, {app.platformName()})")


def take(output: Path, dark: bool, work: Path, during: bool) -> None:
    scans = work / "scans"
    scans.mkdir()
    for name in PAGES:
        shutil.copy(DDD_TEST / name, scans / name)
    QStandardPaths.setTestModeEnabled(True)
    settings = AppSettings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    if dark:
        app.setPalette(dark_palette())
    app.setWindowIcon(app_icon())
    controller = MainController(settings)
    window = controller.window
    window.resize(1280, 800)
    window.show()
    window.splitter.setSizes([470, 810])

    controller.load_model(model_path(work))
    wait_until(app, lambda: controller.models.denoiser is not None)
    controller.add_paths([scans])
    items = controller.queue_model
    wait_until(app, lambda: len(items) == len(PAGES) and controller.runner.pending == 0)

    paused, resume = threading.Event(), threading.Event()
    pause_source = items.item(PAUSE_AT).source

    def pause_inside_page(event: object) -> None:  # runs on the worker thread
        if isinstance(event, TileDone) and event.path == pause_source and not paused.is_set():
            paused.set()
            resume.wait(timeout=120)

    if during:
        controller.batch.worker_created.connect(
            lambda worker: worker.event_emitted.connect(
                pause_inside_page, Qt.ConnectionType.DirectConnection
            )
        )
    controller.clean_all()
    try:
        if during:
            wait_until(app, paused.is_set)
            wait_until(app, lambda: items.item(PAUSE_AT).state == ItemState.CLEANING)
        else:
            wait_until(app, lambda: not controller.batch.running, timeout=600)
        grab(app, controller, scans / SHOWN, output)
    finally:
        resume.set()
        wait_until(app, lambda: not controller.batch.running, timeout=600)
    window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--dark", action="store_true", help="use a dark palette")
    parser.add_argument(
        "--during", action="store_true", help="grab while the batch cleans its fourth page"
    )
    args = parser.parse_args(argv)
    if not DDD_TEST.is_dir():
        print(f"scans not found in {DDD_TEST}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="docclean-screenshot-") as work:
        take(args.output.resolve(), args.dark, Path(work), args.during)
    return 0


if __name__ == "__main__":
    sys.exit(main())
