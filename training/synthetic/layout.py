"""Clean pages: columns, paragraphs, headings, tables and rules laid out on white paper."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.synthetic.fonts import (
    FontFamily,
    available_font_families,
    font_for_x_height,
    load_font,
)
from training.synthetic.text import make_number, make_paragraph_words, make_title, make_word

PAPER = 255
DEFAULT_HEIGHT, DEFAULT_WIDTH = 420, 540


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
    rng: np.random.Generator,
    height: int = DEFAULT_HEIGHT,
    width: int = DEFAULT_WIDTH,
    extra_blocks: tuple[tuple[Callable[..., bool], float], ...] = (),
) -> np.ndarray:
    """A clean page (uint8, height×width): white paper, dark anti-aliased text, and
    `extra_blocks` (drawing functions and their weights) among the usual ones."""
    if height < 32 or width < 32:
        raise ValueError(f"a page must be at least 32×32 pixels, got {height}×{width}")
    style = choose_style(rng)
    page = Image.new("L", (width, height), PAPER)
    draw = ImageDraw.Draw(page)
    frame = choose_frame(rng, height, width, style)
    cursor = Cursor(frame.columns, frame.top, frame.bottom)
    if not frame.cropped and rng.random() < 0.5:
        draw_heading(draw, cursor, style, rng)
    blocks, weights = zip(*BLOCKS, *extra_blocks, strict=True)
    probabilities = np.array(weights) / sum(weights)
    while blocks[rng.choice(len(blocks), p=probabilities)](draw, cursor, style, rng):
        pass
    while draw_paragraph(draw, cursor, style, rng):  # fills what a heading or table left
        pass
    return np.asarray(page, dtype=np.uint8).copy()
