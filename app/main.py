"""`docclean-gui [PATH...]`: open the DocClean window with those files and folders queued."""

import argparse
import sys
from pathlib import Path

from engine import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docclean-gui",
        description="Clean scanned document pages in a window: drop scans, watch them clean, "
        "compare before and after.",
    )
    parser.add_argument("--version", action="version", version=f"docclean-gui {__version__}")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation without a window: clean a bundled sample page "
        "(exit code 0 passed, 1 failed, 3 model problem)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # answers --help/--version before Qt loads
    if args.self_test:
        from engine.cli import run_self_test  # headless: no QApplication, no display needed

        return run_self_test(args)

    from app.system_libraries import missing_libraries, missing_message, uses_xcb

    if uses_xcb() and (missing := missing_libraries()):  # instead of Qt's plugin error
        print(missing_message(missing), file=sys.stderr)
        return 1

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from app.controllers.main_controller import MainController
    from app.resources import app_icon
    from app.settings import APPLICATION, ORGANISATION, AppSettings

    app = QApplication.instance()
    if app is None:
        # Fractional scale factors (125 %, 150 %) are used as they are, not rounded.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("DocClean")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("docclean")
    app.setWindowIcon(app_icon())

    controller = MainController(AppSettings())
    controller.window.show()
    controller.load_initial_model(args.model)
    if args.paths:
        controller.add_paths(args.paths)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
