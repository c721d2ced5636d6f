"""Bands of a page shared among the cores: every band done once, errors raised, and the
same bytes as one band after another."""

import os

import numpy as np
import pytest

import engine.parallel
from engine.cleaning import resample
from engine.colour import ink_grey, paper_divided, recolour
from engine.io import grey_levels
from engine.paper import normalised_8bit
from engine.parallel import in_bands


def test_every_band_is_done_once() -> None:
    seen = np.zeros(1000, int)

    def work(rows: slice) -> None:
        seen[rows] += 1

    in_bands(len(seen), 64, work)
    assert (seen == 1).all()


def test_a_bands_error_is_raised() -> None:
    def work(rows: slice) -> None:
        if rows.start == 128:
            raise ValueError("band 128")

    with pytest.raises(ValueError, match="band 128"):
        in_bands(1000, 64, work)


def test_bands_in_parallel_give_the_bytes_of_one_band_after_another(monkeypatch) -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (700, 300, 3), dtype=np.uint8)
    cleaned = rng.integers(0, 256, (700, 300), dtype=np.uint8)

    def outputs() -> list[np.ndarray]:
        divided = paper_divided(rgb)
        enlarged = np.empty((1800, 770), np.uint8)  # several bands, through a quantiser
        resample(cleaned / np.float32(255), enlarged.shape, out=enlarged, quantise=grey_levels)
        return [
            normalised_8bit(rgb[..., 0], 1 / 255),
            ink_grey(divided),
            recolour(cleaned, divided),
            resample(rgb[..., 1], (230, 100)),
            resample(cleaned, (1800, 770)),  # 8-bit
            enlarged,
        ]

    if engine.parallel.physical_cores() < 2:
        monkeypatch.setattr(engine.parallel, "physical_cores", lambda: 2)
    parallel = outputs()
    monkeypatch.setattr(engine.parallel, "physical_cores", lambda: 1)
    for shared, alone in zip(parallel, outputs(), strict=True):
        np.testing.assert_array_equal(shared, alone)


def test_without_linux_affinity_the_os_counts_the_physical_cores(monkeypatch) -> None:
    if not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) != os.cpu_count():
        pytest.skip("needs Linux, this process allowed on every CPU")
    linux = engine.parallel.physical_cores()  # hyper-thread siblings read from /sys
    monkeypatch.delattr(engine.parallel.os, "sched_getaffinity", raising=False)
    assert engine.parallel.physical_cores() == linux  # psutil, as on Windows and macOS
