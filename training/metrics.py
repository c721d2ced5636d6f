"""The page measures of `training.evaluate`: RMSE (pooled over pages), PSNR, and OCR
character error rate (Tesseract)."""

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image


def rmse(result: np.ndarray, clean: np.ndarray) -> float:
    difference = result.astype(np.float64) / 255 - clean.astype(np.float64) / 255
    return float(np.sqrt(np.mean(difference**2)))


def pooled_rmse(errors: list[float]) -> float:
    """RMSE of a set of pages from each page's RMSE, each page weighing the same."""
    return float(np.sqrt(np.mean(np.square(errors))))


def psnr(error: float) -> float:
    return float(20 * np.log10(1.0 / max(error, 1e-12)))


def ocr(page: np.ndarray) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.png"
        Image.fromarray(page).save(path, dpi=(200, 200))
        result = subprocess.run(
            ["tesseract", str(path), "stdout"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # its threads only spin on small pages
        )
    return " ".join(result.stdout.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one vectorised row at a time."""
    previous = np.arange(len(b) + 1)
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    for i, char in enumerate(a, start=1):
        substitution = previous[:-1] + (codes != ord(char))
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(substitution, previous[1:] + 1)
        current = np.minimum.accumulate(current - np.arange(len(b) + 1)) + np.arange(len(b) + 1)
        previous = current
    return int(previous[-1])


def character_error_rate(text: str, reference: str) -> float:
    return edit_distance(text, reference) / max(len(reference), 1)
