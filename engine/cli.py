"""The `docclean` command line.

Exit codes: 0 every file cleaned (or already clean), 1 some files failed, 2 bad usage
(for `cluster` also: Ray missing or unreachable), 3 the model is missing or unusable,
130 interrupted.
"""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__
from engine.options import BATCH_SIZE, OUTPUT_FORMATS, OUTPUT_MODES, PRECISIONS

if TYPE_CHECKING:
    from engine.cluster import ClusterSummary

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docclean",
        description="Clean scanned document pages: stains, creases and yellowed paper out, "
        "text kept.",
        epilog="Exit codes: 0 all cleaned, 1 some files failed, 2 bad usage, 3 model problem.",
    )
    parser.add_argument("--version", action="version", version=f"docclean {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    clean = commands.add_parser(
        "clean",
        help="clean image files and folders",
        description="Clean scans: image files (PNG, JPEG, TIFF incl. multi-page, BMP, WebP), "
        "PDFs and folders of them. Outputs keep each input's name, format, page order, DPI and "
        "page size; inputs are never modified.",
    )
    clean.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="files or folders")
    clean.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="OUTDIR",
        help="output folder (default: a 'cleaned' folder beside each input); folder inputs "
        "keep their layout inside it",
    )
    clean.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")
    clean.add_argument(
        "--mode",
        choices=OUTPUT_MODES,
        default="gray",
        help="gray: cleaned grey levels (default); bw: pure black and white; color: white "
        "paper, every stroke in its own colour (pages without colour stay grey)",
    )
    clean.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="same",
        help="output format: same as each input (default), png, tiff or pdf",
    )
    clean.add_argument(
        "--combine",
        type=Path,
        default=None,
        metavar="FILE.pdf",
        help="put every cleaned page, in name order, into this one PDF",
    )
    clean.add_argument(
        "--dpi",
        type=float,
        default=None,
        metavar="N",
        help="every page's resolution, for scans that carry none or a wrong one: written "
        "into every output image and sets the page size of PDF output (default: each "
        "file's own DPI)",
    )
    clean.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="auto: the model's INT8 version where the CPU has fast integer dot products "
        "(default); float; int8",
    )
    clean.add_argument("--overwrite", action="store_true", help="redo outputs that exist")
    clean.add_argument("--no-recursive", action="store_true", help="do not descend into subfolders")
    clean.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="tiles per model call")
    clean.add_argument("--threads", type=int, default=0, help="CPU threads (default: cores)")
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_cluster_parser(commands)
    check = commands.add_parser(
        "self-test", help="check this installation: clean a bundled sample page"
    )
    check.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")
    return parser


def add_cluster_parser(commands: argparse._SubParsersAction) -> None:
    cluster = commands.add_parser(
        "cluster",
        help="clean a whole archive on a Ray cluster (needs the cluster extra)",
        description="Clean every image under INPUT_URI into OUTPUT_URI with Ray Data: reading "
        "and writing in parallel tasks, cleaning in a pool of actors that each load the model "
        "once. Outputs are named and written as by 'docclean clean'. Every input gets a record "
        "in OUTPUT_URI/docclean-manifest.jsonl; a re-run skips the inputs done with the same "
        "model. Without --address, a local Ray instance is started.",
        epilog="Exit codes: 0 all cleaned (or done before), 1 some files failed, 2 bad usage, "
        "Ray missing or unreachable, 3 model problem, 130 interrupted (re-run to resume).",
    )
    cluster.add_argument(
        "input",
        metavar="INPUT_URI",
        help="folder or file: a local or shared path, or a URI (s3://, gs://, file://…)",
    )
    cluster.add_argument("output", metavar="OUTPUT_URI", help="output folder: path or URI")
    cluster.add_argument(
        "--address",
        default=None,
        help="Ray cluster to join: 'auto' (one started with 'ray start' here) or "
        "ray://HOST:10001 (default: start a local Ray instance)",
    )
    cluster.add_argument(
        "--workers", type=int, default=0, help="inference actors (default: one per CPU, or GPU)"
    )
    cluster.add_argument(
        "--threads",
        type=int,
        default=0,
        help="ONNX Runtime threads per actor (default: CPUs / workers)",
    )
    cluster.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="auto: GPU actors where the cluster has GPUs and onnxruntime has CUDA (default)",
    )
    cluster.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")
    cluster.add_argument("--mode", choices=OUTPUT_MODES, default="gray", help="as for clean")
    cluster.add_argument("--format", choices=OUTPUT_FORMATS, default="same", help="as for clean")
    cluster.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="as for clean (auto decides by this machine's CPU)",
    )
    cluster.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="tiles per model call")
    cluster.add_argument(
        "--overwrite", action="store_true", help="redo every input, whatever the manifest says"
    )
    cluster.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("clean", "cluster") and (args.batch_size < 1 or args.threads < 0):
        parser.error("--batch-size must be >= 1 and --threads >= 0")
    if args.command == "cluster" and args.workers < 0:
        parser.error("--workers must be >= 0")
    if args.command == "clean" and args.combine and args.combine.suffix.lower() != ".pdf":
        parser.error("--combine needs a file name ending in .pdf")
    if args.command == "clean" and args.dpi is not None:
        from engine.pipeline import output_dpi_problem

        if problem := output_dpi_problem(args.dpi):
            parser.error(f"--dpi: {problem}")
    commands = {"clean": run_clean, "cluster": run_cluster, "self-test": run_self_test}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("\ninterrupted: no partial files were written", file=sys.stderr)
        return EXIT_INTERRUPTED


def load_denoiser(model: Path | None, batch_size: int, threads: int, precision: str = "auto"):
    """Create the one session this run uses (onnxruntime is imported only here)."""
    from engine.denoiser import Denoiser, default_session_options
    from engine.models import default_model_path
    from engine.precision import model_for_precision

    options = default_session_options(threads)
    path = model_for_precision(model or default_model_path(), precision)
    return Denoiser(path, session_options=options, batch_size=batch_size)


def run_clean(args: argparse.Namespace) -> int:
    from engine.errors import ModelError
    from engine.pipeline import clean_jobs, plan_jobs
    from engine.progress import ProgressReporter

    try:
        denoiser = load_denoiser(args.model, args.batch_size, args.threads, args.precision)
    except ModelError as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_MODEL
    jobs, rejected = plan_jobs(
        args.inputs, args.output, recursive=not args.no_recursive, output_format=args.format
    )
    reporter = ProgressReporter(len(jobs), quiet=args.quiet)
    summary = None
    events = clean_jobs(
        jobs,
        denoiser,
        mode=args.mode,
        overwrite=args.overwrite,
        combine_into=args.combine,
        dpi=args.dpi,
    )
    for event in events:
        summary = reporter.handle(event) or summary
    reporter.close()
    return reporter.print_summary(summary, rejected, denoiser.describe())


RESUME_HINT = "run the same command again to resume (the manifest keeps what is done)"


def run_cluster(args: argparse.Namespace) -> int:
    from engine.cluster import ClusterError, ClusterSummary, import_ray
    from engine.cluster import run_cluster as run
    from engine.errors import ModelError

    summary = None
    try:
        import_ray()  # says how to install Ray before anything else happens
        items = run(
            args.input,
            args.output,
            model=args.model,
            mode=args.mode,
            output_format=args.format,
            workers=args.workers,
            threads=args.threads,
            batch_size=args.batch_size,
            precision=args.precision,
            device=args.device,
            overwrite=args.overwrite,
            address=args.address,
            progress=not args.quiet,
        )
        for item in items:
            if isinstance(item, ClusterSummary):
                summary = item
    except ModelError as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_MODEL
    except (ClusterError, ConnectionError) as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"\ninterrupted: no partial files were written; {RESUME_HINT}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if not type(error).__module__.startswith("ray"):
            raise
        print(f"docclean: Ray stopped the job ({error}); {RESUME_HINT}", file=sys.stderr)
        return EXIT_FAILED
    return print_cluster_summary(summary)


# A million-page job may fail thousands of files: the manifest has them all.
MAX_FAILURES_SHOWN = 20


def print_cluster_summary(summary: "ClusterSummary") -> int:
    """Print what a cluster run did; return the exit code."""
    workers = summary.workers
    print(f"model: {summary.model}")
    line = f"cleaned {summary.cleaned} file(s), {summary.pages} page(s)"
    if summary.skipped:
        line += f", skipped {summary.skipped} done by an earlier run"
    if summary.ignored:
        line += f", ignored {summary.ignored} non-image file(s)"
    if summary.failed:
        line += f", failed {summary.failed}"
    print(
        f"{line} — {summary.megapixels:.1f} MP in {summary.seconds:.1f} s "
        f"({summary.megapixels_per_second:.2f} MP/s) on {workers.workers} "
        f"{workers.device.upper()} worker(s) × {workers.threads} thread(s)"
    )
    print(f"manifest: {summary.manifest}")
    for record in summary.failures[:MAX_FAILURES_SHOWN]:
        print(f"  failed: {record.input}: {record.reason}", file=sys.stderr)
    if len(summary.failures) > MAX_FAILURES_SHOWN:
        more = len(summary.failures) - MAX_FAILURES_SHOWN
        print(f"  … and {more} more failures (see the manifest)", file=sys.stderr)
    return EXIT_FAILED if summary.failed else EXIT_OK


def run_self_test(args: argparse.Namespace) -> int:
    from engine.errors import ModelError
    from engine.self_test import run_self_test as check

    try:
        problems = check(args.model)
    except ModelError as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_MODEL
    for problem in problems:
        print(f"self-test: {problem}", file=sys.stderr)
    print("self-test passed" if not problems else "self-test FAILED")
    return EXIT_FAILED if problems else EXIT_OK
