"""`make bench`, engine part: end-to-end speed on an A4 page against the bare sessions.

For each model: megapixels per second end to end (read → tile → infer → stitch → write), in
memory (tile → infer → stitch, no files), and for the bare ONNX Runtime sessions (side by
side, as the engine runs them) on exactly the same tiles. Tiling overhead = in memory vs
bare sessions; file I/O share = what PNG decoding and encoding add end to end. Also the
peak resident memory of a `docclean clean` process, the batch size sweep, a batch read
ahead against one file after another, colour mode's cost over grey mode (on a page of large
text, which the engine reduces before the network, and on one of text at a scan's own
scale), and the start-up of `docclean clean` on one small page. Issue 16's own measure: a
batch of 6 A4 pages of large text in one `docclean clean` process, start to exit, for the
shipped model (as run by default, and in float) against the seed. Where the shipped model's
time goes: decode, page preparation, inference, tiling and stitching, encode. And a
classical tool's speed through the same reading and writing: background division (the
engine's paper division alone). Medians of several runs, models interleaved.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.cleaning import clean_output, clean_page
from engine.denoiser import Denoiser
from engine.events import FileDone
from engine.io import read_pages, write_pages
from engine.options import BATCH_SIZE, OutputMode
from engine.paper import normalised_8bit
from engine.pipeline import Job, clean_jobs, plan_jobs
from engine.precision import int8_path_for, model_for_precision
from engine.resources import default_model_path, resource_path
from engine.tiling import page_tile, plan_tiles

A4_300_DPI = (3508, 2480)  # height, width
SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ddd" / "test" / "1.png"


def make_page(path: Path, shape: tuple[int, int] = A4_300_DPI) -> None:
    """A page-sized scan: real noisy DDD pages stacked and scaled to `shape` (height, width)."""
    if SAMPLE.is_file():
        source = np.asarray(Image.open(SAMPLE).convert("L"))
        page = np.vstack([source] * 4)
        page = cv2.resize(page, shape[::-1], interpolation=cv2.INTER_CUBIC)
    else:
        rng = np.random.default_rng(0)
        page = rng.integers(150, 256, shape, dtype=np.uint8)
    # No DPI in the file: every model then runs on the same pixels (a model with a working
    # resolution would otherwise resample a 300 dpi page to it first).
    Image.fromarray(page).save(path)


def bare_session_seconds(denoiser: Denoiser, page: np.ndarray) -> float:
    """Time of the model's sessions alone (`Denoiser.run`, side by side) over the same
    batches of tiles the engine makes."""
    plan = plan_tiles(page.shape, denoiser.tile_shape, denoiser.margin, denoiser.alignment)
    offsets = list(plan.offsets())
    batches = []
    for start in range(0, len(offsets), denoiser.tiles_per_call):
        chunk = offsets[start : start + denoiser.tiles_per_call]
        batches.append(np.stack([page_tile(page, plan, o) for o in chunk]).astype(np.float32) / 255)
    started = time.perf_counter()
    for batch in batches:
        denoiser.run(batch)
    return time.perf_counter() - started


def end_to_end_seconds(
    denoiser: Denoiser, source: Path, output: Path, mode: OutputMode = "gray"
) -> float:
    started = time.perf_counter()
    events = list(clean_jobs([Job(source, output)], denoiser, mode=mode, overwrite=True))
    if not any(isinstance(event, FileDone) for event in events):
        raise RuntimeError(f"cleaning failed: {events}")
    return time.perf_counter() - started


# The child reads its own high-water mark: ru_maxrss would include the benchmark process's
# memory, which a forked child inherits until exec.
MEASURE_PEAK = (
    "import re, sys\n"
    "from pathlib import Path\n"
    "from engine.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = Path('/proc/self/status').read_text()\n"
    "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
    "sys.exit(code)\n"
)


def peak_memory_mb(model: Path, source: Path, output_dir: Path, *options: str) -> float:
    """Peak resident memory of a fresh process running `docclean clean` on the page (or
    folder), with `options` besides."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE_PEAK,
            "clean",
            str(source),
            "-o",
            str(output_dir),
            "--model",
            str(model),
            "--overwrite",
            "-q",
            *options,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.split()[-1]) / 1024  # Linux reports kilobytes


def in_memory_seconds(denoiser: Denoiser, page: np.ndarray) -> float:
    started = time.perf_counter()
    clean_page(page, denoiser)
    return time.perf_counter() - started


def bench_models(models: list[Path], source: Path, scratch: Path, runs: int) -> dict:
    """Time every model on the same page, interleaving models so load changes hit all."""
    page = np.asarray(Image.open(source).convert("L"))
    megapixels = page.size / 1e6
    denoisers = {model.stem: Denoiser(model) for model in models}
    times = {name: {"e2e": [], "memory": [], "bare": []} for name in denoisers}
    for name, denoiser in denoisers.items():
        end_to_end_seconds(denoiser, source, scratch / f"{name}-warm.png")  # warm-up
    for _ in range(runs):
        for name, denoiser in denoisers.items():
            times[name]["e2e"].append(end_to_end_seconds(denoiser, source, scratch / "out.png"))
            times[name]["memory"].append(in_memory_seconds(denoiser, page))
            times[name]["bare"].append(bare_session_seconds(denoiser, page))
    results = {}
    for model in models:
        median = {kind: statistics.median(values) for kind, values in times[model.stem].items()}
        results[model.stem] = {
            "e2e_mps": megapixels / median["e2e"],
            "memory_mps": megapixels / median["memory"],
            "bare_mps": megapixels / median["bare"],
            "tiling_overhead": (median["memory"] - median["bare"]) / median["bare"],
            "io_share": (median["e2e"] - median["memory"]) / median["e2e"],
            "peak_mb": peak_memory_mb(model, source, scratch / "mem", "--precision", "float"),
        }
    return results


def text_page(shape: tuple[int, int] = A4_300_DPI) -> np.ndarray:
    """A page of text at the data set's own scale (a real noisy page tiled): cleaned
    without resampling, so every tile of the page goes through the network."""
    source = np.asarray(Image.open(SAMPLE).convert("L"))
    rows, cols = -(-shape[0] // source.shape[0]), -(-shape[1] // source.shape[1])
    return np.tile(source, (rows, cols))[: shape[0], : shape[1]]


def make_text_page(path: Path, shape: tuple[int, int] = A4_300_DPI) -> None:
    """`text_page` as a file (random grey levels where the data is absent)."""
    if SAMPLE.is_file():
        page = np.ascontiguousarray(text_page(shape))
    else:
        page = np.random.default_rng(1).integers(150, 256, shape, dtype=np.uint8)
    Image.fromarray(page).save(path)


def start_up_seconds(model: Path, scratch: Path, runs: int) -> float:
    """Median wall time of a fresh `docclean clean` process on one small page."""
    page = scratch / "small.png"
    make_text_page(page, (258, 540))
    options = ["-o", str(scratch / "small"), "--model", str(model), "--overwrite", "-q"]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        command = [*docclean_command(), "clean", str(page), *options]
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def batch_sweep(model: Path, runs: int, sizes: tuple[int, ...] = (1, 2, 4, 8)) -> dict:
    """In-memory MP/s of a text page at each batch size (tiles per model call),
    interleaved; medians."""
    page = text_page()
    denoisers = {size: Denoiser(model, batch_size=size) for size in sizes}
    times: dict[int, list[float]] = {size: [] for size in sizes}
    for denoiser in denoisers.values():
        clean_page(page, denoiser)  # warm-up
    for _ in range(runs):
        for size, denoiser in denoisers.items():
            times[size].append(in_memory_seconds(denoiser, page))
    return {size: page.size / 1e6 / statistics.median(values) for size, values in times.items()}


def make_colour_page(grey: Path, path: Path) -> None:
    """The page `make_page` wrote, in colour: yellowed paper, and its text in blue, red and
    black bands."""
    levels = np.asarray(Image.open(grey), dtype=np.float32) / 255
    bands = np.array([(40, 60, 170), (190, 35, 35), (30, 30, 30)], np.float32)
    ink = bands[(np.arange(levels.shape[0]) * 3 // levels.shape[0])][:, None, :]
    paper = np.array([236, 222, 172], np.float32)
    page = levels[..., None] * paper * (1 - (1 - levels[..., None]) * (1 - ink / 255))
    Image.fromarray(np.clip(page + 0.5, 0, 255).astype(np.uint8)).save(path)


def colour_cost(model: Path, source: Path, scratch: Path, runs: int) -> dict[str, float]:
    """End-to-end seconds of one colour page in grey mode and in colour mode (medians,
    interleaved)."""
    denoiser = Denoiser(model)
    times: dict[str, list[float]] = {"gray": [], "color": []}
    for mode in times:
        end_to_end_seconds(denoiser, source, scratch / "warm.png", mode)
    for _ in range(runs):
        for mode, values in times.items():
            values.append(end_to_end_seconds(denoiser, source, scratch / "out.png", mode))
    return {mode: statistics.median(values) for mode, values in times.items()}


STAGES = ("decode", "page preparation", "inference", "tiling and stitching", "encode")


def time_breakdown(model: Path, source: Path, scratch: Path, runs: int) -> dict[str, float]:
    """Median seconds of each stage of cleaning `source` in grey mode, one after another as
    the engine runs them for one file: decode (`read_pages`), page preparation (the paper
    division the model asks for), inference (every `Denoiser.run` call of the cleaning),
    tiling and stitching (the rest of `clean_output`: cutting tiles, quantising and placing
    their kept pixels, measuring the strokes and any resampling) and encode (`write_pages`)."""
    denoiser = Denoiser(model)
    network = denoiser.run
    inference: list[float] = []

    def timed_run(tiles: np.ndarray) -> np.ndarray:
        started = time.perf_counter()
        result = network(tiles)
        inference.append(time.perf_counter() - started)
        return result

    denoiser.run = timed_run  # the real session, timed
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for run in range(runs + 1):  # the first run warms up
        started = time.perf_counter()
        page = next(read_pages(source))
        decoded = time.perf_counter()
        if denoiser.paper_normalised:
            normalised_8bit(page.pixels, 1 / 255)
        prepared = time.perf_counter()
        inference.clear()
        started_cleaning = time.perf_counter()
        cleaned = clean_output(page.pixels, denoiser, "gray", page.dpi)
        cleaning = time.perf_counter() - started_cleaning
        written = time.perf_counter()
        write_pages(scratch / "breakdown.png", [cleaned], page.dpi)
        if run == 0:
            continue
        times["decode"].append(decoded - started)
        times["page preparation"].append(prepared - decoded)
        times["inference"].append(sum(inference))
        rest = cleaning - sum(inference) - (prepared - decoded)
        times["tiling and stitching"].append(rest)
        times["encode"].append(time.perf_counter() - written)
    return {stage: statistics.median(values) for stage, values in times.items()}


def background_division_seconds(source: Path, output: Path) -> float:
    """A classical tool through the engine's own reading and writing: the page divided by
    its paper estimate (`engine.paper`), no network."""
    started = time.perf_counter()
    page = next(read_pages(source))
    write_pages(output, [normalised_8bit(page.pixels, 1 / 255)], page.dpi)
    return time.perf_counter() - started


def write_batch(folder: Path, page: np.ndarray, pages: int) -> None:
    """`pages` different PNG pages in `folder`: `page` shifted further each time."""
    for index in range(pages):
        Image.fromarray(np.roll(page, 97 * index, axis=1)).save(folder / f"page{index}.png")


# The batch pipeline's variants `pipeline_rates` times: (reading ahead, writing behind,
# output format).
PIPELINES = {
    "read ahead, written behind (the default)": (True, True, "png"),
    "read ahead, written in line": (True, False, "png"),
    "one file after another": (False, False, "png"),
    "the default, written as TIFF": (True, True, "tiff"),
    "the default, written as PDF": (True, True, "pdf"),
}


def pipeline_rates(model: Path, scratch: Path, runs: int, pages: int = 6) -> dict[str, float]:
    """MP/s end to end of a batch of `pages` A4 pages of text (PNG files, one call) for each
    of `PIPELINES` (interleaved, medians)."""
    folder = scratch / "batch"
    folder.mkdir(exist_ok=True)
    page = text_page()
    write_batch(folder, page, pages)
    denoiser = Denoiser(model)
    times: dict[str, list[float]] = {name: [] for name in PIPELINES}
    for _ in range(runs):
        for name, (read_ahead, write_behind, format) in PIPELINES.items():
            jobs, _ = plan_jobs([folder], scratch / "batch-out", output_format=format)
            started = time.perf_counter()
            events = clean_jobs(
                jobs, denoiser, overwrite=True, read_ahead=read_ahead, write_behind=write_behind
            )
            if sum(isinstance(event, FileDone) for event in events) != pages:
                raise RuntimeError("the batch did not clean every page")
            times[name].append(time.perf_counter() - started)
    megapixels = page.size * pages / 1e6
    return {name: megapixels / statistics.median(values) for name, values in times.items()}


def docclean_command() -> list[str]:
    script = Path(sys.executable).with_name("docclean")  # the command users run
    return [str(script)] if script.is_file() else [sys.executable, "-m", "engine"]


def batch_process_rates(
    runs_of: dict[str, list[str]], source: Path, scratch: Path, runs: int, pages: int = 6
) -> dict[str, float]:
    """MP/s of one `docclean clean` process over a folder of `pages` A4 pages (the page of
    `source`, shifted), whole process from start to exit, for each named set of options
    (model and precision), alternated; medians."""
    folder = scratch / "process-batch"
    folder.mkdir(exist_ok=True)
    page = np.asarray(Image.open(source))
    write_batch(folder, page, pages)
    times: dict[str, list[float]] = {name: [] for name in runs_of}
    for _ in range(runs):
        for name, options in runs_of.items():
            command = [*docclean_command(), "clean", str(folder), *options]
            started = time.perf_counter()
            subprocess.run(
                [*command, "-o", str(scratch / "process-out"), "--overwrite", "-q"],
                check=True,
                capture_output=True,
            )
            times[name].append(time.perf_counter() - started)
    megapixels = page.size * pages / 1e6
    return {name: megapixels / statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("models", nargs="*", type=Path)
    args = parser.parse_args(argv)
    shipped = default_model_path()
    candidates = (shipped, int8_path_for(shipped), resource_path("models/seed.onnx"))
    models = args.models or [path for path in candidates if path.is_file()]
    if not models:
        sys.exit("no model found: train one with `make train` or pass a path")
    # Where the time goes, batch sizes and colour mode: the first model as the engine runs it
    # by default here (the shipped model's INT8 version on a CPU with integer dot products),
    # or the first model passed, as it is.
    default = models[0] if args.models else model_for_precision(models[0])
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        source = scratch / "a4.png"
        make_page(source)
        print(
            f"A4 page {A4_300_DPI[1]}×{A4_300_DPI[0]} px, {os.cpu_count()} CPUs, "
            f"median of {args.runs} runs"
        )
        results = bench_models(models, source, scratch, args.runs)
        text_source = scratch / "a4-text.png"
        make_text_page(text_source)
        print(
            f"{'model':<16} {'end-to-end':>11} {'in memory':>11} {'bare session':>13} "
            f"{'tiling overhead':>16} {'file I/O share':>15} {'peak RSS':>9}"
        )
        for name, r in results.items():
            print(
                f"{name:<16} {r['e2e_mps']:>6.2f} MP/s {r['memory_mps']:>6.2f} MP/s "
                f"{r['bare_mps']:>8.2f} MP/s {r['tiling_overhead']:>16.1%} "
                f"{r['io_share']:>15.1%} {r['peak_mb']:>6.0f} MB"
            )
        megapixels = A4_300_DPI[0] * A4_300_DPI[1] / 1e6
        division = statistics.median(
            background_division_seconds(source, scratch / "division.png") for _ in range(args.runs)
        )
        print(f"background division (end to end, no network): {megapixels / division:.2f} MP/s")
        for text, page_path in (("large text", source), ("text at its scan's scale", text_source)):
            stages = time_breakdown(default, page_path, scratch, args.runs)
            total = sum(stages.values())
            print(
                f"where the time goes ({default.stem}, the A4 page of {text}, "
                f"{megapixels / total:.2f} MP/s): "
                + ", ".join(f"{stage} {seconds / total:.0%}" for stage, seconds in stages.items())
            )
        if SAMPLE.is_file():
            rates = batch_sweep(default, args.runs)
            best = max(rates, key=rates.__getitem__)
            print(
                f"batch size ({default.stem}, A4 of text at its own scale, in memory): "
                + ", ".join(f"{size}: {rate:.2f} MP/s" for size, rate in rates.items())
                + f"; best {best} (the engine's default: {BATCH_SIZE})"
            )
        if SAMPLE.is_file():
            rates = pipeline_rates(default, scratch, args.runs)
            print(
                f"batch of 6 A4 pages of text ({default.stem}): "
                + ", ".join(f"{name} {rate:.2f} MP/s" for name, rate in rates.items())
            )
        for text, grey in (("large text", source), ("text at its scan's scale", text_source)):
            colour_source = scratch / "a4-colour.png"
            make_colour_page(grey, colour_source)
            seconds = colour_cost(default, colour_source, scratch, args.runs)
            print(
                f"colour mode ({default.stem}, the A4 page of {text} in colour): "
                f"{seconds['color']:.2f} s against {seconds['gray']:.2f} s in grey mode end to "
                f"end, {seconds['color'] / seconds['gray'] - 1:+.0%}"
            )
        print(
            f"start-up: `docclean clean` on one small page in a fresh process, "
            f"{start_up_seconds(models[0], scratch, args.runs):.2f} s"
        )
        seed = resource_path("models/seed.onnx")
        if not args.models and shipped.is_file() and seed.is_file():
            rates = batch_process_rates(
                {
                    f"{shipped.stem} (as run by default: {default.stem})": [
                        "--model",
                        str(shipped),
                    ],
                    f"{shipped.stem} in float": ["--model", str(shipped), "--precision", "float"],
                    "seed": ["--model", str(seed)],
                },
                source,
                scratch,
                args.runs,
            )
            seed_rate = rates.pop("seed")
            print(
                "batch of 6 A4 pages of large text, one `docclean clean` process, start to "
                f"exit: seed {seed_rate:.2f} MP/s; "
                + "; ".join(
                    f"{name} {rate:.2f} MP/s, {rate / seed_rate:.2f}× the seed"
                    for name, rate in rates.items()
                )
            )
        *models_run, baseline = results
        for name in models_run:  # the last model (the seed) is the baseline
            ratio = results[name]["e2e_mps"] / results[baseline]["e2e_mps"]
            bare = results[name]["bare_mps"] / results[baseline]["bare_mps"]
            print(
                f"{name} is {ratio:.2f}× the end-to-end throughput of {baseline} "
                f"({bare:.2f}× bare session)"
            )


if __name__ == "__main__":
    main()
