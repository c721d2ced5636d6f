"""Interrupted batches: a killed process, a cancel during a write, and the re-run after."""

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine.denoiser import Denoiser
from engine.events import BatchFinished, FileDone, FileSkipped
from engine.io import remove_stale_parts
from engine.pipeline import clean_jobs, plan_jobs
from tests.conftest import REPO, ddd_page
from tests.engine.same_files import difference, same_result

PAGES = 10


def hidden_parts(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob(".*.part"))


def dead_pid() -> int:
    """The PID of a process that has already exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """Ten 4-megapixel scans made of real noisy DDD pages: a few seconds of work."""
    with Image.open(ddd_page()) as image:
        scan = np.asarray(image.convert("L"))
    folder = tmp_path / "batch"
    folder.mkdir()
    for index in range(PAGES):
        page = np.tile(np.roll(scan, 37 * index, axis=1), (5, 4))[:2000, :2000]
        Image.fromarray(page).save(folder / f"page{index:02}.png", dpi=(200, 200))
    return folder


def clean_command(inputs: Path, output: Path, model: Path) -> list[str]:
    command = [sys.executable, "-m", "engine", "clean", str(inputs), "-o", str(output)]
    return [*command, "--model", str(model), "-q"]


def test_killed_batch_leaves_only_whole_files_and_the_rerun_completes_it(
    tmp_path: Path, batch: Path, tiny_model_path: Path
):
    reference = tmp_path / "reference"
    subprocess.run(clean_command(batch, reference, tiny_model_path), check=True, cwd=REPO)
    output = tmp_path / "out"
    process = subprocess.Popen(clean_command(batch, output, tiny_model_path), cwd=REPO)
    deadline = time.monotonic() + 60
    while not list(output.glob("*.png")) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = sorted(path.name for path in output.glob("*.png"))
    assert 0 < len(written) < PAGES, "the kill should land mid-batch"
    for name in written:  # every visible output is whole and exactly the full run's result
        assert same_result(output / name, reference / name), difference(
            output / name, reference / name
        )
    stale = output / f".page09.png.{dead_pid()}.abcd1234.part"
    stale.write_bytes(b"\x89PNG half a file")  # what a kill during a write leaves

    rerun = subprocess.run(
        clean_command(batch, output, tiny_model_path), capture_output=True, text=True, cwd=REPO
    )

    assert rerun.returncode == 0, rerun.stderr
    assert f"skipped {len(written)} already cleaned" in rerun.stdout
    assert hidden_parts(output) == []
    for index in range(PAGES):
        name = f"page{index:02}.png"
        assert same_result(output / name, reference / name), difference(
            output / name, reference / name
        )


def test_parts_of_a_running_writer_are_kept(tmp_path: Path):
    ours = tmp_path / f".a.png.{os.getpid()}.x1.part"
    alive = tmp_path / f".b.png.{os.getppid()}.x2.part"
    dead = tmp_path / f".c.png.{dead_pid()}.x3.part"
    foreign = tmp_path / ".notes.part"  # not named like ours: left alone
    visible = tmp_path / f"d.png.{dead_pid()}.x4.part"
    for path in (ours, alive, dead, foreign, visible):
        path.write_bytes(b"x")

    assert remove_stale_parts(tmp_path) == [dead]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name for path in (ours, alive, foreign, visible)
    )


def test_cancel_during_a_write_finishes_that_file_and_stops(tmp_path: Path, tiny_model_path):
    """Cancel arrives while a slow multi-page TIFF is being written: the file is completed
    (writes are never cut short), nothing half-written appears, and the batch stops."""
    rng = np.random.default_rng(0)
    sources = []
    for index in range(3):
        pages = [Image.fromarray(rng.integers(0, 256, (1500, 1500), np.uint8)) for _ in range(4)]
        source = tmp_path / f"doc{index}.tif"
        pages[0].save(source, save_all=True, append_images=pages[1:])
        sources.append(source)
    jobs, _ = plan_jobs(sources, tmp_path / "out")
    cancel = threading.Event()
    seen_part = threading.Event()

    def cancel_when_a_write_starts() -> None:
        while not cancel.is_set():
            if (tmp_path / "out").is_dir() and hidden_parts(tmp_path / "out"):
                seen_part.set()
                cancel.set()
            time.sleep(0.0005)

    watcher = threading.Thread(target=cancel_when_a_write_starts, daemon=True)
    watcher.start()
    events = list(clean_jobs(jobs, Denoiser(tiny_model_path), cancel=cancel))
    cancel.set()
    watcher.join()

    assert seen_part.is_set()
    summary = events[-1]
    assert isinstance(summary, BatchFinished) and summary.cancelled
    done = [event.path for event in events if isinstance(event, FileDone)]
    assert done == [sources[0]]
    with Image.open(tmp_path / "out" / "doc0.tif") as written:
        assert written.n_frames == 4
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["doc0.tif"]

    rerun = list(clean_jobs(jobs, Denoiser(tiny_model_path)))
    assert [type(event) for event in rerun if isinstance(event, FileSkipped | FileDone)] == [
        FileSkipped,
        FileDone,
        FileDone,
    ]


def test_outputs_get_the_mode_the_umask_gives_new_files(tmp_path: Path):
    """As a plain `open()` would: the temporary file's private mode is not left on it."""
    code = (
        "import os, sys\n"
        "os.umask(0o027)\n"
        "import numpy as np\n"
        "from pathlib import Path\n"
        "from engine.io import write_pages\n"
        "write_pages(Path(sys.argv[1]), [np.zeros((4, 4), np.uint8)], None)\n"
    )
    output = tmp_path / "page.png"
    subprocess.run([sys.executable, "-c", code, str(output)], check=True, cwd=REPO)
    assert stat.S_IMODE(output.stat().st_mode) == 0o640
