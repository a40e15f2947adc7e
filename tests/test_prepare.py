"""Parse workers tag articles and compute their clustering features for the writer."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.clustering.features import doc_features
from chipwatch.config import Config, PollConfig
from chipwatch.entities.tagger import build_tagger
from chipwatch.pipeline import ingest as ingest_mod
from chipwatch.pipeline.poller import poll_once
from chipwatch.pipeline.prepare import prepare_articles
from chipwatch.pipeline.workers import ParserPool, _parse_job
from chipwatch.store.db import open_db
from tests.test_pipeline import config_for

NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
FEED = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Fab notes</title><link>https://fab.example.org/</link>
<item><title>Nvidia may ship the H20 to China again, Commerce says</title>
<link>https://fab.example.org/h20</link><guid>https://fab.example.org/h20</guid>
<description>The licence covers $4.5 billion of stock held by Nvidia.</description>
<pubDate>Tue, 15 Jul 2025 08:00:00 GMT</pubDate></item>
<item><title>A quiet week at the plant</title><link>https://fab.example.org/quiet</link>
<description>Nothing shipped.</description><pubDate>Tue, 15 Jul 2025 07:00:00 GMT</pubDate></item>
<item><title>TSMC books 40% more 3nm orders</title><link>https://fab.example.org/tsmc</link>
<description>Orders for the node rose 40% in the quarter.</description>
<pubDate>Mon, 14 Jul 2025 07:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_worker_job_returns_the_writers_own_tags_and_features() -> None:
    parsed = _parse_job(FEED, {}, "https://example.org/feed", NOW, "feed", ())
    assert parsed.articles and len(parsed.prepared) == len(parsed.articles)
    tagger = build_tagger()
    for article, ready in zip(parsed.articles, parsed.prepared, strict=True):
        matches = tagger.tag(article.title, article.summary)
        assert list(ready.matches) == matches
        assert ready.features == doc_features(article, matches)
    assert any(ready.matches for ready in parsed.prepared)


def test_without_entities_the_worker_only_parses() -> None:
    assert _parse_job(FEED, {}, "https://example.org/feed", NOW, "feed", None).prepared == ()
    assert prepare_articles((), ()) == ()


async def test_pool_prepares_with_its_entity_tables() -> None:
    with ParserPool(1, entities=()) as pool:
        parsed = await pool.parse(FEED, {}, "https://example.org/feed", NOW, "feed")
    assert len(parsed.prepared) == len(parsed.articles) > 0


def test_the_writer_does_not_tag_prepared_articles(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    feed = tmp_path / "a.xml"
    feed.write_bytes(FEED)
    calls: list[str] = []
    original = ingest_mod.Services.__init__

    def spy_init(self, db, config, **options) -> None:  # type: ignore[no-untyped-def]
        original(self, db, config, **options)
        real = self.tagger.tag
        self.tagger = type("Spy", (), {"entities": self.tagger.entities})()
        self.tagger.tag = lambda title, summary="": calls.append(title) or real(title, summary)

    monkeypatch.setattr(ingest_mod.Services, "__init__", spy_init)
    config = config_for(feed.as_uri())
    config = Config(poll=PollConfig(workers=1), feeds=config.feeds)
    report = poll_once(tmp_path / "s.db", config, now=NOW, rng=random.Random(1), notify=False)
    assert report.new_articles == 3
    assert calls == []  # the worker tagged them
    db = open_db(tmp_path / "s.db")
    try:
        tagged = db.execute("SELECT count(DISTINCT article_id) FROM article_entities").fetchone()
        assert tagged[0] > 0
        assert db.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0] == 0
    finally:
        db.close()


def test_a_feed_longer_than_max_new_per_feed_crosses_as_its_newest_and_every_key() -> None:
    # Issue 20: every parsed article of a 100,000-item feed cost ~2 KB in the poller,
    # for articles of which the writer stores at most max_new_per_feed. A long feed
    # crosses as its newest max_new_per_feed (prepared) and every article's key.
    url = "https://example.org/feed"
    full = _parse_job(FEED, {}, url, NOW, "feed", (), 3)
    assert len(full.prepared) == len(full.articles) == 3 and full.long is None
    short = _parse_job(FEED, {}, url, NOW, "feed", (), 2)
    assert short.long is not None
    assert [a.key for a in short.articles] == [a.key for a in full.articles[:2]]
    assert len(short.prepared) == 2 and short.long.positions == (0, 1)
    assert short.long.keys == tuple(a.key for a in full.articles)


def test_a_long_feed_is_stored_without_the_writer_tagging_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    feed = tmp_path / "a.xml"
    feed.write_bytes(FEED)
    calls: list[str] = []
    original = ingest_mod.Services.__init__

    def spy_init(self, db, config, **options) -> None:  # type: ignore[no-untyped-def]
        original(self, db, config, **options)
        real = self.tagger.tag
        self.tagger = type("Spy", (), {"entities": self.tagger.entities})()
        self.tagger.tag = lambda title, summary="": calls.append(title) or real(title, summary)

    monkeypatch.setattr(ingest_mod.Services, "__init__", spy_init)
    config = config_for(feed.as_uri())
    config = Config(poll=PollConfig(workers=1, max_new_per_feed=2), feeds=config.feeds)
    report = poll_once(tmp_path / "s.db", config, now=NOW, rng=random.Random(1), notify=False)
    assert report.new_articles == 2
    assert calls == []  # the two it stored, prepared by the worker with the newest
    db = open_db(tmp_path / "s.db")
    try:
        tagged = db.execute("SELECT count(DISTINCT article_id) FROM article_entities").fetchone()
        assert tagged[0] > 0
    finally:
        db.close()
