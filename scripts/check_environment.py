"""Fail set-up when the non-headless OpenCV wheel is installed: its Qt plugins break PySide6."""

import importlib.metadata
import sys

for name in ("opencv-python", "opencv-contrib-python"):
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        continue
    sys.exit(
        f"{name} is installed; DocClean needs opencv-python-headless only. "
        f"Run: .venv/bin/pip uninstall -y {name} opencv-python-headless && make setup"
    )
print("environment ok: opencv-python-headless only")
