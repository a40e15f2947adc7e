"""A first import's new articles are left to the settle pass a run at a time
(``Clusterer.defer_new``, ``DocumentFrequencies.add_many``; session 27, branch
ingestcpu): the store, the clusterer's state and the event lines must be those of
placing them one by one (``Clusterer.place``), the reference kept in the code."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synth import write_feeds
from chipwatch.clustering.candidates import Doc
from chipwatch.clustering.clusterer import Clusterer
from chipwatch.clustering.docfreq import RARITY_REFRESH, DocumentFrequencies
from chipwatch.config import parse_config
from chipwatch.ingest.parse.feed import parse_feed
from chipwatch.ingest.types import FetchKind, FetchResult
from chipwatch.pipeline.ingest import ingest
from chipwatch.pipeline.outcome import FeedPoll
from chipwatch.pipeline.prepare import prepare_articles
from chipwatch.pipeline.services import Services
from chipwatch.pipeline.settle_round import settle_round
from chipwatch.store import queries
from chipwatch.store.db import open_db, write_transaction

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TABLES = {
    "articles": "id, key, feed_id, story_id, content_hash, cluster_score, cluster_explain",
    "stories": "id, title, headline_article_id, article_count, outlet_count, merged_into",
    "unsettled": "article_id",
    "feature_df": "kind, key, df",
    "article_entities": 'rowid, article_id, entity, kind, field, start, "end", rule',
    "entities": "rowid, name, kind, parent",
    "meta": "key, value",
    "query_special": "article_id",
}


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    start = NOW - timedelta(days=3)
    return write_feeds(
        tmp_path_factory.mktemp("feeds"), 400, per_feed=50, span=timedelta(days=2), start=start
    )


def _config(feeds: list[Path]) -> Any:
    listed = "".join(f'[[feeds]]\nurl = "{path.as_uri()}"\n' for path in feeds)
    return parse_config(listed)


def _parsed(feeds: list[Path], config: Any) -> list[tuple[str, Any]]:
    """Each feed parsed and prepared as a worker does; the third feed also brings an
    edit of its first article and that article's key again (new, then edited)."""
    out = []
    for number, path in enumerate(feeds):
        feed = parse_feed(path.read_bytes(), {}, path.as_uri(), NOW)
        articles = list(feed.articles)
        if number == 2:
            edited = dataclasses.replace(articles[0], title=articles[0].title + " (updated)")
            articles = [*articles[:10], edited, *articles[10:]]
        prepared = prepare_articles(articles, tuple(config.entities))
        out.append((path.as_uri(), dataclasses.replace(feed, articles=articles, prepared=prepared)))
    return out


def _import(
    directory: Path, feeds: list[Path], *, settle: bool = False, one_round: bool = False
) -> tuple[dict[str, list[Any]], Any, list[Any]]:
    """Every feed written in order into a fresh store (then the round settled, when
    ``settle``): its rows, clusterer, events."""
    config = _config(feeds)
    directory.mkdir()
    db = open_db(directory / "store.db")
    services = Services(db, config, one_round=one_round)
    with write_transaction(db):
        queries.sync_feeds(db, config.feeds, now=NOW)
    states = {feed.url: feed for feed in queries.due_feeds(db)}
    events: list[Any] = []
    rng = random.Random(1)
    for url, parsed in _parsed(feeds, config) + _parsed(feeds[:1], config):
        result = FetchResult(url=url, kind=FetchKind.OK, status=200, body=b"")
        poll = FeedPoll(states[url], timedelta(minutes=15), result, parsed, url)
        outcome = ingest(services, poll, now=NOW, rng=rng)
        assert outcome.status == "ok", outcome.error_detail
        events += outcome.events
    if settle:
        settle_round(services, now=NOW)
    conn: sqlite3.Connection = db.conn
    rows = {
        table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}").fetchall()
        for table, columns in TABLES.items()
    }
    return rows, services.clusterer, events


def test_a_first_import_deferred_a_run_at_a_time_leaves_what_placing_one_by_one_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    monkeypatch.setattr(Clusterer, "max_pending", 60)  # some docs kept, some not
    monkeypatch.setattr(Clusterer, "defers_new", lambda self: False)
    reference_rows, reference, reference_events = _import(tmp_path / "reference", feeds)
    monkeypatch.undo()
    monkeypatch.setattr(Clusterer, "max_pending", 60)
    calls: list[int] = []
    real = Clusterer.defer_new

    def counted(self: Clusterer, feed_id: int, items: Any, *, now: datetime) -> None:
        calls.append(len(items))
        real(self, feed_id, items, now=now)

    monkeypatch.setattr(Clusterer, "defer_new", counted)
    rows, batched, events = _import(tmp_path / "batched", feeds)
    assert sum(calls) == len(rows["articles"]) and len(calls) >= len(feeds)
    assert rows == reference_rows
    assert events == reference_events
    assert list(batched.pending) == list(reference.pending)
    assert batched.unkept == reference.unkept
    assert list(batched.index.docs) == list(reference.index.docs)
    for name in ("counts", "total", "stamp", "entity_kind", "_since_refresh", "_population"):
        assert getattr(batched.df, name) == getattr(reference.df, name), name


def test_a_one_round_first_import_indexes_nothing_for_later_rounds_and_settles_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: list[Path]
) -> None:
    """``poll --once`` (``Services(one_round=True)``): the deferred docs stay out of the
    live index, which the sweep does not read; the stories are the same."""
    reference_rows, reference, reference_events = _import(tmp_path / "ref", feeds, settle=True)
    rows, once, events = _import(tmp_path / "once", feeds, settle=True, one_round=True)
    assert len(reference.index.docs) == len(rows["articles"])
    assert len(once.index.docs) == 1  # the edited article, placed alone (Clusterer.place)
    assert rows == reference_rows and events == reference_events
    assert all(row[3] is not None for row in rows["articles"]), "an article was not placed"


def _doc(article_id: int, rng: random.Random) -> Doc:
    def some(prefix: str, many: int) -> frozenset[str]:
        return frozenset(f"{prefix}{rng.randrange(many)}" for _ in range(rng.randrange(6)))

    entities = {name: rng.choice(["chip", "place"]) for name in some("E", 9)}
    return Doc(article_id, 0, 1, "en", 0.0, "", "", "", "", entities, some("w", 40), some("n", 9))


def test_counting_many_documents_at_once_counts_and_refreshes_as_one_by_one() -> None:
    rng = random.Random(7)
    docs = [_doc(i, rng) for i in range(3 * RARITY_REFRESH + 5)]
    one, many = DocumentFrequencies(), DocumentFrequencies()
    for doc in docs[:9]:  # start between two refreshes
        one.add(doc)
        many.add(doc)
    for start, end in ((9, 50), (50, 51), (51, len(docs))):
        for doc in docs[start:end]:
            one.add(doc)
            one.rarity_of_word("w1")  # memoized between refreshes
        many.add_many(docs[start:end])
        many.rarity_of_word("w1")
        assert many._population == one._population
    assert one.take_changes() == many.take_changes()
    for name in ("counts", "total", "stamp", "entity_kind", "_since_refresh"):
        assert getattr(many, name) == getattr(one, name), name
