"""Run every experiment, draw the figures and write `docs/experiments.md`."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from training.experiments.convolutional import build_convolutional_autoencoder
from training.experiments.denoising import (
    NOISE_SIGMA,
    make_noisy_images,
    run_denoising_experiment,
    score_against_clean,
)
from training.experiments.dense import (
    CODE_SIZES,
    build_dense_autoencoder,
    encode,
    nearest_neighbour_accuracy,
    run_dense_experiment,
)
from training.experiments.figures import plot_codes, plot_digit_rows
from training.experiments.fitting import predict_images
from training.experiments.mnist import MnistSplits, load_mnist
from training.experiments.report import CodeAnalysis, ExperimentResults, write_report

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DENOISER_CODE_SIZE = 32
CODE_PLOT_SIZE = 2
SAMPLE_COUNT = 5
CODE_NEIGHBOURS = 5


def run_all_experiments(
    splits: MnistSplits,
    output_dir: Path,
    *,
    epochs: int = 20,
    batch_size: int = 32,
    seed: int = 0,
    code_sizes: Sequence[int] = CODE_SIZES,
) -> ExperimentResults:
    """Run experiments 1–3, write the figures and `experiments.md` into `output_dir`."""
    missing = {CODE_PLOT_SIZE, DENOISER_CODE_SIZE} - set(code_sizes)
    if missing:
        raise ValueError(f"code_sizes must include {sorted(missing)}")
    started = time.perf_counter()
    output_dir = Path(output_dir)
    figures_dir = output_dir / "figures" / "experiments"
    samples = np.random.default_rng(seed).choice(len(splits.test_images), SAMPLE_COUNT, False)
    training = {"epochs": epochs, "batch_size": batch_size, "seed": seed}

    dense_runs = run_dense_experiment(splits, sorted(code_sizes), **training)
    for run in dense_runs:
        logger.info("dense k=%d: validation MSE %.4f", run.code_size, run.validation_mse)
    dead_code_units = {
        run.code_size: int(np.sum(np.all(encode(run.model, splits.test_images) == 0, axis=0)))
        for run in dense_runs
    }
    runs_by_size = {run.code_size: run for run in dense_runs}
    reconstruction_rows = [("original", splits.test_images[samples])] + [
        (f"k = {run.code_size}", predict_images(run.model, splits.test_images[samples]))
        for run in dense_runs
    ]
    figures = {
        "reconstructions": plot_digit_rows(
            reconstruction_rows,
            figures_dir / "dense_reconstructions.png",
            "Dense autoencoder: test digits and reconstructions",
        )
    }

    noisy = make_noisy_images(splits, NOISE_SIGMA, seed)
    noisy_scores = score_against_clean(noisy.test, splits.test_images)
    clean_model_outputs = predict_images(runs_by_size[DENOISER_CODE_SIZE].model, noisy.test)
    denoisers = {
        "dense": run_denoising_experiment(
            partial(build_dense_autoencoder, DENOISER_CODE_SIZE), splits, noisy, **training
        ),
        "convolutional": run_denoising_experiment(
            build_convolutional_autoencoder, splits, noisy, **training
        ),
        "convolutional_sigmoid": run_denoising_experiment(
            partial(build_convolutional_autoencoder, output_activation="sigmoid"),
            splits,
            noisy,
            **training,
        ),
    }
    for name, denoiser in denoisers.items():
        logger.info("%s denoiser: test PSNR %.2f dB", name, denoiser.test_scores.psnr)
    for name in ("dense", "convolutional"):
        denoiser = denoisers[name]
        figures[f"{name}_denoising"] = plot_digit_rows(
            [
                ("original", splits.test_images[samples]),
                ("noisy", noisy.test[samples]),
                ("denoised", denoiser.test_outputs[samples]),
            ],
            figures_dir / f"{name}_denoising.png",
            f"{name.capitalize()} denoiser (σ = {NOISE_SIGMA})",
        )

    code_model = runs_by_size[CODE_PLOT_SIZE].model
    test_codes = encode(code_model, splits.test_images)
    accuracy, accuracy_per_digit = nearest_neighbour_accuracy(
        encode(code_model, splits.train_images),
        splits.train_labels,
        test_codes,
        splits.test_labels,
        CODE_NEIGHBOURS,
    )
    figures["codes"] = plot_codes(
        test_codes,
        splits.test_labels,
        figures_dir / "bottleneck_codes.png",
        f"k = 2 codes of the {len(test_codes):,} test digits",
    )

    results = ExperimentResults(
        data_source=splits.source,
        is_full_mnist=splits.is_full_mnist,
        counts=splits.counts,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        noise_sigma=NOISE_SIGMA,
        dense_runs=dense_runs,
        dead_code_units=dead_code_units,
        noisy_test_scores=noisy_scores,
        black_image_scores=score_against_clean(
            np.zeros_like(splits.test_images), splits.test_images
        ),
        dense_denoiser=denoisers["dense"],
        denoiser_code_size=DENOISER_CODE_SIZE,
        clean_model_on_noisy_scores=score_against_clean(clean_model_outputs, splits.test_images),
        convolutional_denoiser=denoisers["convolutional"],
        sigmoid_convolutional_denoiser=denoisers["convolutional_sigmoid"],
        codes=CodeAnalysis(
            CODE_NEIGHBOURS,
            accuracy,
            accuracy_per_digit,
            float(np.mean(np.any(test_codes == 0, axis=1))),
        ),
        figures=figures,
        elapsed_s=time.perf_counter() - started,
        environment=f"TensorFlow {tf.__version__}, Keras {keras.__version__}",
    )
    write_report(results, output_dir / "experiments.md")
    return results


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training.experiments",
        description="Run the MNIST autoencoder experiments and write docs/experiments.md.",
    )
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REPOSITORY_ROOT / "docs",
        help="where experiments.md and figures/experiments/ go (default: docs/)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the MNIST IDX files (default: $DOCCLEAN_MNIST_DIR or ../shared/data/mnist)",
    )
    parser.add_argument(
        "--no-download",
        action="store_true",
        help="skip keras.datasets.mnist.load_data() and use the IDX files",
    )
    parser.add_argument(
        "--subset",
        type=int,
        nargs=3,
        metavar=("TRAIN", "VALIDATION", "TEST"),
        help="use only the first digits of each part, for a quick trial",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # Each new model retraces predict(); TensorFlow warns about that, harmlessly, every time.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    splits = load_mnist(
        arguments.data_dir, try_download=not arguments.no_download, seed=arguments.seed
    )
    if arguments.subset:
        splits = splits.head(*arguments.subset)
    logger.info("data: %s", splits.source)
    results = run_all_experiments(
        splits,
        arguments.output_dir,
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        seed=arguments.seed,
    )
    logger.info("wrote %s in %.0f s", arguments.output_dir / "experiments.md", results.elapsed_s)
    return 0
