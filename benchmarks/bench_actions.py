"""Event-action recognition: microseconds per article through ``find_actions``.

Two generated corpora: the tagging benchmark's articles of ~80 words in seven
languages (``bench_tagging.generate``: sentences full of trigger words, licences,
shipments, curbs, so nearly every article runs rules) and the feed generator's retold
events (``synth.generate_articles``: a headline and a two-sentence summary). Articles
are tagged first (the tagger is not timed); the figure is the CPU time of
``find_actions`` alone, best of a few runs, divided by the number of articles. The
target is the design's: at most 30 µs per article. The baseline is the entity tagger on
the same articles in the same run (``ratio`` = actions / tagging): on a machine shared
with other work both slow down alike, so the ratio is the steadier figure.

``python -m benchmarks.bench_actions [--size small|full]`` prints the rows.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from benchmarks import module_main
from benchmarks.bench_tagging import generate
from benchmarks.synth import generate_articles
from chipwatch.clustering.actions import find_actions
from chipwatch.entities.tagger import Tagger, build_tagger
from chipwatch.ingest.parse.langdetect import detect_language

SIZES = {"small": 2_000, "full": 20_000}
REPEATS = {"small": 3, "full": 3}
TARGET_US = 30.0

Item = tuple[str, str, str, list[Any]]


def _prepared(size: str, tagger: Tagger) -> dict[str, list[Item]]:
    """Both corpora, tagged: (title, summary, lang, matches)."""
    count = SIZES[size]
    long = [(t, s, detect_language(f"{t} {s}")) for t, s in generate(count)]
    short = [(a.title, a.summary, a.lang) for a in generate_articles(count, seed=3)]
    return {
        name: [(t, s, lang, tagger.tag(t, s)) for t, s, lang in items]
        for name, items in (("~80-word articles", long), ("feed articles", short))
    }


def _per_article_us(items: list[Item], repeats: int, tagger: Tagger) -> tuple[float, float]:
    """Best of ``repeats``: (find_actions, tagging) in CPU µs per article, interleaved."""
    best = tagging = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for title, summary, lang, matches in items:
            find_actions(title, summary, lang, matches)
        best = min(best, time.process_time() - start)
        start = time.process_time()
        for title, summary, _, _ in items:
            tagger.tag(title, summary)
        tagging = min(tagging, time.process_time() - start)
    return best / len(items) * 1e6, tagging / len(items) * 1e6


def run(size: str) -> list[dict[str, Any]]:
    """Per-article cost of find_actions on both generated corpora."""
    tagger = build_tagger()
    corpora = _prepared(size, tagger)
    for items in corpora.values():  # warm up: the grammar's compile, lazy tables
        for title, summary, lang, matches in items[:200]:
            find_actions(title, summary, lang, matches)
    rows = []
    for name, items in corpora.items():
        cost, tagging = _per_article_us(items, REPEATS[size], tagger)
        found = Counter(
            m.action
            for title, summary, lang, matches in items[:1000]
            for m in find_actions(title, summary, lang, matches)
        )
        with_any = sum(
            1 for t, s, lang, matches in items[:1000] if find_actions(t, s, lang, matches)
        )
        rows.append(
            {
                "name": f"actions: {name}",
                "value": cost,
                "unit": "µs/article",
                "target": f"<= {TARGET_US:.0f}",
                "baseline": tagging,
                "ratio": cost / tagging,
                "note": (
                    f"{len(items)} articles, CPU time, best of {REPEATS[size]}; baseline = "
                    "tagging the same articles; "
                    f"{with_any / 10:.0f}% of articles with an action; most found: "
                    + ", ".join(f"{a} {n}" for a, n in found.most_common(3))
                ),
            }
        )
    return rows


def main() -> None:
    """Print the rows of one run (``--size small|full``)."""
    module_main(__doc__ or "", SIZES, run)


if __name__ == "__main__":
    main()
