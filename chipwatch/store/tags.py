"""Entity mentions in the store: ``article_entities`` rows and the ``entities`` list.

Writers run inside the caller's transaction (the pipeline holds one per feed); call
them within :func:`chipwatch.store.db.write_transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.model import Entity, EntityMatch
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database

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
    ``parents`` — usually ``Tagger.entities`` — knows it), and so is every entity above
    it: the store then holds whole chains of parents ("Ascend 950PR" → "Ascend 950" →
    "Ascend" → "Huawei"), which is how a child's mention counts for its ancestors in the
    entity pane, the digest and ``@Entity`` queries. Returns the rows written.
    """
    rows = [(article_id, m.entity, m.kind, m.field, m.start, m.end, m.rule) for m in matches]
    conn = db.conn
    conn.execute("DELETE FROM article_entities WHERE article_id = ?", (article_id,))
    if not rows:
        return 0
    conn.executemany(f"{_INSERT_MATCH} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.executemany(_UPSERT_ENTITY, _entity_rows(rows, _finder(parents)))
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
    # One upsert per name, in the order names first appear, with the last kind and the
    # last parent known: what the per-article upserts leave.
    final: dict[str, tuple[str, str | None]] = {}
    find = _finder(parents)
    for article_id, matches in items:
        article_rows = [(article_id, m.entity, m.kind) for m in matches]
        for name, kind, parent in _entity_rows(article_rows, find):
            old = final.get(name)
            final[name] = (kind, parent if parent is not None or old is None else old[1])
    conn.executemany(_UPSERT_ENTITY, [(n, k, p) for n, (k, p) in final.items()])
    return len(rows)


def _any_stored(db: Database, article_ids: list[int]) -> bool:
    for start in range(0, len(article_ids), 500):
        part = article_ids[start : start + 500]
        marks = ",".join("?" * len(part))
        sql = f"SELECT 1 FROM article_entities WHERE article_id IN ({marks}) LIMIT 1"
        if db.conn.execute(sql, part).fetchone() is not None:
            return True
    return False


Find = Callable[[str], Entity | None]


def _finder(parents: Mapping[str, Entity] | None) -> Find | None:
    """``parents.get``, each name looked up once (a model's entity is parsed from its
    name on each lookup); None when there are no entities to look up."""
    if not parents:
        return None
    found: dict[str, Entity | None] = {}

    def find(name: str) -> Entity | None:
        try:
            return found[name]
        except KeyError:
            entity = found[name] = parents.get(name)
            return entity

    return find


def _entity_rows(
    rows: Sequence[tuple[Any, ...]], find: Find | None
) -> list[tuple[str, str, str | None]]:
    """``(name, kind, parent)`` upserts for the tagged names of ``rows`` (article id,
    name, kind, ...), sorted, then for the entities above them, nearest first."""
    upserts = [(name, kind, _parent(find, name)) for name, kind in sorted({r[1:3] for r in rows})]
    seen = {name for name, _, _ in upserts}
    for _, _, parent in list(upserts):
        while parent and parent not in seen and find:
            seen.add(parent)
            entity = find(parent)
            if entity is None:
                break
            upserts.append((entity.name, entity.kind, entity.parent))
            parent = entity.parent
    return upserts


def _parent(find: Find | None, name: str) -> str | None:
    entity = find(name) if find else None
    return entity.parent if entity else None


def entity_tree(db: Database) -> tuple[dict[str, str], dict[str, str]]:
    """Every recorded entity's parent and kind (from the ``entities`` rows, which hold
    whole chains of parents for whatever was tagged)."""
    parents: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for name, kind, parent in db.execute("SELECT name, kind, parent FROM entities"):
        kinds[name] = kind
        if parent:
            parents[name] = parent
    return parents, kinds


def ancestors(name: str, parents: Mapping[str, str]) -> list[str]:
    """The entities above ``name``, nearest first (a cycle stops the walk)."""
    chain: list[str] = []
    parent = parents.get(name)
    while parent and parent != name and parent not in chain:
        chain.append(parent)
        parent = parents.get(parent)
    return chain


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
