"""The main window's layout, actions and menus; behaviour lives in the controllers that
`MainController` builds. Over 300 lines because it lists the window's ~40 actions, each
with its shortcut and tooltip, in one place."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QMainWindow,
    QMenu,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.views.actions import make_action
from app.views.compare_view import SIDE_BY_SIDE, SPLIT, CompareView
from app.views.model_banner import ModelBanner
from app.views.options_panel import OptionsPanel
from app.views.page_bar import PageBar
from app.views.queue_view import PageDetails, QueueView
from app.views.rejected_panel import RejectedPanel
from app.views.status_bar import StatusBar


class MainWindow(QMainWindow):
    urls_dropped = Signal(list)  # list[QUrl] from the file manager
    recent_folder_chosen = Signal(object)  # Path, from File → Open recent
    closing = Signal()  # the window is about to close: save settings, stop workers

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("DocClean")
        self.setAcceptDrops(True)
        # Asked before the window closes; False keeps it open (the controller may ask first).
        self.close_guard: Callable[[], bool] | None = None
        self._create_actions()
        self._create_menus()
        self._create_toolbar()

        self.model_banner = ModelBanner()
        self.rejected_panel = RejectedPanel()
        self.queue_view = QueueView()
        self.details_label = PageDetails()
        self.compare_view = CompareView()
        self.page_bar = PageBar(self.previous_page_action, self.next_page_action)
        self.options_panel = OptionsPanel()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.rejected_panel)
        left_layout.addWidget(self.queue_view, 1)
        left_layout.addWidget(self.details_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.compare_view, 1)
        right_layout.addWidget(self.page_bar)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.model_banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.options_panel)
        self.setCentralWidget(central)

        self.status_bar = StatusBar()
        self.setStatusBar(self.status_bar)
        self.zoom_label = self.status_bar.zoom_label
        self.progress_label = self.status_bar.progress_label
        self.progress_bar = self.status_bar.progress_bar
        self.resize(1200, 760)

    def _create_actions(self) -> None:
        key, pixmap, theme = QKeySequence, QStyle.StandardPixmap, QIcon.ThemeIcon
        self.open_folder_action = make_action(
            self, "Open &folder…", [key(key.StandardKey.Open)], theme.FolderOpen,
            pixmap.SP_DirOpenIcon, "Queue every scan (image or PDF) in a folder",
        )  # fmt: skip
        self.open_files_action = make_action(
            self, "Open f&iles…", [key("Ctrl+Shift+O")], theme.DocumentOpen, pixmap.SP_FileIcon,
            "Queue scans: image files and PDFs",
        )  # fmt: skip
        self.choose_output_action = make_action(self, "Choose &output folder…")
        self.open_output_action = make_action(
            self, "Show &results", [key("Ctrl+E")], None, pixmap.SP_DirLinkIcon,
            "Open the output folder in the file manager",
        )  # fmt: skip
        self.quit_action = make_action(
            self, "&Quit", [key(key.StandardKey.Quit), key("Ctrl+Q")], theme.ApplicationExit
        )
        self.clean_all_action = make_action(
            self, "&Clean all", [key("Ctrl+Return"), key("Ctrl+Enter")],
            theme.MediaPlaybackStart, pixmap.SP_MediaPlay, "Clean every page not done yet",
        )  # fmt: skip
        self.clean_selected_action = make_action(
            self, "Clean &selected", [key("Ctrl+Shift+Return")], None, None,
            "Clean the selected pages (again)",
        )  # fmt: skip
        self.cancel_action = make_action(
            self, "Ca&ncel", [key("Esc")], theme.ProcessStop, pixmap.SP_BrowserStop,
            "Stop cleaning; finished pages are kept, nothing half-written",
        )  # fmt: skip
        self.remove_action = make_action(
            self, "&Remove selected", [key(key.StandardKey.Delete)], theme.ListRemove,
            pixmap.SP_DialogDiscardButton, "Remove the selected pages from the queue",
        )  # fmt: skip
        self.clear_action = make_action(
            self, "C&lear queue", [key("Ctrl+Shift+Delete")], theme.EditClear,
            pixmap.SP_DialogResetButton, "Remove every page from the queue",
        )  # fmt: skip
        self.undo_action = make_action(
            self, "&Undo remove", [key(key.StandardKey.Undo)], theme.EditUndo, None,
            "Put back the pages removed or cleared last",
        )  # fmt: skip
        self.undo_action.setEnabled(False)
        self.open_result_action = make_action(
            self, "&Open result", [], theme.DocumentOpen, None, "Open this page's cleaned file"
        )
        self.show_in_folder_action = make_action(
            self, "Show in &folder", [], theme.FolderOpen, pixmap.SP_DirIcon,
            "Open the folder that holds this page's cleaned file",
        )  # fmt: skip
        self.move_up_action = make_action(
            self, "Move &up", [key("Alt+Up")], theme.GoUp, pixmap.SP_ArrowUp,
            "Move the selected pages up: the combined PDF follows the queue order",
        )  # fmt: skip
        self.move_down_action = make_action(
            self, "Move &down", [key("Alt+Down")], theme.GoDown, pixmap.SP_ArrowDown,
            "Move the selected pages down: the combined PDF follows the queue order",
        )  # fmt: skip
        self.fit_action = make_action(
            self, "&Fit to window", [key("Ctrl+0")], theme.ZoomFitBest, None, "Show the whole page"
        )
        self.actual_size_action = make_action(
            self, "&Actual pixels (1:1)", [key("Ctrl+1")], None, None,
            "One scanned pixel per screen pixel",
        )  # fmt: skip
        self.zoom_in_action = make_action(
            self, "Zoom &in", [key(key.StandardKey.ZoomIn), key("Ctrl+=")], theme.ZoomIn
        )
        self.zoom_out_action = make_action(
            self, "Zoom &out", [key(key.StandardKey.ZoomOut)], theme.ZoomOut
        )
        self.side_by_side_action = make_action(
            self, "&Side by side", [key("Ctrl+T")], None, None,
            "Show before and after side by side instead of split by a divider",
        )  # fmt: skip
        self.side_by_side_action.setCheckable(True)
        self.previous_page_action = make_action(
            self, "&Previous page", [key(key.StandardKey.MoveToPreviousPage), key("PgUp")],
            theme.GoPrevious, pixmap.SP_ArrowBack, "Compare the previous page of this file",
        )  # fmt: skip
        self.next_page_action = make_action(
            self, "&Next page", [key(key.StandardKey.MoveToNextPage), key("PgDown")],
            theme.GoNext, pixmap.SP_ArrowForward, "Compare the next page of this file",
        )  # fmt: skip
        for action in (self.previous_page_action, self.next_page_action):
            action.setEnabled(False)
        # Shorter labels on the toolbar; menus keep the full text.
        for action, label in (
            (self.remove_action, "Remove"),
            (self.clear_action, "Clear"),
            (self.fit_action, "Fit"),
            (self.actual_size_action, "1:1"),
        ):
            action.setIconText(label)
        self.choose_model_action = make_action(self, "Choose &model…", [key("Ctrl+M")])
        self.bundled_model_action = make_action(self, "Use the &bundled model")
        self.about_action = make_action(
            self, "&About DocClean", [key(key.StandardKey.HelpContents), key("F1")], theme.HelpAbout
        )

    def _create_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addActions([self.open_folder_action, self.open_files_action])
        self.recent_menu = file_menu.addMenu("Open &recent")  # filled by the controller
        file_menu.addSeparator()
        file_menu.addActions([self.choose_output_action, self.open_output_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        queue_menu = menus.addMenu("&Queue")
        queue_menu.addActions(
            [self.clean_all_action, self.clean_selected_action, self.cancel_action]
        )
        queue_menu.addSeparator()
        queue_menu.addActions([self.remove_action, self.clear_action, self.undo_action])
        queue_menu.addSeparator()
        queue_menu.addActions([self.move_up_action, self.move_down_action])
        view_menu = menus.addMenu("&View")
        view_menu.addActions(
            [self.fit_action, self.actual_size_action, self.zoom_in_action, self.zoom_out_action]
        )
        view_menu.addSeparator()
        view_menu.addActions([self.previous_page_action, self.next_page_action])
        view_menu.addSeparator()
        view_menu.addAction(self.side_by_side_action)
        model_menu = menus.addMenu("&Model")
        model_menu.addActions([self.choose_model_action, self.bundled_model_action])
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.about_action)
        # Right-click on queue rows.
        self.row_menu = QMenu(self)
        self.row_menu.addActions([self.open_result_action, self.show_in_folder_action])
        self.row_menu.addSeparator()
        self.row_menu.addActions([self.clean_selected_action, self.remove_action])

    def _create_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setIconSize(QSize(20, 20))
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setMovable(False)
        toolbar.addActions([self.open_folder_action, self.open_files_action])
        toolbar.addSeparator()
        toolbar.addActions([self.clean_all_action, self.cancel_action])
        toolbar.addSeparator()
        toolbar.addActions([self.remove_action, self.clear_action])
        toolbar.addSeparator()
        toolbar.addActions([self.fit_action, self.actual_size_action, self.side_by_side_action])
        toolbar.addSeparator()
        toolbar.addAction(self.open_output_action)
        self.addToolBar(toolbar)

    # What the controllers show

    def restore_layout(
        self, geometry: QByteArray | None, state: QByteArray | None, splitter: QByteArray | None
    ) -> None:
        """Restore a saved layout; without one, fit the screen and split the width 2:3."""
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry()
            self.resize(
                min(self.width(), int(screen.width() * 0.9)),
                min(self.height(), int(screen.height() * 0.9)),
            )
        if state is not None:
            self.restoreState(state)
        if splitter is None or not self.splitter.restoreState(splitter):
            width = self.width()
            self.splitter.setSizes([width * 2 // 5, width * 3 // 5])

    def save_layout(self) -> tuple[QByteArray, QByteArray, QByteArray]:
        """Geometry, toolbar state and splitter state, for `restore_layout`."""
        return self.saveGeometry(), self.saveState(), self.splitter.saveState()

    def show_compare_mode(self, mode: str) -> None:
        self.side_by_side_action.setChecked(mode == SIDE_BY_SIDE)
        self.compare_view.set_mode(SIDE_BY_SIDE if mode == SIDE_BY_SIDE else SPLIT)

    def show_page(self, page: int, count: int) -> None:
        """The page compared (0-based) of `count`: the page bar and Previous/Next page."""
        self.page_bar.show_page(page, count)
        self.previous_page_action.setEnabled(page > 0)
        self.next_page_action.setEnabled(page < count - 1)

    def show_recent_folders(self, folders: list[Path]) -> None:
        """Fill File → Open recent; a folder that is gone stays, greyed out."""
        menu = self.recent_menu
        menu.clear()
        for folder in folders:
            action = menu.addAction(str(folder))
            action.setEnabled(folder.is_dir())
            action.triggered.connect(
                lambda _=False, folder=folder: self.recent_folder_chosen.emit(folder)
            )
        menu.setEnabled(not menu.isEmpty())

    def popup_row_menu(self, position: QPoint, has_result: bool) -> QMenu:
        """The right-click menu at `position` in the queue; it opens only an existing result."""
        self.open_result_action.setEnabled(has_result)
        self.show_in_folder_action.setEnabled(has_result)
        self.row_menu.popup(self.queue_view.viewport().mapToGlobal(position))
        return self.row_menu

    # Drag and drop from the file manager: files and folders arrive as URLs.

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls: list[QUrl] = event.mimeData().urls()
        if not urls:
            event.ignore()
            return
        event.acceptProposedAction()
        self.urls_dropped.emit(urls)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_guard is not None and not self.close_guard():
            event.ignore()
            return
        self.closing.emit()
        super().closeEvent(event)
