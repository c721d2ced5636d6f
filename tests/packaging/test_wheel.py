"""`pip install docclean` as a user does it: the wheel, in a fresh venv, away from the source
tree, with its own dependencies (no Qt, no OpenCV), cleans real pages."""

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import img2pdf
import numpy as np
import pytest

from engine.bundle import missing_files, model_files, resource_files
from engine.denoiser import Denoiser, read_card
from engine.io import read_pages
from engine.precision import INT8_CARD_KEY, model_for_precision
from engine.resources import default_model_path
from tests.conftest import REPO, ddd_page


def test_the_bundle_list_holds_every_file_the_shipped_model_needs() -> None:
    """engine.bundle follows the model's card to its companion; the engine follows the
    model's metadata. Both must name the same files."""
    model = default_model_path()
    needed = {path.name for path in Denoiser(model).files()}
    if INT8_CARD_KEY in read_card(model):  # and the INT8 version the engine runs where fast
        needed |= {path.name for path in Denoiser(model_for_precision(model, "int8")).files()}
    listed = set(model_files(REPO / "resources" / "models"))
    assert needed <= listed
    assert {name for name in listed if name.endswith(".onnx")} == {
        name for name in needed if name.endswith(".onnx")
    }
    assert missing_files(REPO / "resources") == []
    companion = REPO / "resources" / "models" / "ddd_only"  # a model that names a companion
    assert model_files(companion) == [
        *("docclean.onnx", "docclean.json", "docclean.md"),
        *("docclean_low_resolution.onnx", "docclean_low_resolution.json"),
        "docclean_low_resolution.md",
    ]


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.packaging
def test_the_installed_wheel_cleans_a_page_and_a_pdf(tmp_path: Path) -> None:
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)])
    (wheel,) = tmp_path.glob("docclean-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [name for name in names if name.startswith(("training/experiments", "benchmarks"))]
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", str(wheel)])  # with its dependencies

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.png").write_bytes(ddd_page("101.png").read_bytes())
    scans = [ddd_page(name).read_bytes() for name in ("102.png", "104.png")]
    (inputs / "letter.pdf").write_bytes(img2pdf.convert(scans))
    away = tmp_path / "elsewhere"  # no source tree on the path
    away.mkdir()
    clean_env = {"PATH": f"{environment / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    docclean = str(environment / "bin" / "docclean")

    installed = run(
        [docclean, "clean", str(inputs), "-o", str(tmp_path / "out"), "-q"], cwd=away, env=clean_env
    )
    run([docclean, "self-test"], cwd=away, env=clean_env)
    where = run(
        [python, "-c", "import engine, numpy; print(engine.__file__)"], cwd=away, env=clean_env
    )
    packages = run([python, "-m", "pip", "list", "--format=freeze"], env=clean_env).stdout

    assert Path(where.stdout.strip()).is_relative_to(environment), where.stdout
    assert "pyside6" not in packages.lower() and "opencv" not in packages.lower()
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["letter.pdf", "page.png"]
    from_source = tmp_path / "from-source"
    run(
        [sys.executable, "-m", "engine", "clean", str(inputs), "-o", str(from_source), "-q"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    # The same engine and model as the checkout's (the PDF's bytes may differ where the
    # fresh venv has newer PDF libraries: its pages may not).
    for name in ("letter.pdf", "page.png"):
        pages = zip(
            read_pages(tmp_path / "out" / name), read_pages(from_source / name), strict=True
        )
        for page, expected in pages:
            np.testing.assert_array_equal(page.pixels, expected.pixels)
            assert page.size_pt == expected.size_pt
    assert [page.count for page in read_pages(tmp_path / "out" / "letter.pdf")] == [2, 2]
    shipped = resource_files(REPO / "resources")
    share = environment / "share" / "docclean"
    assert sorted(path.name for path in (share / "models").iterdir()) == sorted(shipped["models"])
    assert installed.stderr == ""
