"""Append-only schema history. Never edit a migration that has shipped: add a new one.

Times are ISO 8601 UTC text (``2025-07-15T08:00:00Z``); JSON lists are TEXT.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlite_utils import Database, Migrations

MIGRATION_SET = "chipwatch"
migrations = Migrations(MIGRATION_SET)


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',          -- the feed's own title
            site_url TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            enabled INTEGER NOT NULL DEFAULT 1,
            etag TEXT,
            last_modified TEXT,
            last_status TEXT NOT NULL DEFAULT 'new',
            last_http_status INTEGER,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,  -- failures in a row
            last_fetch_at TEXT,
            last_ok_at TEXT,
            last_new_at TEXT,                       -- when it last brought a new article
            next_poll_at TEXT,
            retry_after_until TEXT,
            min_interval_s INTEGER,                 -- from ttl / updatePeriod / max-age
            body_hash TEXT,                         -- hash of the last body parsed
            disabled_reason TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            headline_article_id INTEGER,
            first_seen TEXT NOT NULL,               -- earliest article published time
            last_updated TEXT NOT NULL,             -- latest article published time
            created_at TEXT NOT NULL,
            article_count INTEGER NOT NULL DEFAULT 0,
            outlet_count INTEGER NOT NULL DEFAULT 0,
            languages TEXT NOT NULL DEFAULT '[]',
            pinned INTEGER NOT NULL DEFAULT 0,
            read INTEGER NOT NULL DEFAULT 0,
            merged_into INTEGER REFERENCES stories(id)
        );
        CREATE INDEX stories_last_updated ON stories(last_updated);
        CREATE INDEX stories_first_seen ON stories(first_seen);

        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,               -- identity: guid, canonical URL or hash
            feed_id INTEGER NOT NULL REFERENCES feeds(id),
            guid TEXT,
            url TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            lang TEXT NOT NULL DEFAULT 'und',
            published TEXT NOT NULL,
            published_estimated INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            content_hash TEXT NOT NULL DEFAULT '',
            story_id INTEGER REFERENCES stories(id),
            story_locked INTEGER NOT NULL DEFAULT 0, -- a user correction pinned it here
            cluster_score REAL,
            cluster_explain TEXT,                   -- JSON: why it joined its story
            read INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_published ON articles(published);
        CREATE INDEX articles_story ON articles(story_id);
        CREATE INDEX articles_feed ON articles(feed_id, published);
        CREATE INDEX articles_url ON articles(url);

        CREATE TABLE article_entities (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            entity TEXT NOT NULL,
            kind TEXT NOT NULL,
            field TEXT NOT NULL,                    -- title | summary
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            rule TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX article_entities_article ON article_entities(article_id);
        CREATE INDEX article_entities_entity ON article_entities(entity, article_id);

        CREATE TABLE entities (                    -- every entity ever tagged, for listing
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            parent TEXT
        );

        CREATE TABLE corrections (                 -- user's split / merge, never undone
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                     -- split | merge
            article_id INTEGER,
            story_id INTEGER,
            into_story_id INTEGER,
            created_at TEXT NOT NULL
        );

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,                     -- watch | spike | feed
            watch TEXT NOT NULL,
            subject TEXT NOT NULL,                  -- story:ID | feed:ID | spike:ENTITY:DAY
            story_id INTEGER REFERENCES stories(id),
            feed_id INTEGER REFERENCES feeds(id),
            title TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'new',      -- new | seen | dismissed
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (watch, subject)
        );
        CREATE INDEX alerts_created ON alerts(created_at);
        CREATE INDEX alerts_story ON alerts(story_id);

        CREATE TABLE deliveries (                  -- notifications sent (or failed)
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            channel TEXT NOT NULL,
            status TEXT NOT NULL,                   -- sent | failed | pending
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        """
    )
    # FTS5 over title and summary, kept in sync by triggers. remove_diacritics 2 makes
    # "licence" find "Licence" and "licencé"; width folding is done by the query layer.
    db.executescript(
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, summary, content='articles', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, summary)
            VALUES (new.id, new.title, new.summary);
        END;
        CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
        END;
        CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, summary ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
            INSERT INTO articles_fts(rowid, title, summary)
            VALUES (new.id, new.title, new.summary);
        END;
        """
    )


@migrations()
def m002_ingest_feed_moved_from(db: Database) -> None:
    # A permanent redirect (301/308) moves feeds.url to the new address; moved_from keeps
    # the configured URL so the config still finds its feed row.
    db.execute("ALTER TABLE feeds ADD COLUMN moved_from TEXT")
    db.execute("CREATE INDEX feeds_moved_from ON feeds(moved_from)")


@migrations()
def m003_query_special_text(db: Database) -> None:
    # Articles whose title or summary holds characters FTS5's unicode61 tokenizer folds
    # differently from the query language (full-width forms, ligatures, ß, final sigma,
    # dotted I, enclosed numbers, CJK/kana/Hangul/Thai glued to Latin letters). Queries
    # always check these in memory; keeping the list here spares a GLOB over every row.
    chars = (
        "\uff01-\uffef\ufb00-\ufb06\u00df\u03c2\u0130\u2460-\u24ff\u0e00-\u0e7f"
        "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    )
    special = f"(new.title GLOB '*[{chars}]*' OR new.summary GLOB '*[{chars}]*')"
    db.executescript(
        f"""
        CREATE TABLE query_special (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        );
        CREATE TRIGGER query_special_ai AFTER INSERT ON articles WHEN {special} BEGIN
            INSERT OR IGNORE INTO query_special(article_id) VALUES (new.id);
        END;
        CREATE TRIGGER query_special_au AFTER UPDATE OF title, summary ON articles BEGIN
            DELETE FROM query_special WHERE article_id = new.id;
            INSERT INTO query_special(article_id) SELECT new.id WHERE {special};
        END;
        INSERT INTO query_special(article_id)
            SELECT id FROM articles
            WHERE title GLOB '*[{chars}]*' OR summary GLOB '*[{chars}]*';
        """
    )


@migrations()
def m004_ingest_query_special_by_writer(db: Database) -> None:
    # The m003 triggers ran two GLOBs over a long character class for every inserted or
    # edited article (~55 µs each, most of the insert's cost). The article writer
    # (chipwatch.store.queries) now keeps query_special itself with a compiled regex over
    # the same characters; rows already listed stay as the triggers left them. Code that
    # inserts articles by hand calls queries.refresh_query_special afterwards.
    db.executescript(
        """
        DROP TRIGGER IF EXISTS query_special_ai;
        DROP TRIGGER IF EXISTS query_special_au;
        """
    )


@migrations()
def m005_ingest_feed_error_detail(db: Database) -> None:
    # last_error is in plain words; the technical detail under it (the exception and
    # its cause, the parser's message) is kept apart for `feeds list --verbose`.
    db.execute("ALTER TABLE feeds ADD COLUMN last_error_detail TEXT")


@migrations()
def m006_article_texts(db: Database) -> None:
    # The main text of an article's web page (the reader view; full_text feeds), one row
    # per page URL as feeds link it, so a page is fetched once: its text or why there is
    # none, the validators for a conditional GET, and the extractor that made the text
    # (text from another extractor version is fetched again). analysed = 1 when tagging
    # and clustering saw the text (a full_text feed's article): the clusterer's index
    # reads it back with the article.
    db.executescript(
        """
        CREATE TABLE article_texts (
            url TEXT PRIMARY KEY,
            status TEXT NOT NULL,                   -- ok | error
            text TEXT NOT NULL DEFAULT '',          -- plain text, a blank line between paragraphs
            error TEXT,
            http_status INTEGER,
            etag TEXT,
            last_modified TEXT,
            final_url TEXT,
            extractor TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            analysed INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migrations()
def m007_clustering_settle_and_rarity(db: Database) -> None:
    # Issue 18. ``title_derived``: the parser filled the title from the summary's first
    # sentence (the feed gave none); clustering then compares no title, only the text.
    # ``feature_df``: ONE store-wide document-frequency table of the clustering features
    # (e entity, w word, p name, n figure, a action key), kept by the writer per feed
    # transaction, so rarity does not depend on arrival order; its total is the meta
    # row ``df_total`` (absent: the clusterer seeds the table on first use).
    # ``unsettled``: articles placed provisionally, waiting for the round-end settle pass.
    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN title_derived INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE feature_df (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            df INTEGER NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
        CREATE TABLE unsettled (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        );
        """
    )


@migrations()
def m008_alerts_article(db: Database) -> None:
    # Issue 18. The article that raised a watch alert: after a settle pass (or a user's
    # split or merge) the alert follows it to the story that holds it, so a story the
    # pass splits keeps no alert its watch no longer matches and the watched part is
    # not alerted twice. NULL for alerts from before (and for spike and feed alerts):
    # those stay with their story, following merges only, as they did.
    db.execute("ALTER TABLE alerts ADD COLUMN article_id INTEGER REFERENCES articles(id)")


@migrations()
def m009_clustering_unsettled_features(db: Database) -> None:
    # Session 28. The comparable features of an article waiting for the settle pass, as
    # the parse worker computed them (chipwatch.clustering.feature_codec: a versioned,
    # checksummed encoding; NULL: none kept, the pass computes them from the article).
    # They go with the row when the pass settles the article: nothing stays for good.
    db.execute("ALTER TABLE unsettled ADD COLUMN features BLOB")


def known_migration_names() -> set[str]:
    """Names this version of chipwatch knows; a store with others is from a newer one."""
    return {m.name for m in migrations._migrations}


def apply_pending(db: Database) -> None:
    """Apply the pending migrations to ``db``'s store (through :class:`_Scripts`)."""
    migrations.apply(_Scripts(db.conn, execute_plugins=False))


class _Scripts(Database):
    """A Database whose ``executescript`` inside a transaction (every migration runs in
    one) finds the script's statements at its semicolons: sqlite_utils tests the script
    with ``sqlite3.complete_statement`` after every character, ~25 ms of making a store
    (the first import's start-up). The statements are the same (test_store_scripts.py)."""

    def executescript(self, sql: str) -> sqlite3.Cursor:
        if not self.conn.in_transaction:
            return super().executescript(sql)
        cursor = self.conn.cursor()
        for statement in statements(sql):
            cursor.execute(statement)
        return cursor


def statements(sql: str) -> Iterator[str]:
    """The statements of ``sql``, stripped, as sqlite_utils splits them: a statement
    ends at the first semicolon where SQLite calls the text so far complete (not one
    in a string, a comment or a trigger's body); a rest without one is a statement."""
    pieces = sql.split(";")
    pending = ""
    for piece in pieces[:-1]:
        pending += piece + ";"
        statement = pending.strip()
        if sqlite3.complete_statement(statement):
            yield statement
            pending = ""
    rest = (pending + pieces[-1]).strip()
    if rest:
        yield rest
