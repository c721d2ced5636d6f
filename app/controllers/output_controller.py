"""Where results go and how they look: the output options between the options panel and the
settings, the output folder and the combined PDF, and the options a batch cleans with."""

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from app.controllers.batch_controller import BatchOptions
from app.controllers.dialog_controller import DialogController
from app.queue_model import QueueModel
from app.settings import AppSettings
from app.views.main_window import MainWindow
from engine.discovery import DEFAULT_OUTPUT_FOLDER, output_path_for


class OutputController(QObject):
    target_changed = Signal()  # another output folder or combined PDF

    def __init__(
        self,
        settings: AppSettings,
        window: MainWindow,
        queue_model: QueueModel,
        dialogs: DialogController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.window = window
        self.options = window.options_panel
        self.queue_model = queue_model
        self.dialogs = dialogs
        self._restore()
        self._connect()

    def _restore(self) -> None:
        options, settings = self.options, self.settings
        options.show_output_dir(settings.output_dir)
        options.show_mode(settings.output_mode)
        options.show_format(settings.output_format)
        options.show_dpi(settings.output_dpi)
        options.show_combine(settings.combine_into)
        options.show_subfolders(settings.recursive)
        options.show_overwrite(settings.overwrite)
        options.show_as_positive(settings.as_positive)

    def _connect(self) -> None:
        window, options = self.window, self.options
        window.choose_output_action.triggered.connect(self.choose_output_dialog)
        window.open_output_action.triggered.connect(self.open_output_folder)
        options.choose_output_requested.connect(self.choose_output_dialog)
        options.reset_output_requested.connect(lambda: self.set_output_dir(None))
        options.open_output_requested.connect(self.open_output_folder)
        options.combine_toggled.connect(self._on_combine_toggled)
        # Every other choice is remembered as it is made.
        for signal, name in (
            (options.mode_changed, "output_mode"),
            (options.format_changed, "output_format"),
            (options.dpi_changed, "output_dpi"),
            (options.subfolders_toggled, "recursive"),
            (options.overwrite_toggled, "overwrite"),
            (options.as_positive_toggled, "as_positive"),
        ):
            signal.connect(lambda value, name=name: setattr(self.settings, name, value))

    def save(self) -> None:
        """Store the choices the panel shows (on quit)."""
        options, settings = self.options, self.settings
        settings.output_mode = options.selected_mode()
        settings.output_format = options.selected_format()
        settings.recursive = options.includes_subfolders()
        settings.overwrite = options.overwrites()
        settings.as_positive = options.as_positive()

    def batch_options(self) -> BatchOptions:
        options = self.options
        return BatchOptions(
            output_dir=self.settings.output_dir,
            mode=options.selected_mode(),
            overwrite=options.overwrites(),
            output_format=options.selected_format(),
            combine_into=self.settings.combine_into,
            dpi=options.selected_dpi(),
            as_positive=options.as_positive(),
        )

    def choose_output_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Write cleaned pages to", str(self.settings.output_dir or "")
        )
        if folder:
            self.set_output_dir(Path(folder))

    def set_output_dir(self, folder: Path | None) -> None:
        self.settings.output_dir = folder
        self.options.show_output_dir(folder)
        self.target_changed.emit()

    def _on_combine_toggled(self, on: bool) -> None:
        self.set_combine_into(self.ask_combine_file() if on else None)

    def ask_combine_file(self) -> Path | None:
        """Ask for the PDF that receives every cleaned page; None if the user cancels."""
        folder = self.settings.output_dir or self.settings.last_input_dir or Path.home()
        suggested = self.settings.combine_into or folder / "cleaned.pdf"
        # An existing PDF is replaced only with "Overwrite results", like any other result,
        # so the dialog does not ask.
        path, _ = QFileDialog.getSaveFileName(
            self.window,
            "Combine the cleaned pages into",
            str(suggested),
            "PDF (*.pdf)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not path:
            return None
        path = Path(path)
        return path if path.suffix.lower() == ".pdf" else path.with_name(path.name + ".pdf")

    def set_combine_into(self, path: Path | None) -> None:
        """Write every cleaned page into the PDF `path`; None: one result per input."""
        self.settings.combine_into = path
        self.options.show_combine(path)
        self.target_changed.emit()

    def output_folder(self) -> Path | None:
        """The folder "Show results" opens: the combined PDF's, the chosen one, or the
        current page's."""
        if self.settings.combine_into is not None:
            return self.settings.combine_into.parent
        if self.settings.output_dir is not None:
            return self.settings.output_dir
        item = self.window.queue_view.current_item() or next(
            (item for item in self.queue_model.items() if item.output is not None), None
        )
        if item is None:
            return None
        return (item.output or output_path_for(item.source, None)).parent

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is None:
            self.window.status_bar.show_message(
                f"No output folder yet: results go to a “{DEFAULT_OUTPUT_FOLDER}” folder "
                "beside each input"
            )
        elif not folder.is_dir():
            self.window.status_bar.show_message(f"Nothing cleaned yet: {folder} does not exist yet")
        else:
            self.dialogs.open_in_desktop(folder)
