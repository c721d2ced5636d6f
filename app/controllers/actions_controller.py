"""Which actions and options the window offers now: one rule for all of them, worked out
again whenever the queue, the selection, the batch, the model or the output target changes."""

from PySide6.QtCore import QObject

from app.controllers.batch_controller import BatchController
from app.controllers.model_controller import ModelController
from app.queue_model import QueueModel
from app.settings import AppSettings
from app.views.main_window import MainWindow


class ActionsController(QObject):
    def __init__(
        self,
        window: MainWindow,
        queue_model: QueueModel,
        batch: BatchController,
        models: ModelController,
        settings: AppSettings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.queue_model = queue_model
        self.batch = batch
        self.models = models
        self.settings = settings

    def update(self) -> None:
        window, view = self.window, self.window.queue_view
        running = self.batch.running
        count = len(self.queue_model)
        has_items = count > 0
        can_clean = has_items and not running and self.models.denoiser is not None
        window.clean_all_action.setEnabled(can_clean)
        window.clean_selected_action.setEnabled(can_clean and view.has_selection())
        window.cancel_action.setEnabled(running)
        window.remove_action.setEnabled(has_items)
        window.clear_action.setEnabled(has_items)
        # A running batch keeps its order; pages already at the top cannot go higher.
        selected = view.selected_rows()
        can_move = bool(selected) and not running
        window.move_up_action.setEnabled(can_move and selected != list(range(len(selected))))
        window.move_down_action.setEnabled(
            can_move and selected != list(range(count - len(selected), count))
        )
        can_choose_model = not running and not self.models.loading
        window.options_panel.enable_choices(
            running,
            combined=self.settings.combine_into is not None,
            custom_output=self.settings.output_dir is not None,
            model_choosable=can_choose_model,
        )
        window.choose_model_action.setEnabled(can_choose_model)
        window.bundled_model_action.setEnabled(can_choose_model)
        window.choose_output_action.setEnabled(not running)
