"""A seeded store for the monitor's tests: fixed clock, our own fixture stories.

The rows are written directly (not through ingest) so the monitor's tests do not depend
on the parser, tagger or clusterer: they describe exactly what the monitor must show.
Every sentence here is written for these tests.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chipwatch.store.db import open_db, write_transaction
from chipwatch.store.queries import refresh_query_special
from chipwatch.timeutil import iso

ROOT_HINT = str(Path(__file__).resolve().parent.parent)
SEED_NOW = datetime(2025, 7, 16, 12, 0, tzinfo=UTC)
HOSTILE_TITLE = "[bold red]boom[/] \x1b[2J reset"

FEEDS = [
    ("Wire East", "https://wire-east.example/rss"),
    ("Tech Hebdo", "https://techhebdo.example/feed"),
    ("Halbleiter Heute", "https://halbleiter.example/atom"),
    ("Chip Shimbun", "https://chipshimbun.example/rss"),
    ("Policy Ledger", "https://policyledger.example/rss"),
]

# (hours ago, feed index, lang, title, summary, [(entity, kind)], story key)
ARTICLES = [
    (
        2,
        0,
        "en",
        "US lets NVIDIA restart H20 shipments to China",
        "Washington signalled that licences for the H20 accelerator will be granted, "
        "a reversal welcomed by NVIDIA and watched closely by AMD.",
        [("NVIDIA", "company"), ("H20", "chip"), ("China", "place"), ("AMD", "company")],
        "h20",
    ),
    (
        3,
        1,
        "fr",
        "NVIDIA va reprendre les ventes de sa puce H2O en Chine",
        "Le fabricant américain annonce que les licences d'exportation pour la puce "
        "seront accordées par Washington.",
        [("NVIDIA", "company"), ("H20", "chip"), ("China", "place")],
        "h20",
    ),
    (
        4,
        2,
        "de",
        "Nvidia darf H20 wieder nach China liefern",
        "Die US-Regierung will Exportlizenzen erteilen; auch AMD hofft auf den MI308.",
        [("NVIDIA", "company"), ("H20", "chip"), ("AMD", "company"), ("MI308", "chip")],
        "h20",
    ),
    (
        6,
        4,
        "en",
        "Commerce adds eleven firms to the Entity List",
        "The Bureau of Industry and Security named companies accused of diverting "
        "advanced chips; the export controls take effect at once.",
        [("BIS", "agency"), ("Entity List", "policy"), ("export controls", "policy")],
        "entity",
    ),
    (
        9,
        3,
        "ja",
        "東京エレクトロン、第2四半期の受注が増加",
        "半導体製造装置の需要が中国向けを中心に伸びた。",
        [("Tokyo Electron", "company"), ("China", "place")],
        "tel",
    ),
    (
        12,
        0,
        "en",
        HOSTILE_TITLE,
        "A summary carrying [link=https://evil.example]markup[/link] and \x1b]52;c;Zm9v\x07 "
        "escapes that must stay inert.",
        [("TSMC", "company")],
        "hostile",
    ),
    (
        20,
        2,
        "de",
        "ASML meldet starke Nachfrage nach EUV-Anlagen",
        "Der Konzern aus Veldhoven sieht keinen Einbruch trotz neuer Exportregeln.",
        [("ASML", "company"), ("EUV", "policy")],
        "asml",
    ),
    (
        30,
        0,
        "en",
        "TSMC lifts capital spending for Arizona fabs",
        "The foundry will add a third plant in Arizona and speed up 2 nm output.",
        [("TSMC", "company"), ("United States", "place")],
        "tsmc",
    ),
    (
        31,
        4,
        "en",
        "TSMC raises its Arizona investment plan",
        "Another report on the foundry's bigger budget for its US sites.",
        [("TSMC", "company"), ("United States", "place")],
        "tsmc",
    ),
    (
        50,
        1,
        "fr",
        "Huawei présente un nouveau processeur Ascend",
        "Le groupe chinois affirme que sa puce rivalise avec les meilleures du marché.",
        [("Huawei", "company"), ("Ascend", "chip"), ("China", "place")],
        "ascend",
    ),
    (
        80,
        3,
        "zh",
        "英伟达发布面向中国市场的新芯片",
        "新芯片符合美国出口管制要求。",
        [("NVIDIA", "company"), ("China", "place"), ("export controls", "policy")],
        "cn",
    ),
    (
        200,
        4,
        "en",
        "Dutch government widens DUV licence rules",
        "Older immersion scanners now need a licence before export.",
        [("ASML", "company"), ("export controls", "policy")],
        "duv",
    ),
    (
        900,
        0,
        "en",
        "Samsung begins HBM4 sampling",
        "The memory maker shipped early stacks to two customers.",
        [("Samsung", "company"), ("HBM4", "chip")],
        "hbm",
    ),
]

ALIASES = {
    "H20": ("H2O",),
    "China": ("Chine", "中国"),
    "NVIDIA": ("英伟达",),
    "Tokyo Electron": ("東京エレクトロン",),
    "export controls": ("出口管制", "Exportregeln"),
    "United States": ("US",),
    "Entity List": ("Entity List",),
}

WATCHES = [("H20 exports", "h20", 1.5), ("Entity List", "entity", 5.5)]


def seed_config(path: Path, *, extra: str = "") -> Path:
    """A small config naming the seeded feeds and a watch."""
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\nname = "{name}"\n\n' for name, url in FEEDS)
    text = (
        '[poll]\ninterval = "15m"\n\n'
        + feeds
        + '[[watch]]\nname = "H20 exports"\nquery = "@H20"\n\n'
        + '[ui]\ntheme = "textual-dark"\nlanguages = ["en", "fr"]\nwindow = "7d"\n'
        + extra
    )
    path.write_text(text, encoding="utf-8")
    return path


def build_seed_store(path: Path, *, now: datetime = SEED_NOW) -> Path:
    """Write the fixture feeds, articles, stories, entity spans and alerts to ``path``."""
    db = open_db(path)
    with write_transaction(db):
        feed_ids = [_insert_feed(db, name, url, now) for name, url in FEEDS]
        stories: dict[str, int] = {}
        starters: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        starter_ids: dict[str, int] = {}
        for hours, feed, lang, title, summary, ents, key in reversed(ARTICLES):
            published = now - timedelta(hours=hours)
            story_id = stories.get(key) or _insert_story(db, title, published, now)
            stories[key] = story_id
            first = starters.setdefault(key, (title + " " + summary, ents))
            explain = (
                None
                if first[1] is ents
                else _explain(first, title + " " + summary, ents, starter_ids[key])
            )
            article_id = _insert_article(
                db, feed_ids[feed], story_id, lang, title, summary, published, now, explain
            )
            starter_ids.setdefault(key, article_id)
            _insert_spans(db, article_id, title, summary, ents)
        for story_id in stories.values():
            _refresh_story(db, story_id)
        refresh_query_special(db)  # the ingest writer keeps it; rows inserted by hand
        for watch, key, hours in WATCHES:
            _insert_alert(db, watch, stories[key], now - timedelta(hours=hours))
        _fail_one_feed(db, feed_ids[3], now)
    db.close()
    return path


def _insert_feed(db, name: str, url: str, now: datetime) -> int:
    return int(
        db["feeds"]
        .insert(
            {
                "url": url,
                "name": name,
                "created_at": iso(now),
                "last_status": "ok",
                "last_http_status": 200,
                "last_fetch_at": iso(now - timedelta(minutes=5)),
                "last_ok_at": iso(now - timedelta(minutes=5)),
                "next_poll_at": iso(now + timedelta(minutes=10)),
            }
        )
        .last_pk
    )


def _fail_one_feed(db, feed_id: int, now: datetime) -> None:
    db.execute(
        "UPDATE feeds SET last_status = 'error', last_http_status = 503, error_count = 2, "
        "last_error = 'HTTP 503 Service Unavailable', next_poll_at = ? WHERE id = ?",
        [iso(now + timedelta(minutes=30)), feed_id],
    )


def _insert_story(db, title: str, published: datetime, now: datetime) -> int:
    return int(
        db["stories"]
        .insert(
            {
                "title": title,
                "first_seen": iso(published),
                "last_updated": iso(published),
                "created_at": iso(now),
            }
        )
        .last_pk
    )


def _explain(
    first: tuple[str, list[tuple[str, str]]],
    text: str,
    ents: list[tuple[str, str]],
    matched: int,
) -> dict:
    """A plausible clustering explanation: shared entities and shared long words, the
    match being the article that started the story (``matched``)."""
    shared = [name for name, _ in ents if name in {n for n, _ in first[1]}]
    words = sorted(
        {w.strip(".,;'").lower() for w in text.split() if len(w) > 5}
        & {w.strip(".,;'").lower() for w in first[0].split() if len(w) > 5}
    )
    score = round(min(0.95, 0.4 + 0.15 * len(shared) + 0.05 * len(words)), 2)
    return {
        "new_story": False,
        "score": score,
        "parts": {"entities": round(min(1.0, 0.3 * len(shared)), 2), "title": 0.6, "time": 0.95},
        "shared_entities": shared,
        "shared_words": words[:4],
        "matched_article_id": matched,
    }


def _insert_article(
    db,
    feed_id: int,
    story_id: int,
    lang: str,
    title: str,
    summary: str,
    published: datetime,
    now: datetime,
    explain: dict | None = None,
) -> int:
    explain = explain or {
        "new_story": True,
        "score": 0.0,
        "parts": {},
        "shared_entities": [],
        "shared_words": [],
        "matched_article_id": None,
    }
    slug = zlib.crc32(f"{feed_id}:{title}".encode()) % 10**8
    return int(
        db["articles"]
        .insert(
            {
                "key": f"seed-{feed_id}-{slug}",
                "feed_id": feed_id,
                "url": f"https://news.example/{slug}",
                "title": title,
                "summary": summary,
                "lang": lang,
                "published": iso(published),
                "fetched_at": iso(now),
                "updated_at": iso(now),
                "story_id": story_id,
                "cluster_score": explain["score"],
                "cluster_explain": json.dumps(explain),
            }
        )
        .last_pk
    )


def _insert_spans(
    db, article_id: int, title: str, summary: str, ents: list[tuple[str, str]]
) -> None:
    for entity, kind in ents:
        db.execute("INSERT OR IGNORE INTO entities (name, kind) VALUES (?, ?)", [entity, kind])
        placed = False
        for field, text in (("title", title), ("summary", summary)):
            for alias in (entity, *ALIASES.get(entity, ())):
                start = text.lower().find(alias.lower())
                if start >= 0:
                    db["article_entities"].insert(
                        {
                            "article_id": article_id,
                            "entity": entity,
                            "kind": kind,
                            "field": field,
                            "start": start,
                            "end": start + len(alias),
                            "rule": alias,
                        }
                    )
                    placed = True
                    break
        if not placed:  # a mention under another alias (e.g. "Chine" for China)
            db["article_entities"].insert(
                {
                    "article_id": article_id,
                    "entity": entity,
                    "kind": kind,
                    "field": "title",
                    "start": 0,
                    "end": 0,
                    "rule": "alias",
                }
            )


def _refresh_story(db, story_id: int) -> None:
    row = db.execute(
        "SELECT min(published), max(published), count(*), count(DISTINCT feed_id), "
        "json_group_array(DISTINCT lang), min(id) FROM articles WHERE story_id = ?",
        [story_id],
    ).fetchone()
    db.execute(
        "UPDATE stories SET first_seen = ?, last_updated = ?, article_count = ?, "
        "outlet_count = ?, languages = ?, headline_article_id = ?, title = (SELECT title FROM "
        "articles WHERE story_id = ? ORDER BY lang = 'en' DESC, published LIMIT 1) WHERE id = ?",
        [row[0], row[1], row[2], row[3], row[4], row[5], story_id, story_id],
    )


def _insert_alert(db, watch: str, story_id: int, at: datetime) -> None:
    title = db.execute("SELECT title FROM stories WHERE id = ?", [story_id]).fetchone()[0]
    db["alerts"].insert(
        {
            "kind": "watch",
            "watch": watch,
            "subject": f"story:{story_id}",
            "story_id": story_id,
            "title": title,
            "state": "new",
            "created_at": iso(at),
            "updated_at": iso(at),
        }
    )


def add_story(
    path: Path,
    title: str,
    published: datetime,
    *,
    now: datetime = SEED_NOW,
    feed_id: int = 1,
    lang: str = "en",
) -> int:
    """Add one more single-article story (what a poll would do), for live-update tests."""
    db = open_db(path)
    with write_transaction(db):
        story_id = _insert_story(db, title, published, now)
        _insert_article(db, feed_id, story_id, lang, title, "", published, now)
        _refresh_story(db, story_id)
    db.close()
    return story_id


def build_large_store(path: Path, *, stories: int, now: datetime = SEED_NOW) -> Path:
    """Many one-article stories, one per 10 minutes back from ``now`` (paging tests)."""
    db = open_db(path)
    with write_transaction(db):
        feed_id = _insert_feed(db, "Bulk Wire", "https://bulk.example/rss", now)
        for n in range(stories):
            published = iso(now - timedelta(minutes=10 * n))
            story_id = db.execute(
                "INSERT INTO stories (title, first_seen, last_updated, created_at, article_count,"
                " outlet_count, languages) VALUES (?, ?, ?, ?, 1, 1, '[\"en\"]')",
                [f"Bulk story number {n}", published, published, iso(now)],
            ).lastrowid
            db.execute(
                "INSERT INTO articles (key, feed_id, url, title, lang, published, fetched_at, "
                "updated_at, story_id) VALUES (?, ?, ?, ?, 'en', ?, ?, ?, ?)",
                [
                    f"bulk-{n}",
                    feed_id,
                    f"https://bulk.example/{n}",
                    f"Bulk story number {n}",
                    published,
                    iso(now),
                    iso(now),
                    story_id,
                ],
            )
    db.close()
    return path
