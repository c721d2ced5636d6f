"""The `docclean` command line: one module per command, each adding its own subparser.

Exit codes: 0 every file cleaned (or already clean), 1 some files failed, 2 bad usage
(for `cluster` also: Ray missing or unreachable), 3 the model is missing or unusable,
130 interrupted.

Only light modules load here, so `--help` and `--version` answer at once; each command
imports what it needs (numpy, onnxruntime, Ray) when it runs.
"""

import argparse
import sys

from engine import __version__
from engine.cli.clean import add_clean_parser
from engine.cli.cluster import add_cluster_parser
from engine.cli.exit_codes import EXIT_INTERRUPTED
from engine.cli.self_test import add_self_test_parser, run_self_test

__all__ = ["build_parser", "main", "run_self_test"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docclean",
        description="Clean scanned document pages: stains, creases and yellowed paper out, "
        "text kept.",
        epilog="Exit codes: 0 all cleaned, 1 some files failed, 2 bad usage, 3 model problem.",
    )
    parser.add_argument("--version", action="version", version=f"docclean {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_clean_parser(commands)
    add_cluster_parser(commands)
    add_self_test_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.check:
        args.check(parser, args)  # bad values end here with exit code 2, as argparse's own
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: no partial files were written", file=sys.stderr)
        return EXIT_INTERRUPTED
