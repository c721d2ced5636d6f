"""Evaluate every cleaning method through the engine: `python -m training.evaluate`.

On the validation texts of `training/split.json`, at native resolution and at 0.75×, 0.5×
and 2× scale: RMSE, PSNR, SSIM and OCR character error rate (Tesseract on the result against
Tesseract on the clean page), plus throughput on this CPU and RMSE on pages lit otherwise
(LIGHTING), all in one run. Writes `docs/results.md` and the measured metrics into the
shipped models' cards.
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

from engine.cleaning import clean_page
from engine.denoiser import Denoiser
from engine.io import to_uint8
from training.data import default_data_dir, load_part, load_split
from training.model_card import write_card

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "resources" / "models"
RUNS = REPO / "runs"
RESULTS = REPO / "docs" / "results.md"
SCALES = (1.0, 0.75, 0.5, 2.0)  # 200 dpi, then 150, 100 and 400
# The data set's pages are about 200 ppi; rescaled pages carry the DPI they would be
# scanned at, as real files do.
NATIVE_DPI = 200
Cleaner = Callable[[np.ndarray, tuple[float, float]], np.ndarray]  # (uint8 page, dpi) -> uint8
# Scans lit or exposed otherwise than the data set's: (gamma, contrast, brightness) applied
# to the noisy page, scored against the same clean page at native resolution.
LIGHTING = {
    "darker (γ 1.3)": (1.3, 1.0, 0.0),
    "lighter (γ 0.77)": (0.77, 1.0, 0.0),
    "flatter (contrast 0.85)": (1.0, 0.85, 0.1),
}


def do_nothing(page: np.ndarray, dpi: tuple[float, float] | None = None) -> np.ndarray:
    return page


def background_division(page: np.ndarray, dpi: tuple[float, float] | None = None) -> np.ndarray:
    """Classical baseline: divide by the paper's brightness, estimated by a median blur."""
    background = cv2.medianBlur(page, 21).astype(np.float32)
    return to_uint8(page.astype(np.float32) / np.maximum(background, 1.0), "gray")


def model_cleaner(denoiser: Denoiser) -> Cleaner:
    return lambda page, dpi=None: to_uint8(clean_page(page, denoiser, dpi), "gray")


def rescale(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interpolation)


def relight(page: np.ndarray, gamma: float, contrast: float, brightness: float) -> np.ndarray:
    levels = (page.astype(np.float32) / 255) ** gamma * contrast + brightness
    return np.round(np.clip(levels, 0, 1) * 255).astype(np.uint8)


def rmse(result: np.ndarray, clean: np.ndarray) -> float:
    difference = result.astype(np.float64) / 255 - clean.astype(np.float64) / 255
    return float(np.sqrt(np.mean(difference**2)))


def pooled_rmse(errors: list[float]) -> float:
    """RMSE of a set of pages from each page's RMSE, each page weighing the same."""
    return float(np.sqrt(np.mean(np.square(errors))))


def psnr(error: float) -> float:
    return float(20 * np.log10(1.0 / max(error, 1e-12)))


def ocr(page: np.ndarray) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.png"
        Image.fromarray(page).save(path, dpi=(200, 200))
        result = subprocess.run(
            ["tesseract", str(path), "stdout"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # its threads only spin on small pages
        )
    return " ".join(result.stdout.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one vectorised row at a time."""
    previous = np.arange(len(b) + 1)
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    for i, char in enumerate(a, start=1):
        substitution = previous[:-1] + (codes != ord(char))
        current = np.empty_like(previous)
        current[0] = i
        current[1:] = np.minimum(substitution, previous[1:] + 1)
        current = np.minimum.accumulate(current - np.arange(len(b) + 1)) + np.arange(len(b) + 1)
        previous = current
    return int(previous[-1])


def character_error_rate(text: str, reference: str) -> float:
    return edit_distance(text, reference) / max(len(reference), 1)


def evaluate(
    methods: dict[str, Cleaner], pairs: list, use_ocr: bool, scales: tuple[float, ...] = SCALES
) -> dict[str, dict[str, float]]:
    """Metrics per method and scale, e.g. results['production']['rmse@1.0']."""
    results: dict[str, dict[str, float]] = {name: {} for name in methods}
    for scale in scales:
        scaled = [(rescale(noisy, scale), rescale(clean, scale)) for noisy, clean in pairs]
        references = [ocr(clean) for _, clean in scaled] if use_ocr else []
        for name, cleaner in methods.items():
            errors, ssims, cers, seconds, megapixels = [], [], [], 0.0, 0.0
            for index, (noisy, clean) in enumerate(scaled):
                started = time.perf_counter()
                result = cleaner(noisy, (NATIVE_DPI * scale,) * 2)
                seconds += time.perf_counter() - started
                megapixels += noisy.size / 1e6
                errors.append(rmse(result, clean))
                ssims.append(structural_similarity(result, clean, data_range=255))
                if use_ocr:
                    cers.append(character_error_rate(ocr(result), references[index]))
            error = pooled_rmse(errors)
            tag = f"@{scale:g}"
            results[name][f"rmse{tag}"] = error
            results[name][f"psnr{tag}"] = psnr(error)
            results[name][f"ssim{tag}"] = float(np.mean(ssims))
            if use_ocr:
                results[name][f"cer{tag}"] = float(np.mean(cers))
            if scale == scales[0]:
                results[name]["mps"] = megapixels / seconds
    return results


def evaluate_lighting(methods: dict[str, Cleaner], pairs: list) -> dict[str, dict[str, float]]:
    """RMSE per method and LIGHTING change, at native resolution."""
    results: dict[str, dict[str, float]] = {name: {} for name in methods}
    for change, (gamma, contrast, brightness) in LIGHTING.items():
        relit = [(relight(noisy, gamma, contrast, brightness), clean) for noisy, clean in pairs]
        for name, cleaner in methods.items():
            errors = [rmse(cleaner(noisy, (NATIVE_DPI,) * 2), clean) for noisy, clean in relit]
            results[name][change] = pooled_rmse(errors)
    return results


def write_report(
    results: dict[str, dict[str, float]],
    pages: int,
    use_ocr: bool,
    lighting: dict[str, dict[str, float]] | None = None,
) -> str:
    header = "| method | scale | RMSE | PSNR (dB) | SSIM |" + (" OCR CER |" if use_ocr else "")
    lines = [
        "# Cleaning quality and speed",
        "",
        "Produced by `make bench` (`python -m training.evaluate`) on "
        f"{pages} validation pages ({pages // 4} texts never seen in training, each on four "
        "backgrounds; split in `training/split.json`), through the engine's own tiling and "
        "ONNX Runtime session, on this 2-core CPU in one run. RMSE pools the pages' mean "
        "squared errors, each page weighing the same (grey levels 0..1; lower is better). "
        "OCR CER: Tesseract's reading of the "
        "result against its reading of the clean page (lower is better). Scales 0.75, 0.5 "
        "and 2 resample noisy and clean pages alike and give them 150, 100 and 400 dpi "
        "(native: 200); "
        "a model with a working resolution has the engine resample such pages to it.",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
    ]
    for name, metrics in results.items():
        for scale in SCALES:
            tag = f"@{scale:g}"
            if f"rmse{tag}" not in metrics:
                continue
            row = (
                f"| {name} | {scale:g}× | {metrics[f'rmse{tag}']:.4f} | "
                f"{metrics[f'psnr{tag}']:.2f} | {metrics[f'ssim{tag}']:.4f} |"
            )
            if use_ocr:
                row += f" {metrics[f'cer{tag}']:.3f} |"
            lines.append(row)
    lines += ["", "| method | throughput (MP/s, native pages) |", "|---|---|"]
    lines += [f"| {name} | {metrics['mps']:.2f} |" for name, metrics in results.items()]
    if lighting:
        changes = list(LIGHTING)
        lines += [
            "",
            "Lighting: RMSE at native resolution when the noisy page is darker, lighter or "
            "flatter than the data set's scans (gamma, contrast and brightness changed; the "
            "clean page stays as it is).",
            "",
            "| method | as scanned | " + " | ".join(changes) + " |",
            "|---|---|" + "---|" * len(changes),
        ]
        for name, changed in lighting.items():
            cells = [f"{results[name]['rmse@1']:.4f}"] + [f"{changed[c]:.4f}" for c in changes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def run_model(name: str) -> Path:
    return RUNS / name / "model.onnx"


def update_card(model_path: Path, metrics: dict[str, float]) -> None:
    card_path = model_path.with_suffix(".json")
    if not card_path.is_file():
        return
    card = json.loads(card_path.read_text())
    card["metrics"] = {
        "measured_by": "make bench (python -m training.evaluate), validation texts",
        **{key: round(value, 4) for key, value in metrics.items()},
        "rmse": round(metrics["rmse@1"], 4),
    }
    write_card(card, model_path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--no-ocr", action="store_true", help="skip Tesseract")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    use_ocr = not args.no_ocr and shutil.which("tesseract") is not None
    if not args.no_ocr and not use_ocr:
        print("tesseract not found: OCR error rates skipped (make system-packages)")
    pairs = load_part(args.data or default_data_dir(), load_split(), "validation")
    methods: dict[str, Cleaner] = {
        "doing nothing": do_nothing,
        "background division": background_division,
    }
    production, low_resolution = MODELS / "docclean.onnx", MODELS / "docclean_low_resolution.onnx"
    shipped = {
        "seed recipe (10 epochs, pages)": MODELS / "seed_reference.onnx",
        "seed, trained properly": MODELS / "seed.onnx",
        # docclean.onnx hands pages the engine enlarges to docclean_low_resolution.onnx.
        "production (docclean)": production,
        "ablation: the low-resolution model for every page": low_resolution,
        # Not shipped (`make train-ablations`): networks trained otherwise, the previous
        # network with the same recipe, and that network's older 25-epoch recipes.
        "ablation: lighting jitter on every patch (90 epochs)": run_model(
            "ablation_lighting_every_patch"
        ),
        "ablation (25 epochs): no lighting jitter": run_model("ablation_no_lighting"),
        "ablation: low-resolution model, then MSE fine-tuning": run_model("ablation_mse_finetune"),
        "ablation: full-resolution head": run_model("ablation_full_resolution_head"),
        "ablation (that head, 25 epochs): scale jitter": run_model("ablation_scale_jitter"),
        "ablation (that head, 25 epochs): synthetic pages": run_model("ablation_synthetic"),
    }
    for name, path in shipped.items():
        if path.is_file():
            methods[name] = model_cleaner(Denoiser(path))
        else:
            print(f"{path} not found: `make train` builds it")
        if path == production and path.is_file():
            alone = Denoiser(path, companions=False)
            methods["ablation: docclean without its low-resolution model"] = model_cleaner(alone)
    results = evaluate(methods, pairs, use_ocr)
    lighting = evaluate_lighting(methods, pairs)
    report = write_report(results, len(pairs), use_ocr, lighting)
    print(report)
    if args.no_write:
        return
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report)
    for name, path in shipped.items():
        if name in results:
            update_card(path, results[name])


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
