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
from datetime import datetime
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
    stamp = iso(published)
    cursor = db.execute(
        "INSERT INTO stories (title, headline_article_id, first_seen, last_updated, "
        "created_at, article_count, outlet_count, languages) VALUES (?, ?, ?, ?, ?, 1, 1, ?)",
        [clean_title(title), article_id, stamp, stamp, iso(now), json.dumps([lang])],
    )
    return int(cursor.lastrowid or 0)


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
) -> None:
    """Update a story row for one article that just joined it (already stored there).

    Counts, times and languages are updated in place. The headline moves to the new
    article when its language is preferred to the current headline's; the full choice
    (:func:`refresh_story`, which also weighs how representative each article is) is
    made when the story reaches 4, 8, 16… articles, so it stays current at a
    logarithmic cost.
    """
    stamp = iso(published)
    row = db.conn.execute(
        "SELECT s.article_count, s.languages, h.lang, h.published, EXISTS (SELECT 1 FROM "
        "articles o WHERE o.story_id = s.id AND o.feed_id = ? AND o.id != ?) FROM stories s "
        "LEFT JOIN articles h ON h.id = s.headline_article_id WHERE s.id = ?",
        [feed_id, article_id, story_id],
    ).fetchone()
    if row is None or not row[0] or _full_refresh_due(row[0] + 1):
        refresh_story(db, story_id, languages=languages)
        return
    count, present, headline_lang, headline_published, feed_known = row
    rank = {code: position for position, code in enumerate(languages)}
    new_rank = rank.get(lang.split("-")[0], len(rank))
    old_rank = rank.get((headline_lang or "").split("-")[0], len(rank))
    # With two articles, both share the same entities: the full rule reduces to this.
    preferred = new_rank < old_rank or (
        new_rank == old_rank and stamp < (headline_published or stamp)
    )
    db.conn.execute(
        "UPDATE stories SET article_count = ?, outlet_count = outlet_count + ?, "
        "first_seen = min(first_seen, ?), last_updated = max(last_updated, ?), "
        "languages = ?, title = CASE WHEN ? THEN ? ELSE title END, "
        "headline_article_id = CASE WHEN ? THEN ? ELSE headline_article_id END WHERE id = ?",
        [
            count + 1,
            int(not feed_known),
            stamp,
            stamp,
            json.dumps(sorted(set(json.loads(present)) | {lang})),
            preferred and bool(title.strip()),
            clean_title(title),
            preferred and bool(title.strip()),
            article_id,
            story_id,
        ],
    )


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
