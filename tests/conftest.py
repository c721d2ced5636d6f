"""Fixtures shared by every test folder: small real ONNX models and real page images."""

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.onnx_builders import build_brightener, build_random_fcn, build_three_channel_model

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DOCCLEAN_LOG_DIR", tempfile.mkdtemp(prefix="docclean-test-logs-"))

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--skip-packaging",
        action="store_true",
        help="skip the tests that build and run the PyInstaller bundle (a few minutes)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not (config.getoption("--skip-packaging") or os.environ.get("DOCCLEAN_SKIP_PACKAGING")):
        return
    skip = pytest.mark.skip(reason="packaging tests skipped (--skip-packaging)")
    for item in items:
        if "packaging" in item.keywords:
            item.add_marker(skip)


SHARED = REPO.parent / "shared"
DDD = SHARED / "data" / "ddd"


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ONNX 'cleaner' (blur + brighten) with a fixed 420×540 NHWC tile input."""
    return build_brightener(tmp_path_factory.mktemp("models") / "tiny.onnx")


@pytest.fixture(scope="session")
def random_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_random_fcn(tmp_path_factory.mktemp("models") / "random.onnx")


@pytest.fixture(scope="session")
def incompatible_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_three_channel_model(tmp_path_factory.mktemp("models") / "rgb.onnx")


@pytest.fixture
def page_folder(tmp_path: Path) -> Path:
    """A folder of small real scan-like pages: three PNGs, one in a subfolder."""
    folder = tmp_path / "scans"
    (folder / "sub").mkdir(parents=True)
    rng = np.random.default_rng(3)
    for name in ("a.png", "b.png", "sub/c.png"):
        page = np.full((120, 160), 200, np.uint8)
        page[40:50, 20:140] = 30  # a line of "text"
        page = np.clip(page + rng.normal(0, 12, page.shape), 0, 255).astype(np.uint8)
        Image.fromarray(page).save(folder / name, dpi=(200, 200))
    return folder


def ddd_page(name: str = "101.png", folder: str = "train") -> Path:
    path = DDD / folder / name
    if not path.is_file():
        pytest.skip(f"shared data not found at {path}")
    return path


def write_page(path: Path, height: int = 120, width: int = 160, seed: int = 0) -> Path:
    """A small scan-like page: grey paper, noise, a few dark "lines of text"."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 190, np.float32)
    for top in range(20, height - 20, 30):
        page[top : top + 8, 15 : width - 15] = 40
    page = np.clip(page + rng.normal(0, 15, page.shape), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(page).save(path, dpi=(200, 200))
    return path


def pdf_page_sizes(path: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, as PDFium reads them."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return [document[index].get_size() for index in range(len(document))]
    finally:
        document.close()
