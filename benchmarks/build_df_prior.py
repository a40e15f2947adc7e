"""Build the shipped rarity prior, ``chipwatch/clustering/df_prior.json``.

``python -m benchmarks.build_df_prior [--check]``

A young store has too few articles to tell a common feature from a rare one, so
clustering starts from a prior (:mod:`chipwatch.clustering.docfreq`): for each feature
kind, the share of articles that have each feature. It is counted here over material
chipwatch may ship, all written for the project: the labelled set
(``tests/data/cluster/labelled.toml``), the demo's articles and a sample of the
synthetic generator's (``benchmarks/synth.py``). Never realnews: it is evaluation data.
Only features in at least ``MIN_COUNT`` articles are kept (rates to three digits), so
the file stays a few kilobytes and holds the vocabulary, not one article's words.
``--check`` exits 1 when the shipped file differs from what this would write.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "chipwatch" / "clustering" / "df_prior.json"
LABELLED = ROOT / "tests" / "data" / "cluster" / "labelled.toml"
SYNTHETIC = 150  # synthetic articles: vocabulary breadth, not the majority
MIN_COUNT = 3
VERSION = 1


def _articles() -> Iterator[tuple[str, str, str, datetime]]:
    """(title, summary, lang, published) of every source article."""
    from benchmarks.synth import START, generate_articles
    from chipwatch.demo.content import all_articles

    data = tomllib.loads(LABELLED.read_text(encoding="utf-8"))
    for item in data["article"]:
        published = item["published"]
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        yield item.get("title") or "", item["summary"], item["lang"], published
    for article in all_articles():
        yield article.title, article.summary, article.lang, article.published
    for synth in generate_articles(SYNTHETIC, seed=18, start=START, span=timedelta(days=30)):
        yield synth.title, synth.summary, synth.lang, synth.published


def build() -> dict[str, object]:
    """The prior's JSON-ready content."""
    from chipwatch.clustering.documents import build_doc
    from chipwatch.entities.tagger import build_tagger
    from chipwatch.model import Article

    tagger = build_tagger()
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in "ewpna"}
    total = 0
    for title, summary, lang, published in _articles():
        article = Article(
            key="", feed_url="", title=title, summary=summary, url="",
            published=published, fetched_at=published, lang=lang,
        )  # fmt: skip
        doc = build_doc(0, 0, 0, article, tagger.tag(title, summary))
        total += 1
        for kind, keys in (
            ("e", doc.entities),
            ("w", doc.words),
            ("p", doc.names),
            ("n", doc.numbers),
            ("a", doc.action_keys),
        ):
            counts[kind].update(set(keys))
    rates = {
        kind: {
            key: round(count / total, 3)
            for key, count in sorted(counter.items())
            if count >= MIN_COUNT
        }
        for kind, counter in counts.items()
    }
    return {"version": VERSION, "articles": total, "rates": rates}


def render(data: dict[str, object]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build_df_prior")
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        same = TARGET.read_text(encoding="utf-8") == text
        print("df_prior.json is current" if same else "df_prior.json is out of date")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
