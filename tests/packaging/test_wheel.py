"""A regular (non-editable) install finds the bundled model, samples and icons."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.packaging
def test_installed_wheel_finds_its_resources(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("docclean-*.whl")
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "from engine.models import default_model_path, resource_path\n"
        "print(default_model_path())\n"
        "print(resource_path('samples/stained-page.png'))\n"
        "print(resource_path('icons/docclean-64.png'))\n"
    )
    result = subprocess.run(
        [python, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    paths = [Path(line) for line in result.stdout.split()]
    for path in paths:
        assert path.is_file(), path
        assert path.is_relative_to(environment), path  # not the checkout's copy
