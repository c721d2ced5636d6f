"""Questions and notices the main window asks or shows; the controller acts on the answers."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget


def quit_question(parent: QWidget, files_left: int) -> tuple[QMessageBox, QAbstractButton]:
    """Asked when the window closes during a batch; returns the box and its "quit" button."""
    files = f"{files_left} file{'s are' if files_left != 1 else ' is'}"
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Quit while cleaning?",
        f"Cleaning is not finished: {files} not cleaned yet.",
        parent=parent,
    )
    box.setInformativeText(
        "Stop cleaning and quit? Pages already cleaned are kept; nothing half-written stays."
    )
    stop = box.addButton("Stop and quit", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep cleaning", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    return box, stop


def copy_path_notice(
    parent: QWidget, path: Path, folder: bool
) -> tuple[QMessageBox, QAbstractButton]:
    """Shown when nothing opened `path`; returns the box and its "Copy path" button."""
    if folder:
        text = "No file manager is set up to open folders on this computer. The results are in:"
    else:
        text = f"No application is set up to open {path.suffix} files here. The result is:"
    box = QMessageBox(QMessageBox.Icon.Information, "Cannot open", text, parent=parent)
    box.setInformativeText(str(path))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    copy = box.addButton("Copy path", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(copy)
    return box, copy
