"""The demo's poller child: plain ``chipwatch poll``, plus a guard against orphans.

    python -m chipwatch.demo.child DEMO_DIR --config … --db … poll [--json]

If the demo process dies without cleaning up (SIGKILL, a crash), this child notices
its parent is gone, stops polling the way SIGTERM stops ``chipwatch poll`` (between
transactions), and removes the demo's temporary directory. Polling itself is the
ordinary command, run in this process: the same code paths as real monitoring.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

DIR_PREFIX = "chipwatch-demo-"
CHECK_EVERY = 0.5  # seconds


def command(directory: Path, cli_args: list[str]) -> list[str]:
    """The child's command line for the demo in ``directory``."""
    return [sys.executable, "-m", "chipwatch.demo.child", str(directory), *cli_args]


def watch_parent(parent: int, *, every: float = CHECK_EVERY) -> None:
    """Start a daemon thread that SIGTERMs this process once ``parent`` is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="chipwatch-demo-orphan-guard", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """Run ``chipwatch`` with the given arguments; clean up if the demo died."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args.pop(0))
    parent = os.getppid()
    watch_parent(parent)
    # A closed terminal hangs up the demo and this child together: stop like SIGTERM.
    signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
    from chipwatch.cli import main as cli_main

    try:
        status = cli_main(args)
    finally:
        # Only a directory the demo made, and only when the demo can no longer remove it.
        if os.getppid() != parent and directory.name.startswith(DIR_PREFIX):
            shutil.rmtree(directory, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
