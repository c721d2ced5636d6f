"""Archive-scale cleaning on a Ray cluster with Ray Data (`docclean cluster`).

    list inputs (driver) ─▶ read and decode (Ray tasks) ─▶ clean (a pool of actors, each
    owning one Denoiser) ─▶ write (Ray tasks) ─▶ one manifest record per file (driver)

Every stage calls the engine's own functions (`plan_jobs`, `read_pages`, `clean_page`,
`to_uint8`, `write_pages`), so outputs are byte-identical to `docclean clean`. Failures stay
per file: each input gets a record in a JSON Lines manifest beside the outputs, and a re-run
skips the inputs already done with the same model. Ray and pyarrow are imported inside
functions, so `import engine.cluster` works without the `cluster` extra.
"""

import contextlib
import io
import itertools
import json
import logging
import os
import posixpath
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from engine.cleaning import clean_page
from engine.denoiser import Denoiser, default_session_options
from engine.errors import DocCleanError, FileError, UnreadableImageError
from engine.io import (
    OutputMode,
    Page,
    is_supported,
    read_pages,
    remove_stale_parts,
    to_uint8,
    write_pages,
)
from engine.models import default_model_path
from engine.pipeline import natural_key, output_path_for, plan_jobs

MANIFEST_NAME = "docclean-manifest.jsonl"
INSTALL_HINT = "install the cluster extra: pip install docclean[cluster]"
# On object storage the manifest is rewritten whole (objects cannot be appended to).
MANIFEST_UPLOAD_SECONDS = 60.0
# Files per Ray Dataset. Each file is one block (the finest streaming and balance, and
# records come back file by file); chunks bound the driver's memory and the block count.
CHUNK_FILES = 20_000

Device = Literal["auto", "cpu", "gpu"]
Status = Literal["done", "failed"]


class ClusterError(DocCleanError):
    """Ray is missing or the cluster cannot run the job (no GPU where one was asked for…)."""


@dataclass(frozen=True)
class FileRecord:
    """One manifest line: what happened to one input."""

    input: str
    output: str
    status: Status
    reason: str
    model_sha256: str
    seconds: float
    pages: int = 0
    megapixels: float = 0.0


@dataclass(frozen=True)
class WorkerPlan:
    """How many inference actors, with what share of the cluster each."""

    workers: int
    threads: int  # ONNX Runtime intra-op threads per actor
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


# ---------------------------------------------------------------------------------------
# Where files live: local paths, or a filesystem that pyarrow (and so Ray Data) supports.


@dataclass(frozen=True)
class Store:
    """A folder or file: a local path (`filesystem` None) or a path in a pyarrow filesystem."""

    root: str
    filesystem: Any = None  # pyarrow.fs.FileSystem
    scheme: str = ""

    @property
    def is_local(self) -> bool:
        return self.filesystem is None

    def uri(self, path: str) -> str:
        return path if self.is_local else f"{self.scheme}://{path}"

    def join(self, relative: str) -> str:
        if self.is_local:
            return str(Path(self.root) / relative)
        return posixpath.join(self.root, relative)


def open_store(location: str, as_uri: bool = False) -> Store:
    """A local path, or (for `scheme://…`, or any location with `as_uri`) a pyarrow path."""
    if "://" not in location and not as_uri:
        return Store(str(Path(location).absolute()))
    from pyarrow import fs as arrow_fs

    if "://" not in location:
        location = Path(location).absolute().as_uri()
    try:
        filesystem, path = arrow_fs.FileSystem.from_uri(location)
    except (ValueError, OSError) as error:  # unknown scheme, no credentials…
        raise ClusterError(f"cannot open {location}: {error}") from None
    return Store(path.rstrip("/") or path, filesystem, location.split("://", 1)[0])


@dataclass(frozen=True)
class PlannedFile:
    source: str
    target: str


@dataclass
class Plan:
    files: list[PlannedFile]
    refused: list[tuple[str, str]]  # (input URI, reason): counted as failed
    ignored: int


def plan_files(source: Store, target: Store, output_format: str = "same") -> Plan:
    """Inputs and their outputs, named as `docclean clean` names them."""
    if source.is_local and target.is_local:
        jobs, rejected = plan_jobs(
            [Path(source.root)], Path(target.root), output_format=output_format
        )
        return Plan(
            [PlannedFile(str(job.source), str(job.output)) for job in jobs],
            [(str(item.path), item.reason) for item in rejected if not item.ignorable],
            sum(item.ignorable for item in rejected),
        )
    return _plan_arrow_files(source, target, output_format)


def _plan_arrow_files(source: Store, target: Store, output_format: str) -> Plan:
    """`plan_jobs` for a pyarrow filesystem: hidden files, the output folder and non-images
    are left out; folders keep their layout; no two inputs share an output."""
    from pyarrow import fs as arrow_fs

    info = source.filesystem.get_file_info(source.root)
    if info.type == arrow_fs.FileType.NotFound:
        return Plan([], [(source.uri(source.root), "not found")], 0)
    if info.type == arrow_fs.FileType.File:
        base, relatives = posixpath.dirname(source.root), [posixpath.basename(source.root)]
    else:
        base = source.root
        selector = arrow_fs.FileSelector(source.root, recursive=True)
        entries = source.filesystem.get_file_info(selector)
        relatives = [
            posixpath.relpath(entry.path, base)
            for entry in entries
            if entry.type == arrow_fs.FileType.File
        ]
    inside_output = (
        posixpath.relpath(target.root, base) + "/"
        if target.scheme == source.scheme and (target.root + "/").startswith(base + "/")
        else None
    )
    plan = Plan([], [], 0)
    outputs: dict[str, str] = {}
    for relative in sorted(relatives, key=lambda name: natural_key(name)):
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        if inside_output and relative.startswith(inside_output):
            continue
        if not is_supported(Path(relative)):
            plan.ignored += 1
            continue
        input_path = posixpath.join(base, relative)
        output_name = output_path_for(Path(relative), Path(), Path(), output_format).as_posix()
        output_path = target.join(output_name)
        if output_path == input_path and target.scheme == source.scheme:
            plan.refused.append((source.uri(input_path), "its output would overwrite the input"))
        elif output_path in outputs:
            reason = f"{outputs[output_path]} is already written to {target.uri(output_path)}"
            plan.refused.append((source.uri(input_path), reason))
        else:
            outputs[output_path] = posixpath.basename(input_path)
            plan.files.append(PlannedFile(input_path, output_path))
    return plan


def existing_files(store: Store) -> set[str]:
    """Every file under `store.root` (one listing, not one query per output)."""
    if store.is_local:
        found = set()
        for folder, _, names in os.walk(store.root):
            found.update(os.path.join(folder, name) for name in names)
        return found
    from pyarrow import fs as arrow_fs

    selector = arrow_fs.FileSelector(store.root, recursive=True, allow_not_found=True)
    entries = store.filesystem.get_file_info(selector)
    return {entry.path for entry in entries if entry.type == arrow_fs.FileType.File}


def _upload(store: Store, local: Path, path: str) -> None:
    """Copy a local file to `path`: to a hidden temporary object first, then moved into
    place, so the object appears complete or not at all."""
    folder, name = posixpath.split(path)
    temporary = posixpath.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    store.filesystem.create_dir(folder, recursive=True)
    try:
        with store.filesystem.open_output_stream(temporary) as stream, open(local, "rb") as file:
            shutil.copyfileobj(file, stream, 1 << 20)
        store.filesystem.move(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):  # it may never have been created
            store.filesystem.delete_file(temporary)
        raise


def _download(store: Store, path: str, local: Path) -> None:
    with store.filesystem.open_input_stream(path) as stream, open(local, "wb") as file:
        shutil.copyfileobj(stream, file, 1 << 20)


# ---------------------------------------------------------------------------------------
# The manifest: one JSON line per input and run; the last line for an input wins.


class Manifest:
    """`docclean-manifest.jsonl` beside the outputs; use it inside `with manifest:`.

    Local: appended and flushed line by line, so a killed run loses nothing it finished.
    Object storage (objects cannot be appended to): a local copy is appended to and
    uploaded whole every `MANIFEST_UPLOAD_SECONDS` and at the end.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = store.join(MANIFEST_NAME)
        self.uri = store.uri(self.path)
        self._file: io.TextIOWrapper | None = None
        self._local = Path(self.path)
        self._uploaded = 0.0

    def __enter__(self) -> "Manifest":
        if self.store.is_local:
            self._local.parent.mkdir(parents=True, exist_ok=True)
        else:
            handle, name = tempfile.mkstemp(prefix="docclean-manifest-", suffix=".jsonl")
            os.close(handle)
            self._local = Path(name)
            with contextlib.suppress(FileNotFoundError):
                _download(self.store, self.path, self._local)
            self._uploaded = time.monotonic()
        unfinished_line = _last_byte(self._local) not in (b"", b"\n")  # a killed run's
        self._file = open(self._local, "a", encoding="utf-8")
        if unfinished_line:
            self._file.write("\n")
        return self

    def finished(self, model_sha256: str) -> dict[str, str]:
        """Input → output of every input whose last record says "done" with this model
        (lines a killed run cut short are ignored)."""
        finished: dict[str, str] = {}
        if not self._local.is_file():
            return finished
        with open(self._local, encoding="utf-8") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                    name, status, sha = record["input"], record["status"], record["model_sha256"]
                except (ValueError, TypeError, KeyError):
                    continue
                if status == "done" and sha == model_sha256:
                    finished[name] = record.get("output")
                else:
                    finished.pop(name, None)
        return finished

    def write(self, record: FileRecord) -> None:
        if self._file is None:
            raise RuntimeError("open the manifest with `with manifest:` before writing")
        self._file.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self._file.flush()
        if not self.store.is_local and time.monotonic() - self._uploaded > MANIFEST_UPLOAD_SECONDS:
            self._upload()

    def _upload(self) -> None:
        _upload(self.store, self._local, self.path)
        self._uploaded = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        if self._file is None:
            return
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        if not self.store.is_local:
            try:
                self._upload()
            finally:
                self._local.unlink(missing_ok=True)


def _last_byte(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            if file.tell() == 0:
                return b""
            file.seek(-1, os.SEEK_END)
            return file.read(1)
    except FileNotFoundError:
        return b""


def pending_files(
    files: Sequence[PlannedFile],
    source: Store,
    target: Store,
    finished: dict[str, str],
    overwrite: bool = False,
) -> tuple[list[PlannedFile], int]:
    """Files still to clean, and how many an earlier run finished: done with this model
    (`Manifest.finished`), into the same output, and that output still there."""
    if overwrite or not finished:
        return list(files), 0
    existing = existing_files(target)
    todo = [
        item
        for item in files
        if finished.get(source.uri(item.source)) != target.uri(item.target)
        or item.target not in existing
    ]
    return todo, len(files) - len(todo)


# ---------------------------------------------------------------------------------------
# The Ray Data stages. Rows are plain values: paths, a status, timings, and pages packed
# as one .npz blob (any number of pages, any size, uint8 or uint16).


def _pack(pages: Sequence[np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, *pages)
    return buffer.getvalue()


def _unpack(data: bytes) -> list[np.ndarray]:
    with np.load(io.BytesIO(data)) as archive:
        return [archive[f"arr_{index}"] for index in range(len(archive.files))]


def _failure(error: BaseException) -> str:
    if isinstance(error, FileError):
        return error.reason
    if isinstance(error, MemoryError):
        return "not enough memory for this page"
    return f"unexpected error: {error}"


def _timed_stage(row: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one stage on a row unless an earlier stage failed it; failures stay in the row."""
    if row["status"]:
        return row
    started = time.perf_counter()
    try:
        row.update(work())
    except Exception as error:  # a batch never dies on one file
        row.update(status="failed", reason=_failure(error), data=b"")
    row["seconds"] += time.perf_counter() - started
    return row


def _read_pages(store: Store, path: str) -> list[Page]:
    if store.is_local:
        return list(read_pages(Path(path)))
    with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
        local = Path(folder) / posixpath.basename(path)
        try:
            _download(store, path, local)
        except OSError as error:
            raise UnreadableImageError(local.name, f"cannot read: {error}") from None
        return list(read_pages(local))


def read_stage(row: dict[str, Any], store: Store) -> dict[str, Any]:
    """Ray task: decode every page of one input."""

    def work() -> dict[str, Any]:
        pages = _read_pages(store, row["source"])
        meta = {
            "dpi": [page.dpi for page in pages],
            "sizes_pt": [page.size_pt for page in pages],
        }
        return {"data": _pack([page.pixels for page in pages]), "meta": json.dumps(meta)}

    return _timed_stage(row, work)


class CleanStage:
    """Ray actor: owns one `Denoiser` (one ONNX Runtime session) for its whole life.

    The model travels as bytes (with its card), so workers need no copy of the model file.
    """

    def __init__(
        self,
        model_name: str,
        model_bytes: bytes,
        card_text: str | None,
        threads: int,
        batch_size: int,
        mode: OutputMode,
        use_gpu: bool,
    ) -> None:
        import onnxruntime

        providers = None
        if use_gpu:
            if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
                raise ClusterError(
                    "this worker's onnxruntime has no CUDA provider: install onnxruntime-gpu "
                    "on the GPU nodes, or run with --device cpu"
                )
            providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        with tempfile.TemporaryDirectory(prefix="docclean-model-") as folder:
            path = Path(folder) / model_name
            path.write_bytes(model_bytes)
            if card_text is not None:
                path.with_suffix(".json").write_text(card_text, encoding="utf-8")
            options = default_session_options(threads)
            self.denoiser = Denoiser(path, options, providers, batch_size)
        self.mode = mode

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        def work() -> dict[str, Any]:
            pages = _unpack(row["data"])
            dpis = json.loads(row["meta"])["dpi"]
            cleaned = []
            for pixels, dpi in zip(pages, dpis, strict=True):
                page_dpi = tuple(dpi) if dpi else None
                cleaned.append(to_uint8(clean_page(pixels, self.denoiser, page_dpi), self.mode))
            megapixels = sum(page.size for page in pages) / 1e6
            return {"data": _pack(cleaned), "pages": len(pages), "megapixels": megapixels}

        return _timed_stage(row, work)


def _write_pages(
    store: Store,
    path: str,
    pages: Sequence[np.ndarray],
    dpi: tuple[float, float] | None,
    mode: OutputMode,
    sizes: Sequence[tuple[float, float] | None],
) -> None:
    if store.is_local:
        write_pages(Path(path), pages, dpi, mode, sizes)
        return
    with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
        local = Path(folder) / posixpath.basename(path)
        write_pages(local, pages, dpi, mode, sizes)
        try:
            _upload(store, local, path)
        except OSError as error:
            raise FileError(path, f"cannot write: {error}") from None


def write_stage(row: dict[str, Any], store: Store, mode: OutputMode) -> dict[str, Any]:
    """Ray task: write one cleaned file atomically, with the input's DPI and page sizes."""

    def work() -> dict[str, Any]:
        meta = json.loads(row["meta"])
        dpi = next((tuple(dpi) for dpi in meta["dpi"] if dpi), None)
        sizes = [tuple(size) if size else None for size in meta["sizes_pt"]]
        _write_pages(store, row["target"], _unpack(row["data"]), dpi, mode, sizes)
        return {"status": "done"}

    row = _timed_stage(row, work)
    row.update(data=b"", meta="")  # only the record goes back to the driver
    return row


# ---------------------------------------------------------------------------------------
# The driver.


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
) -> Any:
    card = model.model_path.with_suffix(".json")
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
    dataset = dataset.map(read_stage, fn_kwargs={"store": source}, num_cpus=0, compute=io_pool)
    dataset = dataset.map(
        CleanStage,
        fn_constructor_kwargs={
            "model_name": model.model_path.name,
            "model_bytes": model.model_path.read_bytes(),
            "card_text": card.read_text(encoding="utf-8") if card.is_file() else None,
            "threads": workers.threads,
            "batch_size": model.batch_size,
            "mode": mode,
            "use_gpu": workers.device == "gpu",
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
    batch_size: int = 4,
    device: Device = "auto",
    overwrite: bool = False,
    address: str | None = None,
    progress: bool = True,
) -> Iterator[FileRecord | ClusterSummary]:
    """Clean every image under `input_uri` into `output_uri` on Ray; yield a `FileRecord`
    per file as it finishes, then a `ClusterSummary`.

    Locations are local paths or URIs that pyarrow understands (s3://, gs://, file://…).
    The model and the locations are checked first (`ModelError`, `ClusterError`), then Ray
    is joined (`connect`, unless this process is already connected). Each record is in the
    manifest before it is yielded.
    """
    started = time.perf_counter()
    denoiser = Denoiser(model or default_model_path(), default_session_options(1), None, batch_size)
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
        finished = manifest.finished(denoiser.sha256)
        todo, skipped = pending_files(plan.files, source, target, finished, overwrite)
        if target.is_local:  # hidden parts that a killed run's writers left
            for folder in {Path(item.target).parent for item in plan.files}:
                remove_stale_parts(folder)
        refused = (
            FileRecord(uri, "", "failed", reason, denoiser.sha256, 0.0)
            for uri, reason in plan.refused
        )
        cleaned = _clean_files(ray, todo, source, target, denoiser, plan_of_workers, mode)
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
) -> Iterator[FileRecord]:
    """Run the pipeline over `files`, one Ray Dataset per chunk; a record per file."""
    for start in range(0, len(files), CHUNK_FILES):
        chunk = files[start : start + CHUNK_FILES]
        dataset = _build_dataset(ray, chunk, source, target, model, workers, mode)
        yield from _records(dataset, source, target, model.sha256)


def _records(dataset: Any, source: Store, target: Store, sha256: str) -> Iterator[FileRecord]:
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
        )


def clean_on_ray(input_uri: str, output_uri: str, **options: Any) -> ClusterSummary:
    """`run_cluster` to the end; returns its summary (options as for `run_cluster`)."""
    for item in run_cluster(input_uri, output_uri, **options):
        if isinstance(item, ClusterSummary):
            return item
    raise RuntimeError("the cluster run ended without a summary")
