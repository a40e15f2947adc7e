"""Stories in the store: reads, the story row's derived columns, and user corrections.

A user's correction (an article split out of its story, two stories merged) is recorded
in ``corrections`` and pins the articles it touched (``articles.story_locked``);
clustering never moves a locked article, so re-clustering never undoes a correction.
A merged story keeps its row with ``merged_into`` set, so links to it (alerts, a
digest read earlier) still lead to the story it became. Watch alerts follow a
correction: a merged story's alerts join the story it became, and a split article
takes the alert it raised to its new story.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from chipwatch.errors import UserError
from chipwatch.model import Article, Story
from chipwatch.store.alerts import follow_articles, follow_merges
from chipwatch.store.explain import explanation_contexts
from chipwatch.store.merged import resolve_story_id
from chipwatch.store.queries import articles_by_ids
from chipwatch.store.story_rows import (  # re-exported: the story row's upkeep
    HeadlineCandidate as HeadlineCandidate,
)
from chipwatch.store.story_rows import StoryState as StoryState
from chipwatch.store.story_rows import add_to_story as add_to_story
from chipwatch.store.story_rows import choose_headline as choose_headline
from chipwatch.store.story_rows import create_stories as create_stories
from chipwatch.store.story_rows import create_story as create_story
from chipwatch.store.story_rows import refresh_stories as refresh_stories
from chipwatch.store.story_rows import refresh_story as refresh_story
from chipwatch.store.story_rows import start_story as start_story
from chipwatch.store.story_rows import story_state as story_state
from chipwatch.timeutil import iso, stored_iso

# --------------------------------------------------------------------------- reads


def story_counts(db: Database, story_id: int) -> tuple[str, int, int, list[str]]:
    """``(title, articles, outlets, languages)`` of a story row as it is now (a poll's
    story event); an unknown id gives ``("", 0, 0, [])``."""
    row = db.conn.execute(_STORY_COUNTS, [story_id]).fetchone()
    title, articles, outlets, languages = row if row else ("", 0, 0, "[]")
    return title, articles, outlets, list(_parsed_list(languages or "[]"))


_STORY_COUNTS = "SELECT title, article_count, outlet_count, languages FROM stories WHERE id = ?"


@lru_cache(maxsize=256)  # a store holds few distinct language lists
def _parsed_list(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def get_story(db: Database, story_id: int) -> Story | None:
    """A story by id (a merged story's id leads to the story it was merged into)."""
    target = resolve_story_id(db, story_id)
    rows = list(db.query("SELECT * FROM stories WHERE id = ?", [target]))
    if not rows:
        return None
    row = rows[0]
    return Story(
        id=row["id"],
        title=row["title"],
        first_seen=stored_iso(row["first_seen"]),
        last_updated=stored_iso(row["last_updated"]),
        article_count=row["article_count"],
        outlet_count=row["outlet_count"],
        languages=tuple(json.loads(row["languages"])),
        pinned=bool(row["pinned"]),
        read=bool(row["read"]),
    )


def story_articles(db: Database, story_id: int) -> list[Article]:
    """The articles of a story with their feed names, oldest first."""
    target = resolve_story_id(db, story_id)
    ids = [
        row[0]
        for row in db.execute(
            "SELECT id FROM articles WHERE story_id = ? ORDER BY published, id", [target]
        )
    ]
    by_id = {a.id: a for a in articles_by_ids(db, ids)}
    return [by_id[i] for i in ids if i in by_id]


def story_entities(db: Database, story_id: int) -> list[tuple[str, str, int]]:
    """``(name, kind, mentions)`` over all the story's articles, most mentioned first."""
    target = resolve_story_id(db, story_id)
    rows = db.execute(
        "SELECT e.entity, e.kind, count(*) AS mentions FROM article_entities e "
        "JOIN articles a ON a.id = e.article_id WHERE a.story_id = ? "
        "GROUP BY e.entity, e.kind ORDER BY mentions DESC, e.entity",
        [target],
    ).fetchall()
    return [(name, kind, int(mentions)) for name, kind, mentions in rows]


def explain_article(db: Database, article_id: int) -> dict[str, Any]:
    """Why an article is in its story: the stored explanation, with what saying it
    needs (:func:`chipwatch.store.explain.explanation_contexts`: the matched article as
    it is now, the corrections that touched the article) and its story, lock, score."""
    found = explanation_contexts(db, [article_id]).get(article_id)
    if found is None:
        raise UserError(f"no article with id {article_id}")
    score = db.execute("SELECT cluster_score FROM articles WHERE id = ?", [article_id]).fetchone()
    found["score"] = score[0] if score and score[0] is not None else found.get("score", 0.0)
    matched = found.get("matched_info")
    if matched:
        found["matched_title"], found["matched_feed"] = matched["title"], matched["feed"]
    return found


# --------------------------------------------------------------------------- derived row


# --------------------------------------------------------------------------- corrections


def split_article(
    db: Database, article_id: int, *, now: datetime, languages: Sequence[str] = ("en",)
) -> int:
    """Move an article out of its story into a new story of its own; returns its id.

    The article is locked there, and the correction is recorded.
    """
    row = db.execute(
        "SELECT story_id, published FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if row is None:
        raise UserError(f"no article with id {article_id}")
    old_story, published = row
    new_story = create_story(db, published=_parse(published), now=now)
    db.execute(
        "UPDATE articles SET story_id = ?, story_locked = 1 WHERE id = ?", [new_story, article_id]
    )
    db.execute(
        "INSERT INTO corrections (kind, article_id, story_id, into_story_id, created_at)"
        " VALUES ('split', ?, ?, ?, ?)",
        [article_id, old_story, new_story, iso(now)],
    )
    refresh_story(db, new_story, languages=languages)
    if old_story is not None:
        refresh_story(db, old_story, languages=languages)
    follow_articles(db)  # the alert it raised goes with it
    return new_story


def merge_stories(
    db: Database,
    story_id: int,
    into_story_id: int,
    *,
    now: datetime,
    languages: Sequence[str] = ("en",),
) -> None:
    """Move every article of ``story_id`` into ``into_story_id`` and lock both stories'
    articles there (a later pass moves none of them); each moved article's correction is
    recorded."""
    source = resolve_story_id(db, story_id)
    target = resolve_story_id(db, into_story_id)
    if source == target:
        raise UserError(f"story {story_id} is already story {into_story_id}")
    for sid in (source, target):
        if db.execute("SELECT 1 FROM stories WHERE id = ?", [sid]).fetchone() is None:
            raise UserError(f"no story with id {sid}")
    db.execute("UPDATE articles SET story_locked = 1 WHERE story_id IN (?, ?)", [source, target])
    # One correction per article moved, so the target's own articles keep their reason
    # for being there (they are locked, not moved). A store from before this recorded
    # one row for the story (no article): it still reads as every locked article's.
    db.execute(
        "INSERT INTO corrections (kind, article_id, story_id, into_story_id, created_at) "
        "SELECT 'merge', id, ?, ?, ? FROM articles WHERE story_id = ? ORDER BY id",
        [source, target, iso(now), source],
    )
    db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [target, source])
    db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [target, source])
    db.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", [target, source])
    refresh_story(db, source, languages=languages)
    refresh_story(db, target, languages=languages)
    follow_merges(db, [(source, target)])  # one alert per (watch, story) stays true


def _parse(text: str) -> datetime:
    from chipwatch.timeutil import from_iso

    return from_iso(text)
