"""The pinned Qt binding keeps Python's reference counts intact in a long session.

PySide6 6.12.0 drops a reference to None/True on every void call and signal emit, which
aborts Python 3.11 after a few thousand calls; pyproject.toml keeps it out.
"""

import os
import subprocess
import sys
import textwrap

BUSY_SESSION = textwrap.dedent(
    """
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QWidget

    class Emitter(QObject):
        ping = Signal(object)

    application = QApplication([])
    widget, emitter = QWidget(), Emitter()
    emitter.ping.connect(lambda value: None)
    for index in range(200_000):
        widget.setEnabled(True)
        widget.update()
        emitter.ping.emit(index)
    print("survived")
    """
)


def test_a_busy_session_survives() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BUSY_SESSION],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "survived" in result.stdout
