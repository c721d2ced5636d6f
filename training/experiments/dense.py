"""Experiment 1: a dense autoencoder 784 → k → 784 for several code sizes k."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import keras
import numpy as np
from keras import layers

from training.experiments.fitting import fit_image_model, per_image_mse, predict_images
from training.experiments.mnist import MnistSplits

CODE_SIZES = (2, 4, 8, 16, 32)
IMAGE_PIXELS = 28 * 28


def build_dense_autoencoder(code_size: int) -> keras.Model:
    """Input 784 → Dense(code_size, ReLU) → Dense(784, sigmoid), as in the tutorial."""
    if code_size < 1:
        raise ValueError(f"code_size must be at least 1, got {code_size}")
    image = keras.Input(shape=(IMAGE_PIXELS,), name="image")
    code = layers.Dense(code_size, activation="relu", name="code")(image)
    reconstruction = layers.Dense(IMAGE_PIXELS, activation="sigmoid", name="reconstruction")(code)
    return keras.Model(image, reconstruction, name=f"dense_autoencoder_{code_size}")


def encode(autoencoder: keras.Model, images: np.ndarray) -> np.ndarray:
    """The bottleneck codes (output of the layer named "code") of (n, 28, 28) images."""
    encoder = keras.Model(autoencoder.input, autoencoder.get_layer("code").output)
    return encoder.predict(images.reshape(len(images), -1), batch_size=256, verbose=0)


@dataclass(frozen=True)
class DenseRun:
    """One trained code size and its scores."""

    code_size: int
    model: keras.Model
    validation_mse: float
    test_mse: float

    @property
    def parameter_count(self) -> int:
        return self.model.count_params()


def run_dense_experiment(
    splits: MnistSplits,
    code_sizes: Sequence[int] = CODE_SIZES,
    *,
    epochs: int = 20,
    batch_size: int = 32,
    seed: int = 0,
) -> list[DenseRun]:
    """Train one autoencoder per code size on clean digits; score it on validation and test."""
    runs = []
    for code_size in code_sizes:
        fitted = fit_image_model(
            partial(build_dense_autoencoder, code_size),
            (splits.train_images, splits.train_images),
            (splits.validation_images, splits.validation_images),
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
        )
        reconstructions = predict_images(fitted.model, splits.test_images)
        test_mse = float(per_image_mse(reconstructions, splits.test_images).mean())
        runs.append(DenseRun(code_size, fitted.model, fitted.validation_mse, test_mse))
    return runs


def nearest_neighbour_accuracy(
    train_codes: np.ndarray,
    train_labels: np.ndarray,
    test_codes: np.ndarray,
    test_labels: np.ndarray,
    neighbours: int = 5,
) -> tuple[float, np.ndarray]:
    """How well codes separate digits: k-nearest-neighbour accuracy, overall and per digit."""
    train_codes = train_codes.astype(np.float64)
    test_codes = test_codes.astype(np.float64)
    distances = (
        np.sum(test_codes**2, axis=1)[:, None]
        - 2.0 * test_codes @ train_codes.T
        + np.sum(train_codes**2, axis=1)[None, :]
    )
    nearest = np.argpartition(distances, neighbours - 1, axis=1)[:, :neighbours]
    votes = train_labels[nearest]
    predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    correct = predicted == test_labels
    per_digit = np.array(
        [
            correct[test_labels == digit].mean() if np.any(test_labels == digit) else np.nan
            for digit in range(10)
        ]
    )
    return float(correct.mean()), per_digit
