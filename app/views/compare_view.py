"""Before/after view: one zoom and pan for both images, split by a draggable divider or
side by side. Zoom is in device pixels, so 1:1 shows every scanned pixel on high-DPI screens.

Mouse: drag to pan, drag the divider to move it, wheel to zoom at the cursor, double-click
to switch between fit and 1:1.
"""

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

SPLIT, SIDE_BY_SIDE = "split", "side-by-side"
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0
ZOOM_STEP = 1.25
DIVIDER_GRAB = 8  # logical px either side of the divider that grab it


class CompareView(QWidget):
    zoom_changed = Signal(float)  # device pixels per image pixel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Before and after comparison")
        self.before: QPixmap | None = None
        self.after: QPixmap | None = None
        self.note = ""
        self.empty_text = "Drop scans or folders here, or press Ctrl+O"
        self.mode = SPLIT
        self.zoom = 1.0
        self.fitted = True
        self.centre = QPointF(0, 0)  # image point shown at the middle of each pane
        self.divider = 0.5  # split position, share of the width
        self._dragging_divider = False
        self._pan_from: QPointF | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # Content

    def set_images(self, before: QImage | None, after: QImage | None, note: str = "") -> None:
        """Show a new pair; a page of the same size keeps the current zoom and pan."""
        old_size = self._image_size()
        self.before = QPixmap.fromImage(before) if before is not None else None
        self.after = QPixmap.fromImage(after) if after is not None else None
        self.note = note
        if self._image_size() != old_size:
            self.fit()
        self.update()

    def set_mode(self, mode: str) -> None:
        if mode not in (SPLIT, SIDE_BY_SIDE):
            raise ValueError(f"unknown compare mode {mode!r}")
        self.mode = mode
        if self.fitted:
            self.fit()
        self.update()

    def _image_size(self) -> QSize:
        pixmap = self.before or self.after
        return pixmap.size() if pixmap is not None else QSize()

    # Zoom and pan

    def _scale(self) -> float:
        """Logical pixels per image pixel."""
        return self.zoom / self.devicePixelRatioF()

    def _panes(self) -> list[QRectF]:
        rect = QRectF(self.rect())
        if self.mode == SIDE_BY_SIDE:
            half = rect.width() / 2
            return [QRectF(0, 0, half, rect.height()), QRectF(half, 0, half, rect.height())]
        return [rect]

    def fit(self) -> None:
        size = self._image_size()
        self.fitted = True
        if size.isEmpty():
            return
        pane = self._panes()[0]
        scale = min(pane.width() / size.width(), pane.height() / size.height()) * 0.98
        self.zoom = max(MIN_ZOOM, scale * self.devicePixelRatioF())
        self.centre = QPointF(size.width() / 2, size.height() / 2)
        self.zoom_changed.emit(self.zoom)
        self.update()

    def actual_size(self, anchor: QPointF | None = None) -> None:
        """1:1 — one scanned pixel per screen pixel."""
        self.set_zoom(1.0, anchor)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under `anchor` (a widget position) where it is."""
        if self._image_size().isEmpty():
            return
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if anchor is not None:
            before = self._to_image(anchor)
            self.zoom = zoom
            after = self._to_image(anchor)
            self.centre += before - after
        else:
            self.zoom = zoom
        self.fitted = False
        self.zoom_changed.emit(self.zoom)
        self.update()

    def _pane_at(self, position: QPointF) -> QRectF:
        panes = self._panes()
        return panes[-1] if len(panes) > 1 and position.x() >= panes[1].left() else panes[0]

    def _to_image(self, position: QPointF) -> QPointF:
        pane = self._pane_at(position)
        return self.centre + (position - pane.center()) / self._scale()

    def _image_rect_in(self, pane: QRectF) -> QRectF:
        size = self._image_size()
        scale = self._scale()
        top_left = pane.center() - self.centre * scale
        return QRectF(top_left.x(), top_left.y(), size.width() * scale, size.height() * scale)

    def _divider_x(self) -> float:
        return self.width() * self.divider

    # Painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self._image_size().isEmpty():
            self._draw_centered_text(painter, QRectF(self.rect()), self.note or self.empty_text)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0)
        panes = self._panes()
        if self.mode == SIDE_BY_SIDE:
            self._draw_pixmap(painter, panes[0], self.before)
            self._draw_pixmap(painter, panes[1], self.after, placeholder=self.before)
            pen = QPen(palette.color(QPalette.ColorRole.Mid), 1)
            painter.setPen(pen)
            painter.drawLine(panes[1].topLeft(), panes[1].bottomLeft())
            self._draw_label(painter, panes[0], "Before", Qt.AlignmentFlag.AlignLeft)
            self._draw_label(painter, panes[1], "After", Qt.AlignmentFlag.AlignRight)
            if self.after is None and self.note:
                self._draw_centered_text(painter, panes[1], self.note)
        else:
            pane = panes[0]
            x = self._divider_x()
            left = QRectF(pane.left(), pane.top(), x - pane.left(), pane.height())
            right = QRectF(x, pane.top(), pane.right() - x, pane.height())
            painter.save()
            painter.setClipRect(left)
            self._draw_pixmap(painter, pane, self.before)
            painter.restore()
            painter.save()
            painter.setClipRect(right)
            self._draw_pixmap(painter, pane, self.after, placeholder=self.before)
            painter.restore()
            self._draw_divider(painter, x)
            self._draw_label(painter, pane, "Before", Qt.AlignmentFlag.AlignLeft)
            self._draw_label(painter, pane, "After", Qt.AlignmentFlag.AlignRight)
            if self.after is None and self.note:
                self._draw_centered_text(painter, right, self.note)
        painter.end()

    def _draw_pixmap(
        self,
        painter: QPainter,
        pane: QRectF,
        pixmap: QPixmap | None,
        placeholder: QPixmap | None = None,
    ) -> None:
        target = self._image_rect_in(pane)
        painter.save()
        painter.setClipRect(pane, Qt.ClipOperation.IntersectClip)
        if pixmap is not None:
            painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))
        elif placeholder is not None:
            painter.setOpacity(0.25)  # the page not cleaned yet, faded
            painter.drawPixmap(target, placeholder, QRectF(placeholder.rect()))
        painter.restore()

    def _draw_divider(self, painter: QPainter, x: float) -> None:
        palette = self.palette()
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(accent, 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        centre = QPointF(x, self.height() / 2)
        painter.setBrush(accent)
        painter.drawEllipse(centre, 14, 14)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.HighlightedText))
        for direction in (-1, 1):
            arrow = QPainterPath()
            tip = centre + QPointF(direction * 9, 0)
            arrow.moveTo(tip)
            arrow.lineTo(centre + QPointF(direction * 3, -5))
            arrow.lineTo(centre + QPointF(direction * 3, 5))
            arrow.closeSubpath()
            painter.drawPath(arrow)
        painter.restore()

    def _draw_label(
        self, painter: QPainter, pane: QRectF, text: str, side: Qt.AlignmentFlag
    ) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 16, metrics.height() + 8
        x = pane.left() + 8 if side == Qt.AlignmentFlag.AlignLeft else pane.right() - width - 8
        box = QRectF(x, pane.top() + 8, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _draw_centered_text(self, painter: QPainter, area: QRectF, text: str) -> None:
        painter.save()
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area.adjusted(16, 16, -16, -16), flags, text)
        painter.restore()

    # Interaction

    def _near_divider(self, position: QPointF) -> bool:
        return (
            self.mode == SPLIT
            and not self._image_size().isEmpty()
            and abs(position.x() - self._divider_x()) <= DIVIDER_GRAB
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        position = event.position()
        if self._near_divider(position):
            self._dragging_divider = True
        else:
            self._pan_from = position
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._dragging_divider:
            self.divider = min(1.0, max(0.0, position.x() / max(1, self.width())))
            self.update()
        elif self._pan_from is not None:
            self.centre -= (position - self._pan_from) / self._scale()
            self._pan_from = position
            self.fitted = False
            self.update()
        elif self._near_divider(position):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging_divider = False
        self._pan_from = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.fitted:
            self.actual_size(event.position())
        else:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position())

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.fitted:
            self.fit()
        super().resizeEvent(event)
