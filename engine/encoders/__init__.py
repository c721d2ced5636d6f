"""Lossless encoders of cleaned pages that use every physical core (`engine.parallel`):
PNG (`png`, also the images of PDFs built from pages) and deflated TIFF (`tiff`)."""

import numpy as np


def check_page(pixels: np.ndarray) -> None:
    """Raise ValueError unless `pixels` is a page the encoders take: uint8, H×W grey or
    H×W×3 RGB."""
    if pixels.dtype != np.uint8 or not (
        pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    ):
        raise ValueError(f"expected uint8 H×W or H×W×3 pixels, got {pixels.dtype} {pixels.shape}")
