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
    entries = (
        [_entry(item, data) for item in items if isinstance(item, dict)]
        if isinstance(items, list)
        else []
    )
    feed = {
        "title": _text(data.get("title")),
        "link": _text(data.get("home_page_url")),
        "language": _text(data.get("language")),
    }
    return {"version": "json1", "feed": feed, "entries": entries, "bozo": False}


def _entry(item: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    html = _text(item.get("content_html"))
    summary = _text(item.get("summary")) or html or _text(item.get("content_text"))
    kind = "text/html" if html and summary == html else "text/plain"
    author = item.get("author") or (item.get("authors") or [None])[0] or data.get("author")
    language = _text(item.get("language"))
    return {
        "id": _text(item.get("id")),
        "title": _text(item.get("title")),
        "title_detail": {"type": "text/plain", "language": language or None},
        "summary": summary,
        "summary_detail": {"type": kind, "language": language or None},
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "published_parsed": _struct(item.get("date_published")),
        "updated_parsed": _struct(item.get("date_modified")),
        "author": _text(author.get("name")) if isinstance(author, dict) else "",
    }


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
