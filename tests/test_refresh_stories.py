"""Story rows refreshed a chunk of stories at a time are the rows refreshed one by one.

A first import's settle pass refreshes every story it made (thousands): reading each
story's articles and entities with three statements a story cost more than the rows
themselves. ``refresh_stories`` reads a chunk of stories per statement; a story's
headline, times, counts and languages must not see another story's articles or
entities. The reference below is the one-story computation as it was written before.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import chipwatch.store.story_rows as story_rows
from benchmarks.replay import first_import
from benchmarks.synth import write_feeds
from chipwatch.store.db import open_db
from chipwatch.store.story_rows import choose_headline, refresh_stories
from chipwatch.textsafe import clean_title, first_sentence

LANGUAGES = ("en", "de")
COLUMNS = (
    "id, title, headline_article_id, first_seen, last_updated, article_count, "
    "outlet_count, languages"
)


def _reference_row(conn: sqlite3.Connection, story_id: int) -> tuple[Any, ...]:
    members = conn.execute(
        "SELECT id, feed_id, lang, published, title, summary FROM articles WHERE story_id = ?",
        [story_id],
    ).fetchall()
    if not members:
        return (story_id, None, None, None, None, 0, 0, None)
    rows = conn.execute(
        "SELECT DISTINCT e.article_id, e.entity FROM article_entities e "
        "JOIN articles a ON a.id = e.article_id WHERE a.story_id = ?",
        [story_id],
    ).fetchall()
    per_entity = Counter(entity for _, entity in rows)
    shared: Counter[int] = Counter(a for a, entity in rows if per_entity[entity] > 1)
    best = choose_headline(
        [
            story_rows.HeadlineCandidate(
                aid, lang, published, title or first_sentence(summary or ""), shared[aid]
            )
            for aid, _, lang, published, title, summary in members
        ],
        LANGUAGES,
    )
    assert best is not None
    return (
        story_id,
        clean_title(best.title),
        best.article_id,
        min(m[3] for m in members),
        max(m[3] for m in members),
        len(members),
        len({m[1] for m in members}),
        json.dumps(sorted({m[2] for m in members})),
    )


def test_stories_refreshed_by_chunks_are_the_rows_refreshed_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = write_feeds(tmp_path / "feeds", 400, per_feed=100, span=timedelta(days=2))
    first_import(tmp_path / "run", feeds, count=400, span=timedelta(days=2))
    db = open_db(tmp_path / "run" / "replay.db")
    conn = db.conn
    ids = [row[0] for row in conn.execute("SELECT id FROM stories ORDER BY id")]
    # one story emptied by hand: its row keeps zero counts
    conn.execute("UPDATE articles SET story_id = NULL WHERE story_id = ?", [ids[0]])
    expected = {i: _reference_row(conn, i) for i in ids}
    assert sum(1 for row in expected.values() if row[5] > 1) > 10, "too few shared stories"
    conn.execute(
        "UPDATE stories SET title = 'x', headline_article_id = NULL, article_count = 99, "
        "outlet_count = 99, languages = '[]'"
    )
    monkeypatch.setattr(story_rows, "REFRESH_CHUNK", 7)  # chunks end inside the list
    refresh_stories(db, ids, languages=LANGUAGES)
    got = {row[0]: row for row in conn.execute(f"SELECT {COLUMNS} FROM stories")}
    for story_id in ids[1:]:
        assert got[story_id] == expected[story_id]
    assert got[ids[0]][5:7] == (0, 0)
    db.conn.close()
