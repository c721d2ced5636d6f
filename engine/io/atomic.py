"""Files that appear complete or not at all: each is written to a hidden part file beside
its target, flushed and renamed into place; parts left by a killed run are removed."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import psutil

from engine.errors import OutputError

# Outputs are written as hidden `.NAME.PID.RANDOM.part` files, then renamed into place.
PART_SUFFIX = ".part"


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call `write(temporary_path)`, flush it to disk and rename it to `path`.

    Any failure removes the temporary file and raises `OutputError` (for OS errors).
    """
    commit_part(*write_part(path, write))


def write_part(path: Path, write: Callable[[str], object]) -> tuple[str, Path]:
    """`write(temporary_path)` beside `path`, flushed to disk: (temporary path, `path`)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX
        )
    except OSError as error:
        raise OutputError(path, f"cannot write to {path.parent}: {error.strerror}") from None
    try:
        os.close(handle)
        write(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, _new_file_mode())  # mkstemp makes it private (0600)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(path, f"cannot write: {error.strerror or error}") from None
        raise
    return temporary, path


def commit_part(temporary: str, path: Path) -> None:
    """Rename a written temporary file into place."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(path, f"cannot write: {error.strerror or error}") from None


def _read_umask() -> int:
    """The process's umask. Reading it means setting it, so this runs once, at import,
    before the app or a batch starts threads that create files."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _new_file_mode() -> int:
    """The mode a plain `open(..., "w")` would give a new file: 0666 less the umask."""
    return 0o666 & ~_UMASK


def _process_alive(pid: int) -> bool:
    """Whether process `pid` runs, on every platform (`os.kill(pid, 0)` would end it on
    Windows)."""
    return psutil.pid_exists(pid)


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete temporary output files whose writer was killed (its process no longer runs).

    A killed run can leave a hidden `.part` file behind; never a visible half-written one.
    Parts of running processes (another DocClean writing here now) are left alone.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX)):
            continue
        fields = entry.name[: -len(PART_SUFFIX)].rsplit(".", 2)
        if len(fields) != 3 or not fields[1].isdigit():
            continue  # not one of ours
        pid = int(fields[1])
        if pid == os.getpid() or _process_alive(pid):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
