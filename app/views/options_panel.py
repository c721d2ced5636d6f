"""Where results go, how they look, and which model cleans them."""

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

MODE_LABELS = {"gray": "Grayscale", "bw": "Black and white", "color": "Colour"}
FORMAT_LABELS = {"same": "Same as input", "png": "PNG", "tiff": "TIFF", "pdf": "PDF"}
BESIDE_INPUTS = "a “cleaned” folder beside each input"
COMMON_DPIS = (150, 200, 300, 400, 600)  # the resolution menu's choices besides "Auto"
AUTO_DPI = "Auto (each file’s own)"


class OptionsPanel(QWidget):
    """The options under the queue; it says what the user chose through its signals."""

    choose_output_requested = Signal()
    reset_output_requested = Signal()  # back to a "cleaned" folder beside each input
    open_output_requested = Signal()
    choose_model_requested = Signal()
    mode_changed = Signal(str)  # a key of MODE_LABELS
    format_changed = Signal(str)  # a key of FORMAT_LABELS
    dpi_changed = Signal(object)  # int, or None for each file's own
    combine_toggled = Signal(bool)  # by the user; `show_combine` emits nothing
    subfolders_toggled = Signal(bool)
    overwrite_toggled = Signal(bool)
    as_positive_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.output_label = QLabel(BESIDE_INPUTS)
        self.output_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.choose_output_button = QPushButton("Change…")
        self.choose_output_button.setToolTip("Choose the folder cleaned pages are written to")
        self.reset_output_button = QPushButton("Beside inputs")
        self.reset_output_button.setToolTip("Write to a “cleaned” folder beside each input")
        self.open_output_button = QPushButton("Open")
        self.open_output_button.setToolTip("Open the output folder in the file manager (Ctrl+E)")

        self.mode_combo = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.mode_combo.addItem(label, mode)
        self.mode_combo.setToolTip(
            "Grayscale keeps soft edges; black and white gives small files for printing and "
            "OCR; colour whitens the paper and keeps each stroke's colour (pages without "
            "colour stay grey)"
        )
        self.format_combo = QComboBox()
        for output_format, label in FORMAT_LABELS.items():
            self.format_combo.addItem(label, output_format)
        self.format_combo.setToolTip(
            "File format of the results; a document of several pages as PNG becomes one file "
            "per page"
        )
        self.combine_check = QCheckBox("Combine into one PDF…")
        self.combine_check.setToolTip("Put every cleaned page, in queue order, into one PDF")
        self.combine_label = QLabel()
        self.combine_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.combine_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.dpi_combo = QComboBox()
        self.dpi_combo.addItem(AUTO_DPI, 0)
        for dpi in COMMON_DPIS:
            self.dpi_combo.addItem(f"{dpi} dpi", dpi)
        self.dpi_combo.setToolTip(
            "The pages’ resolution, for scans that carry none or a wrong one: written into "
            "every result (and the page size of a PDF). Auto keeps each file’s own."
        )
        self.recursive_check = QCheckBox("Include subfolders when opening a folder")
        self.overwrite_check = QCheckBox("Overwrite results that already exist")
        self.positive_check = QCheckBox("Negatives as black on white")
        self.positive_check.setToolTip(
            "Write pages of white writing on a dark ground (photostats, prints from "
            "microfilm) as black writing on white paper; otherwise they keep their look"
        )

        self.model_label = QLabel("No model loaded")
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.choose_model_button = QPushButton("Choose…")
        self.choose_model_button.setToolTip("Use another compatible .onnx model")

        output_row = QHBoxLayout()
        output_row.addWidget(self.output_label, 1)
        for button in (self.choose_output_button, self.reset_output_button):
            output_row.addWidget(button)
        output_row.addWidget(self.open_output_button)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode_combo)
        mode_row.addWidget(self.positive_check)
        mode_row.addWidget(self.overwrite_check)
        mode_row.addStretch(1)
        format_row = QHBoxLayout()
        format_row.addWidget(self.format_combo)
        self.dpi_label = QLabel("&Resolution:")
        self.dpi_label.setBuddy(self.dpi_combo)
        format_row.addWidget(self.dpi_label)
        format_row.addWidget(self.dpi_combo)
        format_row.addWidget(self.combine_check)
        format_row.addWidget(self.combine_label, 1)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_label, 1)
        model_row.addWidget(self.choose_model_button)

        form = QFormLayout(self)
        form.setContentsMargins(8, 4, 8, 4)
        form.addRow("Output folder:", output_row)
        form.addRow("Output:", mode_row)
        form.addRow("Format:", format_row)
        form.addRow("Opening:", self.recursive_check)
        form.addRow("Model:", model_row)
        self._connect()

    def _connect(self) -> None:
        self.choose_output_button.clicked.connect(self.choose_output_requested)
        self.reset_output_button.clicked.connect(self.reset_output_requested)
        self.open_output_button.clicked.connect(self.open_output_requested)
        self.choose_model_button.clicked.connect(self.choose_model_requested)
        self.mode_combo.currentIndexChanged.connect(
            lambda: self.mode_changed.emit(self.selected_mode())
        )
        self.format_combo.currentIndexChanged.connect(
            lambda: self.format_changed.emit(self.selected_format())
        )
        self.dpi_combo.currentIndexChanged.connect(
            lambda: self.dpi_changed.emit(self.selected_dpi())
        )
        self.combine_check.toggled.connect(self.combine_toggled)
        self.recursive_check.toggled.connect(self.subfolders_toggled)
        self.overwrite_check.toggled.connect(self.overwrite_toggled)
        self.positive_check.toggled.connect(self.as_positive_toggled)

    def show_output_dir(self, folder: Path | None) -> None:
        self.output_label.setText(str(folder) if folder else BESIDE_INPUTS)
        self.output_label.setToolTip(str(folder) if folder else "")
        self.reset_output_button.setEnabled(folder is not None)

    def show_mode(self, mode: str) -> None:
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(mode)))

    def selected_mode(self) -> str:
        return str(self.mode_combo.currentData())

    def show_format(self, output_format: str) -> None:
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(output_format)))

    def selected_format(self) -> str:
        return str(self.format_combo.currentData())

    def show_dpi(self, dpi: int | None) -> None:
        """Choose `dpi` (None: Auto); one not in the menu is added to it."""
        value = dpi or 0
        if self.dpi_combo.findData(value) < 0:
            self.dpi_combo.addItem(f"{value} dpi", value)
        self.dpi_combo.setCurrentIndex(self.dpi_combo.findData(value))

    def selected_dpi(self) -> int | None:
        return int(self.dpi_combo.currentData()) or None

    def show_combine(self, path: Path | None) -> None:
        """Tick "Combine" and name the PDF, or untick it; emits no `toggled`."""
        was_blocked = self.combine_check.blockSignals(True)
        self.combine_check.setChecked(path is not None)
        self.combine_check.blockSignals(was_blocked)
        self.combine_label.setText(path.name if path else "")
        self.combine_label.setToolTip(str(path) if path else "")

    def show_subfolders(self, included: bool) -> None:
        self.recursive_check.setChecked(included)

    def includes_subfolders(self) -> bool:
        return self.recursive_check.isChecked()

    def show_overwrite(self, overwrite: bool) -> None:
        self.overwrite_check.setChecked(overwrite)

    def overwrites(self) -> bool:
        return self.overwrite_check.isChecked()

    def show_as_positive(self, on: bool) -> None:
        self.positive_check.setChecked(on)

    def as_positive(self) -> bool:
        return self.positive_check.isChecked()

    def enable_choices(
        self, running: bool, combined: bool, custom_output: bool, model_choosable: bool
    ) -> None:
        """What a running batch uses stays fixed until it ends; a combined result is always
        a PDF; "Beside inputs" only where another folder is chosen."""
        for widget in (
            self.mode_combo,
            self.dpi_combo,
            self.overwrite_check,
            self.positive_check,
            self.choose_output_button,
            self.combine_check,
        ):
            widget.setEnabled(not running)
        self.format_combo.setEnabled(not running and not combined)
        self.reset_output_button.setEnabled(not running and custom_output)
        self.choose_model_button.setEnabled(model_choosable)

    def show_model(self, text: str, tooltip: str = "", missing: bool = False) -> None:
        self.model_label.setText(f"<b>{text}</b>" if missing else text)
        self.model_label.setToolTip(tooltip)
