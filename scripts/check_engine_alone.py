"""`make test-engine-alone`: fail when the engine-only venv holds what the engine must not need."""

import importlib.util
import sys

UNWANTED = ("PySide6", "cv2", "tensorflow", "ray")

present = [name for name in UNWANTED if importlib.util.find_spec(name) is not None]
if present:
    sys.exit(f"the engine-only venv has {', '.join(present)}: a runtime dependency pulls it in")
print("engine-only venv: no " + ", ".join(UNWANTED))
