"""(3) Story assignment cost per article at 10k, 100k and 1M archived articles.

For each size, a store is filled with that many synthetic articles (tagged, already in
stories), arriving at a constant rate of ``PER_DAY`` a day: 1M articles is a year of a
busy news stream. Then ``ARRIVALS`` further articles are ingested as the pipeline does
(one write transaction per feed batch, ended by :meth:`Clusterer.end_batch`, timed
apart) and only :meth:`Clusterer.assign` is timed: the candidate lookup, the pair
scores and the writes of the article's story and explanation.
The article's tags and text features are computed before, untimed: in the pipeline the
parse workers compute them (:mod:`chipwatch.pipeline.prepare`), off the writer. The CPU
time of ``assign`` is also reported split into its two halves, ``decide`` (choosing the
story: reads only) and ``record`` (the writes and the index upkeep).
The cost must stay flat as the archive grows: the index covers the time window only.

On a shared machine the wall time mostly measures the other processes: the thread CPU
time (``time.thread_time_ns``) leaves out waiting for a core, and garbage collections
that run inside ``assign`` are timed apart (``gc.callbacks``): the CPU p99 is also given
without them, from the same run, so the two compare at the same load.

Also reported: building the index when a Clusterer starts, and the B-cubed F1 of the
assignments against the generator's own events (a sanity check, not the quality figure;
that is ``python -m benchmarks.cluster_quality``).

``python -m benchmarks.bench_cluster [--size small|full|1M] [--cache DIR]``: ``--cache``
keeps each size's archive in DIR once built (1M takes minutes) and runs on a copy.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from benchmarks.synth import START, SynthArticle, generate_articles

SIZES = {"small": (10_000,), "full": (10_000, 100_000, 1_000_000), "1M": (1_000_000,)}
PER_DAY = 2_740  # about 1M articles a year
ARRIVALS = 2_000
BATCH = 25  # articles per feed transaction
OUTLETS = 40


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def _stream(total: int) -> Iterator[SynthArticle]:
    span = timedelta(days=max(1.0, total / PER_DAY))
    return generate_articles(total, seed=7, start=START, span=span)


def build_archive(db: Any, stream: Iterator[SynthArticle], count: int, tagger: Any) -> None:
    """Insert ``count`` articles from ``stream`` as stories grouped by their event.

    The full-text trigger is dropped during the load (re-created after): the archive's
    FTS rows play no part in assignment, and indexing a million summaries would only
    lengthen the set-up.
    """
    conn = db.conn
    conn.execute("DROP TRIGGER IF EXISTS articles_fts_ai")
    stamp = START.strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.executemany(
        "INSERT INTO feeds (id, url, name, created_at) VALUES (?, ?, ?, ?)",
        [(i + 1, f"https://outlet{i}.example/feed", f"outlet {i}", stamp) for i in range(OUTLETS)],
    )
    articles, entities, stories = [], [], {}
    for number, item in zip(range(count), stream, strict=False):
        published = item.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        story = item.event + 1
        stories.setdefault(story, published)
        articles.append(
            (
                number + 1,
                item.guid,
                item.outlet + 1,
                item.guid,
                item.url,
                item.title,
                item.summary,
                item.lang,
                published,
                published,
                published,
                story,
            )
        )
        for match in tagger.tag(item.title, item.summary):
            entities.append(
                (number + 1, match.entity, match.kind, match.field, match.start, match.end)
            )
        if len(articles) >= 50_000:
            _flush(conn, articles, entities, stories)
    _flush(conn, articles, entities, stories)
    conn.execute(
        "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(rowid, title, summary) VALUES (new.id, new.title, "
        "new.summary); END;"
    )
    conn.commit()


def _flush(conn: Any, articles: list, entities: list, stories: dict) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO stories (id, title, first_seen, last_updated, created_at, "
        "article_count, outlet_count) VALUES (?, '', ?, ?, ?, 1, 1)",
        [(sid, when, when, when) for sid, when in stories.items()],
    )
    conn.executemany(
        "INSERT INTO articles (id, key, feed_id, guid, url, title, summary, lang, published, "
        "fetched_at, updated_at, story_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        articles,
    )
    conn.executemany(
        'INSERT INTO article_entities (article_id, entity, kind, field, start, "end") '
        "VALUES (?, ?, ?, ?, ?, ?)",
        entities,
    )
    conn.commit()
    articles.clear()
    entities.clear()
    stories.clear()


class GcPauses:
    """The thread CPU time of the garbage collections that ran, by generation."""

    def __init__(self) -> None:
        self.ns = 0
        self.by_generation = [0, 0, 0]
        self._started = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.thread_time_ns()
        else:
            self.ns += time.thread_time_ns() - self._started
            self.by_generation[info["generation"]] += 1


@contextmanager
def gc_pauses() -> Iterator[GcPauses]:
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)


def _archive(size: int, tmp: Path, cache: Path | None, tagger: Any) -> Iterator[SynthArticle]:
    """A store of ``size`` archived articles at ``tmp/bench.db`` (a copy of the cached
    one when ``cache`` has it); the stream of the arrivals that follow them."""
    from chipwatch.store.db import open_db

    stream = _stream(size + ARRIVALS)
    kept = cache / f"archive{size}.db" if cache else None
    if kept is not None and kept.exists():
        shutil.copy(kept, tmp / "bench.db")
        for _ in islice(stream, size):
            pass
        return stream
    db = open_db(tmp / "bench.db")
    build_archive(db, stream, size, tagger)
    db.close()
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp / "bench.db", kept)
    return stream


def measure(size: int, cache: Path | None = None) -> dict[str, Any]:
    """Fill a store with ``size`` articles, then time the assignment of new arrivals."""
    from chipwatch.clustering.clusterer import Clusterer
    from chipwatch.clustering.features import doc_features
    from chipwatch.config import ClusterConfig
    from chipwatch.entities.tagger import build_tagger
    from chipwatch.store.db import open_db, write_transaction
    from chipwatch.store.queries import upsert_article
    from chipwatch.store.tags import save_matches

    tagger = build_tagger()
    with tempfile.TemporaryDirectory() as tmp, gc_pauses() as pauses:
        stream = _archive(size, Path(tmp), cache, tagger)
        db = open_db(Path(tmp) / "bench.db")
        started = time.perf_counter()
        clusterer = Clusterer(db, ClusterConfig(), languages=("en",))
        build_seconds = time.perf_counter() - started
        timings: list[float] = []
        cpu: list[float] = []  # this thread's CPU time: the cost without other processes
        decide_cpu: list[float] = []  # of which choosing the story (reads only)
        record_cpu: list[float] = []  # and writing it (article, story row, index)
        gc_cpu: list[float] = []  # of which garbage collections
        batch_cpu: list[float] = []  # a feed's end: rarity changes written, postings given back
        gc_before = list(pauses.by_generation)
        gold: dict[int, int] = {}
        predicted: dict[int, int] = {}
        arrivals = list(stream)
        for offset in range(0, len(arrivals), BATCH):
            with write_transaction(db):
                for item in arrivals[offset : offset + BATCH]:
                    article = item.article()
                    article_id, _ = upsert_article(
                        db, article, feed_id=item.outlet + 1, now=item.published
                    )
                    matches = tagger.tag(item.title, item.summary)
                    save_matches(db, article_id, matches)
                    features = doc_features(article, matches)  # a parse worker's part
                    # assign() is decide() then record(): timed as one and apart.
                    paused = pauses.ns
                    begin, begin_cpu = time.perf_counter_ns(), time.thread_time_ns()
                    decision = clusterer.decide(article_id, article, matches, features=features)
                    decided = time.thread_time_ns()
                    assignment = clusterer.record(decision, now=item.published)
                    timings.append((time.perf_counter_ns() - begin) / 1e9)
                    end_cpu = time.thread_time_ns()
                    cpu.append((end_cpu - begin_cpu) / 1e9)
                    decide_cpu.append((decided - begin_cpu) / 1e9)
                    record_cpu.append((end_cpu - decided) / 1e9)
                    gc_cpu.append((pauses.ns - paused) / 1e9)
                    gold[article_id] = item.event
                    predicted[article_id] = assignment.story_id
                began = time.thread_time_ns()
                clusterer.end_batch()  # as the pipeline ends each feed's transaction
                batch_cpu.append((time.thread_time_ns() - began) / 1e9)
        indexed = len(clusterer.index)
        db.close()
        collections = [n - b for n, b in zip(pauses.by_generation, gc_before, strict=True)]
    return {
        "timings": timings,
        "cpu": cpu,
        "cpu_less_gc": [c - g for c, g in zip(cpu, gc_cpu, strict=True)],
        "gc_inside": sum(1 for g in gc_cpu if g > 0),
        "batch": batch_cpu,
        "collections": collections,
        "decide": decide_cpu,
        "record": record_cpu,
        "build": build_seconds,
        "indexed": indexed,
        "f1": _bcubed_f1(gold, predicted),
    }


def _bcubed_f1(gold: dict[int, int], predicted: dict[int, int]) -> float:
    by_gold: dict[int, set[int]] = defaultdict(set)
    by_pred: dict[int, set[int]] = defaultdict(set)
    for item in gold:
        by_gold[gold[item]].add(item)
        by_pred[predicted[item]].add(item)
    p = sum(
        len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in gold
    ) / len(gold)
    r = sum(
        len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in gold
    ) / len(gold)
    return 2 * p * r / (p + r) if p + r else 0.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(size: str, cache: Path | None = None) -> list[dict[str, Any]]:
    """Rows for the harness: p50/p99 per archive size, index build time, synthetic F1."""
    rows: list[dict[str, Any]] = []
    baseline: float | None = None
    for archive in SIZES[size]:
        result = measure(archive, cache)
        label = _label(archive)
        p50 = statistics.median(result["timings"]) * 1e6
        p99 = _percentile(result["timings"], 0.99) * 1e6
        baseline = baseline or p50
        rows.append(
            {
                "name": f"assign p50 @{label}",
                "value": p50,
                "unit": "µs",
                "target": "< 100",
                "baseline": baseline,
                "ratio": p50 / baseline,
                "note": f"{ARRIVALS} arrivals; index holds {result['indexed']} articles",
            }
        )
        rows.append(
            {"name": f"assign p99 @{label}", "value": p99, "unit": "µs", "target": "< 2000"}
        )
        for name, fraction, target in (("p50", 0.5, "< 100"), ("p99", 0.99, "< 2000")):
            rows.append(
                {
                    "name": f"assign CPU {name} @{label}",
                    "value": _percentile(result["cpu"], fraction) * 1e6,
                    "unit": "µs",
                    "target": target,
                    "note": "this thread's CPU time: leaves out waiting for a busy core",
                }
            )
        rows.append(
            {
                "name": f"assign CPU p99 @{label}, less GC",
                "value": _percentile(result["cpu_less_gc"], 0.99) * 1e6,
                "unit": "µs",
                "target": "",
                "note": f"{result['gc_inside']} assigns ran a collection; during the "
                f"arrivals gen0/1/2 collected {result['collections']}",
            }
        )
        for part, note in (
            ("decide", "choosing the story: candidates, pair scores, the story row read"),
            ("record", "writing it: article row, explanation, story row, index upkeep"),
        ):
            for name, fraction in (("p50", 0.5), ("p99", 0.99)):
                rows.append(
                    {
                        "name": f"assign CPU {name} @{label}, {part}",
                        "value": _percentile(result[part], fraction) * 1e6,
                        "unit": "µs",
                        "target": "",
                        "note": note,
                    }
                )
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            rows.append(
                {
                    "name": f"feed end CPU {name} @{label}",
                    "value": _percentile(result["batch"], fraction) * 1e6,
                    "unit": "µs",
                    "target": "",
                    "note": f"Clusterer.end_batch once per {BATCH} arrivals, not in assign",
                }
            )
        rows.append(
            {
                "name": f"index build @{label}",
                "value": result["build"] * 1e3,
                "unit": "ms",
                "target": "",
            }
        )
        rows.append(
            {
                "name": f"synthetic B-cubed F1 @{label}",
                "value": result["f1"],
                "unit": "",
                "target": "",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_cluster", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--size", choices=tuple(SIZES), default="small")
    parser.add_argument("--cache", type=Path, help="keep built archives here; reuse them")
    args = parser.parse_args(argv)
    for row in run(args.size, args.cache):
        value = row["value"]
        shown = f"{value:>10.4f}" if not row["unit"] else f"{value:>10.1f}"  # F1: 4 places
        print(
            f"{row['name']:<36} {shown} {row['unit']:<3} target {row['target'] or '-'}"
            f"  {row.get('note', '')}",
            file=sys.stdout,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
