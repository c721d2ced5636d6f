"""Files and folders the user may not read or write: a clear per-file error, no crash.

Root reads and writes everything, so under root the command runs without the capabilities
that bypass file permissions (as an ordinary user would).
"""

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write_page

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def drop_permission_bypass() -> None:
    """In the child before exec: drop the capabilities that let root ignore permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def unprivileged(folder: Path) -> dict[str, object]:
    """`subprocess` arguments under which permissions apply; skips if that is impossible."""
    locked = folder / "probe"
    locked.write_bytes(b"x")
    locked.chmod(0o000)
    arguments = {"preexec_fn": drop_permission_bypass} if os.geteuid() == 0 else {}
    try:
        probe = subprocess.run(
            [sys.executable, "-c", f"open({str(locked)!r}, 'rb')"], capture_output=True, **arguments
        )
    except (OSError, subprocess.SubprocessError):
        probe = None
    locked.unlink()
    if probe is None or probe.returncode == 0:
        pytest.skip("this process cannot give up reading files it has no permission for")
    return arguments


def clean(model: Path, scans: Path, output: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "engine", "clean", str(scans), "-o", str(output)]
    return subprocess.run(
        [*command, "--model", str(model), "-q"],
        cwd=REPO,
        capture_output=True,
        text=True,
        **unprivileged(output.parent),
    )


def test_unreadable_file_fails_alone(tmp_path: Path, tiny_model_path: Path):
    scans = tmp_path / "scans"
    for name in ("a.png", "locked.png", "b.png"):
        write_page(scans / name)
    (scans / "locked.png").chmod(0o000)
    output = tmp_path / "out"
    output.mkdir()

    result = clean(tiny_model_path, scans, output)

    assert result.returncode == 1, result.stderr
    assert f"failed: {scans / 'locked.png'}: permission denied" in result.stderr
    assert sorted(path.name for path in output.iterdir()) == ["a.png", "b.png"]


def test_output_folder_not_writable_fails_each_file_and_writes_nothing(
    tmp_path: Path, tiny_model_path: Path
):
    scans = tmp_path / "scans"
    sources = [write_page(scans / name) for name in ("a.png", "b.png")]
    originals = [path.read_bytes() for path in sources]
    output = tmp_path / "read-only"
    output.mkdir()
    output.chmod(0o555)

    result = clean(tiny_model_path, scans, output)

    assert result.returncode == 1
    for source in sources:
        assert f"failed: {source}: cannot write to {output}: Permission denied" in result.stderr
    assert list(output.iterdir()) == []
    assert [path.read_bytes() for path in sources] == originals
