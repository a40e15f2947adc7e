"""Named store operations. Widgets and commands call these; they never see SQL.

Every function takes the ``Database`` first and ``now`` where time matters.
Write functions expect to run inside :func:`chipwatch.store.db.write_transaction`
when several must commit together (one transaction per feed at ingest).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.config import FeedConfig
from chipwatch.model import Article, FeedState
from chipwatch.store.articles import (  # noqa: F401  (the article writers, named here too)
    ArticlePlan,
    UpsertOutcome,
    content_hash,
    insert_new_articles,
    is_query_special,
    plan_articles,
    refresh_query_special,
    update_article,
    upsert_article,
)
from chipwatch.store.db import dict_rows
from chipwatch.store.feed_label import FEED_LABEL_SQL
from chipwatch.timeutil import from_iso, iso

if TYPE_CHECKING:  # only for hints: sync_feeds also runs on the monitor's plain sqlite3
    from sqlite_utils import Database

    from chipwatch.store.db import AnyConnection

_FEED_STATE_FIELDS = {f.name for f in fields(FeedState)}


# --------------------------------------------------------------------------- feeds


def sync_feeds(db: AnyConnection, feeds: Sequence[FeedConfig], *, now: datetime) -> None:
    """Make the feeds table reflect the config: add new URLs, update names, tags and
    enabled flags. Feeds no longer configured are disabled, never deleted (their
    articles stay in the archive). A feed moved by a permanent redirect is found by the
    URL the config still names (``moved_from``)."""
    configured: set[int] = set()
    for feed in feeds:
        values = [feed.name, json.dumps(list(feed.tags)), int(feed.enabled)]
        feed_id = find_feed(db, feed.url)
        if feed_id is not None:
            db.execute(
                "UPDATE feeds SET name = ?, tags = ?, enabled = ? WHERE id = ?", [*values, feed_id]
            )
        else:
            cursor = db.execute(
                "INSERT INTO feeds (url, name, tags, enabled, created_at) VALUES (?, ?, ?, ?, ?)",
                [feed.url, *values, iso(now)],
            )
            feed_id = int(cursor.lastrowid or 0)
        configured.add(feed_id)
    for (feed_id,) in db.execute("SELECT id FROM feeds WHERE enabled = 1").fetchall():
        if feed_id not in configured:
            db.execute("UPDATE feeds SET enabled = 0 WHERE id = ?", [feed_id])


def find_feed(db: AnyConnection, url: str) -> int | None:
    """The id of the feed at ``url``, or of the feed that moved away from it."""
    row = db.execute(
        "SELECT id FROM feeds WHERE url = ? UNION ALL "
        "SELECT id FROM feeds WHERE moved_from = ? LIMIT 1",
        [url, url],
    ).fetchone()
    return None if row is None else int(row[0])


def move_feed(db: AnyConnection, feed_id: int, new_url: str) -> bool:
    """Record a permanent redirect: the feed now lives at ``new_url``.

    The configured URL is kept in ``moved_from``. Returns False (nothing changed) when
    another feed already uses ``new_url``.
    """
    if db.execute("SELECT 1 FROM feeds WHERE url = ? AND id != ?", [new_url, feed_id]).fetchone():
        return False
    db.execute(
        "UPDATE feeds SET moved_from = COALESCE(moved_from, url), url = ? WHERE id = ?",
        [new_url, feed_id],
    )
    return True


def feed_identity(db: AnyConnection, feed_id: int) -> str:
    """The URL that identifies a feed's articles: the configured one, even after a move."""
    row = db.execute(
        "SELECT COALESCE(moved_from, url) FROM feeds WHERE id = ?", [feed_id]
    ).fetchone()
    return "" if row is None else str(row[0])


def due_feeds(db: AnyConnection, *, now: datetime | None = None) -> list[FeedState]:
    """Enabled, not disabled feeds whose next poll is due at ``now`` (all when None)."""
    sql = "SELECT * FROM feeds WHERE enabled = 1 AND disabled_reason IS NULL"
    params: list[Any] = []
    if now is not None:
        sql += " AND (next_poll_at IS NULL OR next_poll_at <= ?)"
        params.append(iso(now))
    return [_feed_state(row) for row in dict_rows(db, sql + " ORDER BY id", params)]


def next_due_at(db: AnyConnection) -> datetime | None:
    """The earliest scheduled poll among enabled feeds (None when none is scheduled)."""
    row = db.execute(
        "SELECT min(next_poll_at) FROM feeds WHERE enabled = 1 AND disabled_reason IS NULL"
    ).fetchone()
    return from_iso(row[0]) if row and row[0] else None


def clear_feed_disabled(db: Database, feed_id: int) -> None:
    """Give a feed disabled by 410 Gone another chance (``feeds add`` of its URL)."""
    db.execute(
        "UPDATE feeds SET disabled_reason = NULL, last_status = 'new', error_count = 0, "
        "next_poll_at = NULL, retry_after_until = NULL WHERE id = ?",
        [feed_id],
    )


def feed_rows(db: Database) -> list[dict[str, Any]]:
    """Every feed with its article count, for `feeds list` and the monitor's feeds screen."""
    sql = (
        "SELECT f.*, (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS articles "
        "FROM feeds f ORDER BY f.id"
    )
    return list(db.query(sql))


def feed_id_for(db: Database, url: str, *, now: datetime, name: str = "") -> int:
    """The id of the feed with ``url``, creating the row if needed."""
    row = db.execute("SELECT id FROM feeds WHERE url = ?", [url]).fetchone()
    if row:
        return int(row[0])
    cursor = db.execute(
        "INSERT INTO feeds (url, name, created_at) VALUES (?, ?, ?)", [url, name, iso(now)]
    )
    return int(cursor.lastrowid or 0)


def _feed_state(row: dict[str, Any]) -> FeedState:
    values = {k: v for k, v in row.items() if k in _FEED_STATE_FIELDS}
    values["enabled"] = bool(values.get("enabled", 1))
    values["tags"] = tuple(json.loads(values.get("tags") or "[]"))
    return FeedState(**values)


def get_feed(db: Database, feed_id: int) -> FeedState | None:
    rows = list(db.query("SELECT * FROM feeds WHERE id = ?", [feed_id]))
    return _feed_state(rows[0]) if rows else None


def list_feeds(db: Database, *, enabled_only: bool = False) -> list[FeedState]:
    where = "WHERE enabled = 1" if enabled_only else ""
    return [_feed_state(row) for row in db.query(f"SELECT * FROM feeds {where} ORDER BY id")]


def update_feed_state(db: AnyConnection, feed_id: int, **values: Any) -> None:
    """Set fetch-state columns of one feed (names as in the feeds table)."""
    if not values:
        return
    unknown = set(values) - _FEED_STATE_FIELDS - {"title", "site_url", "last_error_detail"}
    if unknown - {"moved_from"}:
        raise ValueError(f"unknown feed columns: {sorted(unknown)}")
    columns = ", ".join(f"[{name}] = ?" for name in values)
    db.execute(f"UPDATE feeds SET {columns} WHERE id = ?", [*values.values(), feed_id])


# --------------------------------------------------------------------------- articles


def article_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def row_to_article(row: dict[str, Any], *, feed_url: str = "", feed_name: str = "") -> Article:
    """Build an :class:`Article` from an ``articles`` row (plus optional feed columns)."""
    return Article(
        key=row["key"],
        feed_url=row.get("feed_url", feed_url),
        title=row["title"],
        summary=row["summary"],
        url=row["url"],
        published=from_iso(row["published"]),
        fetched_at=from_iso(row["fetched_at"]),
        guid=row.get("guid"),
        published_estimated=bool(row.get("published_estimated")),
        title_derived=bool(row.get("title_derived")),
        lang=row["lang"],
        author=row.get("author") or "",
        feed_name=row.get("feed_name", feed_name),
        id=row["id"],
        story_id=row.get("story_id"),
    )


def published_keys(db: Database, ids: Sequence[int]) -> list[tuple[datetime, str, int]]:
    """``(published, key, id)`` of the given articles, read 500 at a time."""
    found: list[tuple[datetime, str, int]] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        sql = f"SELECT published, key, id FROM articles WHERE id IN ({','.join('?' * len(part))})"
        found += [(from_iso(p), str(k), int(i)) for p, k, i in db.conn.execute(sql, part)]
    return found


def articles_by_ids(db: Database, ids: Iterable[int]) -> list[Article]:
    wanted = list(ids)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    sql = (
        f"SELECT a.*, f.url AS feed_url, {FEED_LABEL_SQL} AS feed_name "
        f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({marks}) ORDER BY a.id"
    )
    return [row_to_article(row) for row in db.query(sql, wanted)]
