"""Stories in the store: reads, the story row's derived columns, and user corrections.

A user's correction (an article split out of its story, two stories merged) is recorded
in ``corrections`` and pins the articles it touched (``articles.story_locked``);
clustering never moves a locked article, so re-clustering never undoes a correction.
A merged story keeps its row with ``merged_into`` set, so links to it (alerts, a
digest read earlier) still lead to the story it became.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from chipwatch.errors import UserError
from chipwatch.model import Article, Story
from chipwatch.store.queries import articles_by_ids
from chipwatch.textsafe import clean_title
from chipwatch.timeutil import iso

_MAX_MERGE_HOPS = 64


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


# --------------------------------------------------------------------------- reads


def resolve_story_id(db: Database, story_id: int) -> int:
    """Follow ``merged_into`` to the story a merged one became."""
    current = story_id
    for _ in range(_MAX_MERGE_HOPS):
        row = db.execute("SELECT merged_into FROM stories WHERE id = ?", [current]).fetchone()
        if row is None or row[0] is None:
            return current
        current = int(row[0])
    return current


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
        first_seen=row["first_seen"],
        last_updated=row["last_updated"],
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
    """Why an article is in its story: the stored score and parts, plus corrections."""
    row = db.execute(
        "SELECT story_id, story_locked, cluster_score, cluster_explain FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        raise UserError(f"no article with id {article_id}")
    story_id, locked, score, raw = row
    explanation: dict[str, Any] = json.loads(raw) if raw else {}
    explanation.update(
        {"article_id": article_id, "story_id": story_id, "locked": bool(locked), "score": score}
    )
    corrections = db.execute(
        "SELECT kind, story_id, into_story_id, created_at FROM corrections "
        "WHERE article_id = ? ORDER BY id",
        [article_id],
    ).fetchall()
    matched = explanation.get("matched_article_id")
    if matched:
        found = db.execute(
            "SELECT a.title, COALESCE(NULLIF(f.name, ''), f.title, f.url) FROM articles a "
            "JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
            [matched],
        ).fetchone()
        if found:
            explanation["matched_title"], explanation["matched_feed"] = found
    explanation["corrections"] = [
        {"kind": k, "story_id": s, "into_story_id": i, "at": at} for k, s, i, at in corrections
    ]
    return explanation


# --------------------------------------------------------------------------- derived row


def refresh_story(db: Database, story_id: int, *, languages: Sequence[str]) -> None:
    """Recompute a story row from its articles: headline, times, counts, languages.

    A story left without articles keeps its row (alerts may point at it) with zero
    counts.
    """
    members = db.execute(
        "SELECT id, feed_id, lang, published, title, summary FROM articles WHERE story_id = ?",
        [story_id],
    ).fetchall()
    if not members:
        db.execute(
            "UPDATE stories SET article_count = 0, outlet_count = 0 WHERE id = ?", [story_id]
        )
        return
    shared = _shared_entity_counts(db, story_id)
    candidates = [
        HeadlineCandidate(aid, lang, published, title or _first_line(summary), shared.get(aid, 0))
        for aid, _, lang, published, title, summary in members
    ]
    best = choose_headline(candidates, languages)
    assert best is not None
    languages_present = sorted({m[2] for m in members})
    db.execute(
        "UPDATE stories SET title = ?, headline_article_id = ?, first_seen = ?, "
        "last_updated = ?, article_count = ?, outlet_count = ?, languages = ? WHERE id = ?",
        [
            clean_title(best.title),
            best.article_id,
            min(m[3] for m in members),
            max(m[3] for m in members),
            len(members),
            len({m[1] for m in members}),
            json.dumps(languages_present),
            story_id,
        ],
    )


def _first_line(summary: str) -> str:
    from chipwatch.feeds.similarity import first_sentence

    return first_sentence(summary or "")


def _shared_entity_counts(db: Database, story_id: int) -> dict[int, int]:
    rows = db.execute(
        "SELECT DISTINCT e.article_id, e.entity FROM article_entities e "
        "JOIN articles a ON a.id = e.article_id WHERE a.story_id = ?",
        [story_id],
    ).fetchall()
    per_entity = Counter(entity for _, entity in rows)
    counts: dict[int, int] = defaultdict(int)
    for article_id, entity in rows:
        if per_entity[entity] > 1:
            counts[article_id] += 1
    return counts


def create_story(db: Database, *, published: datetime, now: datetime) -> int:
    """A new, empty story row; :func:`refresh_story` fills it once articles join."""
    stamp = iso(published)
    cursor = db.execute(
        "INSERT INTO stories (title, first_seen, last_updated, created_at) VALUES ('', ?, ?, ?)",
        [stamp, stamp, iso(now)],
    )
    return int(cursor.lastrowid or 0)


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
    return None if row is None else StoryState(*row[:7], bool(row[7]))


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
    return new_story


def merge_stories(
    db: Database,
    story_id: int,
    into_story_id: int,
    *,
    now: datetime,
    languages: Sequence[str] = ("en",),
) -> None:
    """Move every article of ``story_id`` into ``into_story_id`` and lock them there."""
    source = resolve_story_id(db, story_id)
    target = resolve_story_id(db, into_story_id)
    if source == target:
        raise UserError(f"story {story_id} is already story {into_story_id}")
    for sid in (source, target):
        if db.execute("SELECT 1 FROM stories WHERE id = ?", [sid]).fetchone() is None:
            raise UserError(f"no story with id {sid}")
    db.execute("UPDATE articles SET story_locked = 1 WHERE story_id IN (?, ?)", [source, target])
    db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [target, source])
    db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [target, source])
    db.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", [target, source])
    db.execute(
        "INSERT INTO corrections (kind, story_id, into_story_id, created_at) "
        "VALUES ('merge', ?, ?, ?)",
        [source, target, iso(now)],
    )
    refresh_story(db, source, languages=languages)
    refresh_story(db, target, languages=languages)


def _parse(text: str) -> datetime:
    from chipwatch.timeutil import from_iso

    return from_iso(text)
