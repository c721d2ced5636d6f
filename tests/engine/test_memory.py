"""Freed buffers go back to the system: glibc's heap would otherwise keep them resident."""

import subprocess
import sys

import pytest

# Frees a 30 MB buffer (which raises glibc's own threshold to 30 MB), then makes and frees a
# 20 MB one: prints the resident memory (kB) that leaves behind.
LEFT_RESIDENT = """
import re, sys
from pathlib import Path
if sys.argv[1] == "fixed":
    from engine.memory import return_freed_buffers
    assert return_freed_buffers()
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
    def left(threshold: str) -> int:
        run = [sys.executable, "-c", LEFT_RESIDENT, threshold]
        return int(subprocess.run(run, check=True, capture_output=True, text=True).stdout)

    assert left("glibc's own") > 15_000  # kept on the heap
    assert left("fixed") < 2_000
