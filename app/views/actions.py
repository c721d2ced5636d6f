"""Building a window action: its icon (the theme's, else Qt's own), shortcuts and tooltip."""

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget


def make_action(
    parent: QWidget,
    text: str,
    shortcuts: list[QKeySequence] | None = None,
    icon: QIcon.ThemeIcon | None = None,
    fallback: QStyle.StandardPixmap | None = None,
    tip: str = "",
) -> QAction:
    """An action whose tooltip names its first shortcut, e.g. "Clean all (Ctrl+Return)"."""
    action = QAction(text, parent)
    if icon is not None and QIcon.hasThemeIcon(icon):
        action.setIcon(QIcon.fromTheme(icon))
    elif fallback is not None:
        action.setIcon(parent.style().standardIcon(fallback))
    if shortcuts:
        unique = {sequence.toString(): sequence for sequence in shortcuts if not sequence.isEmpty()}
        shortcuts = list(unique.values())
        action.setShortcuts(shortcuts)
        keys = shortcuts[0].toString(QKeySequence.SequenceFormat.NativeText)
        tip = f"{tip or text.replace('…', '')} ({keys})"
    action.setToolTip(tip or text.replace("…", ""))
    action.setStatusTip(tip or text.replace("…", ""))
    return action
