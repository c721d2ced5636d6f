"""Colour mode: the paper becomes white and every stroke keeps its own hue.

The network still runs once, on one channel. Each colour channel is divided by its own
local paper estimate (`engine.paper`), so yellowed or tinted paper turns white in all
three. The network sees those divided channels' luminance where the page is neutral, and
their darkest channel where it is coloured (`ink_grey`): light red on yellow paper, or a
yellow highlighter, keeps its contrast there, where its luminance is almost the paper's.
The network's cleaned grey level (quantised as grey mode writes it) then says how much of
each pixel is ink, and the ink's colour is the input's with the paper divided out, faded
strokes darkened to a floor: `out = 1 - ink * (1 - colour) * boost`.

Grey and black and white show such a model a colour page the same way, with the darker of
red and green in place of the darkest channel, so that red ink stays dark and yellow
highlights go.
"""

import numpy as np

from engine.paper import NORMALISE_ROWS, divide_8bit, divider_8bit, window_maximum
from engine.parallel import in_bands

# A pixel whose channels differ by more than this (of 255) is coloured; a page with at
# least COLOURFUL_PIXELS of them is a colour page. Below that it is grey (JPEG and scanner
# noise on a grey page stays under it) and is cleaned and written as grey.
COLOURFUL_SPREAD = 24
COLOURFUL_PIXELS = 64
# A pixel whose paper-divided channels differ by this much (of 255) is fully coloured: the
# network sees its darkest channel; a neutral one its luminance (less noise); between, a
# blend. Measured on the colour test set against the darkest channel everywhere and
# luminance everywhere (docs/results.md).
COLOURED_SPREAD = 96
# ITU-R 601 luminance weights, as Pillow's grey conversion.
LUMINANCE = (0.299, 0.587, 0.114)
# Cleaned grey levels at or below this are all ink; paper (1.0) is none; linear between.
FULL_INK = 0.5
# Faded strokes are brought back to this darkness (1 - darkest channel), keeping their hue,
# as grey mode brings back faded ink; a stroke's darkness is the darkest within
# STROKE_WINDOW pixels, so its anti-aliased edges scale with it and do not thicken.
# Both measured on the colour test set (training.colour_evaluation, docs/results.md).
INK_DARKNESS_FLOOR = 0.7
STROKE_WINDOW = 5
# Rows handled at a time, so a large page needs no full-size float temporaries.
BAND_ROWS = NORMALISE_ROWS  # paper_ink_grey's bands are the paper's
RECOLOUR_ROWS = 128  # smaller bands: recolouring runs beside the whole colour page
INK_GREY_ROWS = 64


def is_colourful(rgb: np.ndarray) -> bool:
    """Whether an RGB page (uint8, H×W×3) shows colour, not just grey levels."""
    coloured = 0
    for start in range(0, rgb.shape[0], BAND_ROWS):
        red, green, blue = (rgb[start : start + BAND_ROWS, :, channel] for channel in range(3))
        spread = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
        coloured += int(np.count_nonzero(spread > COLOURFUL_SPREAD))
        if coloured >= COLOURFUL_PIXELS:
            return True
    return False


def paper_divided(rgb: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Each channel divided by its own paper (uint8, H×W×3): paper near 255 whatever its
    tint, ink its own colour against it (the three papers estimated in one pass).
    `in_place`: written over `rgb`."""
    return divide_8bit(rgb, in_place)


def ink_grey(divided: np.ndarray, highlights: bool = True) -> np.ndarray:
    """What the network sees of a colour page (uint8, H×W): the paper-divided channels'
    luminance where they agree, their darkest channel where they differ by
    COLOURED_SPREAD or more, blended between. Without `highlights` (grey and black and
    white modes), the darker of red and green instead of the darkest channel, never
    lighter than the luminance: red and light red ink keep their contrast as in colour
    mode, while yellow (a highlighter) stays as light as the luminance makes it, since
    those modes cannot show it as a highlight (measured per ink in docs/results.md)."""
    out = np.empty(divided.shape[:2], dtype=np.uint8)

    def band(rows: slice) -> None:
        out[rows] = _ink_grey_rows(divided[rows], highlights)

    in_bands(divided.shape[0], BAND_ROWS, band)
    return out


def paper_ink_grey(rgb: np.ndarray, highlights: bool = True) -> np.ndarray:
    """`ink_grey(paper_divided(rgb), highlights)`, the same bytes, with no divided page:
    each band of rows is divided and made grey on its own."""
    divided = divider_8bit(rgb)
    out = np.empty(rgb.shape[:2], dtype=np.uint8)

    def band(rows: slice) -> None:
        out[rows] = _ink_grey_rows(divided(rows), highlights)

    in_bands(rgb.shape[0], BAND_ROWS, band)
    return out


def _ink_grey_rows(divided: np.ndarray, highlights: bool) -> np.ndarray:
    """`ink_grey` of a band of paper-divided rows, INK_GREY_ROWS at a time (each row's
    float temporaries take 50 times its bytes)."""
    out = np.empty(divided.shape[:2], dtype=np.uint8)
    for top in range(0, divided.shape[0], INK_GREY_ROWS):
        rows = slice(top, top + INK_GREY_ROWS)
        out[rows] = _ink_grey_of(divided[rows], highlights)
    return out


def _ink_grey_of(divided: np.ndarray, highlights: bool) -> np.ndarray:
    red, green, blue = (divided[..., channel].astype(np.float32) for channel in range(3))
    red_or_green = np.minimum(red, green)
    darkest = np.minimum(red_or_green, blue)
    coloured = np.maximum(np.maximum(red, green), blue) - darkest
    coloured *= np.float32(1 / COLOURED_SPREAD)
    np.minimum(coloured, np.float32(1), out=coloured)
    grey = red * np.float32(LUMINANCE[0]) + green * np.float32(LUMINANCE[1])
    grey += blue * np.float32(LUMINANCE[2])
    target = darkest if highlights else np.minimum(red_or_green, grey)
    grey += coloured * (target - grey)
    grey += np.float32(0.5)
    return grey.astype(np.uint8)  # rounded by truncation


def darkest_channel(divided: np.ndarray) -> np.ndarray:
    """The darkest of the paper-divided channels (uint8, H×W)."""
    return np.minimum(np.minimum(divided[..., 0], divided[..., 1]), divided[..., 2])


def stroke_darkness(divided: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
    """Each pixel's stroke darkness (uint8, 0 = paper, 255 = black) in `rows` (a band with
    a step of 1; all rows by default): the darkest channel's darkness, at its most within
    STROKE_WINDOW pixels."""
    top, bottom, _ = rows.indices(divided.shape[0])
    reach = STROKE_WINDOW // 2
    first, last = max(top - reach, 0), min(bottom + reach, divided.shape[0])
    darkness = 255 - darkest_channel(divided[first:last])
    across = window_maximum(darkness, 0, STROKE_WINDOW)[top - first : bottom - first]
    return window_maximum(across, 1, STROKE_WINDOW)


def ink_shares(full_ink: float = FULL_INK) -> np.ndarray:
    """How much of each cleaned grey level (0..255) is ink (float32, 0..1): all of it at
    `full_ink` and below, none at white."""
    levels = np.arange(256, dtype=np.float32) / np.float32(255)
    return np.clip((1 - levels) / np.float32(1 - full_ink), 0, 1)


def darkness_boosts(darkness_floor: float = INK_DARKNESS_FLOOR) -> np.ndarray:
    """The factor that brings a stroke of each darkness (0..255) to `darkness_floor`
    (float32, at least 1)."""
    darkness = np.maximum(np.arange(256, dtype=np.float32), 1)
    return np.maximum(np.float32(255 * darkness_floor) / darkness, 1).astype(np.float32)


def ink_factors(
    full_ink: float = FULL_INK, darkness_floor: float = INK_DARKNESS_FLOOR
) -> np.ndarray:
    """Each (cleaned grey level, stroke darkness) pair's ink share times its darkness boost,
    in 256ths (uint16, 256×256). A channel's darkness never exceeds its stroke's, and a
    boosted stroke is at most black, so darkness × factor stays within 16 bits."""
    factors = ink_shares(full_ink)[:, None] * darkness_boosts(darkness_floor)[None, :]
    return np.rint(factors * 256).astype(np.uint16)


def recolour(
    cleaned: np.ndarray,
    divided: np.ndarray,
    full_ink: float = FULL_INK,
    darkness_floor: float = INK_DARKNESS_FLOOR,
    in_place: bool = False,
) -> np.ndarray:
    """The colour page (uint8, H×W×3) from the network's cleaned grey levels (uint8, H×W,
    as grey mode writes them) and the paper-divided input: white where the network cleared
    the page, the ink's own colour where it kept ink (all of it at `full_ink` and below), a
    stroke lighter than `darkness_floor` darkened to it. In 16-bit fixed point. `in_place`:
    written over `divided` (the strokes' darkness measured on all of it first), so a large
    page needs no second colour page."""
    if cleaned.dtype != np.uint8:
        raise ValueError(f"expected uint8 cleaned levels, got {cleaned.dtype}")
    factors = ink_factors(full_ink, darkness_floor).ravel()
    darkness = np.empty(cleaned.shape, dtype=np.uint8)
    out = divided if in_place else np.empty(divided.shape, dtype=np.uint8)

    def measure(rows: slice) -> None:
        darkness[rows] = stroke_darkness(divided, rows)

    def colour(rows: slice) -> None:
        pair = np.left_shift(cleaned[rows], 8, dtype=np.uint16)
        pair |= darkness[rows]
        factor = factors[pair]
        for channel in range(3):  # one at a time: NumPy broadcasts over 3 values slowly
            ink = np.subtract(255, divided[rows, :, channel], dtype=np.uint16)
            ink *= factor
            ink += 128  # rounded
            ink >>= 8
            np.subtract(255, ink, out=out[rows, :, channel], casting="unsafe")

    in_bands(cleaned.shape[0], RECOLOUR_ROWS, measure)
    in_bands(cleaned.shape[0], RECOLOUR_ROWS, colour)
    return out
