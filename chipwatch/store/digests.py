"""What a digest reads (:mod:`chipwatch.digest.build` turns it into the digest):
the stories of a window, their articles, entity mentions and alerts, in a handful of
set-based queries inside one read transaction (:func:`read_snapshot`).

``params`` are the digest's ``since`` and ``until`` (ISO times) and, once the stories
are chosen, ``ids``: their ids as one JSON array (the window is computed once).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

from chipwatch.store.feed_label import FEED_LABEL_SQL

# Stories (not merged away) with at least one article in [since, until].
_WINDOW_STORIES = """
    SELECT DISTINCT a.story_id FROM articles a JOIN stories s ON s.id = a.story_id
    WHERE a.published >= :since AND a.published <= :until AND s.merged_into IS NULL
    ORDER BY a.story_id
"""
# The chosen story ids travel as one JSON parameter: the window is computed once.
_IDS = "SELECT value FROM json_each(:ids)"
_ARTICLES = f"""
    SELECT a.id, a.story_id, a.title, a.url, a.lang, a.published, a.feed_id,
           {FEED_LABEL_SQL} AS feed,
           a.published >= :since AS in_window, s.title, s.headline_article_id,
           CASE WHEN a.id = s.headline_article_id THEN substr(a.summary, 1, 2000) END
    FROM articles a JOIN feeds f ON f.id = a.feed_id JOIN stories s ON s.id = a.story_id
    WHERE a.story_id IN ({_IDS}) AND a.published <= :until
    ORDER BY a.story_id, a.published, a.id
"""
_ENTITIES = f"""
    SELECT ae.article_id, ae.entity, ae.kind
    FROM article_entities ae JOIN articles a ON a.id = ae.article_id
    WHERE a.story_id IN ({_IDS}) AND a.published <= :until
    ORDER BY ae.article_id, ae.field = 'summary', ae.start, ae.entity
"""
# Watch alerts belong to their story: shown with it, whenever they were raised.
_STORY_ALERTS = f"""
    SELECT * FROM alerts
    WHERE kind = 'watch' AND story_id IN ({_IDS}) AND state != 'dismissed'
      AND created_at <= :until
"""
# Spikes and feed health are events of the window (a spike may point at a story).
_OTHER_ALERTS = """
    SELECT * FROM alerts
    WHERE kind != 'watch' AND state != 'dismissed'
      AND updated_at >= :since AND created_at <= :until
"""


@contextmanager
def read_snapshot(db: Database) -> Iterator[None]:
    """One read transaction around all the digest's queries: with WAL, a poll committing
    meanwhile cannot make the article, entity and alert reads disagree."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


def window_story_ids(db: Database, params: dict[str, str]) -> list[int]:
    """Live stories with at least one article in ``[since, until]``, by id."""
    return [row[0] for row in db.execute(_WINDOW_STORIES, params).fetchall()]


def story_alert_rows(db: Database, params: dict[str, str]) -> list[dict[str, Any]]:
    """The watch alerts of the chosen stories (not dismissed, raised by ``until``)."""
    return list(db.query(_STORY_ALERTS, params))


def other_alert_rows(db: Database, params: dict[str, str]) -> list[dict[str, Any]]:
    """Spike and feed-health alerts active in the window (not dismissed)."""
    return list(db.query(_OTHER_ALERTS, params))


def article_rows(db: Database, params: dict[str, str]) -> list[tuple[Any, ...]]:
    """The chosen stories' articles up to ``until``, by story then time: ``(id, story,
    title, url, lang, published, feed id, feed label, in window, story title, headline
    id, the headline's summary or None)``."""
    return db.execute(_ARTICLES, params).fetchall()


def entity_rows(db: Database, params: dict[str, str]) -> list[tuple[Any, ...]]:
    """``(article id, entity, kind)`` of the chosen stories' articles, in reading order."""
    return db.execute(_ENTITIES, params).fetchall()
