"""The packaging tests build the bundle once per session, the way `make package` does, unpack
the archive elsewhere and test those real files.

`pytest tests/packaging --skip-packaging` (or DOCCLEAN_SKIP_PACKAGING=1 anywhere) skips them;
DOCCLEAN_PACKAGE_ARCHIVE=dist/DocClean-….tar.gz tests an archive built before instead.
"""

import os
import sys
from pathlib import Path

import pytest

from tests.packaging.bundle import TIMINGS, Bundle, build_package, unpack


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--skip-packaging",
        action="store_true",
        help="skip the tests that build and run the PyInstaller bundle (a few minutes)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_requested = config.getoption("--skip-packaging", default=False) or os.environ.get(
        "DOCCLEAN_SKIP_PACKAGING"
    )
    if not skip_requested:
        return
    skip = pytest.mark.skip(reason="packaging tests skipped (--skip-packaging)")
    for item in items:
        if "packaging" in item.keywords:
            item.add_marker(skip)


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
