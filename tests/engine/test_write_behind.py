"""Writing behind the cleaning: one write at a time on a thread of its own, its outcome
(written or the error) handed back; large outputs written before the caller goes on; in a
batch the same files as writing in line, outcomes in the jobs' order, each reported once
its file is whole on disk, a failing write failing its file alone, a cancelled batch still
writing what it had cleaned."""

import gc
import threading
import time
import weakref
from pathlib import Path

import pytest

from engine.denoiser import Denoiser
from engine.events import BatchFinished, FileDone, FileFailed, FileStarted, TileDone
from engine.pipeline import Job, clean_jobs, plan_jobs
from engine.write_behind import WriteBehind
from tests.conftest import write_page


def test_a_write_runs_behind_the_caller_and_its_outcome_comes_back() -> None:
    release = threading.Event()
    written: list[str] = []

    def slow() -> None:
        release.wait(10)
        written.append("first")

    behind = WriteBehind[str](up_to_bytes=100)
    try:
        assert behind.write("first", slow, nbytes=10) == []  # handed over, not waited for
        assert behind.finished() == [] and written == []
        release.set()
        second = behind.write("second", lambda: written.append("second"), nbytes=10)
        assert [(o.key, o.error) for o in second] == [("first", None)]  # waited for
        [outcome] = behind.wait()
        assert (outcome.key, outcome.error) == ("second", None)
        assert written == ["first", "second"] and behind.wait() == []
    finally:
        behind.close()


def test_a_large_output_is_written_before_the_caller_goes_on() -> None:
    behind = WriteBehind[str](up_to_bytes=100)
    try:
        assert [o.key for o in behind.write("small", lambda: None, nbytes=100)] == []
        assert [o.key for o in behind.write("large", lambda: None, nbytes=101)] == [
            "small",
            "large",
        ]
    finally:
        behind.close()


def test_a_failing_write_hands_its_error_back_and_the_next_still_runs() -> None:
    def fails() -> None:
        raise OSError("disk full")

    behind = WriteBehind[str]()
    try:
        behind.write("a", fails, nbytes=1)
        [failed] = behind.write("b", lambda: None, nbytes=1)
        assert failed.key == "a" and isinstance(failed.error, OSError)
        assert [o.error for o in behind.wait()] == [None]
    finally:
        behind.close()


def test_closing_lets_the_write_behind_end() -> None:
    release = threading.Event()
    written: list[str] = []
    behind = WriteBehind[str]()
    behind.write("a", lambda: (release.wait(10), written.append("a")), nbytes=1)
    threading.Timer(0.05, release.set).start()
    behind.close()
    assert written == ["a"]


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    for name, seed in (("a.png", 1), ("b.png", 2), ("c.tif", 3), ("d.png", 4)):
        write_page(folder / name, seed=seed)
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    return folder


def outcomes(events: list) -> list[tuple[str, str]]:
    return [(type(e).__name__, e.path.name) for e in events if isinstance(e, FileDone | FileFailed)]


def test_a_batch_writes_the_same_files_behind_and_reports_them_in_order(
    scans: Path, tmp_path: Path, tiny_model_path: Path
) -> None:
    denoiser = Denoiser(tiny_model_path)
    written = {}
    for behind in (True, False):
        out = tmp_path / f"out-{behind}"
        jobs, _ = plan_jobs([scans], out)
        events = []
        for event in clean_jobs(jobs, denoiser, write_behind=behind):
            if isinstance(event, FileDone):  # reported once whole on disk
                assert event.output.read_bytes()
            events.append(event)
        assert outcomes(events) == [
            ("FileDone", "a.png"),
            ("FileDone", "b.png"),
            ("FileFailed", "broken.png"),
            ("FileDone", "c.tif"),
            ("FileDone", "d.png"),
        ]
        order = [
            (type(e).__name__, e.path.name) for e in events if type(e) in (FileStarted, FileDone)
        ]
        # Behind, a file's write ends after the next file has started; in line, before.
        assert (order.index(("FileStarted", "b.png")) > order.index(("FileDone", "a.png"))) == (
            not behind
        )
        finished = events[-1]
        assert isinstance(finished, BatchFinished)
        assert (finished.cleaned, finished.failed) == (4, 1)
        written[behind] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert written[True] == written[False] and len(written[True]) == 4


def test_a_write_that_fails_fails_its_file_alone(
    scans: Path, tmp_path: Path, tiny_model_path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output folder should be")
    jobs = [
        Job(scans / "a.png", tmp_path / "out" / "a.png"),
        Job(scans / "b.png", blocked / "b.png"),  # its folder cannot be made
        Job(scans / "d.png", tmp_path / "out" / "d.png"),
    ]
    events = list(clean_jobs(jobs, Denoiser(tiny_model_path)))
    assert outcomes(events) == [
        ("FileDone", "a.png"),
        ("FileFailed", "b.png"),
        ("FileDone", "d.png"),
    ]
    [failure] = [e for e in events if isinstance(e, FileFailed)]
    assert "blocked" in failure.reason
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "d.png"]


def test_a_cancelled_batch_still_writes_the_file_it_had_cleaned(
    scans: Path, tmp_path: Path, tiny_model_path: Path
) -> None:
    out = tmp_path / "out"
    jobs = [Job(scans / name, out / name) for name in ("a.png", "b.png", "d.png")]
    cancel = threading.Event()
    events = []
    for event in clean_jobs(jobs, Denoiser(tiny_model_path), cancel=cancel):
        events.append(event)
        if isinstance(event, TileDone) and event.path.name == "b.png":
            cancel.set()  # while a.png may still be being written
    assert outcomes(events) == [("FileDone", "a.png")]
    assert events[-1].cancelled
    assert [p.name for p in out.iterdir()] == ["a.png"]  # b.png was not written, not even in part


def test_a_batch_abandoned_mid_file_leaves_the_file_before_whole(
    scans: Path, tmp_path: Path, tiny_model_path: Path
) -> None:
    out = tmp_path / "out"
    jobs = [Job(scans / name, out / name) for name in ("a.png", "b.png")]
    events = clean_jobs(jobs, Denoiser(tiny_model_path))
    for event in events:
        if isinstance(event, FileStarted) and event.path.name == "b.png":
            break
    events.close()  # as a front end that stops listening does
    expected = out / "expected"
    list(clean_jobs([Job(scans / "a.png", expected / "a.png")], Denoiser(tiny_model_path)))
    assert [p.name for p in out.iterdir() if p.is_file()] == ["a.png"]
    assert (out / "a.png").read_bytes() == (expected / "a.png").read_bytes()


@pytest.mark.parametrize("behind", [True, False])
def test_a_written_file_is_let_go_while_the_next_is_cleaned(
    scans: Path, tmp_path: Path, tiny_model_path: Path, monkeypatch: pytest.MonkeyPatch, behind
) -> None:
    import engine.pipeline

    write_page(scans / "large.png", height=2000, width=2000, seed=5)  # many tiles
    held: dict[str, weakref.ref] = {}
    write_pages = engine.pipeline.write_pages

    def noting_the_pages(path: Path, pages, *rest) -> None:
        held[path.name] = weakref.ref(pages[0])
        write_pages(path, pages, *rest)

    monkeypatch.setattr(engine.pipeline, "write_pages", noting_the_pages)
    out = tmp_path / "out"
    jobs = [Job(scans / name, out / name) for name in ("a.png", "b.png", "large.png")]
    seen: list[bool] = []
    written = set()
    for event in clean_jobs(jobs, Denoiser(tiny_model_path), write_behind=behind):
        if isinstance(event, FileStarted) and event.path.name == "large.png":
            deadline = time.monotonic() + 30  # b.png's write ends (its FileDone comes next)
            while not (out / "b.png").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        if isinstance(event, FileDone):
            written.add(event.path.name)
        elif isinstance(event, TileDone) and event.path.name == "large.png" and "b.png" in written:
            gc.collect()
            seen.append(held["b.png"]() is None)  # written: nothing holds its pages
    assert seen and all(seen)
