"""Read queries the monitor needs, plus its few reader-state writes (read, pinned,
alert seen/dismissed). Widgets never see SQL: they get these plain values.

Every timeline read is a *page* (keyset pagination on ``(last_updated, id)``) so a store
with 100,000 articles never loads more than a screenful or two of rows at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.store.literals import id_list, json_list
from chipwatch.store.views_entities import (  # noqa: F401 - re-exported for the monitor
    SPARK_DAYS,
    EntityCount,
    entity_counts,
)
from chipwatch.store.views_status import (  # noqa: F401 - re-exported for the monitor
    AlertRow,
    ArticleDoc,
    FeedHealth,
    article_docs,
    entity_story_ids,
    feed_health,
    feed_unread_counts,
    list_alert_rows,
    poll_summary,
    set_alert_state,
    simple_search_ids,
)
from chipwatch.store.views_story import (  # noqa: F401 - re-exported for the monitor
    ArticleView,
    Span,
    StoryView,
    story_view,
)
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # a plain sqlite3 connection serves as well (the monitor's reads)
    from chipwatch.store.db import AnyConnection as Database

PAGE_SIZE = 200
TOP_ENTITIES = 3


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One story as the timeline shows it."""

    id: int
    title: str
    last_updated: str
    first_seen: str
    article_count: int
    outlet_count: int
    languages: tuple[str, ...]
    pinned: bool
    read: bool
    alerted: bool = False
    entities: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[str, int]:
        """Newest first: the timeline sorts on this, descending."""
        return (self.last_updated, self.id)


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What narrows the timeline: a window start, an entity, a query's story ids, the
    unread-only or pinned view, and the stories the mute rules hide."""

    since: str | None = None
    entity: str | None = None
    story_ids: frozenset[int] | None = None
    unread_only: bool = False
    pinned_only: bool = False
    hidden: frozenset[int] = frozenset()
    """Stories a mute rule matches: never shown, whatever the other filters."""


# --------------------------------------------------------------------------- timeline


def _filter_sql(flt: TimelineFilter) -> tuple[str, list[Any]]:
    clauses, params = ["s.merged_into IS NULL", "s.article_count > 0"], []
    if flt.since:
        clauses.append("s.last_updated >= ?")
        params.append(flt.since)
    if flt.entity:
        # The entity or any below it: a story of an export ban is a story of export controls.
        clauses.append(
            "EXISTS (SELECT 1 FROM articles a JOIN article_entities e ON e.article_id = a.id "
            f"WHERE a.story_id = s.id AND e.entity IN ({_BELOW}))"
        )
        params.append(flt.entity)
    if flt.story_ids is not None:
        clauses.append(f"s.id IN ({id_list(sorted(flt.story_ids))})")
    if flt.unread_only:
        clauses.append("s.read = 0")
    if flt.pinned_only:
        clauses.append("s.pinned = 1")
    if flt.hidden:
        clauses.append(f"s.id NOT IN ({id_list(sorted(flt.hidden))})")
    return " AND ".join(clauses), params


def timeline_page(
    db: Database,
    flt: TimelineFilter,
    *,
    before: tuple[str, int] | None = None,
    after: tuple[str, int] | None = None,
    limit: int = PAGE_SIZE,
) -> list[TimelineRow]:
    """Stories newest first. ``before`` pages down from a row's sort key; ``after``
    returns only rows newer than a key (what arrived since the last look)."""
    where, params = _filter_sql(flt)
    if before is not None:
        where += " AND (s.last_updated < ? OR (s.last_updated = ? AND s.id < ?))"
        params += [before[0], before[0], before[1]]
    if after is not None:
        where += " AND (s.last_updated > ? OR (s.last_updated = ? AND s.id > ?))"
        params += [after[0], after[0], after[1]]
    sql = (
        "SELECT s.id, s.title, s.last_updated, s.first_seen, s.article_count, "
        "s.outlet_count, s.languages, s.pinned, s.read FROM stories s "
        f"WHERE {where} ORDER BY s.last_updated DESC, s.id DESC LIMIT ?"
    )
    rows = db.execute(sql, [*params, limit]).fetchall()
    ids = [int(r[0]) for r in rows]
    alerted = _alerted(db, ids)
    entities = _top_entities(db, ids)
    return [
        TimelineRow(
            id=int(r[0]),
            title=r[1],
            last_updated=r[2],
            first_seen=r[3],
            article_count=int(r[4]),
            outlet_count=int(r[5]),
            languages=tuple(json_list(r[6])),
            pinned=bool(r[7]),
            read=bool(r[8]),
            alerted=int(r[0]) in alerted,
            entities=entities.get(int(r[0]), ()),
        )
        for r in rows
    ]


def story_ids_after(
    db: Database, flt: TimelineFilter, after: tuple[str, int], *, limit: int = 500
) -> frozenset[int]:
    """Ids of the stories newer than a sort key within the filter (no row building)."""
    where, params = _filter_sql(flt)
    where += " AND (s.last_updated > ? OR (s.last_updated = ? AND s.id > ?))"
    sql = f"SELECT s.id FROM stories s WHERE {where} ORDER BY s.last_updated DESC LIMIT ?"
    rows = db.execute(sql, [*params, after[0], after[0], after[1], limit]).fetchall()
    return frozenset(int(r[0]) for r in rows)


def next_unread_key(
    db: Database, flt: TimelineFilter, before: tuple[str, int]
) -> tuple[str, int] | None:
    """The sort key of the newest unread story older than ``before`` within the filter
    (the next unread below the loaded rows), or None when there is none."""
    where, params = _filter_sql(replace(flt, unread_only=True))
    row = db.execute(
        f"SELECT s.last_updated, s.id FROM stories s WHERE {where} "
        "AND (s.last_updated < ? OR (s.last_updated = ? AND s.id < ?)) "
        "ORDER BY s.last_updated DESC, s.id DESC LIMIT 1",
        [*params, before[0], before[0], before[1]],
    ).fetchone()
    return (str(row[0]), int(row[1])) if row else None


def timeline_rows(db: Database, ids: Sequence[int]) -> list[TimelineRow]:
    """Fresh rows for known story ids (after a poll updated them), newest first."""
    if not ids:
        return []
    return timeline_page(db, TimelineFilter(story_ids=frozenset(ids)), limit=len(ids))


def timeline_count(db: Database, flt: TimelineFilter) -> int:
    """How many stories the filter matches (for the status line)."""
    where, params = _filter_sql(flt)
    return int(db.execute(f"SELECT count(*) FROM stories s WHERE {where}", params).fetchone()[0])


def _alerted(db: Database, ids: Sequence[int]) -> set[int]:
    sql = (
        f"SELECT DISTINCT story_id FROM alerts WHERE story_id IN ({id_list(ids)}) "
        "AND state != 'dismissed'"
    )
    return {int(r[0]) for r in db.execute(sql).fetchall()}


def _top_entities(db: Database, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    sql = (
        "SELECT a.story_id, e.entity, count(*) AS n FROM articles a "
        "JOIN article_entities e ON e.article_id = a.id "
        f"WHERE a.story_id IN ({id_list(ids)}) GROUP BY a.story_id, e.entity "
        "ORDER BY a.story_id, n DESC, e.entity"
    )
    found: dict[int, list[str]] = defaultdict(list)
    for story_id, entity, _n in db.execute(sql).fetchall():
        if len(found[story_id]) < TOP_ENTITIES:
            found[story_id].append(entity)
    return {k: tuple(v) for k, v in found.items()}


# --------------------------------------------------------------------------- entities


# The entities at or below the one bound to ``?``, through the ``entities`` rows (which
# hold whole chains of parents).
_BELOW = (
    "WITH RECURSIVE below(name) AS (SELECT ? UNION "
    "SELECT x.name FROM entities x JOIN below b ON x.parent = b.name) SELECT name FROM below"
)
# --------------------------------------------------------------------------- reader state


def set_story_read(db: Database, story_ids: Sequence[int], read: bool = True) -> None:
    """Mark stories (and their articles) read or unread."""
    marks = id_list(story_ids)
    db.execute(f"UPDATE stories SET read = ? WHERE id IN ({marks})", [int(read)])
    db.execute(f"UPDATE articles SET read = ? WHERE story_id IN ({marks})", [int(read)])


def mark_all_read(db: Database, flt: TimelineFilter) -> int:
    """Mark every story the filter matches read; returns how many changed."""
    where, params = _filter_sql(flt)
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT s.id FROM stories s WHERE {where} AND s.read = 0", params
        ).fetchall()
    ]
    for start in range(0, len(ids), 500):
        set_story_read(db, ids[start : start + 500], True)
    return len(ids)


def toggle_pinned(db: Database, story_id: int) -> bool:
    """Flip a story's pin; returns the new state."""
    db.execute("UPDATE stories SET pinned = 1 - pinned WHERE id = ?", [story_id])
    row = db.execute("SELECT pinned FROM stories WHERE id = ?", [story_id]).fetchone()
    return bool(row and row[0])


def window_since(window: str, now: datetime) -> str | None:
    """The ISO start of a monitor window name (``24h``, ``7d``, ``30d``, ``all``)."""
    from chipwatch.timeutil import parse_window

    start = parse_window(window, now=now)
    return iso(start) if start else None
