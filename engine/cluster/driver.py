"""The driver: joins Ray, sizes the actor pool, runs the stages over the planned files and
writes one manifest record per file as it comes back.

Ray is imported inside functions (`import_ray`), so this module imports without it.
"""

import itertools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.cluster.errors import ClusterError
from engine.cluster.manifest import FileRecord, Manifest, output_settings
from engine.cluster.planning import PlannedFile, pending_files, plan_files
from engine.cluster.stages import CleanStage, read_stage, write_stage
from engine.cluster.storage import Store, open_store
from engine.denoiser import Denoiser, default_session_options
from engine.io import OutputMode, remove_stale_parts
from engine.options import BATCH_SIZE
from engine.precision import Precision, model_for_precision
from engine.resources import default_model_path

INSTALL_HINT = "install the cluster extra: pip install docclean[cluster]"
# Files per Ray Dataset. Each file is one block (the finest streaming and balance, and
# records come back file by file); chunks bound the driver's memory and the block count.
CHUNK_FILES = 20_000

Device = Literal["auto", "cpu", "gpu"]


@dataclass(frozen=True)
class WorkerPlan:
    """How many inference actors, with what share of the cluster each."""

    workers: int
    threads: int  # ONNX Runtime threads per actor (on CPU, one session each)
    cpus_per_worker: float
    gpus_per_worker: float
    io_tasks: int  # concurrent read and write tasks (each stage)

    @property
    def device(self) -> str:
        return "gpu" if self.gpus_per_worker else "cpu"


@dataclass(frozen=True)
class ClusterSummary:
    cleaned: int
    skipped: int  # done by an earlier run with the same model (the manifest says so)
    failed: int
    ignored: int  # non-image files met in the input folder
    pages: int
    megapixels: float
    seconds: float
    manifest: str
    model: str  # `Denoiser.describe()`
    workers: WorkerPlan
    failures: list[FileRecord] = field(default_factory=list)

    @property
    def megapixels_per_second(self) -> float:
        return self.megapixels / self.seconds if self.seconds > 0 else 0.0


def plan_workers(
    cpus: float,
    gpus: float = 0,
    workers: int = 0,
    threads: int = 0,
    device: Device = "auto",
    cuda_available: bool = False,
) -> WorkerPlan:
    """Size the actor pool so that it fits the cluster: actors × threads ≈ CPUs.

    GPU actors (one GPU each) where the cluster has GPUs and ONNX Runtime has CUDA, CPU
    actors otherwise. Read and write tasks reserve no CPU: they are short, and a pool that
    reserved every CPU would otherwise leave them none (Ray Data would wait forever).
    """
    if cpus < 1:
        raise ClusterError("the Ray cluster has no CPU")
    if device == "gpu" and gpus < 1:
        raise ClusterError("--device gpu, but the Ray cluster has no GPU")
    use_gpu = device == "gpu" or (device == "auto" and gpus >= 1 and cuda_available)
    io_tasks = max(2, int(cpus))
    if use_gpu:
        workers = workers or int(gpus)
        threads = threads or 1
        gpu_share = min(1.0, gpus / workers)
        return WorkerPlan(workers, threads, min(threads, cpus / workers), gpu_share, io_tasks)
    workers = workers or max(1, int(cpus))
    threads = threads or max(1, int(cpus) // workers)
    return WorkerPlan(workers, threads, min(threads, cpus / workers), 0.0, io_tasks)


def import_ray() -> Any:
    """The `ray` module (with Ray Data), or a `ClusterError` that says how to install it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None
    return ray


def connect(address: str | None = None, num_cpus: int | None = None, quiet: bool = False) -> Any:
    """Join the Ray cluster at `address` ("auto", "ray://host:10001"…), or start a local
    Ray instance (this machine's CPUs, or `num_cpus`) when there is none."""
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(
            address=address or "local",
            num_cpus=None if address else num_cpus,
            include_dashboard=False if not address else None,
            logging_level=logging.WARNING if quiet else logging.INFO,
        )
    if quiet:
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    return ray


def _cuda_available() -> bool:
    import onnxruntime

    return "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def _build_dataset(
    ray: Any,
    files: Sequence[PlannedFile],
    source: Store,
    target: Store,
    model: Denoiser,
    workers: WorkerPlan,
    mode: OutputMode,
    as_positive: bool,
) -> Any:
    rows = [
        {
            "source": item.source,
            "target": item.target,
            "status": "",
            "reason": "",
            "seconds": 0.0,
            "pages": 0,
            "megapixels": 0.0,
            "data": b"",
            "meta": "",
        }
        for item in files
    ]
    io_pool = ray.data.TaskPoolStrategy(size=min(workers.io_tasks, len(rows)))
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    dataset = dataset.map(
        read_stage, fn_kwargs={"store": source, "mode": mode}, num_cpus=0, compute=io_pool
    )
    dataset = dataset.map(
        CleanStage,
        fn_constructor_kwargs={
            "model_name": model.model_path.name,
            "model_files": {path.name: path.read_bytes() for path in model.files()},
            "threads": workers.threads,
            "batch_size": model.batch_size,
            "mode": mode,
            "use_gpu": workers.device == "gpu",
            "as_positive": as_positive,
        },
        compute=ray.data.ActorPoolStrategy(size=min(workers.workers, len(rows))),
        num_cpus=workers.cpus_per_worker,
        num_gpus=workers.gpus_per_worker or None,
    )
    return dataset.map(
        write_stage, fn_kwargs={"store": target, "mode": mode}, num_cpus=0, compute=io_pool
    )


def run_cluster(
    input_uri: str,
    output_uri: str,
    model: Path | None = None,
    mode: OutputMode = "gray",
    output_format: str = "same",
    workers: int = 0,
    threads: int = 0,
    batch_size: int = BATCH_SIZE,
    device: Device = "auto",
    overwrite: bool = False,
    address: str | None = None,
    progress: bool = True,
    precision: Precision = "auto",
    as_positive: bool = False,
) -> Iterator[FileRecord | ClusterSummary]:
    """Clean every image under `input_uri` into `output_uri` on Ray; yield a `FileRecord`
    per file as it finishes, then a `ClusterSummary`.

    Locations are local paths or URIs that pyarrow understands (s3://, gs://, file://…).
    The model and the locations are checked first (`ModelError`, `ClusterError`), then Ray
    is joined (`connect`, unless this process is already connected). Each record is in the
    manifest before it is yielded. `precision` "auto" picks the model's INT8 version where
    this machine's CPU runs it fast (the workers then run it too). `as_positive`: negative
    pages are written black on white.
    """
    started = time.perf_counter()
    path = model_for_precision(model or default_model_path(), precision)
    denoiser = Denoiser(path, default_session_options(1), None, batch_size)
    import_ray()  # before pyarrow, which comes with it
    remote = "://" in input_uri or "://" in output_uri
    source, target = open_store(input_uri, remote), open_store(output_uri, remote)
    ray = connect(address, quiet=not progress)
    ray.data.DataContext.get_current().enable_progress_bars = progress
    resources = ray.cluster_resources()
    cuda = device != "cpu" and resources.get("GPU", 0) >= 1 and _cuda_available()
    plan_of_workers = plan_workers(
        resources.get("CPU", 0), resources.get("GPU", 0), workers, threads, device, cuda
    )
    plan = plan_files(source, target, output_format)
    manifest = Manifest(target)
    totals = Totals()
    with manifest:
        settings = output_settings(mode, as_positive)
        finished = manifest.finished(denoiser.sha256, settings)
        todo, skipped = pending_files(plan.files, source, target, finished, overwrite)
        if target.is_local:  # hidden parts that a killed run's writers left
            for folder in {Path(item.target).parent for item in plan.files}:
                remove_stale_parts(folder)
        refused = (
            FileRecord(uri, "", "failed", reason, denoiser.sha256, 0.0, settings=settings)
            for uri, reason in plan.refused
        )
        cleaned = _clean_files(
            ray, todo, source, target, denoiser, plan_of_workers, mode, as_positive, settings
        )
        for record in itertools.chain(refused, cleaned):
            manifest.write(record)
            totals.add(record)
            yield record
    yield ClusterSummary(
        cleaned=totals.cleaned,
        skipped=skipped,
        failed=len(totals.failures),
        ignored=plan.ignored,
        pages=totals.pages,
        megapixels=totals.megapixels,
        seconds=time.perf_counter() - started,
        manifest=manifest.uri,
        model=denoiser.describe(),
        workers=plan_of_workers,
        failures=totals.failures,
    )


@dataclass
class Totals:
    cleaned: int = 0
    pages: int = 0
    megapixels: float = 0.0
    failures: list[FileRecord] = field(default_factory=list)

    def add(self, record: FileRecord) -> None:
        if record.status == "done":
            self.cleaned += 1
            self.pages += record.pages
            self.megapixels += record.megapixels
        else:
            self.failures.append(record)


def _clean_files(
    ray: Any,
    files: Sequence[PlannedFile],
    source: Store,
    target: Store,
    model: Denoiser,
    workers: WorkerPlan,
    mode: OutputMode,
    as_positive: bool,
    settings: str,
) -> Iterator[FileRecord]:
    """Run the pipeline over `files`, one Ray Dataset per chunk; a record per file, noting
    the `output_settings` it was cleaned with."""
    for start in range(0, len(files), CHUNK_FILES):
        chunk = files[start : start + CHUNK_FILES]
        dataset = _build_dataset(ray, chunk, source, target, model, workers, mode, as_positive)
        yield from _records(dataset, source, target, model.sha256, settings)


def _records(
    dataset: Any, source: Store, target: Store, sha256: str, settings: str
) -> Iterator[FileRecord]:
    for row in dataset.iter_rows():
        yield FileRecord(
            input=source.uri(row["source"]),
            output=target.uri(row["target"]),
            status=row["status"],
            reason=row["reason"],
            model_sha256=sha256,
            seconds=round(float(row["seconds"]), 4),
            pages=int(row["pages"]),
            megapixels=round(float(row["megapixels"]), 6),
            settings=settings,
        )


def clean_on_ray(input_uri: str, output_uri: str, **options: Any) -> ClusterSummary:
    """`run_cluster` to the end; returns its summary (options as for `run_cluster`)."""
    for item in run_cluster(input_uri, output_uri, **options):
        if isinstance(item, ClusterSummary):
            return item
    raise RuntimeError("the cluster run ended without a summary")
