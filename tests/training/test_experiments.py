"""The MNIST reference experiments: IDX parsing, scoring, and tiny end-to-end runs."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from training.experiments.mnist import (
    MNIST_DIR_VARIABLE,
    TEST_IMAGES_FILE,
    TEST_LABELS_FILE,
    MnistSplits,
    default_mnist_dir,
    load_mnist,
    read_idx,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_idx(path: Path, values: np.ndarray, type_code: int) -> None:
    """Write `values` as a gzipped IDX file (big-endian, as the format requires)."""
    header = bytes([0, 0, type_code, values.ndim]) + np.array(values.shape, ">u4").tobytes()
    dtype = {0x08: np.uint8, 0x0C: ">i4"}[type_code]
    with gzip.open(path, "wb") as stream:
        stream.write(header + values.astype(dtype).tobytes())


@pytest.fixture(scope="module")
def mnist_splits() -> MnistSplits:
    """The real digits from the IDX files in shared/ (never the network)."""
    data_dir = default_mnist_dir()
    if not (data_dir / TEST_IMAGES_FILE).is_file():
        pytest.skip(f"MNIST IDX files not found in {data_dir}; set {MNIST_DIR_VARIABLE}")
    return load_mnist(data_dir, try_download=False)


def test_read_idx_round_trips_images_and_big_endian_integers(tmp_path: Path) -> None:
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    integers = np.array([-2, 70_000, 3], dtype=np.int32)
    write_idx(tmp_path / "images.gz", images, 0x08)
    write_idx(tmp_path / "integers.gz", integers, 0x0C)

    np.testing.assert_array_equal(read_idx(tmp_path / "images.gz"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "integers.gz"), integers)


def test_read_idx_rejects_bad_magic_and_truncated_files(tmp_path: Path) -> None:
    (tmp_path / "bad_magic").write_bytes(b"\x01\x00\x08\x01\x00\x00\x00\x01\x05")
    truncated = bytes([0, 0, 8, 1]) + np.array([4], ">u4").tobytes() + b"\x01\x02"
    (tmp_path / "truncated").write_bytes(truncated)

    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad_magic")
    with pytest.raises(ValueError, match="expected"):
        read_idx(tmp_path / "truncated")


def test_load_mnist_splits_idx_files_into_disjoint_scaled_parts(tmp_path: Path) -> None:
    count = 50
    images = np.zeros((count, 28, 28), np.uint8)
    images[:, 0, 0] = np.arange(count)  # a unique marker per digit
    images[:, 1, 1] = 255
    write_idx(tmp_path / TEST_IMAGES_FILE, images, 0x08)
    write_idx(tmp_path / TEST_LABELS_FILE, np.arange(count) % 10, 0x08)

    splits = load_mnist(tmp_path, try_download=False)

    assert splits.counts == (32, 8, 10)
    assert not splits.is_full_mnist
    assert "IDX files" in splits.source
    for part in (splits.train_images, splits.validation_images, splits.test_images):
        assert part.dtype == np.float32 and part.shape[1:] == (28, 28)
        assert part.min() >= 0.0 and part.max() == 1.0
    markers = np.concatenate([splits.train_images, splits.validation_images, splits.test_images])[
        :, 0, 0
    ]
    assert sorted(np.round(markers * 255).astype(int)) == list(range(count))
    assert load_mnist(tmp_path, try_download=False).source == splits.source  # fixed seed


def test_default_mnist_dir_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MNIST_DIR_VARIABLE, str(tmp_path))
    assert default_mnist_dir() == tmp_path
    monkeypatch.delenv(MNIST_DIR_VARIABLE)
    assert default_mnist_dir().parts[-3:] == ("shared", "data", "mnist")


def test_noise_is_clipped_seeded_and_scored_in_decibels() -> None:
    from training.experiments.denoising import add_gaussian_noise, score_against_clean

    grey = np.full((20, 28, 28), 0.5, np.float32)
    noisy = add_gaussian_noise(grey, 0.5, np.random.default_rng(3))

    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    np.testing.assert_array_equal(noisy, add_gaussian_noise(grey, 0.5, np.random.default_rng(3)))
    scores = score_against_clean(grey + 0.1, grey)
    assert scores.mse == pytest.approx(0.01, rel=1e-5)
    assert scores.psnr == pytest.approx(20.0, rel=1e-4)


def test_nearest_neighbour_accuracy_on_separable_codes() -> None:
    from training.experiments.dense import nearest_neighbour_accuracy

    labels = np.repeat(np.arange(10), 6)
    codes = np.stack([labels * 10.0, np.zeros(len(labels))], axis=1)
    codes[:, 1] += np.tile(np.arange(6), 10) * 0.1

    accuracy, per_digit = nearest_neighbour_accuracy(codes, labels, codes, labels, 5)

    assert accuracy == 1.0
    np.testing.assert_array_equal(per_digit, np.ones(10))


def test_all_experiments_run_tiny_and_write_report_and_figures(
    mnist_splits: MnistSplits, tmp_path: Path
) -> None:
    from training.experiments.dense import CODE_SIZES
    from training.experiments.runner import run_all_experiments

    splits = mnist_splits.head(300, 100, 100)
    results = run_all_experiments(splits, tmp_path, epochs=1, seed=0)

    assert [run.code_size for run in results.dense_runs] == list(CODE_SIZES)
    for run in results.dense_runs:
        assert math.isfinite(run.validation_mse) and math.isfinite(run.test_mse)
        assert run.model.output_shape == (None, 784)
    assert results.convolutional_denoiser.model.output_shape == (None, 28, 28, 1)
    for denoiser in (
        results.dense_denoiser,
        results.convolutional_denoiser,
        results.sigmoid_convolutional_denoiser,
    ):
        assert denoiser.test_outputs.shape == (100, 28, 28)
        assert math.isfinite(denoiser.validation_mse)
        assert math.isfinite(denoiser.test_scores.mse) and math.isfinite(denoiser.test_scores.psnr)
    assert results.noisy_test_scores.mse > 0.0
    assert 0.0 <= results.codes.accuracy <= 1.0

    report = (tmp_path / "experiments.md").read_text(encoding="utf-8")
    figures = sorted(path.name for path in (tmp_path / "figures" / "experiments").iterdir())
    assert figures == [
        "bottleneck_codes.png",
        "convolutional_denoising.png",
        "dense_denoising.png",
        "dense_reconstructions.png",
    ]
    for name in figures:
        assert (tmp_path / "figures" / "experiments" / name).read_bytes()[:8] == PNG_SIGNATURE
        assert f"(figures/experiments/{name})" in report
    assert "IDX files" in report and "make experiments" in report
    for run in results.dense_runs:
        assert f"| {run.code_size} | {run.parameter_count:,} | {run.validation_mse:.4f} |" in report


def test_reconstruction_error_falls_as_the_code_grows(mnist_splits: MnistSplits) -> None:
    from training.experiments.dense import run_dense_experiment

    splits = mnist_splits.head(1000, 250, 250)
    smallest, largest = run_dense_experiment(splits, (2, 32), epochs=5, seed=0)

    assert largest.validation_mse < smallest.validation_mse
    assert largest.test_mse < smallest.test_mse


def test_run_all_experiments_needs_the_code_sizes_it_reports(
    mnist_splits: MnistSplits, tmp_path: Path
) -> None:
    from training.experiments.runner import run_all_experiments

    with pytest.raises(ValueError, match="code_sizes"):
        run_all_experiments(mnist_splits, tmp_path, code_sizes=(4, 8))


def test_command_line_defaults_match_the_issue() -> None:
    from training.experiments.runner import REPOSITORY_ROOT, parse_arguments

    arguments = parse_arguments([])
    assert arguments.epochs == 20
    assert arguments.output_dir == REPOSITORY_ROOT / "docs"
    assert not arguments.no_download
    assert parse_arguments(["--subset", "3", "2", "1"]).subset == [3, 2, 1]
