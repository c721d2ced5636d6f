"""The manifest: one JSON line per input and run; the last line for an input wins."""

import contextlib
import io
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from engine.cluster.storage import Store, download_file, upload_file
from engine.options import OutputMode

MANIFEST_NAME = "docclean-manifest.jsonl"
# On object storage the manifest is rewritten whole (objects cannot be appended to).
MANIFEST_UPLOAD_SECONDS = 60.0

Status = Literal["done", "failed"]


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
    settings: str = ""  # `output_settings`: what besides the model shaped the output


def output_settings(mode: OutputMode, as_positive: bool) -> str:
    """The options besides the model that shape an output ("gray", "bw positive"…), so
    that a run with other ones cleans its inputs again."""
    return f"{mode} positive" if as_positive else mode


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
                download_file(self.store, self.path, self._local)
            self._uploaded = time.monotonic()
        unfinished_line = _last_byte(self._local) not in (b"", b"\n")  # a killed run's
        self._file = open(self._local, "a", encoding="utf-8")
        if unfinished_line:
            self._file.write("\n")
        return self

    def finished(self, model_sha256: str, settings: str) -> dict[str, str]:
        """Input → output of every input whose last record says "done" with this model and
        these `output_settings` (lines a killed run cut short are ignored; lines without
        settings count as other settings)."""
        finished: dict[str, str] = {}
        if not self._local.is_file():
            return finished
        with open(self._local, encoding="utf-8") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                    name, status, sha = record["input"], record["status"], record["model_sha256"]
                    same = sha == model_sha256 and record.get("settings") == settings
                except (ValueError, TypeError, KeyError):
                    continue
                if status == "done" and same:
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
        upload_file(self.store, self._local, self.path)
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
