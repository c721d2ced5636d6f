"""Decoding the next page while this one is cleaned: a background thread reads the pages
of a batch's files in order, one page ahead of the cleaning.

At most one decoded page waits (a bounded queue), besides the one the thread is decoding
and the one being cleaned. A large page is not read past: the next page is decoded once the
cleaning has asked for more after it (after its file is written, for a file's last page),
so a batch of large pages holds one at a time. A file's read error comes back when its
pages are asked for, so failures stay per file; pages a failed or skipped file did not use
are passed over.
"""

import queue
import threading
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

from engine.io import Page, read_pages

_END = object()  # after a file's last page
# How often a thread waiting on the queue looks whether reading was stopped.
STOP_POLL_SECONDS = 0.1
# Pages holding more bytes than this are not read past (a colour A3 page at 600 dpi holds
# 209 MB, a grey one 70 MB). A batch of colour A3 pages at 600 dpi peaked at 1.09 GB
# read ahead, against 608 MB for one page alone.
READ_PAST_UP_TO_BYTES = 100_000_000


class ReadAhead:
    """Reads `sources[i]` (None: a file read some other way) page by page, ahead of
    `pages(i)`, which must be asked for in increasing `i`."""

    def __init__(self, sources: Sequence[Path | None], colour: bool = False) -> None:
        self._sources = list(sources)
        self._colour = colour
        self._queue: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._ended: set[int] = set()  # files whose end (or read error) was taken
        # Items put on the queue; of them, taken off it; of those, done with (more asked for
        # since): the cleaning side counts under `_asked`, which the thread waits on.
        self._given = 0
        self._taken = 0
        self._done = 0
        self._asked = threading.Condition()
        self._thread = threading.Thread(target=self._read, name="docclean-read", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for index, source in enumerate(self._sources):
            if source is None:
                continue
            large = False  # the file holds a large page: its end waits until it is written
            try:
                for page in read_pages(source, colour=self._colour):
                    settle = page.nbytes > READ_PAST_UP_TO_BYTES
                    large = large or settle
                    put, page = self._put(index, page), None  # not held here while cleaned
                    if not put or (settle and not self._settled()):
                        return
            except BaseException as error:  # handed to the file's consumer, raised there
                if not self._put(index, error):
                    return
                continue
            if not self._put(index, _END) or (large and not self._settled()):
                return

    def _put(self, index: int, item: object) -> bool:
        """Queue `item`; False once reading was stopped."""
        while not self._stop.is_set():
            try:
                self._queue.put((index, item), timeout=STOP_POLL_SECONDS)
            except queue.Full:
                continue
            self._given += 1
            return True
        return False

    def _settled(self) -> bool:
        """Wait until the cleaning has asked for an item after every one put so far."""
        with self._asked:
            while self._done < self._given and not self._stop.is_set():
                self._asked.wait(STOP_POLL_SECONDS)
        return not self._stop.is_set()

    def pages(self, index: int) -> Iterator[Page]:
        """The pages of `sources[index]`, in order; raises the error reading it raised.
        Left early (closed), the rest of its pages are passed over."""
        if self._sources[index] is None:
            raise ValueError(f"file {index} is not read ahead")
        try:  # each page yielded as taken, not held here
            yield from iter(partial(self._next_page, index), _END)
        finally:
            self.skip(index)

    def _next_page(self, index: int) -> object:
        """The next page of `sources[index]`, or _END; raises its read error."""
        item = self._take(index)
        if isinstance(item, BaseException):
            raise item
        return item

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
            with self._asked:  # asking for more: done with everything taken before
                self._done = self._taken
                self._asked.notify_all()
            try:
                got, item = self._queue.get(timeout=STOP_POLL_SECONDS)
            except queue.Empty:
                continue
            with self._asked:
                self._taken += 1
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
