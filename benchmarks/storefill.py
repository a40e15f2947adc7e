"""Fill a store with a synthetic archive quickly, bypassing fetch and parse.

Articles come from :mod:`benchmarks.synth` (deterministic); every event becomes one
story; entity tags come from chipwatch's real tagger. Rows are written in one
transaction with ``executemany``, so 100,000 articles take seconds, not the minutes
a real ingest of the same archive takes: the benchmarks that need a big store (the
monitor's first paint) measure reading it, not filling it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.synth import OUTLETS, SynthArticle, generate_articles
from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.queries import refresh_query_special
from chipwatch.timeutil import iso


def fill_store(
    path: Path, count: int, *, now: datetime, seed: int = 3, span: timedelta = timedelta(days=365)
) -> int:
    """Write ``count`` articles (ending at ``now``) into a new store; return the stories."""
    from chipwatch.entities.tagger import build_tagger

    tagger = build_tagger(None)
    articles = list(generate_articles(count, seed=seed, start=now - span, span=span))
    db = open_db(path)
    with write_transaction(db):
        db.conn.executemany(
            "INSERT INTO feeds (id, url, name, created_at, last_status) VALUES (?, ?, ?, ?, 'ok')",
            [
                (i + 1, f"https://outlet{i}.example/feed", f"Outlet {i}", iso(now - span))
                for i in range(OUTLETS)
            ],
        )
        stories = _stories(articles)
        db.conn.executemany(
            "INSERT INTO stories (id, title, headline_article_id, first_seen, last_updated, "
            "created_at, article_count, outlet_count, languages) VALUES (?,?,?,?,?,?,?,?,?)",
            stories,
        )
        db.conn.executemany(
            "INSERT INTO articles (id, key, feed_id, guid, url, title, summary, lang, "
            "published, fetched_at, updated_at, story_id, cluster_score) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1.0)",
            [
                (
                    n + 1,
                    a.guid,
                    a.outlet + 1,
                    a.guid,
                    a.url,
                    a.title,
                    a.summary,
                    a.lang,
                    iso(a.published),
                    iso(a.published),
                    iso(a.published),
                    a.event + 1,
                )
                for n, a in enumerate(articles)
            ],
        )
        db.conn.executemany(
            'INSERT INTO article_entities (article_id, entity, kind, field, start, "end", rule) '
            "VALUES (?,?,?,?,?,?,'')",
            [
                (n + 1, m.entity, m.kind, m.field, m.start, m.end)
                for n, a in enumerate(articles)
                for m in tagger.tag(a.title, a.summary)
            ],
        )
        refresh_query_special(db)  # the ingest writer keeps it; rows inserted here
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return len(stories)


def _stories(articles: list[SynthArticle]) -> list[tuple[object, ...]]:
    grouped: dict[int, list[tuple[int, SynthArticle]]] = {}
    for number, article in enumerate(articles, start=1):
        grouped.setdefault(article.event, []).append((number, article))
    rows = []
    for event, members in sorted(grouped.items()):
        first = min(a.published for _, a in members)
        last = max(a.published for _, a in members)
        languages = sorted({a.lang for _, a in members})
        rows.append(
            (
                event + 1,
                members[0][1].title,
                members[0][0],
                iso(first),
                iso(last),
                iso(first),
                len(members),
                len({a.outlet for _, a in members}),
                json.dumps(languages),
            )
        )
    return rows
