"""The application icon, found in a checkout, an installed copy or a frozen app."""

from PySide6.QtGui import QIcon

from engine.resources import resource_path

ICON_SIZES = (16, 32, 64, 256)


def app_icon() -> QIcon:
    """The DocClean icon: crisp PNG renders at the usual sizes, the SVG for the rest."""
    icon = QIcon()
    for size in ICON_SIZES:
        png = resource_path(f"icons/docclean-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    svg = resource_path("icons/docclean.svg")
    if svg.is_file():
        icon.addFile(str(svg))
    return icon
