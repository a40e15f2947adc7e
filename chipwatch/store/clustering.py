"""What clustering reads and writes (:mod:`chipwatch.clustering`): the clustered
articles its candidate index is built from, an article's placement, and the record of
an assignment. The story rows themselves are kept by :mod:`chipwatch.store.story_rows`.

All of it runs inside the ingest transaction of the caller.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chipwatch.model import Article, EntityMatch, join_body_matches, with_body
from chipwatch.store.db import plain
from chipwatch.timeutil import from_iso, iso

if TYPE_CHECKING:  # annotations only: an unchanged poll never imports sqlite_utils
    from sqlite_utils import Database

    from chipwatch.store.db import AnyConnection

_PLACEMENT = "SELECT story_id, story_locked, feed_id, key FROM articles WHERE id = ?"
_MARK = "INSERT OR IGNORE INTO unsettled (article_id) VALUES (?)"
_ASSIGN = "UPDATE articles SET story_id = ?, cluster_score = ?, cluster_explain = ? WHERE id = ?"


def newest_clustered(db: Database) -> datetime | None:
    """The published time of the newest article in a story (None: none is)."""
    row = db.execute("SELECT max(published) FROM articles WHERE story_id IS NOT NULL").fetchone()
    return None if row is None or row[0] is None else from_iso(row[0])


def story_of(db: Database, article_id: int) -> int | None:
    """The story an article is in (None: not placed, or no such article)."""
    row = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
    return None if row is None else row[0]


def placement(db: Database, article_id: int) -> tuple[int | None, bool, int, str]:
    """``(story id, placed by hand, feed id, key)`` of a stored article."""
    row = db.conn.execute(_PLACEMENT, [article_id]).fetchone()
    if row is None:
        raise ValueError(f"article {article_id} is not in the store")
    story_id, locked, feed_id, key = row
    return story_id, bool(locked), int(feed_id), str(key)


def record_assignment(
    db: Database, article_id: int, story_id: int, *, score: float, explanation: str
) -> None:
    """An article's story, its score (rounded as stored) and its explanation (JSON)."""
    db.conn.execute(_ASSIGN, [story_id, round(score, 4), explanation, article_id])


def leave_story(db: Database, old_story: int, new_story: int, *, languages: Sequence[str]) -> None:
    """An updated article moved on: the old story shrinks; left empty, it (and any
    story merged into it) points at the new one, so alerts on it still lead somewhere
    and one hop of ``merged_into`` always reaches a live story."""
    from chipwatch.store.story_rows import refresh_story  # the article path only

    refresh_story(db, old_story, languages=languages)
    empty = db.execute("SELECT article_count FROM stories WHERE id = ?", [old_story]).fetchone()
    if empty is not None and empty[0] == 0:
        db.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [new_story, old_story])
        db.execute(
            "UPDATE stories SET merged_into = ? WHERE merged_into = ?", [new_story, old_story]
        )


ClusteredRow = tuple[int, int, int, Article]  # (article id, story id, feed id, article)
_COLUMNS = (
    "SELECT a.id, a.story_id, a.feed_id, a.lang, a.published, a.title, a.summary, "
    "a.url, a.guid, a.key, a.published_estimated, a.title_derived, t.text FROM articles a "
    "LEFT JOIN article_texts t "
    "ON t.url = a.url AND a.url != '' AND t.analysed = 1 AND t.status = 'ok'"
)


def clustered_articles(
    db: Database,
    *,
    since: datetime,
    until: datetime | None = None,
    limit: int | None = None,
    settled_only: bool = False,
) -> tuple[list[ClusteredRow], dict[int, list[EntityMatch]]]:
    """The clustered articles published in ``[since, until]``, oldest first (at most
    ``limit``), and their entity mentions by article id. ``settled_only``: leave out
    the articles waiting for the settle pass. An article whose page text tagging and
    clustering saw (a full_text feed) comes back as they saw it
    (:func:`chipwatch.model.with_body`)."""
    where = "a.published >= ? AND a.story_id IS NOT NULL"
    params: list[Any] = [iso(since)]
    if until is not None:
        where += " AND a.published <= ?"
        params.append(iso(until))
    if settled_only:
        where += " AND a.id NOT IN (SELECT article_id FROM unsettled)"
    tail = f" LIMIT {int(limit)}" if limit else ""
    return _read(db, where, params, f" ORDER BY a.published{tail}")


def articles_for_clustering(
    db: Database, ids: Sequence[int]
) -> tuple[list[tuple[int, int | None, int, Article]], dict[int, list[EntityMatch]]]:
    """The given articles (story id None when not placed yet) and their mentions."""
    rows: list[tuple[int, int | None, int, Article]] = []
    matches: dict[int, list[EntityMatch]] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        got, found = _read(db, f"a.id IN ({','.join('?' * len(part))})", part, "")
        rows += got
        matches.update(found)
    return rows, matches


def _read(
    db: Database, where: str, params: Sequence[Any], tail: str
) -> tuple[list[Any], dict[int, list[EntityMatch]]]:
    """Rows and mentions for ``where``; a page text clustering saw joins its article
    (and its mentions, which were found in the summary and the body together)."""
    rows = []
    bodies: dict[int, str] = {}
    for row in db.execute(f"{_COLUMNS} WHERE {where}{tail}", list(params)).fetchall():
        aid, sid, fid, article = _row(row[:-1])
        if row[-1]:
            bodies[aid] = article.summary
            article = with_body(article, row[-1])
        rows.append((aid, sid, fid, article))
    matches = _matches_for(db, where, list(params))
    for aid, summary in bodies.items():
        if aid in matches:
            matches[aid] = join_body_matches(matches[aid], summary)
    return rows, matches


def _row(row: Sequence[Any]) -> tuple[int, Any, int, Article]:
    aid, sid, fid, lang, published, title, summary, url, guid, key, estimated, derived = row
    article = Article(
        key=key,
        feed_url="",
        title=title,
        summary=summary,
        url=url,
        published=from_iso(published),
        fetched_at=from_iso(published),
        guid=guid,
        lang=lang,
        published_estimated=bool(estimated),
        title_derived=bool(derived),
    )
    return aid, sid, fid, article


def _matches_for(db: Database, where: str, params: list[Any]) -> dict[int, list[EntityMatch]]:
    found: dict[int, list[EntityMatch]] = {}
    rows = db.execute(
        'SELECT e.article_id, e.entity, e.kind, e.field, e.start, e."end" FROM '
        f"article_entities e JOIN articles a ON a.id = e.article_id WHERE {where}",
        params,
    ).fetchall()
    for aid, entity, kind, field, start, end in rows:
        found.setdefault(aid, []).append(EntityMatch(entity, kind, field, start, end, ""))
    return found


# ---- the settle pass's bookkeeping


def mark_unsettled(db: Database, article_id: int) -> None:
    """The article was placed provisionally (or not yet): the settle pass decides."""
    db.conn.execute(_MARK, [article_id])


def mark_unsettled_many(db: Database, article_ids: Sequence[int]) -> None:
    """:func:`mark_unsettled` of each article, in one statement."""
    db.conn.executemany(_MARK, [(article_id,) for article_id in article_ids])


def has_unsettled(db: AnyConnection) -> bool:
    """Some article waits for the settle pass."""
    return settle_pending(plain(db))


def settle_pending(conn: sqlite3.Connection) -> bool:
    """:func:`has_unsettled` on a plain connection (a reader's): a round's articles are
    written but its settle pass, and so its watch alerts, have not committed yet."""
    return conn.execute("SELECT 1 FROM unsettled LIMIT 1").fetchone() is not None


def unsettled_ids(db: Database) -> list[int]:
    """Articles waiting for the settle pass."""
    return [int(row[0]) for row in db.conn.execute("SELECT article_id FROM unsettled")]


def keep_features(db: Database, items: Sequence[tuple[int, bytes]]) -> None:
    """``(article id, encoded features)`` of new articles waiting for the settle pass
    (those not waiting keep nothing): the pass reads them back (:func:`kept_features`)
    instead of computing them again. Each goes with its ``unsettled`` row."""
    db.conn.executemany(
        "UPDATE unsettled SET features = ? WHERE article_id = ?",
        [(data, article_id) for article_id, data in items],
    )


KeptRow = tuple[int, int | None, int, str, str, bytes]
# An article waiting for the pass whose kept features the pass reads (see kept_features).
_SERVED = (
    "u.features IS NOT NULL AND NOT EXISTS (SELECT 1 FROM article_texts t WHERE "
    "t.url = a.url AND a.url != '' AND t.analysed = 1 AND t.status = 'ok')"
)
_KEPT = (
    "SELECT a.id, a.story_id, a.feed_id, a.published, a.key, u.features FROM unsettled u "
    f"JOIN articles a ON a.id = u.article_id WHERE {_SERVED} AND u.article_id IN "
)


def unkept_count(db: Database) -> int:
    """Articles waiting for the settle pass whose features it computes again (none
    kept, or a page text clustering reads): :func:`kept_features` leaves them out."""
    sql = f"SELECT COUNT(*) FROM unsettled u JOIN articles a ON a.id = u.article_id WHERE NOT ({_SERVED})"
    return int(db.conn.execute(sql).fetchone()[0])


def round_keys(db: Database, ids: Sequence[int]) -> dict[int, str]:
    """The given articles' keys, by id."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        sql = f"SELECT id, key FROM articles WHERE id IN ({','.join('?' * len(part))})"
        found.update((int(i), str(k)) for i, k in db.conn.execute(sql, part))
    return found


def kept_features(db: Database, ids: Sequence[int]) -> list[KeptRow]:
    """Of the given articles, those waiting for the settle pass with their features
    kept: ``(id, story id, feed id, published as stored, key, encoded features)``. An
    article with a page text clustering reads (a full_text feed's) is left out: its
    features are computed from the stored text, whatever text the worker saw."""
    found: list[KeptRow] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        found += db.conn.execute(f"{_KEPT}({','.join('?' * len(part))})", part).fetchall()
    return found


def clear_unsettled(db: Database, ids: Sequence[int]) -> None:
    """The settle pass placed these (their kept features go with them)."""
    db.conn.executemany("DELETE FROM unsettled WHERE article_id = ?", [(i,) for i in ids])


def story_members(db: Database, story_ids: Sequence[int]) -> dict[int, list[int]]:
    """Article ids of each story, by story id."""
    found: dict[int, list[int]] = {sid: [] for sid in story_ids}
    for start in range(0, len(story_ids), 500):
        part = list(story_ids[start : start + 500])
        sql = f"SELECT story_id, id FROM articles WHERE story_id IN ({','.join('?' * len(part))})"
        for sid, aid in db.conn.execute(sql, part):
            found[int(sid)].append(int(aid))
    return found


def locked_articles(db: Database, ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` a user placed by hand."""
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        sql = f"SELECT id FROM articles WHERE story_locked = 1 AND id IN ({','.join('?' * len(part))})"
        found.update(int(row[0]) for row in db.conn.execute(sql, part))
    return found


def move_articles(db: Database, moves: Sequence[tuple[int, int, float, str]]) -> None:
    """``(article id, story id, score, explanation)`` for each article the settle pass
    placed (moved or only re-explained)."""
    db.conn.executemany(
        "UPDATE articles SET story_id = ?, cluster_score = ?, cluster_explain = ? WHERE id = ?",
        [(story, round(score, 4), why, article) for article, story, score, why in moves],
    )


def merge_story_rows(db: Database, merges: Sequence[tuple[int, int]]) -> None:
    """Each ``(story, into)``: the story now lives on as ``into`` (its row stays, so
    links to it lead there), and so do the stories merged into it before."""
    for story, into in merges:
        db.conn.execute("UPDATE stories SET merged_into = ? WHERE id = ?", [into, story])
        db.conn.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", [into, story])


def current_stories(db: Database, ids: Sequence[int]) -> dict[int, int]:
    """The story each of the (placed) articles is in now."""
    found: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        sql = (
            "SELECT id, story_id FROM articles WHERE story_id IS NOT NULL "
            f"AND id IN ({','.join('?' * len(part))})"
        )
        for aid, sid in db.conn.execute(sql, part):
            found[int(aid)] = int(sid)
    return found


def move_story_articles(db: Database, story_id: int, into: int) -> None:
    """Every article of ``story_id`` now belongs to ``into`` (a merge)."""
    db.conn.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [into, story_id])


def settled_near(
    db: Database, *, since: datetime, until: datetime | None = None
) -> list[tuple[int, datetime]]:
    """The settled articles in a story published in ``[since, until]``: (id, published)."""
    where = "published >= ? AND story_id IS NOT NULL"
    params: list[Any] = [iso(since)]
    if until is not None:
        where += " AND published <= ?"
        params.append(iso(until))
    where += " AND id NOT IN (SELECT article_id FROM unsettled)"
    rows = db.execute(f"SELECT id, published FROM articles WHERE {where}", params)
    return [(int(r[0]), from_iso(r[1])) for r in rows]


def clustered_count(db: Database) -> int:
    """How many articles are in a story."""
    row = db.execute("SELECT count(*) FROM articles WHERE story_id IS NOT NULL").fetchone()
    return int(row[0]) if row else 0


def has_settled(db: Database) -> bool:
    """Some article is in a story the settle pass decided (False: a first import)."""
    row = db.conn.execute(
        "SELECT 1 FROM articles WHERE story_id IS NOT NULL "
        "AND id NOT IN (SELECT article_id FROM unsettled) LIMIT 1"
    ).fetchone()
    return row is not None


def unsettled_by_time(db: Database) -> tuple[array[int], bytearray]:
    """The articles waiting for the settle pass, oldest first (published as stored, then
    id): their ids, and for each a 1 when it was published at the same stored time as
    the one before it. Flat arrays: ~9 bytes an article, for a first import's sweep."""
    ids: array[int] = array("q")
    same = bytearray()
    previous = None
    for article_id, published in db.conn.execute(
        "SELECT a.id, a.published FROM unsettled u JOIN articles a ON a.id = u.article_id "
        "ORDER BY a.published, a.id"
    ):
        ids.append(int(article_id))
        same.append(published == previous)
        previous = published
    return ids, same


def unsettled_key_ranks(db: Database) -> Iterator[tuple[int, int]]:
    """The articles waiting for the settle pass by id, each with its key's rank among
    theirs (0: the first key in code point order, which is SQLite's byte order of
    UTF-8). A first import's sweep ranks its candidates by key without holding the
    keys (issue 20)."""
    for article_id, rank in db.conn.execute(
        "SELECT id, rank FROM (SELECT a.id AS id, ROW_NUMBER() OVER (ORDER BY a.key) - 1 "
        "AS rank FROM unsettled u JOIN articles a ON a.id = u.article_id) ORDER BY id"
    ):
        yield int(article_id), int(rank)
