"""The banner above the queue while no model is loaded."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QWidget


class ModelBanner(QFrame):
    """Shown while no model is loaded: says so and offers to choose one."""

    choose_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.choose_button = QPushButton("Choose model…")
        self.choose_button.clicked.connect(self.choose_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        picture = QLabel()
        picture.setPixmap(icon.pixmap(24, 24))
        layout.addWidget(picture)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.choose_button)
        self.hide()

    def show_missing(self, why: str) -> None:
        self.label.setText(f"<b>No model loaded.</b> {why} Choose a .onnx model to clean pages.")
        self.show()
