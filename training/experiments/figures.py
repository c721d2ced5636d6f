"""Figures for the experiments report (matplotlib, headless Agg backend)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: choose the backend before pyplot is imported

import matplotlib.pyplot as plt
import numpy as np

FIGURE_DPI = 100


def _save(figure: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No version metadata, so that rerunning with the same numbers gives the same bytes.
    figure.savefig(path, dpi=FIGURE_DPI, metadata={"Software": None})
    plt.close(figure)
    return path


def plot_digit_rows(rows: Sequence[tuple[str, np.ndarray]], path: Path, title: str) -> Path:
    """One row of digits per (label, images) pair, every row with the same number of digits."""
    column_count = len(rows[0][1])
    if any(len(images) != column_count for _, images in rows):
        raise ValueError("every row needs the same number of digits")
    figure, axes = plt.subplots(
        len(rows),
        column_count,
        figsize=(1.0 + 1.2 * column_count, 0.4 + 1.2 * len(rows)),
        squeeze=False,
        layout="constrained",
    )
    for row_axes, (label, images) in zip(axes, rows, strict=True):
        for axis, image in zip(row_axes, images, strict=True):
            axis.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
            axis.set_xticks([])
            axis.set_yticks([])
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center")
    figure.suptitle(title)
    return _save(figure, path)


def plot_codes(codes: np.ndarray, labels: np.ndarray, path: Path, title: str) -> Path:
    """Scatter 2-D bottleneck codes, coloured by digit label."""
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"expected codes of shape (n, 2), got {codes.shape}")
    figure, axis = plt.subplots(figsize=(7.0, 6.0), layout="constrained")
    colours = plt.get_cmap("tab10")
    for digit in range(10):
        chosen = labels == digit
        axis.scatter(
            codes[chosen, 0],
            codes[chosen, 1],
            s=6,
            alpha=0.6,
            color=colours(digit),
            label=str(digit),
            linewidths=0,
        )
    axis.set_xlabel("code unit 1")
    axis.set_ylabel("code unit 2")
    axis.legend(title="digit", markerscale=3, loc="best", fontsize="small")
    axis.set_title(title)
    return _save(figure, path)
