"""(7) Digest speed: build and render a digest of 10,000 stories in every format.

A synthetic store (deterministic: the same size gives the same rows) holds 10,000
stories of one to five articles from 40 outlets in five languages, with entity tags and
watch alerts, all inside the digest's window. ``build_digest`` (the store reads) and
``render`` (each format) are timed separately; the median of several runs is reported.

``python -m benchmarks.bench_digest [--size small|full]`` prints the rows as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from chipwatch.digest.build import FORMATS, build_digest, render
from chipwatch.store.db import open_db, write_transaction
from chipwatch.timeutil import iso

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
STORIES = 10_000
FEEDS = 40
LANGS = ("en", "fr", "de", "ja", "zh")
ENTITIES = (
    ("NVIDIA", "company"), ("AMD", "company"), ("TSMC", "company"), ("ASML", "company"),
    ("H20", "chip"), ("MI308", "chip"), ("Blackwell", "chip"), ("China", "place"),
    ("United States", "place"), ("Netherlands", "place"), ("BIS", "agency"),
    ("export controls", "policy"), ("licences", "policy"), ("tariffs", "policy"),
)  # fmt: skip
WORDS = (
    "shipments", "licence", "rules", "fab", "capacity", "accelerator", "tariff", "ban",
    "review", "quarter", "orders", "approval", "supply", "talks", "probe", "plant",
)  # fmt: skip


def build_store(path: Path, stories: int = STORIES, seed: int = 7) -> Database:
    """A store holding ``stories`` synthetic stories in the 7 days before NOW."""
    rng = random.Random(seed)
    db = open_db(path)
    with write_transaction(db):
        db["feeds"].insert_all(
            {"id": i, "url": f"https://outlet{i}.example/feed", "name": f"Outlet {i}",
             "created_at": iso(NOW - timedelta(days=30))}
            for i in range(1, FEEDS + 1)
        )  # fmt: skip
        article_id = 0
        story_rows, article_rows, entity_rows, alert_rows = [], [], [], []
        for story_id in range(1, stories + 1):
            count = rng.choice((1, 1, 2, 3, 3, 4, 5))
            start = NOW - timedelta(minutes=180 + rng.randrange(7 * 24 * 60))
            tags = rng.sample(ENTITIES, 3)
            times = []
            for n in range(count):
                article_id += 1
                published = iso(start + timedelta(minutes=37 * n))
                times.append(published)
                title = f"{tags[0][0]} {rng.choice(WORDS)} {rng.choice(WORDS)} #{story_id}.{n}"
                article_rows.append(_article(article_id, story_id, rng, published, title))
                entity_rows.extend(_tags(article_id, tags))
            story_rows.append(_story(story_id, times, article_id - count + 1))
            if story_id % 25 == 0:
                alert_rows.append(_alert(story_id, times[0]))
        db["stories"].insert_all(story_rows, batch_size=2000)
        db["articles"].insert_all(article_rows, batch_size=2000)
        db["article_entities"].insert_all(entity_rows, batch_size=5000)
        db["alerts"].insert_all(alert_rows, batch_size=2000)
    return db


def _article(article_id: int, story_id: int, rng: random.Random, published: str,
             title: str) -> dict[str, Any]:  # fmt: skip
    return {
        "id": article_id, "key": f"bench:{article_id}", "feed_id": rng.randrange(1, FEEDS + 1),
        "url": f"https://news.example/{article_id}", "title": title, "summary": title * 6,
        "lang": rng.choice(LANGS), "published": published, "fetched_at": published,
        "updated_at": published, "story_id": story_id,
    }  # fmt: skip


def _tags(article_id: int, tags: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"article_id": article_id, "entity": name, "kind": kind, "field": "title",
         "start": 10 * i, "end": 10 * i + len(name)}
        for i, (name, kind) in enumerate(tags)
    ]  # fmt: skip


def _story(story_id: int, times: list[str], headline: int) -> dict[str, Any]:
    return {
        "id": story_id, "title": f"Story {story_id}", "headline_article_id": headline,
        "first_seen": min(times), "last_updated": max(times), "created_at": min(times),
    }  # fmt: skip


def _alert(story_id: int, when: str) -> dict[str, Any]:
    return {
        "kind": "watch", "watch": "H20 exports", "subject": f"story:{story_id}",
        "story_id": story_id, "title": f"Story {story_id}", "created_at": when,
        "updated_at": when,
    }  # fmt: skip


def _timed(action: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(best CPU seconds, best wall seconds) over ``runs`` calls, and the last result.

    The work is single-threaded and reads a store already in the page cache, so on an
    idle machine wall time equals CPU time; on a shared one the wall time mostly
    measures the neighbours, so CPU time is the figure reported and wall kept in the note.
    """
    cpu, wall, result = [], [], None
    for _ in range(runs):
        started_cpu, started = time.process_time(), time.perf_counter()
        result = action()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return min(cpu), min(wall), result


def run(size: str) -> list[dict[str, Any]]:
    """Rows for the harness: build time, each format's render time, and the total."""
    runs = 3 if size == "small" else 7
    with tempfile.TemporaryDirectory(prefix="chipwatch-bench-digest-") as folder:
        db = build_store(Path(folder) / "bench.db")
        try:
            window = {"since": NOW - timedelta(days=8), "until": NOW, "now": NOW}
            built, built_wall, digest = _timed(lambda: build_digest(db, **window), runs)
        finally:
            db.close()
    if len(digest.stories) != STORIES:
        raise RuntimeError(f"expected {STORIES} stories in the digest, got {len(digest.stories)}")
    label = f"{STORIES // 1000}k stories"
    rows = [_row(f"digest: build {label}", built, built_wall, runs,
                 f"{digest.article_count} articles")]  # fmt: skip
    slowest = 0.0
    for fmt in FORMATS:
        cpu, wall, text = _timed(lambda fmt=fmt: render(digest, fmt), runs)
        slowest = max(slowest, cpu)
        rows.append(_row(f"digest: render {fmt} {label}", cpu, wall, runs, f"{len(text):,} chars"))
    rows.append(_row(f"digest {label} (build + slowest render)", built + slowest, None, runs, ""))
    return rows


def _row(name: str, cpu: float, wall: float | None, runs: int, note: str) -> dict[str, Any]:
    detail = f"CPU s, best of {runs}"
    if wall is not None:
        detail += f" (wall {wall:.3f} s)"
    return {"name": name, "value": round(cpu, 4), "unit": "s", "target": "< 1",
            "note": detail + (f"; {note}" if note else "")}  # fmt: skip


def main() -> None:
    """``python -m benchmarks.bench_digest``: print the rows as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "full"), default="small",
                        help="small: 3 runs each; full: 7 runs each")  # fmt: skip
    args = parser.parse_args()
    for row in run(args.size):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
