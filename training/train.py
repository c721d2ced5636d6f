"""Train a denoiser: `python -m training.train --config training/configs/<name>.toml`.

Logs train and validation RMSE per epoch to `<output_dir>/<name>/log.csv`, keeps the best
`.keras` checkpoint, stops early, and exports the best model to ONNX when asked.
"""

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import keras
import numpy as np
import tensorflow as tf

from training.config import TrainConfig
from training.data import default_data_dir, load_part, load_split
from training.models import MODELS, TILE_SHAPE, rmse
from training.patches import pad_to_multiple, patch_stream

REPO = Path(__file__).resolve().parents[1]


def training_dataset(config: TrainConfig, pairs: list) -> tf.data.Dataset:
    size = config.patch_size
    signature = (
        tf.TensorSpec((size, size, 1), tf.float32),
        tf.TensorSpec((size, size, 1), tf.float32),
    )
    dataset = tf.data.Dataset.from_generator(
        lambda: patch_stream(
            pairs,
            size,
            config.seed,
            config.scale_range,
            low_resolution=config.low_resolution,
            lighting=config.lighting,
        ),
        output_signature=signature,
    )
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def whole_pages(pairs: list, shape: tuple[int, int] | None) -> tuple[np.ndarray, np.ndarray]:
    """Pages as float arrays: resized to `shape` (the reference recipe) or padded to /4."""
    noisy, clean = [], []
    for noisy_page, clean_page in pairs:
        if shape is None:
            noisy_page, clean_page = pad_to_multiple(noisy_page, 4), pad_to_multiple(clean_page, 4)
        else:
            noisy_page = cv2.resize(noisy_page, shape[::-1], interpolation=cv2.INTER_AREA)
            clean_page = cv2.resize(clean_page, shape[::-1], interpolation=cv2.INTER_AREA)
        noisy.append(noisy_page.astype(np.float32)[..., None] / 255.0)
        clean.append(clean_page.astype(np.float32)[..., None] / 255.0)
    return noisy, clean


def validation_dataset(pairs: list) -> tf.data.Dataset:
    """Validation pages at native size (padded to multiples of 4), one page per batch."""
    noisy, clean = whole_pages(pairs, None)
    spec = tf.TensorSpec((None, None, 1), tf.float32)
    return tf.data.Dataset.from_generator(
        lambda: zip(noisy, clean, strict=True), output_signature=(spec, spec)
    ).batch(1)


def build_model(config: TrainConfig, shape: tuple[int | None, int | None]) -> keras.Model:
    if config.model == "full_resolution":
        return MODELS[config.model](shape, width=config.width, full_width=config.full_width)
    if config.model == "subpixel":
        return MODELS[config.model](shape, width=config.width, depth=config.depth)
    return MODELS[config.model](shape)


def load_checkpoint(path: Path) -> keras.Model:
    return keras.models.load_model(path, custom_objects={"rmse": rmse})


def train(config: TrainConfig, data_dir: Path | None = None) -> Path:
    """Train as configured; returns the path of the best `.keras` checkpoint."""
    keras.utils.set_random_seed(config.seed)
    data_dir = data_dir or default_data_dir()
    split = load_split()
    train_pairs = load_part(data_dir, split, "train")
    if config.synthetic_pairs:
        from training.synthetic import synthetic_pairs

        train_pairs += list(synthetic_pairs(config.synthetic_pairs, seed=config.seed))
    validation_pairs = load_part(data_dir, split, "validation")
    run_dir = REPO / config.output_dir / config.name
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = run_dir / "best.keras"

    if config.recipe == "pages":
        model = build_model(config, TILE_SHAPE)
        noisy, clean = whole_pages(train_pairs, TILE_SHAPE)
        val_noisy, val_clean = whole_pages(validation_pairs, TILE_SHAPE)
        fit_args = dict(
            x=np.stack(noisy),
            y=np.stack(clean),
            batch_size=config.batch_size,
            shuffle=True,
            validation_data=(np.stack(val_noisy), np.stack(val_clean)),
        )
    else:
        model = (
            load_checkpoint(REPO / config.start_from)
            if config.start_from
            else build_model(config, (None, None))
        )
        fit_args = dict(
            x=training_dataset(config, train_pairs),
            steps_per_epoch=config.steps_per_epoch,
            validation_data=validation_dataset(validation_pairs),
        )
    learning_rate = config.learning_rate
    if config.schedule == "cosine":
        per_epoch = config.steps_per_epoch
        if config.recipe == "pages":
            per_epoch = -(-len(fit_args["x"]) // config.batch_size)
        steps = config.epochs * per_epoch
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=config.loss,
        metrics=[rmse],
    )
    callbacks = [
        keras.callbacks.ModelCheckpoint(
            checkpoint, monitor="val_rmse", mode="min", save_best_only=True
        ),
        keras.callbacks.CSVLogger(run_dir / "log.csv"),
    ]
    if config.schedule == "plateau":
        halve = keras.callbacks.ReduceLROnPlateau(
            monitor="val_rmse", mode="min", factor=0.5, patience=3
        )
        callbacks.append(halve)
    if config.patience > 0:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_rmse", mode="min", patience=config.patience, restore_best_weights=True
            )
        )
    started = time.perf_counter()
    history = model.fit(epochs=config.epochs, callbacks=callbacks, verbose=2, **fit_args)
    minutes = (time.perf_counter() - started) / 60
    best = min(history.history["val_rmse"])
    print(f"{config.name}: best validation RMSE {best:.4f} after {minutes:.1f} min")
    if config.export_path:
        from training.export import export_onnx

        export_onnx(
            load_checkpoint(checkpoint),
            REPO / config.export_path,
            name=config.name,
            working_dpi=config.working_dpi,
            low_resolution_model=Path(config.low_resolution_model).name
            if config.low_resolution_model
            else "",
            training={
                "config": config.__dict__,
                "minutes": round(minutes, 1),
                "epochs_run": len(history.history["val_rmse"]),
                "best_validation_rmse_keras": round(float(best), 5),
            },
        )
    return checkpoint


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=None, help="DDD folder")
    parser.add_argument("--epochs", type=int, default=None, help="override the config")
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="override")
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in (("epochs", args.epochs), ("steps_per_epoch", args.steps_per_epoch))
        if value is not None
    }
    train(TrainConfig.load(args.config, **overrides), args.data)


if __name__ == "__main__":
    main()
