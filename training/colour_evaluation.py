"""Colour mode, measured: a colour test set rendered here (text in several ink colours and a
highlighter, on tinted, stained paper made by the synthetic generator's effects, with the
clean colour page as target), cleaned through the engine in colour mode, in grey mode, and
by classical background division per channel.

    python -m training.colour_evaluation      # prints the table (a minute on 2 cores)

Metrics per page, averaged over pages: colour RMSE (RGB, 0..1); ΔE (CIEDE2000, CIELAB) of
ink pixels against their clean colour, of paper against white, and of highlighted paper
against its highlight; ink recall: the share of ink pixels that keep at least half their
darkness (1 − darkest channel), also per ink, for grey and black-and-white modes as the
engine runs them and with the network seeing the luminance or colour mode's `ink_grey`.
"""

import argparse
from pathlib import Path

import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab

from engine.cleaning import clean_output, clean_page
from engine.colour import (
    FULL_INK,
    INK_DARKNESS_FLOOR,
    darkest_channel,
    ink_grey,
    paper_divided,
    recolour,
)
from engine.denoiser import Denoiser
from engine.io import luminance
from engine.io.writing import to_uint8
from engine.resources import default_model_path
from training.synthetic.colour import INKS, colour_pages

INK_NAMES = list(INKS)

PAGES = 12
PAGE_SHAPE = (840, 640)
SEED = 2027
# (full ink, darkness floor) settings of engine.colour.recolour compared; the first is the
# engine's (FULL_INK, INK_DARKNESS_FLOOR).
RECOLOUR_CHOICES = (
    (FULL_INK, INK_DARKNESS_FLOOR),
    (FULL_INK, 0.0),
    (FULL_INK, 0.8),
    (0.25, INK_DARKNESS_FLOOR),
)

Page = tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]  # noisy, clean, masks


def colour_test_set(count: int = PAGES, seed: int = SEED) -> list[Page]:
    """The test pages (`training.synthetic.colour`): noisy RGB, clean RGB, masks."""
    return [(page.noisy, page.clean, page.masks) for page in colour_pages(count, seed, *PAGE_SHAPE)]


def darkness(rgb: np.ndarray) -> np.ndarray:
    return 1.0 - rgb.min(axis=2).astype(np.float32) / 255


def page_metrics(
    out: np.ndarray, clean: np.ndarray, masks: dict[str, np.ndarray]
) -> dict[str, float]:
    out = np.stack([out] * 3, axis=2) if out.ndim == 2 else out
    delta = deltaE_ciede2000(rgb2lab(out), rgb2lab(clean))
    ink = masks["ink"]
    kept = darkness(out)[ink] >= 0.5 * darkness(clean)[ink]
    error = (out.astype(np.float32) - clean) / 255
    metrics = {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "ink_de": float(delta[ink].mean()),
        "paper_de": float(delta[masks["paper"]].mean()),
        "recall": float(100 * kept.mean()),
    }
    if masks["highlight"].any():
        metrics["highlight_de"] = float(delta[masks["highlight"]].mean())
    return metrics


def cleaned_versions(denoiser: Denoiser, noisy: np.ndarray) -> dict[str, np.ndarray]:
    """The page as each compared method returns it: nothing done, classical division per
    channel, docclean in grey mode, and in colour mode with each of RECOLOUR_CHOICES (one
    network run serves them all) and with the network seeing the darkest channel or the
    luminance everywhere instead of `ink_grey`."""
    divided = paper_divided(noisy)
    cleaned = to_uint8(clean_page(ink_grey(divided), denoiser, paper_divided=True), "gray")
    versions = {
        "doing nothing": noisy,
        "background division per channel": divided,
        "docclean, grey mode": clean_output(luminance(noisy), denoiser, "gray", colour=noisy),
    }
    for index, (full_ink, floor) in enumerate(RECOLOUR_CHOICES):
        shipped = " (shipped)" if index == 0 else ""
        name = f"docclean, colour mode{shipped}: full ink at {full_ink:g}, darkness floor {floor:g}"
        versions[name] = recolour(cleaned, divided, full_ink, floor)
    for seen, grey in (("darkest channel", darkest_channel), ("luminance", luminance)):
        cleaned = to_uint8(clean_page(grey(divided), denoiser, paper_divided=True), "gray")
        versions[f"docclean, colour mode, the network seeing the {seen} everywhere"] = recolour(
            cleaned, divided
        )
    return versions


def evaluate_colour(denoiser: Denoiser, pages: list[Page]) -> dict[str, dict[str, float]]:
    """Each method's metrics, averaged over pages (the highlighter's over pages with one)."""
    scores: dict[str, list[dict[str, float]]] = {}
    for noisy, clean, masks in pages:
        for name, out in cleaned_versions(denoiser, noisy).items():
            scores.setdefault(name, []).append(page_metrics(out, clean, masks))
    return {
        name: {
            key: float(np.mean([page[key] for page in pages if key in page]))
            for key in {key for page in pages for key in page}
        }
        for name, pages in scores.items()
    }


def nearest_ink(clean: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """For each ink pixel (`ink` mask) of a clean colour page, the index in INKS of the ink
    it was written in (the nearest at full coverage; a highlighted stroke's is tinted)."""
    colours = clean[ink].astype(np.float32)
    inks = np.array(list(INKS.values()), np.float32)
    return np.argmin(((colours[:, None, :] - inks[None]) ** 2).sum(axis=2), axis=1)


def mode_versions(denoiser: Denoiser, noisy: np.ndarray) -> dict[str, np.ndarray]:
    """Grey and black-and-white output as the engine writes them (the network seeing
    `ink_grey` without highlights), seeing the luminance instead, and seeing colour mode's
    `ink_grey`; and colour mode's output."""
    divided = paper_divided(noisy)
    seen = clean_page(ink_grey(divided), denoiser, paper_divided=True)
    grey, threshold = luminance(noisy), denoiser.ink_threshold
    return {
        "grey mode (shipped)": clean_output(grey, denoiser, "gray", colour=noisy),
        "grey mode, seeing the luminance": clean_output(grey, denoiser, "gray"),
        "grey mode, seeing colour mode's ink_grey": to_uint8(seen, "gray"),
        "black and white (shipped)": clean_output(grey, denoiser, "bw", colour=noisy),
        "black and white, seeing the luminance": clean_output(grey, denoiser, "bw"),
        "black and white, seeing colour mode's ink_grey": to_uint8(seen, "bw", threshold),
        "colour mode (shipped)": recolour(to_uint8(seen, "gray"), divided),
    }


def evaluate_inks(denoiser: Denoiser, pages: list[Page]) -> dict[str, dict[str, float]]:
    """Per mode: ink recall (%) of each ink over all pages, and the share (%) of highlighted
    paper that comes back darker than half ("highlight")."""
    kept: dict[str, dict[str, list[int]]] = {}
    for noisy, clean, masks in pages:
        ink, highlight = masks["ink"], masks["highlight"]
        which = nearest_ink(clean, ink)
        for name, out in mode_versions(denoiser, noisy).items():
            out = np.stack([out] * 3, axis=2) if out.ndim == 2 else out
            counts = kept.setdefault(name, {key: [0, 0] for key in [*INK_NAMES, "highlight"]})
            recalled = darkness(out)[ink] >= 0.5 * darkness(clean)[ink]
            for index, ink_name in enumerate(INK_NAMES):
                counts[ink_name][0] += int(recalled[which == index].sum())
                counts[ink_name][1] += int((which == index).sum())
            counts["highlight"][0] += int((darkness(out)[highlight] >= 0.5).sum())
            counts["highlight"][1] += int(highlight.sum())
    return {
        name: {key: 100 * done / max(total, 1) for key, (done, total) in counts.items()}
        for name, counts in kept.items()
    }


def inks_report(results: dict[str, dict[str, float]]) -> list[str]:
    """The per-ink table of docs/results.md's colour section."""
    lines = [
        "Ink recall (%) per ink on the same pages, and the share (%) of highlighted paper "
        "that comes back darker than half (in colour mode the highlight itself; in grey and "
        "black and white a dark band over the text). Grey and black and white show the "
        "network colour mode's conversion with the darker of red and green in place of the "
        "darkest channel (`engine.colour.ink_grey` without highlights): red and light red "
        "keep their ink as in colour mode, yellow highlights stay light as with the "
        "luminance.",
        "",
        "| mode | " + " | ".join(INK_NAMES) + " | highlight |",
        "|---|" + "---|" * (len(INK_NAMES) + 1),
    ]
    for name, recalls in results.items():
        cells = " | ".join(f"{recalls[key]:.1f}" for key in [*INK_NAMES, "highlight"])
        lines.append(f"| {name} | {cells} |")
    return lines


def colour_report(results: dict[str, dict[str, float]], pages: int) -> list[str]:
    """The "Colour documents" section of docs/results.md."""
    lines = [
        "## Colour documents",
        "",
        f"{pages} pages rendered by `training.colour_evaluation` (seed {SEED}): text in "
        f"{len(INKS)} inks ({', '.join(INKS)}) and a yellow highlighter, degraded in colour "
        "by the synthetic generator's effects (tinted paper, stains, show-through, "
        "lighting); the clean colour page is the target. ΔE is CIEDE2000 (CIELAB; about 2 "
        "is just noticeable); ink recall counts ink pixels that keep at least half their "
        "darkness. Grey mode is scored as grey pixels. Colour mode's full ink: cleaned grey "
        "levels at or below it are all ink; darkness floor: fainter strokes are darkened "
        "to it (`engine.colour`).",
        "",
        "| method | colour RMSE | ink ΔE | paper ΔE (to white) | highlighter ΔE | ink recall (%) |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in results.items():
        lines.append(
            f"| {name} | {m['rmse']:.4f} | {m['ink_de']:.1f} | {m['paper_de']:.1f} | "
            f"{m.get('highlight_de', float('nan')):.1f} | {m['recall']:.1f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    args = parser.parse_args(argv)
    pages = colour_test_set(args.pages)
    denoiser = Denoiser(args.model or default_model_path())
    lines = colour_report(evaluate_colour(denoiser, pages), len(pages))
    print("\n".join([*lines, "", *inks_report(evaluate_inks(denoiser, pages))]))


if __name__ == "__main__":
    main()
