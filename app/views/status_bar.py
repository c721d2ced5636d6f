"""The window's status bar: messages that stay a while, the comparison's zoom, batch progress."""

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

MESSAGE_MS = 10_000  # how long a message stays


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zoom_label = QLabel()
        self.zoom_label.setContentsMargins(0, 0, 12, 0)
        self.zoom_label.setToolTip(
            "Zoom of the comparison: 100% is one scanned pixel per screen pixel"
        )
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFormat("%p%")
        self.progress_bar.setMaximumWidth(240)
        self.progress_bar.hide()
        self.addPermanentWidget(self.zoom_label)
        self.addPermanentWidget(self.progress_label)
        self.addPermanentWidget(self.progress_bar)

    def show_message(self, text: str) -> None:
        self.showMessage(text, MESSAGE_MS)

    def clear_message(self, only: str | None = None) -> None:
        """Clear the message; with `only`, just when it is that one."""
        if only is None or self.currentMessage() == only:
            self.clearMessage()

    def show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"Zoom {zoom:.0%}")

    def show_running(self, running: bool) -> None:
        """Show an empty progress bar while a batch runs; hide it when it ends."""
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(running)

    def show_progress(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(round(fraction * 1000))
        self.progress_label.setText(text)

    def show_summary(self, text: str) -> None:
        """The line a finished batch leaves beside the progress bar."""
        self.progress_label.setText(text)
