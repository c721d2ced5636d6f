"""`docclean clean`: clean image files, PDFs and folders on this machine."""

import argparse
import sys
from pathlib import Path

from engine.cli.exit_codes import EXIT_MODEL
from engine.cli.shared_options import (
    add_batch_size_option,
    add_format_option,
    add_mode_option,
    add_model_option,
    add_positive_option,
    add_precision_option,
    add_threads_option,
    check_batch_size_and_threads,
)


def add_clean_parser(commands: argparse._SubParsersAction) -> None:
    clean = commands.add_parser(
        "clean",
        help="clean image files and folders",
        description="Clean scans: image files (PNG, JPEG, TIFF incl. multi-page, BMP, WebP, "
        "JPEG 2000), phones' HEIF photos, PDFs and folders of them. Outputs keep each input's "
        "name, format, page order, DPI and page size (a HEIF photo's result is a PNG); inputs "
        "are never modified.",
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
    add_model_option(clean)
    add_mode_option(
        clean,
        help="gray: cleaned grey levels (default); bw: pure black and white; color: white "
        "paper, every stroke in its own colour (pages without colour stay grey)",
    )
    add_positive_option(clean)
    add_format_option(clean, help="output format: same as each input (default), png, tiff or pdf")
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
    add_precision_option(
        clean,
        help="auto: the model's INT8 version where the CPU has fast integer dot products "
        "(default); float; int8",
    )
    clean.add_argument("--overwrite", action="store_true", help="redo outputs that exist")
    clean.add_argument("--no-recursive", action="store_true", help="do not descend into subfolders")
    add_batch_size_option(clean)
    add_threads_option(clean, help="CPU threads, one model session each up to 4 (default: cores)")
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    clean.set_defaults(check=check_clean_args, run=run_clean)


def check_clean_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    check_batch_size_and_threads(parser, args)
    if args.combine and args.combine.suffix.lower() != ".pdf":
        parser.error("--combine needs a file name ending in .pdf")
    if args.dpi is not None:
        from engine.pipeline import output_dpi_problem

        if problem := output_dpi_problem(args.dpi):
            parser.error(f"--dpi: {problem}")


def load_denoiser(model: Path | None, batch_size: int, threads: int, precision: str = "auto"):
    """Create the model this run uses (onnxruntime is imported only here)."""
    from engine.denoiser import Denoiser
    from engine.precision import model_for_precision
    from engine.resources import default_model_path

    path = model_for_precision(model or default_model_path(), precision)
    return Denoiser(path, batch_size=batch_size, threads=threads)


def run_clean(args: argparse.Namespace) -> int:
    from engine.cli.summary import print_batch_summary
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
        as_positive=args.positive,
    )
    for event in events:
        summary = reporter.handle(event) or summary
    reporter.close()
    return print_batch_summary(summary, rejected, reporter.failures, denoiser.describe())
