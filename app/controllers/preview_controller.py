"""The comparison of the current page: what the compare view shows as the current row and
its state change, the View menu's zoom and layout, the page bar with Previous/Next page, and
the details under the queue."""

from PySide6.QtCore import QObject

from app.controllers.compare_controller import CompareController
from app.queue_model import ItemState, QueueModel
from app.views.compare_view import SIDE_BY_SIDE, SPLIT
from app.views.main_window import MainWindow


class PreviewController(QObject):
    def __init__(
        self,
        window: MainWindow,
        compare: CompareController,
        queue_model: QueueModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.compare = compare
        self._shown_state: ItemState | None = None  # the current item's, as last shown
        view = window.compare_view
        window.fit_action.triggered.connect(view.fit)
        window.actual_size_action.triggered.connect(lambda: view.actual_size())
        window.zoom_in_action.triggered.connect(lambda: view.zoom_by(1.25))
        window.zoom_out_action.triggered.connect(lambda: view.zoom_by(0.8))
        window.side_by_side_action.toggled.connect(
            lambda on: view.set_mode(SIDE_BY_SIDE if on else SPLIT)
        )
        view.zoom_changed.connect(window.status_bar.show_zoom)
        window.previous_page_action.triggered.connect(lambda: compare.step_page(-1))
        window.next_page_action.triggered.connect(lambda: compare.step_page(1))
        window.queue_view.current_changed.connect(self._on_current_changed)
        queue_model.dataChanged.connect(self._on_item_changed)
        compare.images_ready.connect(view.set_images)
        compare.page_changed.connect(window.show_page)

    def _on_current_changed(self) -> None:
        item = self.window.queue_view.current_item()
        self._shown_state = item.state if item else None
        self.compare.show(item)
        self.window.details_label.show_item(item)

    def _on_item_changed(self) -> None:
        item = self.window.queue_view.current_item()
        self.window.details_label.show_item(item)
        if item is not None and item.state != self._shown_state:
            self._shown_state = item.state
            self.compare.show(item)
        else:
            self.compare.announce_page()  # the page count arrives with the probe
