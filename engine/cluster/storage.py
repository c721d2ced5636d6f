"""Where files live: local paths, or a filesystem that pyarrow (and so Ray Data) supports.

pyarrow is imported inside functions: local paths need neither it nor Ray.
"""

import contextlib
import os
import posixpath
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cluster.errors import ClusterError


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


def upload_file(store: Store, local: Path, path: str) -> None:
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


def download_file(store: Store, path: str, local: Path) -> None:
    with store.filesystem.open_input_stream(path) as stream, open(local, "wb") as file:
        shutil.copyfileobj(stream, file, 1 << 20)
