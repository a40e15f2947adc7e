"""Parsing throughput: articles per second of ``parse_feed`` on the synthetic feeds.

Three figures over the same bytes, in one process, CPU time (best of a few runs):
bare ``feedparser.parse`` (the issue's baseline), ``parse_feed`` on its feedparser path
(``fast=False``: feedparser plus chipwatch's normalization, the path before the lxml
fast path) and ``parse_feed`` with the fast path (the default). The ratio of each row
is its rate over bare feedparser's. A last row counts the synthetic feeds the fast
path accepts (it must take all of them; the equality proof is tests/test_fastparse*).

``python -m benchmarks.bench_parse [--size small|full]`` prints the rows.
"""

from __future__ import annotations

import io
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import module_main
from benchmarks.synth import write_feeds
from chipwatch.ingest.parse.fastpath.parse import fast_parse
from chipwatch.ingest.parse.feed import parse_feed, response_headers

SIZES = {"small": 4_000, "full": 50_000}
REPEATS = {"small": 3, "full": 2}
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _best(job: Callable[[], int], repeats: int) -> tuple[int, float, float]:
    """(articles, best CPU seconds, best wall seconds) over ``repeats`` runs."""
    best_cpu = best_wall = float("inf")
    count = 0
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        count = job()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return count, best_cpu, best_wall


def measure(bodies: list[bytes], repeats: int) -> dict[str, tuple[int, float, float]]:
    """The three timings over ``bodies``, by row name."""
    import feedparser

    urls = [f"https://feed{index}.example/rss" for index in range(len(bodies))]

    def bare() -> int:
        return sum(len(feedparser.parse(io.BytesIO(body)).entries) for body in bodies)

    def ours(fast: bool) -> int:
        return sum(
            len(parse_feed(body, {}, url, NOW, fast=fast).articles)
            for body, url in zip(bodies, urls, strict=True)
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ours(True)  # warm up: imports, regex and URL caches
        return {
            "baseline": _best(bare, repeats),
            "feedparser path": _best(lambda: ours(False), repeats),
            "fast path": _best(lambda: ours(True), repeats),
        }


def run(size: str) -> list[dict[str, Any]]:
    """Rows: parse_feed on both paths against bare feedparser, and the acceptance count."""
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-parse-") as tmp:
        paths = write_feeds(Path(tmp), SIZES[size], per_feed=100)
        bodies = [path.read_bytes() for path in paths]
    timings = measure(bodies, REPEATS[size])
    count, bare_cpu, _ = timings["baseline"]
    baseline = count / bare_cpu
    rows = []
    for name, label in (("feedparser path", "fast=False"), ("fast path", "default")):
        articles, cpu, wall = timings[name]
        rows.append(
            {
                "name": f"parse: parse_feed, {name}",
                "value": articles / cpu,
                "unit": "articles/s",
                "target": "",
                "baseline": baseline,
                "ratio": (articles / cpu) / baseline,
                "note": (
                    f"{articles} articles in {len(bodies)} RSS/Atom files, one process, CPU "
                    f"time ({articles / wall:.0f}/s wall); {label}; baseline = bare "
                    "feedparser.parse"
                ),
            }
        )
    headers = response_headers({}, "https://feed.example/rss")
    accepted = sum(fast_parse(body, headers) is not None for body in bodies)
    rows.append(
        {
            "name": "parse: synthetic feeds on the fast path",
            "value": accepted,
            "unit": "files",
            "target": f">= {len(bodies)}",
            "baseline": None,
            "ratio": None,
            "note": "the rest would fall back to feedparser",
        }
    )
    return rows


def main() -> None:
    """Print the rows of one run (``--size small|full``)."""
    module_main(__doc__ or "", SIZES, run)


if __name__ == "__main__":
    main()
