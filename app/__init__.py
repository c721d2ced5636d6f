"""DocClean desktop app (PySide6): views lay out widgets, controllers hold behaviour,
workers do the image work off the GUI thread through `engine`."""
