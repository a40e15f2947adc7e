"""The real ``chipwatch`` command line as a child process's argv."""

from __future__ import annotations

import sys
from pathlib import Path


def cli_argv(config: Path | str, db: Path | str, *args: str) -> list[str]:
    """``python -m chipwatch --config CONFIG --db DB ARGS…`` with this interpreter."""
    return [sys.executable, "-m", "chipwatch", "--config", str(config), "--db", str(db), *args]
