"""The `/` filter: the query language over the store, as a set of story ids.

Runs in a thread worker. Uses chipwatch.feeds.query when it is available; otherwise a
small fallback understands ``@Entity`` terms and plain words (FTS5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.config import Config
from chipwatch.store.views import entity_story_ids, simple_search_ids
from chipwatch.timeutil import iso

SEARCH_LIMIT = 5000


_TAGGERS: dict[int, tuple[Config, Any]] = {}


def _tagger(config: Config) -> Any:
    """One tagger per config object (building it compiles the dictionary)."""
    cached = _TAGGERS.get(id(config))
    if cached is None or cached[0] is not config:
        from chipwatch.feeds.entities import build_tagger

        _TAGGERS.clear()
        cached = _TAGGERS[id(config)] = (config, build_tagger(config))
    return cached[1]


def search_story_ids(
    db: Database, text: str, config: Config, *, since: datetime | None
) -> frozenset[int]:
    """Story ids the query matches in the window. Raises UserError on a syntax error."""
    try:
        from chipwatch.feeds.query import parse_query, search_stories
    except ImportError:
        return fallback_search(db, text, since=since)
    tagger = _tagger(config)
    query = parse_query(text, tagger)
    results = search_stories(db, query, tagger, since=since, until=None, limit=SEARCH_LIMIT)
    return frozenset(int(getattr(r, "id", getattr(r, "story_id", r))) for r in results)


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
