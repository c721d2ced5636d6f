"""What a run did, printed when it ends. `clean` and `cluster` share the format: the model,
one line of totals, then each failure (on stderr); each returns the run's exit code."""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.exit_codes import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from engine.cluster import ClusterSummary
    from engine.discovery import Rejected
    from engine.events import BatchFinished, FileFailed

# A million-page job may fail thousands of files: the manifest has them all.
MAX_FAILURES_SHOWN = 20


def print_batch_summary(
    summary: "BatchFinished | None",
    rejected: Sequence["Rejected"],
    failures: Sequence["FileFailed"],
    model: str,
) -> int:
    """Print what `docclean clean` did; return the exit code (1 if something failed)."""
    if summary is None:
        raise ValueError("the batch ended without a summary (BatchFinished)")
    ignored = [item for item in rejected if item.ignorable]
    refused = [item for item in rejected if not item.ignorable]
    failed = summary.failed + len(refused)
    print_totals(
        model,
        f"{summary.cleaned} file(s)",
        skipped=f"{summary.skipped} already cleaned" if summary.skipped else "",
        ignored=len(ignored),
        failed=failed,
        throughput=describe_throughput(summary),
    )
    print_failures([(item.path, item.reason) for item in [*refused, *failures]])
    if summary.cancelled:
        print("stopped early: no partial files were written", file=sys.stderr)
    return EXIT_FAILED if failed or summary.cancelled else EXIT_OK


def print_cluster_summary(summary: "ClusterSummary") -> int:
    """Print what `docclean cluster` did; return the exit code (1 if something failed)."""
    workers = summary.workers
    print_totals(
        summary.model,
        f"{summary.cleaned} file(s), {summary.pages} page(s)",
        skipped=f"{summary.skipped} done by an earlier run" if summary.skipped else "",
        ignored=summary.ignored,
        failed=summary.failed,
        throughput=f"{describe_throughput(summary)} on {workers.workers} {workers.device.upper()} "
        f"worker(s) × {workers.threads} thread(s)",
    )
    print(f"manifest: {summary.manifest}")
    failures = [(record.input, record.reason) for record in summary.failures]
    print_failures(failures[:MAX_FAILURES_SHOWN])
    if len(failures) > MAX_FAILURES_SHOWN:
        more = len(failures) - MAX_FAILURES_SHOWN
        print(f"  … and {more} more failures (see the manifest)", file=sys.stderr)
    return EXIT_FAILED if summary.failed else EXIT_OK


def print_totals(
    model: str, cleaned: str, *, skipped: str, ignored: int, failed: int, throughput: str
) -> None:
    """`model: …`, then `cleaned …[, skipped …][, ignored …][, failed …] — throughput`."""
    print(f"model: {model}")
    line = f"cleaned {cleaned}"
    if skipped:
        line += f", skipped {skipped}"
    if ignored:
        line += f", ignored {ignored} non-image file(s)"
    if failed:
        line += f", failed {failed}"
    print(f"{line} — {throughput}")


def describe_throughput(summary: "BatchFinished | ClusterSummary") -> str:
    return (
        f"{summary.megapixels:.1f} MP in {summary.seconds:.1f} s "
        f"({summary.megapixels_per_second:.2f} MP/s)"
    )


def print_failures(failures: Sequence[tuple[Path | str, str]]) -> None:
    for path, reason in failures:
        print(f"  failed: {path}: {reason}", file=sys.stderr)
