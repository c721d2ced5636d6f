"""The packaging tests build the bundle once per session, the way `make package` does, unpack
the archive elsewhere and test those real files.

`pytest --skip-packaging` (or DOCCLEAN_SKIP_PACKAGING=1) skips them (see tests/conftest.py);
DOCCLEAN_PACKAGE_ARCHIVE=dist/DocClean-….tar.gz tests an archive built before instead.
"""

import os
import sys
from pathlib import Path

import pytest

from tests.packaging.bundle import TIMINGS, Bundle, build_package, unpack


def pytest_terminal_summary(terminalreporter) -> None:
    if TIMINGS:
        terminalreporter.section("DocClean bundle")
        for name, value in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaging tests check the Linux build")
    prebuilt = os.environ.get("DOCCLEAN_PACKAGE_ARCHIVE")
    if prebuilt:
        archive = Path(prebuilt).resolve()
    else:
        build = tmp_path_factory.mktemp("package")
        archive, seconds = build_package(build / "dist", build / "work")
        TIMINGS["build (packaging/build.py)"] = f"{seconds:.0f} s"
    folder = unpack(archive, tmp_path_factory.mktemp("elsewhere"))
    return Bundle(archive=archive, folder=folder)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A user's empty home folder."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder
