"""What saying why an article is in its story needs, read in a few set-based queries:
the stored explanation, the article's own text, the matched article as it is now (its
title, feed, whether the title was derived, its text, its story) and the user's
corrections that touched it. The sentence itself is
:func:`chipwatch.clustering.explanation_words.describe`'s; the detail pane, ``search
--explain`` and the digest read the same thing here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chipwatch.store.feed_label import FEED_LABEL_SQL

if TYPE_CHECKING:
    from chipwatch.store.db import AnyConnection

_CHUNK = 500


def explanation_contexts(db: AnyConnection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Article id → its decoded explanation plus ``text``, ``story_id``, ``locked``,
    ``matched_info`` (or none) and ``corrections`` (oldest first)."""
    found: dict[int, dict[str, Any]] = {}
    wanted = list(dict.fromkeys(ids))
    for part in _chunks(wanted):
        sql = (
            "SELECT id, story_id, story_locked, cluster_explain, title, summary, title_derived "
            f"FROM articles WHERE id IN ({_marks(part)})"
        )
        for aid, story, locked, raw, title, summary, derived in db.execute(sql, part):
            info = _decoded(raw)
            info.update(
                article_id=aid,
                story_id=story,
                locked=bool(locked),
                text=f"{'' if derived else title}\n{summary or ''}",
            )
            found[int(aid)] = info
    _add_matched(db, found)
    _add_corrections(db, found)
    return found


def _decoded(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _matched_id(info: dict[str, Any]) -> int | None:
    matched = info.get("matched")
    if isinstance(matched, dict):
        value = matched.get("article_id")
    else:  # the first version's keys
        value = info.get("matched_article_id") or info.get("closest_article_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _add_matched(db: AnyConnection, found: dict[int, dict[str, Any]]) -> None:
    wanted = sorted({m for info in found.values() if (m := _matched_id(info)) is not None})
    rows: dict[int, dict[str, Any]] = {}
    for part in _chunks(wanted):
        sql = (
            f"SELECT a.id, a.title, a.summary, a.title_derived, a.story_id, {FEED_LABEL_SQL} "
            f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({_marks(part)})"
        )
        for aid, title, summary, derived, story, feed in db.execute(sql, part):
            rows[int(aid)] = {
                "title": title,
                "feed": feed,
                "title_derived": bool(derived),
                "text": f"{'' if derived else title}\n{summary or ''}",
                "story_id": story,
            }
    for info in found.values():
        matched = _matched_id(info)
        if matched is not None and matched in rows:
            info["matched_info"] = rows[matched]


def _add_corrections(db: AnyConnection, found: dict[int, dict[str, Any]]) -> None:
    """The corrections of each locked article: its own splits and merges (a merge
    records each article it moved), and a store's older merge rows, one per story, that
    name the story it is in."""
    locked = {aid: info for aid, info in found.items() if info.get("locked")}
    for info in found.values():
        info.setdefault("corrections", [])
    if not locked:
        return
    ids = sorted(locked)
    stories = sorted({info["story_id"] for info in locked.values() if info.get("story_id")})
    rows = []
    for part in _chunks(ids):
        rows += db.execute(
            "SELECT id, kind, article_id, story_id, into_story_id, created_at FROM corrections "
            f"WHERE article_id IN ({_marks(part)})",
            part,
        ).fetchall()
    for part in _chunks(stories):
        rows += db.execute(
            "SELECT id, kind, article_id, story_id, into_story_id, created_at FROM corrections "
            f"WHERE kind = 'merge' AND into_story_id IN ({_marks(part)})",
            part,
        ).fetchall()
    for _, kind, article, story, into, at in sorted(set(rows)):
        for aid, info in locked.items():
            if article == aid or (article is None and into == info.get("story_id")):
                info["corrections"].append(
                    {"kind": kind, "story_id": story, "into_story_id": into, "at": at}
                )


def _chunks(items: Sequence[int]) -> list[list[int]]:
    return [list(items[i : i + _CHUNK]) for i in range(0, len(items), _CHUNK)]


def _marks(part: Sequence[int]) -> str:
    return ",".join("?" * len(part))
