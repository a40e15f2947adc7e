"""Running a query against the store.

The tree is turned into a SQL condition that selects a *superset* of the matching
articles (FTS5 for words and phrases, ``article_entities`` for ``@Entity`` and
``kind:``, the column for ``lang:``); the in-memory matcher then decides for each
candidate, so SQL and Python can never disagree about what matches. Parts that SQL
cannot narrow (``NOT``, ``word~``, unspaced scripts, ``feed:``) narrow nothing.

FTS5's unicode61 tokenizer folds case and accents but not width, ``ß`` or ligatures,
and keeps CJK runs glued to Latin letters; articles with such characters are always
kept as candidates (a GLOB on the raw text) so the matcher sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.feeds.query import Query, QueryDoc, Resolver, parse_query
from chipwatch.feeds.query_parse import And, EntityRef, FieldFilter, Node, Not, Or, Term
from chipwatch.feeds.query_text import UNSPACED, is_unspaced, tokens
from chipwatch.timeutil import iso

Condition = tuple[str, list[Any]] | None

# Characters FTS5 folds differently from :func:`chipwatch.feeds.query_text.fold`.
_UNFOLDED_GLOB = f"*[\uff01-\uffef\ufb00-\ufb06\u00df\u2460-\u24ff{UNSPACED}]*"
_CHUNK = 500


def search_stories(
    db: Database,
    query: Query | str,
    tagger: Resolver | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    """Ids of the stories with at least one article matching ``query``, newest first.

    ``since``/``until`` bound the matching articles' published times.
    """
    query = _bound(query, tagger)
    story_ids = set(matching_articles(db, query, since=since, until=until).values())
    return newest_first(db, story_ids, limit)


def matching_articles(
    db: Database, query: Query, *, since: datetime | None = None, until: datetime | None = None
) -> dict[int, int]:
    """``{article_id: story_id}`` for every clustered article matching ``query``."""
    rows = _candidates(db, query, since, until)
    entities = _entities(db, [row[0] for row in rows]) if _needs_entities(query) else {}
    found: dict[int, int] = {}
    for article_id, title, summary, lang, story_id, feed_name, feed_url in rows:
        names, kinds = entities.get(article_id, (frozenset(), frozenset()))
        doc = QueryDoc(title, summary, feed_name or "", feed_url or "", lang, names, kinds)
        if query.matches(doc):
            found[article_id] = story_id
    return found


def _bound(query: Query | str, tagger: Resolver | None) -> Query:
    if isinstance(query, str):
        return parse_query(query, tagger)
    if tagger is not None and not query.resolved:
        return query.bind(tagger)
    return query


def _candidates(
    db: Database, query: Query, since: datetime | None, until: datetime | None
) -> list[tuple[Any, ...]]:
    where = ["a.story_id IS NOT NULL"]
    params: list[Any] = []
    if since is not None:
        where.append("a.published >= ?")
        params.append(iso(since))
    if until is not None:
        where.append("a.published <= ?")
        params.append(iso(until))
    condition = sql_condition(query.tree)
    if condition is not None:
        where.append(condition[0])
        params.extend(condition[1])
    sql = (
        "SELECT a.id, a.title, a.summary, a.lang, COALESCE(s.merged_into, a.story_id), "
        "COALESCE(NULLIF(f.name, ''), NULLIF(f.title, ''), f.url), f.url "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id "
        "LEFT JOIN stories s ON s.id = a.story_id "
        f"WHERE {' AND '.join(where)}"
    )
    return db.execute(sql, params).fetchall()


def _needs_entities(query: Query) -> bool:
    from chipwatch.feeds.query import walk

    return any(
        isinstance(node, EntityRef) or (isinstance(node, FieldFilter) and node.field == "kind")
        for node in walk(query.tree)
    )


def _entities(db: Database, ids: Sequence[int]) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    names: dict[int, set[str]] = {}
    kinds: dict[int, set[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT article_id, entity, kind FROM article_entities WHERE article_id IN ({marks})"
        for article_id, entity, kind in db.execute(sql, chunk).fetchall():
            names.setdefault(article_id, set()).add(entity)
            kinds.setdefault(article_id, set()).add(kind)
    return {i: (frozenset(names[i]), frozenset(kinds.get(i, ()))) for i in names}


def newest_first(db: Database, story_ids: Iterable[int], limit: int | None = None) -> list[int]:
    """Story ids ordered by last update, newest first (ties: higher id first)."""
    ids = list(story_ids)
    ordered: list[tuple[str, int]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT last_updated, id FROM stories WHERE id IN ({marks})"
        ordered.extend(db.execute(sql, chunk).fetchall())
    ordered.sort(reverse=True)
    result = [int(story_id) for _, story_id in ordered]
    return result[:limit] if limit is not None else result


# --------------------------------------------------------------------------- SQL


def sql_condition(node: Node) -> Condition:
    """A condition on ``articles a`` true for every article the node matches (or None)."""
    if isinstance(node, And):
        parts = [c for c in (sql_condition(child) for child in node.children) if c is not None]
        return _join(parts, " AND ") if parts else None
    if isinstance(node, Or):
        parts = [sql_condition(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return _join([p for p in parts if p is not None], " OR ")
    if isinstance(node, Not):
        return None
    if isinstance(node, Term):
        return _term_condition(node)
    if isinstance(node, EntityRef):
        return _entity_condition(node)
    return _field_condition(node)


def _join(parts: list[tuple[str, list[Any]]], operator: str) -> Condition:
    sql = operator.join(f"({part[0]})" for part in parts)
    params = [value for part in parts for value in part[1]]
    return sql, params


def _term_condition(term: Term) -> Condition:
    words = tokens(term.text)
    if term.mode == "fuzzy" or not words or is_unspaced(term.text):
        return None
    expression = '"' + " ".join(words) + '"'
    if term.mode == "prefix" and len(words) == 1:
        expression += "*"
    if term.title_only:
        expression = f"title : {expression}"
        fallback = "a.title GLOB ?"
        params: list[Any] = [expression, _UNFOLDED_GLOB]
    else:
        fallback = "a.title GLOB ? OR a.summary GLOB ?"
        params = [expression, _UNFOLDED_GLOB, _UNFOLDED_GLOB]
    sql = f"a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?) OR {fallback}"
    return sql, params


def _entity_condition(ref: EntityRef) -> Condition:
    if ref.names:
        names = sorted(ref.names)
        marks = ",".join("?" * len(names))
        sql = f"a.id IN (SELECT article_id FROM article_entities WHERE entity IN ({marks}))"
        return sql, names
    if not ref.name.isascii():
        return None
    sql = "a.id IN (SELECT article_id FROM article_entities WHERE entity = ? COLLATE NOCASE)"
    return sql, [ref.name]


def _field_condition(node: FieldFilter) -> Condition:
    if node.field == "lang":
        return "lower(replace(a.lang, '_', '-')) = ? OR lower(replace(a.lang, '_', '-')) LIKE ?", [
            node.value.replace("_", "-"),
            node.value.replace("_", "-") + "-%",
        ]
    if node.field == "kind":
        sql = "a.id IN (SELECT article_id FROM article_entities WHERE kind = ?)"
        return sql, [node.value]
    return None
