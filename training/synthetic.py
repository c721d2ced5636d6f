"""Synthetic training pairs: clean pages rendered with Pillow, degraded pixel-aligned.

The real data set has a handful of backgrounds and one text style, so a model trained on it
alone learns little about other paper, stains or fonts. Here a clean page is rendered from
pseudo-English text (several fonts, sizes, line spacings, one or two columns, headings,
tables and rules) and then dirtied with augraphy's photometric effects plus a few of our own
(coffee rings, blotchy stains, folds and creases drawn as lighting). Nothing moves the text:
every effect changes pixel values only, so the clean page stays an exact target.

    python -m training.synthetic --count 200 --seed 7 --out runs/synthetic

docs/figures/synthetic_examples.png is `--count 6 --seed 10 --sheet` that path.
"""

import argparse
import contextlib
import io
import random
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import augraphy.augmentations
import cv2
import matplotlib
import numba
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from training.data import read_gray

PAPER = 255
DEFAULT_HEIGHT, DEFAULT_WIDTH = 420, 540

# ---------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Pseudo-English text
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedChoice:
    """Options with relative frequencies, written compactly as "option:weight ..."."""

    options: tuple[str, ...]
    probabilities: np.ndarray

    @classmethod
    def parse(cls, spec: str) -> "WeightedChoice":
        pairs = [item.rsplit(":", 1) for item in spec.split()]
        weights = np.array([float(weight) for _, weight in pairs])
        return cls(tuple(option.strip("-") for option, _ in pairs), weights / weights.sum())

    def pick(self, rng: np.random.Generator) -> str:
        return self.options[rng.choice(len(self.options), p=self.probabilities)]


# Rough English letter statistics; "-" is the empty string.
FIRST_ONSETS = WeightedChoice.parse(
    "t:9 n:8 s:8 r:7 l:6 d:6 c:5 m:5 p:4 b:3 f:3 g:3 h:4 w:3 v:2 k:1 y:1 j:1 th:2 st:2 pr:2"
    " tr:2 ch:2 sh:2 br:2 cl:2 gr:2 pl:2 wh:2 sp:2 fr:2 str:2 qu:2 sc:2 bl:2 dr:2"
)
LATER_ONSETS = WeightedChoice.parse(
    "t:9 n:8 s:8 r:7 l:6 d:6 c:5 m:5 p:4 b:3 f:3 g:3 h:4 w:3 v:2 k:1 y:1 j:1"
)
VOWELS = WeightedChoice.parse("a:8 e:11 i:7 o:7 u:3 ea:2 ou:2 io:1 ai:1 ee:1 oo:1 ie:1 y:1")
CODAS = WeightedChoice.parse(
    "-:30 n:6 s:5 t:5 r:4 l:3 d:3 nd:2 st:2 ng:2 ck:1 m:2 ts:1 rs:1 nt:2 ss:1 ct:1 rt:1 ll:1 sh:1"
)
FUNCTION_WORDS = WeightedChoice.parse(
    "the:14 of:7 and:6 to:6 a:5 in:4 is:3 that:2 for:2 it:2 as:2 with:2 be:2 on:2 by:2"
    " this:1 are:1 from:1 or:1 at:1 an:1 which:1 not:1 was:1 have:1 has:1 its:1 were:1"
    " can:1 may:1 all:1 but:1 their:1 these:1 one:1 two:1 we:1"
)


def make_word(rng: np.random.Generator) -> str:
    """A pronounceable made-up word, or now and then a common English function word."""
    if rng.random() < 0.3:
        return FUNCTION_WORDS.pick(rng)
    syllables = rng.choice([1, 2, 3, 4], p=[0.4, 0.42, 0.14, 0.04])
    parts = []
    for index in range(syllables):
        onset = (LATER_ONSETS if index else FIRST_ONSETS).pick(rng)
        parts.append(onset + VOWELS.pick(rng) + CODAS.pick(rng))
    return "".join(parts)


def make_number(rng: np.random.Generator) -> str:
    kind = rng.integers(4)
    if kind == 0:
        return str(rng.integers(1, 100))
    if kind == 1:
        return str(rng.integers(1800, 2030))
    if kind == 2:
        return f"{rng.uniform(0, 100):.{rng.integers(1, 3)}f}"
    return f"{rng.integers(1, 20)}.{rng.integers(1, 10)}"


def make_sentence(rng: np.random.Generator) -> list[str]:
    """Words of one sentence, capitalised and punctuated."""
    words = []
    for _ in range(rng.integers(4, 19)):
        word = make_number(rng) if rng.random() < 0.04 else make_word(rng)
        if rng.random() < 0.07:
            word = word.capitalize()
        if rng.random() < 0.08:
            word += str(rng.choice([",", ",", ",", ";", ":"]))
        words.append(word)
    if rng.random() < 0.05 and len(words) > 3:
        start = rng.integers(1, len(words) - 2)
        words[start], words[start + 1] = "(" + words[start], words[start + 1].rstrip(",;:") + ")"
    words[0] = words[0].capitalize()
    words[-1] = words[-1].rstrip(",;:") + str(rng.choice([".", ".", ".", ".", ".", "?", "!"]))
    return words


def make_paragraph_words(rng: np.random.Generator) -> list[str]:
    return [word for _ in range(rng.integers(2, 7)) for word in make_sentence(rng)]


def make_title(rng: np.random.Generator) -> str:
    words = [make_word(rng) for _ in range(rng.integers(1, 6))]
    small_words = {word for word in FUNCTION_WORDS.options if len(word) <= 3}
    title = " ".join(word if word in small_words else word.capitalize() for word in words)
    title = title[0].upper() + title[1:]
    if rng.random() < 0.3:
        title = f"{rng.integers(1, 12)}. {title}"
    return title.upper() if rng.random() < 0.2 else title


# ---------------------------------------------------------------------------------------
# Page layout
# ---------------------------------------------------------------------------------------


@dataclass
class PageStyle:
    family: FontFamily
    body: ImageFont.FreeTypeFont
    bold: ImageFont.FreeTypeFont
    line_height: int
    ink: int
    justified: bool
    indent_paragraphs: bool


@dataclass
class Column:
    left: int
    width: int


class Cursor:
    """Where the next block goes: flows down a column, then into the next one."""

    def __init__(self, columns: list[Column], top: int, bottom: int) -> None:
        self.columns, self.top, self.bottom = columns, top, bottom
        self.column_index, self.y = 0, top

    @property
    def column(self) -> Column:
        return self.columns[self.column_index]

    def reserve(self, height: int) -> tuple[int, int] | None:
        """Top-left corner of a block `height` tall, or None when the page is full."""
        if self.y + height > self.bottom and self.y > self.top:
            if self.column_index + 1 == len(self.columns):
                return None
            self.column_index, self.y = self.column_index + 1, self.top
        if self.y + height > self.bottom:
            return None
        corner = (self.column.left, self.y)
        self.y += height
        return corner

    def skip(self, height: int) -> None:
        self.y += height


def choose_style(rng: np.random.Generator) -> PageStyle:
    families = available_font_families()
    family = families[rng.integers(len(families))]
    body_path = family.italic if rng.random() < 0.15 else family.regular
    x_height = rng.uniform(8, 14)
    body = font_for_x_height(body_path, x_height)
    bold = font_for_x_height(family.bold, x_height)
    line_height = round(body.size * rng.uniform(1.1, 1.7))
    return PageStyle(
        family=family,
        body=body,
        bold=bold,
        line_height=line_height,
        ink=int(rng.integers(0, 50)),
        justified=bool(rng.random() < 0.5),
        indent_paragraphs=bool(rng.random() < 0.5),
    )


MIN_CHARACTERS_PER_COLUMN = 32


def average_character_width(font: ImageFont.FreeTypeFont) -> float:
    return font.getlength("etaoin shrdlu") / 13


@dataclass
class Frame:
    """Where text may go on the page."""

    columns: list[Column]
    top: int
    bottom: int
    cropped: bool


def choose_frame(rng: np.random.Generator, height: int, width: int, style: PageStyle) -> Frame:
    """Half the pages are crops of a bigger page, text running off every edge as in the real
    data; the others are whole pages with margins and one or two columns."""
    if rng.random() < 0.5:
        column = Column(int(rng.integers(-style.body.size, 6)), int(width * rng.uniform(1.05, 1.4)))
        top = int(rng.integers(-style.line_height // 2, 4))
        return Frame([column], top, height + style.line_height // 2, cropped=True)
    margin = int(width * rng.uniform(0.03, 0.1))
    top, bottom = int(height * rng.uniform(0.02, 0.08)), int(height * rng.uniform(0.94, 1.0))
    usable = width - 2 * margin
    wide_enough = usable > 2 * MIN_CHARACTERS_PER_COLUMN * average_character_width(style.body)
    if wide_enough and rng.random() < 0.4:
        gap = int(rng.uniform(1.0, 2.5) * style.body.size)
        column_width = (usable - gap) // 2
        columns = [Column(margin, column_width), Column(margin + column_width + gap, column_width)]
        return Frame(columns, top, bottom, cropped=False)
    return Frame([Column(margin, usable)], top, bottom, cropped=False)


def wrap_words(
    words: list[str], font: ImageFont.FreeTypeFont, width: int, indent: int
) -> list[list[str]]:
    """Greedy line breaking by rendered width."""
    space = font.getlength(" ")
    lines: list[list[str]] = [[]]
    line_width = float(indent)
    for word in words:
        word_width = font.getlength(word)
        if lines[-1] and line_width + space + word_width > width:
            lines.append([])
            line_width = 0.0
        line_width += (space if lines[-1] else 0) + word_width
        lines[-1].append(word)
    return lines


def draw_line(
    draw: ImageDraw.ImageDraw,
    words: list[str],
    origin: tuple[int, int],
    width: int,
    font: ImageFont.FreeTypeFont,
    ink: int,
    justify: bool,
) -> None:
    space = font.getlength(" ")
    if justify and len(words) > 1:
        natural = sum(font.getlength(word) for word in words)
        space = max(space, (width - natural) / (len(words) - 1))
    x, y = float(origin[0]), origin[1]
    for word in words:
        draw.text((round(x), y), word, font=font, fill=ink)
        x += font.getlength(word) + space


def draw_paragraph(
    draw: ImageDraw.ImageDraw, cursor: Cursor, style: PageStyle, rng: np.random.Generator
) -> bool:
    """Draws one paragraph line by line (it may flow into the next column)."""
    indent = 2 * style.body.size if style.indent_paragraphs else 0
    lines = wrap_words(make_paragraph_words(rng), style.body, cursor.column.width, indent)
    for index, words in enumerate(lines):
        corner = cursor.reserve(style.line_height)
        if corner is None:
            return False
        shift = indent if index == 0 else 0
        last = index == len(lines) - 1
        origin = (corner[0] + shift, corner[1])
        width = cursor.column.width - shift
        draw_line(draw, words, origin, width, style.body, style.ink, style.justified and not last)
    if not style.indent_paragraphs:
        cursor.skip(style.line_height // 2)
    return True


def draw_heading(
    draw: ImageDraw.ImageDraw, cursor: Cursor, style: PageStyle, rng: np.random.Generator
) -> bool:
    x_height_scale = rng.uniform(1.0, 1.7)
    font = load_font(style.family.bold, max(6, round(style.bold.size * x_height_scale)))
    cursor.skip(style.line_height // 2)
    title = make_title(rng)
    while " " in title and font.getlength(title) > cursor.column.width:
        title = title.rsplit(" ", 1)[0]
    corner = cursor.reserve(round(font.size * 1.5))
    if corner is None:
        return False
    x = corner[0]
    if rng.random() < 0.3:
        x += max(0, round((cursor.column.width - font.getlength(title)) / 2))
    draw.text((x, corner[1]), title, font=font, fill=style.ink)
    cursor.skip(style.line_height // 3)
    return True


def draw_rule(
    draw: ImageDraw.ImageDraw, cursor: Cursor, style: PageStyle, rng: np.random.Generator
) -> bool:
    thickness = int(rng.integers(1, 4))
    corner = cursor.reserve(style.line_height)
    if corner is None:
        return False
    y = corner[1] + style.line_height // 2
    x0, x1 = corner[0], corner[0] + cursor.column.width - 1
    draw.rectangle((x0, y, x1, y + thickness - 1), fill=style.ink)
    return True


def table_cell_text(rng: np.random.Generator, column: int) -> str:
    if column > 0 and rng.random() < 0.7:
        return make_number(rng)
    return " ".join(make_word(rng) for _ in range(rng.integers(1, 3))).capitalize()


def draw_table(
    draw: ImageDraw.ImageDraw, cursor: Cursor, style: PageStyle, rng: np.random.Generator
) -> bool:
    """A small table: bold header, rules above and below, sometimes a full grid."""
    columns, rows = int(rng.integers(2, 6)), int(rng.integers(3, 9))
    row_height = round(style.body.size * rng.uniform(1.4, 1.9))
    corner = cursor.reserve(rows * row_height + style.line_height)
    if corner is None:
        return False
    left, top = corner[0], corner[1] + style.line_height // 2
    width = cursor.column.width
    cell_width = width / columns
    padding = style.body.size // 3
    grid = rng.random() < 0.35
    for row in range(rows):
        font = style.bold if row == 0 else style.body
        y = top + row * row_height + (row_height - style.body.size) // 2
        for column in range(columns):
            text = make_title(rng) if row == 0 else table_cell_text(rng, column)
            while len(text) > 1 and font.getlength(text) > cell_width - 2 * padding:
                text = text[:-1]
            draw.text(
                (round(left + column * cell_width + padding), y), text, font=font, fill=style.ink
            )
    rule_rows = range(rows + 1) if grid else (0, 1, rows)
    for row in rule_rows:
        y = top + row * row_height
        draw.line((left, y, left + width - 1, y), fill=style.ink, width=1 + (row in (0, rows)))
    if grid:
        for column in range(columns + 1):
            x = min(round(left + column * cell_width), left + width - 1)
            draw.line((x, top, x, top + rows * row_height), fill=style.ink, width=1)
    return True


BLOCKS: tuple[tuple[Callable[..., bool], float], ...] = (
    (draw_paragraph, 0.72),
    (draw_heading, 0.12),
    (draw_table, 0.08),
    (draw_rule, 0.08),
)


def render_clean_page(
    rng: np.random.Generator, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> np.ndarray:
    """A clean page (uint8, height×width): white paper, dark anti-aliased text."""
    if height < 32 or width < 32:
        raise ValueError(f"a page must be at least 32×32 pixels, got {height}×{width}")
    style = choose_style(rng)
    page = Image.new("L", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    frame = choose_frame(rng, height, width, style)
    cursor = Cursor(frame.columns, frame.top, frame.bottom)
    if not frame.cropped and rng.random() < 0.5:
        draw_heading(draw, cursor, style, rng)
    blocks, weights = zip(*BLOCKS, strict=True)
    probabilities = np.array(weights) / sum(weights)
    while blocks[rng.choice(len(blocks), p=probabilities)](draw, cursor, style, rng):
        pass
    while draw_paragraph(draw, cursor, style, rng):  # fills what a heading or table left
        pass
    return np.asarray(page, dtype=np.uint8).copy()


# ---------------------------------------------------------------------------------------
# Degradation: pixel values only, never geometry
# ---------------------------------------------------------------------------------------

# Each effect takes a float32 BGR image in 0..255 or a uint8 one (augraphy's), and returns
# one of the same shape. Ink effects see the clean page, paper effects a blank sheet, and
# post effects the page after ink was multiplied onto paper.
ImageEffect = Callable[[np.ndarray, np.random.Generator], np.ndarray]
BROWN_BGR = np.array([1.0, 0.8, 0.55], np.float32)  # how much each channel darkens in a stain


def _augraphy(name: str, **parameters: object) -> ImageEffect:
    """An augraphy augmentation with fixed parameter ranges (augraphy samples within them)."""

    def apply(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        augmentation = getattr(augraphy.augmentations, name)(p=1, **parameters)
        result = augmentation(np.clip(image, 0, 255).astype(np.uint8))
        if result.ndim == 2:
            result = cv2.cvtColor(result, cv2.COLOR_GRAY2BGR)
        return result.astype(np.float32)

    apply.__name__ = name
    return apply


def smooth_noise(shape: tuple[int, int], rng: np.random.Generator, cell: float) -> np.ndarray:
    """Values in 0..1 that vary smoothly over about `cell` pixels."""
    height, width = shape
    coarse = rng.random((max(2, round(height / cell) + 2), max(2, round(width / cell) + 2)))
    fine = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(fine, 0, 1)


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(values / 2))


def noise_along(positions: np.ndarray, rng: np.random.Generator, period: float) -> np.ndarray:
    """Smooth 1-D noise in 0..1 evaluated at `positions` (any shape), varying over `period`."""
    low, high = float(positions.min()), float(positions.max())
    knots = np.arange(low - period, high + 2 * period, period)
    return np.interp(positions, knots, rng.random(len(knots))).astype(np.float32)


def periodic_noise(angle: np.ndarray, rng: np.random.Generator, harmonics: int) -> np.ndarray:
    """Smooth noise in 0..1 around a circle (no seam where the angle wraps)."""
    total = np.zeros_like(angle)
    for harmonic in range(1, harmonics + 1):
        total += np.sin(harmonic * angle + rng.uniform(0, 2 * np.pi)) / harmonic
    return 0.5 + 0.5 * total / sum(1 / harmonic for harmonic in range(1, harmonics + 1))


def multiply(
    image: np.ndarray, darkening: np.ndarray, tint: np.ndarray | None = None
) -> np.ndarray:
    """Darkens `image` by a 0..1 map, per channel scaled by `tint` (brown for stains)."""
    tint = np.ones(3, np.float32) if tint is None else tint
    return image * (1 - darkening[..., None] * tint)


def fade_ink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weaker ink: pulls dark pixels toward the paper."""
    return 255 - (255 - image) * rng.uniform(0.4, 0.9)


def tone_paper(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey or yellowed paper, a little uneven."""
    level = rng.uniform(0.65, 0.97)
    unevenness = rng.uniform(0, 0.12) * smooth_noise(image.shape[:2], rng, rng.uniform(60, 250))
    tint = BROWN_BGR if rng.random() < 0.5 else None
    return multiply(image, 1 - level + unevenness, tint)


def blot_stains(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Large soft blotches, sometimes with a darker tide line at their edge."""
    shape = image.shape[:2]
    field = smooth_noise(shape, rng, rng.uniform(60, 200))
    threshold = rng.uniform(0.65, 0.85)
    softness = rng.uniform(0.02, 0.08)
    mask = sigmoid((field - threshold) / softness)
    tide_line = 4 * mask * (1 - mask) * rng.uniform(0, 0.6)
    darkness = rng.uniform(0.1, 0.45)
    return multiply(image, darkness * np.clip(mask + tide_line, 0, 1.3), BROWN_BGR)


def coffee_ring(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cup's ring: a sharp outer tide line fading inwards, wobbly and broken, brown."""
    height, width = image.shape[:2]
    rows, columns = np.ogrid[:height, :width]
    darkening = np.zeros((height, width), np.float32)
    radius_mean = rng.uniform(0.15, 0.45) * min(height, width)
    centre_y, centre_x = rng.uniform(-0.1, 1.1) * height, rng.uniform(-0.1, 1.1) * width
    for _ in range(1 if rng.random() < 0.7 else 2):  # a cup set down twice leaves two rings
        distance = np.hypot(rows - centre_y, columns - centre_x).astype(np.float32)
        angle = np.arctan2(rows - centre_y, columns - centre_x).astype(np.float32)
        radius = radius_mean * (1 + 0.04 * (periodic_noise(angle, rng, 6) - 0.5))
        inside = np.maximum(radius - distance, 0)
        outside = np.maximum(distance - radius, 0)
        edge = np.exp(-((outside / rng.uniform(0.8, 2)) ** 2)) * np.exp(
            -inside / rng.uniform(3, 12)
        )
        strength = np.clip(1.6 * periodic_noise(angle, rng, 4) - 0.3, 0, 1)
        fill = sigmoid(-(distance - radius) / 2)
        darkening += rng.uniform(0.2, 0.5) * edge * strength + rng.uniform(0, 0.08) * fill
        centre_y += rng.normal(0, 0.1) * radius_mean
        centre_x += rng.normal(0, 0.1) * radius_mean
    return multiply(image, np.clip(darkening, 0, 0.8), BROWN_BGR)


def crease_profile(rng: np.random.Generator, distance: np.ndarray) -> np.ndarray:
    """Relative brightness across one crease: a lit flank, a shaded flank, a thin dark line,
    and a small step between the two sides of the sheet."""
    flank = rng.uniform(1.5, 6)
    return (
        rng.uniform(0.03, 0.12) * np.exp(-(((distance - flank) / flank) ** 2))
        - rng.uniform(0.05, 0.2) * np.exp(-(((distance + flank) / flank) ** 2))
        - rng.uniform(0.0, 0.12) * np.exp(-((distance / rng.uniform(0.6, 1.2)) ** 2))
        - rng.uniform(0, 0.08) * sigmoid(distance / rng.uniform(5, 40))
    )


def crease_lighting(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Folds and creases as light, multiplied across the page (nothing is warped).

    Crumpled pages get many short creases at any angle, folded ones a few long straight ones;
    along its length a crease comes and goes. Profiles are 1-D tables, looked up per pixel.
    """
    height, width = image.shape[:2]
    rows, columns = np.mgrid[:height, :width].astype(np.float32)
    diagonal = float(np.hypot(height, width))
    step = 0.25
    samples = np.arange(-diagonal, diagonal + step, step, dtype=np.float32)

    def table_index(positions: np.ndarray) -> np.ndarray:
        return np.clip(
            ((positions + diagonal) / step).round().astype(np.int32), 0, len(samples) - 1
        )

    crumpled = rng.random() < 0.6
    lighting = np.ones((height, width), np.float32)
    for _ in range(rng.integers(4, 13) if crumpled else rng.integers(1, 3)):
        if crumpled:
            direction = rng.uniform(0, np.pi)
        else:
            direction = rng.choice([0, np.pi / 2]) + rng.normal(0, 0.03)
        normal_y, normal_x = np.cos(direction), -np.sin(direction)
        centre_y, centre_x = rng.uniform(0, height), rng.uniform(0, width)
        across = (rows - centre_y) * normal_y + (columns - centre_x) * normal_x
        along = (rows - centre_y) * normal_x - (columns - centre_x) * normal_y
        half_length = rng.uniform(0.1, 0.45) * max(height, width) if crumpled else 1e6
        reach = np.exp(-((samples / half_length) ** 4)) * (
            0.3 + 0.7 * noise_along(samples, rng, rng.uniform(20, 120))
        )
        profile = crease_profile(rng, samples)
        lighting *= 1 + profile[table_index(across)] * reach[table_index(along)]
    return np.clip(image * lighting[..., None], 0, 255)


def bleed_through(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another page's text showing through from the back: mirrored, blurred and faint.

    augraphy's BleedThrough mirrors the page itself, or an image from ./augraphy_cache when
    that folder exists, which would make the output depend on the working directory.
    """
    height, width = image.shape[:2]
    back = np.fliplr(render_clean_page(rng, height, width)).astype(np.float32)
    back = cv2.GaussianBlur(back, (0, 0), rng.uniform(0.8, 2.5))
    return multiply(image, rng.uniform(0.08, 0.3) * (1 - back / PAPER))


def cast_shadow(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A soft shadow from one edge, like a hand or the scanner lid (augraphy's is slow).

    Drawn at 1/8 size hanging from the top edge, then turned to the chosen edge."""
    height, width = image.shape[:2]
    from_side = rng.random() < 0.5
    edge_length, reach = (height, width) if from_side else (width, height)
    small_length, small_reach = max(8, edge_length // 8), max(8, reach // 8)
    mask = np.zeros((small_reach, small_length), np.float32)
    corners = rng.random((int(rng.integers(2, 5)), 2)) * [
        small_length,
        small_reach * rng.uniform(0.1, 0.5),
    ]
    polygon = np.vstack([[0, 0], corners[np.argsort(corners[:, 0])], [small_length, 0]])
    cv2.fillPoly(mask, [polygon.round().astype(np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(1, 4))
    if rng.random() < 0.5:
        mask = mask[::-1]  # from the opposite edge
    if from_side:
        mask = mask.T
    shadow = cv2.resize(np.ascontiguousarray(mask), (width, height), interpolation=cv2.INTER_LINEAR)
    return multiply(image, rng.uniform(0.2, 0.6) * shadow)


def gaussian_blur(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slight defocus (a symmetric kernel, so nothing shifts)."""
    return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.1))


def sensor_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, rng.uniform(2, 9), image.shape[:2]).astype(np.float32)
    return image + noise[..., None]


# (effect, probability) per phase. Left out of augraphy on purpose:
# - they move pixels: Folding, BookBinding, PageBorder, Geometric, InkShifter, Squish,
#   SectionShift, GlitchEffect, ColorShift, DoubleExposure, Rescale;
# - they add or reshape content the clean target lacks: Markup, Scribbles, WaterMark,
#   BindingsAndFasteners, NoisyLines, Hollow, DotMatrix, Faxify, Dithering;
# - too slow for < 1 s a page (0.4-1 s each at 420×540): ShadowCast (cast_shadow instead),
#   ReflectedLight, LowLightNoise, DepthSimulatedBlur, PatternGenerator, Moire (a screen
#   artefact anyway), BadPhotoCopy (up to 0.5 s, plus seconds of parallel numba compilation);
# - BleedThrough reads ./augraphy_cache/*.png when that folder exists, so its output would
#   depend on the working directory (bleed_through instead).
INK_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (_augraphy("InkBleed", intensity_range=(0.3, 0.7), severity=(0.2, 0.4)), 0.25),
    (_augraphy("LowInkRandomLines", count_range=(5, 30), use_consistent_lines=False), 0.2),
    (_augraphy("LowInkPeriodicLines", count_range=(2, 5), period_range=(16, 32)), 0.15),
    (_augraphy("Letterpress", n_samples=(50, 150), n_clusters=(50, 150)), 0.15),
    (_augraphy("InkMottling"), 0.2),
    (_augraphy("LinesDegradation"), 0.15),
    (fade_ink, 0.4),
)
PAPER_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (_augraphy("ColorPaper", hue_range=(15, 40), saturation_range=(10, 60)), 0.4),
    (tone_paper, 0.7),
    (bleed_through, 0.2),
    (_augraphy("NoiseTexturize", sigma_range=(2, 8), turbulence_range=(2, 6)), 0.5),
    (_augraphy("BrightnessTexturize", texturize_range=(0.85, 0.99), deviation=0.05), 0.35),
    (_augraphy("Stains"), 0.1),
    (blot_stains, 0.35),
    (coffee_ring, 0.25),
)
POST_EFFECTS: tuple[tuple[ImageEffect, float], ...] = (
    (crease_lighting, 0.35),
    (_augraphy("DirtyRollers"), 0.1),
    (_augraphy("DirtyDrum", line_width_range=(1, 3), noise_intensity=0.3), 0.1),
    (_augraphy("LightingGradient", min_brightness=80, max_brightness=255), 0.25),
    (cast_shadow, 0.12),
    (_augraphy("Gamma", gamma_range=(0.7, 1.3)), 0.3),
    (gaussian_blur, 0.35),
    (_augraphy("SubtleNoise", subtle_range=8), 0.3),
    (sensor_noise, 0.3),
    (_augraphy("Jpeg", quality_range=(30, 90)), 0.4),
)
ALL_EFFECTS = {effect.__name__: effect for effect, _ in INK_EFFECTS + PAPER_EFFECTS + POST_EFFECTS}
# augraphy's ink effects that turn the ink grey: left out of colour pages (degrade_colour).
GREY_INK_EFFECTS = frozenset({"LowInkPeriodicLines", "Letterpress"})


@cache
def _numba_seeder() -> Callable[[int], None]:
    """Seeds numba's own generators, which augraphy's jitted code draws from."""

    @numba.njit
    def seed(value: int) -> None:
        np.random.seed(value)
        random.seed(value)

    return seed


@contextlib.contextmanager
def seeded_global_generators(seed: int) -> Iterator[None]:
    """augraphy draws from Python's, numpy's, OpenCV's and numba's global generators: seed
    them for one page and put Python's and numpy's back afterwards."""
    seed_numba = _numba_seeder()  # compiles on first use, before anything is seeded
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    cv2.setRNGSeed(seed)
    seed_numba(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _run_phase(
    image: np.ndarray,
    effects: tuple[tuple[ImageEffect, float], ...],
    rng: np.random.Generator,
    only: frozenset[str] | None,
    left_out: frozenset[str] = frozenset(),
) -> np.ndarray:
    """Applies each effect with its probability, or exactly those named in `only`; never
    those `left_out` (their draw is still made, so the others' stay the same)."""
    for effect, probability in effects:
        drawn = rng.random() < probability
        if (drawn if only is None else effect.__name__ in only) and effect.__name__ not in left_out:
            image = np.clip(effect(image, rng), 0, 255).astype(np.float32)
    return image


def degrade(
    clean: np.ndarray, rng: np.random.Generator, only: Collection[str] | None = None
) -> np.ndarray:
    """A dirty scan of `clean` (uint8 grayscale, same shape, text in the same place).

    Effects are drawn at random from the ink, paper and post phases; `only` names the
    effects to apply instead (see ALL_EFFECTS), which the tests and debugging use.
    """
    if clean.ndim != 2 or clean.dtype != np.uint8:
        raise ValueError(f"clean must be a 2-D uint8 array, got {clean.dtype} {clean.shape}")
    page = _degrade_bgr(cv2.cvtColor(clean, cv2.COLOR_GRAY2BGR), rng, only)
    return cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)


def degrade_colour(
    clean: np.ndarray, rng: np.random.Generator, only: Collection[str] | None = None
) -> np.ndarray:
    """`degrade` for a colour page (uint8 RGB, H×W×3): the same effects, in colour."""
    if clean.ndim != 3 or clean.shape[2] != 3 or clean.dtype != np.uint8:
        raise ValueError(f"clean must be an H×W×3 uint8 array, got {clean.dtype} {clean.shape}")
    page = _degrade_bgr(cv2.cvtColor(clean, cv2.COLOR_RGB2BGR), rng, only, GREY_INK_EFFECTS)
    return cv2.cvtColor(page, cv2.COLOR_BGR2RGB)


def _degrade_bgr(
    clean: np.ndarray,
    rng: np.random.Generator,
    only: Collection[str] | None,
    left_out: frozenset[str] = frozenset(),
) -> np.ndarray:
    """The ink, paper and post phases on a uint8 BGR page (but the effects `left_out`);
    uint8 BGR back."""
    chosen = None if only is None else frozenset(only)
    if chosen is not None and not chosen <= ALL_EFFECTS.keys():
        raise ValueError(f"unknown effects {sorted(chosen - ALL_EFFECTS.keys())}")
    with (
        seeded_global_generators(int(rng.integers(2**31))),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        ink = _run_phase(clean.astype(np.float32), INK_EFFECTS, rng, chosen, left_out)
        paper = _run_phase(np.full_like(ink, PAPER), PAPER_EFFECTS, rng, chosen)
        page = _run_phase(ink * paper / PAPER, POST_EFFECTS, rng, chosen)
    return np.clip(page, 0, 255).round().astype(np.uint8)


def synthetic_pairs(
    count: int, seed: int, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`count` (noisy, clean) uint8 pairs; the same seed always gives the same pairs, and
    pair i does not depend on `count` (each page has its own spawned seed)."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    for page_seed in np.random.SeedSequence(seed).spawn(count):
        rng = np.random.default_rng(page_seed)
        clean = render_clean_page(rng, height, width)
        yield degrade(clean, rng), clean


# ---------------------------------------------------------------------------------------
# Command line: write pairs and a contact sheet
# ---------------------------------------------------------------------------------------


def contact_sheet(pairs: list[tuple[np.ndarray, np.ndarray]], scale: float = 0.5) -> np.ndarray:
    """One row per pair, noisy beside clean, with grey gutters between them."""
    gutter = 6
    rows = []
    for noisy, clean in pairs:
        height, width = noisy.shape
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = [cv2.resize(image, size, interpolation=cv2.INTER_AREA) for image in (noisy, clean)]
        rows.append(np.hstack([small[0], np.full((size[1], gutter), 128, np.uint8), small[1]]))
    sheet_width = max(row.shape[1] for row in rows)
    padded = [
        np.pad(row, ((0, gutter), (0, sheet_width - row.shape[1])), constant_values=128)
        for row in rows
    ]
    return np.vstack(padded)[:-gutter]


def write_pairs(count: int, seed: int, out: Path, height: int, width: int) -> list[Path]:
    """Writes out/noisy/N.png and out/clean/N.png; returns the noisy paths."""
    (out / "noisy").mkdir(parents=True, exist_ok=True)
    (out / "clean").mkdir(parents=True, exist_ok=True)
    written = []
    pairs = synthetic_pairs(count, seed, height, width)
    for index, (noisy, clean) in enumerate(tqdm(pairs, total=count, unit="page")):
        Image.fromarray(clean).save(out / "clean" / f"{index}.png")
        Image.fromarray(noisy).save(out / "noisy" / f"{index}.png")
        written.append(out / "noisy" / f"{index}.png")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="number of pairs")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for noisy/ and clean/")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT)
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH)
    parser.add_argument(
        "--sheet", type=Path, help="contact sheet path (default OUT/contact_sheet.png)"
    )
    parser.add_argument("--sheet-pairs", type=int, default=6, help="pairs on the contact sheet")
    parser.add_argument("--sheet-scale", type=float, default=0.5)
    arguments = parser.parse_args(argv)
    if arguments.count < 1 or arguments.sheet_pairs < 1:
        parser.error("--count and --sheet-pairs must be at least 1")
    noisy_paths = write_pairs(
        arguments.count, arguments.seed, arguments.out, arguments.height, arguments.width
    )
    shown = [
        (read_gray(path), read_gray(path.parent.parent / "clean" / path.name))
        for path in noisy_paths[: arguments.sheet_pairs]
    ]
    sheet_path = arguments.sheet or arguments.out / "contact_sheet.png"
    sheet_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(contact_sheet(shown, arguments.sheet_scale)).save(sheet_path, optimize=True)
    print(f"{arguments.count} pairs in {arguments.out}, contact sheet {sheet_path}")


if __name__ == "__main__":
    main()
