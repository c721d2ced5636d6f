"""Terminal rendering of pipeline events: a tqdm progress bar and a closing summary."""

import sys
from collections.abc import Sequence

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
from engine.pipeline import Rejected


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

    def print_summary(
        self, summary: BatchFinished | None, rejected: Sequence[Rejected], model: str
    ) -> int:
        """Print what happened; return the exit code (0 all cleaned, 1 something failed)."""
        if summary is None:
            raise ValueError("the batch ended without a summary (BatchFinished)")
        ignored = [item for item in rejected if item.ignorable]
        refused = [item for item in rejected if not item.ignorable]
        print(f"model: {model}")
        line = f"cleaned {summary.cleaned} file(s)"
        if summary.skipped:
            line += f", skipped {summary.skipped} already cleaned"
        if ignored:
            line += f", ignored {len(ignored)} non-image file(s)"
        failed = summary.failed + len(refused)
        if failed:
            line += f", failed {failed}"
        line += (
            f" — {summary.megapixels:.1f} MP in {summary.seconds:.1f} s "
            f"({summary.megapixels_per_second:.2f} MP/s)"
        )
        print(line)
        for item in refused:
            print(f"  failed: {item.path}: {item.reason}", file=sys.stderr)
        for event in self.failures:
            print(f"  failed: {event.path}: {event.reason}", file=sys.stderr)
        if summary.cancelled:
            print("stopped early: no partial files were written", file=sys.stderr)
        return 1 if failed or summary.cancelled else 0
