"""Entry point of the frozen `DocClean` executable: the desktop app."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A process the engine starts (HEIF photos are decoded in one: engine.io.heif) runs its
    # work here, before the program is imported.
    multiprocessing.freeze_support()
    from app.main import main

    sys.exit(main())
