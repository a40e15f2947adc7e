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
from typing import Any, Literal

from sqlite_utils import Database

from chipwatch.config import FeedConfig
from chipwatch.model import Article, FeedState
from chipwatch.timeutil import from_iso, iso

UpsertOutcome = Literal["new", "updated", "same"]

_FEED_STATE_FIELDS = {f.name for f in fields(FeedState)}


# --------------------------------------------------------------------------- feeds


def sync_feeds(db: Database, feeds: Sequence[FeedConfig], *, now: datetime) -> None:
    """Make the feeds table reflect the config: add new URLs, update names, tags and
    enabled flags. Feeds no longer configured are disabled, never deleted (their
    articles stay in the archive)."""
    configured = {feed.url for feed in feeds}
    for feed in feeds:
        row = db.execute("SELECT id FROM feeds WHERE url = ?", [feed.url]).fetchone()
        values = {"name": feed.name, "tags": json.dumps(list(feed.tags)),
                  "enabled": int(feed.enabled)}
        if row:
            db.execute("UPDATE feeds SET name = ?, tags = ?, enabled = ? WHERE id = ?",
                       [values["name"], values["tags"], values["enabled"], row[0]])
        else:
            db["feeds"].insert({"url": feed.url, **values, "created_at": iso(now)})
    for feed_id, url in db.execute("SELECT id, url FROM feeds WHERE enabled = 1").fetchall():
        if url not in configured:
            db.execute("UPDATE feeds SET enabled = 0 WHERE id = ?", [feed_id])


def feed_id_for(db: Database, url: str, *, now: datetime, name: str = "") -> int:
    """The id of the feed with ``url``, creating the row if needed."""
    row = db.execute("SELECT id FROM feeds WHERE url = ?", [url]).fetchone()
    if row:
        return int(row[0])
    return int(db["feeds"].insert({"url": url, "name": name, "created_at": iso(now)}).last_pk)


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


def feed_article_counts(db: Database) -> dict[int, int]:
    rows = db.execute("SELECT feed_id, count(*) FROM articles GROUP BY feed_id").fetchall()
    return {int(feed_id): int(count) for feed_id, count in rows}


def update_feed_state(db: Database, feed_id: int, **values: Any) -> None:
    """Set fetch-state columns of one feed (names as in the feeds table)."""
    if not values:
        return
    unknown = set(values) - _FEED_STATE_FIELDS - {"title", "site_url"}
    if unknown:
        raise ValueError(f"unknown feed columns: {sorted(unknown)}")
    columns = ", ".join(f"[{name}] = ?" for name in values)
    db.execute(f"UPDATE feeds SET {columns} WHERE id = ?", [*values.values(), feed_id])


# --------------------------------------------------------------------------- articles


def upsert_article(db: Database, article: Article, *, feed_id: int,
                   now: datetime) -> tuple[int, UpsertOutcome]:
    """Insert an article, or update it if its key is known and its text changed.

    Returns ``(article_id, outcome)``. Re-ingesting an unchanged entry is ``same`` and
    writes nothing: the same feed fetched twice adds nothing.
    """
    row = db.execute("SELECT id, content_hash FROM articles WHERE key = ?",
                     [article.key]).fetchone()
    digest = content_hash(article)
    if row is not None:
        article_id, old_hash = int(row[0]), row[1]
        if old_hash == digest:
            return article_id, "same"
        db.execute(
            "UPDATE articles SET title = ?, summary = ?, url = ?, author = ?, lang = ?, "
            "content_hash = ?, updated_at = ? WHERE id = ?",
            [article.title, article.summary, article.url, article.author, article.lang,
             digest, iso(now), article_id],
        )
        return article_id, "updated"
    cursor = db.execute(
        "INSERT INTO articles (key, feed_id, guid, url, title, summary, author, lang, "
        "published, published_estimated, fetched_at, updated_at, content_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article.key, feed_id, article.guid, article.url, article.title, article.summary,
         article.author, article.lang, iso(article.published), int(article.published_estimated),
         iso(article.fetched_at), iso(now), digest],
    )
    return int(cursor.lastrowid or 0), "new"


def content_hash(article: Article) -> str:
    """A short hash of what a reader sees; a changed headline changes it."""
    import hashlib

    text = "\x1f".join((article.title, article.summary, article.url))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def article_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def row_to_article(row: dict[str, Any], *, feed_url: str = "", feed_name: str = "") -> Article:
    """Build an :class:`Article` from an ``articles`` row (plus optional feed columns)."""
    return Article(
        key=row["key"], feed_url=row.get("feed_url", feed_url), title=row["title"],
        summary=row["summary"], url=row["url"], published=from_iso(row["published"]),
        fetched_at=from_iso(row["fetched_at"]), guid=row.get("guid"),
        published_estimated=bool(row.get("published_estimated")), lang=row["lang"],
        author=row.get("author") or "", feed_name=row.get("feed_name", feed_name),
        id=row["id"], story_id=row.get("story_id"),
    )


def articles_by_ids(db: Database, ids: Iterable[int]) -> list[Article]:
    wanted = list(ids)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    sql = (
        "SELECT a.*, f.url AS feed_url, COALESCE(NULLIF(f.name, ''), f.title, f.url) AS feed_name "
        f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({marks}) ORDER BY a.id"
    )
    return [row_to_article(row) for row in db.query(sql, wanted)]


# --------------------------------------------------------------------------- meta


def get_meta(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def set_meta(db: Database, key: str, value: str) -> None:
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
