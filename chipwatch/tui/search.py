"""The `/` filter: the query language over the store, as a set of story ids.

Runs in a thread worker. Uses chipwatch.query.match when it is available; otherwise a
small fallback understands ``@Entity`` terms and plain words (FTS5)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.config import Config
from chipwatch.store.views import article_docs, entity_story_ids, simple_search_ids
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # a plain sqlite3 connection serves as well (the monitor's reads)
    from sqlite_utils import Database

SEARCH_LIMIT = 5000


_TAGGERS: dict[int, tuple[Config, Any]] = {}


def tagger_for(config: Config) -> Any:
    """One tagger per config object (building it compiles the dictionary)."""
    cached = _TAGGERS.get(id(config))
    if cached is None or cached[0] is not config:
        from chipwatch.entities.tagger import build_tagger

        _TAGGERS.clear()
        cached = _TAGGERS[id(config)] = (config, build_tagger(config))
    return cached[1]


def search_story_ids(
    db: Database, text: str, config: Config, *, since: datetime | None
) -> frozenset[int]:
    """Story ids the query matches in the window. Raises UserError on a syntax error."""
    try:
        from chipwatch.query.match import parse_query
        from chipwatch.store.search import search_stories
    except ImportError:
        return fallback_search(db, text, since=since)
    tagger = tagger_for(config)
    query = parse_query(text, tagger)
    results = search_stories(db, query, tagger, since=since, until=None, limit=SEARCH_LIMIT)
    return frozenset(int(getattr(r, "id", getattr(r, "story_id", r))) for r in results)


def stories_matching(
    db: Database,
    text: str,
    config: Config,
    story_ids: frozenset[int],
    *,
    since: datetime | None,
) -> frozenset[int]:
    """Which of ``story_ids`` (stories a poll brought or changed) the query matches now.

    The same rule as :func:`search_story_ids` (a story matches when one of its articles
    in the window does), checked in memory on just these stories' articles, so a live
    batch costs a few rows, not a search of the archive."""
    if not story_ids:
        return frozenset()
    try:
        from chipwatch.query.match import QueryDoc, parse_query
    except ImportError:
        return fallback_search(db, text, since=since) & story_ids
    query = parse_query(text, tagger_for(config))
    found: set[int] = set()
    for doc in article_docs(db, story_ids, since=iso(since) if since else None):
        if doc.story_id in found:
            continue
        fields = (doc.title, doc.summary, doc.feed_name, doc.feed_url, doc.lang)
        if query.matches(QueryDoc(*fields, doc.entities, doc.kinds)):
            found.add(doc.story_id)
    return frozenset(found)


def fallback_search(db: Database, text: str, *, since: datetime | None) -> frozenset[int]:
    """``@Entity`` terms and words, all required (no operators)."""
    since_iso = iso(since) if since else None
    sets: list[frozenset[int]] = []
    words = []
    for term in text.split():
        if term.startswith("@") and len(term) > 1:
            sets.append(entity_story_ids(db, term[1:].strip('"'), since_iso))
        else:
            words.append(term)
    if words:
        sets.append(simple_search_ids(db, " ".join(words), since=since_iso))
    if not sets:
        return frozenset()
    result = sets[0]
    for other in sets[1:]:
        result &= other
    return result
