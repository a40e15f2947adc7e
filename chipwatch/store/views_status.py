"""The monitor's reads beside the timeline: alerts, feed health, and simple searches.

Re-exported by :mod:`chipwatch.store.views`, which widgets import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


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
    where = "" if include_dismissed else "WHERE state != 'dismissed'"
    sql = (
        "SELECT id, kind, watch, title, state, created_at, updated_at, story_id, feed_id, "
        f"detail FROM alerts {where} ORDER BY updated_at DESC, id DESC LIMIT ?"
    )
    return [AlertRow(*row) for row in db.execute(sql, [limit]).fetchall()]


def set_alert_state(db: Database, alert_id: int, state: str) -> None:
    """Mark one alert ``seen`` or ``dismissed`` (the monitor's reader state)."""
    db.execute("UPDATE alerts SET state = ? WHERE id = ?", [state, alert_id])


# --------------------------------------------------------------------------- feeds


def feed_health(db: Database) -> list[FeedHealth]:
    """Every feed with its fetch state and article count, failing ones first."""
    sql = (
        "SELECT f.id, COALESCE(NULLIF(f.name, ''), NULLIF(f.title, ''), f.url), f.url, "
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
    """Status-bar figures: feeds ok / failing, the last error, the next poll time."""
    row = db.execute(
        "SELECT sum(last_status != 'error'), sum(last_status = 'error'), min(next_poll_at) "
        "FROM feeds WHERE enabled = 1"
    ).fetchone()
    last = db.execute(
        "SELECT COALESCE(NULLIF(name, ''), url), last_error FROM feeds WHERE enabled = 1 "
        "AND last_status = 'error' ORDER BY last_fetch_at DESC LIMIT 1"
    ).fetchone()
    return {
        "ok": int(row[0] or 0),
        "failing": int(row[1] or 0),
        "next_poll": row[2],
        "last_error": f"{last[0]}: {last[1]}" if last else None,
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
