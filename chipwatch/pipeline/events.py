"""The ``poll --json`` event lines built for each stored article and its story."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from chipwatch.model import Article
from chipwatch.timeutil import iso

_STORY_ROW = "SELECT title, article_count, outlet_count, languages FROM stories WHERE id = ?"


def article_event(
    article: Article, change: str, story_id: int, matches: list[Any]
) -> dict[str, Any]:
    """The ``{"type": "article", ...}`` event line of a stored article."""
    return {
        "type": "article",
        "id": article.id,
        "change": change,
        "story": story_id,
        "title": article.title,
        "url": article.url,
        "feed": article.feed_name,
        "feed_url": article.feed_url,
        "published": iso(article.published),
        "lang": article.lang,
        "entities": sorted({m.entity for m in matches}),
    }


def story_event(db: Database, story_id: int, new: bool) -> dict[str, Any]:
    """The ``{"type": "story", ...}`` event line: the story's row as it is now."""
    row = db.conn.execute(_STORY_ROW, [story_id]).fetchone()
    title, articles, outlets, languages = row if row else ("", 0, 0, "[]")
    return {
        "type": "story",
        "id": story_id,
        "new": new,
        "title": title,
        "articles": articles,
        "outlets": outlets,
        "languages": _json_list(languages),
    }


def _json_list(text: str | None) -> list[str]:
    return list(_parsed_list(text or "[]"))


@lru_cache(maxsize=256)  # a store holds few distinct language lists
def _parsed_list(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()
