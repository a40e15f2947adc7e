"""The ``poll --json`` event lines built for each stored article and its story."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from chipwatch.model import Article
from chipwatch.store.stories import story_counts
from chipwatch.timeutil import iso


def article_event(
    article: Article,
    change: str,
    story_id: int | None,
    matches: Sequence[Any],
    *,
    article_id: int,
    feed: str,
    feed_url: str,
) -> dict[str, Any]:
    """The ``{"type": "article", ...}`` event line of an article stored as
    ``article_id`` from the feed named ``feed`` at ``feed_url`` (``story``: null for an
    old article left to the round's settle pass)."""
    return {
        "type": "article",
        "id": article_id,
        "change": change,
        "story": story_id,
        "title": article.title,
        "url": article.url,
        "feed": feed,
        "feed_url": feed_url,
        "published": iso(article.published),
        "lang": article.lang,
        "entities": sorted({m.entity for m in matches}),
    }


def story_event(db: Database, story_id: int, new: bool) -> dict[str, Any]:
    """The ``{"type": "story", ...}`` event line: the story's row as it is now."""
    title, articles, outlets, languages = story_counts(db, story_id)
    return {
        "type": "story",
        "id": story_id,
        "new": new,
        "title": title,
        "articles": articles,
        "outlets": outlets,
        "languages": languages,
    }
