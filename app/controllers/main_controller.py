"""The composition root: builds the main window and the controllers, and connects them.

Each controller owns one concern (its module says which); what one controller's signal means
for another is wired here, and nowhere else.
"""

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from app.controllers.actions_controller import ActionsController
from app.controllers.batch_controller import BatchController, BatchOptions
from app.controllers.cleaning_controller import CleaningController
from app.controllers.compare_controller import CompareController
from app.controllers.dialog_controller import DialogController
from app.controllers.input_controller import InputController
from app.controllers.model_choice_controller import ModelChoiceController
from app.controllers.model_controller import ModelController
from app.controllers.output_controller import OutputController
from app.controllers.preview_controller import PreviewController
from app.controllers.queue_controller import QueueController
from app.controllers.queue_edit_controller import QueueEditController
from app.controllers.quit_controller import QuitController
from app.queue_model import QueueItem, QueueModel
from app.settings import AppSettings
from app.views.main_window import MainWindow
from app.workers.tasks import TaskRunner


class MainController(QObject):
    """Owns the window and the controllers; the one place that knows how they connect."""

    def __init__(self, settings: AppSettings, window: MainWindow | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.window = window = window or MainWindow()
        # The work, off the window: background tasks, the queue, batches, models, previews.
        self.runner = TaskRunner(self)
        self.queue_model = QueueModel(self)
        self.queue = QueueController(self.queue_model, self.runner, self)
        self.batch = BatchController(self.queue_model, self)
        self.models = ModelController(self.runner, self)
        self.compare = CompareController(self.runner, self)
        window.queue_view.setModel(self.queue_model)
        window.restore_layout(
            settings.window_geometry, settings.window_state, settings.splitter_state
        )
        window.show_compare_mode(settings.compare_mode)
        # The window's behaviour, one concern each; each restores and connects its own part.
        self.dialogs = DialogController(window, self.models, self)
        self.output = OutputController(settings, window, self.queue_model, self.dialogs, self)
        self.inputs = InputController(settings, window, self.queue, self.queue_model, self)
        self.editing = QueueEditController(window, self.queue, self.dialogs, self)
        self.model_choice = ModelChoiceController(self.models, settings, window, self.dialogs, self)
        self.preview = PreviewController(window, self.compare, self.queue_model, self)
        self.cleaning = CleaningController(
            window,
            self.batch,
            self.queue,
            self.queue_model,
            self.models,
            self.output,
            self.compare,
            parent=self,
        )
        self.actions = ActionsController(
            window, self.queue_model, self.batch, self.models, settings, self
        )
        self._connect()
        # Last, so that a batch that stopped has updated the window before it closes.
        self.quit = QuitController(
            window, self.batch, self.runner, self.queue_model, self.save_settings, self
        )
        self.actions.update()

    def _connect(self) -> None:
        # The After side previews the output mode as the loaded model writes it.
        self.compare.set_mode(self.settings.output_mode)
        self.window.options_panel.mode_changed.connect(self.compare.set_mode)
        self.models.model_changed.connect(self.compare.set_model)
        # What the window offers is worked out again after anything it depends on changes
        # (and after the controllers above have shown that change).
        model = self.queue_model
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.rowsMoved,
            model.modelReset,
            model.dataChanged,
            self.window.queue_view.selection_changed,
            self.batch.running_changed,
            self.model_choice.status_changed,
            self.output.target_changed,
        ):
            signal.connect(self.actions.update)

    def save_settings(self) -> None:
        settings, window = self.settings, self.window
        settings.window_geometry, settings.window_state, settings.splitter_state = (
            window.save_layout()
        )
        self.output.save()
        settings.compare_mode = window.compare_view.mode
        settings.sync()

    def shutdown(self) -> None:
        """Save settings, stop the batch between tiles and wait for every worker."""
        self.quit.shutdown()

    # What the command line and the tests ask of the window, by the controller that does it.

    def load_initial_model(self, path: Path | None = None) -> None:
        self.model_choice.load_initial_model(path)

    def load_model(self, path: Path) -> None:
        self.model_choice.load_model(path)

    def add_paths(self, paths: list[Path]) -> None:
        self.inputs.add_paths(paths)

    def move_selected(self, step: int) -> None:
        self.editing.move_selected(step)

    def current_item(self) -> QueueItem | None:
        return self.window.queue_view.current_item()

    def clean_all(self) -> int:
        return self.cleaning.clean_all()

    def clean_selected(self) -> int:
        return self.cleaning.clean_selected()

    def batch_options(self) -> BatchOptions:
        return self.output.batch_options()

    def set_output_dir(self, folder: Path | None) -> None:
        self.output.set_output_dir(folder)

    def set_combine_into(self, path: Path | None) -> None:
        self.output.set_combine_into(path)

    def open_output_folder(self) -> None:
        self.output.open_output_folder()

    @property
    def message_box(self) -> QMessageBox | None:
        return self.dialogs.message_box

    @property
    def about_dialog(self) -> QWidget | None:
        return self.dialogs.about_dialog

    @property
    def quit_box(self) -> QMessageBox | None:
        return self.quit.quit_box
