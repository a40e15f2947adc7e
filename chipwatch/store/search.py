"""Running a query against the store.

The tree is compiled to a SQL condition on ``articles a``: FTS5 for words, phrases and
prefixes, ``article_entities`` for ``@Entity`` and ``kind:``, the column for
``lang:``. Where every part of the tree can be decided in SQL, SQL decides; where a part
cannot (``word~``, ``feed:``, unspaced scripts), the condition selects a *superset* and
the in-memory matcher — the same one live watches use — decides for each candidate.

FTS5's unicode61 tokenizer folds case and accents but not width, ``ß``, ligatures or
final sigma, and glues CJK runs to Latin letters. When a query uses FTS5, articles with
such characters (listed in ``query_special`` by triggers) are always candidates and
always decided in memory, so SQL and Python never disagree about what matches.

SQLite limits how deep an expression may be (1,000 levels; ``a OR b OR c`` nests one
level per operator) and how deep its parser may go (about 100 parentheses). Long AND/OR
lists are therefore written as chains of at most :data:`_CHAIN` conditions, grouped in
parentheses level by level, so a query at the parser's limits (``query.grammar.MAX_TERMS``
terms, ``MAX_DEPTH`` levels) still compiles; a condition needing more parameters than
SQLite takes is left to the in-memory matcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.query.grammar import And, EntityRef, FieldFilter, Node, Not, Or, Term
from chipwatch.query.match import Query, QueryDoc, Resolver, parse_query, walk
from chipwatch.query.text import fuzzy_candidates, is_unspaced, tokens
from chipwatch.store.feed_label import FEED_LABEL_SQL
from chipwatch.store.merged import LIVE_STORY_SQL
from chipwatch.timeutil import iso

_SPECIAL_SQL = "a.id IN (SELECT article_id FROM query_special)"
_CHUNK = 500
_CHAIN = 32  # conditions joined flat by AND/OR before grouping (see the module's doc)
_MAX_PARAMS = 30_000  # SQLite takes 32,766 bound parameters; past this, match in memory


@dataclass(frozen=True, slots=True)
class Condition:
    """SQL true for every article a node matches; ``exact`` when also only for them
    (for articles that are not special). ``sql`` None: cannot narrow (always true)."""

    sql: str | None
    params: list[Any] = field(default_factory=list)
    exact: bool = False
    fts: bool = False  # uses FTS5, so special rows must be checked in memory


_ANY = Condition(None)


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
    condition = sql_condition(query.tree, Vocabulary(db))
    if len(condition.params) > _MAX_PARAMS:  # e.g. many @entities with many children
        condition = _ANY
    rows = _candidates(db, condition, since, until)
    found: dict[int, int] = {}
    unsure = []
    for row in rows:
        if condition.exact and not (condition.fts and row[1]):
            found[row[0]] = row[2]
        else:
            unsure.append(row[0])
    if unsure:
        found.update(_confirm(db, query, unsure))
    return found


def _bound(query: Query | str, tagger: Resolver | None) -> Query:
    if isinstance(query, str):
        return parse_query(query, tagger)
    if tagger is not None and not query.resolved:
        return query.bind(tagger)
    return query


def _candidates(
    db: Database, condition: Condition, since: datetime | None, until: datetime | None
) -> list[tuple[Any, ...]]:
    """``(article id, special, story id)`` of the candidates."""
    where = ["a.story_id IS NOT NULL"]
    params: list[Any] = []
    if since is not None:
        where.append("a.published >= ?")
        params.append(iso(since))
    if until is not None:
        where.append("a.published <= ?")
        params.append(iso(until))
    if condition.sql is not None and condition.fts:
        where.append(f"({condition.sql} OR {_SPECIAL_SQL})")
        params.extend(condition.params)
    elif condition.sql is not None:
        where.append(f"({condition.sql})")
        params.extend(condition.params)
    special = f"{_SPECIAL_SQL}" if condition.fts else "0"
    sql = (
        f"SELECT a.id, {special}, {LIVE_STORY_SQL} FROM articles a "
        f"LEFT JOIN stories s ON s.id = a.story_id WHERE {' AND '.join(where)}"
    )
    return db.execute(sql, params).fetchall()


def _confirm(db: Database, query: Query, ids: Sequence[int]) -> dict[int, int]:
    """Run the in-memory matcher over the articles ``ids``."""
    needs_entities = _needs_entities(query)
    found: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        entities = _entities(db, chunk) if needs_entities else {}
        for article_id, title, summary, lang, story_id, feed_name, feed_url in _docs(db, chunk):
            names, kinds = entities.get(article_id, (frozenset(), frozenset()))
            doc = QueryDoc(title, summary, feed_name or "", feed_url or "", lang, names, kinds)
            if query.matches(doc):
                found[article_id] = story_id
    return found


def _docs(db: Database, ids: list[int]) -> list[tuple[Any, ...]]:
    marks = ",".join("?" * len(ids))
    sql = (
        f"SELECT a.id, a.title, a.summary, a.lang, {LIVE_STORY_SQL}, "
        f"{FEED_LABEL_SQL}, f.url "
        "FROM articles a JOIN feeds f ON f.id = a.feed_id "
        f"LEFT JOIN stories s ON s.id = a.story_id WHERE a.id IN ({marks})"
    )
    return db.execute(sql, ids).fetchall()


def _needs_entities(query: Query) -> bool:
    return any(
        isinstance(node, EntityRef) or (isinstance(node, FieldFilter) and node.field == "kind")
        for node in walk(query.tree)
    )


def _entities(db: Database, ids: list[int]) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    names: dict[int, set[str]] = {}
    kinds: dict[int, set[str]] = {}
    marks = ",".join("?" * len(ids))
    sql = f"SELECT article_id, entity, kind FROM article_entities WHERE article_id IN ({marks})"
    for article_id, entity, kind in db.execute(sql, ids).fetchall():
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


def sql_condition(node: Node, vocabulary: Vocabulary | None = None) -> Condition:
    """Compile a node: a superset condition, exact where SQL alone can decide.

    With a ``vocabulary``, ``word~`` becomes the FTS5 terms it matches.
    """
    if isinstance(node, And):
        parts = [sql_condition(child, vocabulary) for child in node.children]
        narrowing = [p for p in parts if p.sql is not None]
        exact = all(p.exact for p in parts)
        return _join(narrowing, " AND ", exact) if narrowing else _ANY
    if isinstance(node, Or):
        parts = [sql_condition(child, vocabulary) for child in node.children]
        if any(p.sql is None for p in parts):
            return _ANY
        return _join(parts, " OR ", all(p.exact for p in parts))
    if isinstance(node, Not):
        inner = sql_condition(node.child, vocabulary)
        if inner.sql is None or not inner.exact:
            return _ANY
        return Condition(f"NOT ({inner.sql})", inner.params, exact=True, fts=inner.fts)
    if isinstance(node, Term):
        return _term_condition(node, vocabulary)
    if isinstance(node, EntityRef):
        return _entity_condition(node)
    return _field_condition(node)


def _join(parts: list[Condition], operator: str, exact: bool) -> Condition:
    sql = _chain([f"({part.sql})" for part in parts], operator)
    params = [value for part in parts for value in part.params]
    return Condition(sql, params, exact, fts=any(part.fts for part in parts))


def _chain(conditions: list[str], operator: str) -> str:
    """``conditions`` joined by ``operator``, in parenthesised groups of at most
    :data:`_CHAIN`: 1,000 ORs nest 3 levels deep instead of 1,000 (order is kept, so the
    parameters still line up)."""
    while len(conditions) > _CHAIN:
        conditions = [
            "(" + operator.join(conditions[start : start + _CHAIN]) + ")"
            for start in range(0, len(conditions), _CHAIN)
        ]
    return operator.join(conditions)


_FTS_SQL = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"


def _term_condition(term: Term, vocabulary: Vocabulary | None) -> Condition:
    words = tokens(term.text)
    if not words or is_unspaced(term.text):
        return _ANY
    if term.mode == "fuzzy":
        return _fuzzy_condition(term, words, vocabulary)
    expression = '"' + " ".join(words) + '"'
    if term.mode == "prefix" and len(words) == 1:
        expression += "*"
    if term.title_only:
        expression = f"title : {expression}"
    return Condition(_FTS_SQL, [expression], exact=True, fts=True)


def _fuzzy_condition(term: Term, words: list[str], vocabulary: Vocabulary | None) -> Condition:
    found = vocabulary.fuzzy(words[0]) if vocabulary is not None and len(words) == 1 else None
    if found is None:
        return _ANY
    if not found:
        return Condition("0", [], exact=True, fts=True)
    expression = "(" + " OR ".join(f'"{word}"' for word in found) + ")"
    if term.title_only:
        expression = f"title : {expression}"
    return Condition(_FTS_SQL, [expression], exact=True, fts=True)


class Vocabulary:
    """The words FTS5 indexed (``fts5vocab``), loaded on first use, to expand ``word~``."""

    MAX_TERMS = 300_000  # past this, scanning in memory is the cheaper way

    def __init__(self, db: Database) -> None:
        self.db = db
        self._terms: list[str] | None = None

    def fuzzy(self, word: str) -> list[str] | None:
        """Indexed words that count as ``word~``; None when the vocabulary is too big."""
        terms = self.terms()
        if terms is None:
            return None
        return fuzzy_candidates(word, terms)

    def terms(self) -> list[str] | None:
        if self._terms is None:
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_fts_vocab "
                "USING fts5vocab(main, articles_fts, row)"
            )
            rows = self.db.execute(
                "SELECT term FROM temp.articles_fts_vocab LIMIT ?", [self.MAX_TERMS + 1]
            ).fetchall()
            self._terms = [row[0] for row in rows]
        return None if len(self._terms) > self.MAX_TERMS else self._terms


def _entity_condition(ref: EntityRef) -> Condition:
    if ref.names:
        names = sorted(ref.names)
        return Condition(_tagged_at_or_below(len(names)), names, exact=True)
    if not ref.name.isascii():
        return _ANY
    # Without a tagger names compare folded in memory; NOCASE only narrows.
    sql = "a.id IN (SELECT article_id FROM article_entities WHERE entity = ? COLLATE NOCASE)"
    return Condition(sql, [ref.name])


def _tagged_at_or_below(count: int) -> str:
    """True for articles tagged with one of ``count`` names (the parameters) or with an
    entity recorded below one of them through ``parent`` (a model created on the fly)."""
    values = ",".join("(?)" for _ in range(count))
    below = (
        f"WITH RECURSIVE below(name) AS (VALUES {values} UNION "
        "SELECT x.name FROM entities x JOIN below b ON x.parent = b.name) SELECT name FROM below"
    )
    return f"a.id IN (SELECT article_id FROM article_entities WHERE entity IN ({below}))"


def _field_condition(node: FieldFilter) -> Condition:
    if node.field == "lang":
        value = node.value.replace("_", "-")
        lang = "lower(replace(a.lang, '_', '-'))"
        return Condition(f"{lang} = ? OR {lang} LIKE ?", [value, value + "-%"], exact=True)
    if node.field == "kind":
        sql = "a.id IN (SELECT article_id FROM article_entities WHERE kind = ?)"
        return Condition(sql, [node.value], exact=True)
    return _ANY
