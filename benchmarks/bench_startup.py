"""(7b) ``chipwatch --help`` start-up time, against a bare ``python -c pass``.

The console script is run exactly as a user runs it, in a fresh process each time;
the median of several runs is reported. A second row checks, with ``-X importtime``,
that ``--help`` imports neither Textual nor the ingest stack.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HEAVY_MODULES = ("textual", "feedparser", "httpx", "rapidfuzz", "sqlite_utils")


def _command() -> list[str]:
    script = Path(sys.executable).with_name("chipwatch")
    if script.exists():
        return [str(script)]
    found = shutil.which("chipwatch")
    return [found] if found else [sys.executable, "-m", "chipwatch"]


def _median_wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def heavy_imports_of_help() -> list[str]:
    """Top-level heavy packages that ``chipwatch --help`` imports (should be none)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "chipwatch", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if "|" in line
    }
    return sorted(imported & set(HEAVY_MODULES))


def run(size: str) -> list[dict[str, Any]]:
    """Median start-up of ``chipwatch --help`` and of a bare interpreter."""
    runs = 5 if size == "small" else 20
    bare = _median_wall([sys.executable, "-c", "pass"], runs)
    helped = _median_wall([*_command(), "--help"], runs)
    heavy = heavy_imports_of_help()
    return [
        {
            "name": "startup: chipwatch --help",
            "value": helped,
            "unit": "s",
            "target": "< 0.3",
            "baseline": bare,
            "ratio": helped / bare,
            "note": f"median of {runs}; baseline: python -c pass",
        },
        {
            "name": "startup: heavy imports in --help",
            "value": float(len(heavy)),
            "unit": "modules",
            "target": "<= 0",
            "note": ", ".join(heavy) or "none of " + ", ".join(HEAVY_MODULES),
        },
    ]
