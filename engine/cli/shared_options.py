"""Options more than one command offers, each defined once.

Added by function rather than through an argparse parent parser: a parent's options come
first in every `--help`, and each command lists them where its users expect them.
"""

import argparse
from pathlib import Path

from engine.options import BATCH_SIZE, OUTPUT_FORMATS, OUTPUT_MODES, PRECISIONS


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, help="ONNX model (default: bundled)")


def add_mode_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--mode", choices=OUTPUT_MODES, default="gray", help=help)


def add_positive_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--positive",
        action="store_true",
        help="write negative pages (white writing on a dark ground: photostats, prints from "
        "microfilm) as black writing on white paper (default: as they came)",
    )


def add_format_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--format", choices=OUTPUT_FORMATS, default="same", help=help)


def add_precision_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--precision", choices=PRECISIONS, default="auto", help=help)


def add_batch_size_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="tiles per model session a call"
    )


def add_threads_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--threads", type=int, default=0, help=help)


def check_batch_size_and_threads(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.batch_size < 1 or args.threads < 0:
        parser.error("--batch-size must be >= 1 and --threads >= 0")
