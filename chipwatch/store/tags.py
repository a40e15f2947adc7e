"""Entity mentions in the store: ``article_entities`` rows and the ``entities`` list.

Writers run inside the caller's transaction (the pipeline holds one per feed); call
them within :func:`chipwatch.store.db.write_transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlite_utils import Database

from chipwatch.model import Entity, EntityMatch
from chipwatch.timeutil import iso

_INSERT_MATCH = 'INSERT INTO article_entities (article_id, entity, kind, field, start, "end", rule)'
_UPSERT_ENTITY = (
    "INSERT INTO entities (name, kind, parent) VALUES (?, ?, ?) "
    "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, "
    "parent = coalesce(excluded.parent, entities.parent)"
)


def save_matches(
    db: Database,
    article_id: int,
    matches: Iterable[EntityMatch],
    *,
    parents: Mapping[str, Entity] | None = None,
) -> int:
    """Replace ``article_id``'s rows in ``article_entities`` with ``matches``.

    Each tagged entity is also recorded in ``entities`` (name, kind, parent when
    ``parents`` — usually ``Tagger.entities`` — knows it). Returns the rows written.
    """
    rows = [(article_id, m.entity, m.kind, m.field, m.start, m.end, m.rule) for m in matches]
    conn = db.conn
    conn.execute("DELETE FROM article_entities WHERE article_id = ?", (article_id,))
    if not rows:
        return 0
    conn.executemany(f"{_INSERT_MATCH} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    known = {(row[1], row[2]) for row in rows}
    conn.executemany(
        _UPSERT_ENTITY, [(name, kind, _parent(parents, name)) for name, kind in sorted(known)]
    )
    return len(rows)


def save_matches_many(
    db: Database,
    items: Sequence[tuple[int, Sequence[EntityMatch]]],
    *,
    parents: Mapping[str, Entity] | None = None,
) -> int:
    """:func:`save_matches` for many ``(article_id, matches)`` at once (usually new
    articles, which have no rows yet: then in three statements).

    The stored rows are those the calls one by one, in order, would leave: the same
    ``article_entities`` rows with the same rowids, and each entity's ``entities`` row
    with the kind it was last tagged with. Returns the rows written.
    """
    if not items:
        return 0
    conn = db.conn
    if _any_stored(db, [article_id for article_id, _ in items]):
        # Replacing rows: deleting them all first could free the highest rowid before
        # the calls one by one would, so the new rows' rowids could differ.
        return sum(save_matches(db, i, matches, parents=parents) for i, matches in items)
    rows = [
        (article_id, m.entity, m.kind, m.field, m.start, m.end, m.rule)
        for article_id, matches in items
        for m in matches
    ]
    if not rows:
        return 0
    per = max(1, min(500, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 7))
    for start in range(0, len(rows), per):  # multi-row INSERTs: one statement per 500
        chunk = rows[start : start + per]
        conn.execute(
            f"{_INSERT_MATCH} VALUES {','.join(['(?, ?, ?, ?, ?, ?, ?)'] * len(chunk))}",
            [value for row in chunk for value in row],
        )
    # One upsert per name, in the order names first appear, with the last kind: what the
    # per-article upserts leave (a name's parent comes from ``parents`` alone).
    kinds: dict[str, str] = {}
    for _, matches in items:
        for name, kind in sorted({(m.entity, m.kind) for m in matches}):
            kinds[name] = kind
    conn.executemany(_UPSERT_ENTITY, [(n, k, _parent(parents, n)) for n, k in kinds.items()])
    return len(rows)


def _any_stored(db: Database, article_ids: list[int]) -> bool:
    for start in range(0, len(article_ids), 500):
        part = article_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT 1 FROM article_entities WHERE article_id IN ({marks}) LIMIT 1"
        if db.conn.execute(sql, part).fetchone() is not None:
            return True
    return False


def _parent(parents: Mapping[str, Entity] | None, name: str) -> str | None:
    entity = parents.get(name) if parents else None
    return entity.parent if entity else None


def article_matches(db: Database, article_id: int) -> list[EntityMatch]:
    """The stored matches of one article, by field then start (as the tagger gives them)."""
    rows = db.execute(
        'SELECT entity, kind, field, start, "end", rule FROM article_entities '
        "WHERE article_id = ? ORDER BY field = 'summary', start, \"end\" DESC",
        [article_id],
    )
    return [
        EntityMatch(entity=e, kind=k, field=f, start=s, end=n, text="", rule=r)
        for e, k, f, s, n, r in rows
    ]


def entity_counts(
    db: Database, *, since: datetime | None = None, kind: str | None = None, by: str = "articles"
) -> dict[str, int]:
    """How often each entity was tagged, most frequent first.

    ``by="articles"`` (default) counts distinct articles mentioning the entity,
    ``"mentions"`` counts every span, ``"stories"`` counts distinct stories. ``since``
    keeps articles published at or after it; ``kind`` keeps one entity kind.
    """
    measure = {
        "articles": "count(DISTINCT ae.article_id)",
        "mentions": "count(*)",
        "stories": "count(DISTINCT a.story_id)",
    }.get(by)
    if measure is None:
        raise ValueError(f"by must be articles, mentions or stories, not {by!r}")
    where, params = [], []
    if since is not None:
        where.append("a.published >= ?")
        params.append(iso(since))
    if kind is not None:
        where.append("ae.kind = ?")
        params.append(kind)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    join = "JOIN articles a ON a.id = ae.article_id" if since or by == "stories" else ""
    sql = (
        f"SELECT ae.entity, {measure} AS n FROM article_entities ae {join} {clause} "
        "GROUP BY ae.entity ORDER BY n DESC, ae.entity"
    )
    return {name: count for name, count in db.execute(sql, params)}
