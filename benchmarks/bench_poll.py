"""(5) a poll of 500 feeds on a loopback server that answers each request after 50 ms.

The server (``benchmarks.feedserver``) runs in its own process. The first poll fetches
and ingests every feed; the second finds them unchanged (``304 Not Modified`` through
the stored ETags). The baseline is the least time the delays allow at the configured
concurrency: ``ceil(feeds / concurrency) × 50 ms``.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.synth import START, write_feeds

SIZES = {"small": 50, "full": 500}  # feeds
PER_FEED = 10
DELAY = 0.05
CONCURRENCY = 16
# 500 real feeds live on hundreds of hosts; here they share 127.0.0.1, so the polite
# per-host limit (default 2) is raised to the overall limit to model that.
PER_HOST = CONCURRENCY


def start_server(directory: Path, delay: float) -> tuple[subprocess.Popen[str], int]:
    """Start the feed server process; return it and its port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.feedserver", str(directory), "--delay", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def write_config(directory: Path, urls: list[str]) -> Path:
    """A config polling ``urls`` with the benchmark's limits."""
    lines = [
        f'[poll]\ninterval = "15m"\nconcurrency = {CONCURRENCY}\nper_host = {PER_HOST}\n'
        'timeout = "30s"\n'
    ]
    lines += [f'[[feeds]]\nurl = "{url}"\n' for url in urls]
    path = directory / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def timed_poll(config_path: Path, db_path: Path, now: Any) -> tuple[float, dict[str, int]]:
    """Seconds for one ``poll_once`` and the count of each feed outcome."""
    from chipwatch.config import load_config
    from chipwatch.pipeline.poller import poll_once

    config = load_config(config_path)
    started = time.perf_counter()
    report = poll_once(db_path, config, now=now, notify=False)
    elapsed = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for outcome in report.outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return elapsed, statuses


def run(size: str) -> list[dict[str, Any]]:
    """First and second poll of ``SIZES[size]`` feeds behind a 50 ms server."""
    feeds = SIZES[size]
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-poll-") as tmp:
        root = Path(tmp)
        paths = write_feeds(
            root / "feeds", feeds * PER_FEED, seed=5, per_feed=PER_FEED, span=timedelta(days=2)
        )
        server, port = start_server(root / "feeds", DELAY)
        try:
            config = write_config(root, [f"http://127.0.0.1:{port}/{p.name}" for p in paths])
            now = START + timedelta(days=2, hours=1)
            first, first_statuses = timed_poll(config, root / "poll.db", now)
            second, second_statuses = timed_poll(config, root / "poll.db", now + timedelta(hours=1))
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor = math.ceil(feeds / CONCURRENCY) * DELAY
    describe = ", ".join(f"{n} {s}" for s, n in sorted(first_statuses.items()))
    describe2 = ", ".join(f"{n} {s}" for s, n in sorted(second_statuses.items()))
    return [
        {
            "name": f"poll: {feeds} feeds × 50 ms, first (fetch + ingest)",
            "value": first,
            "unit": "s",
            "target": "< 3",
            "baseline": floor,
            "ratio": first / floor,
            "note": f"{feeds * PER_FEED} articles; {describe}; baseline = delay floor",
        },
        {
            "name": f"poll: {feeds} feeds × 50 ms, unchanged (304)",
            "value": second,
            "unit": "s",
            "target": "< 3",
            "baseline": floor,
            "ratio": second / floor,
            "note": describe2,
        },
    ]
