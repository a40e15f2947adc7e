"""benchmarks/bench_parse.py runs and compares like with like (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import bench_parse
from benchmarks.synth import write_feeds


def test_the_three_parsers_see_the_same_articles(tmp_path: Path) -> None:
    bodies = [path.read_bytes() for path in write_feeds(tmp_path, 300, per_feed=50)]
    timings = bench_parse.measure(bodies, repeats=1)
    counts = {name: articles for name, (articles, _, _) in timings.items()}
    assert counts == {"baseline": 300, "feedparser path": 300, "fast path": 300}
    assert all(cpu > 0 and wall > 0 for _, cpu, wall in timings.values())
