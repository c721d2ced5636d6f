"""Entry point of the frozen `docclean` executable: the command line."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A process the engine starts (HEIF photos are decoded in one: engine.io.heif) runs its
    # work here, before the program is imported.
    multiprocessing.freeze_support()
    from engine.cli import main

    sys.exit(main())
