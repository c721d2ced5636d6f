"""Ctrl+C that is not lost in foreign callbacks.

Ray runs some of its own Python code as callbacks from its C++ core; a KeyboardInterrupt
raised there is dropped ("Exception ignored in …"; ray-project/ray#7734), and a `docclean
cluster` run could then go on to the end. `noted_interrupts` notes every Ctrl+C besides
raising it as usual, so the command's loop can raise it again at its next step.
"""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def noted_interrupts() -> Iterator[Callable[[], None]]:
    """While it lasts, Ctrl+C raises KeyboardInterrupt and is noted; it gives a function that
    raises KeyboardInterrupt once one was noted. Where Ctrl+C is ignored, or off the main
    thread (signals reach the main thread only), nothing changes."""
    noted = threading.Event()

    def note(signum: int, frame: FrameType | None) -> None:
        noted.set()
        raise KeyboardInterrupt

    def raise_if_noted() -> None:
        if noted.is_set():
            raise KeyboardInterrupt

    on_main_thread = threading.current_thread() is threading.main_thread()
    if not on_main_thread or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield raise_if_noted
        return
    previous = signal.signal(signal.SIGINT, note)
    try:
        yield raise_if_noted
    finally:
        signal.signal(signal.SIGINT, previous)
