"""Help → About: a page for users, and the raw model card behind a Details button."""

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.about import AboutPage


class AboutDialog(QDialog):
    def __init__(self, page: AboutPage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About DocClean")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(page.html)
        self.details = QPlainTextEdit(page.details)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName("Model card")
        self.details.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.details_button = QPushButton("&Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show the model's card as it is, with its checksum")
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.details_button.toggled.connect(self.show_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 2)
        layout.addWidget(self.details, 3)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide &details" if shown else "&Details")
