"""Fonts for synthetic pages: serif, sans, typewriter and hand-written families, each
with its regular, bold and italic faces where they exist."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib
from PIL import ImageFont


@dataclass(frozen=True)
class FontFamily:
    name: str
    regular: Path
    bold: Path
    italic: Path


# Regular, bold and italic file names. matplotlib ships the first four, so they always exist;
# the others are used where Debian's fonts-liberation / fonts-dejavu packages are installed.
MATPLOTLIB_FAMILIES = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
    "DejaVu Sans Mono": (
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
        "DejaVuSansMono-Oblique.ttf",
    ),
    "STIX General": ("STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf"),
}
SYSTEM_FAMILIES = {
    "Liberation Serif": (
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
    ),
    "Liberation Sans": (
        "LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
        "LiberationSans-Italic.ttf",
    ),
    "Liberation Mono": (
        "LiberationMono-Regular.ttf",
        "LiberationMono-Bold.ttf",
        "LiberationMono-Italic.ttf",
    ),
    "DejaVu Sans Condensed": (
        "DejaVuSansCondensed.ttf",
        "DejaVuSansCondensed-Bold.ttf",
        "DejaVuSansCondensed-Oblique.ttf",
    ),
    "DejaVu Serif Condensed": (
        "DejaVuSerifCondensed.ttf",
        "DejaVuSerifCondensed-Bold.ttf",
        "DejaVuSerifCondensed-Italic.ttf",
    ),
    # Serif, typewriter and hand-written faces real archives hold (Debian's fonts-ebgaramond,
    # fonts-courier-prime, fonts-joscelyn (a secretary hand), fonts-dancingscript,
    # fonts-kristi, fonts-humor-sans, fonts-dkg-handwriting; `make train` installs them).
    "EB Garamond": (
        "EBGaramond12-Regular.otf",
        "EBGaramond12-Bold.otf",
        "EBGaramond12-Italic.otf",
    ),
    "Courier Prime": ("Courier Prime.otf", "Courier Prime Bold.otf", "Courier Prime Italic.otf"),
    "Joscelyn": ("Joscelyn-Regular.otf",) * 3,
    "Dancing Script": (
        "DancingScript-Regular.otf",
        "DancingScript-Bold.otf",
        "DancingScript-Regular.otf",
    ),
    "Kristi": ("Kristi.ttf",) * 3,
    "Humor Sans": ("Humor-Sans.ttf",) * 3,
    "DKG Handwriting": ("dkg.ttf", "dkgBd.ttf", "dkgIt.ttf"),
}
SYSTEM_FONT_DIR = Path("/usr/share/fonts")


def _family_from(
    name: str, files: tuple[str, str, str], found: dict[str, Path]
) -> FontFamily | None:
    if not all(file in found for file in files):
        return None
    return FontFamily(name, *(found[file] for file in files))


@cache
def available_font_families() -> tuple[FontFamily, ...]:
    """matplotlib's DejaVu and STIX families, plus the system families above if installed.

    The set of fonts is part of what a seed produces: the same seed gives the same pages
    only on machines with the same fonts.
    """
    matplotlib_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    bundled = {path.name: path for path in matplotlib_dir.glob("*.ttf")}
    system = {
        path.name: path
        for pattern in ("*.ttf", "*.otf")
        for path in sorted(SYSTEM_FONT_DIR.rglob(pattern))
    }
    families = [_family_from(n, f, bundled) for n, f in MATPLOTLIB_FAMILIES.items()]
    families += [_family_from(n, f, system) for n, f in SYSTEM_FAMILIES.items()]
    return tuple(family for family in families if family is not None)


@cache
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def font_for_x_height(path: Path, x_height: float) -> ImageFont.FreeTypeFont:
    """The font at the pixel size whose lower-case x is about `x_height` pixels tall."""
    reference = load_font(path, 100)
    top, bottom = reference.getbbox("x")[1], reference.getbbox("x")[3]
    return load_font(path, max(6, round(100 * x_height / (bottom - top))))
