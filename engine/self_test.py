"""A headless check that an installation works: load the bundled model, clean a bundled
sample page, and check the result is a cleaner page of the same size."""

import tempfile
from pathlib import Path

import numpy as np

from engine.denoiser import Denoiser
from engine.events import FileDone, FileFailed
from engine.io import read_pages
from engine.pipeline import Job, clean_jobs
from engine.precision import model_for_precision
from engine.resources import default_model_path, resource_path

SAMPLE = "samples/stained-page.png"


def grey_fraction(pixels: np.ndarray) -> float:
    """Share of pixels that are neither paper nor ink: what stains and noise add."""
    levels = pixels.astype(np.float32) / 255.0
    return float(np.mean((levels > 0.15) & (levels < 0.85)))


def run_self_test(model: Path | None = None) -> list[str]:
    """Returns the problems found; an empty list means the installation works."""
    sample = resource_path(SAMPLE)
    if not sample.is_file():
        return [f"sample page missing: {sample}"]
    denoiser = Denoiser(model_for_precision(model or default_model_path()))  # or ModelError
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / sample.name
        events = list(clean_jobs([Job(sample, output)], denoiser))
        failures = [e.reason for e in events if isinstance(e, FileFailed)]
        if failures or not any(isinstance(e, FileDone) for e in events):
            return [f"cleaning the sample failed: {failures}"]
        before = next(read_pages(sample)).pixels
        after = next(read_pages(output)).pixels
    problems = []
    if after.shape != before.shape:
        problems.append(f"output is {after.shape}, input {before.shape}")
    if not grey_fraction(after) < 0.5 * grey_fraction(before):
        problems.append(
            f"output is not cleaner: {grey_fraction(after):.1%} grey pixels, "
            f"input {grey_fraction(before):.1%}"
        )
    return problems
