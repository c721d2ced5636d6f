"""The queue table: thumbnail and name, size in pixels, status with a progress bar; and the
details of the current page below it."""

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.queue_model import ItemState, QueueItem, QueueModel

THUMBNAIL = QSize(48, 48)
STATUS_SAMPLE = "cleaning page 88 of 88 · 100%"  # the longest status without a reason
NAME_CHARACTERS = 14  # the Page column keeps room for this many characters, when it can
CELL_PADDING = 16  # logical px around a cell's text


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def status_colour(state: ItemState, palette: QPalette) -> QColor | None:
    """Status text colours readable on light and dark backgrounds."""
    dark = is_dark(palette)
    if state == ItemState.FAILED:
        return QColor("#ff8a80" if dark else "#c62828")
    if state == ItemState.DONE:
        return QColor("#81c784" if dark else "#2e7d32")
    if state in (ItemState.CANCELLED, ItemState.SKIPPED):
        return QColor("#ffcc80" if dark else "#a15c00")
    return None


class StatusDelegate(QStyledItemDelegate):
    """Draws a progress bar for a page being cleaned and colours the other states; a long
    reason is cut at its end (the tooltip and the details below the queue show it whole)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        item: QueueItem = index.data(QueueModel.ItemRole)
        if item is None or item.state != ItemState.CLEANING:
            colour = status_colour(item.state, option.palette) if item is not None else None
            if colour is not None:
                option = QStyleOptionViewItem(option)
                option.palette.setColor(QPalette.ColorRole.Text, colour)
            return super().paint(painter, option, index)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 12, -4, -12)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = round(item.progress * 100)
        bar.text = item.status_text
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.palette = option.palette
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class QueueView(QTableView):
    current_changed = Signal()  # another row is the current one
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Queue of pages to clean")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setIconSize(THUMBNAIL)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(THUMBNAIL.height() + 8)
        self.setItemDelegateForColumn(QueueModel.STATUS, StatusDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.empty_text = "Drop scans or folders here,\nor press Ctrl+O to open a folder"

    def setModel(self, model: QueueModel) -> None:  # type: ignore[override]
        super().setModel(model)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QueueModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(QueueModel.SIZE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(QueueModel.STATUS, QHeaderView.ResizeMode.Fixed)
        header.sectionResized.connect(
            lambda section, *_: section == QueueModel.SIZE and self.fit_columns()
        )
        self.fit_columns()
        selection = self.selectionModel()
        selection.currentRowChanged.connect(self.current_changed)
        selection.selectionChanged.connect(self.selection_changed)

    def fit_columns(self) -> None:
        """Size the Status column for its text in the current font, leaving the Page column
        room for a thumbnail and a readable name; when space is short both give way."""
        header = self.horizontalHeader()
        if header.count() == 0:
            return
        metrics = self.fontMetrics()
        wanted = metrics.horizontalAdvance(STATUS_SAMPLE) + CELL_PADDING
        name = THUMBNAIL.width() + metrics.averageCharWidth() * NAME_CHARACTERS + CELL_PADDING
        available = self.viewport().width() - header.sectionSize(QueueModel.SIZE)
        header.resizeSection(QueueModel.STATUS, max(min(wanted, available - name), available // 3))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_columns()

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.selectionModel().selectedRows()})

    def has_selection(self) -> bool:
        return self.selectionModel().hasSelection()

    def current_item(self) -> QueueItem | None:
        index = self.currentIndex()
        model: QueueModel = self.model()  # type: ignore[assignment]
        return model.item(index.row()) if index.isValid() else None

    def row_at(self, position: QPoint) -> int | None:
        """The row under `position` (in viewport coordinates), if any."""
        index = self.indexAt(position)
        return index.row() if index.isValid() else None

    def scroll_to_row(self, row: int) -> None:
        self.scrollTo(self.model().index(row, 0))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)


class PageDetails(QLabel):
    """The current page's whole status (a reason the Status column cuts) and result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Details of the current page")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContentsMargins(4, 2, 4, 2)
        self.hide()

    def show_item(self, item: QueueItem | None) -> None:
        """Describe `item`; None hides the details."""
        if item is None:
            self.hide()
            return
        text = f"{item.name}: {item.status_text}"
        if item.output is not None and item.finished:
            text += f"\n→ {item.output_text}"
        self.setText(text)
        self.setToolTip(str(item.source))
        self.show()
