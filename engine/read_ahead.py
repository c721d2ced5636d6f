"""Decoding the next page while this one is cleaned: a background thread reads the pages
of a batch's files in order, one page ahead of the cleaning.

At most one decoded page waits (a bounded queue), besides the one the thread is decoding
and the one being cleaned. A file's read error comes back when its pages are asked for, so
failures stay per file; pages a failed or skipped file did not use are passed over.
"""

import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from engine.io import Page, read_pages

_END = object()  # after a file's last page
# How often a thread waiting on the queue looks whether reading was stopped.
STOP_POLL_SECONDS = 0.1


class ReadAhead:
    """Reads `sources[i]` (None: a file read some other way) page by page, ahead of
    `pages(i)`, which must be asked for in increasing `i`."""

    def __init__(self, sources: Sequence[Path | None], colour: bool = False) -> None:
        self._sources = list(sources)
        self._colour = colour
        self._queue: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._ended: set[int] = set()  # files whose end (or read error) was taken
        self._thread = threading.Thread(target=self._read, name="docclean-read", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for index, source in enumerate(self._sources):
            if source is None:
                continue
            try:
                for page in read_pages(source, colour=self._colour):
                    if not self._put(index, page):
                        return
            except BaseException as error:  # handed to the file's consumer, raised there
                if not self._put(index, error):
                    return
                continue
            if not self._put(index, _END):
                return

    def _put(self, index: int, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put((index, item), timeout=STOP_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def pages(self, index: int) -> Iterator[Page]:
        """The pages of `sources[index]`, in order; raises the error reading it raised.
        Left early (closed), the rest of its pages are passed over."""
        if self._sources[index] is None:
            raise ValueError(f"file {index} is not read ahead")
        try:
            while True:
                item = self._take(index)
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self.skip(index)

    def skip(self, index: int) -> None:
        """Pass over what is still to come of `sources[index]` (nothing once it ended)."""
        if self._sources[index] is None:
            return
        while index not in self._ended:
            self._take(index)

    def _take(self, index: int) -> object:
        """The next item of file `index`; what earlier files left unread is dropped. Once
        closed, every file has ended."""
        while True:
            if self._stop.is_set():
                self._ended.add(index)
                return _END
            try:
                got, item = self._queue.get(timeout=STOP_POLL_SECONDS)
            except queue.Empty:
                continue
            if got < index:
                continue
            if got > index:
                raise RuntimeError(f"file {index} was read past: asked for out of order")
            if item is _END or isinstance(item, BaseException):
                self._ended.add(index)
            return item

    def close(self) -> None:
        """Stop reading (a cancelled or finished batch) and let the thread end."""
        self._stop.set()
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._thread.join()
