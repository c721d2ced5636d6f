"""`python -m training.synthetic`: write pairs and a contact sheet."""

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from tqdm import tqdm

from training.data import read_gray
from training.synthetic.layout import DEFAULT_HEIGHT, DEFAULT_WIDTH
from training.synthetic.pages import synthetic_pairs


def contact_sheet(pairs: list[tuple[np.ndarray, np.ndarray]], scale: float = 0.5) -> np.ndarray:
    """One row per pair, noisy beside clean, with grey gutters between them."""
    gutter = 6
    rows = []
    for noisy, clean in pairs:
        height, width = noisy.shape
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = [cv2.resize(image, size, interpolation=cv2.INTER_AREA) for image in (noisy, clean)]
        rows.append(np.hstack([small[0], np.full((size[1], gutter), 128, np.uint8), small[1]]))
    sheet_width = max(row.shape[1] for row in rows)
    padded = [
        np.pad(row, ((0, gutter), (0, sheet_width - row.shape[1])), constant_values=128)
        for row in rows
    ]
    return np.vstack(padded)[:-gutter]


def write_pairs(count: int, seed: int, out: Path, height: int, width: int) -> list[Path]:
    """Writes out/noisy/N.png and out/clean/N.png; returns the noisy paths."""
    (out / "noisy").mkdir(parents=True, exist_ok=True)
    (out / "clean").mkdir(parents=True, exist_ok=True)
    written = []
    pairs = synthetic_pairs(count, seed, height, width)
    for index, (noisy, clean) in enumerate(tqdm(pairs, total=count, unit="page")):
        Image.fromarray(clean).save(out / "clean" / f"{index}.png")
        Image.fromarray(noisy).save(out / "noisy" / f"{index}.png")
        written.append(out / "noisy" / f"{index}.png")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m training.synthetic", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--count", type=int, required=True, help="number of pairs")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for noisy/ and clean/")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT)
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH)
    parser.add_argument(
        "--sheet", type=Path, help="contact sheet path (default OUT/contact_sheet.png)"
    )
    parser.add_argument("--sheet-pairs", type=int, default=6, help="pairs on the contact sheet")
    parser.add_argument("--sheet-scale", type=float, default=0.5)
    arguments = parser.parse_args(argv)
    if arguments.count < 1 or arguments.sheet_pairs < 1:
        parser.error("--count and --sheet-pairs must be at least 1")
    noisy_paths = write_pairs(
        arguments.count, arguments.seed, arguments.out, arguments.height, arguments.width
    )
    shown = [
        (read_gray(path), read_gray(path.parent.parent / "clean" / path.name))
        for path in noisy_paths[: arguments.sheet_pairs]
    ]
    sheet_path = arguments.sheet or arguments.out / "contact_sheet.png"
    sheet_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(contact_sheet(shown, arguments.sheet_scale)).save(sheet_path, optimize=True)
    print(f"{arguments.count} pairs in {arguments.out}, contact sheet {sheet_path}")
