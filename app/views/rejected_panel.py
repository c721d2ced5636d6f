"""A dismissible list of the files that were not queued, each with the reason."""

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class RejectedPanel(QFrame):
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.list = QListWidget()
        self.list.setAccessibleName("Files not added")
        self.list.setMaximumHeight(120)
        self.list.setWordWrap(True)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(self.dismissed)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.list)
        self.hide()

    def show_rejected(self, rejected: list[tuple[Path, str]]) -> None:
        self.list.clear()
        for path, reason in rejected:
            self.list.addItem(f"{path.name} — {reason}")
            self.list.item(self.list.count() - 1).setToolTip(str(path))
        count = len(rejected)
        self.title.setText(f"{count} file{'s' if count != 1 else ''} not added:")
        self.setVisible(bool(rejected))

    def lines(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]
