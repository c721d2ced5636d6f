"""The built bundle as the packaging tests see it, and how a user without Python runs it."""

import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
TIMINGS: dict[str, str] = {}  # sizes and start-up times, shown in pytest's terminal summary
# First paint of the main window, as Qt logs it with qt.widgets.painting debugging on.
FIRST_PAINT = re.compile(r"Flushing .* to QWidgetWindow\(.*MainWindow")


@dataclass(frozen=True)
class Bundle:
    archive: Path  # the .tar.gz that `make package` made
    folder: Path  # the archive unpacked elsewhere: DocClean-<version>/

    @property
    def gui(self) -> Path:
        return self.folder / "DocClean"

    @property
    def cli(self) -> Path:
        return self.folder / "docclean"

    @property
    def resources(self) -> Path:
        return self.folder / "_internal" / "resources"


def build_package(dist: Path, work: Path) -> tuple[Path, float]:
    """Run `make package`'s command (packaging/build.py); returns the archive and seconds."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "packaging/build.py", "--dist", str(dist), "--work", str(work)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if result.returncode != 0:
        raise RuntimeError(f"packaging/build.py failed:\n{result.stdout}\n{result.stderr}")
    (archive,) = dist.glob("DocClean-*.tar.gz")
    return archive, time.monotonic() - started


def unpack(archive: Path, destination: Path) -> Path:
    """Unpack with the system's tar, as a user would; returns the one top-level folder."""
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(destination)], check=True)
    (folder,) = destination.iterdir()
    return folder


def user_environment(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment with no Python in it: no virtualenv, PYTHONPATH or model override,
    and a home folder of its own (settings and caches go there, not to the tester's)."""
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": tempfile.gettempdir(),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    return {**environment, **extra}


def run(command: list[str | Path], home: Path, cwd: Path, timeout: float = 120, **extra: str):
    return subprocess.run(
        [str(part) for part in command],
        env=user_environment(home, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def folder_size(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file())


def largest_files(folder: Path, count: int = 10) -> list[tuple[int, str]]:
    sizes = [
        (path.lstat().st_size, str(path.relative_to(folder)))
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]
    return sorted(sizes, reverse=True)[:count]


def is_elf(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(4) == b"\x7fELF"


def needed_libraries(path: Path) -> list[str]:
    """The shared libraries an ELF file links against (its DT_NEEDED entries)."""
    output = subprocess.run(
        ["readelf", "--dynamic", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", output)


def frozen_modules(executable: Path) -> set[str]:
    """Names of the Python modules frozen into an executable's PYZ archive."""
    executable_archive = CArchiveReader(str(executable))
    (pyz_name,) = [name for name in executable_archive.toc if name.endswith(".pyz")]
    with tempfile.TemporaryDirectory() as folder:
        pyz = Path(folder) / pyz_name
        pyz.write_bytes(executable_archive.extract(pyz_name))
        return set(ZlibArchiveReader(str(pyz)).toc)


@dataclass
class GuiRun:
    """A frozen GUI started offscreen; its stderr lines are read as they come."""

    process: subprocess.Popen
    started: float
    lines: list[tuple[float, str]]

    @classmethod
    def start(cls, executable: Path, arguments: list[str], home: Path) -> "GuiRun":
        environment = user_environment(
            home,
            QT_QPA_PLATFORM="offscreen",
            QT_LOGGING_RULES="qt.widgets.painting.debug=true",
        )
        started = time.monotonic()
        process = subprocess.Popen(
            [str(executable), *arguments],
            env=environment,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        run = cls(process, started, [])
        threading.Thread(target=run._read, daemon=True).start()
        return run

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))

    def wait_for(self, pattern: re.Pattern, timeout: float) -> float | None:
        """Seconds from start to the first stderr line matching `pattern`, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for seconds, line in list(self.lines):
                if pattern.search(line):
                    return seconds
            if self.process.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def mapped_files(self) -> set[str]:
        """Files the running process has mapped: the libraries and plugins it loaded."""
        maps = Path(f"/proc/{self.process.pid}/maps").read_text()
        return {line.split()[-1] for line in maps.splitlines() if "/" in line}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def errors(self) -> list[str]:
        markers = ("Traceback", "Error", "Could not load", "cannot open shared object")
        return [line for _, line in self.lines if any(marker in line for marker in markers)]
