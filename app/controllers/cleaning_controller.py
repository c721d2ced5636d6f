"""Clean all, Clean selected and Cancel from the window, and what the window shows of a batch
while it runs and when it ends; `BatchController` does the cleaning."""

from PySide6.QtCore import QObject

from app.controllers.batch_controller import BatchController, BatchProgress, summary_text
from app.controllers.compare_controller import CompareController
from app.controllers.model_controller import ModelController
from app.controllers.output_controller import OutputController
from app.controllers.queue_controller import QueueController
from app.queue_model import ItemState, QueueItem, QueueModel
from app.views.main_window import MainWindow
from engine.events import BatchFinished


class CleaningController(QObject):
    def __init__(
        self,
        window: MainWindow,
        batch: BatchController,
        queue: QueueController,
        queue_model: QueueModel,
        models: ModelController,
        output: OutputController,
        compare: CompareController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.batch = batch
        self.queue = queue
        self.queue_model = queue_model
        self.models = models
        self.output = output
        self.compare = compare
        window.clean_all_action.triggered.connect(self.clean_all)
        window.clean_selected_action.triggered.connect(self.clean_selected)
        window.cancel_action.triggered.connect(batch.cancel)
        batch.running_changed.connect(self._on_running_changed)
        batch.progress.connect(self._on_progress)
        batch.finished.connect(self._on_batch_finished)
        batch.message.connect(window.status_bar.show_message)

    def clean_all(self) -> int:
        """Clean every page without a result for the current settings."""
        items = self.batch.outdated(self.queue_model.items(), self.output.batch_options())
        if not items and self.models.denoiser is not None:
            self.window.status_bar.show_message(
                "Nothing to clean: every page is done with these settings "
                "(Clean selected cleans pages again)"
            )
            return 0
        return self._clean(items)

    def clean_selected(self) -> int:
        rows = self.window.queue_view.selected_rows()
        return self._clean([self.queue_model.item(row) for row in rows])

    def _clean(self, items: list[QueueItem]) -> int:
        denoiser = self.models.denoiser
        status = self.window.status_bar
        if denoiser is None:
            status.show_message("No model loaded: choose one first (Model → Choose model…)")
            return 0
        if not items:
            status.show_message("Nothing to clean: select pages first")
            return 0
        count = self.batch.start(items, denoiser, self.output.batch_options())
        self.queue.locked = set(self.batch.sources)
        if count:
            status.show_message(f"Cleaning {count} file{'s' if count != 1 else ''}…")
        return count

    def _on_running_changed(self, running: bool) -> None:
        self.window.status_bar.show_running(running)
        if not running:
            self.queue.locked = set()

    def _on_progress(self, progress: BatchProgress) -> None:
        self.window.status_bar.show_progress(progress.fraction, progress.describe())

    def _on_batch_finished(self, event: BatchFinished) -> None:
        status = self.window.status_bar
        status.show_summary(summary_text(event, self.batch.final_pages_per_minute))
        self._select_a_cleaned_page()
        self.compare.refresh()  # a combined PDF exists only now
        status.clear_message()  # the summary above says it once
        if event.skipped and not self.output.batch_options().overwrite:
            results = "its result exists" if event.skipped == 1 else "their results exist"
            status.show_message(
                f"{event.skipped} skipped: {results} already; tick “Overwrite results that "
                "already exist” to replace them"
            )

    def _select_a_cleaned_page(self) -> None:
        """After a batch, show the first cleaned page rather than a page that is not (a
        failed file cannot be shown); a selection of several rows is the user's and stays."""
        view = self.window.queue_view
        current = view.current_item()
        if (current is not None and current.finished) or len(view.selected_rows()) > 1:
            return
        items = self.queue_model.items()
        first = next((row for row, item in enumerate(items) if item.state == ItemState.DONE), None)
        if first is not None:
            view.selectRow(first)
