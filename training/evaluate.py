"""Evaluate every cleaning method through the engine: `python -m training.evaluate`.

Real archive pages first: on the held-out DIBCO collections (`training.documents.HELD_OUT`),
at 1×, 0.5×, 2× and 4× text scale with no DPI, the DIBCO measures of the black-and-white
result and ink recall (`training.ink`). Then the DDD validation texts of
`training/split.json`, at the same scales without DPI: RMSE, PSNR, SSIM, OCR character
error rate at 1× (Tesseract on the result against Tesseract on the clean page), throughput
on this CPU, RMSE on pages lit otherwise (LIGHTING), and what cleaning does to pages that
are already clean; then colour mode on the colour test set (`training.colour_evaluation`),
and the held-out DIBCO pages photographed (`training.photo_evaluation`). All in one run;
writes `docs/results.md` and the measured metrics into the shipped models' cards.
"""

import argparse
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from skimage.metrics import structural_similarity

from engine.cleaning import clean_output
from engine.denoiser import Denoiser
from engine.errors import ModelError
from engine.precision import model_for_precision
from training import ink
from training.colour_evaluation import (
    colour_report,
    colour_test_set,
    evaluate_colour,
    evaluate_inks,
    inks_report,
)
from training.data import default_data_dir, load_part, load_split
from training.documents import HELD_OUT, load_dibco, rescaled
from training.ink import background_division
from training.metrics import character_error_rate, ocr, pooled_rmse, psnr, rmse
from training.model_card import write_card
from training.photo_evaluation import evaluate_photographs, photo_binarisers, photo_report
from training.report import archive_report, write_report

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "resources" / "models"
RUNS = REPO / "runs"
RESULTS = REPO / "docs" / "results.md"
SCALES = ink.SCALES  # rescaled pages carry no DPI: the engine must see their scale itself
# The data set's pages are about 200 ppi (the lighting table gives them that DPI).
NATIVE_DPI = 200
PRINTED_PAGE = re.compile(r"_P\d+$")  # DIBCO's printed pages; its handwritten ones are H…
# (uint8 page, dpi or None) -> uint8
Cleaner = Callable[[np.ndarray, tuple[float, float] | None], np.ndarray]
# Scans lit or exposed otherwise than the data set's: (gamma, contrast, brightness) applied
# to the noisy page, scored against the same clean page at native resolution.
LIGHTING = {
    "darker (γ 1.3)": (1.3, 1.0, 0.0),
    "lighter (γ 0.77)": (0.77, 1.0, 0.0),
    "flatter (contrast 0.85)": (1.0, 0.85, 0.1),
    "faint (× 0.35 + 150)": (1.0, 0.35, 150 / 255),
}


def do_nothing(page: np.ndarray, dpi: tuple[float, float] | None = None) -> np.ndarray:
    return page


def model_cleaner(denoiser: Denoiser) -> Cleaner:
    """The engine's grey output, as `docclean clean --mode gray` writes it."""
    return lambda page, dpi=None: clean_output(page, denoiser, "gray", dpi)


def relight(page: np.ndarray, gamma: float, contrast: float, brightness: float) -> np.ndarray:
    levels = (page.astype(np.float32) / 255) ** gamma * contrast + brightness
    return np.round(np.clip(levels, 0, 1) * 255).astype(np.uint8)


def evaluate(
    methods: dict[str, Cleaner], pairs: list, use_ocr: bool, scales: tuple[float, ...] = SCALES
) -> dict[str, dict[str, float]]:
    """Metrics per method and scale, e.g. results['production']['rmse@1']; pages carry no
    DPI; OCR at the first scale only."""
    results: dict[str, dict[str, float]] = {name: {} for name in methods}
    for scale in scales:
        scaled = [(rescaled(noisy, scale), rescaled(clean, scale)) for noisy, clean in pairs]
        read = use_ocr and scale == scales[0]
        references = [ocr(clean) for _, clean in scaled] if read else []
        for name, cleaner in methods.items():
            errors, ssims, cers, seconds, megapixels = [], [], [], 0.0, 0.0
            for index, (noisy, clean) in enumerate(scaled):
                started = time.perf_counter()
                result = cleaner(noisy, None)
                seconds += time.perf_counter() - started
                megapixels += noisy.size / 1e6
                errors.append(rmse(result, clean))
                ssims.append(structural_similarity(result, clean, data_range=255))
                if read:
                    cers.append(character_error_rate(ocr(result), references[index]))
            error = pooled_rmse(errors)
            tag = f"@{scale:g}"
            results[name][f"rmse{tag}"] = error
            results[name][f"psnr{tag}"] = psnr(error)
            results[name][f"ssim{tag}"] = float(np.mean(ssims))
            if read:
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


def evaluate_archives(
    binarisers: dict[str, ink.Binariser], pages: list, scales: tuple[float, ...] = SCALES
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """results[method][scale tag][collection or "pooled"][metric], e.g. ['new']['@1']…"""
    return {
        name: {
            f"@{scale:g}": ink.summarise(ink.score_pages(binarise, pages, scale))
            for scale in scales
        }
        for name, binarise in binarisers.items()
    }


def evaluate_clean_pages(
    methods: dict[str, Cleaner],
    clean_pages: list[np.ndarray],
    truths: list[np.ndarray],
    read: Sequence[np.ndarray] = (),
) -> dict[str, dict[str, float]]:
    """What cleaning does to pages that are already clean: the DDD clean targets (RMSE
    against themselves, ink kept), the DIBCO ground-truth pages (ink kept) and, for the
    pages to `read`, what Tesseract reads on them: the share of pages it reads exactly as
    before ("ocr_same", %) and the mean CER against its reading before."""
    references = [ocr(page) for page in read]
    results: dict[str, dict[str, float]] = {}
    for name, cleaner in methods.items():
        # Each page cleaned once, however many of the lists hold it (`read` repeats some).
        outputs = {id(page): cleaner(page, None) for page in (*clean_pages, *truths, *read)}
        kept = [ink.kept_ink(outputs[id(page)], page) for page in clean_pages]
        results[name] = {
            "rmse": pooled_rmse([rmse(outputs[id(page)], page) for page in clean_pages]),
            "kept": float(np.mean(kept)),
            "kept_truth": float(np.mean([ink.kept_ink(outputs[id(t)], t) for t in truths])),
        }
        if read:
            errors = [
                character_error_rate(ocr(outputs[id(page)]), reference)
                for page, reference in zip(read, references, strict=True)
            ]
            results[name]["ocr_same"] = 100 * float(np.mean([error == 0 for error in errors]))
            results[name]["ocr_cer"] = float(np.mean(errors))
    return results


def run_model(name: str) -> Path:
    return RUNS / name / "model.onnx"


def update_card(
    model_path: Path, metrics: dict[str, float], archive: dict[str, dict[str, dict]] | None
) -> None:
    card_path = model_path.with_suffix(".json")
    if not card_path.is_file():
        return
    card = json.loads(card_path.read_text())
    card["metrics"] = {
        "measured_by": "make bench (python -m training.evaluate), validation texts",
        **{key: round(value, 4) for key, value in metrics.items()},
        "rmse": round(metrics["rmse@1"], 4),
    }
    if archive:
        card["metrics"]["held_out_dibco"] = {
            tag: {
                collection: {metric: round(value, 2) for metric, value in scores.items()}
                for collection, scores in summary.items()
            }
            for tag, summary in archive.items()
        }
    write_card(card, model_path)


# The shipped model's INT8 version (training.quantise), which the engine runs by default on
# CPUs with integer dot products.
INT8_NAME = "docclean INT8"
PREVIOUS = MODELS / "ddd_only" / "docclean.onnx"  # the model shipped before, trained on DDD
ABLATION_REPORT = REPO / "docs" / "ablations.md"
# Not shipped (`make train-ablations`): scored by `--ablations` where their runs exist.
ABLATIONS = {
    "ablation (25 epochs): the shipped recipe": "documents_25_epochs",
    "ablation (25 epochs): no paper normalisation": "documents_no_paper_normalisation",
    "ablation (25 epochs): no DIBCO pages": "documents_no_dibco",
    "ablation (25 epochs): no synthetic pages": "documents_no_synthetic",
    "ablation (25 epochs): no faint patches": "documents_no_faint",
    "ablation (25 epochs): no show-through patches": "documents_no_show_through",
    "ablation (25 epochs): quarter resolution dilated 1, 2, 2, 4 (radius 52 px)": (
        "documents_dilated"
    ),
    "ablation (25 epochs): the page reaching the output through its logit": (
        "documents_logit_skip"
    ),
    "the shipped recipe with the page reaching the output through its logit, at full "
    "length (160 epochs)": "documents_logit_160_epochs",
    "the shipped recipe with synthetic pages of solid ink and shaded panels and the page "
    "through its logit, at full length (160 epochs)": "documents_figures_logit_160_epochs",
    "the shipped recipe without faint patches, at full length (160 epochs)": (
        "documents_no_faint_160_epochs"
    ),
    "the shipped recipe with synthetic colour pages, at full length (160 epochs)": (
        "documents_colour_160_epochs"
    ),
    "the shipped recipe dilated 1, 2, 2, 4, at full length (160 epochs)": (
        "documents_dilated_160_epochs"
    ),
    "the shipped recipe with 48 channels at quarter resolution, at full length (160 epochs)": (
        "documents_quarter48_160_epochs"
    ),
    "the shipped recipe with show-through as sharp as 0.3 px, at full length (160 epochs)": (
        "documents_sharp_show_through"
    ),
    "the shipped recipe with every pixel weighing the same in its loss (ink not twice), at "
    "full length (160 epochs)": "documents_ink_weight_1_160_epochs",
    "the shipped recipe with patches drawn at the text scale the engine shows their page at "
    "(pages arriving at 0.5-4x), at full length (160 epochs)": (
        "documents_engine_scales_160_epochs"
    ),
    "the shipped recipe with a quarter of its patches made soft scans (targets sharp), at full "
    "length (160 epochs)": "documents_soft_scans_160_epochs",
    "the shipped recipe with patches drawn at the text scale the engine shows their page at and a "
    "quarter of them made soft scans, at full length (160 epochs)": (
        "documents_engine_scales_soft_scans_160_epochs"
    ),
    "the shipped recipe with patches drawn at the text scale the engine shows their page at and a "
    "tenth of them made soft scans, at full length (160 epochs)": (
        "documents_engine_scales_some_soft_scans_160_epochs"
    ),
    "the shipped model trained 30 epochs more on its own recipe (a fine-tune)": (
        "finetune_control"
    ),
    "that fine-tune with twice the share of DDD patches": "finetune_more_ddd",
    "that fine-tune with three times the share of clean pages": "finetune_more_clean",
    "that fine-tune with the DIBCO truth's edges anti-aliased (σ 0.7 px)": (
        "finetune_soft_dibco_truth"
    ),
    "that fine-tune with synthetic colour pages as grey mode sees them": "finetune_grey_colour",
    "DDD-only ablation: lighting jitter on every patch": "ablation_lighting_every_patch",
    "DDD-only ablation (25 epochs): no lighting jitter": "ablation_no_lighting",
    "DDD-only ablation: low-resolution model, then MSE fine-tuning": "ablation_mse_finetune",
    "DDD-only ablation: full-resolution head": "ablation_full_resolution_head",
    "DDD-only ablation (that head, 25 epochs): scale jitter": "ablation_scale_jitter",
    "DDD-only ablation (that head, 25 epochs): synthetic pages": "ablation_synthetic",
}


def ablation_report(pairs: list, only: set[str] | None = None) -> str:
    """Held-out DIBCO at 1× (black and white) and DDD at 1× for each ablation run present;
    with `only` (run names), just those runs are scored and every other row is kept from
    the report as it stands, whether its run is here or not."""
    unknown = (only or set()) - set(ABLATIONS.values())
    if unknown:
        raise SystemExit(f"not an ablation run: {', '.join(sorted(unknown))}")
    kept = _report_rows(ABLATION_REPORT) if only else {}
    dibco = load_dibco(HELD_OUT)
    lines = [
        "# Ablations",
        "",
        "Produced by `python -m training.evaluate --ablations` after `make train-ablations`, "
        "through the engine on this 2-core CPU: each run is the shipped recipe for 25 epochs "
        "with one part taken out (ink threshold calibrated alike), unless its name says "
        'otherwise; "the shipped recipe" is the one shipped until 2026-12-07, and the row '
        "with a tenth of the patches made soft scans is the recipe shipped since. "
        f"Held-out DIBCO collections ({', '.join(HELD_OUT)}), pooled, black and "
        "white, at 1× and (recall) at 2× and 4× without DPI; DDD validation RMSE at 1×, grey; "
        "clean page RMSE: the DDD validation texts' clean pages cleaned again, against "
        "themselves.",
        "",
        "| run | FM | pFM | ink recall | recall 2× | recall 4× | DDD RMSE | clean page RMSE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    clean_pages = list({clean.tobytes(): clean for _, clean in pairs}.values())
    missing = []
    for label, run in ABLATIONS.items():
        path = run_model(run)
        if only and run not in only and label in kept:
            lines.append(kept[label])  # measured before, its run here or not
            continue
        if (only and run not in only) or not path.is_file():
            missing.append(label)
            continue
        denoiser = Denoiser(path)
        binarise = ink.model_binariser(denoiser)
        pooled = ink.summarise(ink.score_pages(binarise, dibco))["pooled"]
        larger = [
            ink.summarise(ink.score_pages(binarise, dibco, scale=scale))["pooled"]["recall"]
            for scale in (2.0, 4.0)
        ]
        cleaner = model_cleaner(denoiser)
        error = pooled_rmse([rmse(cleaner(n, None), c) for n, c in pairs])
        again = pooled_rmse([rmse(cleaner(page, None), page) for page in clean_pages])
        lines.append(
            f"| {label} | {pooled['fm']:.1f} | {pooled['pfm']:.1f} | {pooled['recall']:.1f} "
            f"| {larger[0]:.1f} | {larger[1]:.1f} | {error:.4f} | {again:.4f} |"
        )
    if missing:
        lines += ["", "Not run here: " + "; ".join(missing) + "."]
    return "\n".join(lines) + "\n"


def _report_rows(report: Path) -> dict[str, str]:
    """The table rows of a report as it stands, by their first cell."""
    text = report.read_text() if report.is_file() else ""
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    return {row.split(" | ")[0][2:]: row for row in rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--no-ocr", action="store_true", help="skip Tesseract")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--ablations",
        action="store_true",
        help=f"score the ablation runs instead (held-out DIBCO and DDD at 1×): {ABLATION_REPORT}",
    )
    parser.add_argument(
        "--run",
        action="append",
        default=[],
        help="with --ablations: score only this run (repeatable), keeping the other rows",
    )
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        default=[],
        help="also evaluate this .onnx (repeatable)",
    )
    args = parser.parse_args(argv)
    use_ocr = not args.no_ocr and shutil.which("tesseract") is not None
    if not args.no_ocr and not use_ocr:
        print("tesseract not found: OCR error rates skipped (make system-packages)")
    pairs = load_part(args.data or default_data_dir(), load_split(), "validation")
    if args.ablations:
        report = ablation_report(pairs, set(args.run) or None)
        print(report)
        if not args.no_write:
            ABLATION_REPORT.write_text(report)
        return
    methods: dict[str, Cleaner] = {
        "doing nothing": do_nothing,
        "background division": background_division,
    }
    binarisers: dict[str, ink.Binariser] = {
        "Otsu": ink.doxa("OTSU"),
        "Sauvola (window 31, k 0.2)": ink.doxa("SAUVOLA", window=31, k=0.2),
        "background division, then Otsu": ink.background_division_otsu,
    }
    production = MODELS / "docclean.onnx"
    shipped = {
        "seed recipe (10 epochs, pages)": MODELS / "seed_reference.onnx",
        "seed, trained properly": MODELS / "seed.onnx",
        "previous docclean (DDD only, with its low-resolution model)": PREVIOUS,
        "docclean": production,
    }
    try:  # the INT8 version the float model's card names, checked as the engine checks it
        shipped[INT8_NAME] = model_for_precision(production, "int8")
    except ModelError as error:
        print(f"no INT8 version scored: {error}")
    shipped.update({f"candidate {path}": path for path in args.model})
    for name, path in shipped.items():
        if not path.is_file():
            print(f"{path} not found: `make train` builds it")
            continue
        denoiser = Denoiser(path)
        methods[name] = model_cleaner(denoiser)
        if name != "seed recipe (10 epochs, pages)":
            binarisers[name] = ink.model_binariser(denoiser)
    dibco = load_dibco(HELD_OUT)
    archive = evaluate_archives(binarisers, dibco)
    results = evaluate(methods, pairs, use_ocr)
    lighting = evaluate_lighting(methods, pairs)
    colour = photos = None
    if production.is_file():
        pages = colour_test_set()
        denoiser = Denoiser(production)
        colour = colour_report(evaluate_colour(denoiser, pages), len(pages))
        colour += ["", *inks_report(evaluate_inks(denoiser, pages))]
        photographed = evaluate_photographs(photo_binarisers(production), dibco)
        photos = photo_report(photographed, len(dibco))
    unique_clean = list({clean.tobytes(): clean for _, clean in pairs}.values())
    printed = [page.truth for page in dibco if PRINTED_PAGE.search(page.name)]
    clean = evaluate_clean_pages(
        {name: m for name, m in methods.items() if name != "background division"},
        unique_clean,
        [page.truth for page in dibco],
        unique_clean + printed if use_ocr else [],
    )
    archives = archive_report(archive, dibco)
    report = write_report(results, len(pairs), use_ocr, lighting, archives, clean, colour, photos)
    print(report)
    if args.no_write:
        return
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report)
    for name, path in shipped.items():
        if name in results and name != INT8_NAME:  # the INT8 model's entry is the float card's
            update_card(path, results[name], archive.get(name))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
