"""Entry point of the frozen `DocClean` executable: the desktop app."""

import sys

from app.main import main

sys.exit(main())
