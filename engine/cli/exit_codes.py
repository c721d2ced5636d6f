"""The documented exit codes of `docclean` (listed in `engine.cli`)."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MODEL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
