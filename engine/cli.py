"""The `docclean` command line.

Exit codes: 0 every file cleaned (or already clean), 1 some files failed, 2 bad usage,
3 the model is missing or unusable, 130 interrupted.
"""

import argparse
import sys
from pathlib import Path

from engine import __version__

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
        choices=("gray", "bw"),
        default="gray",
        help="gray: cleaned grey levels (default); bw: pure black and white",
    )
    clean.add_argument(
        "--format",
        choices=("same", "png", "tiff", "pdf"),
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
    clean.add_argument("--overwrite", action="store_true", help="redo outputs that exist")
    clean.add_argument("--no-recursive", action="store_true", help="do not descend into subfolders")
    clean.add_argument("--batch-size", type=int, default=4, help="tiles per model call")
    clean.add_argument("--threads", type=int, default=0, help="CPU threads (default: cores)")
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    check = commands.add_parser(
        "self-test", help="check this installation: clean a bundled sample page"
    )
    check.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "clean" and (args.batch_size < 1 or args.threads < 0):
        parser.error("--batch-size must be >= 1 and --threads >= 0")
    if args.command == "clean" and args.combine and args.combine.suffix.lower() != ".pdf":
        parser.error("--combine needs a file name ending in .pdf")
    try:
        return run_self_test(args) if args.command == "self-test" else run_clean(args)
    except KeyboardInterrupt:
        print("\ninterrupted: no partial files were written", file=sys.stderr)
        return EXIT_INTERRUPTED


def load_denoiser(model: Path | None, batch_size: int, threads: int):
    """Create the one session this run uses (onnxruntime is imported only here)."""
    from engine.denoiser import Denoiser, default_session_options
    from engine.models import default_model_path

    options = default_session_options(threads)
    return Denoiser(model or default_model_path(), session_options=options, batch_size=batch_size)


def run_clean(args: argparse.Namespace) -> int:
    from engine.errors import ModelError
    from engine.pipeline import clean_jobs, plan_jobs
    from engine.progress import ProgressReporter

    try:
        denoiser = load_denoiser(args.model, args.batch_size, args.threads)
    except ModelError as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_MODEL
    jobs, rejected = plan_jobs(
        args.inputs, args.output, recursive=not args.no_recursive, output_format=args.format
    )
    reporter = ProgressReporter(len(jobs), quiet=args.quiet)
    summary = None
    events = clean_jobs(
        jobs, denoiser, mode=args.mode, overwrite=args.overwrite, combine_into=args.combine
    )
    for event in events:
        summary = reporter.handle(event) or summary
    reporter.close()
    return reporter.print_summary(summary, rejected, denoiser.describe())


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
