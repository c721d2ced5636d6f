"""Terminal rendering of pipeline events: a tqdm progress bar. It keeps the failures for the
closing summary (`engine.cli.summary`)."""

import sys

from tqdm import tqdm

from engine.events import (
    BatchFinished,
    Event,
    FileDone,
    FileFailed,
    FileSkipped,
    FileStarted,
    TileDone,
)


class ProgressReporter:
    def __init__(self, total_files: int, quiet: bool = False) -> None:
        self.failures: list[FileFailed] = []
        self.bar = tqdm(
            total=total_files,
            unit="file",
            disable=quiet or None,  # None: only on a terminal
            file=sys.stderr,
            dynamic_ncols=True,
        )

    def handle(self, event: Event) -> BatchFinished | None:
        match event:
            case FileStarted(path=path):
                self.bar.set_description(path.name[:40])
            case TileDone():
                self.bar.set_postfix_str(f"{event.file_fraction:.0%} of file", refresh=False)
                self.bar.refresh()
            case FileDone() | FileSkipped():
                self.bar.update()
            case FileFailed():
                self.failures.append(event)
                self.bar.update()
            case BatchFinished():
                return event
        return None

    def close(self) -> None:
        self.bar.close()
