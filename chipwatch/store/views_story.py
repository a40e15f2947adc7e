"""A story as the detail pane shows it: every article with its outlet, its entity
spans and why it is in the story (read in a few set-based queries)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chipwatch.store.literals import id_list, json_list

if TYPE_CHECKING:  # a plain sqlite3 connection serves as well (the monitor's reads)
    from chipwatch.store.db import AnyConnection as Database


@dataclass(frozen=True, slots=True)
class Span:
    """An entity mention inside one field of an article."""

    entity: str
    kind: str
    field: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ArticleView:
    """One article of a story, with its outlet, spans and merge explanation."""

    id: int
    title: str
    summary: str
    url: str
    lang: str
    published: str
    feed_name: str
    feed_url: str
    read: bool
    spans: tuple[Span, ...] = ()
    explain: dict[str, Any] = field(default_factory=dict)
    cluster_score: float | None = None


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story with every article, for the detail pane."""

    id: int
    title: str
    first_seen: str
    last_updated: str
    outlet_count: int
    languages: tuple[str, ...]
    pinned: bool
    read: bool
    articles: tuple[ArticleView, ...]
    alerts: tuple[str, ...] = ()
    alerts_raised: tuple[str, ...] = ()
    """When each of ``alerts`` (same order) was first raised."""


# --------------------------------------------------------------------------- story detail


def story_view(db: Database, story_id: int) -> StoryView | None:
    """A story with all its articles (oldest first), spans and merge explanations.

    A story merged into another resolves to the story it was merged into."""
    from chipwatch.store.merged import resolve_story_id

    story_id = resolve_story_id(db, story_id)
    row = db.execute(
        "SELECT id, title, first_seen, last_updated, outlet_count, languages, pinned, "
        "read, merged_into FROM stories WHERE id = ?",
        [story_id],
    ).fetchone()
    if row is None:
        return None
    articles = _story_articles(db, story_id)
    alerts = db.execute(
        "SELECT watch, min(created_at) FROM alerts WHERE story_id = ? AND state != 'dismissed' "
        "GROUP BY watch ORDER BY watch",
        [story_id],
    ).fetchall()
    return StoryView(
        id=int(row[0]),
        title=row[1],
        first_seen=row[2],
        last_updated=row[3],
        outlet_count=int(row[4]),
        languages=tuple(json_list(row[5])),
        pinned=bool(row[6]),
        read=bool(row[7]),
        articles=tuple(articles),
        alerts=tuple(str(r[0]) for r in alerts),
        alerts_raised=tuple(str(r[1]) for r in alerts),
    )


def _story_articles(db: Database, story_id: int) -> list[ArticleView]:
    from chipwatch.store.explain import explanation_contexts
    from chipwatch.store.feed_label import FEED_LABEL_SQL

    sql = (
        "SELECT a.id, a.title, a.summary, a.url, a.lang, a.published, "
        f"{FEED_LABEL_SQL}, f.url, a.read, "
        "a.cluster_explain, a.cluster_score FROM articles a JOIN feeds f ON f.id = a.feed_id "
        "WHERE a.story_id = ? ORDER BY a.published, a.id"
    )
    rows = db.execute(sql, [story_id]).fetchall()
    spans = _spans(db, [int(r[0]) for r in rows])
    # What saying why needs: the matched article as it is now, the corrections.
    contexts = explanation_contexts(db, [int(r[0]) for r in rows])
    return [
        ArticleView(
            id=int(r[0]),
            title=r[1],
            summary=r[2],
            url=r[3],
            lang=r[4],
            published=r[5],
            feed_name=r[6],
            feed_url=r[7],
            read=bool(r[8]),
            spans=spans.get(int(r[0]), ()),
            explain=contexts.get(int(r[0])) or _json_dict(r[9]),
            cluster_score=r[10],
        )
        for r in rows
    ]


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _spans(db: Database, ids: Sequence[int]) -> dict[int, tuple[Span, ...]]:
    sql = (
        'SELECT article_id, entity, kind, field, start, "end" FROM article_entities '
        f"WHERE article_id IN ({id_list(ids)}) ORDER BY article_id, field, start"
    )
    found: dict[int, list[Span]] = defaultdict(list)
    for article_id, *rest in db.execute(sql).fetchall():
        found[int(article_id)].append(Span(*rest))
    return {k: tuple(v) for k, v in found.items()}
