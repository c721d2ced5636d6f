"""Colour mode: the paper becomes white and every stroke keeps its own hue.

The network still runs once, on one channel. Each colour channel is divided by its own
local paper estimate (`engine.paper.normalise_paper`), so yellowed or tinted paper turns
white in all three, and the network sees the darkest of the three divided channels: light
red on yellow paper keeps its contrast there, where its luminance is almost the paper's.
The network's cleaned grey level then says how much of each pixel is ink, and the ink's
colour is the input's with the paper divided out: `out = 1 - ink * (1 - colour)`.
"""

import numpy as np

from engine.paper import normalise_paper

# A pixel whose channels differ by more than this (of 255) is coloured; a page with at
# least COLOURFUL_PIXELS of them is a colour page. Below that it is grey (JPEG and scanner
# noise on a grey page stays under it) and is cleaned and written as grey.
COLOURFUL_SPREAD = 24
COLOURFUL_PIXELS = 64
# Cleaned grey levels at or below this are all ink; paper (1.0) is none; linear between.
# Measured on the colour test set (training.colour_evaluation): see docs/results.md.
FULL_INK = 0.25
# Rows handled at a time, so a large page needs no full-size float temporaries.
BAND_ROWS = 256


def is_colourful(rgb: np.ndarray) -> bool:
    """Whether an RGB page (uint8, H×W×3) shows colour, not just grey levels."""
    coloured = 0
    for start in range(0, rgb.shape[0], BAND_ROWS):
        band = rgb[start : start + BAND_ROWS]
        spread = band.max(axis=2) - band.min(axis=2)
        coloured += int(np.count_nonzero(spread > COLOURFUL_SPREAD))
        if coloured >= COLOURFUL_PIXELS:
            return True
    return False


def paper_divided(rgb: np.ndarray) -> np.ndarray:
    """Each channel divided by its own paper (uint8, H×W×3): paper near 255 whatever its
    tint, ink its own colour against it."""
    divided = np.empty(rgb.shape, dtype=np.uint8)
    levels = np.empty(rgb.shape[:2], dtype=np.float32)
    for channel in range(3):
        np.multiply(rgb[..., channel], np.float32(1 / 255), out=levels)
        normalise_paper(levels, out=levels)
        np.multiply(levels, np.float32(255), out=levels)
        np.add(levels, np.float32(0.5), out=levels)
        divided[..., channel] = levels  # in 0.5..255.5: truncation rounds
    return divided


def darkest_channel(divided: np.ndarray) -> np.ndarray:
    """What the network sees of a colour page: the darkest paper-divided channel (uint8)."""
    return divided.min(axis=2)


def recolour(cleaned: np.ndarray, divided: np.ndarray) -> np.ndarray:
    """The colour page (uint8, H×W×3) from the network's cleaned grey levels (float 0..1,
    H×W) and the paper-divided input: white where the network cleared the page, the ink's
    own colour where it kept ink."""
    out = np.empty(divided.shape, dtype=np.uint8)
    for start in range(0, cleaned.shape[0], BAND_ROWS):
        rows = slice(start, start + BAND_ROWS)
        ink = (1.0 - cleaned[rows]) / np.float32(1.0 - FULL_INK)
        np.clip(ink, 0.0, 1.0, out=ink)
        colour = divided[rows].astype(np.float32)
        # 255 - ink * (255 - colour), rounded
        np.subtract(np.float32(255), colour, out=colour)
        np.multiply(colour, ink[..., None], out=colour)
        np.subtract(np.float32(255.5), colour, out=colour)
        out[rows] = colour
    return out
