"""MNIST for the reference experiments: Keras' loader first, the IDX files in shared/ otherwise."""

from __future__ import annotations

import gzip
import logging
import os
import socket
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MNIST_DIR_VARIABLE = "DOCCLEAN_MNIST_DIR"
TEST_IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
TEST_LABELS_FILE = "t10k-labels-idx1-ubyte.gz"

# IDX type codes (third magic byte) and their big-endian numpy types.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def default_mnist_dir() -> Path:
    """`$DOCCLEAN_MNIST_DIR`, else `shared/data/mnist` beside the repository."""
    from_environment = os.environ.get(MNIST_DIR_VARIABLE)
    if from_environment:
        return Path(from_environment)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped), the format MNIST is published in."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        data = stream.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (magic bytes {data[:4]!r})")
    dtype = _IDX_DTYPES[data[2]]
    dimension_count = data[3]
    header_size = 4 + 4 * dimension_count
    if len(data) < header_size:
        raise ValueError(f"{path}: IDX header truncated")
    shape = tuple(int(size) for size in np.frombuffer(data, ">u4", dimension_count, offset=4))
    expected_size = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected_size:
        raise ValueError(f"{path}: {len(data)} bytes, expected {expected_size} for shape {shape}")
    values = np.frombuffer(data, dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


@dataclass(frozen=True)
class MnistSplits:
    """Images as float32 in 0..1, shape (n, 28, 28); labels as int64; where they came from."""

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray
    validation_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str
    is_full_mnist: bool = False

    @property
    def counts(self) -> tuple[int, int, int]:
        """Number of train, validation and test digits."""
        return len(self.train_images), len(self.validation_images), len(self.test_images)

    def head(self, train: int, validation: int, test: int) -> MnistSplits:
        """The first digits of each part: small, fast runs for tests and trials."""
        if min(train, validation, test) < 1:
            raise ValueError("every part needs at least one digit")
        return MnistSplits(
            self.train_images[:train],
            self.train_labels[:train],
            self.validation_images[:validation],
            self.validation_labels[:validation],
            self.test_images[:test],
            self.test_labels[:test],
            f"{self.source}; first {train:,} train, {validation:,} validation, {test:,} test",
            self.is_full_mnist,
        )


def split_digits(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    fraction: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with a fixed seed, then split off `fraction` of the digits as the second part."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    order = np.random.default_rng(seed).permutation(len(images))
    second_count = round(len(images) * fraction)
    first, second = order[second_count:], order[:second_count]
    return images[first], labels[first], images[second], labels[second]


def _scale(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 255.0


def load_idx_test_split(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000-digit MNIST test split from its gzipped IDX files, as uint8 images and labels."""
    images = read_idx(Path(data_dir) / TEST_IMAGES_FILE)
    labels = read_idx(Path(data_dir) / TEST_LABELS_FILE)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise ValueError(f"{data_dir}: images {images.shape} and labels {labels.shape} disagree")
    return images, labels


def _download_with_keras(timeout_s: float) -> tuple[tuple, tuple] | None:
    """`keras.datasets.mnist.load_data()`, or None where it cannot be fetched."""
    import keras

    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    try:
        return keras.datasets.mnist.load_data()
    except Exception as error:  # Keras wraps network failures in a bare Exception.
        logger.info("keras.datasets.mnist.load_data() failed (%s); using the IDX files", error)
        return None
    finally:
        socket.setdefaulttimeout(previous_timeout)


def _display_path(path: Path) -> str:
    """The path relative to the repository root where that is short, else as given."""
    repository_root = Path(__file__).resolve().parents[2]
    relative = os.path.relpath(Path(path).resolve(), repository_root)
    return relative if relative.count("..") <= 1 else str(path)


def load_mnist(
    data_dir: Path | None = None,
    *,
    try_download: bool = True,
    validation_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    download_timeout_s: float = 10.0,
) -> MnistSplits:
    """MNIST split into train, validation and test parts with a fixed seed.

    With a network, Keras' loader gives the standard 60,000 training digits (split into
    train and validation) and the standard 10,000 test digits. Without one, the 10,000-digit
    test split in `data_dir` is shuffled and split into all three parts (`test_fraction`
    held out first, then `validation_fraction` of the rest).
    """
    downloaded = _download_with_keras(download_timeout_s) if try_download else None
    if downloaded is not None:
        (pool_images, pool_labels), (test_images, test_labels) = downloaded
        source = "full MNIST from keras.datasets.mnist.load_data() (60,000 train, 10,000 test)"
    else:
        data_dir = Path(data_dir) if data_dir is not None else default_mnist_dir()
        all_images, all_labels = load_idx_test_split(data_dir)
        pool_images, pool_labels, test_images, test_labels = split_digits(
            all_images, all_labels, fraction=test_fraction, seed=seed
        )
        source = (
            f"the {len(all_images):,}-digit MNIST test split only "
            f"(IDX files in `{_display_path(data_dir)}`"
            + ("; keras.datasets.mnist.load_data() was unavailable)" if try_download else ")")
        )
    train_images, train_labels, validation_images, validation_labels = split_digits(
        pool_images, pool_labels, fraction=validation_fraction, seed=seed + 1
    )
    splits = MnistSplits(
        _scale(train_images),
        train_labels.astype(np.int64),
        _scale(validation_images),
        validation_labels.astype(np.int64),
        _scale(test_images),
        test_labels.astype(np.int64),
        "",
        is_full_mnist=downloaded is not None,
    )
    train_count, validation_count, test_count = splits.counts
    source += (
        f", shuffled with seed {seed}: {train_count:,} train, {validation_count:,} validation "
        f"and {test_count:,} held-out test digits"
    )
    return replace(splits, source=source)
