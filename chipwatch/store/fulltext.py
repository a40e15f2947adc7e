"""The article_texts table: an article page's main text, or why there is none, per page URL.

Written by the monitor's reader (on demand) and by ingest for ``full_text`` feeds
(:mod:`chipwatch.pipeline.fulltext`), read by both and by the clusterer's index
(:func:`chipwatch.store.clustering.clustered_articles`). No sqlite_utils here: the
monitor's reads use it on their plain sqlite3 connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from chipwatch.model import ArticleText
from chipwatch.timeutil import from_iso, iso

if TYPE_CHECKING:
    from sqlite_utils import Database

    from chipwatch.store.db import AnyConnection

_COLUMNS = (
    "url, status, text, error, http_status, etag, last_modified, final_url, extractor, fetched_at"
)
# A text saved again keeps analysed = 1: the reader refreshing a page a full_text feed
# analysed must not hide it from the clusterer's index.
_SAVE = (
    f"INSERT INTO article_texts ({_COLUMNS}, analysed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(url) DO UPDATE SET status = excluded.status, text = excluded.text, "
    "error = excluded.error, http_status = excluded.http_status, etag = excluded.etag, "
    "last_modified = excluded.last_modified, final_url = excluded.final_url, "
    "extractor = excluded.extractor, fetched_at = excluded.fetched_at, "
    "analysed = max(analysed, excluded.analysed)"
)
_CHUNK = 500  # URLs per IN list (SQLite allows 32,766 parameters; stay well below)


def _text(row: Sequence[Any]) -> ArticleText:
    url, status, text, error, http_status, etag, last_modified, final_url, extractor, at = row
    return ArticleText(
        url=url,
        status=status,
        fetched_at=from_iso(at),
        extractor=extractor,
        text=text,
        error=error,
        http_status=http_status,
        etag=etag,
        last_modified=last_modified,
        final_url=final_url,
    )


def get_text(db: AnyConnection, url: str) -> ArticleText | None:
    """The stored text of the page at ``url``, if it was ever fetched."""
    row = db.execute(f"SELECT {_COLUMNS} FROM article_texts WHERE url = ?", [url]).fetchone()
    return _text(row) if row is not None else None


def texts_for(db: AnyConnection, urls: Iterable[str]) -> dict[str, ArticleText]:
    """The stored texts of these pages, by URL (pages never fetched are left out)."""
    wanted = list(dict.fromkeys(u for u in urls if u))
    found: dict[str, ArticleText] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM article_texts WHERE url IN ({marks})", chunk
        ).fetchall()
        found.update((row[0], _text(row)) for row in rows)
    return found


def save_texts(db: Database, texts: Iterable[ArticleText], *, analysed: bool = False) -> None:
    """Store these texts (replacing older ones of the same pages), inside the caller's
    transaction. ``analysed``: tagging and clustering saw them (a full_text feed)."""
    db.conn.executemany(
        _SAVE,
        [
            (
                t.url,
                str(t.status),
                t.text,
                t.error,
                t.http_status,
                t.etag,
                t.last_modified,
                t.final_url,
                t.extractor,
                iso(t.fetched_at),
                int(analysed),
            )
            for t in texts
        ],
    )


def mark_analysed(db: Database, urls: Iterable[str]) -> None:
    """These pages' stored texts were given to tagging and clustering."""
    db.conn.executemany("UPDATE article_texts SET analysed = 1 WHERE url = ?", [(u,) for u in urls])
