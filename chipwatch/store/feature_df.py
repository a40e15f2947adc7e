"""The store-wide document frequencies of clustering features (``feature_df``).

One row per (kind, key) with the number of stored articles having it; the number of
articles counted is the meta row ``df_total``. The clusterer loads the table whole
when it starts and writes its changes at the end of each feed's transaction, so the
counts always match the articles committed with them. See
:mod:`chipwatch.clustering.docfreq`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlite_utils import Database

_TOTAL = "df_total"
# The articles the frequencies count: those the clusterer has placed in a story or left
# to the settle pass. A new article inserted by the open feed transaction is neither yet:
# the clusterer counts it when it places it, so a seed must not count it as well.
_COUNTED = "(story_id IS NOT NULL OR id IN (SELECT article_id FROM unsettled))"
_UPSERT = (
    "INSERT INTO feature_df (kind, key, df) VALUES (?, ?, ?) "
    "ON CONFLICT (kind, key) DO UPDATE SET df = df + excluded.df"
)


def load_feature_df(db: Database) -> tuple[dict[str, dict[str, int]], int] | None:
    """Every count by kind, and the total; None when the table was never filled (a
    store older than it: see :func:`seed_feature_df`)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [_TOTAL]).fetchone()
    if row is None:
        return None
    counts: dict[str, dict[str, int]] = {}
    for kind, key, df in db.execute("SELECT kind, key, df FROM feature_df"):
        counts.setdefault(kind, {})[key] = int(df)
    return counts, int(row[0])


def write_feature_df(db: Database, changes: Sequence[tuple[str, str, int]], total: int) -> None:
    """Add ``(kind, key, delta)`` changes and ``total`` more articles (in the caller's
    transaction)."""
    if changes:
        db.conn.executemany(_UPSERT, changes)
        if any(delta < 0 for _, _, delta in changes):
            db.conn.execute("DELETE FROM feature_df WHERE df <= 0")
    db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value",
        [_TOTAL, total],
    )


def counted_articles(db: Database) -> int:
    """How many stored articles the clusterer has counted (placed, or waiting for the
    settle pass): what a seed counts, and what makes a store need one."""
    return int(db.execute(f"SELECT count(*) FROM articles WHERE {_COUNTED}").fetchone()[0])


def seed_feature_df(
    db: Database, prior: Mapping[str, Mapping[str, float]], kinds: Iterable[str]
) -> None:
    """Fill the table for a store that holds articles counted by no one (made before
    the table existed, or filled by hand): entity frequencies are counted from the
    stored tags; the other ``kinds`` start at their prior rate times the number of
    articles, and count exactly from then on (computing every old article's words again
    would take minutes at a million articles). Only the counted articles
    (:func:`counted_articles`): the feed being written counts its own as it places them."""
    total = counted_articles(db)
    db.execute("DELETE FROM feature_df")
    db.execute(
        "INSERT INTO feature_df (kind, key, df) SELECT 'e', entity, count(DISTINCT article_id) "
        f"FROM article_entities WHERE article_id IN (SELECT id FROM articles WHERE {_COUNTED}) "
        "GROUP BY entity"
    )
    seeded = [
        (kind, key, round(rate * total))
        for kind in kinds
        if kind != "e"
        for key, rate in prior.get(kind, {}).items()
        if round(rate * total) > 0
    ]
    db.conn.executemany(_UPSERT, seeded)
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
        [_TOTAL, total, total],
    )
