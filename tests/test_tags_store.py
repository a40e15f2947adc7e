"""Entity mentions in a real SQLite store: replacement, the entities list, counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chipwatch.entities.tagger import build_tagger
from chipwatch.model import EntityMatch
from chipwatch.store.db import write_transaction
from chipwatch.store.tags import article_matches, entity_counts, save_matches


def _article(db, key: str, published: str, story_id: int | None = None) -> int:
    feed = db.execute("SELECT id FROM feeds").fetchone()
    if feed is None:
        db.execute(
            "INSERT INTO feeds (url, created_at) VALUES ('file://x.xml', '2025-07-01T00:00:00Z')"
        )
        feed = db.execute("SELECT id FROM feeds").fetchone()
    if (
        story_id is not None
        and not db.execute("SELECT 1 FROM stories WHERE id = ?", [story_id]).fetchone()
    ):
        db.execute(
            "INSERT INTO stories (id, first_seen, last_updated, created_at) VALUES (?, ?, ?, ?)",
            [story_id, published, published, published],
        )
    cursor = db.execute(
        "INSERT INTO articles (key, feed_id, title, published, fetched_at, updated_at, story_id) "
        "VALUES (?, ?, 't', ?, ?, ?, ?)",
        [key, feed[0], published, published, published, story_id],
    )
    return cursor.lastrowid


def _match(entity: str, kind: str = "chip", field: str = "title", start: int = 0) -> EntityMatch:
    return EntityMatch(
        entity=entity,
        kind=kind,
        field=field,
        start=start,
        end=start + 3,
        text=entity,
        rule=f'alias "{entity}"',
    )


def test_save_replaces_an_articles_rows_and_records_entities(db) -> None:
    tagger = build_tagger()
    with write_transaction(db):
        article = _article(db, "a", "2025-07-15T08:00:00Z")
        save_matches(
            db, article, [_match("H20"), _match("H800", start=10)], parents=tagger.entities
        )
        save_matches(db, article, [_match("NVIDIA", "company")], parents=tagger.entities)
    assert [m.entity for m in article_matches(db, article)] == ["NVIDIA"]
    rows = {r[0]: (r[1], r[2]) for r in db.execute("SELECT name, kind, parent FROM entities")}
    assert rows["H20"] == ("chip", "Hopper")
    assert rows["NVIDIA"] == ("company", None)


def test_save_nothing_clears_the_article(db) -> None:
    with write_transaction(db):
        article = _article(db, "a", "2025-07-15T08:00:00Z")
        save_matches(db, article, [_match("H20")])
        assert save_matches(db, article, []) == 0
    assert article_matches(db, article) == []


def test_stored_spans_come_back_in_tagger_order(db) -> None:
    tagger = build_tagger()
    matches = tagger.tag("Nvidia H20", "AMD MI308 and the H800")
    with write_transaction(db):
        article = _article(db, "a", "2025-07-15T08:00:00Z")
        save_matches(db, article, matches)
    stored = article_matches(db, article)
    assert [(m.entity, m.field, m.start, m.end, m.rule) for m in stored] == [
        (m.entity, m.field, m.start, m.end, m.rule) for m in matches
    ]


def test_counts_by_articles_mentions_and_stories(db) -> None:
    with write_transaction(db):
        one = _article(db, "a", "2025-07-10T08:00:00Z", story_id=1)
        two = _article(db, "b", "2025-07-15T08:00:00Z", story_id=1)
        three = _article(db, "c", "2025-07-15T09:00:00Z", story_id=2)
        save_matches(db, one, [_match("H20"), _match("H20", field="summary")])
        save_matches(db, two, [_match("H20"), _match("NVIDIA", "company", start=5)])
        save_matches(db, three, [_match("H20")])
    assert entity_counts(db) == {"H20": 3, "NVIDIA": 1}
    assert entity_counts(db, by="mentions") == {"H20": 4, "NVIDIA": 1}
    assert entity_counts(db, by="stories") == {"H20": 2, "NVIDIA": 1}
    since = datetime(2025, 7, 14, tzinfo=UTC)
    assert entity_counts(db, since=since) == {"H20": 2, "NVIDIA": 1}
    assert entity_counts(db, kind="company") == {"NVIDIA": 1}
    with pytest.raises(ValueError):
        entity_counts(db, by="feeds")
