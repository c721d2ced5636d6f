"""The Ray Data stages: read (Ray task), clean (Ray actor), write (Ray task).

Rows are plain values: paths, a status, timings, and pages packed as one .npz blob (any
number of pages, any size, uint8 or uint16). A failure stays in its row, so a batch never
dies on one file.
"""

import io
import json
import posixpath
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from engine.cleaning import clean_output
from engine.cluster.errors import ClusterError
from engine.cluster.storage import Store, download_file, upload_file
from engine.denoiser import Denoiser
from engine.errors import FileError, UnreadableImageError
from engine.events import run_to_end
from engine.io import (
    OutputMode,
    Page,
    first_dpi,
    grey_and_colour,
    page_files,
    read_pages,
    write_atomically,
    write_pages,
)
from engine.logs import failure_reason
from engine.memory import prepare_for
from engine.pdf_edit import edit_pdf


def _pack(pages: Sequence[np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, *pages)
    return buffer.getvalue()


def _unpack(data: bytes) -> list[np.ndarray]:
    with np.load(io.BytesIO(data)) as archive:
        return [archive[f"arr_{index}"] for index in range(len(archive.files))]


def _timed_stage(row: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one stage on a row unless an earlier stage failed it; failures stay in the row."""
    if row["status"]:
        return row
    started = time.perf_counter()
    try:
        row.update(work())
    except Exception as error:  # a batch never dies on one file
        row.update(status="failed", reason=failure_reason(error, "a cluster stage"), data=b"")
    row["seconds"] += time.perf_counter() - started
    return row


def _read_pages(store: Store, path: str, colour: bool) -> list[Page]:
    if store.is_local:
        return list(read_pages(Path(path), colour=colour))
    with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
        local = Path(folder) / posixpath.basename(path)
        try:
            download_file(store, path, local)
        except OSError as error:
            raise UnreadableImageError(local.name, f"cannot read: {error}") from None
        return list(read_pages(local, colour=colour))


def _is_pdf(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() == ".pdf"


def _read_bytes(store: Store, path: str) -> bytes:
    try:
        if store.is_local:
            return Path(path).read_bytes()
        with store.filesystem.open_input_stream(path) as stream:
            return stream.read()
    except OSError as error:
        raise UnreadableImageError(posixpath.basename(path), f"cannot read: {error}") from None


def read_stage(row: dict[str, Any], store: Store, mode: OutputMode = "gray") -> dict[str, Any]:
    """Ray task: decode every page of one input (a PDF travels whole: it is edited in place,
    as `docclean clean` does). A colour page travels as its RGB pixels."""

    def work() -> dict[str, Any]:
        if _is_pdf(row["source"]):
            return {"data": _read_bytes(store, row["source"]), "meta": json.dumps({"pdf": True})}
        pages = _read_pages(store, row["source"], colour=True)
        into_pdf = _is_pdf(row["target"])  # a 1-bit scan stays 1-bit there, as in clean
        meta = {
            "dpi": [page.dpi for page in pages],
            "sizes_pt": [page.size_pt for page in pages],
            "bilevel": [into_pdf and page.bilevel for page in pages],
        }
        pixels = [page.pixels if page.colour is None else page.colour for page in pages]
        return {"data": _pack(pixels), "meta": json.dumps(meta)}

    return _timed_stage(row, work)


class CleanStage:
    """Ray actor: owns one `Denoiser` (one ONNX Runtime session) for its whole life.

    The model travels as bytes (with its card), so workers need no copy of the model file.
    """

    def __init__(
        self,
        model_name: str,
        model_files: dict[str, bytes],
        threads: int,
        batch_size: int,
        mode: OutputMode,
        use_gpu: bool,
        as_positive: bool = False,
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
            for name, data in model_files.items():  # the model, its card, its companion's
                (Path(folder) / name).write_bytes(data)
            # On CPU, sessions side by side as `docclean clean` runs them; on a GPU, one.
            path = Path(folder) / model_name
            self.denoiser = Denoiser(path, None, providers, batch_size, threads=threads)
        self.mode = mode
        self.as_positive = as_positive

    def _edit_pdf(self, row: dict[str, Any]) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
            source = Path(folder) / "in" / posixpath.basename(row["source"])
            output = Path(folder) / "out" / source.name
            source.parent.mkdir()
            source.write_bytes(row["data"])
            edited = edit_pdf(
                source, output, self.denoiser, self.mode, None, None, self.as_positive
            )
            pages, megapixels = run_to_end(edited)
            return {"data": output.read_bytes(), "pages": pages, "megapixels": megapixels}

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        def work() -> dict[str, Any]:
            if json.loads(row["meta"]).get("pdf"):
                return self._edit_pdf(row)
            pages = _unpack(row["data"])
            meta = json.loads(row["meta"])
            cleaned = []
            for pixels, dpi, bilevel in zip(pages, meta["dpi"], meta["bilevel"], strict=True):
                page_dpi = tuple(dpi) if dpi else None
                prepare_for(pixels.nbytes)  # a worker cleans page after page
                grey, colour = grey_and_colour(pixels)  # RGB: a colour page
                mode = "bw" if bilevel else self.mode
                # Colour mode colours the page over its unpacked colours: no second copy.
                cleaned.append(
                    clean_output(
                        grey, self.denoiser, mode, page_dpi, colour, True, self.as_positive
                    )
                )
            megapixels = sum(page.shape[0] * page.shape[1] for page in pages) / 1e6
            return {"data": _pack(cleaned), "pages": len(pages), "megapixels": megapixels}

        return _timed_stage(row, work)


def _write_pages(
    store: Store,
    path: str,
    pages: Sequence[np.ndarray],
    dpi: tuple[float, float] | None,
    mode: OutputMode,
    sizes: Sequence[tuple[float, float] | None],
    bilevel: Sequence[bool],
) -> None:
    if store.is_local:
        write_pages(Path(path), pages, dpi, mode, sizes, bilevel)
        return
    with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
        local = Path(folder) / posixpath.basename(path)
        write_pages(local, pages, dpi, mode, sizes, bilevel)
        remote = page_files(PurePosixPath(path), len(pages))  # one file per page, or one
        try:
            for written, target in zip(page_files(local, len(pages)), remote, strict=True):
                upload_file(store, Path(written), str(target))
        except OSError as error:
            raise FileError(path, f"cannot write: {error}") from None


def _write_bytes(store: Store, path: str, data: bytes) -> None:
    """A finished file (an edited PDF) written atomically."""
    if store.is_local:
        write_atomically(Path(path), lambda file: Path(file).write_bytes(data))
        return
    with tempfile.TemporaryDirectory(prefix="docclean-") as folder:
        local = Path(folder) / posixpath.basename(path)
        local.write_bytes(data)
        try:
            upload_file(store, local, path)
        except OSError as error:
            raise FileError(path, f"cannot write: {error}") from None


def write_stage(row: dict[str, Any], store: Store, mode: OutputMode) -> dict[str, Any]:
    """Ray task: write one cleaned file atomically, with the input's DPI and page sizes."""

    def work() -> dict[str, Any]:
        meta = json.loads(row["meta"])
        if meta.get("pdf"):
            _write_bytes(store, row["target"], row["data"])
            return {"status": "done"}
        dpi = first_dpi(tuple(dpi) if dpi else None for dpi in meta["dpi"])
        sizes = [tuple(size) if size else None for size in meta["sizes_pt"]]
        pages = _unpack(row["data"])
        _write_pages(store, row["target"], pages, dpi, mode, sizes, meta["bilevel"])
        return {"status": "done"}

    row = _timed_stage(row, work)
    row.update(data=b"", meta="")  # only the record goes back to the driver
    return row
