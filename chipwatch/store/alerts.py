"""Alert and delivery rows. One alert per (watch, subject); its state is the user's.

Subjects: ``story:ID`` for query watches, ``spike:ENTITY:DAY`` for spike watches,
``feed:ID:failing:SINCE`` / ``feed:ID:silent:SINCE`` for feed health (a new episode,
after the feed recovered, is a new subject and so a new alert).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.model import Alert, AlertState
from chipwatch.store.db import dict_rows
from chipwatch.store.feed_label import FEED_LABEL_SQL, feed_label_sql
from chipwatch.store.merged import LIVE_STORY_SQL
from chipwatch.textsafe import clean_text
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # sqlite_utils' Database or the plain connection under it (the poller's)
    from chipwatch.store.db import AnyConnection as Database

STATES = tuple(state.value for state in AlertState)

_SELECT = (
    "SELECT al.id, al.kind, al.watch, al.subject, "
    "COALESCE(NULLIF(s.title, ''), al.title) AS title, al.state, al.created_at, "
    "al.updated_at, al.story_id, al.feed_id, al.detail, al.article_id "
    "FROM alerts al LEFT JOIN stories s ON s.id = al.story_id"
)


def _alert(row: tuple[Any, ...]) -> Alert:
    alert_id, kind, watch, subject, title, state, created_at, updated_at = row[:8]
    return Alert(
        alert_id,
        kind,
        watch,
        subject,
        title,
        state,
        created_at,
        updated_at,
        story_id=row[8],
        feed_id=row[9],
        detail=row[10] or "",
        article_id=row[11],
    )


def upsert_alert(
    db: Database,
    *,
    kind: str,
    watch: str,
    subject: str,
    title: str,
    now: datetime,
    story_id: int | None = None,
    feed_id: int | None = None,
    detail: str = "",
    article_id: int | None = None,
) -> tuple[Alert, bool]:
    """Create the alert for (watch, subject), or update its title, detail and time.

    ``article_id``: the article that matched the watch. A new alert records it, and an
    alert from before the column takes it, so it follows that article between stories
    (:func:`follow_articles`). Returns ``(alert, created)``. The state is never changed
    here: a dismissed alert stays dismissed however its story grows.
    """
    existing = get_alert(db, watch, subject)
    stamp = iso(now)
    if existing is None:
        cursor = db.execute(
            "INSERT INTO alerts (kind, watch, subject, story_id, feed_id, title, detail, state, "
            "created_at, updated_at, article_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
            [kind, watch, subject, story_id, feed_id, title, detail, stamp, stamp, article_id],
        )
        alert = get_alert_by_id(db, int(cursor.lastrowid or 0))
        assert alert is not None
        return alert, True
    db.execute(
        "UPDATE alerts SET title = ?, detail = ?, updated_at = max(updated_at, ?), "
        "story_id = COALESCE(?, story_id), article_id = COALESCE(article_id, ?) WHERE id = ?",
        [title, detail, stamp, story_id, article_id, existing.id],
    )
    alert = get_alert_by_id(db, existing.id)
    assert alert is not None
    return alert, False


def get_alert(db: Database, watch: str, subject: str) -> Alert | None:
    """The alert of ``watch`` about ``subject``, if any."""
    row = db.execute(
        f"{_SELECT} WHERE al.watch = ? AND al.subject = ?", [watch, subject]
    ).fetchone()
    return _alert(row) if row else None


def get_alert_by_id(db: Database, alert_id: int) -> Alert | None:
    row = db.execute(f"{_SELECT} WHERE al.id = ?", [alert_id]).fetchone()
    return _alert(row) if row else None


def story_alert_watches(db: Database, story_id: int) -> set[str]:
    """Names of the watches that already alerted on ``story_id``."""
    rows = db.execute(
        "SELECT watch FROM alerts WHERE kind = 'watch' AND story_id = ?", [story_id]
    ).fetchall()
    return {row[0] for row in rows}


def dismiss_story_alerts(db: Database, story_id: int) -> int:
    """Dismiss the watch alerts of a story a mute rule now matches; how many changed."""
    cursor = db.execute(
        "UPDATE alerts SET state = 'dismissed' WHERE kind = 'watch' AND story_id = ? "
        "AND state != 'dismissed'",
        [story_id],
    )
    return int(cursor.rowcount or 0)


def list_alerts(
    db: Database,
    *,
    states: Iterable[str] | None = None,
    kind: str | None = None,
    watch: str | None = None,
    story_id: int | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts newest first, titled with their story's current headline."""
    where: list[str] = []
    params: list[Any] = []
    if states is not None:
        wanted = list(states)
        where.append(f"al.state IN ({','.join('?' * len(wanted))})")
        params.extend(wanted)
    for column, value in (("al.kind", kind), ("al.watch", watch), ("al.story_id", story_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = _SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
    sql += " ORDER BY al.created_at DESC, al.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_alert(row) for row in db.execute(sql, params).fetchall()]


def set_alert_state(db: Database, alert_id: int, state: str) -> None:
    """Mark an alert new, seen or dismissed. Raises ValueError for another state."""
    if state not in STATES:
        raise ValueError(f"unknown alert state {state!r}; states are {', '.join(STATES)}")
    db.execute("UPDATE alerts SET state = ? WHERE id = ?", [state, alert_id])


def alert_counts(db: Database) -> dict[str, dict[str, int]]:
    """``{watch: {state: count}}`` over all alerts."""
    counts: dict[str, dict[str, int]] = {}
    for watch, state, count in db.execute(
        "SELECT watch, state, count(*) FROM alerts GROUP BY watch, state"
    ).fetchall():
        counts.setdefault(watch, {})[state] = int(count)
    return counts


def story_alert_names(db: Database, story_ids: Iterable[int]) -> dict[int, list[str]]:
    """``{story_id: [watch names]}`` of query-watch alerts (dismissed ones left out)."""
    ids = list(story_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT story_id, watch FROM alerts WHERE kind = 'watch' AND state != 'dismissed' "
        f"AND story_id IN ({marks}) ORDER BY watch",
        ids,
    ).fetchall()
    result: dict[int, list[str]] = {}
    for story_id, watch in rows:
        result.setdefault(int(story_id), []).append(watch)
    return result


# --------------------------------------------------------------------------- deliveries


def record_delivery(
    db: Database,
    alert_id: int,
    channel: str,
    *,
    status: str,
    attempts: int,
    now: datetime,
    error: str | None = None,
    delivery_id: int | None = None,
) -> int:
    """Insert (or update, given ``delivery_id``) one notification attempt's outcome."""
    if delivery_id is None:
        cursor = db.execute(
            "INSERT INTO deliveries (alert_id, channel, status, attempts, last_error, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [alert_id, channel, status, attempts, error, iso(now)],
        )
        return int(cursor.lastrowid or 0)
    db.execute(
        "UPDATE deliveries SET status = ?, attempts = ?, last_error = ?, updated_at = ? "
        "WHERE id = ?",
        [status, attempts, error, iso(now), delivery_id],
    )
    return delivery_id


def list_deliveries(db: Database, alert_id: int | None = None) -> list[dict[str, Any]]:
    """Delivery rows (all, or of one alert), oldest first."""
    where = "WHERE alert_id = ?" if alert_id is not None else ""
    params = [alert_id] if alert_id is not None else []
    return dict_rows(db, f"SELECT * FROM deliveries {where} ORDER BY id", params)


# --------------------------------------------------------------------------- reads for alerts


def story_brief(db: Database, story_id: int) -> tuple[str, str, list[str]]:
    """``(headline title, headline url, outlet names)`` of a story, for an alert."""
    row = db.execute(
        "SELECT s.title, COALESCE(a.url, ''), COALESCE(a.title, '') FROM stories s "
        "LEFT JOIN articles a ON a.id = s.headline_article_id WHERE s.id = ?",
        [story_id],
    ).fetchone()
    title, url, headline_title = row if row else ("", "", "")
    if not url:
        first = db.execute(
            "SELECT url, title FROM articles WHERE story_id = ? ORDER BY published, id LIMIT 1",
            [story_id],
        ).fetchone()
        url, headline_title = first if first else ("", "")
    return title or headline_title, url, story_outlets(db, story_id)


def story_outlets(db: Database, story_id: int) -> list[str]:
    """Names of the feeds that reported a story, in the order they first did."""
    rows = db.execute(
        f"SELECT {FEED_LABEL_SQL}, min(a.published) AS first "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.story_id = ? "
        "GROUP BY f.id ORDER BY first, f.id",
        [story_id],
    ).fetchall()
    return [row[0] for row in rows]


def feed_label_at(db: Database, url: str) -> str:
    """The display name of the feed at ``url`` ('' when there is none)."""
    row = db.execute(f"SELECT {feed_label_sql('feeds')} FROM feeds WHERE url = ?", [url]).fetchone()
    return str(row[0]) if row else ""


def story_payload(db: Database, story_id: int) -> dict[str, Any]:
    """A story with its articles and links, for a webhook's body (feed text cleaned)."""
    row = db.execute(
        "SELECT first_seen, last_updated, languages FROM stories WHERE id = ?", [story_id]
    ).fetchone()
    articles = [
        {
            "id": r[0],
            "title": clean_text(r[1], single_line=True),
            "url": r[2],
            "feed": clean_text(r[3] or "", single_line=True),
            "published": r[4],
            "lang": r[5],
        }
        for r in db.execute(
            f"SELECT a.id, a.title, a.url, {FEED_LABEL_SQL}, "
            "a.published, a.lang FROM articles a JOIN feeds f ON f.id = a.feed_id "
            "WHERE a.story_id = ? ORDER BY a.published, a.id",
            [story_id],
        ).fetchall()
    ]
    result: dict[str, Any] = {
        "articles": articles,
        "links": [a["url"] for a in articles if a["url"]],
    }
    if row:
        result.update(first_seen=row[0], last_updated=row[1], languages=json.loads(row[2] or "[]"))
    return result


def feed_health_rows(db: Database) -> list[dict[str, Any]]:
    """Enabled feeds with what feed-health checks need (including ``created_at``)."""
    return dict_rows(
        db,
        f"SELECT id, url, {feed_label_sql('feeds')} AS label, "
        "error_count, last_error, last_http_status, last_ok_at, last_new_at, created_at, "
        "disabled_reason "
        "FROM feeds WHERE enabled = 1 ORDER BY id",
    )


def entity_stories(
    db: Database, names: Iterable[str], *, start: datetime, end: datetime
) -> list[int]:
    """Stories with an article tagged with one of ``names`` published in (start, end],
    most recently active first."""
    wanted = sorted(set(names))
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f"SELECT {LIVE_STORY_SQL} AS story, max(a.published) AS latest "
        "FROM article_entities e JOIN articles a ON a.id = e.article_id "
        "LEFT JOIN stories s ON s.id = a.story_id "
        f"WHERE e.entity IN ({marks}) AND a.story_id IS NOT NULL "
        "AND a.published > ? AND a.published <= ? GROUP BY story ORDER BY latest DESC, story DESC",
        [*wanted, iso(start), iso(end)],
    ).fetchall()
    return [int(row[0]) for row in rows]


def follow_merges(db: Database, merges: Iterable[tuple[int, int]]) -> list[int]:
    """Alerts follow their stories into the stories they were merged into: one alert per
    (watch, story) stays true. For each ``(story, into)``, a watch's alert on ``story``
    moves to ``into`` (:func:`_move_alert`). Returns the ids of the alerts kept or
    moved."""
    changed: list[int] = []
    for story, into in merges:
        rows = db.execute(
            "SELECT id, watch, created_at FROM alerts WHERE kind = 'watch' AND story_id = ?",
            [story],
        ).fetchall()
        changed += [_move_alert(db, *row, into=into) for row in rows]
    return changed


def follow_articles(db: Database) -> list[int]:
    """Watch alerts follow the articles that raised them: an alert whose article is now
    in another story (a settle pass split its story, or a user split or merged it) moves
    to that story (:func:`_move_alert`), so it ends on the story that holds its article
    and the watch is not raised there a second time. Alerts with no article recorded
    (raised before the column existed) stay where they are. An alert moves first where
    its watch has no alert (one leaving a story makes room for one coming), so two
    alerts join only when they end on one story. Returns the ids of the alerts kept or
    moved."""
    rows = db.execute(
        "SELECT al.id, al.watch, al.created_at, a.story_id FROM alerts al "
        "JOIN articles a ON a.id = al.article_id WHERE al.kind = 'watch' "
        "AND a.story_id IS NOT NULL AND a.story_id IS NOT al.story_id ORDER BY al.id"
    ).fetchall()
    changed: list[int] = []
    while rows:  # a few alerts a pass: a lookup per alert left is cheap
        row = next((r for r in rows if get_alert(db, r[1], f"story:{r[3]}") is None), rows[0])
        rows.remove(row)
        alert_id, watch, created, into = row
        changed.append(_move_alert(db, alert_id, watch, created, into=into))
    return changed


def _move_alert(db: Database, alert_id: int, watch: str, created_at: str, *, into: int) -> int:
    """Move a watch alert to story ``into``. When the watch already alerted on ``into``,
    the two are one event told twice: the alert on ``into`` is kept (with the earlier
    creation time and the other's deliveries) and the other row goes. The id of the
    alert kept or moved."""
    kept = get_alert(db, watch, f"story:{into}")
    if kept is None:
        db.execute(
            "UPDATE alerts SET subject = ?, story_id = ? WHERE id = ?",
            [f"story:{into}", into, alert_id],
        )
        return int(alert_id)
    if kept.id == alert_id:
        return kept.id
    db.execute("UPDATE deliveries SET alert_id = ? WHERE alert_id = ?", [kept.id, alert_id])
    db.execute(
        "UPDATE alerts SET created_at = min(created_at, ?), "
        "article_id = COALESCE(article_id, (SELECT article_id FROM alerts WHERE id = ?)) "
        "WHERE id = ?",
        [created_at, alert_id, kept.id],
    )
    db.execute("DELETE FROM alerts WHERE id = ?", [alert_id])
    return kept.id
