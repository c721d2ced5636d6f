"""Entry point of the frozen `DocClean` executable: the desktop app."""

import multiprocessing
import sys

from app.main import main

# A process the engine starts (HEIF photos are decoded in one: engine.io.heif) runs its
# work here instead of the program.
multiprocessing.freeze_support()
sys.exit(main())
