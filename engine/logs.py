"""Where DocClean writes the tracebacks of unexpected errors (bugs, not bad files), so that a
user's one-line message can point at the whole story.

The log is `docclean.log` in the platform's folder for such files: `$XDG_STATE_HOME/docclean`
(`~/.local/state/docclean`) on Linux, `~/Library/Logs/DocClean` on macOS,
`%LOCALAPPDATA%\\DocClean\\Logs` on Windows; `DOCCLEAN_LOG_DIR` overrides it.
"""

import logging
import os
import sys
from pathlib import Path

from engine.errors import FileError

LOG_DIR_ENV = "DOCCLEAN_LOG_DIR"
LOGGER = logging.getLogger("docclean")


def log_dir() -> Path:
    if override := os.environ.get(LOG_DIR_ENV):
        return Path(override)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "DocClean"
    if sys.platform == "win32":
        return (
            Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "DocClean" / "Logs"
        )
    return Path(os.environ.get("XDG_STATE_HOME", home / ".local" / "state")) / "docclean"


def log_file() -> Path:
    return log_dir() / "docclean.log"


def unexpected(error: BaseException, where: object) -> str:
    """Log `error`'s traceback (call inside its `except`); the reason a user reads:
    "unexpected error: … (details in …/docclean.log)"."""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:  # no place for a log: the message is all there is
        return f"unexpected error: {error}"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOGGER.addHandler(handler)
    try:
        LOGGER.error("unexpected error on %s", where, exc_info=error)
    finally:
        LOGGER.removeHandler(handler)
        handler.close()
    return f"unexpected error: {error} (details in {path})"


def failure_reason(error: Exception, source: object) -> str:
    """What a user is told when one file fails: a file's own reason, a lack of memory, or
    an unexpected error (its traceback logged, `unexpected`)."""
    if isinstance(error, FileError):
        return error.reason
    if isinstance(error, MemoryError):
        return "not enough memory for this page"
    return unexpected(error, source)
