"""Finding the queueable files among opened or dropped paths (may walk big folder trees)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.discovery import Rejected, plan_jobs


@dataclass
class FoundInputs:
    """Files to queue, each with the folder it was found under (None for a file given alone)."""

    files: list[tuple[Path, Path | None]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def find_inputs(paths: Iterable[Path], recursive: bool) -> FoundInputs:
    found = FoundInputs()
    for path in paths:
        path = Path(path).absolute()
        jobs, rejected = plan_jobs([path], output_dir=None, recursive=recursive)
        root = path if path.is_dir() else None
        found.files.extend((job.source, root) for job in jobs)
        found.rejected.extend(rejected)
    return found
