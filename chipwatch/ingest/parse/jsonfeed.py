"""JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6.0 does not read.

Items are turned into the same shape as feedparser entries, so one normalizer serves
every format.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from chipwatch.timeutil import TimeParseError, parse_time


def looks_like_json(body: bytes) -> bool:
    """True when the document starts like a JSON object."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_json_feed(body: bytes) -> dict[str, Any] | None:
    """A feedparser-like result (``version``, ``feed``, ``entries``), or None if not a JSON Feed."""
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return None
    items = data.get("items")
    entries = [_entry(item, data) for item in items] if isinstance(items, list) else []
    feed = {
        "title": _text(data.get("title")),
        "link": _text(data.get("home_page_url")),
        "language": _text(data.get("language")),
    }
    return {"version": "json1", "feed": feed, "entries": entries, "bozo": False}


def _entry(item: Any, data: dict[str, Any]) -> dict[str, Any]:
    """One item as a feedparser-like entry. Every field is checked for its type: a
    field of the wrong type is left blank, so a bad item costs only itself (an item
    that is not an object becomes an empty entry, which the normalizer skips)."""
    if not isinstance(item, dict):
        return {}
    html = _text(item.get("content_html"))
    summary = _text(item.get("summary")) or html or _text(item.get("content_text"))
    kind = "text/html" if html and summary == html else "text/plain"
    language = _text(item.get("language"))
    published, updated = _text(item.get("date_published")), _text(item.get("date_modified"))
    return {
        "id": _identifier(item.get("id")),
        "title": _text(item.get("title")),
        "title_detail": {"type": "text/plain", "language": language or None},
        "summary": summary,
        "summary_detail": {"type": kind, "language": language or None},
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "published": published,
        "published_parsed": _struct(published),
        "updated": updated,
        "updated_parsed": _struct(updated),
        "author": _author_name(item, data),
    }


def _author_name(item: dict[str, Any], data: dict[str, Any]) -> str:
    """The first author's name: ``author`` (1.0) or ``authors`` (1.1), the item's, else
    the feed's. Anything but an object with a string ``name`` is no author."""
    for owner in (item, data):
        authors = owner.get("authors")
        candidates = [owner.get("author"), *(authors if isinstance(authors, list) else [])]
        for author in candidates:
            if isinstance(author, dict) and _text(author.get("name")):
                return _text(author.get("name"))
    return ""


def _identifier(value: Any) -> str:
    """The item's id: a string, or a number written as one (common, though 1.1 wants
    a string)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    return _text(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _struct(value: Any) -> time.struct_time | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when: datetime = parse_time(value)
    except (TimeParseError, ValueError, OverflowError):
        return None
    return when.astimezone(UTC).utctimetuple()
