"""A story row's derived columns: headline, times, counts, languages.

:func:`refresh_story` recomputes them from the story's articles; :func:`start_story`
and :func:`add_to_story` keep them current as clustering creates a story or adds an
article to it, without reading every article back. Re-exported by
:mod:`chipwatch.store.stories`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chipwatch.store.db import plain
from chipwatch.textsafe import clean_title, first_sentence
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database


@dataclass(frozen=True, slots=True)
class HeadlineCandidate:
    """What choosing a story's headline looks at, for one article."""

    article_id: int
    lang: str
    published: str
    title: str
    shared_entities: int  # entities it shares with the story's other articles


def choose_headline(
    candidates: Sequence[HeadlineCandidate], languages: Sequence[str]
) -> HeadlineCandidate | None:
    """The most representative article, preferring the reader's languages.

    Order: an article with a title, in the most preferred language present; then the
    one sharing the most entities with the rest of the story; then the earliest.
    """
    if not candidates:
        return None
    rank = {lang: position for position, lang in enumerate(languages)}

    def key(c: HeadlineCandidate) -> tuple[int, int, int, str, int]:
        base = c.lang.split("-")[0]
        return (
            0 if c.title.strip() else 1,
            rank.get(base, len(rank)),
            -c.shared_entities,
            c.published,
            c.article_id,
        )

    return min(candidates, key=key)


# Stories refreshed per read (a first import's settle pass refreshes every story it made;
# a chunk's articles are held at once: ~2 KB a story, at the pass's peak).
REFRESH_CHUNK = 100


def refresh_story(db: Database, story_id: int, *, languages: Sequence[str]) -> None:
    """Recompute a story row from its articles: headline, times, counts, languages.

    A story left without articles keeps its row (alerts may point at it) with zero
    counts.
    """
    refresh_stories(db, [story_id], languages=languages)


def refresh_stories(db: Database, story_ids: Sequence[int], *, languages: Sequence[str]) -> None:
    """:func:`refresh_story` for each of ``story_ids``, in that order: the same rows,
    written by one statement per chunk of stories instead of three statements a story
    (a first import's settle pass refreshes thousands)."""
    conn = plain(db)
    for start in range(0, len(story_ids), REFRESH_CHUNK):
        part = list(story_ids[start : start + REFRESH_CHUNK])
        members = _members(conn, part)
        # An article alone in its story shares nothing: only bigger stories are read.
        shared = _shared_entity_counts(conn, [s for s in part if len(members[s]) > 1])
        rows, empty = [], []
        for story_id in part:
            if members[story_id]:
                found = shared.get(story_id, {})
                rows.append(_story_row(story_id, members[story_id], found, languages))
            else:
                empty.append((story_id,))
        conn.executemany(
            "UPDATE stories SET title = ?, headline_article_id = ?, first_seen = ?, "
            "last_updated = ?, article_count = ?, outlet_count = ?, languages = ? WHERE id = ?",
            rows,
        )
        conn.executemany(
            "UPDATE stories SET article_count = 0, outlet_count = 0 WHERE id = ?", empty
        )


Member = tuple[int, int, str, str, str, str]  # id, feed id, lang, published, title, summary


def _members(conn: sqlite3.Connection, story_ids: list[int]) -> dict[int, list[Member]]:
    found: dict[int, list[Member]] = {story_id: [] for story_id in story_ids}
    marks = ",".join("?" * len(story_ids))
    for story_id, *member in conn.execute(
        "SELECT story_id, id, feed_id, lang, published, title, summary FROM articles "
        f"WHERE story_id IN ({marks})",
        story_ids,
    ):
        found[story_id].append(tuple(member))
    return found


def _story_row(
    story_id: int, members: list[Member], shared: dict[int, int], languages: Sequence[str]
) -> tuple[Any, ...]:
    """The story's derived columns (and its id last), as the UPDATE takes them."""
    candidates = [
        HeadlineCandidate(aid, lang, published, title or _first_line(summary), shared.get(aid, 0))
        for aid, _, lang, published, title, summary in members
    ]
    best = choose_headline(candidates, languages)
    assert best is not None
    languages_present = sorted({m[2] for m in members})
    return (
        clean_title(best.title),
        best.article_id,
        min(m[3] for m in members),
        max(m[3] for m in members),
        len(members),
        len({m[1] for m in members}),
        json.dumps(languages_present),
        story_id,
    )


def _first_line(summary: str) -> str:
    return first_sentence(summary or "")


def _shared_entity_counts(
    conn: sqlite3.Connection, story_ids: list[int]
) -> dict[int, dict[int, int]]:
    """For each story, how many of each article's entities another of its articles
    mentions too."""
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = conn.execute(
        "SELECT DISTINCT a.story_id, e.article_id, e.entity FROM article_entities e "
        f"JOIN articles a ON a.id = e.article_id WHERE a.story_id IN ({marks})",
        story_ids,
    ).fetchall()
    per_entity = Counter((story_id, entity) for story_id, _, entity in rows)
    counts: dict[int, dict[int, int]] = {story_id: defaultdict(int) for story_id in story_ids}
    for story_id, article_id, entity in rows:
        if per_entity[story_id, entity] > 1:
            counts[story_id][article_id] += 1
    return counts


def create_story(db: Database, *, published: datetime, now: datetime) -> int:
    """A new, empty story row; :func:`refresh_story` fills it once articles join."""
    stamp = iso(published)
    cursor = db.execute(
        "INSERT INTO stories (title, first_seen, last_updated, created_at) VALUES ('', ?, ?, ?)",
        [stamp, stamp, iso(now)],
    )
    return int(cursor.lastrowid or 0)


# SQLite's largest rowid: past it, a new row's id is not the largest one plus one.
MAX_ROWID = (1 << 63) - 1


def create_stories(db: Database, published: Sequence[datetime], *, now: datetime) -> list[int]:
    """:func:`create_story` for each of ``published``, in that order, in one statement:
    the ids they would have been given one at a time (the largest id so far plus one,
    SQLite's choice for a table without AUTOINCREMENT)."""
    row = db.conn.execute("SELECT max(id) FROM stories").fetchone()
    first = (row[0] or 0) + 1
    if first - 1 + len(published) > MAX_ROWID:  # never in practice: SQLite picks them
        return [create_story(db, published=p, now=now) for p in published]
    ids = list(range(first, first + len(published)))
    created = iso(now)
    stamps = [iso(p) for p in published]
    db.conn.executemany(
        "INSERT INTO stories (id, title, first_seen, last_updated, created_at) "
        "VALUES (?, '', ?, ?, ?)",
        [(i, stamp, stamp, created) for i, stamp in zip(ids, stamps, strict=True)],
    )
    return ids


def start_story(
    db: Database, *, article_id: int, title: str, lang: str, published: datetime, now: datetime
) -> int:
    """A story made of one article, its row complete (what :func:`refresh_story` would
    compute for it, without reading it back)."""
    stamp = stamp_of(published)
    cursor = db.conn.execute(
        "INSERT INTO stories (title, headline_article_id, first_seen, last_updated, "
        "created_at, article_count, outlet_count, languages) VALUES (?, ?, ?, ?, ?, 1, 1, ?)",
        [clean_title(title), article_id, stamp, stamp, stamp_of(now), _languages_json("[]", lang)],
    )
    return int(cursor.lastrowid or 0)


@dataclass(frozen=True, slots=True)
class StoryState:
    """What :func:`add_to_story` reads of a story row before an article joins it."""

    merged_into: int | None
    article_count: int
    first_seen: str
    last_updated: str
    languages: str  # the stored JSON list
    headline_lang: str | None
    headline_published: str | None
    feed_known: bool  # another article of the story comes from the joining one's feed


def story_state(db: Database, story_id: int, *, feed_id: int, article_id: int) -> StoryState | None:
    """The story row as :func:`add_to_story` needs it for ``article_id`` of ``feed_id``
    (None when there is no such story). Read it before or after the article's own
    ``story_id`` is set: the article itself is left out."""
    row = db.conn.execute(
        "SELECT s.merged_into, s.article_count, s.first_seen, s.last_updated, s.languages, "
        "h.lang, h.published, EXISTS (SELECT 1 FROM articles o WHERE o.story_id = s.id "
        "AND o.feed_id = ? AND o.id != ?) FROM stories s "
        "LEFT JOIN articles h ON h.id = s.headline_article_id WHERE s.id = ?",
        [feed_id, article_id, story_id],
    ).fetchone()
    if row is None:
        return None
    merged_into, count, first_seen, last_updated, languages, lang, published, known = row
    return StoryState(
        merged_into, count, first_seen, last_updated, languages, lang, published, bool(known)
    )


def add_to_story(
    db: Database,
    story_id: int,
    *,
    article_id: int,
    feed_id: int,
    lang: str,
    published: datetime,
    title: str,
    languages: Sequence[str],
    state: StoryState | None = None,
) -> None:
    """Update a story row for one article that just joined it (already stored there).

    Counts, times and languages are updated in place. The headline moves to the new
    article when its language is preferred to the current headline's; the full choice
    (:func:`refresh_story`, which also weighs how representative each article is) is
    made when the story reaches 4, 8, 16… articles, so it stays current at a
    logarithmic cost. ``state``: the story's :func:`story_state` when the caller has
    just read it for this article (it is read here otherwise).
    """
    if state is None:
        state = story_state(db, story_id, feed_id=feed_id, article_id=article_id)
    if state is None or not state.article_count or _full_refresh_due(state.article_count + 1):
        refresh_story(db, story_id, languages=languages)
        return
    stamp = stamp_of(published)
    rank = {code: position for position, code in enumerate(languages)}
    new_rank = rank.get(lang.split("-")[0], len(rank))
    old_rank = rank.get((state.headline_lang or "").split("-")[0], len(rank))
    # With two articles, both share the same entities: the full rule reduces to this.
    preferred = new_rank < old_rank or (
        new_rank == old_rank and stamp < (state.headline_published or stamp)
    )
    # Only the columns whose value changes are written: the times are indexed.
    columns = ["article_count = ?"]
    values: list[Any] = [state.article_count + 1]
    if not state.feed_known:
        columns.append("outlet_count = outlet_count + 1")
    if stamp < state.first_seen:
        columns.append("first_seen = ?")
        values.append(stamp)
    if stamp > state.last_updated:
        columns.append("last_updated = ?")
        values.append(stamp)
    present = _languages_json(state.languages, lang)
    if present != state.languages:
        columns.append("languages = ?")
        values.append(present)
    if preferred and title.strip():
        columns.append("title = ?, headline_article_id = ?")
        values += [clean_title(title), article_id]
    values.append(story_id)
    db.conn.execute(f"UPDATE stories SET {', '.join(columns)} WHERE id = ?", values)


_LANGUAGES_JSON: dict[tuple[str, str], str] = {}


def _languages_json(present: str, lang: str) -> str:
    """The stored languages list ``present`` with ``lang`` added: sorted JSON."""
    key = (present, lang)
    found = _LANGUAGES_JSON.get(key)
    if found is None:
        found = json.dumps(sorted(set(json.loads(present)) | {lang}))
        if len(_LANGUAGES_JSON) < 4096:  # a handful of language sets in practice
            _LANGUAGES_JSON[key] = found
    return found


def stamp_of(value: datetime) -> str:
    """:func:`~chipwatch.timeutil.iso`, faster for the common aware UTC datetime."""
    if value.tzinfo is not UTC or value.year < 1000:
        return iso(value)
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _full_refresh_due(count: int) -> bool:
    """True at 4, 8, 16… articles."""
    return count >= 4 and count & (count - 1) == 0
