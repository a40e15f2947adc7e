"""The monitor's reads beside the timeline: alerts, feed health, and simple searches.

Re-exported by :mod:`chipwatch.store.views`, which widgets import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chipwatch.store.feed_label import FEED_LABEL_SQL, feed_label_sql
from chipwatch.store.literals import id_list
from chipwatch.store.network import network_down

if TYPE_CHECKING:  # a plain sqlite3 connection serves as well (the monitor's reads)
    from chipwatch.store.db import AnyConnection as Database


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert as the alerts pane shows it."""

    id: int
    kind: str
    watch: str
    title: str
    state: str
    created_at: str
    updated_at: str
    story_id: int | None
    feed_id: int | None
    detail: str = ""
    story_time: str | None = None
    """The story's own time (its last update): when the news happened, which the
    alerts pane shows; ``created_at`` is when the alert was raised."""

    @property
    def when(self) -> str:
        """The time the alerts pane shows: the story's, else when it was raised."""
        return self.story_time or self.created_at


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One row of the feeds screen."""

    id: int
    name: str
    url: str
    enabled: bool
    last_status: str
    last_http_status: int | None
    last_error: str | None
    error_count: int
    last_fetch_at: str | None
    next_poll_at: str | None
    articles: int


# --------------------------------------------------------------------------- alerts


def list_alert_rows(
    db: Database, *, limit: int = 200, include_dismissed: bool = False
) -> list[AlertRow]:
    """Alerts newest first (dismissed ones hidden unless asked for)."""
    where = "" if include_dismissed else "WHERE a.state != 'dismissed'"
    sql = (
        "SELECT a.id, a.kind, a.watch, a.title, a.state, a.created_at, a.updated_at, "
        "a.story_id, a.feed_id, a.detail, s.last_updated FROM alerts a "
        f"LEFT JOIN stories s ON s.id = a.story_id {where} "
        "ORDER BY a.updated_at DESC, a.id DESC LIMIT ?"
    )
    return [AlertRow(*row) for row in db.execute(sql, [limit]).fetchall()]


def set_alert_state(db: Database, alert_id: int, state: str) -> None:
    """Mark one alert ``seen`` or ``dismissed`` (the monitor's reader state)."""
    db.execute("UPDATE alerts SET state = ? WHERE id = ?", [state, alert_id])


# --------------------------------------------------------------------------- feeds


def feed_health(db: Database) -> list[FeedHealth]:
    """Every feed with its fetch state and article count, failing ones first."""
    sql = (
        f"SELECT f.id, {FEED_LABEL_SQL}, f.url, "
        "f.enabled, f.last_status, f.last_http_status, f.last_error, f.error_count, "
        "f.last_fetch_at, f.next_poll_at, "
        "(SELECT count(*) FROM articles a WHERE a.feed_id = f.id) FROM feeds f "
        "ORDER BY f.enabled DESC, f.last_status = 'error' DESC, f.id"
    )
    return [
        FeedHealth(
            int(r[0]), r[1], r[2], bool(r[3]), r[4], r[5], r[6], int(r[7]), r[8], r[9], int(r[10])
        )
        for r in db.execute(sql).fetchall()
    ]


def poll_summary(db: Database) -> dict[str, Any]:
    """Status-bar figures: feeds ok / failing, the last error, the next poll time, and
    the network's state when it is unreachable."""
    row = db.execute(
        "SELECT sum(last_status != 'error'), sum(last_status = 'error'), min(next_poll_at) "
        "FROM feeds WHERE enabled = 1"
    ).fetchone()
    last = db.execute(
        f"SELECT {feed_label_sql('feeds')}, last_error FROM feeds WHERE enabled = 1 "
        "AND last_status = 'error' ORDER BY last_fetch_at DESC LIMIT 1"
    ).fetchone()
    down = network_down(db)
    return {
        "ok": int(row[0] or 0),
        "failing": int(row[1] or 0),
        "next_poll": row[2],
        "last_error": f"{last[0]}: {last[1]}" if last else None,
        # the network is unreachable (store/network.py): one state, not each feed's error
        "network": {"since": down.since, "reason": down.reason} if down else None,
    }


def simple_search_ids(db: Database, text: str, *, since: str | None) -> frozenset[int]:
    """Story ids whose articles contain every word of ``text`` (FTS5), used only when
    the query language module is unavailable."""
    words = [w.replace('"', "") for w in text.split() if w.strip('"')]
    if not words:
        return frozenset()
    match = " ".join(f'"{w}"' for w in words)
    sql = (
        "SELECT DISTINCT a.story_id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH ? AND a.story_id IS NOT NULL"
    )
    params: list[Any] = [match]
    if since:
        sql += " AND a.published >= ?"
        params.append(since)
    return frozenset(int(r[0]) for r in db.execute(sql, params).fetchall())


def entity_story_ids(db: Database, name: str, since: str | None) -> frozenset[int]:
    """Story ids with an article tagged ``name`` (case-insensitive) in the window."""
    sql = (
        "SELECT DISTINCT a.story_id FROM article_entities e JOIN articles a "
        "ON a.id = e.article_id WHERE lower(e.entity) = lower(?) AND a.story_id IS NOT NULL"
    )
    params: list[Any] = [name]
    if since:
        sql += " AND a.published >= ?"
        params.append(since)
    return frozenset(int(r[0]) for r in db.execute(sql, params).fetchall())


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """What the query language looks at in one article (for re-checking live stories)."""

    story_id: int
    title: str
    summary: str
    lang: str
    feed_name: str
    feed_url: str
    entities: frozenset[str]
    kinds: frozenset[str]
    article_id: int = 0


def article_docs(db: Database, story_ids: frozenset[int], *, since: str | None) -> list[ArticleDoc]:
    """The articles of ``story_ids`` published since ``since``, with their entities,
    oldest first."""
    if not story_ids:
        return []
    ids = id_list(sorted(story_ids))
    where = f"a.story_id IN ({ids})" + (" AND a.published >= ?" if since else "")
    params: list[Any] = [since] if since else []
    sql = (
        "SELECT a.id, a.story_id, a.title, a.summary, a.lang, "
        f"{FEED_LABEL_SQL}, f.url "
        f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE {where} "
        "ORDER BY a.published, a.id"
    )
    rows = db.execute(sql, params).fetchall()
    tags: dict[int, list[tuple[str, str]]] = {}
    marks = id_list(r[0] for r in rows)
    for article_id, entity, kind in db.execute(
        f"SELECT article_id, entity, kind FROM article_entities WHERE article_id IN ({marks})"
    ).fetchall():
        tags.setdefault(int(article_id), []).append((entity, kind))
    return [
        ArticleDoc(
            story_id=int(r[1]),
            title=r[2] or "",
            summary=r[3] or "",
            lang=r[4] or "und",
            feed_name=r[5] or "",
            feed_url=r[6] or "",
            entities=frozenset(e for e, _ in tags.get(int(r[0]), ())),
            kinds=frozenset(k for _, k in tags.get(int(r[0]), ())),
            article_id=int(r[0]),
        )
        for r in rows
    ]


def feed_unread_counts(
    db: Database, *, since: str | None, hidden: frozenset[int] = frozenset()
) -> dict[int, int]:
    """``{feed id: unread stories}``: the live, unread stories with an article of the
    feed published since ``since`` (what Enter on the feed shows, less the read ones),
    leaving out the ``hidden`` (muted) ones."""
    where = ["s.read = 0", "s.merged_into IS NULL"]
    params: list[Any] = []
    if since:
        where.append("a.published >= ?")
        params.append(since)
    if hidden:
        where.append(f"s.id NOT IN ({id_list(sorted(hidden))})")
    sql = (
        "SELECT a.feed_id, count(DISTINCT s.id) FROM articles a "
        f"JOIN stories s ON s.id = a.story_id WHERE {' AND '.join(where)} GROUP BY a.feed_id"
    )
    return {int(feed): int(n) for feed, n in db.execute(sql, params).fetchall()}
