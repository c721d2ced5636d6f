"""Entry point of the frozen `docclean` executable: the command line."""

import multiprocessing
import sys

from engine.cli import main

# A process the engine starts (HEIF photos are decoded in one: engine.io.heif) runs its
# work here instead of the program.
multiprocessing.freeze_support()
sys.exit(main())
