"""``python -m chipwatch`` runs the command line (the monitor spawns its poller this way)."""

import sys

from chipwatch.cli import main

sys.exit(main())
