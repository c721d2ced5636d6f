"""Render resources/icons/docclean.svg to the PNG, ICO and ICNS files apps and installers use.

Run after editing the SVG:  .venv/bin/python scripts/render_icon.py
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHints(
        QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform
    )
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    svg = ICONS / "docclean.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"cannot render {svg}", file=sys.stderr)
        return 1
    written = []
    for size in PNG_SIZES:
        path = ICONS / f"docclean-{size}.png"
        if not render(renderer, size).save(str(path)):
            print(f"cannot write {path}", file=sys.stderr)
            return 1
        written.append(path)
    largest = Image.open(ICONS / "docclean-256.png")
    largest.save(ICONS / "docclean.ico", sizes=[(s, s) for s in PNG_SIZES])  # Windows installer
    largest.save(ICONS / "docclean.icns")  # macOS bundle
    written += [ICONS / "docclean.ico", ICONS / "docclean.icns"]
    for path in written:
        print(path.relative_to(ICONS.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
