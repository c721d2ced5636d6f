"""Freed buffers go back to the system once a large page comes: glibc's heap would
otherwise keep them resident."""

import subprocess
import sys

import pytest

# Frees a 30 MB buffer (which raises glibc's own threshold to 30 MB), then makes and frees a
# 20 MB one: prints the resident memory (kB) that leaves behind.
LEFT_RESIDENT = """
import re, sys
from pathlib import Path
from engine.memory import prepare_for
prepare_for(int(sys.argv[1]))  # before cleaning a page of this many bytes
def resident():
    return int(re.search(r"VmRSS:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
buffer = b"x" * (30 << 20)
del buffer
before = resident()
buffer = b"y" * (20 << 20)
del buffer
print(resident() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_freed_page_sized_buffer_leaves_nothing_resident() -> None:
    def left(page_bytes: int) -> int:
        run = [sys.executable, "-c", LEFT_RESIDENT, str(page_bytes)]
        return int(subprocess.run(run, check=True, capture_output=True, text=True).stdout)

    assert left(9 << 20) > 15_000  # an A4 page: glibc's own threshold, kept on the heap
    assert left(70 << 20) < 2_000  # an A3 page at 600 dpi: given back
