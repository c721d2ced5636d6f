"""`make bench`, cluster part: `docclean cluster` next to the local pipeline, same pages.

Both run in this process on the same pages (small real scans, then A4 pages at 300 dpi
made of real scans): the local pipeline (`clean_jobs`, what `docclean clean` runs) with one
thread and with the physical cores, and the cluster path (`run_cluster` on a local Ray
instance with this machine's CPUs) with one worker and with one worker per CPU.

Whole-run throughput includes planning and starting the actors; steady throughput is what
each page beyond the first costs (whole run minus a one-page run), which is what a long job
sees. Wall clock, and megapixels per CPU-second (local: this process; cluster: this process
and the whole local Ray instance), which is what a dedicated worker core would clean each
second, whatever else runs here. Medians of several runs, variants interleaved; every run
cleans every page again.
"""

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from engine.cluster import FileRecord, import_ray, run_cluster
from engine.denoiser import Denoiser
from engine.events import FileFailed
from engine.parallel import physical_cores
from engine.pipeline import clean_jobs, plan_jobs
from engine.precision import model_for_precision
from engine.resources import default_model_path

DDD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ddd"


def copy_pages(folder: Path, count: int) -> float:
    """Copy `count` real noisy scans into `folder`; returns their megapixels."""
    from PIL import Image

    sources = sorted((DDD / "train").glob("*.png")) + sorted((DDD / "test").glob("*.png"))
    if len(sources) < count:
        sys.exit(f"need {count} pages in {DDD}, found {len(sources)}")
    megapixels = 0.0
    for source in sources[:count]:
        shutil.copy(source, folder / source.name)
        with Image.open(source) as image:
            megapixels += image.width * image.height / 1e6
    return megapixels


def process_tree_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of this process and each of its descendants: the local
    Ray instance and its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    seconds: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone since the listing
        fields = stat.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    tree, stack = {}, [os.getpid()]
    while stack:
        pid = stack.pop()
        tree[pid] = seconds.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return tree


class CpuMeter:
    """CPU seconds that this process and its descendants use inside `with`. Sampled every
    0.2 s, so workers that end in between count up to their last sample; the sampling
    thread's own CPU time is left out."""

    def __enter__(self) -> "CpuMeter":
        self.start = process_tree_cpu()
        self.last = dict(self.start)
        self.sampler_seconds = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.2):
            self.last.update(process_tree_cpu())
        self.sampler_seconds = time.thread_time()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.last.update(process_tree_cpu())
        used = sum(value - self.start.get(pid, 0.0) for pid, value in self.last.items())
        self.seconds = used - self.sampler_seconds


def local_run(pages: Path, output: Path, model: Path, threads: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the local pipeline on every page, with the precision
    `docclean clean` and the cluster path run by default (`engine.precision`)."""
    denoiser = Denoiser(model_for_precision(model), threads=threads)  # as `docclean clean`
    jobs, _ = plan_jobs([pages], output)
    started, cpu = time.perf_counter(), time.process_time()
    for event in clean_jobs(jobs, denoiser, overwrite=True):
        if isinstance(event, FileFailed):
            raise RuntimeError(f"{event.path}: {event.reason}")
    return time.perf_counter() - started, time.process_time() - cpu


def cluster_run(pages: Path, output: Path, model: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the driver and the Ray instance) of a whole
    `run_cluster` call, the actors' start included."""
    started = time.perf_counter()
    with CpuMeter() as cpu:
        items = run_cluster(
            str(pages),
            str(output),
            model,
            workers=workers,
            threads=1,
            overwrite=True,
            progress=False,
        )
        for item in items:
            if isinstance(item, FileRecord) and item.status != "done":
                raise RuntimeError(f"{item.input}: {item.reason}")
    return time.perf_counter() - started, cpu.seconds


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)


def make_a4_pages(folder: Path, count: int) -> float:
    """`count` A4 pages at 300 dpi made of real scans (`benchmarks.speed.make_page`)."""
    from benchmarks.speed import A4_300_DPI, make_page

    for index in range(count):
        make_page(folder / f"a4-{index}.png")
    return count * A4_300_DPI[0] * A4_300_DPI[1] / 1e6


def bench_pages(
    name: str, make: Callable[[Path, int], float], count: int, model: Path, runs: int
) -> None:
    """Time every variant on `count` pages (and on one page, for the fixed costs); print."""
    cpus, cores = os.cpu_count() or 1, physical_cores()
    with tempfile.TemporaryDirectory(prefix="docclean-bench-") as folder:
        scratch = Path(folder)
        pages, one_page = scratch / "pages", scratch / "one-page"
        pages.mkdir()
        one_page.mkdir()
        megapixels, first_page = make(pages, count), make(one_page, 1)
        local = {threads: [] for threads in sorted({1, cores})}
        cluster = {workers: ([], []) for workers in sorted({1, cpus})}
        for _ in range(runs):  # interleaved, so load changes hit every variant
            for threads, times in local.items():
                times.append(local_run(pages, scratch / "local", model, threads))
            for workers, (whole, fixed) in cluster.items():
                whole.append(cluster_run(pages, scratch / "cluster", model, workers))
                fixed.append(cluster_run(one_page, scratch / "one", model, workers))
    print(f"\n{count} {name} ({megapixels:.1f} MP)")
    print(f"{'':<46} {'wall clock':>12} {'per CPU-second':>15}")
    rates = {}
    for threads, times in local.items():
        wall, cpu = median(times)
        rates["local", threads] = megapixels / wall
        label = f"local pipeline (docclean clean), {threads} thread(s)"
        print(f"{label:<46} {megapixels / wall:7.2f} MP/s {megapixels / cpu:11.2f} MP")
    for workers, (whole, fixed) in cluster.items():
        (wall, cpu), (fixed_wall, fixed_cpu) = median(whole), median(fixed)
        # Steady: what each page beyond the first costs, so start-up drops out.
        steady_wall = (megapixels - first_page) / max(wall - fixed_wall, 1e-9)
        steady_cpu = (megapixels - first_page) / max(cpu - fixed_cpu, 1e-9)
        rates["whole", workers], rates["steady", workers] = megapixels / wall, steady_wall
        label = f"cluster, {workers} worker(s) × 1 thread, whole run"
        print(f"{label:<46} {megapixels / wall:7.2f} MP/s {megapixels / cpu:11.2f} MP")
        label = f"cluster, {workers} worker(s) × 1 thread, steady"
        print(f"{label:<46} {steady_wall:7.2f} MP/s {steady_cpu:11.2f} MP")
        print(f"  (a one-page run: {fixed_wall:.1f} s, {fixed_cpu:.1f} CPU-seconds)")
    workers = max(cluster)
    threads = max(local, key=lambda threads: rates["local", threads])
    print(
        f"cluster with {workers} workers / best local ({threads} thread(s)), wall clock: "
        f"{rates['whole', workers] / rates['local', threads]:.2f} whole run, "
        f"{rates['steady', workers] / rates['local', threads]:.2f} steady"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=64, help="small real scans per run")
    parser.add_argument("--a4-pages", type=int, default=4, help="A4 pages per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args(argv)
    model = args.model or default_model_path()
    load = os.getloadavg()  # other work on the machine slows every variant
    ray = import_ray()
    with tempfile.TemporaryDirectory(prefix="docclean-ray-") as folder:
        started = time.perf_counter()
        ray.init(
            address="local",
            num_cpus=os.cpu_count() or 1,
            include_dashboard=False,
            logging_level=logging.WARNING,
            _temp_dir=folder,
        )
        print(
            f"{os.cpu_count()} CPUs ({physical_cores()} physical cores), "
            f"{model_for_precision(model).name} in both paths, median of {args.runs} "
            f"runs; local Ray instance started in {time.perf_counter() - started:.1f} s"
        )
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        try:
            bench_pages("real DDD scans", copy_pages, args.pages, model, args.runs)
            if args.a4_pages:
                bench_pages("A4 pages at 300 dpi", make_a4_pages, args.a4_pages, model, args.runs)
        finally:
            ray.shutdown()
    print(f"\nload average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
