"""The store: schema, pragmas, idempotent ingest, version and corruption checks."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chipwatch.config import FeedConfig
from chipwatch.model import Article
from chipwatch.store import queries
from chipwatch.store.db import StoreError, open_db, open_writer, write_transaction
from chipwatch.store.migrations import migrations


def _article(key: str, title: str = "NVIDIA resumes H20 shipments") -> Article:
    published = datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
    return Article(
        key=key,
        feed_url="file:///feed.xml",
        title=title,
        summary="Licences.",
        url=f"https://example.org/{key}",
        published=published,
        fetched_at=published,
        lang="en",
    )


def test_open_db_creates_schema_with_wal(db) -> None:
    tables = set(db.table_names())
    assert {
        "feeds",
        "articles",
        "stories",
        "article_entities",
        "entities",
        "alerts",
        "corrections",
        "deliveries",
        "meta",
        "articles_fts",
    } <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert migrations.pending(db) == []


def test_reopening_applies_nothing_twice(db_path: Path) -> None:
    open_db(db_path).close()
    again = open_db(db_path)
    count = again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert count == len(migrations._migrations)


def test_ingesting_the_same_articles_twice_adds_nothing(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///feed.xml", now=now)
    batch = [_article("a"), _article("b"), _article("c")]
    with write_transaction(db):
        first = [queries.upsert_article(db, a, feed_id=feed_id, now=now)[1] for a in batch]
    with write_transaction(db):
        second = [queries.upsert_article(db, a, feed_id=feed_id, now=now)[1] for a in batch]
    assert first == ["new", "new", "new"]
    assert second == ["same", "same", "same"]
    assert queries.article_count(db) == 3


def test_edited_headline_updates_the_article_in_place(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///feed.xml", now=now)
    article_id, _ = queries.upsert_article(db, _article("a"), feed_id=feed_id, now=now)
    edited = replace(_article("a"), title="NVIDIA to resume H20 sales to China")
    again_id, outcome = queries.upsert_article(db, edited, feed_id=feed_id, now=now)
    assert (again_id, outcome) == (article_id, "updated")
    assert queries.article_count(db) == 1
    hits = db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'resume'")
    assert [row[0] for row in hits] == [article_id]


def test_fts_folds_case_and_accents(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///feed.xml", now=now)
    queries.upsert_article(
        db, _article("fr", "Les licences d'exportation accordées"), feed_id=feed_id, now=now
    )
    hits = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'accordees'")
    assert hits.fetchone()[0] == 1


def test_sync_feeds_adds_updates_and_disables(db, now) -> None:
    queries.sync_feeds(
        db,
        [FeedConfig(url="https://a/rss", name="A"), FeedConfig(url="https://b/rss", name="B")],
        now=now,
    )
    queries.sync_feeds(db, [FeedConfig(url="https://a/rss", name="A2", tags=("x",))], now=now)
    feeds = {f.url: f for f in queries.list_feeds(db)}
    assert feeds["https://a/rss"].name == "A2"
    assert feeds["https://a/rss"].tags == ("x",)
    assert feeds["https://b/rss"].enabled is False


def test_failed_transaction_leaves_nothing(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///feed.xml", now=now)
    with pytest.raises(RuntimeError), write_transaction(db):
        queries.upsert_article(db, _article("x"), feed_id=feed_id, now=now)
        raise RuntimeError("crash mid-feed")
    assert queries.article_count(db) == 0


def test_poller_connection_commits_rolls_back_and_nests_like_the_database(
    db_path: Path, now: datetime
) -> None:
    """The poller writes feed rows on a plain connection (``open_writer``) and wraps it in
    sqlite_utils' Database only for articles: both commit, roll back and nest alike."""
    from sqlite_utils import Database

    open_db(db_path).close()
    conn = open_writer(db_path)
    try:
        assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 1  # as Database sets
        with write_transaction(conn):
            feed_id = queries.feed_id_for(conn, "file:///feed.xml", now=now)
            with pytest.raises(RuntimeError), write_transaction(conn):  # a savepoint
                queries.update_feed_state(conn, feed_id, error_count=7)
                raise RuntimeError("the inner part fails")
            with write_transaction(Database(conn, execute_plugins=False)) as wrapped:
                queries.upsert_article(wrapped, _article("x"), feed_id=feed_id, now=now)
        with pytest.raises(RuntimeError), write_transaction(conn):
            queries.update_feed_state(conn, feed_id, error_count=9)
            raise RuntimeError("crash mid-feed")
        assert not conn.in_transaction
    finally:
        conn.close()
    reopened = open_db(db_path)
    assert queries.article_count(reopened) == 1
    assert queries.list_feeds(reopened)[0].error_count == 0


def test_store_from_newer_version_is_refused(db_path: Path) -> None:
    db = open_db(db_path)
    db["_sqlite_migrations"].insert(
        {"migration_set": "chipwatch", "name": "m999_future", "applied_at": "2030-01-01"}
    )
    db.close()
    with pytest.raises(StoreError, match="newer chipwatch"):
        open_db(db_path)


def test_corrupt_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError, match="corrupt or not a chipwatch database"):
        open_db(path)
    assert path.read_bytes().startswith(b"this is not a database")


def test_unique_key_is_enforced_by_the_schema(db, now) -> None:
    feed_id = queries.feed_id_for(db, "file:///feed.xml", now=now)
    queries.upsert_article(db, _article("k"), feed_id=feed_id, now=now)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO articles (key, feed_id, published, fetched_at, updated_at) "
            "VALUES ('k', ?, 'x', 'x', 'x')",
            [feed_id],
        )
