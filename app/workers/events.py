"""A worker thread for any engine generator: it runs the generator off the GUI thread and
emits each event it yields as a signal; `cancel()` sets the event the generator watches."""

import threading
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QThread, Signal

# Makes the generator, given the cancel event it must watch.
EventSource = Callable[[threading.Event], Iterable[object]]


class EventWorker(QThread):
    """Runs `source(cancel_event)` in its own thread and emits every event it yields.

    The source gets plain values and never touches widgets; the GUI thread turns its
    events into updates.
    """

    event_emitted = Signal(object)  # an event the generator yielded (engine.events)
    crashed = Signal(str)  # an unexpected error ended the generator early

    def __init__(self, source: EventSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        try:
            for event in self.source(self.cancel_event):
                self.event_emitted.emit(event)
        except Exception as error:  # engine bugs must not kill the app; the GUI reports them
            self.crashed.emit(f"{type(error).__name__}: {error}")
