"""Pages with figures: solid ink the cleaned page keeps, printed tints it leaves out.

Office pages and forms hold more than text: black bars with their titles reversed out in
paper colour, filled boxes, round stamps, and text on a shaded panel or a shaded table
header. A cleaner must keep solid ink solid (not hollow it into an outline) and may take
a printed tint away like any other background, never turn its edges into black frames.
Here a clean page gets such blocks among its text; the tints are multiplied into the
degraded page only, so the target is the page with its solid ink and without its tints.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

import cv2
import numpy as np
from PIL import ImageDraw

from training.synthetic.layout import (
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    PAPER,
    Cursor,
    PageStyle,
    draw_line,
    render_clean_page,
    wrap_words,
)
from training.synthetic.pages import degrade
from training.synthetic.text import make_paragraph_words, make_title

# A tint keeps this share of the paper's brightness (drawn uniformly).
LIGHTEST_TINT, DARKEST_TINT = 0.95, 0.55


@dataclass
class Tints:
    """The shaded rectangles of a page: (left, top, right, bottom) and the share of the
    paper's brightness each keeps."""

    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)

    def add(self, box: tuple[int, int, int, int], rng: np.random.Generator) -> None:
        self.boxes.append(box)
        self.shares.append(float(rng.uniform(DARKEST_TINT, LIGHTEST_TINT)))

    def applied(self, page: np.ndarray) -> np.ndarray:
        """`page` (uint8) with every tint multiplied in, its edges softened by half a
        pixel as print's are."""
        shade = np.ones(page.shape, np.float32)
        for (left, top, right, bottom), share in zip(self.boxes, self.shares, strict=True):
            shade[max(top, 0) : bottom + 1, max(left, 0) : right + 1] = share
        shade = cv2.GaussianBlur(shade, (0, 0), 0.5)
        return np.clip(page * shade + 0.5, 0, 255).astype(np.uint8)


def draw_solid(
    draw: ImageDraw.ImageDraw, cursor: Cursor, style: PageStyle, rng: np.random.Generator
) -> bool:
    """A solid block of ink: a bar with a title reversed out of it, a filled box or a
    round stamp, 1.5 to 6 lines tall."""
    height = round(style.line_height * rng.uniform(1.5, 6.0))
    corner = cursor.reserve(height + style.line_height // 2)
    if corner is None:
        return False
    left, top = corner
    width = cursor.column.width
    kind = rng.integers(3)
    if kind == 0:
        right = left + round(width * rng.uniform(0.4, 1.0))
        draw.rectangle((left, top, right, top + height), fill=style.ink)
        padding = style.bold.size // 2
        title = make_title(rng)
        while " " in title and style.bold.getlength(title) > right - left - 2 * padding:
            title = title.rsplit(" ", 1)[0]
        y = top + (height - style.bold.size) // 2
        draw.text((left + padding, y), title, font=style.bold, fill=PAPER)
    else:
        size = min(width, round(height * rng.uniform(1.0, 3.0)) if kind == 1 else height)
        x = left + int(rng.integers(0, max(1, width - size)))
        shape = draw.rectangle if kind == 1 else draw.ellipse
        shape((x, top, x + size, top + height), fill=style.ink)
    return True


def draw_panel(
    draw: ImageDraw.ImageDraw,
    cursor: Cursor,
    style: PageStyle,
    rng: np.random.Generator,
    tints: Tints,
) -> bool:
    """A few lines of text on a shaded panel (a table's header row when one line)."""
    padding = style.body.size // 2
    width = cursor.column.width
    lines = wrap_words(make_paragraph_words(rng), style.body, width - 2 * padding, 0)
    lines = lines[: int(rng.integers(1, 6))]
    height = len(lines) * style.line_height + 2 * padding
    corner = cursor.reserve(height + style.line_height // 2)
    if corner is None:
        return False
    left, top = corner
    for index, words in enumerate(lines):
        origin = (left + padding, top + padding + index * style.line_height)
        draw_line(draw, words, origin, width - 2 * padding, style.body, style.ink, False)
    tints.add((left, top, left + width - 1, top + height - 1), rng)
    return True


def figure_page(
    rng: np.random.Generator, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> tuple[np.ndarray, np.ndarray]:
    """(noisy, clean) uint8: a page of text with solid ink and shaded panels, degraded."""
    tints = Tints()
    panel = partial(draw_panel, tints=tints)
    clean = render_clean_page(rng, height, width, extra_blocks=((draw_solid, 0.2), (panel, 0.25)))
    return tints.applied(degrade(clean, rng)), clean


def figure_pairs(
    count: int, seed: int, height: int = DEFAULT_HEIGHT, width: int = DEFAULT_WIDTH
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """`count` (noisy, clean) pairs of `figure_page`, each page from its own spawned seed."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    for page_seed in np.random.SeedSequence([seed, 7]).spawn(count):
        yield figure_page(np.random.default_rng(page_seed), height, width)
