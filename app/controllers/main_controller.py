"""Wires the main window to the queue, batch, compare and model controllers."""

from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from app.about import about_page
from app.controllers.batch_controller import (
    BatchController,
    BatchOptions,
    BatchProgress,
    summary_text,
)
from app.controllers.compare_controller import CompareController
from app.controllers.model_controller import ModelController
from app.controllers.queue_controller import QueueController
from app.queue_model import ItemState, QueueItem, QueueModel
from app.settings import AppSettings
from app.views.about_dialog import AboutDialog
from app.views.compare_view import SIDE_BY_SIDE, SPLIT
from app.views.main_window import MainWindow
from app.views.message_boxes import copy_path_notice, quit_question
from app.workers.tasks import TaskRunner
from engine.denoiser import Denoiser
from engine.events import BatchFinished
from engine.io import SUPPORTED_SUFFIXES
from engine.pipeline import DEFAULT_OUTPUT_FOLDER, Rejected, output_path_for

SCAN_FILTER = "Scans: images and PDFs ({});;All files (*)".format(
    " ".join(f"*{suffix}" for suffix in sorted(SUPPORTED_SUFFIXES))
)
LOADING_MODEL = "Loading the model…"


class MainController(QObject):
    """Owns the window and the controllers; the one place that knows how they connect."""

    def __init__(self, settings: AppSettings, window: MainWindow | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.window = window or MainWindow()
        self.runner = TaskRunner(self)
        self.queue_model = QueueModel(self)
        self.queue = QueueController(self.queue_model, self.runner, self)
        self.batch = BatchController(self.queue_model, self)
        self.models = ModelController(self.runner, self)
        self.compare = CompareController(self.runner, self)
        self.message_box: QMessageBox | None = None
        self.about_dialog: AboutDialog | None = None
        self.quit_box: QMessageBox | None = None
        self._quit_when_stopped = False
        self._shown_state: ItemState | None = None
        self._closed = False
        self.window.queue_view.setModel(self.queue_model)
        self._restore_settings()
        self._fill_recent_menu()
        self._connect()
        self._update_actions()

    # Set-up

    def _restore_settings(self) -> None:
        window, settings = self.window, self.settings
        if settings.window_geometry is None or not window.restoreGeometry(settings.window_geometry):
            screen = window.screen().availableGeometry()
            window.resize(
                min(window.width(), int(screen.width() * 0.9)),
                min(window.height(), int(screen.height() * 0.9)),
            )
        if settings.window_state is not None:
            window.restoreState(settings.window_state)
        if settings.splitter_state is None or not window.splitter.restoreState(
            settings.splitter_state
        ):
            width = window.width()
            window.splitter.setSizes([width * 2 // 5, width * 3 // 5])
        options = window.options_panel
        options.show_output_dir(settings.output_dir)
        options.show_mode(settings.output_mode)
        self.compare.set_mode(settings.output_mode)
        options.show_format(settings.output_format)
        options.show_dpi(settings.output_dpi)
        options.show_combine(settings.combine_into)
        options.recursive_check.setChecked(settings.recursive)
        options.overwrite_check.setChecked(settings.overwrite)
        side_by_side = settings.compare_mode == SIDE_BY_SIDE
        window.side_by_side_action.setChecked(side_by_side)
        window.compare_view.set_mode(SIDE_BY_SIDE if side_by_side else SPLIT)

    def save_settings(self) -> None:
        window, settings = self.window, self.settings
        settings.window_geometry = window.saveGeometry()
        settings.window_state = window.saveState()
        settings.splitter_state = window.splitter.saveState()
        settings.output_mode = window.options_panel.selected_mode()
        settings.output_format = window.options_panel.selected_format()
        settings.recursive = window.options_panel.recursive_check.isChecked()
        settings.overwrite = window.options_panel.overwrite_check.isChecked()
        settings.compare_mode = window.compare_view.mode
        settings.sync()

    def _connect(self) -> None:
        window, options = self.window, self.window.options_panel
        window.open_folder_action.triggered.connect(self.open_folder_dialog)
        window.open_files_action.triggered.connect(self.open_files_dialog)
        window.choose_output_action.triggered.connect(self.choose_output_dialog)
        window.open_output_action.triggered.connect(self.open_output_folder)
        window.quit_action.triggered.connect(window.close)
        window.clean_all_action.triggered.connect(self.clean_all)
        window.clean_selected_action.triggered.connect(self.clean_selected)
        window.cancel_action.triggered.connect(self.batch.cancel)
        window.remove_action.triggered.connect(self.remove_selected)
        window.clear_action.triggered.connect(self.clear_queue)
        window.undo_action.triggered.connect(self.undo_remove)
        window.open_result_action.triggered.connect(self.open_result)
        window.show_in_folder_action.triggered.connect(self.show_result_in_folder)
        window.queue_view.customContextMenuRequested.connect(self.show_row_menu)
        window.move_up_action.triggered.connect(lambda: self.move_selected(-1))
        window.move_down_action.triggered.connect(lambda: self.move_selected(1))
        window.fit_action.triggered.connect(window.compare_view.fit)
        window.actual_size_action.triggered.connect(lambda: window.compare_view.actual_size())
        window.zoom_in_action.triggered.connect(lambda: window.compare_view.zoom_by(1.25))
        window.zoom_out_action.triggered.connect(lambda: window.compare_view.zoom_by(0.8))
        window.previous_page_action.triggered.connect(lambda: self.compare.step_page(-1))
        window.next_page_action.triggered.connect(lambda: self.compare.step_page(1))
        window.side_by_side_action.toggled.connect(
            lambda on: window.compare_view.set_mode(SIDE_BY_SIDE if on else SPLIT)
        )
        window.choose_model_action.triggered.connect(self.choose_model_dialog)
        window.bundled_model_action.triggered.connect(self.use_bundled_model)
        window.about_action.triggered.connect(self.show_about)
        window.urls_dropped.connect(self.drop_urls)
        window.close_guard = self.may_close
        window.closing.connect(self.shutdown)
        window.model_banner.choose_button.clicked.connect(self.choose_model_dialog)
        window.rejected_panel.dismiss_button.clicked.connect(self.queue.clear_rejected)

        options.choose_output_button.clicked.connect(self.choose_output_dialog)
        options.reset_output_button.clicked.connect(lambda: self.set_output_dir(None))
        options.open_output_button.clicked.connect(self.open_output_folder)
        options.choose_model_button.clicked.connect(self.choose_model_dialog)
        options.mode_combo.currentIndexChanged.connect(self._on_mode_changed)
        options.format_combo.currentIndexChanged.connect(
            lambda: setattr(self.settings, "output_format", options.selected_format())
        )
        options.combine_check.toggled.connect(self._on_combine_toggled)
        options.dpi_combo.currentIndexChanged.connect(
            lambda: setattr(self.settings, "output_dpi", options.selected_dpi())
        )
        options.recursive_check.toggled.connect(lambda on: setattr(self.settings, "recursive", on))
        options.overwrite_check.toggled.connect(lambda on: setattr(self.settings, "overwrite", on))

        self.queue.added.connect(self._on_added)
        self.queue.rejected_changed.connect(self._on_rejected_changed)
        self.queue.can_undo_changed.connect(window.undo_action.setEnabled)
        self.queue_model.rowsInserted.connect(self._update_actions)
        self.queue_model.rowsRemoved.connect(self._update_actions)
        self.queue_model.rowsMoved.connect(self._update_actions)
        self.queue_model.modelReset.connect(self._update_actions)
        self.queue_model.dataChanged.connect(self._on_item_changed)
        selection = window.queue_view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_changed)
        selection.selectionChanged.connect(self._update_actions)

        self.batch.running_changed.connect(self._on_running_changed)
        self.batch.progress.connect(self._on_progress)
        self.batch.finished.connect(self._on_batch_finished)
        self.batch.message.connect(self.show_message)
        self.models.model_changed.connect(self._on_model_changed)
        self.models.model_refused.connect(self._on_model_refused)
        self.models.loading_changed.connect(self._on_model_loading)
        self.compare.images_ready.connect(window.compare_view.set_images)
        self.compare.page_changed.connect(self._on_page_changed)
        window.compare_view.zoom_changed.connect(
            lambda zoom: window.zoom_label.setText(f"Zoom {zoom:.0%}")
        )

    # Models

    def load_initial_model(self, path: Path | None = None) -> None:
        """Load `path`, else the model chosen last time, else the bundled one."""
        bundled = self.models.default_path()
        chosen = path or self.settings.model_path or bundled
        if chosen == bundled and not bundled.is_file():
            self._show_no_model(f"The bundled model was not found at {bundled}.")
            return
        self.models.load(chosen, fallback=bundled if bundled.is_file() else None)

    def load_model(self, path: Path) -> None:
        self.models.load(path)

    def choose_model_dialog(self) -> None:
        current = self.models.denoiser.model_path.parent if self.models.denoiser else None
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Choose a DocClean model", str(current or ""), "ONNX models (*.onnx)"
        )
        if path:
            self.load_model(Path(path))

    def use_bundled_model(self) -> None:
        bundled = self.models.default_path()
        if not bundled.is_file():
            self._warn("No bundled model", f"The bundled model was not found at {bundled}.")
            return
        self.settings.model_path = None
        self.load_model(bundled)

    def _on_model_changed(self, denoiser: Denoiser) -> None:
        bundled = self.models.default_path()
        is_bundled = denoiser.model_path.resolve() == bundled.resolve()
        self.settings.model_path = None if is_bundled else denoiser.model_path
        self.window.model_banner.hide()
        self.window.options_panel.show_model(
            f"{denoiser.name} ({denoiser.model_path.name})", denoiser.describe()
        )
        self.show_message(f"Ready to clean with the {denoiser.name} model")
        self.compare.set_ink_threshold(denoiser.ink_threshold)
        self._update_actions()

    def _on_model_refused(self, path: Path, reason: str) -> None:
        self._warn(
            "Model refused",
            f"DocClean cannot use {path.name}:\n\n{reason}",
            detail=str(path),
        )
        if self.models.denoiser is None and not self.models.loading:
            self._show_no_model(f"{path.name} was refused: {reason}")

    def _on_model_loading(self, loading: bool) -> None:
        if loading:
            self.show_message(LOADING_MODEL)
        elif self.window.statusBar().currentMessage() == LOADING_MODEL:
            self.window.statusBar().clearMessage()  # loaded or refused: it says so itself
        self._update_actions()

    def _show_no_model(self, why: str) -> None:
        banner = self.window.model_banner
        banner.label.setText(f"<b>No model loaded.</b> {why} Choose a .onnx model to clean pages.")
        banner.show()
        self.window.options_panel.show_model("No model loaded", why, missing=True)
        self._update_actions()

    # Queue

    def add_paths(self, paths: list[Path]) -> None:
        for folder in filter(Path.is_dir, paths):
            self.settings.remember_folder(folder.absolute())
        self._fill_recent_menu()
        self.queue.add_paths(paths, self.window.options_panel.recursive_check.isChecked())

    def _fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        for folder in self.settings.recent_folders:
            action = menu.addAction(str(folder))
            action.setEnabled(folder.is_dir())
            action.triggered.connect(lambda _=False, folder=folder: self.add_paths([folder]))
        menu.setEnabled(not menu.isEmpty())

    def drop_urls(self, urls: list[QUrl]) -> None:
        local = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
        remote = [url for url in urls if not url.isLocalFile()]
        if remote:
            self.queue.rejected.extend(
                Rejected(Path(url.toString()), "not a local file; save it to disk first")
                for url in remote
            )
            self.queue.rejected_changed.emit()
        self.add_paths(local)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Open a folder of scans", str(self.settings.last_input_dir or "")
        )
        if folder:
            self.settings.last_input_dir = Path(folder)
            self.add_paths([Path(folder)])

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self.window, "Open scans", str(self.settings.last_input_dir or ""), SCAN_FILTER
        )
        if files:
            self.settings.last_input_dir = Path(files[0]).parent
            self.add_paths([Path(file) for file in files])

    def remove_selected(self) -> None:
        rows = self.window.queue_view.selected_rows()
        removed = self.queue.remove_rows(rows)
        if removed < len(rows):
            self.show_message("Pages being cleaned stay in the queue until the batch ends")

    def move_selected(self, step: int) -> None:
        """Move the selected pages one place up (-1) or down (+1): the combined PDF's order."""
        moved = self.queue.move_rows(self.window.queue_view.selected_rows(), step)
        if moved:  # the selection follows the rows by itself; keep them in sight
            self.window.queue_view.scrollTo(self.queue_model.index(moved[0], 0))

    def clear_queue(self) -> None:
        if self.queue.clear():
            self.show_message("Queue cleared: Ctrl+Z puts the pages back")

    def undo_remove(self) -> None:
        restored = self.queue.undo_remove()
        self.show_message(f"{restored} page{'s' if restored != 1 else ''} back in the queue")

    def show_row_menu(self, position: QPoint) -> QMenu | None:
        """The right-click menu of a queue row: open its result, show it, clean, remove."""
        view = self.window.queue_view
        index = view.indexAt(position)
        if not index.isValid():
            return None
        if index.row() not in view.selected_rows():
            view.selectRow(index.row())
        has_result = self._current_result() is not None
        self.window.open_result_action.setEnabled(has_result)
        self.window.show_in_folder_action.setEnabled(has_result)
        menu = self.window.row_menu
        menu.popup(view.viewport().mapToGlobal(position))
        return menu

    def _current_result(self) -> Path | None:
        item = self.current_item()
        result = item.result_page() if item is not None and item.finished else None
        return result[0] if result is not None and result[0].is_file() else None

    def open_result(self) -> None:
        if (result := self._current_result()) is not None:
            self._open_in_desktop(result)

    def show_result_in_folder(self) -> None:
        if (result := self._current_result()) is not None:
            self._open_in_desktop(result.parent)

    def _on_added(self, added: int, duplicates: int) -> None:
        text = f"Queued {added} file{'s' if added != 1 else ''}" if added else "Nothing queued"
        if duplicates:
            text += f"; {duplicates} already in the queue"
        elif not added and self.queue.rejected:
            text += ": see the files not added"
        self.show_message(text)
        view = self.window.queue_view
        if added and not view.selectionModel().hasSelection():
            view.selectRow(len(self.queue_model) - added)

    def _on_rejected_changed(self) -> None:
        self.window.rejected_panel.show_rejected(
            [(rejected.path, rejected.reason) for rejected in self.queue.rejected]
        )

    # Cleaning

    def batch_options(self) -> BatchOptions:
        options = self.window.options_panel
        return BatchOptions(
            output_dir=self.settings.output_dir,
            mode=options.selected_mode(),
            overwrite=options.overwrite_check.isChecked(),
            output_format=options.selected_format(),
            combine_into=self.settings.combine_into,
            dpi=options.selected_dpi(),
        )

    def clean_all(self) -> int:
        """Clean every page without a result for the current settings."""
        items = self.batch.outdated(self.queue_model.items(), self.batch_options())
        if not items and self.models.denoiser is not None:
            self.show_message(
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
        if denoiser is None:
            self.show_message("No model loaded: choose one first (Model → Choose model…)")
            return 0
        if not items:
            self.show_message("Nothing to clean: select pages first")
            return 0
        count = self.batch.start(items, denoiser, self.batch_options())
        self.queue.locked = set(self.batch.sources)
        if count:
            self.show_message(f"Cleaning {count} file{'s' if count != 1 else ''}…")
        return count

    def _on_running_changed(self, running: bool) -> None:
        self.window.progress_bar.setValue(0)
        self.window.progress_bar.setVisible(running)
        if not running:
            self.queue.locked = set()
        self._update_actions()
        if not running and self._quit_when_stopped:
            self.window.close()

    def _on_progress(self, progress: BatchProgress) -> None:
        self.window.progress_bar.setValue(round(progress.fraction * 1000))
        self.window.progress_label.setText(progress.describe())

    def _on_batch_finished(self, event: BatchFinished) -> None:
        self.window.progress_label.setText(summary_text(event, self.batch.final_pages_per_minute))
        self._select_a_cleaned_page()
        self.compare.refresh()  # a combined PDF exists only now
        self.window.statusBar().clearMessage()  # the summary above says it once
        if event.skipped and not self.batch_options().overwrite:
            results = "its result exists" if event.skipped == 1 else "their results exist"
            self.show_message(
                f"{event.skipped} skipped: {results} already; tick “Overwrite results that "
                "already exist” to replace them"
            )

    def _select_a_cleaned_page(self) -> None:
        """After a batch, show the first cleaned page rather than a page that is not (a
        failed file cannot be shown); a selection of several rows is the user's and stays."""
        view, current = self.window.queue_view, self.current_item()
        if (current is not None and current.finished) or len(view.selected_rows()) > 1:
            return
        items = self.queue_model.items()
        first = next((row for row, item in enumerate(items) if item.state == ItemState.DONE), None)
        if first is not None:
            view.selectRow(first)

    # Output

    def choose_output_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self.window, "Write cleaned pages to", str(self.settings.output_dir or "")
        )
        if folder:
            self.set_output_dir(Path(folder))

    def set_output_dir(self, folder: Path | None) -> None:
        self.settings.output_dir = folder
        self.window.options_panel.show_output_dir(folder)
        self._update_actions()

    def _on_mode_changed(self) -> None:
        mode = self.window.options_panel.selected_mode()
        self.settings.output_mode = mode
        self.compare.set_mode(mode)

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
        self.window.options_panel.show_combine(path)
        self._update_actions()

    def output_folder(self) -> Path | None:
        """The folder "Show results" opens: the combined PDF's, the chosen one, or the
        current page's."""
        if self.settings.combine_into is not None:
            return self.settings.combine_into.parent
        if self.settings.output_dir is not None:
            return self.settings.output_dir
        item = self.current_item() or next(
            (item for item in self.queue_model.items() if item.output is not None), None
        )
        if item is None:
            return None
        return (item.output or output_path_for(item.source, None)).parent

    def open_output_folder(self) -> None:
        folder = self.output_folder()
        if folder is None:
            self.show_message(
                f"No output folder yet: results go to a “{DEFAULT_OUTPUT_FOLDER}” folder "
                "beside each input"
            )
        elif not folder.is_dir():
            self.show_message(f"Nothing cleaned yet: {folder} does not exist yet")
        else:
            self._open_in_desktop(folder)

    def _open_in_desktop(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self._offer_to_copy(path)

    def _offer_to_copy(self, path: Path) -> None:
        """Nothing opened `path`: say so and offer it for the clipboard."""
        box, copy = copy_path_notice(self.window, path, folder=path.is_dir())
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(path)))
        self.message_box = box
        box.open()

    # Compare

    def current_item(self) -> QueueItem | None:
        index = self.window.queue_view.currentIndex()
        return self.queue_model.item(index.row()) if index.isValid() else None

    def _on_page_changed(self, page: int, count: int) -> None:
        window = self.window
        window.page_bar.show_page(page, count)
        window.previous_page_action.setEnabled(page > 0)
        window.next_page_action.setEnabled(page < count - 1)

    def _on_current_changed(self) -> None:
        item = self.current_item()
        self._shown_state = item.state if item else None
        self.compare.show(item)
        self._show_details(item)

    def _show_details(self, item: QueueItem | None) -> None:
        """The current page's whole status (a reason the Status column cuts) and result."""
        label = self.window.details_label
        if item is None:
            label.hide()
            return
        text = f"{item.name}: {item.status_text}"
        if item.output is not None and item.finished:
            text += f"\n→ {item.output_text}"
        label.setText(text)
        label.setToolTip(str(item.source))
        label.show()

    def _on_item_changed(self) -> None:
        item = self.current_item()
        self._show_details(item)
        if item is not None and item.state != self._shown_state:
            self._shown_state = item.state
            self.compare.show(item)
        else:
            self.compare.announce_page()  # the page count arrives with the probe
        self._update_actions()

    # Window state

    def _update_actions(self) -> None:
        window = self.window
        running = self.batch.running
        has_items = len(self.queue_model) > 0
        can_clean = has_items and not running and self.models.denoiser is not None
        window.clean_all_action.setEnabled(can_clean)
        window.clean_selected_action.setEnabled(
            can_clean and window.queue_view.selectionModel().hasSelection()
        )
        window.cancel_action.setEnabled(running)
        window.remove_action.setEnabled(has_items)
        window.clear_action.setEnabled(has_items)
        # A running batch keeps its order; pages already at the top cannot go higher.
        selected, count = window.queue_view.selected_rows(), len(self.queue_model)
        can_move = bool(selected) and not running
        window.move_up_action.setEnabled(can_move and selected != list(range(len(selected))))
        window.move_down_action.setEnabled(
            can_move and selected != list(range(count - len(selected), count))
        )
        options = window.options_panel
        # What a running batch uses stays fixed until it ends.
        for widget in (
            options.mode_combo,
            options.dpi_combo,
            options.overwrite_check,
            options.choose_output_button,
            options.combine_check,
        ):
            widget.setEnabled(not running)
        # A combined result is always a PDF.
        options.format_combo.setEnabled(not running and self.settings.combine_into is None)
        options.reset_output_button.setEnabled(not running and self.settings.output_dir is not None)
        can_choose_model = not running and not self.models.loading
        options.choose_model_button.setEnabled(can_choose_model)
        window.choose_model_action.setEnabled(can_choose_model)
        window.bundled_model_action.setEnabled(can_choose_model)
        window.choose_output_action.setEnabled(not running)

    def show_message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10_000)

    def _warn(self, title: str, text: str, detail: str = "") -> None:
        """A window-modal warning that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self.window)
        if detail:
            box.setInformativeText(detail)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.message_box = box
        box.open()

    def show_about(self) -> QWidget:
        self.about_dialog = AboutDialog(about_page(self.models.denoiser), self.window)
        self.about_dialog.open()
        return self.about_dialog

    def may_close(self) -> bool:
        """Closing during a batch asks first; on yes the batch is cancelled (as Cancel does)
        and the window closes once it has stopped."""
        if self._closed or not self.batch.running:
            return True
        if not self._quit_when_stopped:
            self._ask_to_quit()
        return False

    def _ask_to_quit(self) -> None:
        left = sum(
            item.state in (ItemState.WAITING, ItemState.CLEANING)
            for item in map(self.queue_model.item_for, self.batch.sources)
            if item is not None
        )
        box, stop = quit_question(self.window, left)
        box.buttonClicked.connect(lambda button: button is stop and self._stop_and_quit())
        self.quit_box = box
        box.open()

    def _stop_and_quit(self) -> None:
        if not self.batch.running:
            self.window.close()
            return
        self._quit_when_stopped = True
        self.batch.cancel()

    def shutdown(self) -> None:
        """Save settings, stop the batch between tiles and wait for every worker."""
        if self._closed:
            return
        self._closed = True
        self.save_settings()
        self.batch.shutdown()
        self.runner.shutdown()
