"""`docclean self-test` (and `DocClean --self-test`): clean a bundled sample page."""

import argparse
import sys

from engine.cli.exit_codes import EXIT_FAILED, EXIT_MODEL, EXIT_OK
from engine.cli.shared_options import add_model_option


def add_self_test_parser(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "self-test", help="check this installation: clean a bundled sample page"
    )
    add_model_option(check)
    check.set_defaults(check=None, run=run_self_test)


def run_self_test(args: argparse.Namespace) -> int:
    """Check the installation with `args.model` (None: the bundled model)."""
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
