"""The experiments report, `docs/experiments.md`: setup, numbers, figures and findings.

Over 300 lines because it holds the report's prose beside the numbers it explains."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.experiments.denoising import DenoisingRun, ImageScores
from training.experiments.dense import DenseRun


@dataclass(frozen=True)
class CodeAnalysis:
    """How the k = 2 bottleneck arranges the test digits."""

    neighbours: int
    accuracy: float
    accuracy_per_digit: np.ndarray
    on_axis_fraction: float


@dataclass(frozen=True)
class ExperimentResults:
    """Everything the report states, gathered by `run_all_experiments`."""

    data_source: str
    is_full_mnist: bool
    counts: tuple[int, int, int]
    epochs: int
    batch_size: int
    seed: int
    noise_sigma: float
    dense_runs: list[DenseRun]
    dead_code_units: dict[int, int]
    noisy_test_scores: ImageScores
    black_image_scores: ImageScores
    dense_denoiser: DenoisingRun
    denoiser_code_size: int
    clean_model_on_noisy_scores: ImageScores
    convolutional_denoiser: DenoisingRun
    sigmoid_convolutional_denoiser: DenoisingRun
    codes: CodeAnalysis
    figures: dict[str, Path]
    elapsed_s: float
    environment: str


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _trend_finding(runs: list[DenseRun], epochs: int) -> str:
    sizes = [run.code_size for run in runs]
    errors = [run.validation_mse for run in runs]
    first, last = runs[0], runs[-1]
    rises = [
        f"k = {sizes[index]} → {sizes[index + 1]}"
        for index in range(len(runs) - 1)
        if errors[index + 1] >= errors[index]
    ]
    trend = (
        "Validation MSE falls at every step"
        if not rises
        else f"Validation MSE does not fall at every step (it rises at {', '.join(rises)})"
    )
    finding = (
        f"{trend}: from {first.validation_mse:.4f} at k = {first.code_size} to "
        f"{last.validation_mse:.4f} at k = {last.code_size}, "
        f"{last.validation_mse / first.validation_mse:.0%} of the k = {first.code_size} error."
    )
    if len(runs) > 1:
        drops = [errors[index] - errors[index + 1] for index in range(len(runs) - 1)]
        largest = int(np.argmax(drops))
        finding += f" The largest drop is from k = {sizes[largest]} to k = {sizes[largest + 1]}."
    gaps = [abs(run.test_mse - run.validation_mse) / run.validation_mse for run in runs]
    if max(gaps) < 0.1:
        finding += (
            f" Test MSE stays within {max(gaps):.0%} of validation MSE for every k: these "
            f"small models do not overfit in {_plural(epochs, 'epoch')}."
        )
    return finding


def _dead_units_finding(dead_code_units: dict[int, int]) -> str | None:
    dead = {size: count for size, count in dead_code_units.items() if count}
    if not dead:
        return "No code unit is dead (zero for every test digit) in any of the models."
    listed = ", ".join(f"{count} of {size} at k = {size}" for size, count in dead.items())
    return (
        f"Some ReLU code units are dead, zero for every test digit ({listed}), so those "
        "models use fewer code values than k suggests."
    )


def _run_with_code_size(runs: list[DenseRun], code_size: int) -> DenseRun:
    return next(run for run in runs if run.code_size == code_size)


def _denoising_findings(results: ExperimentResults) -> list[str]:
    noisy = results.noisy_test_scores
    dense = results.dense_denoiser.test_scores
    clean_model = results.clean_model_on_noisy_scores
    convolutional = results.convolutional_denoiser.test_scores
    k = results.denoiser_code_size
    clean_reconstruction = _run_with_code_size(results.dense_runs, k).test_mse
    effect = "lowers" if dense.mse < noisy.mse else "does not lower"
    findings = [
        f"The dense k = {k} denoiser {effect} the error against the clean digits: test MSE "
        f"{noisy.mse:.4f} → {dense.mse:.4f}, PSNR {noisy.psnr:.1f} → {dense.psnr:.1f} dB. For "
        f"scale, the same architecture reconstructing clean digits (experiment 1) reaches "
        f"test MSE {clean_reconstruction:.4f}; the denoiser's error is "
        f"{dense.mse / clean_reconstruction:.1f}× that."
    ]
    clean_model_finding = (
        f"The k = {k} autoencoder of experiment 1, trained on clean digits only and fed the "
        f"same noisy test digits, reaches MSE {clean_model.mse:.4f} and PSNR "
        f"{clean_model.psnr:.1f} dB"
    )
    if clean_model.psnr < dense.psnr:
        clean_model_finding += (
            f", {dense.psnr - clean_model.psnr:.1f} dB below the denoiser: training on noisy "
            "inputs matters."
        )
    else:
        clean_model_finding += ", no worse than the trained denoiser."
    clean_model_finding += (
        " It still cleans up some of the noise on its own."
        if clean_model.mse < noisy.mse
        else " It does worse than leaving the noisy input alone."
    )
    findings.append(clean_model_finding)
    convolutional_model = results.convolutional_denoiser.model
    code_values = int(np.prod(convolutional_model.get_layer("code").output.shape[1:]))
    comparison = "better" if convolutional.psnr > dense.psnr else "worse"
    findings.append(
        f"The small convolutional denoiser ({results.convolutional_denoiser.parameter_count:,} "
        f"parameters against {results.dense_denoiser.parameter_count:,}) reaches MSE "
        f"{convolutional.mse:.4f} and PSNR {convolutional.psnr:.1f} dB, "
        f"{abs(convolutional.psnr - dense.psnr):.1f} dB {comparison} than the dense one. "
        f"Caveat: its code holds {code_values:,} values against the dense model's {k}, so this "
        "compares denoisers, not bottlenecks."
    )
    findings.append(_sigmoid_output_finding(results))
    return findings


def _sigmoid_output_finding(results: ExperimentResults) -> str:
    linear = results.convolutional_denoiser.test_scores
    sigmoid_run = results.sigmoid_convolutional_denoiser
    sigmoid = sigmoid_run.test_scores
    brightest = float(sigmoid_run.test_outputs.max())
    black = results.black_image_scores
    if brightest < 0.1:
        return (
            "With the Keras blog's sigmoid output instead of a linear one, the same network "
            "trained on the same mean squared error collapses: its brightest output pixel over "
            f"all test digits is {brightest:.3f}, an all-black image for every input (test PSNR "
            f"{sigmoid.psnr:.2f} dB; an all-black guess scores {black.psnr:.2f} dB). Most target "
            "pixels are black, the sigmoid saturates towards 0 and then passes back almost no "
            f"gradient, so training does not recover in {_plural(results.epochs, 'epoch')}. A "
            "linear output (clipped to 0..1 when scored) avoids this, as would the blog's binary "
            "cross-entropy, whose gradient does not vanish with the sigmoid's. The page models, "
            "whose targets are mostly white, could meet the same trap at the other end."
        )
    return (
        "With the Keras blog's sigmoid output instead of a linear one, the same network "
        f"reaches test MSE {sigmoid.mse:.4f} and PSNR {sigmoid.psnr:.1f} dB "
        f"({sigmoid.psnr - linear.psnr:+.1f} dB against the linear output)."
    )


def _codes_finding(codes: CodeAnalysis) -> str:
    order = np.argsort(codes.accuracy_per_digit)
    best = ", ".join(
        f"{digit} ({codes.accuracy_per_digit[digit]:.0%})" for digit in order[::-1][:3]
    )
    worst = ", ".join(f"{digit} ({codes.accuracy_per_digit[digit]:.0%})" for digit in order[:3])
    extent = "only partly" if codes.accuracy < 0.8 else "well"
    finding = (
        f"The k = 2 codes separate the digits {extent}: a {codes.neighbours}-"
        f"nearest-neighbour classifier on the 2-D codes (training digits' codes as reference) "
        f"labels {codes.accuracy:.0%} of the test digits correctly (chance: 10%). Best separated: "
        f"{best}; worst: {worst}."
    )
    if codes.on_axis_fraction > 0.01:
        finding += (
            f" {codes.on_axis_fraction:.0%} of the test codes have a unit at exactly 0 (ReLU "
            "clamps negative values), so they lie on an axis of the plot."
        )
    return finding


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render_report(results: ExperimentResults, report_path: Path) -> str:
    """The report as Markdown, with figure links relative to `report_path`."""

    def figure(name: str, alt: str) -> str:
        relative = os.path.relpath(results.figures[name], Path(report_path).parent)
        return f"![{alt}]({Path(relative).as_posix()})"

    train_count, validation_count, test_count = results.counts
    k = results.denoiser_code_size
    dense_table = _markdown_table(
        ["k", "parameters", "validation MSE", "test MSE", "dead code units"],
        [
            [
                str(run.code_size),
                f"{run.parameter_count:,}",
                f"{run.validation_mse:.4f}",
                f"{run.test_mse:.4f}",
                str(results.dead_code_units[run.code_size]),
            ]
            for run in results.dense_runs
        ],
    )
    denoising_rows = [
        ("all-black image (no model)", "–", "–", results.black_image_scores),
        ("noisy input (no model)", "–", "–", results.noisy_test_scores),
        (
            f"dense k = {k} trained on clean digits (experiment 1), fed noisy digits",
            f"{_run_with_code_size(results.dense_runs, k).parameter_count:,}",
            "–",
            results.clean_model_on_noisy_scores,
        ),
        (
            f"dense k = {k} denoiser",
            f"{results.dense_denoiser.parameter_count:,}",
            f"{results.dense_denoiser.validation_mse:.4f}",
            results.dense_denoiser.test_scores,
        ),
        (
            "convolutional denoiser (linear output)",
            f"{results.convolutional_denoiser.parameter_count:,}",
            f"{results.convolutional_denoiser.validation_mse:.4f}",
            results.convolutional_denoiser.test_scores,
        ),
        (
            "convolutional denoiser with sigmoid output",
            f"{results.sigmoid_convolutional_denoiser.parameter_count:,}",
            f"{results.sigmoid_convolutional_denoiser.validation_mse:.4f}",
            results.sigmoid_convolutional_denoiser.test_scores,
        ),
    ]
    denoising_table = _markdown_table(
        ["against clean test digits", "parameters", "validation MSE", "test MSE", "test PSNR (dB)"],
        [
            [name, parameters, validation, f"{scores.mse:.4f}", f"{scores.psnr:.2f}"]
            for name, parameters, validation, scores in denoising_rows
        ],
    )
    data_caveat = (
        []
        if results.is_full_mnist
        else [
            f"These numbers come from {train_count:,} training digits taken from MNIST's test "
            "split, not the tutorial's 60,000 training digits: they compare the models with "
            "each other, not with the tutorial's published figures."
        ]
    )
    findings = [
        _trend_finding(results.dense_runs, results.epochs),
        _dead_units_finding(results.dead_code_units),
        *_denoising_findings(results),
        _codes_finding(results.codes),
        *data_caveat,
    ]
    minutes, seconds = divmod(round(results.elapsed_s), 60)
    sections = [
        "# Reference experiments: autoencoders on MNIST",
        "Generated by `make experiments` (`python -m training.experiments`); do not edit by "
        f"hand. Training and evaluation took {minutes} min {seconds:02d} s on "
        f"{os.cpu_count()} CPU cores ({results.environment}).",
        "These reproduce the first two experiments of the tutorial our model lineage comes "
        "from (a dense autoencoder for several code sizes, and a denoising autoencoder) and "
        "go one step further (a convolutional denoiser, and the 2-D codes of the smallest "
        "bottleneck).",
        "## Data and setup",
        f"- Data: {results.data_source}.",
        "- Pixels scaled to 0..1. Every model is trained with Adam (default learning rate) on "
        f"mean squared error for {_plural(results.epochs, 'epoch')}, batch size "
        f"{results.batch_size}, seed {results.seed}, on {train_count:,} digits. Validation MSE "
        f"is measured on {validation_count:,} digits after the last epoch; test scores on the "
        f"{test_count:,} held-out digits no model saw.",
        f"- Noise: Gaussian, mean 0, σ = {results.noise_sigma}, added once per digit with a "
        "fixed seed and clipped to 0..1. MSE and PSNR (peak 1) are per-image means.",
        "## 1. Simple autoencoder: 784 → Dense(k, ReLU) → Dense(784, sigmoid)",
        dense_table,
        figure("reconstructions", "Five test digits and their reconstructions for each k"),
        "Row 1: five random test digits; rows 2–6: their reconstructions with k = "
        + ", ".join(str(run.code_size) for run in results.dense_runs)
        + ".",
        f"## 2. Denoising autoencoder (k = {k})",
        denoising_table,
        figure("dense_denoising", "Original, noisy and denoised test digits (dense)"),
        f"Rows: original, noisy (σ = {results.noise_sigma}), denoised by the dense denoiser.",
        "## 3. One step further",
        "### Convolutional denoiser",
        "Conv(32) → max-pool 2 → Conv(32) → max-pool 2 → Conv(32) → upsample 2 → Conv(32) → "
        "upsample 2 → Conv(1), all 3×3 with ReLU except the last, which is linear "
        "(outputs clipped to 0..1 when scored) or, as in the Keras blog, sigmoid. Same data, "
        "noise, loss and training as the dense denoiser; scores in the table above.",
        figure("convolutional_denoising", "Original, noisy and denoised test digits (conv)"),
        "Rows: original, noisy, denoised by the convolutional denoiser (linear output).",
        "### The k = 2 bottleneck",
        figure("codes", "2-D codes of the test digits, coloured by label"),
        "## Findings",
        "\n".join(f"- {finding}" for finding in findings if finding),
    ]
    return "\n\n".join(sections) + "\n"


def write_report(results: ExperimentResults, report_path: Path) -> Path:
    """Write the report, replacing the previous one atomically."""
    report_path = Path(report_path)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = report_path.with_name(report_path.name + ".tmp")
    temporary.write_text(render_report(results, report_path), encoding="utf-8")
    os.replace(temporary, report_path)
    return report_path
