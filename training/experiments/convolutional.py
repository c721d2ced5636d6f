"""A small convolutional autoencoder for the denoising comparison (experiment 3)."""

from __future__ import annotations

import keras
from keras import layers


def build_convolutional_autoencoder(
    filters: int = 32, output_activation: str | None = None
) -> keras.Model:
    """Two 3×3 conv + 2× max-pool stages down to 7×7, two conv + 2× upsampling stages back.

    The Keras-blog denoiser, with a linear output by default: trained on mean squared error
    with the blog's sigmoid output (`output_activation="sigmoid"`), it can settle on all-black
    images, where the saturated sigmoid passes back almost no gradient. Its 7×7×`filters`
    code is wider than the input, so it is compared with the dense model as a denoiser, not
    as a code.
    """
    image = keras.Input(shape=(28, 28, 1), name="image")
    features = layers.Conv2D(filters, 3, activation="relu", padding="same")(image)
    features = layers.MaxPooling2D(2)(features)
    features = layers.Conv2D(filters, 3, activation="relu", padding="same")(features)
    code = layers.MaxPooling2D(2, name="code")(features)
    features = layers.Conv2D(filters, 3, activation="relu", padding="same")(code)
    features = layers.UpSampling2D(2)(features)
    features = layers.Conv2D(filters, 3, activation="relu", padding="same")(features)
    features = layers.UpSampling2D(2)(features)
    reconstruction = layers.Conv2D(
        1, 3, activation=output_activation, padding="same", name="reconstruction"
    )(features)
    suffix = f"_{output_activation}" if output_activation else ""
    return keras.Model(image, reconstruction, name=f"convolutional_autoencoder{suffix}")
