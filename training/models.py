"""Keras models: the reference ("seed") autoencoder and the production encoder-decoder."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pathlib import Path

import keras
from keras import layers

from engine.denoiser import DEFAULT_TILE_SHAPE
from training.config import PAGE_SKIPS

TILE_SHAPE = DEFAULT_TILE_SHAPE  # height, width: the engine's tile


def seed_autoencoder(input_shape: tuple[int | None, int | None] = TILE_SHAPE) -> keras.Model:
    """The reference convolutional autoencoder, exactly as the tutorial builds it:
    Conv2D 3×3 'same' ReLU with 32, 16, 8 | 8, 16, 32 filters, then a 1-filter sigmoid;
    Adam and binary cross-entropy."""
    page = keras.Input((*input_shape, 1), name="page")
    x = page
    for filters in (32, 16, 8, 8, 16, 32):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    clean = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="clean")(x)
    model = keras.Model(page, clean, name="seed_autoencoder")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[rmse])
    return model


def full_resolution_denoiser(
    input_shape: tuple[int | None, int | None] = TILE_SHAPE, width: int = 16, full_width: int = 4
) -> keras.Model:
    """Encoder-decoder with a bottleneck at 1/4 resolution, skip connections and a small
    full-resolution head (the production network before `subpixel_denoiser`).

    Most arithmetic happens at half and quarter resolution; full resolution carries
    `full_width` channels plus the input itself. Receptive-field radius: 20 px. Height and
    width must be multiples of 4.
    """
    page = keras.Input((*input_shape, 1), name="page")
    half = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(page)
    half = layers.Conv2D(width, 3, padding="same", activation="relu")(half)
    quarter = layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(half)
    quarter = layers.Conv2D(2 * width, 3, padding="same", activation="relu")(quarter)
    quarter = layers.Conv2D(2 * width, 3, padding="same", activation="relu")(quarter)
    up = layers.Conv2DTranspose(width, 2, strides=2, activation="relu")(quarter)
    half = layers.Conv2D(width, 3, padding="same", activation="relu")(layers.Add()([up, half]))
    full = layers.Conv2DTranspose(full_width, 2, strides=2, activation="relu")(half)
    full = layers.Concatenate()([full, page])
    full = layers.Conv2D(full_width, 3, padding="same", activation="relu")(full)
    # The input also reaches the output through one learned scale and offset, so training
    # starts from a soft threshold of the page and learns the corrections to it.
    logits = layers.Add()([layers.Conv2D(1, 3, padding="same")(full), layers.Conv2D(1, 1)(page)])
    clean = layers.Activation("sigmoid", name="clean")(logits)
    return keras.Model(page, clean, name="full_resolution_denoiser")


@keras.saving.register_keras_serializable("docclean")
class ScaleOffset(layers.Layer):
    """`a * x + b` with two trainable scalars: the page's own way to the output."""

    def __init__(self, scale: float = 6.0, offset: float = -3.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.initial = (scale, offset)

    def build(self, input_shape) -> None:
        scale, offset = self.initial
        self.scale = self.add_weight(shape=(), initializer=keras.initializers.Constant(scale))
        self.offset = self.add_weight(shape=(), initializer=keras.initializers.Constant(offset))

    def call(self, x):
        # Constants of the input's rank: ONNX Runtime broadcasts a rank-0 constant over an
        # [N, H, W, 1] tensor one element at a time, a hundred times slower.
        rank = (1,) * len(x.shape)
        return x * keras.ops.reshape(self.scale, rank) + keras.ops.reshape(self.offset, rank)

    def get_config(self) -> dict:
        scale, offset = self.initial
        return {**super().get_config(), "scale": scale, "offset": offset}


@keras.saving.register_keras_serializable("docclean")
class Logit(layers.Layer):
    """log(x / (1 - x)) of levels clipped to `eps`..1 - `eps`: with scale 1 and offset 0
    after it, the sigmoid output gives the page back as it came."""

    def __init__(self, eps: float = 1e-3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.eps = eps

    def call(self, x):
        x = keras.ops.clip(x, self.eps, 1 - self.eps)
        return keras.ops.log(x) - keras.ops.log(1 - x)

    def get_config(self) -> dict:
        return {**super().get_config(), "eps": self.eps}


def subpixel_denoiser(
    input_shape: tuple[int | None, int | None] = TILE_SHAPE,
    width: int = 16,
    depth: int = 2,
    dilations: tuple[int, ...] = (),
    quarter_width: int = 0,
    page_skip: str = "linear",
) -> keras.Model:
    """Encoder-decoder whose every convolution runs at half or quarter resolution.

    The last layer draws each 2×2 block of output pixels from the half-resolution features
    (a learned sub-pixel up-sampling); the page itself reaches the output through one scale
    and offset, so training starts from a soft threshold. Full resolution holds no
    convolution with a few channels: ONNX Runtime pads those to 16 and they cost more than
    the whole half-resolution body. `depth` sets `depth` convolutions in the encoder at half
    resolution, `2 * depth` at quarter resolution and `depth + 1` in the decoder.
    `dilations` (one per quarter-resolution convolution; all 1 by default) widens what the
    network sees at no cost in arithmetic. `quarter_width` sets the channels at quarter
    resolution (0: twice `width`). `page_skip` says how the page reaches the output: "linear"
    (`a * page + b` added to the logits, a soft threshold at first) or "logit" (its logit,
    so that the untrained network returns the page as it is). Height and width must be
    multiples of 4.
    """
    if page_skip not in PAGE_SKIPS:
        raise ValueError(f"page_skip must be one of {PAGE_SKIPS}, got {page_skip!r}")
    quarter_width = quarter_width or 2 * width
    dilations = tuple(dilations) or (1,) * (2 * depth)
    if len(dilations) != 2 * depth:
        raise ValueError(f"expected {2 * depth} dilations, got {len(dilations)}")
    page = keras.Input((*input_shape, 1), name="page")
    half = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(page)
    for _ in range(depth):
        half = layers.Conv2D(width, 3, padding="same", activation="relu")(half)
    quarter = layers.Conv2D(quarter_width, 3, strides=2, padding="same", activation="relu")(half)
    for dilation in dilations:
        quarter = layers.Conv2D(
            quarter_width, 3, padding="same", activation="relu", dilation_rate=dilation
        )(quarter)
    up = layers.Conv2DTranspose(width, 2, strides=2, activation="relu")(quarter)
    decoded = layers.Add()([up, half])
    for _ in range(depth + 1):
        decoded = layers.Conv2D(width, 3, padding="same", activation="relu")(decoded)
    logits = layers.Conv2DTranspose(1, 2, strides=2)(decoded)
    skip = ScaleOffset()(page) if page_skip == "linear" else ScaleOffset(1.0, 0.0)(Logit()(page))
    logits = layers.Add()([logits, skip])
    clean = layers.Activation("sigmoid", name="clean")(logits)
    return keras.Model(page, clean, name="subpixel_denoiser")


@keras.saving.register_keras_serializable("docclean")
class InkWeightedCrossEntropy(keras.losses.Loss):
    """Binary cross-entropy with the ink pixels (target below 0.5) weighing `ink_weight`
    times as much as the paper: losing a stroke costs more than leaving a speck."""

    def __init__(self, ink_weight: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if ink_weight <= 0:
            raise ValueError(f"ink_weight must be positive, got {ink_weight}")
        self.ink_weight = ink_weight

    def call(self, y_true, y_pred):
        y_pred = keras.ops.clip(y_pred, 1e-7, 1 - 1e-7)
        entropy = -(y_true * keras.ops.log(y_pred) + (1 - y_true) * keras.ops.log(1 - y_pred))
        ink = keras.ops.cast(y_true < 0.5, entropy.dtype)
        return keras.ops.mean(entropy * (1 + (self.ink_weight - 1) * ink), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "ink_weight": self.ink_weight}


def rmse(y_true, y_pred):
    return keras.ops.sqrt(keras.ops.mean(keras.ops.square(y_true - y_pred)))


def receptive_field_radius(model: keras.Model) -> int:
    """Upper bound of the receptive-field radius in input pixels.

    Adds every convolution's reach along the layer order (the longest path; skips only
    shorten it), scaled by the resolution the layer works at.
    """
    radius, jump = 0.0, 1.0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            stride = layer.strides[0]
            jump /= stride
            radius += (layer.kernel_size[0] - 1) * jump
        elif isinstance(layer, layers.Conv2D):
            reach = (layer.kernel_size[0] - 1) // 2 * layer.dilation_rate[0]
            radius += reach * jump
            jump *= layer.strides[0]
    return int(-(-radius // 1))


def total_stride(model: keras.Model) -> int:
    """How many input pixels one step of the coarsest layer spans (tile alignment)."""
    stride = largest = 1
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            stride //= layer.strides[0]
        elif isinstance(layer, layers.Conv2D):
            stride *= layer.strides[0]
        largest = max(largest, stride)
    return largest


def macs_per_pixel(model: keras.Model) -> float:
    """Multiply-accumulates per input pixel (convolutions only; activations are free)."""
    total = 0.0
    scale = 1.0  # pixels at the layer's output resolution per input pixel
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            scale *= layer.strides[0] ** 2
            kernel_in = layer.kernel_size[0] * layer.kernel_size[1] / layer.strides[0] ** 2
            total += kernel_in * layer.input.shape[-1] * layer.filters * scale
        elif isinstance(layer, layers.Conv2D):
            scale /= layer.strides[0] ** 2
            kernel = layer.kernel_size[0] * layer.kernel_size[1]
            total += kernel * layer.input.shape[-1] * layer.filters * scale
    return total


MODELS = {
    "seed": seed_autoencoder,
    "full_resolution": full_resolution_denoiser,
    "subpixel": subpixel_denoiser,
}


def load_checkpoint(path: Path) -> keras.Model:
    """A trained model from its `.keras` checkpoint (for export or fine-tuning)."""
    return keras.models.load_model(path, custom_objects={"rmse": rmse}, compile=False)
