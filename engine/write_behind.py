"""Writing a cleaned file while the next one is cleaned: a thread of its own encodes and
writes it.

One write runs at a time: a file's write is handed over once the write before it has
finished, so at most one cleaned file waits to be written besides the page being cleaned.
A file holding more than `BEHIND_UP_TO_BYTES` is written before the cleaning goes on, so a
batch of large pages holds one output at a time, as writing in line did. A write's error
comes back with its outcome, so failures stay per file.
"""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

Key = TypeVar("Key")

# Outputs holding more bytes than this are written before the next file is cleaned (an A4
# page at 300 dpi holds 8.7 MB in grey, 26 MB in colour; a grey A3 page at 600 dpi, 70 MB).
BEHIND_UP_TO_BYTES = 64_000_000


@dataclass(frozen=True)
class Outcome(Generic[Key]):
    key: Key  # what the write was handed over with
    error: BaseException | None  # None: written
    finished: float  # time.perf_counter() when it ended


class WriteBehind(Generic[Key]):
    """Runs writes one at a time on a thread of its own, one behind the caller."""

    def __init__(self, up_to_bytes: int = BEHIND_UP_TO_BYTES) -> None:
        self._up_to_bytes = up_to_bytes
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="docclean-write")
        self._pending: tuple[Key, Future[Outcome[Key]]] | None = None

    def write(self, key: Key, write: Callable[[], object], nbytes: int) -> list[Outcome[Key]]:
        """Hand `write` (of a file holding `nbytes`) over; returns the outcomes that ended
        meanwhile: the write before it, waited for, and this one when it is too large to
        leave behind."""
        outcomes = self.wait()
        self._pending = (key, self._thread.submit(_outcome, key, write))
        if nbytes > self._up_to_bytes:
            outcomes += self.wait()
        return outcomes

    def finished(self) -> list[Outcome[Key]]:
        """The outcome of the write behind once it has ended; never waits."""
        if self._pending is None or not self._pending[1].done():
            return []
        return self.wait()

    def wait(self) -> list[Outcome[Key]]:
        """The outcome of the write behind, waited for."""
        if self._pending is None:
            return []
        _, future = self._pending
        self._pending = None
        return [future.result()]

    def close(self) -> None:
        """Let the write behind end (a file is written whole or not at all) and stop."""
        self._thread.shutdown(wait=True)


def _outcome(key: Key, write: Callable[[], object]) -> Outcome[Key]:
    try:
        write()
    except BaseException as error:  # handed back to the caller, reported there
        return Outcome(key, error, time.perf_counter())
    return Outcome(key, None, time.perf_counter())
