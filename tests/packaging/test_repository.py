"""What the repository holds: no stray run products (profiles, temporary parts, caches)."""

import fnmatch
import subprocess

import pytest

from tests.conftest import REPO

STRAY = ("onnxruntime_profile__*.json", "*.part", "*.pyc", "fuzz-findings/*", "runs/*")


def test_no_stray_files_are_committed() -> None:
    listed = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, cwd=REPO, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    stray = [
        name
        for name in listed.stdout.splitlines()
        if any(fnmatch.fnmatch(name, pattern) for pattern in STRAY)
    ]
    assert stray == []
