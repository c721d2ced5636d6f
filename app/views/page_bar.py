"""Previous/next page buttons and "page 2 of 5" under the comparison of a multi-page file."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget


class PageBar(QWidget):
    """Buttons for the window's page actions and the page shown; hidden for one-page files."""

    def __init__(
        self, previous_action: QAction, next_action: QAction, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.previous_button = QToolButton()
        self.previous_button.setDefaultAction(previous_action)
        self.next_button = QToolButton()
        self.next_button.setDefaultAction(next_action)
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("page 888 of 888"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addStretch(1)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.label)
        layout.addWidget(self.next_button)
        layout.addStretch(1)
        self.hide()

    def show_page(self, index: int, count: int) -> None:
        """Show "page index+1 of count"; one page or none hides the bar."""
        self.label.setText(f"page {index + 1} of {count}")
        self.setVisible(count > 1)
