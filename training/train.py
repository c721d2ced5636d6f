"""Train a denoiser: `python -m training.train --config training/configs/<name>.toml`.

Logs train and validation RMSE per epoch to `<output_dir>/<name>/log.csv`, keeps the best
`.keras` checkpoint, stops early, and exports the best model to ONNX when asked.
"""

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import keras
import numpy as np
import tensorflow as tf

from engine.paper import normalise_paper
from training.config import TrainConfig
from training.data import DATA_ATTRIBUTION, default_data_dir, load_part, load_split
from training.export import export_onnx
from training.models import MODELS, TILE_SHAPE, InkWeightedCrossEntropy, load_checkpoint, rmse
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


def documents_dataset(config: TrainConfig, ddd_pairs: list) -> tf.data.Dataset:
    """The "documents" recipe's mixed, paper-normalised patch stream."""
    from training.documents import (
        TRAINING_COLLECTIONS,
        Source,
        document_stream,
        engine_scales,
        load_dibco,
        prepared,
    )
    from training.synthetic import synthetic_pairs
    from training.synthetic.colour import colour_pairs, grey_colour_pairs
    from training.synthetic.figures import figure_pairs

    dibco = load_dibco(TRAINING_COLLECTIONS) if config.dibco_weight else []
    synthetic = list(synthetic_pairs(config.synthetic_pairs, seed=config.seed))
    colour = list(colour_pairs(config.colour_pairs, seed=config.seed))
    grey_colour = list(grey_colour_pairs(config.grey_colour_pairs, seed=config.seed))
    figures = list(figure_pairs(config.figure_pairs, seed=config.seed))
    clean_pages = [clean for _, clean in ddd_pairs + synthetic + figures]
    normalise = config.normalise_paper

    def shown(pages: list[np.ndarray]) -> list[np.ndarray] | None:
        """Each page's scale as the engine shows it, where the config asks for it."""
        if not config.engine_scales:
            return None
        return [engine_scales(page, config.max_stroke_width) for page in pages]

    ddd = [prepared(*pair, normalise) for pair in ddd_pairs]
    ddd_shown = shown([noisy for noisy, _ in ddd_pairs])
    sources = [
        Source("ddd", ddd, config.ddd_weight, config.scale_range, ddd_shown),
        Source(
            "ddd rescaled", ddd, config.ddd_rescaled_weight, config.ddd_rescaled_scale, ddd_shown
        ),
        Source(
            "dibco",
            [
                prepared(page.noisy, softened(page.truth, config.dibco_soften), normalise)
                for page in dibco
            ],
            config.dibco_weight,
            config.dibco_scale,
            shown([page.noisy for page in dibco]),
        ),
        Source(
            "synthetic",
            [prepared(*pair, normalise) for pair in synthetic],
            config.synthetic_weight,
            config.synthetic_scale,
            shown([noisy for noisy, _ in synthetic]),
        ),
        Source(
            "synthetic colour",  # divided by their paper already, as the engine does
            [prepared(*pair, normalise=False) for pair in colour],
            config.colour_weight,
            config.synthetic_scale,
        ),
        Source(
            "synthetic colour, grey",
            [prepared(*pair, normalise) for pair in grey_colour],
            config.grey_colour_weight,
            config.synthetic_scale,
        ),
        Source(
            "synthetic figures",
            [prepared(*pair, normalise) for pair in figures],
            config.figure_weight,
            config.synthetic_scale,
        ),
        Source(
            "clean",
            [prepared(page, page, normalise) for page in clean_pages],
            config.clean_weight,
            config.scale_range,
            shown(clean_pages),
        ),
    ]
    size = config.patch_size
    signature = (
        tf.TensorSpec((size, size, 1), tf.float32),
        tf.TensorSpec((size, size, 1), tf.float32),
    )
    dataset = tf.data.Dataset.from_generator(
        lambda: document_stream(
            sources,
            size,
            config.seed,
            faint=config.faint,
            faintest=config.faintest,
            bleed_sharpest=config.bleed_sharpest,
            bleed=config.bleed,
            low_resolution=config.low_resolution,
        ),
        output_signature=signature,
    )
    return dataset.batch(config.batch_size).prefetch(tf.data.AUTOTUNE)


def softened(truth: np.ndarray, sigma: float) -> np.ndarray:
    """A binary truth page with its edges blurred by `sigma` px (as print and DDD's clean
    pages are anti-aliased), or as it is for 0."""
    if sigma <= 0:
        return truth
    return np.clip(cv2.GaussianBlur(truth.astype(np.float32), (0, 0), sigma) + 0.5, 0, 255).astype(
        np.uint8
    )


def documents_data(config: TrainConfig) -> dict:
    """The model card's account of the "documents" recipe's training data."""
    from training.documents import DIBCO_COLLECTIONS, DIBCO_TERMS, HELD_OUT, TRAINING_COLLECTIONS

    return {
        "pairs": (
            "../shared/data/ddd (real noisy/clean scan pairs, split by text); "
            "../shared/data/dibco training collections (real archive pages, binary truth); "
            f"{config.synthetic_pairs} synthetic pages (training.synthetic)"
            + (
                f"; {config.colour_pairs} synthetic colour pages as colour mode prepares them "
                "(training.synthetic.colour)"
                if config.colour_pairs
                else ""
            )
            + (
                f"; {config.grey_colour_pairs} synthetic colour pages as grey mode sees them "
                "(training.synthetic.colour)"
                if config.grey_colour_pairs
                else ""
            )
            + (
                f"; {config.figure_pairs} synthetic pages with solid ink and shaded panels "
                "(training.synthetic.figures)"
                if config.figure_pairs
                else ""
            )
        ),
        "split_file": "training/split.json (DDD); training.documents.HELD_OUT (DIBCO)",
        "dibco_training_collections": [DIBCO_COLLECTIONS[name] for name in TRAINING_COLLECTIONS],
        "dibco_held_out_collections": [DIBCO_COLLECTIONS[name] for name in HELD_OUT],
        "attribution": f"{DATA_ATTRIBUTION} {DIBCO_TERMS}",
        "shares": {
            "ddd": config.ddd_weight,
            "dibco": config.dibco_weight,
            "synthetic": config.synthetic_weight,
            "synthetic colour": config.colour_weight,
            "synthetic colour, grey": config.grey_colour_weight,
            "synthetic figures": config.figure_weight,
            "clean pages": config.clean_weight,
        },
    }


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


def validation_dataset(pairs: list, normalised: bool = False) -> tf.data.Dataset:
    """Validation pages at native size (padded to multiples of 4), one page per batch;
    `normalised` divides each page by its paper first, as the engine does for such models."""
    noisy, clean = whole_pages(pairs, None)
    if normalised:
        noisy = [normalise_paper(page[..., 0])[..., None] for page in noisy]
    spec = tf.TensorSpec((None, None, 1), tf.float32)
    return tf.data.Dataset.from_generator(
        lambda: zip(noisy, clean, strict=True), output_signature=(spec, spec)
    ).batch(1)


def build_model(config: TrainConfig, shape: tuple[int | None, int | None]) -> keras.Model:
    if config.model == "full_resolution":
        return MODELS[config.model](shape, width=config.width, full_width=config.full_width)
    if config.model == "subpixel":
        return MODELS[config.model](
            shape,
            width=config.width,
            depth=config.depth,
            dilations=config.dilations,
            quarter_width=config.quarter_width,
            page_skip=config.page_skip,
        )
    return MODELS[config.model](shape)


def train(config: TrainConfig, data_dir: Path | None = None) -> Path:
    """Train as configured; returns the path of the best `.keras` checkpoint."""
    keras.utils.set_random_seed(config.seed)
    data_dir = data_dir or default_data_dir()
    split = load_split()
    train_pairs = load_part(data_dir, split, "train")
    if config.synthetic_pairs and config.recipe != "documents":
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
        documents = config.recipe == "documents"
        fit_args = dict(
            x=documents_dataset(config, train_pairs)
            if documents
            else training_dataset(config, train_pairs),
            steps_per_epoch=config.steps_per_epoch,
            validation_data=validation_dataset(
                validation_pairs, normalised=documents and config.normalise_paper
            ),
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
        loss=InkWeightedCrossEntropy(config.ink_weight)
        if config.ink_weight != 1.0
        else config.loss,
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
        training = {
            "config": config.__dict__,
            "minutes": round(minutes, 1),
            "epochs_run": len(history.history["val_rmse"]),
            "best_validation_rmse_keras": round(float(best), 5),
        }
        export_run(config, checkpoint, training)
    return checkpoint


def export_run(config: TrainConfig, checkpoint: Path, training: dict) -> Path:
    """Export a run's checkpoint to `config.export_path` with its metadata and card, its
    ink threshold calibrated first where the config asks (training.calibration)."""
    model = load_checkpoint(checkpoint)
    options = dict(
        working_dpi=config.working_dpi,
        paper_normalised=config.recipe == "documents" and config.normalise_paper,
        max_stroke_width=config.max_stroke_width,
        data=documents_data(config) if config.recipe == "documents" else None,
        low_resolution_model=Path(config.low_resolution_model).name
        if config.low_resolution_model
        else "",
        guided_refinement=config.guided_refinement,
    )
    if config.ink_recall:
        from training.calibration import calibrate
        from training.documents import TRAINING_COLLECTIONS, load_dibco

        def export(candidate: keras.Model, path: Path) -> None:
            export_onnx(candidate, path, name=config.name, **options)

        measured = calibrate(model, load_dibco(TRAINING_COLLECTIONS), config.ink_recall, export)
        training = {**training, "calibration": measured}
        options["ink_threshold"] = measured["ink_threshold"]
        options["ink_core"] = measured["ink_core"]
        print(
            f"{config.name}: ink threshold {measured['ink_threshold']}, core {measured['ink_core']}"
        )
    path = REPO / config.export_path
    export_onnx(model, path, name=config.name, training=training, **options)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=None, help="DDD folder")
    parser.add_argument("--epochs", type=int, default=None, help="override the config")
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="override")
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="export the run's best checkpoint again (its card's training record is kept)",
    )
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in (("epochs", args.epochs), ("steps_per_epoch", args.steps_per_epoch))
        if value is not None
    }
    config = TrainConfig.load(args.config, **overrides)
    if not args.export_only:
        train(config, args.data)
        return
    card = Path(REPO / config.export_path).with_suffix(".json")
    training = json.loads(card.read_text()).get("training", {}) if card.is_file() else {}
    export_run(config, REPO / config.output_dir / config.name / "best.keras", training)


if __name__ == "__main__":
    main()
