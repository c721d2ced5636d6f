"""Which files to clean: every input with its output, named as `docclean clean` names it,
less those an earlier run already finished."""

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engine.cluster.storage import Store, existing_files
from engine.discovery import OutputClaims, is_hidden, natural_key, output_path_for, plan_jobs
from engine.io import is_supported, page_files


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
    are left out; folders keep their layout; outputs are claimed as `plan_jobs` claims them
    (`engine.discovery.OutputClaims`)."""
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
    claims: OutputClaims[str] = OutputClaims()
    for relative in sorted(relatives, key=lambda name: natural_key(name)):
        if any(map(is_hidden, relative.split("/"))):
            continue
        if inside_output and relative.startswith(inside_output):
            continue
        if not is_supported(Path(relative)):
            plan.ignored += 1
            continue
        input_path = posixpath.join(base, relative)
        output_name = output_path_for(Path(relative), Path(), Path(), output_format).as_posix()
        output_path = target.join(output_name)
        refusal = claims.refusal(
            source.uri(input_path),
            target.uri(output_path),
            posixpath.basename(input_path),
            target.uri(output_path),
        )
        if refusal:
            plan.refused.append((source.uri(input_path), refusal))
        else:
            plan.files.append(PlannedFile(input_path, output_path))
    return plan


def pending_files(
    files: Sequence[PlannedFile],
    source: Store,
    target: Store,
    finished: dict[str, str],
    overwrite: bool = False,
) -> tuple[list[PlannedFile], int]:
    """Files still to clean, and how many an earlier run finished: done with this model
    (`Manifest.finished`), into the same output, and that output (or, for a document
    written page by page, its first page's file) still there."""
    if overwrite or not finished:
        return list(files), 0
    existing = existing_files(target)
    todo = [
        item
        for item in files
        if finished.get(source.uri(item.source)) != target.uri(item.target)
        or not ({item.target, str(page_files(PurePosixPath(item.target), 2)[0])} & existing)
    ]
    return todo, len(files) - len(todo)
