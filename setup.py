"""The wheel's data files (`<prefix>/share/docclean/…`, found by `engine.resources`) come from
`engine/bundle.py`, the one list of shipped resources; everything else is in pyproject.toml."""

import runpy
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
bundle = runpy.run_path(str(ROOT / "engine" / "bundle.py"))
if missing := bundle["missing_files"](ROOT / "resources"):
    raise SystemExit(f"resources/ lacks {', '.join(missing)}: train or copy the model first")
setup(
    data_files=[
        (f"share/docclean/{folder}", [f"resources/{folder}/{name}" for name in names])
        for folder, names in bundle["resource_files"](ROOT / "resources").items()
    ]
)
