"""Entry point of the frozen `docclean` executable: the command line."""

import sys

from engine.cli import main

sys.exit(main())
