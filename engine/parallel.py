"""Work shared among the CPU's physical cores: how many there are, and a page's bands of
rows done at once on all of them (NumPy and Pillow release the GIL on whole bands, so a
page's preparation and colouring scale with the cores as the network does)."""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-threads share a core's arithmetic)."""
    try:
        cpus = os.sched_getaffinity(0)
        siblings = {
            Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list").read_text()
            for cpu in cpus
        }
        return max(1, len(siblings))
    except (AttributeError, OSError):  # not Linux: the OS's count (Windows, macOS)
        import psutil  # here only: Linux start-up does without it

        return max(1, psutil.cpu_count(logical=False) or (os.cpu_count() or 2) // 2)


@cache
def _workers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(physical_cores(), thread_name_prefix="docclean-bands")


def in_bands(height: int, rows: int, work: Callable[[slice], None]) -> None:
    """`work(band)` for each band of `rows` rows of a page `height` rows tall, the bands
    shared among the physical cores; returns when every band is done, raising the first
    band's error. `work` writes its band's rows only, and never calls `in_bands` itself."""
    bands = [slice(start, start + rows) for start in range(0, height, rows)]
    if len(bands) < 2 or physical_cores() < 2:
        for band in bands:
            work(band)
        return
    for done in [_workers().submit(work, band) for band in bands]:
        done.result()
