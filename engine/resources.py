"""Where the bundled model lives: a source checkout, an installed copy or a frozen app."""

import os
import sys
from pathlib import Path

from engine.bundle import MODEL_FILE

MODEL_ENV = "DOCCLEAN_MODEL"


def resource_dirs() -> list[Path]:
    """Folders that may hold `resources/` content, most specific first."""
    dirs = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        dirs.append(Path(frozen_root) / "resources")
    dirs.append(Path(__file__).resolve().parent.parent / "resources")  # source checkout
    dirs.append(Path(sys.prefix) / "share" / "docclean")  # installed data files
    return dirs


def resource_path(relative: str) -> Path:
    """First existing `resources/<relative>`; the checkout's path when none exists."""
    for folder in resource_dirs():
        candidate = folder / relative
        if candidate.exists():
            return candidate
    return resource_dirs()[-2] / relative


def default_model_path() -> Path:
    """The model `docclean` uses without `--model`; `DOCCLEAN_MODEL` overrides it."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    return resource_path(f"models/{MODEL_FILE}")
