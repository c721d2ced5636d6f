"""Which files a run cleans and where each result goes: the paths a user gave (files and
folders) walked in natural order, each input's output named, and the inputs refused whose
output would overwrite them or another input's. The CLI, the app and the cluster path
(`engine.cluster.planning`, for object storage) all name and refuse by these rules."""

import os
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from engine.io import FORMATS, WRITTEN_AS, is_supported
from engine.options import OUTPUT_SUFFIXES

# Without an output folder, results go to a folder of this name beside each input.
DEFAULT_OUTPUT_FOLDER = "cleaned"

K = TypeVar("K", bound=Hashable)

OVERWRITES_INPUT = "its output would overwrite the input"


def is_hidden(name: str) -> bool:
    """Hidden files and folders (and our own temporary files) are never cleaned."""
    return name.startswith(".")


class OutputClaims(Generic[K]):
    """Which input each output belongs to, for one run (keys: resolved paths, or URIs)."""

    def __init__(self) -> None:
        self._owners: dict[K, str] = {}

    def refusal(self, source: K, output: K, source_name: str, output_shown: str) -> str:
        """Why `source` may not write `output` ("" when it may: the output is then its)."""
        if output == source:
            return OVERWRITES_INPUT
        if output in self._owners:
            return f"{self._owners[output]} is already written to {output_shown}"
        self._owners[output] = source_name
        return ""


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    # A result of `source` already written in the batch's mode and resolution: a combined
    # PDF takes its pages from this file instead of cleaning them again (when it is lossless
    # and still readable; otherwise the source is cleaned).
    cleaned: Path | None = None


@dataclass(frozen=True)
class Rejected:
    path: Path
    reason: str
    ignorable: bool = False  # a non-image file met while scanning a folder


def output_path_for(
    source: Path,
    output_dir: Path | None,
    relative_to: Path | None = None,
    output_format: str = "same",
) -> Path:
    """Where the cleaned version of `source` goes: same name, in the chosen format (for
    "same", a format read but not written gets the one `WRITTEN_AS` names)."""
    if output_dir is None:
        output = source.parent / DEFAULT_OUTPUT_FOLDER / source.name
    elif relative_to is not None:
        output = output_dir / source.relative_to(relative_to)
    else:
        output = output_dir / source.name
    suffix = OUTPUT_SUFFIXES[output_format]
    if suffix is None:  # "same": the input's format, where DocClean writes it
        suffix = WRITTEN_AS.get(FORMATS.get(output.suffix.lower(), ""))
    if suffix is None or FORMATS.get(output.suffix.lower()) == FORMATS[suffix]:
        return output
    return output.with_suffix(suffix)


def natural_key(name: str) -> tuple[tuple[tuple[int, str | int], ...], str]:
    """Sort key that orders the numbers inside names by value: page2 before page10."""
    parts = re.split(r"(\d+)", name)
    words = tuple((1, int(part)) if part.isdigit() else (0, part.lower()) for part in parts)
    return words, name


def _walk_folder(
    folder: Path, recursive: bool, is_output_dir: Callable[[Path], bool]
) -> Iterator[Path | Rejected]:
    """Files under `folder` in name order, following links to folders but never in a loop."""
    seen: set[Path] = set()

    def visit(current: Path) -> Iterator[Path | Rejected]:
        real = current.resolve()
        if real in seen:
            yield Rejected(current, "folder link loops back to a folder already scanned")
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda entry: natural_key(entry.name))
        except OSError as error:
            yield Rejected(current, f"cannot list folder: {error.strerror}")
            return
        for entry in entries:
            path = Path(entry.path)
            if is_hidden(entry.name):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as error:
                yield Rejected(path, f"cannot inspect: {error.strerror}")
                continue
            if is_dir:
                if recursive and not is_output_dir(path):
                    yield from visit(path)
            else:
                yield path

    yield from visit(folder)


def plan_jobs(
    paths: Iterable[Path],
    output_dir: Path | None = None,
    recursive: bool = True,
    output_format: str = "same",
) -> tuple[list[Job], list[Rejected]]:
    """Expand files and folders into jobs; explain every path that will not be cleaned.

    Folder contents keep their layout under `output_dir`. Output folders are never scanned
    as input (a re-run does not clean its own results). Duplicates are queued once.
    Folders are listed in natural order (page2 before page10).
    """
    jobs: list[Job] = []
    rejected: list[Rejected] = []
    sources: set[Path] = set()
    claims: OutputClaims[Path] = OutputClaims()
    real_output_dir = output_dir.resolve() if output_dir is not None else None

    def is_output_dir(folder: Path) -> bool:
        if real_output_dir is None:
            return folder.name == DEFAULT_OUTPUT_FOLDER
        return folder.resolve() == real_output_dir

    def add(source: Path, relative_to: Path | None) -> None:
        if not is_supported(source):
            in_folder = relative_to is not None
            rejected.append(Rejected(source, "not a supported image type", ignorable=in_folder))
            return
        real = source.resolve()
        if real in sources:
            return
        output = output_path_for(source, output_dir, relative_to, output_format)
        refusal = claims.refusal(real, output.resolve(), source.name, str(output))
        if refusal:
            rejected.append(Rejected(source, refusal))
        else:
            sources.add(real)
            jobs.append(Job(source, output))

    for path in map(Path, paths):
        if path.is_dir():
            for item in _walk_folder(path, recursive, is_output_dir):
                if isinstance(item, Rejected):
                    rejected.append(item)
                else:
                    add(item, path)
        elif path.exists() or path.is_symlink():
            add(path, None)
        else:
            rejected.append(Rejected(path, "not found"))
    return jobs, rejected
