"""Experiment 2 (and the convolutional part of 3): learn to map noisy digits to clean ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from training.experiments.fitting import (
    fit_image_model,
    per_image_mse,
    per_image_psnr,
    predict_images,
)
from training.experiments.mnist import MnistSplits

NOISE_SIGMA = 0.5


def add_gaussian_noise(images: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Add zero-mean Gaussian noise of standard deviation `sigma`, then clip to 0..1."""
    if sigma < 0:
        raise ValueError(f"sigma must not be negative, got {sigma}")
    noise = rng.normal(0.0, sigma, size=images.shape)
    return np.clip(images + noise, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class NoisyImages:
    """Noisy copies of the train, validation and test digits, drawn once with a fixed seed."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    sigma: float


def make_noisy_images(
    splits: MnistSplits, sigma: float = NOISE_SIGMA, seed: int = 0
) -> NoisyImages:
    """Noisy copies of every part, each from its own seeded generator."""
    train_rng, validation_rng, test_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(3)
    )
    return NoisyImages(
        add_gaussian_noise(splits.train_images, sigma, train_rng),
        add_gaussian_noise(splits.validation_images, sigma, validation_rng),
        add_gaussian_noise(splits.test_images, sigma, test_rng),
        sigma,
    )


@dataclass(frozen=True)
class ImageScores:
    """Mean per-image MSE and PSNR (dB) against the clean digits."""

    mse: float
    psnr: float


def score_against_clean(images: np.ndarray, clean: np.ndarray) -> ImageScores:
    """Mean per-image MSE and PSNR of `images` against `clean`."""
    return ImageScores(
        float(per_image_mse(images, clean).mean()), float(per_image_psnr(images, clean).mean())
    )


@dataclass(frozen=True)
class DenoisingRun:
    """A trained denoiser, its validation MSE and its test outputs and scores."""

    model: keras.Model
    validation_mse: float
    test_outputs: np.ndarray
    test_scores: ImageScores

    @property
    def parameter_count(self) -> int:
        return self.model.count_params()


def run_denoising_experiment(
    build_model: Callable[[], keras.Model],
    splits: MnistSplits,
    noisy: NoisyImages,
    *,
    epochs: int = 20,
    batch_size: int = 32,
    seed: int = 0,
) -> DenoisingRun:
    """Train `build_model()` to map noisy digits to clean ones; score it on the test part."""
    fitted = fit_image_model(
        build_model,
        (noisy.train, splits.train_images),
        (noisy.validation, splits.validation_images),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
    )
    outputs = predict_images(fitted.model, noisy.test)
    return DenoisingRun(
        fitted.model,
        fitted.validation_mse,
        outputs,
        score_against_clean(outputs, splits.test_images),
    )
