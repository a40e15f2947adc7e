"""What clustering reads and writes (:mod:`chipwatch.clustering`): the clustered
articles its candidate index is built from, an article's placement, and the record of
an assignment. The story rows themselves are kept by :mod:`chipwatch.store.story_rows`.

All of it runs inside the ingest transaction of the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.model import Article, EntityMatch, join_body_matches, with_body
from chipwatch.store.story_rows import refresh_story
from chipwatch.timeutil import from_iso, iso

_PLACEMENT = "SELECT story_id, story_locked, feed_id FROM articles WHERE id = ?"
_ASSIGN = "UPDATE articles SET story_id = ?, cluster_score = ?, cluster_explain = ? WHERE id = ?"


def newest_clustered(db: Database) -> datetime | None:
    """The published time of the newest article in a story (None: none is)."""
    row = db.execute("SELECT max(published) FROM articles WHERE story_id IS NOT NULL").fetchone()
    return None if row is None or row[0] is None else from_iso(row[0])


def placement(db: Database, article_id: int) -> tuple[int | None, bool, int]:
    """``(story id, placed by hand, feed id)`` of a stored article."""
    row = db.conn.execute(_PLACEMENT, [article_id]).fetchone()
    if row is None:
        raise ValueError(f"article {article_id} is not in the store")
    story_id, locked, feed_id = row
    return story_id, bool(locked), int(feed_id)


def record_assignment(
    db: Database, article_id: int, story_id: int, *, score: float, explanation: str
) -> None:
    """An article's story, its score (rounded as stored) and its explanation (JSON)."""
    db.conn.execute(_ASSIGN, [story_id, round(score, 4), explanation, article_id])


def leave_story(db: Database, old_story: int, new_story: int, *, languages: Sequence[str]) -> None:
    """An updated article moved on: the old story shrinks; left empty, it (and any
    story merged into it) points at the new one, so alerts on it still lead somewhere
    and one hop of ``merged_into`` always reaches a live story."""
    refresh_story(db, old_story, languages=languages)
    empty = db.execute("SELECT article_count FROM stories WHERE id = ?", [old_story]).fetchone()
    if empty is not None and empty[0] == 0:
        db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [new_story, old_story])
        db.execute(
            "UPDATE stories SET merged_into = ? WHERE merged_into = ?", [new_story, old_story]
        )


ClusteredRow = tuple[int, int, int, Article]  # (article id, story id, feed id, article)


def clustered_articles(
    db: Database, *, since: datetime, until: datetime | None = None, limit: int | None = None
) -> tuple[list[ClusteredRow], dict[int, list[EntityMatch]]]:
    """The clustered articles published in ``[since, until]``, oldest first (at most
    ``limit``), and their entity mentions by article id. An article whose page text
    tagging and clustering saw (a full_text feed) comes back as they saw it
    (:func:`chipwatch.model.with_body`)."""
    where = "a.published >= ? AND a.story_id IS NOT NULL"
    params: list[Any] = [iso(since)]
    if until is not None:
        where += " AND a.published <= ?"
        params.append(iso(until))
    tail = f" LIMIT {int(limit)}" if limit else ""
    rows = db.execute(
        "SELECT a.id, a.story_id, a.feed_id, a.lang, a.published, a.title, a.summary, "
        "a.url, a.guid, t.text FROM articles a LEFT JOIN article_texts t "
        "ON t.url = a.url AND a.url != '' AND t.analysed = 1 AND t.status = 'ok' "
        f"WHERE {where} ORDER BY a.published{tail}",
        params,
    ).fetchall()
    articles = []
    bodies: dict[int, str] = {}
    for aid, sid, fid, lang, published, title, summary, url, guid, body in rows:
        article = Article(
            key="",
            feed_url="",
            title=title,
            summary=summary,
            url=url,
            published=from_iso(published),
            fetched_at=from_iso(published),
            guid=guid,
            lang=lang,
        )
        if body:
            bodies[aid] = summary
            article = with_body(article, body)
        articles.append((aid, sid, fid, article))
    matches = _matches_for(db, where, params)
    for aid, summary in bodies.items():
        if aid in matches:
            matches[aid] = join_body_matches(matches[aid], summary)
    return articles, matches


def _matches_for(db: Database, where: str, params: list[Any]) -> dict[int, list[EntityMatch]]:
    found: dict[int, list[EntityMatch]] = {}
    rows = db.execute(
        'SELECT e.article_id, e.entity, e.kind, e.field, e.start, e."end" FROM '
        f"article_entities e JOIN articles a ON a.id = e.article_id WHERE {where}",
        params,
    ).fetchall()
    for aid, entity, kind, field, start, end in rows:
        found.setdefault(aid, []).append(EntityMatch(entity, kind, field, start, end, ""))
    return found
