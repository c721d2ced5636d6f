"""`make bench`, engine part: end-to-end speed on an A4 page against the bare session.

For each model: megapixels per second end to end (read → tile → infer → stitch → write),
the bare ONNX Runtime session on exactly the same tiles, the engine's overhead as a ratio,
and the peak resident memory of a `docclean clean` process. Medians of several runs.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.denoiser import Denoiser
from engine.events import FileDone
from engine.models import default_model_path, resource_path
from engine.pipeline import Job, clean_jobs
from engine.tiling import pad_page, plan_tiles, tile_at

A4_300_DPI = (3508, 2480)  # height, width
SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ddd" / "test" / "1.png"


def make_a4_page(path: Path) -> None:
    """A page-sized scan: real noisy DDD pages stacked and scaled to A4 at 300 dpi."""
    if SAMPLE.is_file():
        source = np.asarray(Image.open(SAMPLE).convert("L"))
        page = np.vstack([source] * 4)
        page = cv2.resize(page, A4_300_DPI[::-1], interpolation=cv2.INTER_CUBIC)
    else:
        rng = np.random.default_rng(0)
        page = rng.integers(150, 256, A4_300_DPI, dtype=np.uint8)
    Image.fromarray(page).save(path, dpi=(300, 300))


def bare_session_seconds(denoiser: Denoiser, page: np.ndarray) -> float:
    """Time of `session.run` alone over the same batches of tiles the engine makes."""
    plan = plan_tiles(page.shape, denoiser.tile_shape, denoiser.margin, denoiser.alignment)
    padded = pad_page(page, plan)
    offsets = list(plan.offsets())
    batches = []
    for start in range(0, len(offsets), denoiser.batch_size):
        chunk = offsets[start : start + denoiser.batch_size]
        tiles = np.stack([tile_at(padded, plan, o) for o in chunk]).astype(np.float32) / 255
        batches.append(tiles[..., None] if denoiser.channels_last else tiles[:, None])
    started = time.perf_counter()
    for batch in batches:
        denoiser.session.run([denoiser.output_name], {denoiser.input_name: batch})
    return time.perf_counter() - started


def end_to_end_seconds(denoiser: Denoiser, source: Path, output: Path) -> float:
    started = time.perf_counter()
    events = list(clean_jobs([Job(source, output)], denoiser, overwrite=True))
    if not any(isinstance(event, FileDone) for event in events):
        raise RuntimeError(f"cleaning failed: {events}")
    return time.perf_counter() - started


def peak_memory_mb(model: Path, source: Path, output_dir: Path) -> float:
    """Peak resident memory of a separate `docclean clean` process on the page."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "clean",
            str(source),
            "-o",
            str(output_dir),
            "--model",
            str(model),
            "--overwrite",
            "-q",
        ],
        check=True,
        capture_output=True,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(peak, before) / 1024


def bench_model(model: Path, source: Path, scratch: Path, runs: int) -> dict[str, float]:
    denoiser = Denoiser(model)
    page = np.asarray(Image.open(source).convert("L"))
    megapixels = page.size / 1e6
    end_to_end_seconds(denoiser, source, scratch / "warm.png")  # warm-up
    e2e = statistics.median(
        end_to_end_seconds(denoiser, source, scratch / "out.png") for _ in range(runs)
    )
    bare = statistics.median(bare_session_seconds(denoiser, page) for _ in range(runs))
    return {
        "e2e_mps": megapixels / e2e,
        "bare_mps": megapixels / bare,
        "overhead": (e2e - bare) / bare,
        "peak_mb": peak_memory_mb(model, source, scratch / "mem"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("models", nargs="*", type=Path)
    args = parser.parse_args(argv)
    models = args.models or [
        path for path in (default_model_path(), resource_path("models/seed.onnx")) if path.is_file()
    ]
    if not models:
        sys.exit("no model found: train one with `make train` or pass a path")
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        source = scratch / "a4.png"
        make_a4_page(source)
        print(
            f"A4 page {A4_300_DPI[1]}×{A4_300_DPI[0]} px, {os.cpu_count()} CPUs, "
            f"median of {args.runs} runs"
        )
        print(
            f"{'model':<16} {'end-to-end MP/s':>16} {'bare session MP/s':>18} "
            f"{'engine overhead':>16} {'peak RSS MB':>12}"
        )
        results = {}
        for model in models:
            result = results[model.stem] = bench_model(model, source, scratch, args.runs)
            print(
                f"{model.stem:<16} {result['e2e_mps']:>16.2f} {result['bare_mps']:>18.2f} "
                f"{result['overhead']:>15.1%} {result['peak_mb']:>12.0f}"
            )
        if len(results) > 1:
            first, *others = results
            for other in others:
                ratio = results[first]["e2e_mps"] / results[other]["e2e_mps"]
                print(f"{first} is {ratio:.2f}× the end-to-end throughput of {other}")


if __name__ == "__main__":
    main()
