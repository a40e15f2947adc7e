"""Writing a feed's articles: new, edited or unchanged, decided by one read of their keys.

:func:`upsert_article` writes one; the ingest writer uses :func:`plan_articles`, then
:func:`insert_new_articles` (one statement for every new article of a feed) and
:func:`update_article` for each edited one. The writer also keeps ``query_special``
(articles whose text FTS5 folds differently from the query language; see
:mod:`chipwatch.store.search`), which triggers kept before migration m004. All of it
runs inside the caller's :func:`~chipwatch.store.db.write_transaction`. The names are
re-exported by :mod:`chipwatch.store.queries`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Literal

from chipwatch.model import Article
from chipwatch.timeutil import iso

if TYPE_CHECKING:  # only for hints: the writers take any connection with execute()
    from sqlite_utils import Database

UpsertOutcome = Literal["new", "updated", "same"]

_CHUNK = 500  # bound parameters per IN (...) list, rows per INSERT
_INSERT = (
    "INSERT INTO articles (key, feed_id, guid, url, title, summary, author, lang, "
    "published, published_estimated, fetched_at, updated_at, content_hash, title_derived)"
)
_COLUMNS = 14
_ROW_MARKS = "(" + ",".join("?" * _COLUMNS) + ")"


def upsert_article(
    db: Database, article: Article, *, feed_id: int, now: datetime
) -> tuple[int, UpsertOutcome]:
    """Insert an article, or update it if its key is known and its text changed.

    Returns ``(article_id, outcome)``. Re-ingesting an unchanged entry is ``same`` and
    writes nothing: the same feed fetched twice adds nothing. (A feed's articles are
    written in batches by :func:`plan_articles` and :func:`insert_new_articles`.)
    """
    plan = plan_articles(db, [article])
    change, digest = plan.changes[0], plan.digests[0]
    if change == "new":
        insert_new_articles(db, plan, [article], feed_id=feed_id, now=now)
    elif change == "updated":
        update_article(db, plan.ids[article.key], article, digest=digest, now=now)
    return plan.ids[article.key], change


@dataclass(slots=True)
class ArticlePlan:
    """What writing a feed's articles will do, decided by one read of their keys.

    ``changes[i]``/``digests[i]`` belong to the i-th article; ``ids`` maps each key to
    its row id (keys of new articles once :func:`insert_new_articles` wrote them). A key
    repeated within the feed behaves as if the articles were written one by one: the
    first occurrence is ``new``, a later one ``same`` or ``updated``.
    """

    changes: list[UpsertOutcome]
    digests: list[str]
    ids: dict[str, int]


def plan_articles(db: Database, articles: Sequence[Article]) -> ArticlePlan:
    """Classify ``articles`` as new, updated or same against the store (reads only)."""
    keys = [article.key for article in articles]
    digests = [content_hash(article) for article in articles]
    stored = _stored_hashes(db, keys)
    ids = {key: article_id for key, (article_id, _) in stored.items()}
    return ArticlePlan(_changes(stored, keys, digests), digests, ids)


def classify(db: Database, keys: Sequence[str], digests: Sequence[str]) -> list[UpsertOutcome]:
    """:func:`plan_articles`'s changes from the articles' keys and content hashes alone
    (a long feed's writer decides from those which articles it needs whole)."""
    return _changes(_stored_hashes(db, keys), keys, digests)


def _changes(
    stored: dict[str, tuple[int, str]], keys: Sequence[str], digests: Sequence[str]
) -> list[UpsertOutcome]:
    """New, updated or same, each article against the store and the feed's earlier
    occurrences of its key (as if written one by one)."""
    hashes = {key: digest for key, (_, digest) in stored.items()}
    changes: list[UpsertOutcome] = []
    for key, digest in zip(keys, digests, strict=True):
        old = hashes.get(key)
        changes.append("new" if old is None else "same" if old == digest else "updated")
        hashes[key] = digest
    return changes


def _stored_hashes(db: Database, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    wanted = list(dict.fromkeys(keys))
    for chunk in range(0, len(wanted), _CHUNK):
        part = wanted[chunk : chunk + _CHUNK]
        sql = f"SELECT key, id, content_hash FROM articles WHERE key IN ({_marks(len(part))})"
        for key, article_id, digest in db.conn.execute(sql, part):
            found[key] = (int(article_id), digest)
    return found


def insert_new_articles(
    db: Database, plan: ArticlePlan, articles: Sequence[Article], *, feed_id: int, now: datetime
) -> list[int]:
    """Insert the articles ``plan`` found new, in order, in one statement (per 500);
    returns their ids (also recorded in ``plan.ids``) and lists the special ones in
    ``query_special``."""
    stamp = iso(now)
    fetched: dict[datetime, str] = {}  # a feed's articles were fetched at one time

    def fetched_at(article: Article) -> str:
        text = fetched.get(article.fetched_at)
        if text is None:
            text = fetched[article.fetched_at] = iso(article.fetched_at)
        return text

    rows = [
        (
            article.key,
            feed_id,
            article.guid,
            article.url,
            article.title,
            article.summary,
            article.author,
            article.lang,
            iso(article.published),
            int(article.published_estimated),
            fetched_at(article),
            stamp,
            digest,
            int(article.title_derived),
        )
        for article, change, digest in zip(articles, plan.changes, plan.digests, strict=True)
        if change == "new"
    ]
    if not rows:
        return []
    ids = _insert_rows(db, rows)
    plan.ids.update(zip((row[0] for row in rows), ids, strict=True))
    special = [(i,) for i, row in zip(ids, rows, strict=True) if is_query_special(row[4], row[5])]
    if special:
        db.conn.executemany("INSERT OR IGNORE INTO query_special (article_id) VALUES (?)", special)
    return ids


def _insert_rows(db: Database, rows: Sequence[tuple[object, ...]]) -> list[int]:
    """Insert article rows with multi-row ``INSERT … VALUES``; their ids, in order.

    One statement per chunk rather than one per row: each statement on ``articles``
    makes SQLite open a statement savepoint, and FTS5 writes its pending index data to
    disk at every savepoint, so row-at-a-time inserts (``executemany``) left one tiny
    FTS segment per article to be merged later — about twice the cost of the insert.
    """
    conn = db.conn
    per = max(1, min(_CHUNK, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // _COLUMNS))
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        values = ",".join([_ROW_MARKS] * len(chunk))
        conn.execute(f"{_INSERT} VALUES {values}", [value for row in chunk for value in row])
    # Read back by key rather than INSERT … RETURNING, which needs SQLite 3.35.
    found = _stored_hashes(db, [str(row[0]) for row in rows])
    return [found[str(row[0])][0] for row in rows]


def update_article(
    db: Database, article_id: int, article: Article, *, digest: str, now: datetime
) -> None:
    """Write an edited article's text (``digest``: its :func:`content_hash`)."""
    db.conn.execute(
        "UPDATE articles SET title = ?, summary = ?, url = ?, author = ?, lang = ?, "
        "content_hash = ?, updated_at = ?, title_derived = ? WHERE id = ?",
        [
            article.title,
            article.summary,
            article.url,
            article.author,
            article.lang,
            digest,
            iso(now),
            int(article.title_derived),
            article_id,
        ],
    )
    db.conn.execute("DELETE FROM query_special WHERE article_id = ?", [article_id])
    # Features kept for the settle pass were the old text's: the pass computes them.
    db.conn.execute("UPDATE unsettled SET features = NULL WHERE article_id = ?", [article_id])
    if is_query_special(article.title, article.summary):
        db.conn.execute("INSERT INTO query_special (article_id) VALUES (?)", [article_id])


# The characters FTS5's unicode61 tokenizer folds differently from the query language
# (full-width forms, ligatures, ß, final sigma, dotted I, enclosed numbers, Thai, kana,
# CJK, Hangul): exactly the GLOB class of migration m003, whose triggers m004 replaced.
# Compiled on first use: its ranges cost ~4 ms to compile, paid by every poll that
# imported this module (through ``queries``), an unchanged one included.
@cache
def _special_chars() -> re.Pattern[str]:
    return re.compile(
        "[\uff01-\uffef\ufb00-\ufb06\u00df\u03c2\u0130\u2460-\u24ff\u0e00-\u0e7f"
        "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
    )


def is_query_special(title: str, summary: str) -> bool:
    """Whether an article belongs in ``query_special`` (searches confirm it in memory)."""
    search = _special_chars().search
    return search(title) is not None or search(summary) is not None


def refresh_query_special(db: Database, article_ids: Iterable[int] | None = None) -> int:
    """Recompute ``query_special`` for ``article_ids`` (every article when None).

    The ingest writer keeps the table current; code that inserts or edits ``articles``
    rows itself (test fixtures, benchmark stores) calls this afterwards, in its write
    transaction (or commits after). Returns the number of articles listed among those
    checked.
    """
    rows: Iterable[tuple[int, str, str]]
    if article_ids is None:
        db.conn.execute("DELETE FROM query_special")
        rows = db.conn.execute("SELECT id, title, summary FROM articles")
    else:
        wanted = list(article_ids)
        db.conn.executemany(
            "DELETE FROM query_special WHERE article_id = ?", [(i,) for i in wanted]
        )
        rows = _rows_by_id(db, wanted)
    special = [(i,) for i, title, summary in rows if is_query_special(title, summary)]
    db.conn.executemany("INSERT OR IGNORE INTO query_special (article_id) VALUES (?)", special)
    return len(special)


def _rows_by_id(db: Database, ids: list[int]) -> list[tuple[int, str, str]]:
    rows = []
    for chunk in range(0, len(ids), _CHUNK):
        part = ids[chunk : chunk + _CHUNK]
        sql = f"SELECT id, title, summary FROM articles WHERE id IN ({_marks(len(part))})"
        rows += db.conn.execute(sql, part).fetchall()
    return rows


def _marks(count: int) -> str:
    return ",".join("?" * count)


def content_hash(article: Article) -> str:
    """A short hash of what a reader sees; a changed headline changes it."""
    text = "\x1f".join((article.title, article.summary, article.url))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
