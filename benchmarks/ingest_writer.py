"""The first ingest's store writer alone, per article (part of ``bench_ingest``).

The end-to-end row mixes the parse workers, the event loop and the writer thread on two
shared cores. This measures the writer by itself: the feeds are parsed and prepared
first (as the workers would), then ``ingest.ingest()`` writes them one feed per
transaction into a fresh store in this thread, with the poller's checkpointer. Its CPU
time (this thread's, so other load on the machine does not count) is split between
clustering (``Clusterer.assign``) and the rest: articles, mentions, alerts, events,
feed state and commits — the store work.
"""

from __future__ import annotations

import dataclasses
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

MAX_ARTICLES = 10_000


def writer_rows(root: Path, config_path: Path, paths: list[Path], *, now: datetime) -> list[dict]:
    """Rows: the writer's CPU µs per article, and its store part (without clustering)."""
    from chipwatch.config import load_config

    config = load_config(config_path)
    parsed = _parse(paths, config, now)
    count = sum(len(feed.articles) for _, feed in parsed)
    total, clustering, wall = _write(root / "writer.db", config, parsed, now=now)
    note = f"{count} articles in one thread, {wall / count * 1e6:.0f} µs wall; CPU time"
    return [
        {
            "name": "ingest: store writer per article",
            "value": total / count * 1e6,
            "unit": "µs CPU",
            "target": "",
            "note": f"{note}, clustering {clustering / count * 1e6:.0f} µs of it",
        },
        {
            "name": "ingest: store writer per article, without clustering",
            "value": (total - clustering) / count * 1e6,
            "unit": "µs CPU",
            "target": "",
            "note": "articles, mentions, FTS, alerts, events, feed state, commits",
        },
    ]


def _parse(paths: list[Path], config: Any, now: datetime) -> list[tuple[Path, Any]]:
    from chipwatch.ingest.parse.feed import parse_feed
    from chipwatch.pipeline.prepare import prepare_articles

    parsed, count = [], 0
    for path in paths:
        if count >= MAX_ARTICLES:
            break
        feed = parse_feed(path.read_bytes(), {}, path.as_uri(), now)
        prepared = prepare_articles(feed.articles, tuple(config.entities))
        parsed.append((path, dataclasses.replace(feed, prepared=prepared)))
        count += len(feed.articles)
    return parsed


def _write(
    db_path: Path, config: Any, parsed: list[tuple[Path, Any]], *, now: datetime
) -> tuple[float, float, float]:
    """(writer CPU seconds, of which clustering, wall seconds)."""
    from chipwatch.ingest.types import FetchKind, FetchResult
    from chipwatch.pipeline.ingest import ingest
    from chipwatch.pipeline.outcome import FeedPoll
    from chipwatch.pipeline.services import Services
    from chipwatch.store import queries
    from chipwatch.store.db import open_db, write_transaction

    db = open_db(db_path)
    checkpointer = _checkpointer(db, db_path)
    services = Services(db, config)
    with write_transaction(db):
        queries.sync_feeds(db, config.feeds, now=now)
    feeds = {feed.url: feed for feed in queries.due_feeds(db)}
    clusterer = services.clusterer  # its (empty) index is loaded before the clock starts
    assign, clustering = clusterer.assign, [0.0]

    def timed_assign(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return assign(*args, **kwargs)
        finally:
            clustering[0] += time.thread_time() - started

    clusterer.assign = timed_assign
    rng = random.Random(1)
    wall, cpu = time.perf_counter(), time.thread_time()
    for path, feed in parsed:
        state = feeds[path.as_uri()]
        result = FetchResult(url=path.as_uri(), kind=FetchKind.OK, status=200, body=b"")
        poll = FeedPoll(state, timedelta(minutes=15), result, feed, path.as_uri())
        ingest(services, poll, now=now, rng=rng)
        if checkpointer is not None:
            checkpointer.committed()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if checkpointer is not None:
        checkpointer.close()
    db.close()
    return cpu, clustering[0], wall


def _checkpointer(db: Any, db_path: Path) -> Any:
    """The poller's checkpointer, started (None for a chipwatch without one, so an older
    tree can be measured with this module for a before/after)."""
    try:
        from chipwatch.store.checkpoint import Checkpointer, defer_checkpoints
    except ImportError:
        return None
    defer_checkpoints(db)
    checkpointer = Checkpointer(db_path)
    checkpointer.start()
    return checkpointer
