"""Fitting and scoring shared by the experiments: image-to-image models, MSE and PSNR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np


@dataclass(frozen=True)
class FittedModel:
    """A trained model with its per-epoch losses (mean squared error)."""

    model: keras.Model
    train_losses: list[float]
    validation_losses: list[float]

    @property
    def validation_mse(self) -> float:
        """Validation MSE after the last epoch."""
        return self.validation_losses[-1]


def to_model_inputs(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Reshape (n, 28, 28) images to what `model` takes: (n, 784) or (n, 28, 28, 1)."""
    return images.reshape((len(images), *model.input_shape[1:]))


def predict_images(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Run `model` on (n, 28, 28) images; return its outputs, clipped to 0..1, in that shape.

    Clipping matters only for models with a linear output; a sigmoid output is already in range.
    """
    outputs = model.predict(to_model_inputs(model, images), batch_size=batch_size, verbose=0)
    return np.clip(outputs, 0.0, 1.0).reshape(images.shape)


def fit_image_model(
    build_model: Callable[[], keras.Model],
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int = 32,
    seed: int = 0,
) -> FittedModel:
    """Build (after seeding every generator) and train a model with Adam on mean squared error.

    `train` and `validation` are (inputs, targets) pairs of (n, 28, 28) images.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    keras.utils.set_random_seed(seed)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    (train_inputs, train_targets), (validation_inputs, validation_targets) = train, validation
    history = model.fit(
        to_model_inputs(model, train_inputs),
        to_model_inputs(model, train_targets),
        validation_data=(
            to_model_inputs(model, validation_inputs),
            to_model_inputs(model, validation_targets),
        ),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
    )
    return FittedModel(
        model,
        [float(loss) for loss in history.history["loss"]],
        [float(loss) for loss in history.history["val_loss"]],
    )


def per_image_mse(images: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Mean squared error of each image against its reference (pixel values in 0..1)."""
    if images.shape != references.shape:
        raise ValueError(f"shapes differ: {images.shape} and {references.shape}")
    differences = images.astype(np.float64) - references.astype(np.float64)
    return np.mean(differences**2, axis=tuple(range(1, images.ndim)))


def per_image_psnr(images: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio of each image in dB, for a peak value of 1."""
    return -10.0 * np.log10(np.maximum(per_image_mse(images, references), 1e-10))
