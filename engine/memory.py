"""Freed page buffers go back to the system at once.

glibc serves an allocation from its heap unless it is larger than a threshold that rises,
up to 32 MB, with every large buffer freed, and heap memory freed below the heap's top
stays resident. A batch of large pages allocates and frees Pillow's 16 MB blocks and
NumPy's bands on several threads, so resident memory crept up page after page: three
colour A3 pages at 600 dpi peaked at 886 MB, against 608 MB for one alone. With the
threshold fixed at 8 MB, every larger buffer is mapped on its own and unmapped when it is
freed (628 MB). It is turned on as the first large page is read (`engine.io.read_pages`,
before an image is decoded): with it on from the start, a batch of A4 pages (8.7 MB each,
mapped afresh) ran 9 % slower (medians of six, alternated). Before each such page, what the
pages before it left free inside the heaps (their bands' smaller temporaries, on several
threads) is given back too (`malloc_trim`): three colour A3 pages in colour mode peaked at
510–520 MB, 497–502 with it. Elsewhere than glibc this does nothing.
"""

import ctypes
import sys
from functools import cache

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = 8 << 20
# Pages holding more than this turn it on (an A4 page at 300 dpi holds 8.7 MB grey, 26 MB in
# colour; an A3 page at 600 dpi 70 MB grey).
RETURN_FREED_ABOVE_BYTES = 32 << 20


def prepare_for(page_bytes: int) -> None:
    """Before cleaning a page holding `page_bytes`: freed buffers go back to the system
    from now on where it is large, and what the pages before it left free in the heaps
    goes back now."""
    if page_bytes > RETURN_FREED_ABOVE_BYTES and return_freed_buffers():
        _libc().malloc_trim(0)


@cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None)


@cache
def return_freed_buffers() -> bool:
    """Fix glibc's threshold (once per process); whether it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = _libc()
        libc.gnu_get_libc_version  # noqa: B018 (glibc's, not another C library's)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
